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

import numpy as np

#: Cell order of the confusion counts.
CELLS = ("TN", "FP", "FN", "TP")
TN, FP, FN, TP = range(4)

#: Number of score bins for probability scores (equal width on [0, 1]); ECE bins nest in them.
N_SCORE_BINS = 200
#: Number of equal-width bins of the expected calibration error.
N_ECE_BINS = 10


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
    """

    n: np.ndarray
    w: np.ndarray
    w2: np.ndarray

    @property
    def n_groups(self) -> int:
        return self.n.shape[0]

    def merge(self, other: ConfusionStats) -> ConfusionStats:
        """Statistics of the union of two disjoint chunks with the same groups."""
        return ConfusionStats(self.n + other.n, self.w + other.w, self.w2 + other.w2)

    def total(self) -> ConfusionStats:
        """The statistics of all groups pooled, as a single group."""
        return ConfusionStats(
            self.n.sum(axis=0, keepdims=True),
            self.w.sum(axis=0, keepdims=True),
            self.w2.sum(axis=0, keepdims=True),
        )


def confusion_stats(
    codes: np.ndarray,
    n_groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sample_weight: np.ndarray | None = None,
) -> ConfusionStats:
    """Weighted confusion counts per group in one ``bincount`` pass.

    Parameters
    ----------
    codes : ndarray of int, shape (n,)
        Group code of each row, in ``[0, n_groups)``.
    n_groups : int
    y_true, y_pred : ndarray of int8 in {0, 1}, shape (n,)
    sample_weight : ndarray of float, shape (n,), optional

    Returns
    -------
    ConfusionStats
    """
    cell = codes * 4 + (2 * y_true.astype(np.int64) + y_pred)
    size = 4 * n_groups
    n = np.bincount(cell, minlength=size).reshape(n_groups, 4)
    if sample_weight is None:
        w = n.astype(np.float64)
        return ConfusionStats(n, w, w.copy())
    w = np.bincount(cell, weights=sample_weight, minlength=size).reshape(n_groups, 4)
    w2 = np.bincount(cell, weights=sample_weight * sample_weight, minlength=size)
    return ConfusionStats(n, w, w2.reshape(n_groups, 4))


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
    """

    edges: np.ndarray
    probabilistic: bool
    n: np.ndarray
    w: np.ndarray
    ws: np.ndarray
    ws2: np.ndarray
    auc: np.ndarray

    def merge(self, other: ScoreStats) -> ScoreStats:
        """Statistics of the union of two disjoint chunks with the same groups and edges."""
        if not np.array_equal(self.edges, other.edges):
            raise ValueError("score statistics can only be merged when their bin edges agree")
        w = self.w + other.w
        return ScoreStats(
            self.edges, self.probabilistic, self.n + other.n, w, self.ws + other.ws,
            self.ws2 + other.ws2, histogram_auc(w),
        )


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


def score_stats(
    codes: np.ndarray,
    n_groups: int,
    y_true: np.ndarray,
    y_score: np.ndarray,
    sample_weight: np.ndarray | None = None,
    edges: tuple[np.ndarray, bool] | None = None,
) -> ScoreStats:
    """Score histograms per group and label, plus the exact AUC per group."""
    bin_edges, probabilistic = edges if edges is not None else score_bin_edges(y_score)
    n_bins = len(bin_edges) - 1
    cell = (codes * n_bins + _bin_index(y_score, bin_edges, probabilistic)) * 2 + y_true
    size = n_groups * n_bins * 2
    shape = (n_groups, n_bins, 2)
    wt = np.ones_like(y_score) if sample_weight is None else sample_weight
    n = np.bincount(cell, minlength=size).reshape(shape)
    w = n.astype(np.float64) if sample_weight is None else (
        np.bincount(cell, weights=wt, minlength=size).reshape(shape)
    )
    ws = np.bincount(cell, weights=wt * y_score, minlength=size).reshape(shape)
    ws2 = np.bincount(cell, weights=wt * y_score * y_score, minlength=size).reshape(shape)
    auc = exact_auc(codes, n_groups, y_true, y_score, wt)
    return ScoreStats(bin_edges, probabilistic, n, w, ws, ws2, auc)


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
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def histogram_auc(w: np.ndarray) -> np.ndarray:
    """AUC from binned weights of shape (..., n_bins, 2); ties within a bin count one half."""
    neg = w[..., 0]
    pos = w[..., 1]
    below = np.cumsum(neg, axis=-1) - neg
    num = (pos * (below + 0.5 * neg)).sum(axis=-1)
    den = pos.sum(axis=-1) * neg.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
