"""The one boundary where user input is checked and coerced.

Everything past this module works on plain numpy arrays: ``int8`` labels in {0, 1},
``float64`` scores and weights, and integer group codes with a table of group labels.
Error messages are module constants so that tests can match them exactly.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from ._alignment import align_rows
from ._estimators import is_column_names
from ._group_codes import (
    AUTO_MAX_GROUPS,
    MISSING_GROUP,
    UNIQUE_MIN_GROUPS,
    UNIQUE_SHARE,
    WARN_MISSING,
    WARN_MISSING_RENAMED,
    check_group_count,
    check_max_groups,
    check_one_type,
    combine,
    missing_label,
    sorted_uniques,
)

__all__ = [
    "MISSING_GROUP",
    "GroupCells",
    "Groups",
    "align_rows",
    "binarize_labels",
    "check_1d",
    "check_length",
    "check_max_groups",
    "check_sample_weight",
    "check_scores",
    "encode_groups",
    "group_cells",
    "sensitive_columns",
]

ERR_EMPTY = "{name} is empty; pass at least one row."
ERR_LENGTH = (
    "{name} has {got} rows but {ref_name} has {n}; every input must have one entry per row."
)
ERR_NAN_LABEL = (
    "{name} contains {k} missing value(s) (NaN/None); drop or impute those rows before auditing."
)
ERR_NOT_1D = "{name} must be one-dimensional (one value per row); got an array of shape {shape}."
ERR_NON_BINARY = (
    "{name} must be binary: 0/1, booleans, or two labels with pos_label; "
    "found the values {values}. To audit numbers (an offer, a score), audit with task=regression; "
    "several classes, with task=multiclass."
)
ERR_NEED_POS_LABEL = (
    "{name} has the labels {values}; pass pos_label= to say which one is the positive outcome."
)
ERR_POS_LABEL_ABSENT = (
    "pos_label={pos_label!r} does not occur in y_true or y_pred (values: {values}); "
    "pass one of the labels present."
)
ERR_SCORE_NAN = "y_score contains {k} missing or infinite value(s); scores must be finite numbers."
ERR_SCORE_RANGE = (
    "y_score must be probabilities in [0, 1] for the metrics {metrics}; found values in "
    "[{lo:.4g}, {hi:.4g}]. Pass predict_proba scores, or leave those metrics out."
)
ERR_SCORE_TYPE = "y_score must be numeric; got dtype {dtype}."
ERR_WEIGHT_NEG = "sample_weight contains {k} negative value(s); weights must be finite and >= 0."
ERR_WEIGHT_NAN = "sample_weight contains {k} missing or infinite value(s); weights must be finite."
ERR_WEIGHT_ZERO = "sample_weight sums to 0; at least one row needs a positive weight."
ERR_WEIGHT_TYPE = "sample_weight must be numeric; got dtype {dtype}."
ERR_WEIGHT_OVERFLOW = (
    "sample_weight is too large: the {what} is not a finite number (largest "
    "weight {big:.4g}). Divide every weight by the same constant, e.g. by the largest weight: "
    "rates and effective sample sizes do not change when all weights are multiplied by the "
    "same positive number."
)
ERR_WEIGHT_UNDERFLOW = (
    "sample_weight is too small: the sum of squares of the weights (used for effective "
    "sample sizes) is 0 although the weights are not all 0 (largest weight {big:.4g}). "
    "Multiply every weight by the same constant, e.g. divide by the largest weight: rates and "
    "effective sample sizes do not change when all weights are multiplied by the same "
    "positive number."
)
ERR_SF_TYPE = (
    "sensitive_features must be a Series, a DataFrame, an array, a list, or a dict of "
    "name -> array; got {type}."
)
ERR_SF_COLUMN = (
    "sensitive_features names the column(s) {missing}, which X does not have; "
    "X has the columns {columns}."
)
ERR_SF_NO_X = (
    "sensitive_features was given as column name(s) {names} but no X to take them from; "
    "pass the values themselves."
)
ERR_SF_EMPTY = "sensitive_features has no columns; pass at least one sensitive feature."
ERR_SF_DUP = (
    "sensitive_features has duplicate column names {names}; give each feature its own name."
)
ERR_SF_DICT_LENGTH = (
    "sensitive_features[{name!r}] has {got} rows but sensitive_features[{ref!r}] has {n}; "
    "every feature must have one value per row."
)


@dataclass(frozen=True)
class Groups:
    """Sensitive features encoded as integer group codes.

    Attributes
    ----------
    codes : ndarray of int64, shape (n_samples,)
        Index into ``labels`` for every row.
    labels : pandas.Index
        One entry per group present in the data, sorted. A ``MultiIndex`` named after the
        features when there are several (intersectional groups).
    names : list of str
        The feature names.
    frame : pandas.DataFrame
        The features as given, one column each (missing values left missing).
    n_missing : dict
        Number of rows with a missing value, per feature.
    """

    codes: np.ndarray
    labels: pd.Index
    names: list[str]
    frame: pd.DataFrame
    n_missing: dict[str, int]
    feature_codes: tuple[np.ndarray, ...] = ()
    feature_labels: tuple[pd.Index, ...] = ()

    @property
    def n_groups(self) -> int:
        """Number of groups present."""
        return len(self.labels)

    def feature(self, name: str) -> Groups:
        """The groups of one feature on its own (no re-encoding of the data)."""
        j = self.names.index(name)
        codes, labels = self.feature_codes[j], self.feature_labels[j]
        return Groups(
            codes,
            labels,
            [name],
            self.frame[[name]],
            {name: self.n_missing[name]},
            (codes,),
            (labels,),
        )


def _to_pandas_if_polars(obj: Any) -> Any:
    mod = type(obj).__module__
    if mod.startswith("polars") and hasattr(obj, "to_pandas"):
        return obj.to_pandas()
    return obj


def _pandas_to_numpy(values: pd.Series | pd.Index | ExtensionArray) -> np.ndarray:
    """A pandas column or array as numpy: categories as their values, nullable numbers and
    booleans as numbers (float with NaN where a value is missing), text as objects."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return np.asarray(values, dtype=object)
    if isinstance(dtype, np.dtype):
        return np.asarray(values)
    if dtype.kind in "biuf":
        if np.asarray(pd.isna(values)).any():
            return values.to_numpy(dtype=float, na_value=np.nan)
        numpy_dtype = getattr(dtype, "numpy_dtype", None)
        return values.to_numpy(dtype=numpy_dtype if numpy_dtype is not None else float)
    return values.to_numpy()


