"""The sub-commands of ``fairaudit`` (see :mod:`fairaudit.cli`)."""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any

from ._cli_gate import describe, evaluate, gate_exit_code, parse_gate
from ._cli_outputs import Output, check_folder, check_outputs, write_outputs
from ._cli_read import (
    column_sample,
    convert_like,
    open_relation,
    parsed,
    read_columns,
    read_table,
)
from ._cli_summary import summary_lines
from ._cli_util import (
    ERR_EMPTY,
    ERR_NO_PREDICTION,
    EXIT_GATE_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_NOTHING_EVALUATED,
    EXIT_OK,
    CLIError,
    Progress,
    check_columns,
    load_model,
)
from .cli import ERR_UNSUPPORTED, _emit, parse_tolerances

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
ERR_NO_DUCKDB = (
    "argument DATA: reading a folder or glob needs DuckDB; install it with "
    'pip install "fairaudit[duckdb]", or give one file'
)
NOTE_NO_DUCKDB = (
    "note: DuckDB is not installed, so {name} is read into memory; "
    'pip install "fairaudit[duckdb]" audits files larger than memory'
)
ERR_TWO_STDOUT = "arguments --json and --markdown cannot both be '-' (stdout)"
ERR_STDOUT_REPORT = "arguments --out and {other} cannot both be '-' (stdout)"
MSG_NOTHING_EVALUATED = "nothing could be evaluated: every criterion is N/A"
MSG_STRICT = "gate 'strict': FAIL \u2014 overall verdict {verdict}, not PASS"
MSG_CAUSE = "  cause: {cause}"


def _summary_stream(args: argparse.Namespace):
    """Human text goes to stdout unless stdout carries the report, JSON or Markdown."""
    on_stdout = [
        arg for arg in ("--out", "--json", "--markdown") if getattr(args, arg[2:], None) == "-"
    ]
    if len(on_stdout) > 1:
        if "--out" in on_stdout:
            raise CLIError(ERR_STDOUT_REPORT.format(other=on_stdout[1]))
        raise CLIError(ERR_TWO_STDOUT)
    return sys.stderr if on_stdout else sys.stdout


def _written(path: str) -> tuple[str, ...]:
    """The note that a report was written (none when it went to stdout)."""
    return () if path == "-" else (f"report written to {path}",)


def _markdown(results: list[Any], args: argparse.Namespace, title: str) -> list[Output]:
    """The Markdown summary asked for with --markdown (appended to its file), if any."""
    target = getattr(args, "markdown", None)
    if not target:
        return []
    from .report import render_markdown

    text = render_markdown(*results, title=title)
    return [Output("--markdown", target, text, append=True)]


def _json_output(result: Any, target: str | None) -> list[Output]:
    """The results as JSON for --json (the library's text; stdout gets a final newline)."""
    if not target:
        return []
    text = result.to_json(indent=2)
    return [Output("--json", target, text + "\n" if target == "-" else text)]


def _nothing_evaluated(result: Any) -> bool:
    verdicts = result.criteria["verdict"].astype(str)
    return str(result.verdict) == "n/a" or bool((verdicts == "n/a").all())


def _cause_text(cause: Any) -> str:
    if isinstance(cause, dict):
        for key in ("message", "reason", "detail", "cause"):
            if key in cause:
                return str(cause[key])
    return str(cause)


def strict_causes(result: Any) -> list[str]:
    """Why the verdict is not PASS, one line each: the result's degenerate causes if it
    records any (``meta["degenerate"]``), else the criteria that did not pass."""
    causes = [_cause_text(c) for c in (result.meta.get("degenerate") or [])]
    if not causes:
        crit = result.criteria
        rows = crit[crit["verdict"].astype(str) != "pass"]
        causes = [
            f"{row.attribute}: {row.criterion} is {str(row.verdict).upper()}"
            for row in rows.itertuples(index=False)
        ]
    return [" ".join(c.split()) for c in causes]


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
    gates_parsed = [parse_gate(g) for g in gates]
    verdict = str(result.verdict)
    if not gates_parsed:
        if _nothing_evaluated(result):
            print(MSG_NOTHING_EVALUATED, file=sys.stderr)
            if strict:
                _emit([MSG_CAUSE.format(cause=c) for c in strict_causes(result)], sys.stderr)
            return EXIT_NOTHING_EVALUATED
        if default_gate and verdict == "fail":
            if not args.quiet:
                print(f"gate 'verdict': FAIL \u2014 overall verdict {verdict}", file=stream)
            return EXIT_GATE_FAILED
        code = EXIT_OK
    else:
        outcomes = [o for gate in gates_parsed for o in evaluate(gate, result)]
        if not args.quiet:
            _emit([describe(o) for o in outcomes], stream)
        code = gate_exit_code(outcomes)
    if strict and code == EXIT_OK and verdict != "pass":
        print(MSG_STRICT.format(verdict=verdict.upper()), file=sys.stderr)
        _emit([MSG_CAUSE.format(cause=c) for c in strict_causes(result)], sys.stderr)
        return EXIT_INCONCLUSIVE
    return code


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
def _accepts(function: Any, name: str, forwards_to: Any = None) -> bool:
    """Whether ``function`` takes the keyword argument ``name``.

    A function taking ``**kwargs`` accepts it when ``forwards_to`` (where they go) does.
    """
    try:
        params = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return True
    if name in params:
        return True
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return False
    return forwards_to is None or _accepts(forwards_to, name)


