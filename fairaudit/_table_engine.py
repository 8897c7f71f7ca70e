"""The per-cell aggregation of a table, computed by the engine that holds it.

One implementation for every engine, written against narwhals: a ``GROUP BY`` over the
sensitive features, the label, the prediction and (with scores) the score bins, returning
counts, sums of weights and squared weights, weighted score sums, and the counts the
validation needs (missing or infinite scores and weights, negative weights). Only this
table, a few rows per group and bin, leaves the engine; nothing row-level is collected.

Inputs: anything narwhals reads (pandas, polars eager or lazy, pyarrow Table, DuckDB
relations, PySpark, Dask, ...), a pyarrow Dataset (scanned lazily by DuckDB, or polars),
or a path or glob of Parquet or CSV files (read by DuckDB, out of core).
"""

from __future__ import annotations

import glob as globmod
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Sub-bins of every score bin in the fine histogram the AUC is computed from.
AUC_SUBBINS = 10

ERR_EXTRA = (
    "{what} needs the optional package {package!r}; install it with "
    'pip install "fairaudit[{extra}]".'
)
ERR_DATA_TYPE = (
    "data must be a pandas or polars DataFrame, a polars LazyFrame, a pyarrow Table or "
    "Dataset, a DuckDB relation, a PySpark DataFrame (anything narwhals reads), or the path "
    "or glob of Parquet or CSV files; got {type}."
)
ERR_NO_FILES = "data: no file matches {path!r}; give a Parquet or CSV file, folder or glob."
ERR_MIXED_FILES = (
    "data: {path!r} matches files of several formats ({kinds}); give Parquet files or CSV "
    "files, not both."
)
ERR_MISSING_COLUMN = "{arg}: there is no column {names} in the data; its columns are {columns}."
ERR_COLUMN_ARG = "{arg} must be a column name (a string); got {value!r}."
ERR_TEXT_ONLY_CSV = "na_values applies to CSV files only; a Parquet file marks its missing values."


#: The per-cell sums of :func:`weight_columns`: Σw, Σw², the invalid and the negative weights.
WEIGHT_SUMS = ("w", "w2", "w_bad", "w_neg")


def weight_columns(w: Any) -> list[Any]:
    """The row expressions whose per-cell sums are :data:`WEIGHT_SUMS` (``w``: a float
    weight expression)."""
    import narwhals.stable.v2 as nw

    return [
        w.alias("w"),
        (w * w).alias("w2"),
        (w.is_null() | ~w.is_finite()).cast(nw.Int64).alias("w_bad"),
        (w < 0).cast(nw.Int64).alias("w_neg"),
    ]


