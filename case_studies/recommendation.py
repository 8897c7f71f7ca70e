"""Recommendation case study: the feedback loop that narrows what people see, simulated.

Usage::

    python case_studies/recommendation.py --out reports/ [--quick]

writes ``reports/recommendation.html``. Same as ``fairaudit case-study run recommendation``.
"""

import sys

from fairaudit.casestudies import script_main

if __name__ == "__main__":
    sys.exit(script_main("recommendation"))
