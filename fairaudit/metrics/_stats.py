"""Sufficient statistics: everything a group metric needs, per group, in a few numbers.

For binary predictions these are the weighted confusion counts of each group (cells ordered
TN, FP, FN, TP, i.e. ``2 * y_true + y_pred``). For scores, a histogram of the scores per group
and label on bin edges shared by all groups, holding the weight, the weighted score and the
weighted squared score of each bin. Both are additive: statistics computed on chunks of the
data (or by another engine) merge by summation with :meth:`ConfusionStats.merge` and
:meth:`ScoreStats.merge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Cell order of the confusion counts.
CELLS = ("TN", "FP", "FN", "TP")
TN, FP, FN, TP = range(4)

#: Number of score bins for probability scores (equal width on [0, 1]); ECE bins nest in them.
N_SCORE_BINS = 200
#: Number of equal-width bins of the expected calibration error.
N_ECE_BINS = 10


#: Columns of the long table of per-cell aggregates (besides one column per feature).
FRAME_COLUMNS = ("y_true", "y_pred", "n", "w", "w2")

ERR_UNLABELLED = (
    "these statistics carry no group labels, so they cannot be merged safely; build them with "
    "fairaudit.metrics.confusion_stats or ConfusionStats.from_frame."
)
ERR_FEATURES = (
    "cannot merge statistics of different sensitive features: {a} and {b}; compute every "
    "chunk with the same features in the same order."
)
ERR_EDGES = (
    "score statistics can only be merged when their bin edges agree; declare the same "
    "score_bins for every chunk."
)
ERR_NO_FEATURE = "there is no sensitive feature {feature!r}; the features are {features}."
ERR_LABELS = "labels has {k} entries but the statistics have {g} groups; give one label per group."
ERR_DUP_LABELS = "labels must name each group once; {labels} occur more than once."
ERR_FRAME_COLUMNS = (
    "the table of aggregates lacks the column(s) {missing}; it needs one column per sensitive "
    "feature and y_true, y_pred, n (and w, w2 with weights): the columns of a GROUP BY over "
    "the features, y_true and y_pred with COUNT(*), SUM(weight) and SUM(weight * weight)."
)
ERR_FRAME_FEATURES = (
    "the table of aggregates has no sensitive-feature column; its columns are {columns}."
)
ERR_FRAME_BINARY = "column {name} must hold 0/1 (or booleans); found the values {values}."
ERR_FRAME_COUNT = "column {name} must hold finite numbers >= 0{extra}; found {bad}."
ERR_FRAME_W2 = (
    "the table has weights (w) but no w2, the sum of squared weights per cell, which the "
    "intervals need; add SUM(weight * weight) AS w2."
)


def _sort_key(values: np.ndarray) -> np.ndarray:
    """Positions that sort values (mixed types sort by their text)."""
    try:
        return np.argsort(values, kind="stable")
    except TypeError:
        return np.argsort(np.array([str(v) for v in values], dtype=object), kind="stable")


def sort_groups(labels: pd.Index) -> np.ndarray:
    """Order of group labels as the audit lists them: by each feature's sorted values, the
    first feature first. Returns positions into ``labels``."""
    if not isinstance(labels, pd.MultiIndex):
        return _sort_key(np.asarray(labels, dtype=object))
    ranks = []
    for level in range(labels.nlevels):
        values = np.asarray(labels.get_level_values(level), dtype=object)
        codes, uniques = pd.factorize(values)
        order = _sort_key(np.asarray(uniques, dtype=object))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        ranks.append(rank[codes])
    return np.lexsort(ranks[::-1])


def _group_labels(frame: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Group code of every row of ``frame`` (feature columns only) and the sorted labels."""
    from .._validation import MISSING_GROUP

    names = [str(c) for c in frame.columns]
    if len(names) == 1:
        values = frame.iloc[:, 0].astype(object)
        values = values.where(values.notna(), MISSING_GROUP)
        codes, uniques = pd.factorize(values.to_numpy(dtype=object))
        labels: pd.Index = pd.Index(np.asarray(uniques, dtype=object), name=names[0], dtype=object)
    else:
        cols = {c: frame[c].astype(object).where(frame[c].notna(), MISSING_GROUP) for c in frame}
        labels_all = pd.MultiIndex.from_arrays(
            [cols[c].to_numpy(dtype=object) for c in frame], names=names
        )
        codes, labels = pd.factorize(labels_all)
        labels = _object_index(list(labels), names)
    order = sort_groups(labels)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], labels[order]


