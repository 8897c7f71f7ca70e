"""``audit_table(..., task="regression")``: the regression audit of a table where it lives.

The engine holding the data (DuckDB, polars, Arrow, Spark, ... through narwhals) computes
the :class:`~fairaudit.metrics._regression_stats.RegressionStats` of the rows in two passes:

1. one aggregate over all rows: the row count, the counts of missing or infinite outcomes,
   predictions and weights, the range and the number of distinct predictions, and the
   histogram's edges as :func:`~fairaudit.metrics._regression_stats.prediction_edges`
   chooses them (one bin per distinct value when there are at most 200, else the
   quantiles of the predictions, computed by the engine in one more aggregate);
2. one ``GROUP BY`` over the sensitive features and the prediction's bin: per cell the row
   count, the sums of the moment terms (weighted powers of the prediction, the outcome and
   the error), of their pairwise products (what the bootstrap of the moments needs), and the
   counts of rows on the scales the audit checks.

Only those cells (groups x bins) come back; nothing row-level is collected. The statistics
are then audited as :func:`fairaudit.audit_from_stats` audits them: every value from the
moments equals :func:`fairaudit.audit` with ``task="regression"`` on the rows, the
distribution metrics come from the histograms within the bounds stated in
``meta["notes"]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from . import _validation as v
from ._audit_regression import (
    ERR_BOOLEAN,
    ERR_CI_METHOD,
    ERR_OPTION,
    ERR_Y_PRED,
    ERR_Y_SCORE,
    WARN_CONSTANT,
    audit_regression_stats,
)
from ._engine import check_options
from ._group_codes import check_group_count
from ._result import AuditResult
from ._table import NOTE_ENGINE, _check_weights, _column_names, _groups
from ._table_engine import (
    WEIGHT_SUMS,
    Spec,
    backend_name,
    check_columns,
    is_csv_path,
    to_narwhals,
    weight_columns,
)
from .metrics._regression_stats import (
    ERR_OUTSIDE,
    FLAGS,
    MOMENTS,
    N_PREDICTION_BINS,
    RegressionStats,
    declared_edges,
    edges_centre,
)

ERR_NOT_NUMBER_COLUMN = (
    "{arg}: the column {column!r} holds {dtype} values, not numbers; a regression audit needs "
    "numeric outcomes and predictions. Cast the column to a number type in the table (e.g. "
    "CAST({column} AS DOUBLE)), or audit labels with task='binary' or task='multiclass'."
)
ERR_CSV_NOT_NUMBER = (
    "{arg}: the column {column!r} of the CSV file holds a value that is not a number "
    "({reason}); a regression audit needs a number in every row: fix or drop those rows."
)
ERR_NONFINITE_TABLE = (
    "{arg}: the column {column!r} has {k} missing or infinite value(s); a regression audit "
    "needs a finite number in every row: drop or impute those rows (filter them out of the "
    "table before the audit)."
)


def _numbers_dtype(schema: dict, column: str, arg: str, text_input: bool) -> None:
    """Refuse an outcome or prediction column that does not hold numbers."""
    import narwhals.stable.v2 as nw

    dtype = schema[column]
    if dtype == nw.Boolean:
        raise TypeError(ERR_BOOLEAN.format(name=arg))
    if dtype.is_numeric() or (text_input and dtype == nw.String):
        return
    raise TypeError(ERR_NOT_NUMBER_COLUMN.format(arg=arg, column=column, dtype=dtype))


def _collect(frame: Any) -> pd.DataFrame:
    import narwhals.stable.v2 as nw

    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def _failed_cast(frame: Any, columns: list[tuple[str, str]], exc: Exception) -> Exception:
    """The error of a CSV column whose text is not a number (the first failing cast)."""
    import narwhals.stable.v2 as nw

    for arg, column in columns:
        try:
            _collect(frame.select(nw.col(column).cast(nw.Float64).sum().alias("x")))
        except Exception as inner:  # the engine's own cast error, whatever its class
            reason = str(inner).splitlines()[0] if str(inner) else type(inner).__name__
            return TypeError(ERR_CSV_NOT_NUMBER.format(arg=arg, column=column, reason=reason))
    return exc


def _terms(yt: Any, yp: Any, w: Any, centre: float) -> list[Any]:
    """The row terms of :data:`MOMENTS` as engine expressions, in the order and with the
    arithmetic of :func:`~fairaudit.metrics._regression_stats.row_moments`; ``None`` for a
    term that is 1 in every row (the weight, without weights)."""
    e = yp - yt
    d = yp - centre
    if w is None:
        pred, true, err, dc = yp, yt, e, d
        terms = [None, None]
    else:
        pred, true, err, dc = w * yp, w * yt, w * e, w * d
        terms = [w, w * w]
    err2 = err * e
    d2 = dc * d
    d3 = d2 * d
    terms += [
        pred,
        true,
        pred * yp,
        true * yt,
        pred * yt,
        err,
        err.abs(),
        err2,
        err2 * (e * e),
        dc,
        d2,
        d3,
        d3 * d,
    ]
    return terms


def _first_pass(
    frame: Any,
    yt_col: str,
    yp_col: str,
    w_col: str | None,
    features: list[str],
    declared: np.ndarray | None,
) -> pd.Series:
    """One aggregate over every row: counts of bad values, the predictions' range, the
    weights' checks, distinct values of the features, and rows outside declared edges."""
    import narwhals.stable.v2 as nw

    yt = nw.col(yt_col).cast(nw.Float64)
    yp = nw.col(yp_col).cast(nw.Float64)
    cols = [
        yt.alias("yt"),
        yp.alias("yp"),
        (yt.is_null() | ~yt.is_finite()).cast(nw.Int64).alias("yt_bad"),
        (yp.is_null() | ~yp.is_finite()).cast(nw.Int64).alias("yp_bad"),
    ]
    sums = ["yt_bad", "yp_bad"]
    if w_col is not None:
        w = nw.col(w_col).cast(nw.Float64)
        cols += weight_columns(w)
        sums += list(WEIGHT_SUMS)
    if declared is not None:
        outside = (yp < float(declared[0])) | (yp > float(declared[-1]))
        cols.append(outside.cast(nw.Int64).alias("outside"))
        sums.append("outside")
    aggs = [nw.len().alias("n"), *(nw.col(c).sum().alias(c) for c in sums)]
    aggs += [
        nw.col("yp").min().alias("yp_min"),
        nw.col("yp").max().alias("yp_max"),
    ]
    if w_col is not None:
        aggs.append(nw.col("w").max().alias("w_max"))
    row = _collect(frame.select(*cols).select(*aggs)).iloc[0]
    # the distinct values of the features on their own: a distinct count beside the sums
    # makes some engines (DuckDB) hold every row of the aggregate's input
    distinct = [nw.col(f).n_unique().alias(f"f{i}_distinct") for i, f in enumerate(features)]
    return pd.concat([row, _collect(frame.select(*distinct)).iloc[0]])


