"""``fairaudit audit``: audit predictions, scores or a saved model on a CSV/Parquet file.

Every option of the command is defined in :func:`add_parser`; :func:`audit_options` turns
them into the keyword arguments of the library's audit, the same on the in-memory and the
out-of-core paths.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any

from ._errors import EXIT_CODES_TEXT, CLIError, library_errors, model_errors
from ._finish import finish
from ._gates import check_gate_task, parse_gate
from ._outputs import (
    Output,
    check_outputs,
    json_output,
    markdown_output,
    summary_stream,
    write_outputs,
    written,
)
from ._parser import add_common_output, formatter, seed
from ._progress import Progress

NAME = "audit"

ERR_TOLERANCE = (
    "argument --tolerance: write CRITERION=VALUE (e.g. demographic_parity_ratio=0.9), "
    "ratio=VALUE or difference=VALUE; got '{text}'"
)
ERR_POSITIVE_INT = "invalid positive integer: '{text}'"
ERR_UNSUPPORTED = (
    "argument {arg}: this version of fairaudit.audit has no parameter '{param}'; upgrade "
    "fairaudit or leave {arg} out"
)
ERR_NO_PREDICTION = (
    "one of the arguments --prediction, --model or --score with --threshold is required"
)
ERR_TRUST = (
    "argument --model: loading a pickled model runs code from the file; add --trust-model "
    "if you trust '{path}'"
)
ERR_REFERENCE_COUNT = (
    "argument --reference: give one value per --sensitive column ({n}), in the same order"
)
ERR_THRESHOLD_NO_SCORE = (
    "argument --threshold: applies to scores; add --score COL (predictions score >= T), "
    "or use --model, or leave --threshold out to audit --prediction as given"
)
ERR_TASK_MODEL = (
    "argument --task: --model audits a binary classifier; to audit a model's {task} "
    "predictions, write them to a column and pass it as --prediction"
)
ERR_PROBABILITIES = (
    "argument --prediction: column '{column}' holds values such as {examples} in [0, 1], "
    "which look like probabilities, not predicted labels; pass them as --score {column} "
    "--threshold 0.5 (or the threshold you decide at)"
)
#: The library's parameter names and the options that set them (for its messages).
OPTIONS = {
    "y_true": "--target",
    "y_pred": "--prediction",
    "y_score": "--score",
    "sample_weight": "--weight",
    "sensitive_features": "--sensitive",
    "pos_label": "--pos-label",
    "reference_group": "--reference",
    "tolerances": "--tolerance",
    "threshold": "--threshold",
    "n_bootstrap": "--n-bootstrap",
    "confidence_level": "--confidence",
    "ci_method": "--ci-method",
    "min_group_size": "--min-group-size",
    "suppress_below": "--suppress-below",
    "max_groups": "--max-groups",
    "score_bins": "--score-bins",
    "correction_scope": "--correction-scope",
    "task": "--task",
    "na_values": "--na-values",
    "random_state": "--seed",
}
ERR_PREDICTION_AND_MODEL = "argument --model: not allowed with argument --prediction"
ERR_NO_DUCKDB = (
    "argument DATA: reading a folder or glob needs DuckDB; install it with "
    'pip install "fairaudit[duckdb]", or give one file'
)
NOTE_NO_DUCKDB = (
    "note: DuckDB is not installed, so {name} is read into memory; "
    'pip install "fairaudit[duckdb]" audits files larger than memory'
)

EPILOG = (
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
when the overall verdict is FAIL. With --task multiclass, NAME[CLASS] gates on one class
(selection_rate[B]<0.2, demographic_parity_difference['very high']>0.1; quote a class
holding a bracket or a quote); a name without a class is the worst case across classes.

"""
    + EXIT_CODES_TEXT
)


# ----------------------------------------------------------------------------- options
def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``audit`` and all its options to the sub-command parsers ``sub``."""
    a = sub.add_parser(
        NAME,
        help="audit predictions or a model on a CSV/Parquet file",
        description="Audit the predictions in DATA (or those of a saved model) for each "
        "sensitive attribute and their intersection; write an HTML report and/or JSON "
        "results; optionally fail on fairness gates.",
        epilog=EPILOG,
        formatter_class=formatter,
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
    o.add_argument(
        "--task",
        choices=["binary", "regression", "multiclass", "auto"],
        default="binary",
        help="what --prediction holds: yes/no decisions (binary, the default), numbers such "
        "as an offer or a 0-100 score (regression), or one of several classes (multiclass); "
        "auto chooses from --target. An auto audit reads the data into memory; a multiclass "
        "or regression audit is aggregated out of core like a binary one (a regression's "
        "quantiles and distances then come from histograms of the predictions, within the "
        "bounds its notes state)",
    )
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
        "--sep",
        metavar="CHAR",
        help="field separator of a CSV file (default ',', a tab for .tsv), e.g. ';'",
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
        type=seed,
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
        type=positive_int,
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
        type=score_bins,
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
    add_common_output(a)
    return a


def score_bins(text: str) -> object:
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


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(ERR_POSITIVE_INT.format(text=text))
    return number


def parse_tolerances(items: list[str] | None) -> dict[str, float] | None:
    """``--tolerance NAME=VALUE`` items as the audit's ``tolerances`` (None when none)."""
    if not items:
        return None
    from ..metrics._criteria import CRITERIA

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


