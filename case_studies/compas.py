"""COMPAS case study: ProPublica's error rates, Northpointe's calibration, and why both hold.

Usage::

    python case_studies/compas.py --out reports/

writes ``reports/compas.html``. Same as ``fairaudit case-study run compas``.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from fairaudit.casestudies.compas import run


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the case study and print the report's path."""
    parser = argparse.ArgumentParser(
        description="COMPAS: reproduce ProPublica's and Northpointe's analyses and write "
        "an HTML report."
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path("."),
        help="folder for compas.html (created if needed; default: current folder)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer bootstrap replicates (faster; same point estimates)",
    )
    args = parser.parse_args(argv)
    path = run(args.out, quick=args.quick)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