def few_values(frame: Any, column: str, limit: int) -> bool:
    """Whether a column holds at most ``limit`` distinct values, without a hash table of
    all of them where the engine can estimate first: DuckDB and Spark count distinct
    values exactly only when their estimate (a HyperLogLog sketch, a few percent off) is
    below ``4 * limit``; other engines count them exactly."""
    import narwhals.stable.v2 as nw

    impl = frame.implementation
    native = nw.to_native(frame)
    if impl.is_duckdb():
        from ._table_engine import _quote

        x = f"CAST({_quote(column)} AS DOUBLE)"
        if int(native.aggregate(f"approx_count_distinct({x})").fetchall()[0][0]) > 4 * limit:
            return False
        return int(native.aggregate(f"count(DISTINCT {x})").fetchall()[0][0]) <= limit
    if impl.is_pyspark() or impl.is_pyspark_connect():
        from pyspark.sql import functions as F

        x = F.col(column).cast("double")
        if int(native.select(F.approx_count_distinct(x)).collect()[0][0]) > 4 * limit:
            return False
        return int(native.select(F.count_distinct(x)).collect()[0][0]) <= limit
    expr = nw.col(column).cast(nw.Float64).n_unique().alias("k")
    return int(_collect(frame.select(expr))["k"].iloc[0]) <= limit


