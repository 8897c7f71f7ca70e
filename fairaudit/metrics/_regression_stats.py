"""Sufficient statistics of a regression audit: weighted moments and a histogram of the
prediction per group, labelled and mergeable like :class:`~._stats.ConfusionStats`.

The moments give every mean-based metric exactly (mean prediction and outcome, mean error,
mean absolute and squared error, R², the standardized mean difference). The histogram, on
bin edges declared before the data, carries the shape of each group's predictions for the
bootstrap of the distribution metrics (quantiles, share above the median, Kolmogorov-Smirnov
and Wasserstein distances). Statistics of chunks of rows merge by summation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._stats import _align, _check_labels, _marginal, _union

#: The moments kept per group, in column order (``w`` = sum of weights, ``e`` = ŷ - y).
MOMENTS = ("w", "w2", "pred", "true", "pred2", "true2", "pred_true", "error", "abs_error",
           "error2", "error4")
W, W2, PRED, TRUE, PRED2, TRUE2, PRED_TRUE, ERROR, ABS_ERROR, ERROR2, ERROR4 = range(
    len(MOMENTS))

#: Bins of the default histogram of the predictions (at most this many).
N_PREDICTION_BINS = 200

ERR_EDGES = (
    "regression statistics can only be merged when their histogram edges agree; declare the "
    "same score_bins for every chunk."
)
ERR_SCORE_BINS = (
    "score_bins must be at least two finite, strictly increasing bin edges; got {value!r}."
)
ERR_OUTSIDE = (
    "y_pred has {k} value(s) outside the declared score_bins [{lo:g}, {hi:g}] (the "
    "predictions range from {plo:g} to {phi:g}); widen the edges or leave score_bins out."
)


def prediction_edges(y_pred: np.ndarray, score_bins: object = None) -> np.ndarray:
    """Edges of the histogram of the predictions: declared, or from the data.

    Default: one bin per distinct value when there are at most :data:`N_PREDICTION_BINS` of
    them (the histogram is then exact: a 1-10 score keeps its ten values), otherwise bins
    between the quantiles of the predictions (equal weight per bin). Bins are half-open
    ``[e_k, e_k+1)``, the last one closed.
    """
    if score_bins is not None:
        try:
            edges = np.asarray(score_bins, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(ERR_SCORE_BINS.format(value=score_bins)) from None
        if len(edges) < 2 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
            raise ValueError(ERR_SCORE_BINS.format(value=score_bins))
        outside = (y_pred < edges[0]) | (y_pred > edges[-1])
        if outside.any():
            raise ValueError(ERR_OUTSIDE.format(
                k=int(outside.sum()), lo=edges[0], hi=edges[-1], plo=float(y_pred.min()),
                phi=float(y_pred.max())))
        return edges
    values = np.unique(y_pred)
    if len(values) <= N_PREDICTION_BINS:
        step = float(values[-1] - values[-2]) if len(values) > 1 else 1.0
        return np.append(values, values[-1] + step)
    edges = np.unique(np.quantile(y_pred, np.linspace(0, 1, N_PREDICTION_BINS + 1)))
    return edges


def bin_index(y_pred: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin of every prediction (half-open bins, the last one closed)."""
    k = np.searchsorted(edges, y_pred, side="right") - 1
    return np.clip(k, 0, len(edges) - 2)


