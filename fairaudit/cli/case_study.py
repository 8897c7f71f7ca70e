"""``fairaudit case-study``: list or run the case studies that ship with fairaudit."""

from __future__ import annotations

import argparse
import importlib.util
import textwrap
from html.parser import HTMLParser
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
    label = f"running case study {args.name}" + (" (quick)" if args.quick else "")
    with Progress(enabled=not args.quiet, lines=not args.quiet).step(label):
        path = module.run(Path(args.out), quick=args.quick)
    if not args.quiet:
        for line in headline_lines(Path(path)):
            print(line)
        print(f"report written to {path}")
    return EXIT_OK


#: At most this many findings of a report's summary are printed.
MAX_FINDINGS = 6


class _SummaryText(HTMLParser):
    """The paragraphs and list items of a report's ``<section id="summary">``."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # > 0 inside the summary section
        self.items: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            if tag == "section":
                self.depth += 1
            elif tag in ("p", "li"):
                self._text = []
        elif tag == "section" and dict(attrs).get("id") == "summary":
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "section":
            self.depth -= 1
        elif tag in ("p", "li") and self._text is not None:
            text = " ".join("".join(self._text).split())
            if text:
                self.items.append(text)
            self._text = None

    def handle_data(self, data: str) -> None:
        if self.depth and self._text is not None:
            self._text.append(data)


def headline_lines(report: Path, width: int = 88) -> list[str]:
    """The headline findings of a case study: its report's summary, wrapped for a terminal
    (none when the report has no summary section)."""
    try:
        html = report.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    parser = _SummaryText()
    parser.feed(html)
    if not parser.items:
        return []
    lines = ["findings:"]
    for item in parser.items[:MAX_FINDINGS]:
        lines += textwrap.wrap(item, width, initial_indent="  - ", subsequent_indent="    ")
    if len(parser.items) > MAX_FINDINGS:
        lines.append(f"  ... {len(parser.items) - MAX_FINDINGS} more in the report")
    return lines
