"""``fairaudit ll144``: the NYC Local Law 144 bias audit of a CSV or Parquet file."""

from __future__ import annotations

import argparse
import math
import re
import sys
from typing import Any

from ._errors import (
    EXIT_GATE_FAILED,
    EXIT_NOTHING_EVALUATED,
    EXIT_OK,
    CLIError,
    library_errors,
)
from ._outputs import Output, check_outputs, write_outputs
from ._parser import add_common_output, formatter
from ._read import check_columns, read_columns, read_table

NAME = "ll144"

LL144_EPILOG = """\
examples:
  fairaudit ll144 data.csv --sex gender --race-ethnicity race --selected hired --out audit.html
  fairaudit ll144 data.csv --sex gender --race-ethnicity race --score score \\
      --exclude-below 0.02 --source "2025 applicants, all employers" --json audit.json
  fairaudit ll144 data.parquet --sex sex --race-ethnicity race --selected advanced \\
      --fail-on "impact_ratio<0.8" --fail-on significant

The sex and race/ethnicity columns of a CSV file are read as written; an empty field and
the --unknown values (default: unknown, not specified, declined, ...) are the unknown
category, counted and left out of the rates.

gates (--fail-on, repeatable): 'impact_ratio<V' (or <=) fails when the impact ratio of any
category compared is below V, 'TABLE:impact_ratio<V' for one table (sex, race_ethnicity,
intersectional); 'significant' fails when any category is below four fifths of the top rate
and the difference is statistically significant.

exit codes:
  0  all gates pass (or no gate was asked for)
  1  a gate failed
  2  usage or input error (a one-line message names the argument)
  3  a bug in fairaudit (the message says how to report it; --debug shows the traceback)
  4  nothing could be evaluated (no impact ratio is defined in any table)
"""