def _object_index(values: list, names: list) -> pd.Index:
    """Group labels with object levels (as the validation layer makes them), not inferred."""
    if len(names) == 1 and not (values and isinstance(values[0], tuple)):
        return pd.Index(np.asarray(values, dtype=object), name=names[0], dtype=object)
    columns = list(zip(*values, strict=True)) if values else [() for _ in names]
    return pd.MultiIndex.from_arrays(
        [pd.Index(np.asarray(c, dtype=object), dtype=object) for c in columns], names=names
    )


def _align(labels: pd.Index, union: pd.Index, arrays: tuple[np.ndarray, ...]):
    """Arrays indexed by ``labels`` re-indexed onto ``union`` (groups absent count zero)."""
    where = union.get_indexer(labels)
    out = []
    for a in arrays:
        full = np.zeros((len(union), *a.shape[1:]), dtype=a.dtype)
        full[where] = a
        out.append(full)
    return out


def _check_labels(labels: pd.Index | None, n_groups: int) -> None:
    if labels is None:
        return
    if len(labels) != n_groups:
        raise ValueError(ERR_LABELS.format(k=len(labels), g=n_groups))
    if labels.has_duplicates:
        dups = list(dict.fromkeys(labels[labels.duplicated()].tolist()))[:5]
        raise ValueError(ERR_DUP_LABELS.format(labels=dups))


def _union(a: pd.Index | None, b: pd.Index | None) -> pd.Index:
    """All groups of two labelled statistics, in the audit's order."""
    if a is None or b is None:
        raise ValueError(ERR_UNLABELLED)
    if list(a.names) != list(b.names):
        raise ValueError(ERR_FEATURES.format(a=list(a.names), b=list(b.names)))
    both = a.append(b)
    both = _object_index(list(both[~both.duplicated()]), list(a.names))
    return both[sort_groups(both)]


def _marginal(
    labels: pd.Index | None, feature: str, arrays: tuple[np.ndarray, ...]
) -> tuple[pd.Index, list[np.ndarray]]:
    """Arrays of intersectional groups summed over every feature but ``feature``."""
    if labels is None:
        raise ValueError(ERR_UNLABELLED)
    names = [str(x) for x in labels.names]
    if feature not in names:
        raise ValueError(ERR_NO_FEATURE.format(feature=feature, features=names))
    values = np.asarray(labels.get_level_values(names.index(feature)), dtype=object)
    codes, uniques = pd.factorize(values)
    order = _sort_key(np.asarray(uniques, dtype=object))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[codes]
    out = []
    for a in arrays:
        total = np.zeros((len(order), *a.shape[1:]), dtype=a.dtype)
        np.add.at(total, codes, a)
        out.append(total)
    marginal_labels = pd.Index(np.asarray(uniques, dtype=object)[order], name=feature, dtype=object)
    return marginal_labels, out


