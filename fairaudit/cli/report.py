"""``fairaudit report``: render the HTML report from saved results, recomputing nothing."""

from __future__ import annotations

import argparse
from typing import Any

from ._errors import EXIT_OK
from ._outputs import (
    Output,
    check_outputs,
    emit,
    markdown_output,
    summary_stream,
    write_outputs,
    written,
)
from ._parser import add_common_output, formatter
from ._progress import Progress
from ._read import load_results

NAME = "report"

EPILOG = """\
examples:
  fairaudit report results.json --out report.html
  fairaudit report model_a.json model_b.json --out comparison.html --title "Models A and B"

The report is rendered from the saved results only; nothing is recomputed.
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``report`` and its options to the sub-command parsers ``sub``."""
    r = sub.add_parser(
        NAME,
        help="render an HTML report from saved results",
        description="Render the HTML report from saved JSON results without recomputing.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    r.add_argument("results", nargs="+", metavar="RESULTS.json")
    r.add_argument("--out", required=True, metavar="FILE.html", help="where to write the report")
    r.add_argument("--title", default="Fairness audit", help="report title")
    r.add_argument(
        "--markdown", metavar="FILE", help="also append a Markdown summary ('-' = stdout)"
    )
    add_common_output(r)
    return r


def run(args: argparse.Namespace) -> int:
    """Run ``fairaudit report``; return the exit code."""
    stream = summary_stream(args)
    check_outputs(
        [("--out", args.out), ("--markdown", args.markdown)],
        [("RESULTS.json", p) for p in args.results],
    )
    results = [load_results(p) for p in args.results]
    from ..report import render

    with Progress().step("rendering the report"):
        html = render(*results, title=args.title)
    write_outputs([Output("--out", args.out, html), *markdown_output(results, args, args.title)])
    if not args.quiet:
        emit(list(written(args.out)), stream)
    return EXIT_OK