def _data_edges(frame: Any, yp_col: str, n_rows: int) -> np.ndarray:
    """The histogram edges :func:`prediction_edges` chooses, computed by the engine: the
    distinct predictions (at most 200) and one more step, else the 201 quantiles."""
    import narwhals.stable.v2 as nw

    yp = nw.col(yp_col).cast(nw.Float64)
    if few_values(frame, yp_col, N_PREDICTION_BINS):
        values = _collect(frame.select(yp.alias("x")).unique())["x"].to_numpy(np.float64)
        values = np.unique(values)
        step = float(values[-1] - values[-2]) if len(values) > 1 else 1.0
        return np.append(values, values[-1] + step)
    qs = np.linspace(0, 1, N_PREDICTION_BINS + 1)
    return np.unique(quantiles(frame, yp_col, qs, n_rows))


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's linear interpolation of quantiles, with its rounding (``_lerp``)."""
    diff = b - a
    out = a + diff * t
    return np.where(t >= 0.5, b - diff * (1 - t), out)


def quantiles(frame: Any, column: str, qs: np.ndarray, n_rows: int) -> np.ndarray:
    """The linear quantiles ``qs`` of a column (finite, non-null), computed by the engine in
    one aggregate: numpy's ``np.quantile`` (to the last bit for polars and pandas, which
    return the order statistics, to rounding for the engines that interpolate).

    DuckDB ``quantile_cont`` with a list, Arrow ``quantile``, Spark ``percentile`` with an
    array and pandas ``Series.quantile`` sort or select once for every quantile; polars
    sorts once and gathers the order statistics; other engines compute each quantile.
    """
    import narwhals.stable.v2 as nw

    impl = frame.implementation
    native = nw.to_native(frame)
    listed = [float(q) for q in qs]
    if impl.is_duckdb():
        from ._table_engine import _quote

        values = ", ".join(f"{q!r}::DOUBLE" for q in listed)
        expr = f"quantile_cont(CAST({_quote(column)} AS DOUBLE), [{values}])"
        return np.asarray(native.aggregate(expr).fetchall()[0][0], dtype=np.float64)
    if impl.is_pyarrow():
        import pyarrow as pa
        import pyarrow.compute as pc

        x = native[column].cast(pa.float64())
        return pc.quantile(x, q=listed, interpolation="linear").to_numpy().astype(np.float64)
    if impl.is_pyspark() or impl.is_pyspark_connect():
        from pyspark.sql import functions as F

        name = "`" + column.replace("`", "``") + "`"
        values = ", ".join(f"CAST({q!r} AS DOUBLE)" for q in listed)
        expr = F.expr(f"percentile(CAST({name} AS DOUBLE), array({values}))")
        return np.asarray(native.select(expr).collect()[0][0], dtype=np.float64)
    if impl.is_pandas_like():
        x = native[column].astype(np.float64)
        return x.quantile(listed, interpolation="linear").to_numpy(np.float64)
    if impl.is_polars():
        import polars as pl

        virtual = (n_rows - 1) * qs  # numpy's virtual index, its floor and the next row
        below = np.floor(virtual)
        above = np.minimum(below + 1, n_rows - 1)
        at = np.unique(np.concatenate([below, above]).astype(np.int64))
        expr = pl.col(column).cast(pl.Float64).sort().gather(at).alias("x")
        out = native.select(expr)
        if isinstance(out, pl.LazyFrame):
            out = out.collect()
        order = dict(zip(at.tolist(), out["x"].to_numpy().tolist(), strict=True))
        a = np.array([order[int(i)] for i in below])
        b = np.array([order[int(i)] for i in above])
        return _lerp(a, b, virtual - below)
    yp = nw.col(column).cast(nw.Float64)
    exprs = [yp.quantile(q, interpolation="linear").alias(f"q{i}") for i, q in enumerate(listed)]
    return _collect(frame.select(*exprs)).iloc[0].to_numpy(np.float64)


def _bin_tree(x: Any, edges: np.ndarray, lo: int, hi: int) -> Any:
    """The bin of ``x`` among bins ``lo`` to ``hi - 1`` by bisection (a tree of ``when``
    of depth log2(bins)): :func:`~fairaudit.metrics._regression_stats.bin_index`, the
    number of inner edges at most ``x``, for ``x`` within the edges."""
    import narwhals.stable.v2 as nw

    if hi - lo == 1:
        return nw.lit(lo)
    mid = (lo + hi) // 2
    return (
        nw.when(x < float(edges[mid]))
        .then(_bin_tree(x, edges, lo, mid))
        .otherwise(_bin_tree(x, edges, mid, hi))
    )


