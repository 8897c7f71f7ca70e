"""The ``fairaudit`` command: audit a model from the shell, gate CI on fairness criteria.

Exit codes: 0 all gates pass, 1 a gate failed, 2 usage or input error, 3 internal error,
4 nothing could be evaluated, 5 ``check --strict``: the overall verdict is not PASS.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from collections.abc import Sequence

from ._cli_util import (
    EXIT_INTERNAL,
    EXIT_USAGE,
    CLIError,
)

__all__ = ["main"]

ERR_TOLERANCE = (
    "argument --tolerance: write CRITERION=VALUE (e.g. demographic_parity_ratio=0.9), "
    "ratio=VALUE or difference=VALUE; got '{text}'"
)
ERR_POSITIVE_INT = "invalid positive integer: '{text}'"
ERR_UNSUPPORTED = (
    "argument {arg}: this version of fairaudit.audit has no parameter '{param}'; upgrade "
    "fairaudit or leave {arg} out"
)

EXIT_CODES_TEXT = """\
exit codes:
  0  all gates pass (or no gate was asked for)
  1  a gate failed
  2  usage or input error (a one-line message names the argument)
  3  internal error (re-run with --debug for the traceback)
  4  nothing could be evaluated (a gate's value is undefined, or every criterion is N/A)
  5  check --strict: no gate failed, but the overall verdict is not PASS (inconclusive)
"""

MAIN_EPILOG = (
    """\
examples:
  fairaudit demo                                   # audit built-in data, write report.html
  fairaudit audit data.csv --target y --prediction y_hat --sensitive sex --out report.html
  fairaudit audit data.csv --target y --score p --threshold 0.5 --sensitive sex \\
      --sensitive race --json results.json --fail-on "demographic_parity_ratio<0.8"
  fairaudit check results.json --fail-on "equalized_odds_difference>0.1"
  fairaudit report results.json --out report.html
  fairaudit case-study list
  fairaudit ll144 data.csv --sex gender --race-ethnicity race --selected hired --out audit.html

"""
    + EXIT_CODES_TEXT
)

AUDIT_EPILOG = (
    """\
examples:
  fairaudit audit data.csv --target hired --prediction predicted --sensitive gender
  fairaudit audit data.parquet --target y --prediction y_hat --score p \\
      --sensitive sex --sensitive race --reference Male --reference White --out report.html
  fairaudit audit data.csv --target y --score p --threshold 0.3 --sensitive group \\
      --json - --quiet | jq .verdict
  fairaudit audit survey.csv --target y --prediction y_hat --sensitive region \\
      --na-values NA --max-groups 50
  fairaudit audit test.csv --target y --sensitive sex --model model.joblib --trust-model \\
      --features age income education --fail-on "four_fifths_rule<0.8" \\
      --fail-on "sex:equalized_odds_difference>0.1" --fail-on "accuracy<0.7"

data: sensitive columns of a CSV file are read as written ('01', '1' and 'NA' are three
groups; an empty field is missing; --na-values adds missing markers). Output paths are
checked before any work and every file is replaced only when complete.

gates (--fail-on, repeatable): NAME<VALUE, NAME>VALUE (also <= and >=) fails when the
unrounded value satisfies the condition. NAME is a criterion (demographic_parity_difference,
demographic_parity_ratio, equalized_odds_difference, equalized_odds_ratio,
equal_opportunity_difference, equal_opportunity_ratio, predictive_parity_difference,
four_fifths_rule), checked for every attribute unless written ATTRIBUTE:NAME, or an overall
metric such as accuracy. A bare criterion name fails on its FAIL verdict; 'verdict' fails
when the overall verdict is FAIL.

"""
    + EXIT_CODES_TEXT
)

CHECK_EPILOG = (
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

REPORT_EPILOG = """\
examples:
  fairaudit report results.json --out report.html
  fairaudit report model_a.json model_b.json --out comparison.html --title "Models A and B"

The report is rendered from the saved results only; nothing is recomputed.
"""

CASE_EPILOG = """\
examples:
  fairaudit case-study list
  fairaudit case-study run compas --out reports/
  fairaudit case-study run hiring --out /tmp/hiring --quick
"""

DEMO_EPILOG = """\
examples:
  fairaudit demo                          # writes report.html in the current directory
  fairaudit demo --out /tmp/demo.html --json /tmp/demo.json
  fairaudit demo --no-mitigation --quiet
  fairaudit demo --full-mitigation       # also the in-processing (reductions) mitigator
"""


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and an exit code, never a traceback."""

    def error(self, message: str):  # type: ignore[override]
        raise CLIError(f"{message} (see '{self.prog} --help')", EXIT_USAGE, prog=self.prog)

    def exit(self, status: int = 0, message: str | None = None):  # type: ignore[override]
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=34)