def _optional_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Options passed to the audit only when given (so that older versions still work)."""
    import fairaudit

    if args.model:
        function, forwards_to = fairaudit.audit_model, fairaudit.audit
    elif not args.in_memory:
        function, forwards_to = fairaudit.audit_table, None
    else:
        function, forwards_to = fairaudit.audit, None
    given = {
        "--max-groups": ("max_groups", args.max_groups),
        "--correction-scope": ("correction_scope", args.correction_scope),
    }
    out: dict[str, Any] = {}
    for arg, (param, value) in given.items():
        if value is None:
            continue
        if not _accepts(function, param, forwards_to):
            raise CLIError(ERR_UNSUPPORTED.format(arg=arg, param=param))
        out[param] = value
    return out


def _model_inputs(data: Any, features: list[str], sensitive: list[str]) -> Any:
    """The model's columns; sensitive ones (read as text) parsed as pandas parses them."""
    X = data[features]
    text = [c for c in features if c in sensitive]
    if text:
        X = X.assign(**{c: parsed(data[c]) for c in text})
    return X


def cmd_audit(args: argparse.Namespace) -> int:
    import fairaudit

    for gate in args.fail_on:  # report gate typos before the expensive part
        parse_gate(gate)
    _summary_stream(args)  # refuses two outputs on stdout, before the expensive part
    if args.model and args.prediction:
        raise CLIError(ERR_PREDICTION_AND_MODEL)
    if not args.model and not args.prediction and not (args.score and args.threshold is not None):
        raise CLIError(ERR_NO_PREDICTION)
    check_outputs(
        [("--out", args.out), ("--json", args.json), ("--markdown", args.markdown)],
        [("DATA", args.data), ("--model", args.model)],
    )
    if not args.model and not args.in_memory and importlib.util.find_spec("duckdb") is None:
        # without the optional out-of-core engine, one file is read into memory as before
        if not Path(args.data).is_file():
            raise CLIError(ERR_NO_DUCKDB)
        args.in_memory = True
        if not args.quiet:
            print(NOTE_NO_DUCKDB.format(name=Path(args.data).name), file=sys.stderr)
    if getattr(args, "reference_shares", None):
        args.in_memory = True  # the representation audit reads the rows
    extra = _optional_kwargs(args)
    if args.reference and len(args.reference) != len(args.sensitive):
        raise CLIError(ERR_REFERENCE_COUNT.format(n=len(args.sensitive)))
    if not args.model and not args.in_memory:
        return _audit_out_of_core(args, extra)
    model = load_model(args.model, args.trust_model) if args.model else None
    columns = read_columns(args.data)
    name = Path(args.data).name
    check_columns(columns, [args.target], "--target", name)
    check_columns(columns, args.sensitive, "--sensitive", name)
    check_columns(columns, [args.prediction] if args.prediction else [], "--prediction", name)
    check_columns(columns, [args.score] if args.score else [], "--score", name)
    check_columns(columns, [args.weight] if args.weight else [], "--weight", name)
    check_columns(columns, args.features, "--features", name)
    features = args.features
    if model is not None and features is None:
        if hasattr(model, "feature_names_in_"):
            features = [str(c) for c in model.feature_names_in_]
            check_columns(columns, features, "--features (the model's feature_names_in_)", name)
        else:
            drop = {args.target, args.weight, args.prediction, args.score}
            features = [c for c in columns if c not in drop]

    progress = Progress()
    with progress.step(f"reading {args.data}"):
        data = read_table(args.data, text_columns=args.sensitive, na_values=args.na_values)
    sensitive = data[args.sensitive]
    reference: Any = None
    if args.reference:
        values = [
            convert_like(v, data[c]) for v, c in zip(args.reference, args.sensitive, strict=True)
        ]
        reference = values[0] if len(values) == 1 else tuple(values)
    pos_label = convert_like(args.pos_label, data[args.target]) if args.pos_label else None
    from ._cli_shares import representation_sections

    sections = representation_sections(args, data, pos_label)  # --reference-shares
    kwargs: dict[str, Any] = dict(
        sensitive_features=sensitive if len(args.sensitive) > 1 else sensitive.iloc[:, 0],
        sample_weight=data[args.weight].to_numpy() if args.weight else None,
        **_audit_options(args, reference, pos_label),
        **extra,
    )
    if args.name:
        kwargs["name"] = args.name
    if args.score_bins is not None:
        kwargs["score_bins"] = args.score_bins
    y = data[args.target]
    if model is not None:
        label = f"auditing {type(model).__name__} ({args.n_bootstrap} bootstrap resamples)"
        with progress.step(label):
            X = _model_inputs(data, features, args.sensitive)
            result = fairaudit.audit_model(model, X, y, **kwargs)
    else:
        with progress.step(f"auditing ({args.n_bootstrap} bootstrap resamples)"):
            result = fairaudit.audit(
                y,
                data[args.prediction] if args.prediction else None,
                y_score=data[args.score] if args.score else None,
                **kwargs,
            )
    return _write_audit(result, args, sections)