def _spark_bin(frame: Any, yp_col: str, edges: np.ndarray, name: str) -> Any:
    """``frame`` (on Spark) with the column ``name``: the :func:`_bin_tree` of the
    prediction written as one SQL ``CASE`` tree, which Spark parses in one call instead of
    building the tree's hundreds of column expressions one JVM call at a time. The edges
    are double literals (``D``: the shortest decimal that reads back as the same double),
    and a null or NaN prediction takes the same branch as in the tree (``ELSE``)."""
    import narwhals.stable.v2 as nw
    from pyspark.sql import functions as F

    x = "CAST(`" + yp_col.replace("`", "``") + "` AS DOUBLE)"

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            return str(lo)
        mid = (lo + hi) // 2
        return (
            f"CASE WHEN {x} < {float(edges[mid])!r}D THEN {tree(lo, mid)} ELSE {tree(mid, hi)} END"
        )

    native = nw.to_native(frame).withColumn(name, F.expr(tree(0, len(edges) - 1)))
    return nw.from_native(native)


def _cells(
    frame: Any,
    features: list[str],
    yt_col: str,
    yp_col: str,
    w_col: str | None,
    edges: np.ndarray,
    cross: bool,
) -> tuple[pd.DataFrame, list[tuple[int, int, str]]]:
    """The ``GROUP BY`` (features, bin) of the moment terms, their products and the flags.

    Returns the cells and, for ``cross``, which column holds the sum of the product of the
    terms ``j`` and ``k`` (``"n"`` when both are 1 in every row, ``m{j}`` when one is).
    """
    import narwhals.stable.v2 as nw

    yt = nw.col(yt_col).cast(nw.Float64)
    yp = nw.col(yp_col).cast(nw.Float64)
    w = None if w_col is None else nw.col(w_col).cast(nw.Float64)
    n_bins = len(edges) - 1
    keys = [f"f{i}" for i in range(len(features))] + ["bin"]
    cols = [nw.col(f).alias(f"f{i}") for i, f in enumerate(features)]
    impl = frame.implementation
    if impl.is_pyspark() or impl.is_pyspark_connect():
        spare = "__fairaudit_bin"
        while spare in frame.columns:
            spare += "_"
        frame = _spark_bin(frame, yp_col, edges, spare)
        cols.append(nw.col(spare).cast(nw.Int64).alias("bin"))
    else:
        cols.append(_bin_tree(yp, edges, 0, n_bins).cast(nw.Int64).alias("bin"))
    terms = _terms(yt, yp, w, edges_centre(edges))
    present = [j for j, t in enumerate(terms) if t is not None]
    cols += [terms[j].alias(f"m{j}") for j in present]
    flags = [
        yt < 0,
        (yt != 0.0) & (yt != 1.0),
        yp < 0,
        (yp < 0) | (yp > 1),
        (yp != 0.0) & (yp != 1.0),
    ]
    cols += [f.cast(nw.Int64).alias(f"flag{i}") for i, f in enumerate(flags)]
    sums = [f"m{j}" for j in present] + [f"flag{i}" for i in range(len(FLAGS))]
    pairs: list[tuple[int, int, str]] = []
    products = []
    if cross:
        for j in range(len(MOMENTS)):
            for k in range(j, len(MOMENTS)):
                if terms[j] is None and terms[k] is None:
                    pairs.append((j, k, "n"))
                elif terms[j] is None or terms[k] is None:
                    pairs.append((j, k, f"m{k if terms[j] is None else j}"))
                else:
                    name = f"c{j}_{k}"
                    pairs.append((j, k, name))
                    products.append((nw.col(f"m{j}") * nw.col(f"m{k}")).alias(name))
                    sums.append(name)
    lf = frame.select(*cols)
    if products:  # the products of the terms computed once per row, then summed
        lf = lf.with_columns(*products)
    aggs = [nw.len().alias("n"), *(nw.col(c).sum().alias(c) for c in sums)]
    table = _collect(lf.group_by(*keys, drop_null_keys=False).agg(*aggs))
    # an engine may list unobserved categories of a categorical key as empty cells
    table = table[pd.to_numeric(table["n"]).fillna(0).to_numpy() > 0].reset_index(drop=True)
    table["n"] = pd.to_numeric(table["n"]).astype(np.int64)
    table["bin"] = pd.to_numeric(table["bin"]).astype(np.int64)
    for c in sums:
        table[c] = pd.to_numeric(table[c]).fillna(0).astype(np.float64)
    return table, pairs


