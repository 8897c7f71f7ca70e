"""COMPAS case study: ProPublica's error rates, Northpointe's calibration, and why both hold.

Usage::

    python case_studies/compas.py --out reports/ [--quick]

writes ``reports/compas.html``. Same as ``fairaudit case-study run compas``.
"""

import sys

from fairaudit.casestudies import script_main

if __name__ == "__main__":
    sys.exit(script_main("compas"))