def _audit_options(args: argparse.Namespace, reference: Any, pos_label: Any) -> dict[str, Any]:
    """The audit's options from the command line, the same on every path."""
    return dict(
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


def _write_audit(result: Any, args: argparse.Namespace, sections: Any = ()) -> int:
    progress = Progress()
    outputs = _json_output(result, args.json)
    if args.out:
        from .report import render

        with progress.step("rendering the report"):
            html = render(result, title=args.title, sections=sections)
            outputs.append(Output("--out", args.out, html))
    outputs += _markdown([result], args, args.title)
    write_outputs(outputs)
    notes = _written(args.out) if args.out else ()
    return _finish(result, args, args.fail_on, default_gate=False, notes=notes)


def _audit_out_of_core(args: argparse.Namespace, extra: dict[str, Any]) -> int:
    """The audit of DATA (a CSV or Parquet file, folder or glob) aggregated by DuckDB: the
    rows are never loaded; only the per-cell aggregates come back."""
    import fairaudit

    from . import _validation as v

    relation = open_relation(args.data, text_columns=args.sensitive, na_values=args.na_values)
    columns = [str(c) for c in relation.columns]
    name = Path(args.data).name
    check_columns(columns, [args.target], "--target", name)
    check_columns(columns, args.sensitive, "--sensitive", name)
    check_columns(columns, [args.prediction] if args.prediction else [], "--prediction", name)
    check_columns(columns, [args.score] if args.score else [], "--score", name)
    check_columns(columns, [args.weight] if args.weight else [], "--weight", name)
    reference: Any = None
    if args.reference:
        values = [
            convert_like(val, column_sample(relation, c, text=True))
            for val, c in zip(args.reference, args.sensitive, strict=True)
        ]
        reference = values[0] if len(values) == 1 else tuple(values)
    pos_label = None
    if args.pos_label:
        pos_label = convert_like(args.pos_label, column_sample(relation, args.target, text=False))
    kwargs: dict[str, Any] = dict(
        y_true=args.target,
        y_pred=args.prediction,
        y_score=args.score,
        sensitive_features=args.sensitive,
        sample_weight=args.weight,
        **_audit_options(args, reference, pos_label),
        score_bins="range" if args.score_bins is None else args.score_bins,
        na_values=args.na_values,
        **extra,
    )
    if args.name:
        kwargs["name"] = args.name
    progress = Progress()
    label = f"aggregating {args.data} and auditing ({args.n_bootstrap} bootstrap resamples)"
    try:
        with progress.step(label):
            result = fairaudit.audit_table(args.data, **kwargs)
    except ValueError as exc:
        if str(exc) == v.ERR_EMPTY.format(name="y_true"):
            raise CLIError(ERR_EMPTY.format(path=args.data)) from None
        raise
    return _write_audit(result, args)


# ----------------------------------------------------------------------------- check/report
def cmd_check(args: argparse.Namespace) -> int:
    for gate in args.fail_on:
        parse_gate(gate)
    _summary_stream(args)
    check_outputs([("--markdown", args.markdown)], [("RESULTS.json", args.results)])
    result = _load_results(args.results)
    write_outputs(_markdown([result], args, "Fairness audit"))
    return _finish(result, args, args.fail_on, default_gate=True, strict=args.strict)


def cmd_report(args: argparse.Namespace) -> int:
    stream = _summary_stream(args)
    check_outputs(
        [("--out", args.out), ("--markdown", args.markdown)],
        [("RESULTS.json", p) for p in args.results],
    )
    results = [_load_results(p) for p in args.results]
    from .report import render

    with Progress().step("rendering the report"):
        html = render(*results, title=args.title)
    write_outputs([Output("--out", args.out, html), *_markdown(results, args, args.title)])
    if not args.quiet:
        _emit(list(_written(args.out)), stream)
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
    check_folder("--out", args.out)
    module = load_case_study(args.name)
    with Progress().step(f"running case study {args.name}" + (" (quick)" if args.quick else "")):
        path = module.run(Path(args.out), quick=args.quick)
    if not args.quiet:
        print(f"report written to {path}")
    return EXIT_OK


# ----------------------------------------------------------------------------- demo
def cmd_demo(args: argparse.Namespace) -> int:
    from ._cli_demo import demo_sections, run_demo
    from .report import render

    stream = _summary_stream(args)
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
    write_outputs([Output("--out", args.out, html), *_json_output(result, args.json)])
    if not args.quiet:
        _emit(summary_lines(result, limit=12), stream)
        if comparison is not None:
            print(f"mitigation comparison: {len(comparison.models)} models (see the report)",
                  file=stream)
        _emit(list(_written(args.out)), stream)
    return EXIT_OK
