"""Hiring case study: gender bias that survives dropping the gender column.

Usage::

    python case_studies/hiring.py --out reports/ [--quick]

writes ``reports/hiring.html``. Same as ``fairaudit case-study run hiring``.
"""

import sys

from fairaudit.casestudies import script_main

if __name__ == "__main__":
    sys.exit(script_main("hiring"))
