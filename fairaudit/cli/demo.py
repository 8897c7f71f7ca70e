"""``fairaudit demo``: audit the bundled UCI Adult data end to end and write a report."""

from __future__ import annotations

import argparse
from typing import Any

from ._errors import EXIT_OK
from ._outputs import (
    Output,
    check_outputs,
    emit,
    json_output,
    summary_stream,
    write_outputs,
    written,
)
from ._parser import add_common_output, formatter, seed
from ._progress import Progress
from ._summary import summary_lines

NAME = "demo"

EPILOG = """\
examples:
  fairaudit demo                          # writes report.html in the current directory
  fairaudit demo --out /tmp/demo.html --json /tmp/demo.json
  fairaudit demo --no-mitigation --quiet
  fairaudit demo --full-mitigation       # also the in-processing (reductions) mitigator
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``demo`` and its options to the sub-command parsers ``sub``."""
    d = sub.add_parser(
        NAME,
        help="audit built-in data end to end and write report.html",
        description="Train a model on the bundled UCI Adult census data without the sex and "
        "race columns, audit it for both and their intersection, compare mitigations, and "
        "write a self-contained HTML report.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    d.add_argument(
        "--out",
        default="report.html",
        metavar="FILE.html",
        help="where to write the report (default report.html)",
    )
    d.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-' = stdout)")
    d.add_argument(
        "--no-mitigation", action="store_true", help="skip the mitigation comparison (faster)"
    )
    d.add_argument(
        "--full-mitigation",
        action="store_true",
        help="also compare the reductions approach (ConstrainedClassifier; slower)",
    )
    d.add_argument("--seed", type=seed, default=0, metavar="N", help="random seed (default 0)")
    add_common_output(d)
    return d


def run(args: argparse.Namespace) -> int:
    """Run ``fairaudit demo``; return the exit code."""
    from ..report import render
    from ._demo_run import demo_sections, run_demo

    stream = summary_stream(args)
    check_outputs([("--out", args.out), ("--json", args.json)])
    result, comparison = run_demo(
        seed=args.seed,
        mitigation=not args.no_mitigation,
        full_mitigation=args.full_mitigation,
        progress=Progress(),
    )
    with Progress().step("rendering the report"):
        html = render(
            result,
            comparison=comparison,
            title="fairaudit demo: income model on UCI Adult",
            sections=demo_sections(),
        )
    write_outputs([Output("--out", args.out, html), *json_output(result, args.json)])
    if not args.quiet:
        emit(summary_lines(result, limit=12), stream)
        if comparison is not None:
            print(
                f"mitigation comparison: {len(comparison.models)} models (see the report)",
                file=stream,
            )
        emit(list(written(args.out)), stream)
    return EXIT_OK
