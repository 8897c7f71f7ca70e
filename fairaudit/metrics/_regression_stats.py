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

#: The moments kept per group, in column order (``w`` = sum of weights, ``e`` = ŷ - y,
#: ``c`` the centre of the histogram edges: the powers of ŷ - c give the skewness and
#: kurtosis of the predictions without the rounding of raw fourth powers).
MOMENTS = (
    "w",
    "w2",
    "pred",
    "true",
    "pred2",
    "true2",
    "pred_true",
    "error",
    "abs_error",
    "error2",
    "error4",
    "pred_c",
    "pred2_c",
    "pred3_c",
    "pred4_c",
)
(
    W,
    W2,
    PRED,
    TRUE,
    PRED2,
    TRUE2,
    PRED_TRUE,
    ERROR,
    ABS_ERROR,
    ERROR2,
    ERROR4,
    PRED_C,
    PRED2_C,
    PRED3_C,
    PRED4_C,
) = range(len(MOMENTS))

#: The properties of rows counted per group in :attr:`RegressionStats.flags`.
FLAGS = ("true_negative", "true_not_01", "pred_negative", "pred_outside_01", "pred_not_01")

#: Bins of the default histogram of the predictions (at most this many).
N_PREDICTION_BINS = 200

ERR_EDGES = (
    "regression statistics can only be merged when their histogram edges agree; declare the "
    "same score_bins for every chunk."
)
ERR_CROSS = (
    "regression statistics collected without their cross products (cross=False) cannot be "
    "merged with statistics that have them; collect every chunk the same way."
)
ERR_SCORE_BINS = (
    "score_bins must be at least two finite, strictly increasing bin edges; got {value!r}."
)
ERR_OUTSIDE = (
    "y_pred has {k} value(s) outside the declared score_bins [{lo:g}, {hi:g}] (the "
    "predictions range from {plo:g} to {phi:g}); widen the edges or leave score_bins out."
)