@dataclass(frozen=True)
class ConfusionStats:
    """Confusion counts per group.

    Attributes
    ----------
    n : ndarray of int64, shape (n_groups, 4)
        Number of rows in each cell.
    w : ndarray of float64, shape (n_groups, 4)
        Sum of sample weights in each cell (equal to ``n`` without weights).
    w2 : ndarray of float64, shape (n_groups, 4)
        Sum of squared sample weights in each cell (for effective sample sizes).
    labels : pandas.Index, optional
        The group of each row of ``n``: an ``Index`` named after the feature, or a
        ``MultiIndex`` with one level per feature for intersections. Statistics with labels
        merge by label.
    """

    n: np.ndarray
    w: np.ndarray
    w2: np.ndarray
    labels: pd.Index | None = None

    def __post_init__(self) -> None:
        _check_labels(self.labels, self.n.shape[0])

    @property
    def n_groups(self) -> int:
        return self.n.shape[0]

    @property
    def features(self) -> list[str]:
        """Names of the sensitive features the groups are made of (empty without labels)."""
        return [] if self.labels is None else [str(x) for x in self.labels.names]

    def merge(self, other: ConfusionStats) -> ConfusionStats:
        """Statistics of the union of two disjoint chunks of rows.

        Groups are matched by label (an outer join: a group that one chunk lacks counts zero
        there), so the chunks may hold different groups in any order. Both must carry labels
        of the same features.
        """
        union = _union(self.labels, other.labels)
        a = _align(self.labels, union, (self.n, self.w, self.w2))
        b = _align(other.labels, union, (other.n, other.w, other.w2))
        return ConfusionStats(a[0] + b[0], a[1] + b[1], a[2] + b[2], union)

    def marginal(self, feature: str) -> ConfusionStats:
        """The statistics of one feature's groups, summed over the other features."""
        labels, (n, w, w2) = _marginal(self.labels, feature, (self.n, self.w, self.w2))
        return ConfusionStats(n, w, w2, labels)

    @property
    def weighted(self) -> bool:
        """Whether any weight differs from 1 (unweighted statistics have ``w = w2 = n``)."""
        return not (np.array_equal(self.w, self.n) and np.array_equal(self.w2, self.n))

    def total(self) -> ConfusionStats:
        """The statistics of all groups pooled, as a single group."""
        return ConfusionStats(
            self.n.sum(axis=0, keepdims=True),
            self.w.sum(axis=0, keepdims=True),
            self.w2.sum(axis=0, keepdims=True),
        )

    def to_frame(self) -> pd.DataFrame:
        """The long table of per-cell aggregates: one column per feature, then ``y_true``,
        ``y_pred``, ``n``, ``w`` and ``w2``; four rows per group (cells TN, FP, FN, TP)."""
        if self.labels is None:
            raise ValueError(ERR_UNLABELLED)
        g = self.n_groups
        rep = np.repeat(np.arange(g), 4)
        if isinstance(self.labels, pd.MultiIndex):
            feats = {
                str(name): np.asarray(self.labels.get_level_values(i), dtype=object)[rep]
                for i, name in enumerate(self.labels.names)
            }
        else:
            feats = {str(self.labels.name): np.asarray(self.labels, dtype=object)[rep]}
        cells = np.tile(np.arange(4), g)
        return pd.DataFrame(
            {
                **feats,
                "y_true": cells // 2,
                "y_pred": cells % 2,
                "n": self.n.reshape(-1),
                "w": self.w.reshape(-1),
                "w2": self.w2.reshape(-1),
            }
        )

    @classmethod
    def from_frame(cls, frame: Any, *, features: list[str] | None = None) -> ConfusionStats:
        """Statistics from a long table of per-cell aggregates.

        Parameters
        ----------
        frame : pandas.DataFrame (or anything with ``to_pandas()``)
            One column per sensitive feature, ``y_true`` and ``y_pred`` (0/1), ``n`` (rows),
            and with weights ``w`` (sum of weights) and ``w2`` (sum of squared weights): what
            ``GROUP BY features, y_true, y_pred`` with ``COUNT(*)``, ``SUM(w)`` and
            ``SUM(w * w)`` returns in DuckDB, Spark or Dask. Rows of the same group and cell
            are added up; missing feature values form the group ``"(missing)"``.
        features : list of str, optional
            The feature columns, in order (default: every column but those above).

        Returns
        -------
        ConfusionStats
        """
        if not isinstance(frame, pd.DataFrame) and hasattr(frame, "to_pandas"):
            frame = frame.to_pandas()
        frame = pd.DataFrame(frame)
        columns = [str(c) for c in frame.columns]
        missing = [c for c in ("y_true", "y_pred", "n") if c not in columns]
        if features is not None:
            missing += [c for c in features if c not in columns]
        if missing:
            raise ValueError(ERR_FRAME_COLUMNS.format(missing=missing))
        names = (
            list(features)
            if features is not None
            else [c for c in frame.columns if str(c) not in FRAME_COLUMNS]
        )
        if not names:
            raise ValueError(ERR_FRAME_FEATURES.format(columns=columns))
        cell = np.zeros(len(frame), dtype=np.int64)
        for name, factor in (("y_true", 2), ("y_pred", 1)):
            values = pd.Series(frame[name]).astype(object)
            ok = values.isin([0, 1]) & values.notna()
            if not ok.all():
                bad = list(dict.fromkeys(values[~ok].tolist()))[:5]
                raise ValueError(ERR_FRAME_BINARY.format(name=name, values=bad))
            cell += factor * values.astype(np.int64).to_numpy()
        sums = {}
        for name in ("n", "w", "w2"):
            if name not in frame:
                continue
            values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
            bad = ~np.isfinite(values) | (values < 0)
            if name == "n":
                bad |= values != np.round(values)
            if bad.any():
                extra = " (whole numbers)" if name == "n" else ""
                raise ValueError(
                    ERR_FRAME_COUNT.format(name=name, extra=extra, bad=values[bad][:5].tolist())
                )
            sums[name] = values
        if "w" in sums and "w2" not in sums:
            raise ValueError(ERR_FRAME_W2)
        codes, labels = _group_labels(frame[names])
        size = 4 * len(labels)
        key = codes * 4 + cell
        n = np.bincount(key, weights=sums["n"], minlength=size)
        n = np.round(n).astype(np.int64).reshape(-1, 4)
        if "w" not in sums:
            w = n.astype(np.float64)
            return cls(n, w, w.copy(), labels)
        w = np.bincount(key, weights=sums["w"], minlength=size).reshape(-1, 4)
        w2 = np.bincount(key, weights=sums["w2"], minlength=size).reshape(-1, 4)
        return cls(n, w, w2, labels)


