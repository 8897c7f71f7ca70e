"""Predictive-policing case study: the runaway feedback loop of Ensign et al., simulated.

Usage::

    python case_studies/policing.py --out reports/

writes ``reports/policing.html``. Same as ``fairaudit case-study run policing``.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from fairaudit.casestudies.policing import run


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the case study and print the report's path."""
    parser = argparse.ArgumentParser(
        description="Simulate the predictive-policing feedback loop (five scenarios) and "
        "write an HTML report."
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path("."),
        help="folder for policing.html (created if needed; default: current folder)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer runs and steps (seconds; same qualitative findings)",
    )
    args = parser.parse_args(argv)
    path = run(args.out, quick=args.quick)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