def declared_edges(score_bins: object) -> np.ndarray:
    """``score_bins`` as histogram edges: at least two finite, strictly increasing values."""
    try:
        edges = np.asarray(score_bins, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(ERR_SCORE_BINS.format(value=score_bins)) from None
    if len(edges) < 2 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
        raise ValueError(ERR_SCORE_BINS.format(value=score_bins))
    return edges


def prediction_edges(
    y_pred: np.ndarray, score_bins: object = None, *, sorted_pred: np.ndarray | None = None
) -> np.ndarray:
    """Edges of the histogram of the predictions: declared, or from the data.

    Default: one bin per distinct value when there are at most :data:`N_PREDICTION_BINS` of
    them (the histogram is then exact: a 1-10 score keeps its ten values), otherwise bins
    between the quantiles of the predictions (equal weight per bin). Bins are half-open
    ``[e_k, e_k+1)``, the last one closed. ``sorted_pred``: the predictions sorted, when
    at hand (saves a sort).
    """
    if score_bins is not None:
        edges = declared_edges(score_bins)
        outside = (y_pred < edges[0]) | (y_pred > edges[-1])
        if outside.any():
            raise ValueError(
                ERR_OUTSIDE.format(
                    k=int(outside.sum()),
                    lo=edges[0],
                    hi=edges[-1],
                    plo=float(y_pred.min()),
                    phi=float(y_pred.max()),
                )
            )
        return edges
    if sorted_pred is None:
        sorted_pred = np.sort(y_pred)
    distinct = np.ones(len(sorted_pred), dtype=bool)
    distinct[1:] = sorted_pred[1:] != sorted_pred[:-1]
    values = sorted_pred[distinct]
    if len(values) <= N_PREDICTION_BINS:
        step = float(values[-1] - values[-2]) if len(values) > 1 else 1.0
        return np.append(values, values[-1] + step)
    edges = np.unique(np.quantile(sorted_pred, np.linspace(0, 1, N_PREDICTION_BINS + 1)))
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
    hist_n : ndarray of int64, shape (n_groups, n_bins)
        Rows in each bin.
    hist_moments : ndarray of float64, shape (n_groups, n_bins, len(MOMENTS))
        The moments of the rows of each bin (they sum to ``moments`` over the bins).
    flags : ndarray of int64, shape (n_groups, len(FLAGS))
        Rows per group with each property of :data:`FLAGS` (a negative outcome, an outcome
        other than 0 or 1, a negative prediction, a prediction outside [0, 1], a prediction
        other than 0 or 1).
    cross : ndarray of float64, shape (n_groups, len(MOMENTS), len(MOMENTS))
        Per group the sums over rows of the products of two row terms of the moments: with
        ``hist_moments`` they give the spread of the terms within each bin, which the
        bootstrap of the moments needs (:func:`~._regression_bootstrap.moment_replicates`).
    labels : pandas.Index, optional
        The group of each row (``MultiIndex`` for intersections); statistics with labels
        merge by label.
    """

    n: np.ndarray
    moments: np.ndarray
    edges: np.ndarray
    hist_n: np.ndarray
    hist_moments: np.ndarray
    cross: np.ndarray
    labels: pd.Index | None = None
    #: rows per group with y < 0, y not 0 or 1, ŷ < 0, ŷ outside [0, 1], ŷ not 0 or 1
    #: (what the audit's checks of the data's scale need), shape (n_groups, len(FLAGS))
    flags: np.ndarray | None = None

    def __post_init__(self) -> None:
        _check_labels(self.labels, self.n.shape[0])
        if self.flags is None:
            object.__setattr__(
                self, "flags", np.zeros((self.n.shape[0], len(FLAGS)), dtype=np.int64)
            )

    def has(self, flag: str) -> bool:
        """Whether any row has the property ``flag`` (a name in :data:`FLAGS`)."""
        return bool(self.flags[:, FLAGS.index(flag)].sum() > 0)

    @property
    def hist_w(self) -> np.ndarray:
        """Weight in each bin, shape (n_groups, n_bins)."""
        return self.hist_moments[..., W]

    @property
    def hist_w2(self) -> np.ndarray:
        """Squared weight in each bin."""
        return self.hist_moments[..., W2]

    @property
    def hist_wp(self) -> np.ndarray:
        """Weighted prediction in each bin."""
        return self.hist_moments[..., PRED]

    @property
    def centre(self) -> float:
        """The centre ``c`` of the powers of ŷ - c in the moments (middle of the edges)."""
        return edges_centre(self.edges)

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
        return (self.n, self.moments, self.hist_n, self.hist_moments, self.cross, self.flags)

    def merge(self, other: RegressionStats) -> RegressionStats:
        """Statistics of the union of two disjoint chunks of rows (groups matched by label;
        the histogram edges must agree)."""
        if not np.array_equal(self.edges, other.edges):
            raise ValueError(ERR_EDGES)
        if self.cross.shape[1:] != other.cross.shape[1:]:
            raise ValueError(ERR_CROSS)
        union = _union(self.labels, other.labels)
        a = _align(self.labels, union, self._arrays())
        b = _align(other.labels, union, other._arrays())
        n, m, hn, hm, cross, flags = (x + y for x, y in zip(a, b, strict=True))
        return RegressionStats(n, m, self.edges, hn, hm, cross, labels=union, flags=flags)

    def marginal(self, feature: str) -> RegressionStats:
        """The statistics of one feature's groups, summed over the other features."""
        labels, (n, m, hn, hm, cross, flags) = _marginal(self.labels, feature, self._arrays())
        return RegressionStats(n, m, self.edges, hn, hm, cross, labels, flags)

    def total(self) -> RegressionStats:
        """All groups pooled, as one group."""
        n, m, hn, hm, cross, flags = (a.sum(axis=0, keepdims=True) for a in self._arrays())
        return RegressionStats(n, m, self.edges, hn, hm, cross, None, flags)

    def take(self, keep: np.ndarray) -> RegressionStats:
        """The statistics of some groups (a boolean mask or positions)."""
        labels = None if self.labels is None else self.labels[keep]
        n, m, hn, hm, cross, flags = (a[keep] for a in self._arrays())
        return RegressionStats(n, m, self.edges, hn, hm, cross, labels, flags)


def edges_centre(edges: np.ndarray) -> float:
    """The middle of the histogram's range: where the powers of ŷ in the moments are
    centred (the same for every chunk, since chunks share their edges)."""
    return float(0.5 * (edges[0] + edges[-1]))


def row_moments(
    y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray, centre: float = 0.0
) -> np.ndarray:
    """Per row the terms summed into :attr:`RegressionStats.moments`, one row of the result
    per moment, shape (n_moments, n) (``centre``: the ``c`` of the powers of ŷ - c)."""
    out = np.empty((len(MOMENTS), len(y_pred)))
    out[W] = weight
    np.multiply(weight, weight, out=out[W2])
    np.multiply(weight, y_pred, out=out[PRED])
    np.multiply(weight, y_true, out=out[TRUE])
    np.multiply(out[PRED], y_pred, out=out[PRED2])
    np.multiply(out[TRUE], y_true, out=out[TRUE2])
    np.multiply(out[PRED], y_true, out=out[PRED_TRUE])
    e = y_pred - y_true
    np.multiply(weight, e, out=out[ERROR])
    np.abs(out[ERROR], out=out[ABS_ERROR])
    np.multiply(out[ERROR], e, out=out[ERROR2])
    np.multiply(e, e, out=e)
    np.multiply(out[ERROR2], e, out=out[ERROR4])
    d = np.subtract(y_pred, centre)
    np.multiply(weight, d, out=out[PRED_C])
    for j in (PRED2_C, PRED3_C, PRED4_C):
        np.multiply(out[j - 1], d, out=out[j])
    return out


def sum_by(codes: np.ndarray, n_bins: int, values: np.ndarray) -> np.ndarray:
    """Sums of each row of ``values`` (k, n) per code, shape (n_bins, k): one bincount
    each."""
    return np.stack([np.bincount(codes, weights=row, minlength=n_bins) for row in values], axis=1)


def regression_stats(
    codes: np.ndarray,
    n_groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weight: np.ndarray | None,
    edges: np.ndarray,
    labels: pd.Index | None = None,
    *,
    cross: bool = True,
) -> RegressionStats:
    """The moments and histograms of every group, in one pass of bincounts over the rows
    (and one product of the row terms per group for :attr:`RegressionStats.cross`; with
    ``cross=False`` it is left empty, shape (G, 0, 0), and the statistics give no
    bootstrap)."""
    edges = np.asarray(edges, dtype=np.float64)
    w = np.ones(len(y_true)) if weight is None else weight
    n = np.bincount(codes, minlength=n_groups).astype(np.int64)
    if cross:  # the rows by group (a radix sort of small codes), for the products per group
        order = np.argsort(
            codes.astype(np.int16 if n_groups < 2**15 else np.int64, copy=False), kind="stable"
        )
        codes, y_true, y_pred, w = codes[order], y_true[order], y_pred[order], w[order]
    terms = row_moments(y_true, y_pred, w, edges_centre(edges))
    n_bins = len(edges) - 1
    cell = codes * n_bins + bin_index(y_pred, edges)
    size = n_groups * n_bins
    hist_n = np.bincount(cell, minlength=size).reshape(n_groups, n_bins).astype(np.int64)
    hist = sum_by(cell, size, terms).reshape(n_groups, n_bins, len(MOMENTS))
    products = cross_products(codes, n_groups, terms) if cross else np.zeros((n_groups, 0, 0))
    not01_true = (y_true != 0.0) & (y_true != 1.0)
    not01_pred = (y_pred != 0.0) & (y_pred != 1.0)
    flags = np.stack(
        [
            np.bincount(codes[f], minlength=n_groups)
            for f in (y_true < 0, not01_true, y_pred < 0, (y_pred < 0) | (y_pred > 1), not01_pred)
        ],
        axis=1,
    )
    return RegressionStats(
        n, hist.sum(axis=1), edges, hist_n, hist, products, labels, flags.astype(np.int64)
    )


def cross_products(codes: np.ndarray, n_groups: int, terms: np.ndarray) -> np.ndarray:
    """Per group the sum over its rows of ``t tᵀ`` (``t`` a row's terms: a column of
    ``terms``, shape (k, n)), shape (n_groups, k, k): one product of the group's terms by
    themselves per group. The rows must be sorted by ``codes``."""
    k = terms.shape[0]
    out = np.zeros((n_groups, k, k))
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_groups))])
    for g in range(n_groups):
        t = terms[:, bounds[g] : bounds[g + 1]]
        if t.shape[1]:
            out[g] = np.einsum("ji,ki->jk", t, t)
    return out
