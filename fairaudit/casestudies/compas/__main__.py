"""``python -m fairaudit.casestudies.compas --out DIR [--quick]``: write ``DIR/compas.html``."""

import sys

from .. import script_main

if __name__ == "__main__":
    sys.exit(script_main("compas"))
