"""``fairaudit case-study``: list or run the case studies that ship with fairaudit."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

from ._errors import EXIT_OK, CLIError
from ._outputs import check_folder
from ._parser import Parser, add_common_output, formatter
from ._progress import Progress

NAME = "case-study"

ERR_CASE_UNKNOWN = "argument NAME: unknown case study '{name}'; choose one of: {known}"
ERR_CASE_MISSING = (
    "argument NAME: case study '{name}' is registered but its module is not installed"
)
ERR_CASE_ACTION = "choose an action: 'list' or 'run NAME' (see 'fairaudit case-study --help')"

EPILOG = """\
examples:
  fairaudit case-study list
  fairaudit case-study run compas --out reports/
  fairaudit case-study run hiring --out /tmp/hiring --quick
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``case-study`` (``list``, ``run NAME``) to the sub-command parsers ``sub``."""
    cs = sub.add_parser(
        NAME,
        help="list or run the bundled case studies",
        description="Run the case studies that ship with fairaudit; each writes an HTML report.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    cs_sub = cs.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    cs_sub.add_parser(
        "list",
        help="list the case studies",
        epilog=EPILOG,
        formatter_class=formatter,
        description="List the case studies.",
    )
    run_parser = cs_sub.add_parser(
        "run",
        help="run one case study",
        epilog=EPILOG,
        formatter_class=formatter,
        description="Run a case study and write its report into --out.",
    )
    run_parser.add_argument("name", metavar="NAME")
    run_parser.add_argument(
        "--out",
        default=".",
        metavar="DIR",
        help="output directory (created if needed; default: current directory)",
    )
    run_parser.add_argument("--quick", action="store_true", help="smaller, faster version")
    add_common_output(run_parser)
    add_common_output(cs)
    return cs


def run(args: argparse.Namespace) -> int:
    """Run ``fairaudit case-study``; return the exit code."""
    from ..casestudies import CASE_STUDIES, load_case_study

    if args.action is None:
        raise CLIError(ERR_CASE_ACTION)
    if args.action == "list":
        width = max(len(n) for n in CASE_STUDIES)
        for name, (module, description) in sorted(CASE_STUDIES.items()):
            available = importlib.util.find_spec(module) is not None
            note = "" if available else "  (not installed)"
            print(f"{name:<{width}}  {description}{note}")
        return EXIT_OK
    if args.name not in CASE_STUDIES:
        raise CLIError(
            ERR_CASE_UNKNOWN.format(name=args.name, known=", ".join(sorted(CASE_STUDIES)))
        )
    if importlib.util.find_spec(CASE_STUDIES[args.name][0]) is None:
        raise CLIError(ERR_CASE_MISSING.format(name=args.name))
    check_folder("--out", args.out)
    module = load_case_study(args.name)
    with Progress().step(f"running case study {args.name}" + (" (quick)" if args.quick else "")):
        path = module.run(Path(args.out), quick=args.quick)
    if not args.quiet:
        print(f"report written to {path}")
    return EXIT_OK