def audit_options(args: argparse.Namespace, reference: Any, pos_label: Any) -> dict[str, Any]:
    """The audit's options from the command line, the same on every path."""
    options: dict[str, Any] = dict(
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
    if args.name:
        options["name"] = args.name
    return options


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


def optional_kwargs(args: argparse.Namespace) -> dict[str, Any]:
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


# ----------------------------------------------------------------------------- handler
def run(args: argparse.Namespace) -> int:
    """Run ``fairaudit audit``; return the exit code."""
    for gate in args.fail_on:  # report gate typos before the expensive part
        check_gate_task(parse_gate(gate), args.task)
    summary_stream(args)  # refuses two outputs on stdout, before the expensive part
    if args.model and args.prediction:
        raise CLIError(ERR_PREDICTION_AND_MODEL)
    if args.threshold is not None and not args.score and not args.model:
        raise CLIError(ERR_THRESHOLD_NO_SCORE)
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
    if args.task != "binary":
        if args.model:
            raise CLIError(ERR_TASK_MODEL.format(task=args.task))
        if args.task not in ("multiclass", "regression"):
            # out of core: binary decisions, the k x k counts of classes, or the moments and
            # histograms of numbers; the choice of task needs the rows
            args.in_memory = True
    extra = optional_kwargs(args)
    if args.reference and len(args.reference) != len(args.sensitive):
        raise CLIError(ERR_REFERENCE_COUNT.format(n=len(args.sensitive)))
    if not args.model and not args.in_memory:
        return _audit_out_of_core(args, extra)
    return _audit_in_memory(args, extra)


def _check_data_columns(columns: list[str], args: argparse.Namespace) -> None:
    """Refuse a column option naming a column that DATA does not have."""
    from ._read import check_columns

    name = Path(args.data).name
    check_columns(columns, [args.target], "--target", name)
    check_columns(columns, args.sensitive, "--sensitive", name)
    check_columns(columns, [args.prediction] if args.prediction else [], "--prediction", name)
    check_columns(columns, [args.score] if args.score else [], "--score", name)
    check_columns(columns, [args.weight] if args.weight else [], "--weight", name)


def load_model(path: str, trusted: bool) -> Any:
    """Load a pickled or joblib model, only when the user said it is trusted."""
    from ._errors import ERR_FILE_MISSING, ERR_FILE_READ

    if not trusted:
        raise CLIError(ERR_TRUST.format(path=path))
    if not Path(path).is_file():
        raise CLIError(ERR_FILE_MISSING.format(arg="--model", path=path))
    try:
        import joblib

        return joblib.load(path)
    except Exception as exc:
        raise CLIError(
            ERR_FILE_READ.format(
                arg="--model",
                path=path,
                kind="a pickled model",
                reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            )
        ) from exc


def check_labels(column: Any, name: str) -> None:
    """Refuse a --prediction column that holds probabilities rather than labels."""
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(pd.Series(column).dropna(), errors="coerce")
    if values.isna().any() or values.empty:
        return  # text labels: checked by the audit
    distinct = np.unique(values.to_numpy(dtype=float))
    fractions = distinct[distinct != np.round(distinct)]
    if len(distinct) > 2 and len(fractions) and 0 <= distinct[0] and distinct[-1] <= 1:
        examples = ", ".join(f"{x:.3g}" for x in fractions[:3])
        raise CLIError(ERR_PROBABILITIES.format(column=name, examples=examples))


def _model_inputs(data: Any, features: list[str], sensitive: list[str]) -> Any:
    """The model's columns; sensitive ones (read as text) parsed as pandas parses them."""
    from ._read import parsed

    X = data[features]
    text = [c for c in features if c in sensitive]
    if text:
        X = X.assign(**{c: parsed(data[c]) for c in text})
    return X


def _audit_in_memory(args: argparse.Namespace, extra: dict[str, Any]) -> int:
    """The audit of DATA read into memory (also the audit of a saved model)."""
    import fairaudit

    from ._read import check_columns, convert_like, read_columns, read_table
    from ._shares import representation_sections

    model = load_model(args.model, args.trust_model) if args.model else None
    why = "--model" if args.model else "--in-memory"
    columns = read_columns(args.data, sep=args.sep, why=why)
    name = Path(args.data).name
    _check_data_columns(columns, args)
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
        data = read_table(
            args.data,
            text_columns=args.sensitive,
            na_values=args.na_values,
            sep=args.sep,
            why=why,
        )
    if args.prediction and args.task == "binary":
        check_labels(data[args.prediction], args.prediction)
    sensitive = data[args.sensitive]
    reference: Any = None
    if args.reference:
        values = [
            convert_like(v, data[c]) for v, c in zip(args.reference, args.sensitive, strict=True)
        ]
        reference = values[0] if len(values) == 1 else tuple(values)
    pos_label = convert_like(args.pos_label, data[args.target]) if args.pos_label else None
    sections = representation_sections(args, data, pos_label)  # --reference-shares
    kwargs: dict[str, Any] = dict(
        sensitive_features=sensitive if len(args.sensitive) > 1 else sensitive.iloc[:, 0],
        sample_weight=data[args.weight].to_numpy() if args.weight else None,
        **audit_options(args, reference, pos_label),
        **extra,
    )
    if args.score_bins is not None:
        kwargs["score_bins"] = args.score_bins
    y = data[args.target]
    if model is not None:
        label = f"auditing {type(model).__name__} ({args.n_bootstrap} bootstrap resamples)"
        with progress.step(label), library_errors(OPTIONS), model_errors(model, args.model):
            X = _model_inputs(data, features, args.sensitive)
            result = fairaudit.audit_model(model, X, y, **kwargs)
    else:
        label = f"auditing ({args.n_bootstrap} bootstrap resamples)"
        with progress.step(label), library_errors(OPTIONS):
            result = fairaudit.audit(
                y,
                data[args.prediction] if args.prediction else None,
                y_score=data[args.score] if args.score else None,
                **kwargs,
                task=args.task,
            )
    return _write_audit(result, args, sections)


def _audit_out_of_core(args: argparse.Namespace, extra: dict[str, Any]) -> int:
    """The audit of DATA (a CSV or Parquet file, folder or glob) aggregated by DuckDB: the
    rows are never loaded; only the per-cell aggregates come back."""
    import fairaudit

    from .. import _validation as v
    from ._errors import ERR_EMPTY
    from ._read import column_sample, convert_like, open_relation

    relation = open_relation(
        args.data, text_columns=args.sensitive, na_values=args.na_values, sep=args.sep
    )
    _check_data_columns([str(c) for c in relation.columns], args)
    if args.prediction and args.task == "binary":
        check_labels(
            column_sample(relation, args.prediction, text=False, limit=1000), args.prediction
        )
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
        **audit_options(args, reference, pos_label),
        na_values=args.na_values,
        **extra,
    )
    if args.task == "multiclass":
        kwargs["task"] = "multiclass"
        if args.score_bins is not None:
            kwargs["score_bins"] = args.score_bins  # refused: it has no meaning here
    elif args.task == "regression":
        kwargs["task"] = "regression"
        if args.score_bins is not None:  # else the edges come from the predictions
            kwargs["score_bins"] = args.score_bins
    else:
        kwargs["score_bins"] = "range" if args.score_bins is None else args.score_bins
    if args.sep is not None:
        kwargs["sep"] = args.sep
    progress = Progress()
    label = f"aggregating {args.data} and auditing ({args.n_bootstrap} bootstrap resamples)"
    try:
        with progress.step(label), library_errors(OPTIONS):
            result = fairaudit.audit_table(args.data, **kwargs)
    except CLIError as exc:
        if exc.__cause__ is not None and str(exc.__cause__) == v.ERR_EMPTY.format(name="y_true"):
            raise CLIError(ERR_EMPTY.format(path=args.data)) from None
        raise
    return _write_audit(result, args)


def _write_audit(result: Any, args: argparse.Namespace, sections: Any = ()) -> int:
    outputs = json_output(result, args.json)
    if args.out:
        from ..report import render

        with Progress().step("rendering the report"):
            html = render(result, title=args.title, sections=sections)
            outputs.append(Output("--out", args.out, html))
    outputs += markdown_output([result], args, args.title)
    write_outputs(outputs)
    notes = written(args.out) if args.out else ()
    return finish(result, args, args.fail_on, default_gate=False, notes=notes)
