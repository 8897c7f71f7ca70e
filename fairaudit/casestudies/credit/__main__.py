"""``python -m fairaudit.casestudies.credit --out DIR [--quick]``: write ``DIR/credit.html``."""

import sys

from .. import script_main

if __name__ == "__main__":
    sys.exit(script_main("credit"))
