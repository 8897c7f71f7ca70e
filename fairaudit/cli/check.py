"""``fairaudit check``: apply fairness gates to saved results (CI)."""

from __future__ import annotations

import argparse
from typing import Any

from ._errors import EXIT_CODES_TEXT
from ._finish import finish
from ._gates import parse_gate
from ._outputs import check_outputs, markdown_output, summary_stream, write_outputs
from ._parser import add_common_output, formatter
from ._read import load_results

NAME = "check"

EPILOG = (
    """\
examples:
  fairaudit check results.json                       # fail (exit 1) when the verdict is FAIL
  fairaudit check results.json --strict              # INCONCLUSIVE fails too (exit 5)
  fairaudit check results.json --fail-on "demographic_parity_ratio<0.8" \\
      --fail-on "race:equal_opportunity_difference>0.05"
  fairaudit check results.json --markdown "$GITHUB_STEP_SUMMARY"

"""
    + EXIT_CODES_TEXT
)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``check`` and its options to the sub-command parsers ``sub``."""
    c = sub.add_parser(
        NAME,
        help="apply fairness gates to saved results (CI)",
        description="Read results written by 'fairaudit audit --json' (or "
        "AuditResult.to_json) and exit 1 when a gate fails. Without --fail-on, the gate is "
        "the overall verdict.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    c.add_argument("results", metavar="RESULTS.json")
    c.add_argument(
        "--fail-on",
        action="append",
        metavar="GATE",
        default=[],
        help="gate as in 'fairaudit audit --help' (repeatable)",
    )
    c.add_argument(
        "--strict",
        action="store_true",
        help="also fail (exit 5) when the overall verdict is not PASS, e.g. INCONCLUSIVE "
        "because nothing could be evaluated or the model is degenerate",
    )
    c.add_argument(
        "--markdown",
        metavar="FILE",
        help="append a Markdown summary, e.g. to $GITHUB_STEP_SUMMARY ('-' = stdout)",
    )
    add_common_output(c)
    return c


def run(args: argparse.Namespace) -> int:
    """Run ``fairaudit check``; return the exit code."""
    for gate in args.fail_on:
        parse_gate(gate)
    summary_stream(args)
    check_outputs([("--markdown", args.markdown)], [("RESULTS.json", args.results)])
    result = load_results(args.results)
    write_outputs(markdown_output([result], args, "Fairness audit"))
    return finish(result, args, args.fail_on, default_gate=True, strict=args.strict)
