"""Hiring case study: gender bias that survives dropping the gender column.

Usage::

    python case_studies/hiring.py --out reports/

writes ``reports/hiring.html``. Same as ``fairaudit case-study run hiring``.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from fairaudit.casestudies.hiring import run


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the case study and print the report's path."""
    parser = argparse.ArgumentParser(
        description="Train resume screens on synthetic biased hiring data, audit them with "
        "and without the gender column, compare the mitigators, inject each bias on its own, "
        "and write an HTML report."
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path("."),
        help="folder for hiring.html (created if needed; default: current folder)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller samples and no bootstrap intervals (faster; same qualitative findings)",
    )
    args = parser.parse_args(argv)
    path = run(args.out, quick=args.quick)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