def _require(module: str, extra: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(ERR_EXTRA.format(what=what, package=module, extra=extra)) from None


# ----------------------------------------------------------------------------- reading
def _files(path: str) -> tuple[list[str], str]:
    """The files a path, folder or glob names, and their format ('parquet' or 'csv')."""
    p = Path(path)
    if p.is_dir():
        found = sorted(str(f) for f in p.rglob("*") if f.is_file())
    elif any(ch in path for ch in "*?["):
        found = sorted(f for f in globmod.glob(path, recursive=True) if Path(f).is_file())
    else:
        found = [path] if p.is_file() else []
    if not found:
        raise FileNotFoundError(ERR_NO_FILES.format(path=path))
    kinds = {file_format(f) for f in found}
    if p.is_dir():  # a folder: its Parquet files, or else its CSV files
        kind = "parquet" if "parquet" in kinds else "csv"
        found = [f for f in found if file_format(f) == kind]
        kinds = {kind}
    if len(kinds) > 1:
        raise ValueError(ERR_MIXED_FILES.format(path=path, kinds=sorted(kinds)))
    return found, kinds.pop()


def file_format(path: str) -> str:
    """'parquet' for ``.parquet``/``.pq`` files, else 'csv' (optionally compressed)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    return "parquet" if suffixes and suffixes[-1] in (".parquet", ".pq") else "csv"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_path(
    path: str | os.PathLike,
    *,
    text_columns: Sequence[str] = (),
    na_values: Sequence[str] = (),
    connection: Any = None,
    sep: str | None = None,
) -> Any:
    """A DuckDB relation over Parquet or CSV files (nothing is read until it is aggregated).

    A Parquet file keeps the types it was written with. A CSV file is read as text: the
    columns in ``text_columns`` exactly as written (only an empty field, or one of
    ``na_values``, is missing), the others with pandas' missing markers too; the engine
    casts score and weight columns to numbers, and the labels are parsed after the
    aggregation as pandas parses a column (numbers, booleans, else text). ``sep`` is the
    field separator of CSV files (default: a tab for ``.tsv`` files, else a comma).
    """
    from ._csv_text import PANDAS_NA

    duckdb = _require("duckdb", "duckdb", "reading Parquet or CSV files out of core")
    files, kind = _files(os.fspath(path))
    con = connection if connection is not None else duckdb.connect()
    if kind == "parquet":
        if na_values:
            raise ValueError(ERR_TEXT_ONLY_CSV)
        return con.read_parquet(files)
    if sep is None:
        sep = "\t" if any(".tsv" in Path(f).suffixes for f in files) else ","
    rel = con.read_csv(files, sep=sep, header=True, all_varchar=True, na_values=["", *na_values])
    text = set(text_columns)
    markers = ", ".join(_sql_text(m) for m in PANDAS_NA if m)
    exprs = [
        _quote(c)
        if c in text
        else f"CASE WHEN {_quote(c)} IN ({markers}) THEN NULL ELSE {_quote(c)} END AS {_quote(c)}"
        for c in rel.columns
    ]
    return rel.project(", ".join(exprs))


def to_narwhals(
    data: Any,
    *,
    text_columns: Sequence[str] = (),
    na_values: Sequence[str] = (),
    sep: str | None = None,
) -> Any:
    """``data`` as a narwhals DataFrame or LazyFrame (no rows are converted)."""
    import narwhals.stable.v2 as nw

    if isinstance(data, str | os.PathLike):
        relation = read_path(data, text_columns=text_columns, na_values=na_values, sep=sep)
        return nw.from_native(relation)
    if na_values:
        raise ValueError("na_values applies to CSV files given by path only.")
    if sep is not None:
        raise ValueError("sep applies to CSV files given by path only.")
    module = type(data).__module__
    if module.startswith("pyarrow") and type(data).__name__ in (
        "FileSystemDataset",
        "Dataset",
        "UnionDataset",
    ):
        try:
            import duckdb

            return nw.from_native(duckdb.from_arrow(data))
        except ImportError:
            pass
        pl = _require("polars", "duckdb", "scanning a pyarrow Dataset (with DuckDB or polars)")
        return nw.from_native(pl.scan_pyarrow_dataset(data))
    try:
        return nw.from_native(data)
    except TypeError:
        raise TypeError(ERR_DATA_TYPE.format(type=type(data).__name__)) from None


# ----------------------------------------------------------------------------- aggregation
@dataclass(frozen=True)
class Spec:
    """What to aggregate: column names and the score bins."""

    features: list[str]
    y_true: str
    y_pred: str | None
    y_score: str | None
    weight: str | None
    threshold: float | None
    edges: np.ndarray | None
    probabilistic: bool
    #: Columns read as text (a CSV file): scores and weights are cast to numbers.
    text_input: bool = False


def check_columns(frame: Any, spec: Spec) -> dict[str, Any]:
    """The schema of ``frame``; raises naming every missing column and listing the columns."""
    from ._validation import _fmt_values

    schema = dict(frame.collect_schema())
    columns = list(schema)
    wanted = [
        ("sensitive_features", spec.features),
        ("y_true", [spec.y_true]),
        ("y_pred", [spec.y_pred] if spec.y_pred else []),
        ("y_score", [spec.y_score] if spec.y_score else []),
        ("sample_weight", [spec.weight] if spec.weight else []),
    ]
    for arg, names in wanted:
        missing = [c for c in names if c not in schema]
        if missing:
            shown = repr(missing[0]) if len(missing) == 1 else str(missing)
            raise ValueError(
                ERR_MISSING_COLUMN.format(arg=arg, names=shown, columns=_fmt_values(columns, 20))
            )
    return schema


def _numeric(dtype: Any, text_input: bool = False) -> bool:
    import narwhals.stable.v2 as nw

    return bool(dtype.is_numeric() or dtype == nw.Boolean or (text_input and dtype == nw.String))


def _bin_expr(s: Any, edges: np.ndarray, probabilistic: bool, n_bins: int, fine: bool) -> Any:
    """The bin of every score, as :func:`fairaudit.metrics._stats._bin_index` computes it;
    ``fine``: the uniform grid of ``AUC_SUBBINS`` sub-bins per bin over the edges' span."""
    import narwhals.stable.v2 as nw

    lo, hi = float(edges[0]), float(edges[-1])
    if fine or probabilistic:
        k = n_bins * AUC_SUBBINS if fine else n_bins
        if probabilistic:
            scaled = s * float(k)  # the arithmetic of the in-memory binning, exactly
        else:
            scaled = (s - lo) * (float(k) / (hi - lo))
        idx = scaled.floor().clip(0.0, float(k - 1))
    else:
        # searchsorted(edges, s, side="right") - 1: the number of edges <= s, less one
        terms = [(s >= float(e)).cast(nw.Int32) for e in edges[1:-1]]
        idx = nw.sum_horizontal(*terms) if terms else nw.lit(0)
    return nw.when(s.is_finite()).then(idx).otherwise(-1).cast(nw.Int64)


def aggregate(frame: Any, spec: Spec) -> pd.DataFrame:
    """The per-cell aggregate table, computed by ``frame``'s engine and collected.

    Columns: ``f0``, ``f1``, ... (the features), ``yt``, ``yp`` (the label and prediction as
    stored), with scores ``cbin`` (score bin) and ``fbin`` (fine bin for the AUC), then
    ``n``, and with weights ``w``, ``w2``, ``w_bad`` (missing or infinite), ``w_neg``,
    ``w_max``; with scores ``ws``, ``ws2``, ``s_bad``, ``s_min``, ``s_max``.
    """
    import narwhals.stable.v2 as nw

    schema = check_columns(frame, spec)
    from ._validation import ERR_SCORE_TYPE, ERR_WEIGHT_TYPE

    cols = [nw.col(f).alias(f"f{i}") for i, f in enumerate(spec.features)]
    cols.append(nw.col(spec.y_true).alias("yt"))
    s = w = None
    if spec.y_score is not None:
        if not _numeric(schema[spec.y_score], spec.text_input):
            raise TypeError(ERR_SCORE_TYPE.format(dtype=schema[spec.y_score]))
        s = nw.col(spec.y_score).cast(nw.Float64)
    if spec.weight is not None:
        if not _numeric(schema[spec.weight], spec.text_input):
            raise TypeError(ERR_WEIGHT_TYPE.format(dtype=schema[spec.weight]))
        w = nw.col(spec.weight).cast(nw.Float64)
    if spec.y_pred is not None:
        cols.append(nw.col(spec.y_pred).alias("yp"))
    else:
        assert s is not None and spec.threshold is not None
        cols.append((s >= float(spec.threshold)).alias("yp"))
    keys = [f"f{i}" for i in range(len(spec.features))] + ["yt", "yp"]
    if s is not None:
        cols.append(s.alias("s"))
        assert spec.edges is not None
        n_bins = len(spec.edges) - 1
        cols.append(_bin_expr(s, spec.edges, spec.probabilistic, n_bins, False).alias("cbin"))
        cols.append(_bin_expr(s, spec.edges, spec.probabilistic, n_bins, True).alias("fbin"))
        keys += ["cbin", "fbin"]
    sums: list[str] = []
    if w is not None:
        cols += weight_columns(w)
        sums += list(WEIGHT_SUMS)
    if s is not None:
        ws = s if w is None else w * s
        cols += [
            ws.alias("ws"),
            (ws * s).alias("ws2"),
            (s.is_null() | ~s.is_finite()).cast(nw.Int64).alias("s_bad"),
        ]
        sums += ["ws", "ws2", "s_bad"]
    # the aggregations are elementary (one column, one reduction), as every engine needs
    lf = frame.select(*cols)
    aggs = [nw.len().alias("n"), *(nw.col(c).sum().alias(c) for c in sums)]
    if w is not None:
        aggs.append(nw.col("w").max().alias("w_max"))
    if s is not None:
        aggs += [nw.col("s").min().alias("s_min"), nw.col("s").max().alias("s_max")]
    out = lf.group_by(*keys, drop_null_keys=False).agg(*aggs)
    if isinstance(out, nw.LazyFrame):
        out = out.collect()
    table = out.to_pandas()
    # an engine may list unobserved categories of a categorical key as empty cells
    table = table[pd.to_numeric(table["n"]).fillna(0).to_numpy() > 0].reset_index(drop=True)
    for name in ("n", "w_bad", "w_neg", "s_bad"):
        if name in table:
            table[name] = pd.to_numeric(table[name]).fillna(0).astype(np.int64)
    for name in ("w", "w2", "ws", "ws2", "w_max", "s_min", "s_max"):
        if name in table:
            table[name] = pd.to_numeric(table[name]).astype(np.float64)
    return table


def backend_name(frame: Any) -> str:
    """The engine behind a narwhals frame, for the audit's notes."""
    import narwhals.stable.v2 as nw

    impl = nw.get_native_namespace(frame).__name__.split(".")[0]
    return {
        "pyspark": "Spark",
        "duckdb": "DuckDB",
        "polars": "polars",
        "pandas": "pandas",
        "pyarrow": "pyarrow",
        "dask": "Dask",
    }.get(impl, impl)


def is_csv_path(data: Any) -> bool:
    """Whether ``data`` names CSV files (read as text, see :func:`read_path`)."""
    if not isinstance(data, str | os.PathLike):
        return False
    try:
        return _files(os.fspath(data))[1] == "csv"
    except (FileNotFoundError, ValueError):
        return False