def check_1d(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as a 1-d numpy array (a view or copy; never modified in place).

    Accepts arrays, lists, pandas Series, Index, one-column DataFrames and every pandas
    array (``Categorical``, nullable ``Int64``/``boolean``, ``string``, Arrow-backed), and
    polars Series.
    """
    values = _to_pandas_if_polars(values)
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(ERR_NOT_1D.format(name=name, shape=values.shape))
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series | pd.Index | ExtensionArray):
        arr = _pandas_to_numpy(values)
    else:
        arr = np.asarray(values)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ValueError(ERR_NOT_1D.format(name=name, shape=arr.shape))
    if arr.shape[0] == 0:
        raise ValueError(ERR_EMPTY.format(name=name))
    return arr


def check_length(arr: Any, n: int, name: str, ref_name: str = "y_true") -> None:
    """Raise if ``arr`` does not have ``n`` rows."""
    got = len(arr)
    if got != n:
        raise ValueError(ERR_LENGTH.format(name=name, got=got, ref_name=ref_name, n=n))


def _isnull(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr.dtype.kind in "biu":
        return np.zeros(arr.shape, dtype=bool)
    return pd.isna(arr)


def _fmt_values(values: Sequence[Any], limit: int = 6) -> str:
    shown = [repr(v.item() if isinstance(v, np.generic) else v) for v in list(values)[:limit]]
    more = "" if len(values) <= limit else f", ... ({len(values)} in all)"
    return "[" + ", ".join(shown) + more + "]"


def binarize_labels(
    arrays: Mapping[str, np.ndarray], pos_label: Any = None
) -> dict[str, np.ndarray]:
    """Map binary label arrays to ``int8`` arrays in {0, 1}.

    Parameters
    ----------
    arrays : mapping of name -> 1-d array
        Label arrays sharing one label set (e.g. ``y_true`` and ``y_pred``).
    pos_label : scalar, optional
        The positive label. Required unless the labels are 0/1 or booleans.

    Returns
    -------
    dict of name -> ndarray of int8
    """
    for name, arr in arrays.items():
        k = 0 if arr.dtype.kind in "biu" else int(_isnull(arr).sum())
        if k:
            raise ValueError(ERR_NAN_LABEL.format(name=name, k=k))
    if pos_label is None:
        out = {}
        for name, arr in arrays.items():
            if arr.dtype.kind == "b":
                out[name] = arr.astype(np.int8)
                continue
            if arr.dtype.kind in "iuf":
                # integers: one reduction (the bits of every value together are 0 or 1
                # only when every value is) instead of comparisons and a combination
                bad = (
                    not 0 <= np.bitwise_or.reduce(arr) <= 1
                    if arr.dtype.kind in "iu"
                    else ((arr != 0) & (arr != 1)).any()
                )
                if bad:
                    values = np.unique(arr)
                    raise ValueError(ERR_NON_BINARY.format(name=name, values=_fmt_values(values)))
                out[name] = arr.astype(np.int8)
                continue
            values = pd.unique(arr)
            if set(values.tolist()) <= {0, 1}:
                out[name] = arr.astype(np.int8)
                continue
            if len(values) > 2:
                raise ValueError(ERR_NON_BINARY.format(name=name, values=_fmt_values(values)))
            raise ValueError(ERR_NEED_POS_LABEL.format(name=name, values=_fmt_values(values)))
        return out
    all_values: list[Any] = []
    for arr in arrays.values():
        all_values.extend(pd.unique(arr).tolist())
    distinct = list(dict.fromkeys(all_values))
    if pos_label not in distinct:
        raise ValueError(
            ERR_POS_LABEL_ABSENT.format(pos_label=pos_label, values=_fmt_values(distinct))
        )
    if len(distinct) > 2:
        name = " and ".join(arrays)
        raise ValueError(ERR_NON_BINARY.format(name=name, values=_fmt_values(distinct)))
    return {name: (arr == pos_label).astype(np.int8) for name, arr in arrays.items()}


def check_scores(y_score: Any, n: int) -> np.ndarray:
    """Return scores as a finite float64 array of length ``n``."""
    arr = check_1d(y_score, "y_score")
    check_length(arr, n, "y_score")
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise TypeError(ERR_SCORE_TYPE.format(dtype=arr.dtype)) from None
    arr = arr.astype(np.float64, copy=False)
    k = int((~np.isfinite(arr)).sum())
    if k:
        raise ValueError(ERR_SCORE_NAN.format(k=k))
    return arr


def check_sample_weight(
    sample_weight: Any, n: int, *, allow_zero_total: bool = False
) -> np.ndarray | None:
    """Return weights as a float64 array of length ``n``, or None when not given.

    ``allow_zero_total`` accepts weights that are all 0 (a chunk of a larger data set may
    hold only rows of weight 0; the audit of the merged statistics checks the total).
    """
    if sample_weight is None:
        return None
    arr = check_1d(sample_weight, "sample_weight")
    check_length(arr, n, "sample_weight")
    if arr.dtype.kind not in "biuf":
        raise TypeError(ERR_WEIGHT_TYPE.format(dtype=arr.dtype))
    arr = arr.astype(np.float64, copy=False)
    k = int((~np.isfinite(arr)).sum())
    if k:
        raise ValueError(ERR_WEIGHT_NAN.format(k=k))
    k = int((arr < 0).sum())
    if k:
        raise ValueError(ERR_WEIGHT_NEG.format(k=k))
    with np.errstate(over="ignore", under="ignore"):
        total = float(arr.sum())
        squares = float(np.dot(arr, arr))
    big = float(arr.max())
    if not np.isfinite(total):
        raise ValueError(ERR_WEIGHT_OVERFLOW.format(what="sum of the weights", big=big))
    if total <= 0:
        if allow_zero_total:
            return arr
        raise ValueError(ERR_WEIGHT_ZERO)
    if not np.isfinite(squares):
        raise ValueError(
            ERR_WEIGHT_OVERFLOW.format(
                what="sum of squares of the weights (used for effective sample sizes)", big=big
            )
        )
    if squares == 0:
        raise ValueError(ERR_WEIGHT_UNDERFLOW.format(big=big))
    return arr


def _is_names(sensitive_features: Any, X: Any) -> bool:
    """Whether ``sensitive_features`` names columns of ``X`` rather than holding values."""
    sf = sensitive_features
    return isinstance(sf, str) or (is_column_names(sf) and X is not None and hasattr(X, "columns"))


def sensitive_columns(X: Any, names: str | Sequence[str]) -> pd.DataFrame:
    """The columns ``names`` of the DataFrame ``X`` (a new frame with X's index).

    Raises a ValueError naming the missing columns, or saying that ``X`` has no columns.
    """
    names = [names] if isinstance(names, str) else list(names)
    if X is None or not hasattr(X, "columns"):
        raise ValueError(ERR_SF_NO_X.format(names=names))
    X = _to_pandas_if_polars(X)
    missing = [c for c in names if c not in X.columns]
    if missing:
        raise ValueError(
            ERR_SF_COLUMN.format(missing=missing, columns=_fmt_values(list(X.columns), 10))
        )
    return X[names]


def _feature_column(values: Any, name: str) -> pd.Series:
    """One sensitive feature as a Series with a RangeIndex, its dtype kept."""
    values = _to_pandas_if_polars(values)
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(ERR_NOT_1D.format(name=name, shape=values.shape))
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    if isinstance(values, pd.Index | ExtensionArray):
        return pd.Series(values, copy=False)
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ValueError(ERR_NOT_1D.format(name=name, shape=arr.shape))
    return pd.Series(arr, copy=False)


def _sensitive_frame(sensitive_features: Any, X: Any = None) -> pd.DataFrame:
    sf = _to_pandas_if_polars(sensitive_features)
    if isinstance(sf, str) or _is_names(sf, X):
        return sensitive_columns(X, sf).reset_index(drop=True)
    if isinstance(sf, pd.DataFrame):
        frame = sf.reset_index(drop=True)
    elif isinstance(sf, pd.Series):
        name = sf.name if sf.name is not None else "sensitive_feature"
        frame = sf.reset_index(drop=True).to_frame(name=name)
    elif isinstance(sf, Mapping):
        columns = {
            str(k): _feature_column(val, f"sensitive_features[{k!r}]") for k, val in sf.items()
        }
        lengths = {k: len(c) for k, c in columns.items()}
        if len(set(lengths.values())) > 1:
            ref, *_ = lengths
            bad = next(k for k, m in lengths.items() if m != lengths[ref])
            raise ValueError(
                ERR_SF_DICT_LENGTH.format(name=bad, got=lengths[bad], ref=ref, n=lengths[ref])
            )
        frame = pd.DataFrame(columns)
    elif isinstance(sf, ExtensionArray | pd.Index):
        frame = pd.DataFrame({"sensitive_feature": _feature_column(sf, "sensitive_features")})
    elif isinstance(sf, np.ndarray | list | tuple):
        arr = np.asarray(sf, dtype=object) if not isinstance(sf, np.ndarray) else sf
        if arr.ndim == 1:
            frame = pd.DataFrame({"sensitive_feature": arr})
        elif arr.ndim == 2:
            frame = pd.DataFrame({f"sensitive_feature_{j}": arr[:, j] for j in range(arr.shape[1])})
        else:
            raise ValueError(ERR_NOT_1D.format(name="sensitive_features", shape=arr.shape))
    else:
        raise TypeError(ERR_SF_TYPE.format(type=type(sf).__name__))
    if frame.shape[1] == 0:
        raise ValueError(ERR_SF_EMPTY)
    frame.columns = [str(c) for c in frame.columns]
    dups = frame.columns[frame.columns.duplicated()].tolist()
    if dups:
        raise ValueError(ERR_SF_DUP.format(names=dups))
    return frame


def _category_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a categorical feature from its own codes (no hashing of the rows): the
    categories present, sorted by value; -1 for missing values."""
    codes = values.cat.codes.to_numpy()
    k = len(values.cat.categories)
    raw = codes.astype(np.int16 if k < 32767 else np.int64)
    raw += 1  # 0: missing
    counts = np.bincount(raw, minlength=k + 1)
    present = np.flatnonzero(counts[1:])
    # each present category's place among them in sorted order, and the sorted categories
    rank, uniq = sorted_uniques(np.arange(len(present)), values.cat.categories[present])
    if counts[0] == 0 and len(present) == k and np.array_equal(rank, np.arange(k)):
        return codes.astype(np.int64), uniq  # sorted categories, all present, none missing
    lookup = np.full(len(counts), -1, dtype=np.int64)
    lookup[present + 1] = rank
    return lookup[raw], uniq


def _check_feature_type(values: pd.Series, name: str) -> None:
    """Raise when a feature mixes kinds of values (see :func:`check_one_type`)."""
    if values.dtype == object:
        check_one_type(values.to_numpy(), name)
    elif isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.dtype == object:
        check_one_type(values.cat.categories.to_numpy(), name)


def _encode_feature(
    values: pd.Series, name: str, warn_missing: bool, factorized: tuple | None = None
) -> tuple[np.ndarray, pd.Index, int]:
    """Codes, sorted labels (the missing group last) and number of missing values.
    ``factorized``: ``pd.factorize(values)`` when already computed."""
    _check_feature_type(values, name)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniq = _category_codes(values)
    else:
        codes, uniques = (
            factorized
            if factorized is not None
            else pd.factorize(values, sort=False, use_na_sentinel=True)
        )
        codes, uniq = sorted_uniques(codes, uniques)
    miss = codes < 0
    k = int(miss.sum())
    labels = uniq.tolist()
    if k:
        label = missing_label(uniq)
        codes[miss] = len(labels)
        labels.append(label)
        if warn_missing:
            message = (
                WARN_MISSING.format(name=name, k=k, label=label)
                if label == MISSING_GROUP
                else WARN_MISSING_RENAMED.format(name=name, k=k, label=label, taken=MISSING_GROUP)
            )
            warnings.warn(message, UserWarning, stacklevel=5)
    return codes, pd.Index(labels, name=name, dtype=object), k


def encode_groups(
    sensitive_features: Any,
    *,
    n_samples: int | None = None,
    X: Any = None,
    warn_missing: bool = True,
    max_groups: int | str | None = None,
) -> Groups:
    """Encode one or several sensitive features as integer group codes.

    Parameters
    ----------
    sensitive_features : Series, DataFrame, array-like, pandas array, dict, or column name(s) of ``X``
        One feature, or several (then the groups are the intersections present).
    n_samples : int, optional
        Expected number of rows; a mismatch raises a ``ValueError``.
    X : DataFrame, optional
        Where column names are looked up.
    warn_missing : bool, default True
        Warn when missing values are turned into their own group.
    max_groups : int, 'auto' or None, default None
        The most groups a feature, and the intersection, may have; ``'auto'`` also refuses
        mostly unique values (see :func:`fairaudit.audit`). None: no limit.

    Returns
    -------
    Groups

    Raises
    ------
    TypeError
        When a feature mixes kinds of values (numbers, booleans, strings, ...).
    ValueError
        On a length mismatch, or when a feature or the intersection has too many groups.
    """
    frame = _sensitive_frame(sensitive_features, X)
    if len(frame) == 0:
        raise ValueError(ERR_EMPTY.format(name="sensitive_features"))
    if n_samples is not None:
        check_length(frame, n_samples, "sensitive_features")
    return _encode_frame(frame, warn_missing, max_groups)


def _encode_frame(
    frame: pd.DataFrame,
    warn_missing: bool,
    max_groups: int | str | None,
    factorized: dict[str, tuple] | None = None,
) -> Groups:
    """:func:`encode_groups` of the checked frame of features (``factorized``: features
    factorized already, by name)."""
    n = len(frame)
    n_missing: dict[str, int] = {}
    per_feature_codes = []
    per_feature_labels = []
    for col in frame.columns:
        codes, labels, n_missing[col] = _encode_feature(
            frame[col], col, warn_missing, (factorized or {}).get(col)
        )
        check_group_count(len(labels), n, f"sensitive feature {col!r}", max_groups)
        per_feature_codes.append(codes)
        per_feature_labels.append(labels)
    names = list(frame.columns)
    if len(names) == 1:
        codes, labels = per_feature_codes[0], per_feature_labels[0]
        return Groups(codes, labels, names, frame, n_missing, (codes,), (labels,))
    codes, parts = combine(per_feature_codes, [len(u) for u in per_feature_labels])
    what = "the intersection of the sensitive features " + ", ".join(map(repr, names))
    check_group_count(len(parts[0]), n, what, max_groups)
    labels = pd.MultiIndex.from_arrays(
        [
            pd.Index(np.asarray(u, dtype=object)[p], dtype=object)
            for u, p in zip(per_feature_labels, parts, strict=True)
        ],
        names=names,
    )
    return Groups(
        codes,
        labels,
        names,
        frame,
        n_missing,
        tuple(per_feature_codes),
        tuple(per_feature_labels),
    )


#: The most cells (4 per possible intersection, missing values included) for which
#: :func:`group_cells` combines the features' codes directly into 16-bit confusion cells.
_MAX_DIRECT_CELLS = np.iinfo(np.int16).max


@dataclass(frozen=True)
class GroupCells:
    """The groups of the rows and each row's confusion cell, from :func:`group_cells`.

    Attributes
    ----------
    labels : pandas.Index
        The groups present, as :attr:`Groups.labels`.
    names : list of str
    n_missing : dict
    cells : ndarray of int16
        ``4 * group + 2 * y_true + y_pred`` of every row (as
        :func:`fairaudit.metrics._stats.confusion_cells` makes them).
    counts : ndarray of int64, shape (n_groups, 4)
        Rows in each cell.
    """

    labels: pd.Index
    names: list[str]
    n_missing: dict[str, int]
    cells: np.ndarray
    counts: np.ndarray


def _arrow_strings(values: pd.Series) -> Any:
    """The pyarrow array of an Arrow-backed text feature in one chunk (None otherwise)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        if dtype.storage != "pyarrow":
            return None
    elif not (isinstance(dtype, pd.ArrowDtype) and dtype.kind in "OU"):
        return None
    import pyarrow as pa  # installed: the feature is held by it

    arr = values.array.__arrow_array__()
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks != 1:
            return None
        arr = arr.chunk(0)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    return arr


def _arrow_codes(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """pyarrow's dictionary encoding of a text array (the one pandas.factorize uses, missing
    values -1), without widening its 32-bit codes."""
    encoded = arr.dictionary_encode()
    indices = encoded.indices
    if indices.null_count:
        indices = indices.fill_null(-1)
    return (
        indices.to_numpy(zero_copy_only=False),
        encoded.dictionary.to_numpy(zero_copy_only=False),
    )


def _small_codes(values: pd.Series, encoded: Mapping | None = None, name: str = "") -> tuple:
    """A feature's codes (-1 missing) and their values, unsorted: a categorical's own
    codes and categories (unused ones included), or a factorization (for Arrow-backed text
    :func:`_arrow_codes`; ``encoded``: those computed already, by feature name)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    if encoded and name in encoded:
        return encoded[name]
    arr = _arrow_strings(values)
    if arr is not None and len(arr):
        return _arrow_codes(arr)
    return pd.factorize(values, sort=False, use_na_sentinel=True)


#: Rows from which several Arrow-backed text features are encoded in parallel threads
#: (pyarrow releases the GIL; below this the threads cost more than they save).
_PARALLEL_MIN_ROWS = 200_000


def _encode_arrow_features(frame: pd.DataFrame) -> dict[str, tuple]:
    """:func:`_arrow_codes` of the Arrow-backed text features of a large frame, several at a
    time (one thread each, up to the number of cores); empty when fewer than two."""
    if len(frame) < _PARALLEL_MIN_ROWS:
        return {}
    arrays = {c: a for c in frame.columns if (a := _arrow_strings(frame[c])) is not None}
    workers = min(len(arrays), os.cpu_count() or 1)
    if workers < 2:
        return {}
    # a pool per call: threads do not survive a fork, and a pool kept across calls would
    # then wait for them forever
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(arrays, pool.map(_arrow_codes, arrays.values()), strict=True))


