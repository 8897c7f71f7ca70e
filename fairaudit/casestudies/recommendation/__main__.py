"""``python -m fairaudit.casestudies.recommendation --out DIR [--quick]``: write ``DIR/recommendation.html``."""

import sys

from .. import script_main

if __name__ == "__main__":
    sys.exit(script_main("recommendation"))
