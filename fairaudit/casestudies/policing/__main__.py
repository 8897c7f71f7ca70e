"""``python -m fairaudit.casestudies.policing --out DIR [--quick]``: write ``DIR/policing.html``."""

import sys

from .. import script_main

if __name__ == "__main__":
    sys.exit(script_main("policing"))