def regression_cells_stats(
    table: pd.DataFrame,
    codes: np.ndarray,
    n_groups: int,
    edges: np.ndarray,
    labels: pd.Index,
    pairs: list[tuple[int, int, str]] | None,
) -> RegressionStats:
    """The :class:`RegressionStats` of the groups from the aggregated cells: each cell adds
    its row count and sums to (group, bin); ``pairs`` (or ``None``: no cross products)
    names the column of each product of two terms."""
    n_bins = len(edges) - 1
    codes = codes.astype(np.int64)
    cell = codes * n_bins + table["bin"].to_numpy(np.int64)
    size = n_groups * n_bins
    n_cell = table["n"].to_numpy(np.float64)

    def column(name: str) -> np.ndarray:
        return n_cell if name == "n" else table[name].to_numpy(np.float64)

    hist = np.empty((size, len(MOMENTS)))
    for j in range(len(MOMENTS)):
        name = f"m{j}" if f"m{j}" in table else "n"  # the weight and its square: 1 per row
        hist[:, j] = np.bincount(cell, weights=column(name), minlength=size)
    hist = hist.reshape(n_groups, n_bins, len(MOMENTS))
    hist_n = np.round(np.bincount(cell, weights=n_cell, minlength=size)).astype(np.int64)
    hist_n = hist_n.reshape(n_groups, n_bins)
    flags = np.stack(
        [
            np.round(np.bincount(codes, weights=column(f"flag{i}"), minlength=n_groups))
            for i in range(len(FLAGS))
        ],
        axis=1,
    ).astype(np.int64)
    if pairs is None:
        products = np.zeros((n_groups, 0, 0))
    else:
        products = np.empty((n_groups, len(MOMENTS), len(MOMENTS)))
        for j, k, name in pairs:
            s = np.bincount(codes, weights=column(name), minlength=n_groups)
            products[:, j, k] = s
            products[:, k, j] = s
    return RegressionStats(
        hist_n.sum(axis=1), hist.sum(axis=1), edges, hist_n, hist, products, labels, flags
    )


