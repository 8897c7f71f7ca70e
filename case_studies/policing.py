"""Predictive-policing case study: the runaway feedback loop, simulated, and its correction.

Usage::

    python case_studies/policing.py --out reports/ [--quick]

writes ``reports/policing.html``. Same as ``fairaudit case-study run policing``.
"""

import sys

from fairaudit.casestudies import script_main

if __name__ == "__main__":
    sys.exit(script_main("policing"))