def _common_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", "-q", action="store_true", help="print no summary")
    p.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog="fairaudit",
        description="Audit machine-learning models for bias: group metrics with confidence "
        "intervals, named fairness criteria, self-contained HTML reports and CI gates.",
        epilog=MAIN_EPILOG,
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"fairaudit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    # ------------------------------------------------------------------ audit
    a = sub.add_parser(
        "audit",
        help="audit predictions or a model on a CSV/Parquet file",
        description="Audit the predictions in DATA (or those of a saved model) for each "
        "sensitive attribute and their intersection; write an HTML report and/or JSON "
        "results; optionally fail on fairness gates.",
        epilog=AUDIT_EPILOG,
        formatter_class=_formatter,
    )
    a.add_argument(
        "data",
        metavar="DATA",
        help="CSV (optionally .gz) or Parquet file, a folder of them, or a glob such as "
        "'data/*.parquet' (quote it); aggregated by DuckDB, out of core, unless --model or "
        "--in-memory",
    )
    g = a.add_argument_group("columns")
    g.add_argument("--target", required=True, metavar="COL", help="observed outcome column")
    g.add_argument(
        "--sensitive",
        required=True,
        action="append",
        metavar="COL",
        help="sensitive attribute column (repeat for several; their intersection is audited too)",
    )
    g.add_argument("--prediction", metavar="COL", help="predicted label column")
    g.add_argument(
        "--score",
        metavar="COL",
        help="score/probability column (adds ROC, calibration and threshold "
        "curves; with --threshold and no --prediction, predicts score >= threshold)",
    )
    g.add_argument("--weight", metavar="COL", help="sample weight column")
    m = a.add_argument_group("model (instead of --prediction)")
    m.add_argument("--model", metavar="FILE", help="pickled or joblib scikit-learn classifier")
    m.add_argument(
        "--trust-model",
        action="store_true",
        help="allow loading --model (unpickling runs code from the file)",
    )
    m.add_argument(
        "--features",
        nargs="+",
        metavar="COL",
        help="model input columns (default: the model's feature_names_in_, else "
        "every column except target, weight, prediction and score)",
    )
    o = a.add_argument_group("audit options")
    o.add_argument("--pos-label", metavar="VALUE", help="positive outcome (default: 1/True)")
    o.add_argument(
        "--na-values",
        action="append",
        default=[],
        metavar="VALUE",
        help="read VALUE as missing in every column of a CSV file (repeatable); sensitive "
        "columns are read as written, so that 'NA' is a group unless given here",
    )
    o.add_argument(
        "--reference",
        action="append",
        metavar="VALUE",
        help="reference group; repeat once per --sensitive, in the same order "
        "(default: the largest group)",
    )
    o.add_argument(
        "--reference-shares",
        metavar="FILE.csv",
        help="population share of each group (a 'share' column and one column per "
        "--sensitive attribute): adds 'Who is in the data' to the report (needs --out)",
    )
    o.add_argument(
        "--tolerance",
        action="append",
        metavar="NAME=VALUE",
        help="criterion tolerance, e.g. demographic_parity_ratio=0.9; ratio=V or "
        "difference=V sets every criterion of that kind",
    )
    o.add_argument(
        "--threshold",
        type=float,
        metavar="T",
        help="decision threshold on --score or the model's scores",
    )
    o.add_argument(
        "--n-bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples for intervals (default 1000; 0 = none)",
    )
    o.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        metavar="LEVEL",
        help="confidence level of the intervals (default 0.95)",
    )
    o.add_argument(
        "--ci-method",
        choices=("bootstrap", "wilson"),
        default="bootstrap",
        help="interval method (default bootstrap)",
    )
    o.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="random seed for the bootstrap (default 0: reproducible)",
    )
    o.add_argument(
        "--correction-scope",
        choices=("metric", "all"),
        help="scope of the multiple-comparison correction of the p-values: within each "
        "metric, or across all tests of the audit (default: the library's)",
    )
    o.add_argument(
        "--max-groups",
        type=_positive_int,
        metavar="N",
        help="refuse a sensitive attribute with more than N groups (default: the library's)",
    )
    o.add_argument(
        "--min-group-size",
        type=int,
        default=30,
        metavar="N",
        help="groups smaller than this are flagged (default 30)",
    )
    o.add_argument(
        "--suppress-below",
        type=int,
        metavar="N",
        help="suppress intersection cells with fewer than N members",
    )
    o.add_argument(
        "--score-bins",
        type=_score_bins,
        metavar="LO:HI:N",
        help="N equal score bins on [LO, HI] (default: 200 on [0, 1]; needed for scores that "
        "are not probabilities, unless --in-memory)",
    )
    o.add_argument(
        "--in-memory",
        action="store_true",
        help="read DATA into memory (pandas) instead of aggregating it where it lies; "
        "scores that are not probabilities then get bins at their quantiles",
    )
    out = a.add_argument_group("output")
    out.add_argument("--out", metavar="FILE.html", help="write the HTML report here")
    out.add_argument("--json", metavar="FILE", help="write the results as JSON ('-' = stdout)")
    out.add_argument(
        "--markdown",
        metavar="FILE",
        help="append a Markdown summary, e.g. to $GITHUB_STEP_SUMMARY ('-' = stdout)",
    )
    out.add_argument("--title", default="Fairness audit", help="report title")
    out.add_argument("--name", help="name of the audited model, shown in the report")
    out.add_argument(
        "--fail-on",
        action="append",
        metavar="GATE",
        default=[],
        help="fail (exit 1) when GATE holds, e.g. 'demographic_parity_ratio<0.8'"
        " (repeatable; see below)",
    )
    _common_output(a)

    # ------------------------------------------------------------------ check
    c = sub.add_parser(
        "check",
        help="apply fairness gates to saved results (CI)",
        description="Read results written by 'fairaudit audit --json' (or "
        "AuditResult.to_json) and exit 1 when a gate fails. Without --fail-on, the gate is "
        "the overall verdict.",
        epilog=CHECK_EPILOG,
        formatter_class=_formatter,
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
    _common_output(c)

    # ------------------------------------------------------------------ report
    r = sub.add_parser(
        "report",
        help="render an HTML report from saved results",
        description="Render the HTML report from saved JSON results without recomputing.",
        epilog=REPORT_EPILOG,
        formatter_class=_formatter,
    )
    r.add_argument("results", nargs="+", metavar="RESULTS.json")
    r.add_argument("--out", required=True, metavar="FILE.html", help="where to write the report")
    r.add_argument("--title", default="Fairness audit", help="report title")
    r.add_argument(
        "--markdown", metavar="FILE", help="also append a Markdown summary ('-' = stdout)"
    )
    _common_output(r)

    # ------------------------------------------------------------------ case-study
    cs = sub.add_parser(
        "case-study",
        help="list or run the bundled case studies",
        description="Run the case studies that ship with fairaudit; each writes an HTML report.",
        epilog=CASE_EPILOG,
        formatter_class=_formatter,
    )
    cs_sub = cs.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    cs_sub.add_parser(
        "list",
        help="list the case studies",
        epilog=CASE_EPILOG,
        formatter_class=_formatter,
        description="List the case studies.",
    )
    run = cs_sub.add_parser(
        "run",
        help="run one case study",
        epilog=CASE_EPILOG,
        formatter_class=_formatter,
        description="Run a case study and write its report into --out.",
    )
    run.add_argument("name", metavar="NAME")
    run.add_argument(
        "--out",
        default=".",
        metavar="DIR",
        help="output directory (created if needed; default: current directory)",
    )
    run.add_argument("--quick", action="store_true", help="smaller, faster version")
    _common_output(run)
    _common_output(cs)

    # ------------------------------------------------------------------ demo
    d = sub.add_parser(
        "demo",
        help="audit built-in data end to end and write report.html",
        description="Train a model on the bundled UCI Adult census data without the sex and "
        "race columns, audit it for both and their intersection, compare mitigations, and "
        "write a self-contained HTML report.",
        epilog=DEMO_EPILOG,
        formatter_class=_formatter,
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
    d.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    _common_output(d)

    # ------------------------------------------------------------------ ll144
    from ._cli_ll144 import add_parser as add_ll144

    add_ll144(sub, _formatter, _common_output)
    return parser


def _score_bins(text: str) -> object:
    """'LO:HI:N' as N equal bins on [LO, HI] (their N + 1 edges)."""
    import numpy as np

    parts = text.split(":")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
        if len(parts) != 3 or not lo < hi or n < 1:
            raise ValueError
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(
            f"expected LO:HI:N with LO < HI and N >= 1 bins, e.g. -10:10:400; got {text!r}"
        ) from None
    return np.linspace(lo, hi, n + 1)


def _positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(ERR_POSITIVE_INT.format(text=text))
    return number


def parse_tolerances(items: list[str] | None) -> dict[str, float] | None:
    if not items:
        return None
    from .metrics._criteria import CRITERIA

    out: dict[str, float] = {}
    for text in items:
        name, sep, value = text.partition("=")
        name = name.strip()
        try:
            number = float(value)
        except ValueError:
            raise CLIError(ERR_TOLERANCE.format(text=text)) from None
        if not sep:
            raise CLIError(ERR_TOLERANCE.format(text=text))
        if name in ("ratio", "difference"):
            out.update({k: number for k, c in CRITERIA.items() if c.kind == name})
        else:
            out[name] = number  # unknown names are reported by audit() with the known ones
    return out


def _emit(lines: list[str], stream) -> None:
    for line in lines:
        print(line, file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fairaudit`` command; return its exit code (never raises)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    with warnings.catch_warnings():
        if not debug:  # undefined values are reported in the results, not as warnings
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.showwarning = _one_line_warning(_prog(args_list))
        return _main(args_list, debug)


COMMANDS = ("audit", "check", "report", "case-study", "demo", "ll144")


def _prog(args_list: list[str]) -> str:
    command = next((a for a in args_list if not a.startswith("-")), None)
    return f"fairaudit {command}" if command in COMMANDS else "fairaudit"


def _one_line_warning(prog: str):
    """A ``warnings.showwarning`` that writes ``PROG: warning: MESSAGE`` on one line."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = " ".join(str(message).split())
        print(f"{prog}: warning: {text}", file=file or sys.stderr)

    return show


def _ll144_command(args: argparse.Namespace) -> int:
    from ._cli_ll144 import cmd_ll144

    return cmd_ll144(args)


def _main(args_list: list[str], debug: bool) -> int:
    parser = build_parser()
    prog = "fairaudit"
    try:
        args = parser.parse_args(args_list)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        prog = f"fairaudit {args.command}"
        from . import _cli_commands as commands

        handler = {
            "audit": commands.cmd_audit,
            "check": commands.cmd_check,
            "report": commands.cmd_report,
            "case-study": commands.cmd_case_study,
            "demo": commands.cmd_demo,
            "ll144": _ll144_command,
        }[args.command]
        return int(handler(args))
    except _Exit as exc:
        return exc.status
    except CLIError as exc:
        print(f"{exc.prog or prog}: error: {exc}", file=sys.stderr)
        return exc.code
    except (ValueError, TypeError) as exc:
        # input problems found by the library: its messages name the argument and the fix
        if debug:
            traceback.print_exc()
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{prog}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the promise: exit code 3 and one line, not a traceback
        if debug:
            traceback.print_exc()
        message = " ".join(str(exc).split())
        print(
            f"{prog}: internal error: {type(exc).__name__}: {message} (re-run with --debug "
            "for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
