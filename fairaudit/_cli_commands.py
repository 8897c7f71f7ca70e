"""The sub-commands of ``fairaudit`` (see :mod:`fairaudit.cli`)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

from ._cli_gate import describe, evaluate, gate_exit_code, parse_gate
from ._cli_summary import summary_lines
from ._cli_util import (
    ERR_NO_PREDICTION,
    EXIT_GATE_FAILED,
    EXIT_NOTHING_EVALUATED,
    EXIT_OK,
    CLIError,
    Progress,
    check_columns,
    convert_like,
    load_model,
    read_table,
)
from .cli import _check_out_dir, _emit, parse_tolerances, write_json

ERR_RESULTS = "argument RESULTS.json: cannot read '{path}': {reason}"
ERR_REFERENCE_COUNT = (
    "argument --reference: give one value per --sensitive column ({n}), in the same order"
)
ERR_CASE_UNKNOWN = "argument NAME: unknown case study '{name}'; choose one of: {known}"
ERR_CASE_MISSING = (
    "argument NAME: case study '{name}' is registered but its module is not installed"
)
ERR_CASE_ACTION = "choose an action: 'list' or 'run NAME' (see 'fairaudit case-study --help')"
ERR_PREDICTION_AND_MODEL = "argument --model: not allowed with argument --prediction"


ERR_TWO_STDOUT = "arguments --json and --markdown cannot both be '-' (stdout)"


def _summary_stream(args: argparse.Namespace):
    """Human text goes to stdout unless stdout carries JSON or Markdown."""
    targets = (getattr(args, "json", None), getattr(args, "markdown", None))
    if targets == ("-", "-"):
        raise CLIError(ERR_TWO_STDOUT)
    return sys.stderr if "-" in targets else sys.stdout


def _write_markdown(results: list[Any], args: argparse.Namespace, title: str) -> None:
    target = getattr(args, "markdown", None)
    if not target:
        return
    from .report import render_markdown

    text = render_markdown(*results, title=title)
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        with open(target, "a", encoding="utf-8") as fh:  # appends, as CI summaries expect
            fh.write(text)


def _finish(
    result: Any,
    args: argparse.Namespace,
    gates: list[str],
    *,
    default_gate: bool,
    strict: bool = False,
    notes: tuple[str, ...] = (),
) -> int:
    """Print the summary and gate outcomes; return the exit code."""
    stream = _summary_stream(args)
    if not args.quiet:
        _emit(summary_lines(result), stream)
        _emit(list(notes), stream)
    parsed = [parse_gate(g) for g in gates]
    if not parsed:
        verdict = str(result.verdict)
        if verdict == "n/a":
            print("nothing could be evaluated: every criterion is N/A", file=sys.stderr)
            return EXIT_NOTHING_EVALUATED
        if default_gate and (verdict == "fail" or (strict and verdict == "inconclusive")):
            if not args.quiet:
                print(f"gate 'verdict': FAIL \u2014 overall verdict {verdict}", file=stream)
            return EXIT_GATE_FAILED
        return EXIT_OK
    outcomes = [o for gate in parsed for o in evaluate(gate, result)]
    if not args.quiet:
        _emit([describe(o) for o in outcomes], stream)
    return gate_exit_code(outcomes)


def _load_results(path: str):
    from ._result import AuditResult

    p = Path(path)
    if not p.is_file():
        raise CLIError(f"argument RESULTS.json: file '{path}' does not exist")
    try:
        return AuditResult.from_json(p)
    except (ValueError, KeyError, TypeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise CLIError(ERR_RESULTS.format(path=path, reason=reason)) from exc


# ----------------------------------------------------------------------------- audit
def cmd_audit(args: argparse.Namespace) -> int:
    import fairaudit

    for gate in args.fail_on:  # report gate typos before the expensive part
        parse_gate(gate)
    _summary_stream(args)  # refuses two outputs on stdout, before the expensive part
    _check_out_dir(args.out, "--out")
    _check_out_dir(args.json, "--json")
    if args.model and args.prediction:
        raise CLIError(ERR_PREDICTION_AND_MODEL)
    if not args.model and not args.prediction and not (args.score and args.threshold is not None):
        raise CLIError(ERR_NO_PREDICTION)
    model = load_model(args.model, args.trust_model) if args.model else None
    progress = Progress()
    with progress.step(f"reading {args.data}"):
        data = read_table(args.data)
    name = Path(args.data).name
    check_columns(data, [args.target], "--target", name)
    check_columns(data, args.sensitive, "--sensitive", name)
    check_columns(data, [args.prediction] if args.prediction else [], "--prediction", name)
    check_columns(data, [args.score] if args.score else [], "--score", name)
    check_columns(data, [args.weight] if args.weight else [], "--weight", name)
    check_columns(data, args.features, "--features", name)

    sensitive = data[args.sensitive]
    reference: Any = None
    if args.reference:
        if len(args.reference) != len(args.sensitive):
            raise CLIError(ERR_REFERENCE_COUNT.format(n=len(args.sensitive)))
        values = [
            convert_like(v, data[c]) for v, c in zip(args.reference, args.sensitive, strict=True)
        ]
        reference = values[0] if len(values) == 1 else tuple(values)
    pos_label = convert_like(args.pos_label, data[args.target]) if args.pos_label else None
    kwargs: dict[str, Any] = dict(
        sensitive_features=sensitive if len(args.sensitive) > 1 else sensitive.iloc[:, 0],
        sample_weight=data[args.weight].to_numpy() if args.weight else None,
        reference_group=reference,
        pos_label=pos_label,
        n_bootstrap=args.n_bootstrap,
        confidence_level=args.confidence,
        ci_method=args.ci_method,
        min_group_size=args.min_group_size,
        suppress_below=args.suppress_below,
        tolerances=parse_tolerances(args.tolerance),
        threshold=args.threshold,
        random_state=args.seed,
    )
    y = data[args.target]
    if model is not None:
        features = args.features
        if features is None and hasattr(model, "feature_names_in_"):
            features = [str(c) for c in model.feature_names_in_]
            check_columns(data, features, "--features (the model's feature_names_in_)", name)
        if features is None:
            drop = {args.target, args.weight, args.prediction, args.score}
            features = [c for c in data.columns if c not in drop]
        label = f"auditing {type(model).__name__} ({args.n_bootstrap} bootstrap resamples)"
        with progress.step(label):
            result = fairaudit.audit_model(model, data[features], y, **kwargs)
    else:
        with progress.step(f"auditing ({args.n_bootstrap} bootstrap resamples)"):
            result = fairaudit.audit(
                y,
                data[args.prediction] if args.prediction else None,
                y_score=data[args.score] if args.score else None,
                **kwargs,
            )
    if args.name:
        result = _with_name(result, args.name)
    if args.json:
        write_json(result, args.json)
    _write_markdown([result], args, args.title)
    if args.out:
        from .report import render

        with progress.step("rendering the report"):
            render(result, title=args.title, path=args.out)
    notes = (f"report written to {args.out}",) if args.out else ()
    return _finish(result, args, args.fail_on, default_gate=False, notes=notes)


def _with_name(result: Any, name: str) -> Any:
    """A copy of the result whose meta carries the display name (results are immutable)."""
    from ._result import AuditResult

    d = result.to_dict()
    d.setdefault("meta", {})["name"] = name
    return AuditResult.from_dict(d)


# ----------------------------------------------------------------------------- check/report
def cmd_check(args: argparse.Namespace) -> int:
    for gate in args.fail_on:
        parse_gate(gate)
    result = _load_results(args.results)
    _write_markdown([result], args, "Fairness audit")
    return _finish(result, args, args.fail_on, default_gate=True, strict=args.strict)


def cmd_report(args: argparse.Namespace) -> int:
    _check_out_dir(args.out, "--out")
    results = [_load_results(p) for p in args.results]
    _write_markdown(results, args, args.title)
    from .report import render

    with Progress().step("rendering the report"):
        render(*results, title=args.title, path=args.out)
    if not args.quiet:
        print(f"report written to {args.out}", file=_summary_stream(args))
    return EXIT_OK


# ----------------------------------------------------------------------------- case studies
def cmd_case_study(args: argparse.Namespace) -> int:
    from .casestudies import CASE_STUDIES, load_case_study

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
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"argument --out: '{out}' exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    module = load_case_study(args.name)
    with Progress().step(f"running case study {args.name}" + (" (quick)" if args.quick else "")):
        path = module.run(out, quick=args.quick)
    if not args.quiet:
        print(f"report written to {path}")
    return EXIT_OK


# ----------------------------------------------------------------------------- demo
def cmd_demo(args: argparse.Namespace) -> int:
    from ._cli_demo import run_demo

    _check_out_dir(args.out, "--out")
    _check_out_dir(args.json, "--json")
    result, comparison = run_demo(
        seed=args.seed,
        mitigation=not args.no_mitigation,
        full_mitigation=args.full_mitigation,
        progress=Progress(),
    )
    if args.json:
        write_json(result, args.json)
    from ._cli_demo import demo_sections
    from .report import render

    with Progress().step("rendering the report"):
        render(
            result,
            comparison=comparison,
            title="fairaudit demo: income model on UCI Adult",
            sections=demo_sections(),
            path=args.out,
        )
    stream = _summary_stream(args)
    if not args.quiet:
        _emit(summary_lines(result, limit=12), stream)
        if comparison is not None:
            print(f"mitigation comparison: {len(comparison)} models (see the report)", file=stream)
        print(f"report written to {args.out}", file=stream)
    return EXIT_OK