def confusion_cells(
    codes: np.ndarray, n_groups: int, y_true: np.ndarray, y_pred: np.ndarray
) -> np.ndarray:
    """The cell of every row, ``4 * group + 2 * y_true + y_pred``, in the smallest integer
    type that holds ``4 * n_groups``."""
    dtype = np.int16 if 4 * n_groups <= np.iinfo(np.int16).max else np.int64
    cell = codes.astype(dtype)
    cell *= 4
    cell += y_true
    cell += y_true
    cell += y_pred
    return cell


def count_confusion(
    codes: np.ndarray | None,
    n_groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sample_weight: np.ndarray | None = None,
    labels: pd.Index | None = None,
    *,
    cells: np.ndarray | None = None,
    counts: np.ndarray | None = None,
) -> ConfusionStats:
    """Weighted confusion counts per group in one ``bincount`` pass.

    Parameters
    ----------
    codes : ndarray of int, shape (n,)
        Group code of each row, in ``[0, n_groups)``.
    n_groups : int
    y_true, y_pred : ndarray of int8 in {0, 1}, shape (n,)
    sample_weight : ndarray of float, shape (n,), optional
    labels : pandas.Index, optional
        The label of each group code.
    cells : ndarray of int, shape (n,), optional
        :func:`confusion_cells` of the same rows, when already computed (``codes`` may then
        be None).
    counts : ndarray of int64, shape (n_groups, 4), optional
        The rows in each cell (``np.bincount`` of ``cells``), when already counted.

    Returns
    -------
    ConfusionStats
    """
    cell = confusion_cells(codes, n_groups, y_true, y_pred) if cells is None else cells
    size = 4 * n_groups
    n = np.bincount(cell, minlength=size).reshape(n_groups, 4) if counts is None else counts
    if sample_weight is None:
        w = n.astype(np.float64)
        return ConfusionStats(n, w, w.copy(), labels)
    w = np.bincount(cell, weights=sample_weight, minlength=size).reshape(n_groups, 4)
    w2 = np.bincount(cell, weights=sample_weight * sample_weight, minlength=size)
    return ConfusionStats(n, w, w2.reshape(n_groups, 4), labels)