def group_cells(
    sensitive_features: Any,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    n_samples: int,
    max_groups: int | str | None = None,
) -> GroupCells | Groups:
    """The groups of :func:`encode_groups` and the confusion cells of the rows in one pass,
    when the features have few values (the groups of the cells present are then read from
    one ``bincount`` of codes combined straight from each feature's codes); otherwise the
    :class:`Groups` of :func:`encode_groups`.

    Labels, group order, warnings and errors are those of :func:`encode_groups`.
    """
    frame = _sensitive_frame(sensitive_features)
    if len(frame) == 0:
        raise ValueError(ERR_EMPTY.format(name="sensitive_features"))
    check_length(frame, n_samples, "sensitive_features")
    n = len(frame)
    names = list(frame.columns)
    try:  # errors are raised by encode_groups, with its warnings before them
        for col in names:
            _check_feature_type(frame[col], col)
    except TypeError:
        return _encode_frame(frame, True, max_groups)
    raw: dict[str, tuple] = {}
    sizes = []
    encoded = _encode_arrow_features(frame)
    for col in names:
        raw[col] = _small_codes(frame[col], encoded, col)
        codes, uniques = raw[col]
        k = len(uniques) + 1  # at most this many groups, the missing one included
        limit = AUTO_MAX_GROUPS if max_groups == "auto" else max_groups
        sure = limit is None or (
            k <= int(limit)
            and not (max_groups == "auto" and k >= UNIQUE_MIN_GROUPS and k > UNIQUE_SHARE * n)
        )
        sizes.append(len(uniques) + int(codes.min() < 0))
        if not sure or 4 * np.prod(sizes, dtype=np.float64) > _MAX_DIRECT_CELLS:
            factorized = {
                c: r for c, r in raw.items() if not isinstance(frame[c].dtype, pd.CategoricalDtype)
            }
            return _encode_frame(frame, True, max_groups, factorized)
    # every row's cell among all possible intersections (code + 1 where a feature has
    # missing values, so that they are code 0)
    offsets = [size - len(raw[col][1]) for col, size in zip(names, sizes, strict=True)]
    flat = raw[names[0]][0].astype(np.int16)
    shift = offsets[0]
    for col, size, offset in zip(names[1:], sizes[1:], offsets[1:], strict=True):
        flat *= size
        flat += raw[col][0]
        shift = shift * size + offset
    flat *= 4
    flat += y_true
    flat += y_true
    flat += y_pred
    if shift:
        flat += 4 * shift
    n_cells = int(np.prod(sizes))
    counts = np.bincount(flat, minlength=4 * n_cells).reshape(n_cells, 4)
    present = np.flatnonzero(counts.sum(axis=1))
    raw_parts = np.unravel_index(present, sizes)
    n_missing: dict[str, int] = {}
    feature_codes = []
    feature_labels = []
    for col, part, offset in zip(names, raw_parts, offsets, strict=True):
        uniques = raw[col][1]
        used = np.zeros(len(uniques) + offset, dtype=bool)
        used[part] = True
        values_used = np.flatnonzero(used[offset:])
        rank, uniq = sorted_uniques(np.arange(len(values_used)), uniques[values_used])
        code_of = np.full(len(used), len(uniq), dtype=np.int64)  # raw 0 with offset: missing
        code_of[values_used + offset] = rank
        labels = uniq.tolist()
        k = int(counts[present[part < offset]].sum()) if offset else 0
        if k:
            label = missing_label(uniq)
            labels.append(label)
            message = (
                WARN_MISSING.format(name=col, k=k, label=label)
                if label == MISSING_GROUP
                else WARN_MISSING_RENAMED.format(name=col, k=k, label=label, taken=MISSING_GROUP)
            )
            warnings.warn(message, UserWarning, stacklevel=3)
        n_missing[col] = k
        feature_codes.append(code_of[part])
        feature_labels.append(labels)
    # the groups present in lexicographic order of their features' codes, as combine() orders
    order = np.lexsort(feature_codes[::-1])
    if len(names) == 1:
        index: pd.Index = pd.Index(feature_labels[0], name=names[0], dtype=object)
    else:
        check_group_count(
            len(order),
            n,
            "the intersection of the sensitive features " + ", ".join(map(repr, names)),
            max_groups,
        )
        index = pd.MultiIndex.from_arrays(
            [
                pd.Index(np.asarray(u, dtype=object)[c[order]], dtype=object)
                for u, c in zip(feature_labels, feature_codes, strict=True)
            ],
            names=names,
        )
    group_of = np.empty(n_cells, dtype=np.int64)
    group_of[present[order]] = np.arange(len(order))
    if not np.array_equal(group_of[present], present):  # renumber the cells
        lookup = np.zeros(4 * n_cells, dtype=np.int16)
        lookup[(4 * present[:, None] + np.arange(4)).ravel()] = (
            4 * group_of[present][:, None] + np.arange(4)
        ).ravel()
        flat = np.take(lookup, flat)  # twice as fast as lookup[flat] on 16-bit indices
    return GroupCells(index, names, n_missing, flat, counts[present[order]])
