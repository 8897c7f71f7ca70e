"""``audit_table``: the audit of a table where it lives (DuckDB, Spark, polars, Arrow, files).

The engine holding the data computes the per-cell aggregates (:mod:`fairaudit._table_engine`);
this module checks them as :func:`fairaudit.audit` checks rows (same messages, counts of rows
included), turns them into labelled statistics with the group labels ``audit`` would form,
and runs the same analysis. Memory is O(groups x score bins), whatever the number of rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _validation as v
from ._audit import ERR_NO_PRED
from ._engine import check_options, run, stats_hash
from ._group_codes import MISSING_GROUP, WARN_MISSING, WARN_MISSING_RENAMED, check_group_count
from ._result import AuditResult
from ._table_engine import (
    AUC_SUBBINS,
    ERR_COLUMN_ARG,
    Spec,
    aggregate,
    backend_name,
    is_csv_path,
    to_narwhals,
)
from .metrics._collect import ERR_NEED_BINS, ERR_SCORE_BINS, probability_edges
from .metrics._stats import N_SCORE_BINS, ConfusionStats, ScoreStats, histogram_auc

ERR_SCORES_OUTSIDE = (
    "y_score has values outside the bin edges [{lo:.6g}, {hi:.6g}] (found [{smin:.6g}, "
    "{smax:.6g}]); declare score_bins that cover every score."
)
ERR_CSV_NUMBERS = (
    "y_score and sample_weight must be numbers; the CSV file holds a value that is not: {reason}"
)
NOTE_AUC = (
    "AUCs come from a histogram of {bins} score bins per group, computed where the data "
    "lives: each is within {bound:.2g} of the exact AUC of the rows (at most half the "
    "weight of the positive-negative pairs that share a bin)."
)
NOTE_ENGINE = "Aggregated by {engine}: {rows} rows reduced to {cells} cells."
ERR_TABLE_TASK = (
    "task must be 'binary', 'multiclass' or 'regression' for a table audited where it "
    "lives; got {task!r}."
)


def _column_names(value: Any, arg: str, *, many: bool = False) -> list[str]:
    if isinstance(value, str):
        return [value]
    if many and isinstance(value, Sequence) and value and all(isinstance(x, str) for x in value):
        return list(value)
    raise TypeError(ERR_COLUMN_ARG.format(arg=arg, value=value))


def _edges(score_bins: Any) -> tuple[np.ndarray, bool]:
    """The declared bin edges (checked) or the probability grid, and whether it is the grid."""
    grid = probability_edges()
    if score_bins is None:
        return grid, True
    try:
        edges = np.asarray(score_bins, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(ERR_SCORE_BINS.format(value=score_bins)) from None
    if (
        edges.ndim != 1
        or len(edges) < 2
        or not np.isfinite(edges).all()
        or (np.diff(edges) <= 0).any()
    ):
        raise ValueError(ERR_SCORE_BINS.format(value=score_bins))
    return edges, bool(len(edges) == len(grid) and np.array_equal(edges, grid))


def _missing_rows(table: pd.DataFrame, column: str) -> int:
    return int(table["n"][pd.isna(table[column]).to_numpy()].sum())


def _check_weights(table: pd.DataFrame) -> None:
    k = int(table["w_bad"].sum())
    if k:
        raise ValueError(v.ERR_WEIGHT_NAN.format(k=k))
    k = int(table["w_neg"].sum())
    if k:
        raise ValueError(v.ERR_WEIGHT_NEG.format(k=k))
    with np.errstate(over="ignore", under="ignore"):
        total = float(table["w"].sum())
        squares = float(table["w2"].sum())
    big = float(table["w_max"].max())
    if not np.isfinite(total):
        raise ValueError(v.ERR_WEIGHT_OVERFLOW.format(what="sum of the weights", big=big))
    if total <= 0:
        raise ValueError(v.ERR_WEIGHT_ZERO)
    if not np.isfinite(squares):
        raise ValueError(
            v.ERR_WEIGHT_OVERFLOW.format(
                what="sum of squares of the weights (used for effective sample sizes)", big=big
            )
        )
    if squares == 0:
        raise ValueError(v.ERR_WEIGHT_UNDERFLOW.format(big=big))


def _labels01(table: pd.DataFrame, has_pred: bool, pos_label: Any) -> tuple[np.ndarray, ...]:
    """Label and prediction of every cell as 0/1, checked as ``audit`` checks the rows."""
    for column, name in (("yt", "y_true"), ("yp", "y_pred")):
        if column == "yp" and not has_pred:
            continue
        k = _missing_rows(table, column)
        if k:
            raise ValueError(v.ERR_NAN_LABEL.format(name=name, k=k))
    yt = v.check_1d(table["yt"], "y_true")
    if has_pred:
        out = v.binarize_labels(
            {"y_true": yt, "y_pred": v.check_1d(table["yp"], "y_pred")}, pos_label
        )
        return out["y_true"], out["y_pred"]
    yt01 = v.binarize_labels({"y_true": yt}, pos_label)["y_true"]
    return yt01, table["yp"].to_numpy(dtype=bool).astype(np.int8)


def _groups(table: pd.DataFrame, names: list[str], n_rows: int, max_groups: Any) -> v.Groups:
    """The groups of the cells, labelled and ordered as ``audit`` labels those of the rows."""
    frame = table[[f"f{i}" for i in range(len(names))]]
    frame.columns = names
    groups = v.encode_groups(frame, warn_missing=False)
    n_missing = {}
    for j, name in enumerate(names):
        labels = groups.feature_labels[j]
        check_group_count(len(labels), n_rows, f"sensitive feature {name!r}", max_groups)
        k = int(table["n"][pd.isna(frame[name]).to_numpy()].sum())
        n_missing[name] = k
        if k:
            label = labels[-1]
            message = (
                WARN_MISSING.format(name=name, k=k, label=label)
                if label == MISSING_GROUP
                else WARN_MISSING_RENAMED.format(name=name, k=k, label=label, taken=MISSING_GROUP)
            )
            warnings.warn(message, UserWarning, stacklevel=4)
    if len(names) > 1:
        what = "the intersection of the sensitive features " + ", ".join(map(repr, names))
        check_group_count(len(groups.labels), n_rows, what, max_groups)
    return v.Groups(
        groups.codes,
        groups.labels,
        names,
        frame,
        n_missing,
        groups.feature_codes,
        groups.feature_labels,
    )


def _auc_bound(fine_w: np.ndarray) -> np.ndarray:
    """Largest error of the histogram AUC: half the weight of positive-negative pairs sharing
    a bin, over the weight of all such pairs (per leading index)."""
    pairs = (fine_w[..., 0] * fine_w[..., 1]).sum(axis=-1)
    den = fine_w[..., 0].sum(axis=-1) * fine_w[..., 1].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 0.5 * pairs / np.where(den > 0, den, 1.0), 0.0)


def _score_stats(
    codes: np.ndarray,
    n_groups: int,
    labels: pd.Index,
    yt01: np.ndarray,
    table: pd.DataFrame,
    edges: np.ndarray,
    probabilistic: bool,
    weighted: bool,
) -> tuple[ScoreStats, np.ndarray]:
    """Score histograms of the groups (on the edges) and their fine histograms (for AUC)."""
    n_bins = len(edges) - 1
    shape = (n_groups, n_bins, 2)
    cell = (codes * n_bins + table["cbin"].to_numpy(np.int64)) * 2 + yt01
    size = n_groups * n_bins * 2
    n_cell = table["n"].to_numpy(np.float64)
    w_cell = table["w"].to_numpy(np.float64) if weighted else n_cell
    n = np.round(np.bincount(cell, weights=n_cell, minlength=size)).astype(np.int64)
    w = np.bincount(cell, weights=w_cell, minlength=size).reshape(shape)
    ws = np.bincount(cell, weights=table["ws"].to_numpy(np.float64), minlength=size)
    ws2 = np.bincount(cell, weights=table["ws2"].to_numpy(np.float64), minlength=size)
    n_fine = n_bins * AUC_SUBBINS
    fine_cell = (codes * n_fine + table["fbin"].to_numpy(np.int64)) * 2 + yt01
    fine = np.bincount(fine_cell, weights=w_cell, minlength=n_groups * n_fine * 2)
    fine = fine.reshape(n_groups, n_fine, 2)
    stats = ScoreStats(
        edges,
        probabilistic,
        n.reshape(shape),
        w,
        ws.reshape(shape),
        ws2.reshape(shape),
        np.clip(histogram_auc(fine), 0.0, 1.0),
        labels,
    )
    return stats, fine


def audit_table(
    data: Any,
    *,
    y_true: str,
    y_pred: str | None = None,
    y_score: str | None = None,
    threshold: float | None = None,
    sensitive_features: str | Sequence[str],
    sample_weight: str | None = None,
    pos_label: Any = None,
    metrics: Any = None,
    reference_group: Any = None,
    n_bootstrap: int = 1000,
    confidence_level: float = 0.95,
    ci_method: str = "bootstrap",
    min_group_size: int = 30,
    suppress_below: int | None = None,
    tolerances: dict[str, float] | None = None,
    correction: str = "holm",
    correction_scope: str = "all",
    random_state: int | np.random.Generator | None = None,
    name: str | None = None,
    score_bins: Any = None,
    max_groups: int | str = "auto",
    na_values: Sequence[str] = (),
    sep: str | None = None,
    task: str = "binary",
) -> AuditResult:
    """Audit a table where it lives: the engine that holds the data aggregates it.

    The per-cell aggregates (a ``GROUP BY`` over the sensitive features, the label, the
    prediction and the score bins: row counts, sums of weights and of squared weights,
    weighted score sums) and the checks of the inputs are computed by the engine holding
    ``data``; only that table, of a size set by the number of groups and score bins, comes
    back. The result equals :func:`audit` on the rows (every count metric, interval with the
    same ``random_state``, verdict), except the AUCs, which come from a fine histogram
    (2,000 bins for probabilities) and are within the bound stated in
    ``meta["notes"]`` of the exact ones.

    Parameters
    ----------
    data : DataFrame, LazyFrame, Table, Dataset, relation, path or glob
        A pandas or polars DataFrame, a polars LazyFrame, a pyarrow Table or Dataset, a
        DuckDB relation, a PySpark DataFrame (anything narwhals reads), or the path of a
        Parquet or CSV file, a folder of them, or a glob such as ``"data/*.parquet"``
        (read by DuckDB, out of core: ``pip install "fairaudit[duckdb]"``).
    y_true : str
        The column of observed outcomes: 0/1, booleans, or two labels with ``pos_label``.
    y_pred : str, optional
        The column of predicted outcomes; may be omitted with ``y_score`` and ``threshold``.
    y_score : str, optional
        The column of scores of the positive class.
    threshold : float, optional
        Without ``y_pred``: predict positive when the score is at least the threshold.
    sensitive_features : str or list of str
        The sensitive columns; with several, their intersections are audited, and each on
        its own. Values are used as stored (in a CSV file, as text).
    sample_weight : str, optional
        The column of non-negative weights.
    pos_label, metrics, reference_group, n_bootstrap, confidence_level, ci_method, min_group_size, suppress_below, tolerances, correction, correction_scope, random_state, name, max_groups
        As in :func:`audit`.
    score_bins : array-like of bin edges or "range", optional
        Edges of the score histograms. Default: 200 equal bins on [0, 1], for probabilities;
        scores on another scale need edges covering all of them (the quantile edges
        :func:`audit` uses by default would need a pass over the rows first). ``"range"``:
        the probability grid when the scores lie in [0, 1], else 200 equal bins between the
        smallest and the largest score (a second pass over the data).
    na_values : sequence of str, default ()
        For CSV files given by path: further values read as missing.
    sep : str, optional
        For CSV files given by path: the field separator (default: a tab for ``.tsv``
        files, else a comma).
    task : {"binary", "multiclass", "regression"}, default "binary"
        Yes/no decisions, or one of several classes in ``y_pred`` (the ``GROUP BY`` then
        returns each group's k x k confusion matrix; the result equals
        :func:`audit` with ``task="multiclass"``; see :mod:`fairaudit._table_multiclass`),
        or numbers in ``y_pred`` (the engine returns each group's moments and histogram of
        the predictions; every value from the moments equals :func:`audit` with
        ``task="regression"``, the distribution metrics are within the bounds stated in
        ``meta["notes"]``; ``score_bins`` then declares the histogram's edges; see
        :mod:`fairaudit._table_regression`).

    Returns
    -------
    AuditResult
    """
    if task in ("multiclass", "regression"):
        if task == "multiclass":
            from ._table_multiclass import audit_table_multiclass as audit_task
        else:
            from ._table_regression import audit_table_regression as audit_task
        return audit_task(
            data,
            y_true=y_true,
            y_pred=y_pred,
            sensitive_features=sensitive_features,
            sample_weight=sample_weight,
            y_score=y_score,
            threshold=threshold,
            pos_label=pos_label,
            metrics=metrics,
            score_bins=score_bins,
            na_values=na_values,
            sep=sep,
            tolerances=tolerances,
            max_groups=max_groups,
            reference_group=reference_group,
            n_bootstrap=n_bootstrap,
            confidence_level=confidence_level,
            ci_method=ci_method,
            min_group_size=min_group_size,
            suppress_below=suppress_below,
            correction=correction,
            correction_scope=correction_scope,
            random_state=random_state,
            name=name,
        )
    if task != "binary":
        raise ValueError(ERR_TABLE_TASK.format(task=task))
    features = _column_names(sensitive_features, "sensitive_features", many=True)
    yt_col = _column_names(y_true, "y_true")[0]
    yp_col = None if y_pred is None else _column_names(y_pred, "y_pred")[0]
    s_col = None if y_score is None else _column_names(y_score, "y_score")[0]
    w_col = None if sample_weight is None else _column_names(sample_weight, "sample_weight")[0]
    if len(set(features)) < len(features):
        dups = sorted({f for f in features if features.count(f) > 1})
        raise ValueError(v.ERR_SF_DUP.format(names=dups))
    options = check_options(
        metrics=metrics,
        reference_group=reference_group,
        n_bootstrap=n_bootstrap,
        confidence_level=confidence_level,
        ci_method=ci_method,
        min_group_size=min_group_size,
        suppress_below=suppress_below,
        tolerances=tolerances,
        threshold=threshold,
        correction=correction,
        correction_scope=correction_scope,
        random_state=random_state,
        name=name,
        pos_label=pos_label,
        max_groups=v.check_max_groups(max_groups),
    )
    if yp_col is None and (s_col is None or threshold is None):
        raise ValueError(ERR_NO_PRED)
    by_range = isinstance(score_bins, str) and score_bins == "range"
    edges, probabilistic = _edges(None if by_range else score_bins)
    frame = to_narwhals(data, text_columns=features, na_values=na_values, sep=sep)
    text_input = is_csv_path(data)

    def aggregated(edges: np.ndarray, probabilistic: bool) -> pd.DataFrame:
        spec = Spec(
            features,
            yt_col,
            yp_col,
            s_col,
            w_col,
            threshold,
            edges if s_col else None,
            probabilistic,
            text_input,
        )
        try:
            table = aggregate(frame, spec)
        except Exception as exc:
            if not text_input or isinstance(exc, ValueError | TypeError):
                raise
            # a CSV column of scores or weights holding text that is not a number
            reason = str(exc).splitlines()[0]
            raise ValueError(ERR_CSV_NUMBERS.format(reason=reason)) from exc
        if text_input:
            from ._csv_text import parsed

            for column in ("yt", "yp") if yp_col is not None else ("yt",):
                table[column] = parsed(table[column].astype(object))
        return table

    table = aggregated(edges, probabilistic)
    n_rows = int(table["n"].sum())
    if n_rows == 0:
        raise ValueError(v.ERR_EMPTY.format(name="y_true"))
    smin = smax = float("nan")
    if s_col is not None:
        k = int(table["s_bad"].sum())
        if k:
            raise ValueError(v.ERR_SCORE_NAN.format(k=k))
        smin, smax = float(table["s_min"].min()), float(table["s_max"].max())
        if by_range and (smin < 0.0 or smax > 1.0):
            # not probabilities: equal bins over the range the first pass found
            edges = (
                np.linspace(smin, smax, N_SCORE_BINS + 1)
                if smax > smin
                else np.array([smin, smin + 1.0])
            )
            probabilistic = False
            table = aggregated(edges, probabilistic)
        if score_bins is None and (smin < 0.0 or smax > 1.0):
            raise ValueError(ERR_NEED_BINS.format(smin=smin, smax=smax))
        if smin < edges[0] or smax > edges[-1]:
            raise ValueError(
                ERR_SCORES_OUTSIDE.format(lo=edges[0], hi=edges[-1], smin=smin, smax=smax)
            )
    yt01, yp01 = _labels01(table, yp_col is not None, pos_label)
    weighted = w_col is not None
    if weighted:
        _check_weights(table)
    groups = _groups(table, features, n_rows, options.max_groups)

    cell = groups.codes * 4 + 2 * yt01.astype(np.int64) + yp01
    size = 4 * groups.n_groups
    n_cell = table["n"].to_numpy(np.float64)
    n = np.round(np.bincount(cell, weights=n_cell, minlength=size)).astype(np.int64)
    n = n.reshape(-1, 4)
    if weighted:
        w = np.bincount(cell, weights=table["w"].to_numpy(np.float64), minlength=size)
        w2 = np.bincount(cell, weights=table["w2"].to_numpy(np.float64), minlength=size)
        conf = ConfusionStats(n, w.reshape(-1, 4), w2.reshape(-1, 4), groups.labels)
    else:
        w = n.astype(np.float64)
        conf = ConfusionStats(n, w, w.copy(), groups.labels)

    sstats = None
    marginal_scores: dict[str, ScoreStats] = {}
    overall_auc = None
    threshold_range = None
    notes = [
        NOTE_ENGINE.format(engine=backend_name(frame), rows=f"{n_rows:,}", cells=f"{len(table):,}")
    ]
    if s_col is not None:
        sstats, fine = _score_stats(
            groups.codes,
            groups.n_groups,
            groups.labels,
            yt01,
            table,
            edges,
            probabilistic,
            weighted,
        )
        bounds = [_auc_bound(fine)]
        if len(features) > 1:
            for feature in features:
                g = groups.feature(feature)
                marginal_scores[feature], fine_m = _score_stats(
                    g.codes, g.n_groups, g.labels, yt01, table, edges, probabilistic, weighted
                )
                bounds.append(_auc_bound(fine_m))
        total = fine.sum(axis=0)
        overall_auc = float(np.clip(histogram_auc(total), 0.0, 1.0))
        bounds.append(np.atleast_1d(_auc_bound(total)))
        bound = float(max(b.max() for b in bounds))
        notes.append(NOTE_AUC.format(bins=f"{fine.shape[1]:,}", bound=bound))
        threshold_range = (smin, smax)
    meta = {
        "n_samples": n_rows,
        "weighted": weighted,
        "n_missing": dict(groups.n_missing),
        "data_hash": stats_hash(conf.n, conf.w, conf.w2, None if sstats is None else sstats.w),
        "source": "statistics",
        "notes": notes,
    }
    return run(
        conf,
        sstats,
        options=options,
        meta=meta,
        overall_auc=overall_auc,
        marginal_scores=marginal_scores,
        threshold_range=threshold_range,
    )