@dataclass(frozen=True)
class ScoreStats:
    """Score histograms per group and label.

    Attributes
    ----------
    edges : ndarray, shape (n_bins + 1,)
        Bin edges shared by all groups; a score ``s`` falls in bin ``k`` when
        ``edges[k] <= s < edges[k + 1]`` (the last bin is closed).
    probabilistic : bool
        True when the scores are probabilities in [0, 1] and the edges are the equal-width
        grid of ``N_SCORE_BINS`` bins (on which the ECE bins nest).
    n, w, ws, ws2 : ndarray, shape (n_groups, n_bins, 2)
        Row count, weight, weighted score and weighted squared score per group, bin and
        label (last axis: y_true = 0, 1).
    auc : ndarray, shape (n_groups,)
        Exact ROC AUC per group computed from the rows (ties count one half). Not additive:
        after a merge it is recomputed from the histogram.
    labels : pandas.Index, optional
        The group of each row, as in :class:`ConfusionStats`.
    """

    edges: np.ndarray
    probabilistic: bool
    n: np.ndarray
    w: np.ndarray
    ws: np.ndarray
    ws2: np.ndarray
    auc: np.ndarray
    labels: pd.Index | None = None

    def __post_init__(self) -> None:
        _check_labels(self.labels, self.n.shape[0])

    def merge(self, other: ScoreStats) -> ScoreStats:
        """Statistics of the union of two disjoint chunks with the same bin edges.

        Groups are matched by label, as in :meth:`ConfusionStats.merge`. The AUC of the
        merged statistics comes from the histogram (ties within a bin count one half).
        """
        if not np.array_equal(self.edges, other.edges):
            raise ValueError(ERR_EDGES)
        union = _union(self.labels, other.labels)
        a = _align(self.labels, union, (self.n, self.w, self.ws, self.ws2))
        b = _align(other.labels, union, (other.n, other.w, other.ws, other.ws2))
        w = a[1] + b[1]
        return ScoreStats(
            self.edges,
            self.probabilistic,
            a[0] + b[0],
            w,
            a[2] + b[2],
            a[3] + b[3],
            histogram_auc(w),
            union,
        )

    def marginal(self, feature: str) -> ScoreStats:
        """The histograms of one feature's groups, summed over the other features; their AUC
        comes from the histogram."""
        labels, (n, w, ws, ws2) = _marginal(
            self.labels, feature, (self.n, self.w, self.ws, self.ws2)
        )
        return ScoreStats(self.edges, self.probabilistic, n, w, ws, ws2, histogram_auc(w), labels)

    def score_range(self) -> tuple[float, float]:
        """Lower edge of the lowest bin and upper edge of the highest bin holding a score
        (the exact minimum and maximum for edges at the score quantiles)."""
        filled = np.flatnonzero(self.n.sum(axis=(0, 2)))
        if len(filled) == 0:
            return float("nan"), float("nan")
        return float(self.edges[filled[0]]), float(self.edges[filled[-1] + 1])


def score_bin_edges(y_score: np.ndarray) -> tuple[np.ndarray, bool]:
    """Shared bin edges: the 1/200 grid for probabilities, score quantiles otherwise."""
    lo, hi = float(y_score.min()), float(y_score.max())
    if lo >= 0.0 and hi <= 1.0:
        return np.linspace(0.0, 1.0, N_SCORE_BINS + 1), True
    qs = np.quantile(y_score, np.linspace(0.0, 1.0, N_SCORE_BINS + 1))
    edges = np.unique(qs)
    if len(edges) < 2:
        edges = np.array([lo, lo + 1.0])
    return edges, False


