"""``audit_table(..., task="multiclass")``: the multiclass audit of a table where it lives.

The engine holding the data (DuckDB, polars, Arrow, Spark, ... through narwhals) runs one
``GROUP BY`` over the sensitive features, the observed and the predicted class: its cells
(row counts, sums of weights and of squared weights) are exactly the k x k confusion
matrices of :class:`~fairaudit.metrics._multiclass_stats.MulticlassStats`. They are checked
as :func:`fairaudit.audit` checks the rows (same messages, counts of rows included) and
audited by the same analysis, so the result equals the in-memory audit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from . import _validation as v
from ._audit_multiclass import (
    ERR_NO_PRED,
    ERR_OPTION,
    resolve_multiclass_tolerances,
    run_multiclass,
    warn_pred_only,
)
from ._engine import check_options, stats_hash
from ._result import AuditResult
from ._table import NOTE_ENGINE, _check_weights, _column_names, _groups, _missing_rows
from ._table_engine import Spec, aggregate, backend_name, is_csv_path, to_narwhals
from .metrics._multiclass_collect import encode_classes
from .metrics._multiclass_stats import MulticlassStats

ERR_CSV_WEIGHTS = "sample_weight must be numbers; the CSV file holds a value that is not: {reason}"


def _aggregated(frame: Any, spec: Spec, text_input: bool) -> pd.DataFrame:
    """The cells of the GROUP BY (features, y_true, y_pred), with CSV text parsed as
    pandas parses it."""
    try:
        table = aggregate(frame, spec)
    except Exception as exc:
        if not text_input or isinstance(exc, ValueError | TypeError):
            raise
        raise ValueError(ERR_CSV_WEIGHTS.format(reason=str(exc).splitlines()[0])) from exc
    if text_input:
        from ._csv_text import parsed

        for column in ("yt", "yp"):
            table[column] = parsed(table[column].astype(object))
    return table


def cell_matrices(
    table: pd.DataFrame,
    codes: np.ndarray,
    n_groups: int,
    t_codes: np.ndarray,
    p_codes: np.ndarray,
    classes: tuple,
    labels: pd.Index,
    weighted: bool,
) -> MulticlassStats:
    """The k x k matrices of the groups from the aggregated cells: each cell adds its row
    count, weight and squared weight to (group, observed class, predicted class)."""
    k = len(classes)
    size = n_groups * k * k
    cell = (codes.astype(np.int64) * k + t_codes) * k + p_codes
    shape = (n_groups, k, k)
    n_cell = table["n"].to_numpy(np.float64)
    n = np.round(np.bincount(cell, weights=n_cell, minlength=size)).astype(np.int64)
    n = n.reshape(shape)
    if not weighted:
        w = n.astype(np.float64)
        return MulticlassStats(classes, n, w, w.copy(), labels)
    w = np.bincount(cell, weights=table["w"].to_numpy(np.float64), minlength=size)
    w2 = np.bincount(cell, weights=table["w2"].to_numpy(np.float64), minlength=size)
    return MulticlassStats(classes, n, w.reshape(shape), w2.reshape(shape), labels)


def audit_table_multiclass(
    data: Any,
    *,
    y_true: str,
    y_pred: str | None,
    sensitive_features: str | Sequence[str],
    sample_weight: str | None = None,
    y_score: str | None = None,
    threshold: float | None = None,
    pos_label: Any = None,
    metrics: Any = None,
    score_bins: Any = None,
    na_values: Sequence[str] = (),
    sep: str | None = None,
    tolerances: Any = None,
    max_groups: int | str = "auto",
    **options: Any,
) -> AuditResult:
    """The multiclass audit of a table (called by :func:`fairaudit.audit_table` with
    ``task="multiclass"``; the arguments as there).

    ``options``: ``reference_group``, ``n_bootstrap``, ``confidence_level``, ``ci_method``,
    ``min_group_size``, ``suppress_below``, ``correction``, ``correction_scope``,
    ``random_state`` and ``name``, as in :func:`fairaudit.audit`.
    """
    for option, value, extra in (
        ("y_score", y_score, "; per-class scores are not audited"),
        ("score_bins", score_bins, ""),
        ("threshold", threshold, ""),
        ("pos_label", pos_label, ""),
        ("metrics", metrics, "; a multiclass audit reports every per-class metric"),
    ):
        if value is not None:
            raise ValueError(ERR_OPTION.format(option=option, extra=extra))
    features = _column_names(sensitive_features, "sensitive_features", many=True)
    yt_col = _column_names(y_true, "y_true")[0]
    if y_pred is None:
        raise ValueError(ERR_NO_PRED)
    yp_col = _column_names(y_pred, "y_pred")[0]
    w_col = None if sample_weight is None else _column_names(sample_weight, "sample_weight")[0]
    if len(set(features)) < len(features):
        dups = sorted({f for f in features if features.count(f) > 1})
        raise ValueError(v.ERR_SF_DUP.format(names=dups))
    config = check_options(**options, max_groups=v.check_max_groups(max_groups))
    resolved = resolve_multiclass_tolerances(tolerances)
    config = replace(config, task="multiclass", tolerances=tolerances)

    frame = to_narwhals(data, text_columns=features, na_values=na_values, sep=sep)
    text_input = is_csv_path(data)
    spec = Spec(features, yt_col, yp_col, None, w_col, None, None, True, text_input)
    table = _aggregated(frame, spec, text_input)
    n_rows = int(table["n"].sum())
    if n_rows == 0:
        raise ValueError(v.ERR_EMPTY.format(name="y_true"))
    for column, name in (("yt", "y_true"), ("yp", "y_pred")):
        k = _missing_rows(table, column)
        if k:
            raise ValueError(v.ERR_NAN_LABEL.format(name=name, k=k))
    classes, t_codes, p_codes, pred_only = encode_classes(
        v.check_1d(table["yt"], "y_true"), v.check_1d(table["yp"], "y_pred")
    )
    weighted = w_col is not None
    if weighted:
        _check_weights(table)
    groups = _groups(table, features, n_rows, config.max_groups)
    stats = cell_matrices(
        table, groups.codes, groups.n_groups, t_codes, p_codes, classes, groups.labels, weighted
    )
    notes = [
        NOTE_ENGINE.format(engine=backend_name(frame), rows=f"{n_rows:,}", cells=f"{len(table):,}")
    ]
    notes += warn_pred_only(classes, pred_only, stacklevel=4)
    meta = {
        "n_samples": n_rows,
        "weighted": weighted,
        "n_missing": dict(groups.n_missing),
        "data_hash": stats_hash(stats.n, stats.w, stats.w2),
        "source": "statistics",
        "notes": tuple(notes),
    }
    return run_multiclass(stats, options=config, tolerances=resolved, meta=meta)