#: The parameters of :func:`fairaudit.regulatory.ll144` and the options that set them.
OPTIONS = {
    "sex": "--sex",
    "race_ethnicity": "--race-ethnicity",
    "selected": "--selected",
    "score": "--score",
    "unknown_values": "--unknown",
    "exclude_below": "--exclude-below",
    "confidence_level": "--confidence",
    "min_count": "--min-count",
    "audit_date": "--date",
}
ERR_GATE = (
    "argument --fail-on: write 'impact_ratio<VALUE', 'TABLE:impact_ratio<VALUE' (TABLE one "
    "of sex, race_ethnicity, intersectional) or 'significant'; got '{text}'"
)
ERR_SHARE = "argument --exclude-below: a share in [0, 1), e.g. 0.02; got '{text}'"
MSG_NOTHING = "nothing could be evaluated: no impact ratio is defined in any table"
_GATE = re.compile(
    r"^\s*(?:(sex|race_ethnicity|intersectional)\s*:\s*)?impact_ratio\s*(<=|<)\s*(\S+)\s*$"
)


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (0 <= v < 1):
        raise argparse.ArgumentTypeError(ERR_SHARE.format(text=text))
    return v


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``ll144`` and its options to the sub-command parsers ``sub``."""
    p = sub.add_parser(
        NAME,
        help="NYC Local Law 144 bias audit (selection or scoring rates, impact ratios)",
        description="Compute the bias audit tables of 6 RCNY 5-301 (sex, race/ethnicity "
        "and intersectional categories) for a selection or scoring tool, with intervals, "
        "significance tests, small-number flags and shortfalls; write the summary as HTML, "
        "JSON and/or Markdown.",
        epilog=LL144_EPILOG,
        formatter_class=formatter,
    )
    p.add_argument("data", metavar="DATA", help="CSV (optionally .gz) or Parquet file")
    g = p.add_argument_group("columns")
    g.add_argument("--sex", required=True, metavar="COL", help="sex category column")
    g.add_argument(
        "--race-ethnicity", required=True, metavar="COL", help="race/ethnicity category column"
    )
    tool = g.add_mutually_exclusive_group(required=True)
    tool.add_argument("--selected", metavar="COL", help="selection tool: 1/0 (True/False)")
    tool.add_argument("--score", metavar="COL", help="scoring tool: the score column")
    o = p.add_argument_group("audit options")
    o.add_argument(
        "--unknown",
        action="append",
        metavar="VALUE",
        help="a value meaning 'unknown' (repeatable; replaces the defaults)",
    )
    o.add_argument(
        "--exclude-below",
        type=_share,
        metavar="SHARE",
        help="leave categories with less than SHARE of the data out of the impact "
        "ratios (the 2%% rule: 0.02)",
    )
    o.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        metavar="LEVEL",
        help="confidence level of the intervals (default 0.95)",
    )
    o.add_argument(
        "--min-count",
        type=int,
        default=30,
        metavar="N",
        help="categories with fewer applicants are flagged (default 30)",
    )
    o.add_argument(
        "--sep",
        metavar="CHAR",
        help="field separator of a CSV file (default ',', a tab for .tsv), e.g. ';'",
    )
    o.add_argument("--date", metavar="YYYY-MM-DD", help="date of the audit (default today)")
    o.add_argument("--source", default="", metavar="TEXT", help="source of the data")
    o.add_argument("--tool", default="", metavar="TEXT", help="name of the audited tool")
    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="FILE.html", help="write the HTML summary here")
    out.add_argument("--json", metavar="FILE", help="write the tables as JSON ('-' = stdout)")
    out.add_argument(
        "--markdown", metavar="FILE", help="append the Markdown summary ('-' = stdout)"
    )
    out.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="GATE",
        help="fail (exit 1) when GATE holds (repeatable; see below)",
    )
    add_common_output(p)
    return p


def parse_gate(text: str) -> tuple[str, str | None, str, float]:
    if text.strip() == "significant":
        return ("significant", None, "", math.nan)
    m = _GATE.match(text)
    if not m:
        raise CLIError(ERR_GATE.format(text=text))
    try:
        value = float(m.group(3))
    except ValueError:
        raise CLIError(ERR_GATE.format(text=text)) from None
    return ("impact_ratio", m.group(1), m.group(2), value)


def _evaluate(audit: Any, gate: tuple[str, str | None, str, float]) -> tuple[bool, str]:
    from ..regulatory._ll144 import TABLES

    kind, table, op, value = gate
    names = [table] if table else list(TABLES)
    failing = []
    for name in names:
        t = audit.tables[name]
        for label, row in t.iterrows():
            if kind == "significant":
                if row["verdict"] == "below_significant":
                    failing.append(f"{name}: {label}")
                continue
            ir = row["impact_ratio"]
            if ir == ir and (ir < value if op == "<" else ir <= value):
                failing.append(f"{name}: {label} = {ir:.6g}")
    text = (
        "significant"
        if kind == "significant"
        else (f"{table + ':' if table else ''}impact_ratio{op}{value:g}")
    )
    if failing:
        shown = "; ".join(failing[:5]) + ("; ..." if len(failing) > 5 else "")
        return True, f"gate '{text}': FAIL \u2014 {shown}"
    return False, f"gate '{text}': pass"


def summary_lines(audit: Any) -> list[str]:
    from ..regulatory._ll144 import TABLE_TITLES, TABLES

    m = audit.meta
    lines = [
        f"LL144 bias audit ({audit.kind} tool): {m['applicants']:,} applicants; unknown "
        f"sex {m['unknown']['sex']:,}, unknown race/ethnicity "
        f"{m['unknown']['race_ethnicity']:,}"
    ]
    for name in TABLES:
        t = audit.tables[name]
        ir = t["impact_ratio"].dropna()
        counts = t["verdict"].value_counts()
        if ir.empty:
            lines.append(f"  {TABLE_TITLES[name]}: no impact ratio defined")
            continue
        worst = ir.idxmin()
        lines.append(
            f"  {TABLE_TITLES[name]}: lowest impact ratio {ir.min():.3f} ({worst}); "
            f"{int(counts.get('below_significant', 0))} below 4/5 and significant, "
            f"{int(counts.get('below_not_significant', 0))} below 4/5 but not significant"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    """Run ``fairaudit ll144``; return the exit code."""
    from ..regulatory import DEFAULT_UNKNOWN, ll144

    gates = [parse_gate(g) for g in args.fail_on]
    outputs = [("--out", args.out), ("--json", args.json), ("--markdown", args.markdown)]
    stdout_args = [a for a, v in outputs if v == "-"]
    if len(stdout_args) > 1:
        raise CLIError(
            f"arguments {stdout_args[0]} and {stdout_args[1]} cannot both be '-' (stdout)"
        )
    check_outputs(outputs, [("DATA", args.data)])
    outcome = args.selected or args.score
    columns = read_columns(args.data, sep=args.sep, why="this command")
    check_columns(columns, [args.sex], "--sex", args.data)
    check_columns(columns, [args.race_ethnicity], "--race-ethnicity", args.data)
    check_columns(columns, [outcome], "--selected" if args.selected else "--score", args.data)
    frame = read_table(
        args.data, text_columns=[args.sex, args.race_ethnicity], sep=args.sep, why="this command"
    )
    with library_errors(OPTIONS):
        audit = ll144(
            frame,
            sex=args.sex,
            race_ethnicity=args.race_ethnicity,
            selected=args.selected,
            score=args.score,
            unknown_values=tuple(args.unknown or DEFAULT_UNKNOWN),
            exclude_below=args.exclude_below,
            confidence_level=args.confidence,
            min_count=args.min_count,
            audit_date=args.date,
            data_source=args.source,
            tool_name=args.tool,
        )
    files = []
    if args.out:
        files.append(Output("--out", args.out, audit.to_html()))
    if args.json:
        files.append(Output("--json", args.json, audit.to_json() + "\n"))
    if args.markdown:
        files.append(Output("--markdown", args.markdown, audit.to_markdown(), append=True))
    write_outputs(files)
    stream = sys.stderr if stdout_args else sys.stdout
    if not args.quiet:
        for line in summary_lines(audit):
            print(line, file=stream)
        if args.out and args.out != "-":
            print(f"summary written to {args.out}", file=stream)
    defined = any(audit.tables[n]["impact_ratio"].notna().any() for n in audit.tables)
    if not defined:
        print(MSG_NOTHING, file=sys.stderr)
        return EXIT_NOTHING_EVALUATED
    code = EXIT_OK
    for gate in gates:
        failed, text = _evaluate(audit, gate)
        if not args.quiet:
            print(text, file=stream)
        elif failed and code == EXIT_OK:  # why it failed, in one line, even when quiet
            print(text, file=sys.stderr)
        if failed:
            code = EXIT_GATE_FAILED
    return code