def _bin_index(y_score: np.ndarray, edges: np.ndarray, probabilistic: bool) -> np.ndarray:
    n_bins = len(edges) - 1
    if probabilistic:
        idx = np.floor(y_score * n_bins).astype(np.int64)
    else:
        idx = np.searchsorted(edges, y_score, side="right") - 1
    return np.clip(idx, 0, n_bins - 1)


def count_scores(
    codes: np.ndarray,
    n_groups: int,
    y_true: np.ndarray,
    y_score: np.ndarray,
    sample_weight: np.ndarray | None = None,
    edges: tuple[np.ndarray, bool] | None = None,
    labels: pd.Index | None = None,
) -> ScoreStats:
    """Score histograms per group and label, plus the exact AUC per group."""
    bin_edges, probabilistic = edges if edges is not None else score_bin_edges(y_score)
    n_bins = len(bin_edges) - 1
    cell = (codes * n_bins + _bin_index(y_score, bin_edges, probabilistic)) * 2 + y_true
    size = n_groups * n_bins * 2
    shape = (n_groups, n_bins, 2)
    wt = np.ones_like(y_score) if sample_weight is None else sample_weight
    n = np.bincount(cell, minlength=size).reshape(shape)
    w = (
        n.astype(np.float64)
        if sample_weight is None
        else (np.bincount(cell, weights=wt, minlength=size).reshape(shape))
    )
    ws = np.bincount(cell, weights=wt * y_score, minlength=size).reshape(shape)
    ws2 = np.bincount(cell, weights=wt * y_score * y_score, minlength=size).reshape(shape)
    auc = exact_auc(codes, n_groups, y_true, y_score, wt)
    return ScoreStats(bin_edges, probabilistic, n, w, ws, ws2, auc, labels)


def exact_auc(
    codes: np.ndarray,
    n_groups: int,
    y_true: np.ndarray,
    y_score: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """Weighted ROC AUC of every group at once (Mann-Whitney form, ties count one half).

    One sort by (group, score); within each group the weight of negatives ranked strictly
    below each distinct score is a cumulative sum. NaN where a group lacks either class.
    """
    order = np.lexsort((y_score, codes))
    c = codes[order]
    s = y_score[order]
    yw = weight[order]
    y = y_true[order]
    new_level = np.empty(len(c), dtype=bool)
    new_level[0] = True
    new_level[1:] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
    level = np.cumsum(new_level) - 1
    n_levels = int(level[-1]) + 1
    pos = np.bincount(level, weights=yw * (y == 1), minlength=n_levels)
    neg = np.bincount(level, weights=yw * (y == 0), minlength=n_levels)
    level_group = c[new_level]
    neg_total = np.bincount(level_group, weights=neg, minlength=n_groups)
    pos_total = np.bincount(level_group, weights=pos, minlength=n_groups)
    # negatives strictly below each level, within its group
    below = np.cumsum(neg) - neg
    below -= (np.cumsum(neg_total) - neg_total)[level_group]
    num = np.bincount(level_group, weights=pos * (below + 0.5 * neg), minlength=n_groups)
    den = pos_total * neg_total
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    # cumulative sums of weights can cancel to -1e-16 instead of 0
    return np.clip(auc, 0.0, 1.0)


def histogram_auc(w: np.ndarray) -> np.ndarray:
    """AUC from binned weights of shape (..., n_bins, 2); ties within a bin count one half."""
    neg = w[..., 0]
    pos = w[..., 1]
    below = np.cumsum(neg, axis=-1) - neg
    num = (pos * (below + 0.5 * neg)).sum(axis=-1)
    den = pos.sum(axis=-1) * neg.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
