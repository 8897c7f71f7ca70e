"""Credit case study: Hardt, Price & Srebro's FICO lending thresholds, reproduced exactly.

Usage::

    python case_studies/credit.py --out reports/ [--quick]

writes ``reports/credit.html``. Same as ``fairaudit case-study run credit``.
"""

import sys

from fairaudit.casestudies import script_main

if __name__ == "__main__":
    sys.exit(script_main("credit"))