def audit_table_regression(
    data: Any,
    *,
    y_true: str,
    y_pred: str | None,
    sensitive_features: str | Sequence[str],
    sample_weight: str | None = None,
    y_score: str | None = None,
    threshold: float | None = None,
    pos_label: Any = None,
    score_bins: Any = None,
    na_values: Sequence[str] = (),
    sep: str | None = None,
    tolerances: Any = None,
    max_groups: int | str = "auto",
    ci_method: str = "bootstrap",
    **options: Any,
) -> AuditResult:
    """The regression audit of a table (called by :func:`fairaudit.audit_table` with
    ``task="regression"``; the arguments as there).

    ``score_bins``: the edges of the histograms of the predictions, as in
    :func:`fairaudit.audit` (default: one bin per distinct prediction when there are at
    most 200, else 200 bins between the predictions' quantiles, found by the engine in a
    first pass). ``options``: ``metrics``, ``reference_group``, ``n_bootstrap``,
    ``confidence_level``, ``min_group_size``, ``suppress_below``, ``correction``,
    ``correction_scope``, ``random_state`` and ``name``, as in :func:`fairaudit.audit`.
    """
    if y_score is not None:
        raise ValueError(ERR_Y_SCORE)
    if pos_label is not None:
        raise ValueError(ERR_OPTION.format(option="pos_label"))
    if threshold is not None:
        raise ValueError(ERR_OPTION.format(option="threshold"))
    if ci_method != "bootstrap":
        raise ValueError(ERR_CI_METHOD)
    if y_pred is None:
        raise ValueError(ERR_Y_PRED)
    features = _column_names(sensitive_features, "sensitive_features", many=True)
    yt_col = _column_names(y_true, "y_true")[0]
    yp_col = _column_names(y_pred, "y_pred")[0]
    w_col = None if sample_weight is None else _column_names(sample_weight, "sample_weight")[0]
    if len(set(features)) < len(features):
        dups = sorted({f for f in features if features.count(f) > 1})
        raise ValueError(v.ERR_SF_DUP.format(names=dups))
    config = check_options(
        **options, ci_method=ci_method, max_groups=v.check_max_groups(max_groups)
    )
    config = replace(config, task="regression", tolerances=tolerances)
    declared = None if score_bins is None else declared_edges(score_bins)

    frame = to_narwhals(data, text_columns=features, na_values=na_values, sep=sep)
    text_input = is_csv_path(data)
    schema = check_columns(frame, Spec(features, yt_col, yp_col, None, w_col, None, None, False))
    _numbers_dtype(schema, yt_col, "y_true", text_input)
    _numbers_dtype(schema, yp_col, "y_pred", text_input)
    if w_col is not None and not (
        schema[w_col].is_numeric() or str(schema[w_col]) == "Boolean" or text_input
    ):
        raise TypeError(v.ERR_WEIGHT_TYPE.format(dtype=schema[w_col]))
    numeric = [("y_true", yt_col), ("y_pred", yp_col)]
    if w_col is not None:
        numeric.append(("sample_weight", w_col))
    try:
        first = _first_pass(frame, yt_col, yp_col, w_col, features, declared)
    except Exception as exc:
        if not text_input or isinstance(exc, ValueError | TypeError):
            raise
        raise _failed_cast(frame, numeric, exc) from exc
    n_rows = int(first["n"])
    if n_rows == 0:
        raise ValueError(v.ERR_EMPTY.format(name="y_true"))
    for arg, column, bad in (("y_true", yt_col, "yt_bad"), ("y_pred", yp_col, "yp_bad")):
        k = int(pd.to_numeric(first[bad]))
        if k:
            raise ValueError(ERR_NONFINITE_TABLE.format(arg=arg, column=column, k=k))
    if w_col is not None:
        _check_weights(pd.DataFrame([first]))
    for i, name in enumerate(features):  # before the GROUP BY: an identifier is no group
        distinct = int(first[f"f{i}_distinct"])
        check_group_count(distinct, n_rows, f"sensitive feature {name!r}", config.max_groups)
    yp_min, yp_max = float(first["yp_min"]), float(first["yp_max"])
    if declared is not None:
        k = int(first["outside"])
        if k:
            raise ValueError(
                ERR_OUTSIDE.format(k=k, lo=declared[0], hi=declared[-1], plo=yp_min, phi=yp_max)
            )
        edges = declared
    else:
        edges = _data_edges(frame, yp_col, n_rows)

    cross = config.n_bootstrap > 0
    table, pairs = _cells(frame, features, yt_col, yp_col, w_col, edges, cross)
    groups = _groups(table, features, n_rows, config.max_groups)
    stats = regression_cells_stats(
        table, groups.codes, groups.n_groups, edges, groups.labels, pairs if cross else None
    )
    degenerate: tuple[str, ...] = ()
    if yp_min == yp_max:
        degenerate = (WARN_CONSTANT.format(value=yp_min),)
        warnings.warn(degenerate[0], UserWarning, stacklevel=3)
    result = audit_regression_stats(stats, options=config)
    engine = NOTE_ENGINE.format(
        engine=backend_name(frame), rows=f"{n_rows:,}", cells=f"{len(table):,}"
    )
    return _with_table_info(result, groups.n_missing, w_col is not None, engine, degenerate)


def _with_table_info(
    result: AuditResult,
    n_missing: dict[str, int],
    weighted: bool,
    engine: str,
    degenerate: tuple[str, ...],
) -> AuditResult:
    """The result with what the table told: rows of each feature missing, whether weights
    were given, which engine aggregated, and a constant prediction."""

    def info(r: AuditResult) -> Any:
        return replace(
            r.info,
            n_missing={f: n_missing.get(f, 0) for f in r.info.n_missing},
            weighted=weighted,
            notes=(engine, *r.info.notes),
            degenerate=tuple(r.info.degenerate) + degenerate,
        )

    marginals = {k: replace(m, info=info(m)) for k, m in result.marginals.items()}
    return replace(result, info=info(result), marginals=marginals)
