"""``python -m fairaudit.casestudies.hiring --out DIR [--quick]``: write ``DIR/hiring.html``."""

import sys

from .. import script_main

if __name__ == "__main__":
    sys.exit(script_main("hiring"))