@dataclass(frozen=True)
class RegressionStats:
    """Weighted moments and prediction histograms per group.

    Attributes
    ----------
    n : ndarray of int64, shape (n_groups,)
        Rows per group.
    moments : ndarray of float64, shape (n_groups, len(MOMENTS))
        Per group the sums over rows of ``w``, ``w²``, ``w ŷ``, ``w y``, ``w ŷ²``, ``w y²``,
        ``w ŷ y``, ``w e``, ``w |e|``, ``w e²`` and ``w e⁴`` with ``e = ŷ - y``.
    edges : ndarray of float64, shape (n_bins + 1,)
        Edges of the histograms of the prediction.
    hist_n, hist_w, hist_w2, hist_wp : ndarray, shape (n_groups, n_bins)
        Rows, weight, squared weight and weighted prediction in each bin.
    labels : pandas.Index, optional
        The group of each row (``MultiIndex`` for intersections); statistics with labels
        merge by label.
    """

    n: np.ndarray
    moments: np.ndarray
    edges: np.ndarray
    hist_n: np.ndarray
    hist_w: np.ndarray
    hist_w2: np.ndarray
    hist_wp: np.ndarray
    labels: pd.Index | None = None

    def __post_init__(self) -> None:
        _check_labels(self.labels, self.n.shape[0])

    @property
    def n_groups(self) -> int:
        return self.n.shape[0]

    @property
    def features(self) -> list[str]:
        return [] if self.labels is None else [str(x) for x in self.labels.names]

    @property
    def weighted(self) -> bool:
        """Whether any weight differs from 1."""
        m = self.moments
        return not (np.array_equal(m[:, W], self.n) and np.array_equal(m[:, W2], self.n))

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return (self.n, self.moments, self.hist_n, self.hist_w, self.hist_w2, self.hist_wp)

    def merge(self, other: RegressionStats) -> RegressionStats:
        """Statistics of the union of two disjoint chunks of rows (groups matched by label;
        the histogram edges must agree)."""
        if not np.array_equal(self.edges, other.edges):
            raise ValueError(ERR_EDGES)
        union = _union(self.labels, other.labels)
        a = _align(self.labels, union, self._arrays())
        b = _align(other.labels, union, other._arrays())
        return RegressionStats(a[0] + b[0], a[1] + b[1], self.edges, *(
            x + y for x, y in zip(a[2:], b[2:], strict=True)), labels=union)

    def marginal(self, feature: str) -> RegressionStats:
        """The statistics of one feature's groups, summed over the other features."""
        labels, (n, m, hn, hw, hw2, hwp) = _marginal(self.labels, feature, self._arrays())
        return RegressionStats(n, m, self.edges, hn, hw, hw2, hwp, labels)

    def total(self) -> RegressionStats:
        """All groups pooled, as one group."""
        n, m, hn, hw, hw2, hwp = (a.sum(axis=0, keepdims=True) for a in self._arrays())
        return RegressionStats(n, m, self.edges, hn, hw, hw2, hwp)

    def take(self, keep: np.ndarray) -> RegressionStats:
        """The statistics of some groups (a boolean mask or positions)."""
        labels = None if self.labels is None else self.labels[keep]
        n, m, hn, hw, hw2, hwp = (a[keep] for a in self._arrays())
        return RegressionStats(n, m, self.edges, hn, hw, hw2, hwp, labels)


def row_moments(y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per row the terms summed into :attr:`RegressionStats.moments`, shape (n, n_moments)."""
    e = y_pred - y_true
    e2 = e * e
    cols = (weight, weight * weight, weight * y_pred, weight * y_true, weight * y_pred * y_pred,
            weight * y_true * y_true, weight * y_pred * y_true, weight * e,
            weight * np.abs(e), weight * e2, weight * e2 * e2)
    return np.stack(cols, axis=1)


def sum_by(codes: np.ndarray, n_bins: int, values: np.ndarray) -> np.ndarray:
    """Column sums of ``values`` (n, k) per code, shape (n_bins, k): one bincount each."""
    return np.stack([np.bincount(codes, weights=values[:, j], minlength=n_bins)
                     for j in range(values.shape[1])], axis=1)


def regression_stats(
    codes: np.ndarray,
    n_groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None,
    edges: np.ndarray,
    labels: pd.Index | None = None,
) -> RegressionStats:
    """The moments and histograms of every group, in one pass of bincounts over the rows."""
    w = np.ones(len(y_true)) if weight is None else weight
    n = np.bincount(codes, minlength=n_groups).astype(np.int64)
    moments = sum_by(codes, n_groups, row_moments(y_true, y_pred, w))
    n_bins = len(edges) - 1
    cell = codes * n_bins + bin_index(y_pred, edges)
    size = n_groups * n_bins
    hist_n = np.bincount(cell, minlength=size).reshape(n_groups, n_bins).astype(np.int64)
    hist = sum_by(cell, size, np.stack([w, w * w, w * y_pred], axis=1))
    hw, hw2, hwp = (hist[:, j].reshape(n_groups, n_bins) for j in range(3))
    return RegressionStats(n, moments, np.asarray(edges, dtype=np.float64), hist_n, hw, hw2,
                           hwp, labels)
