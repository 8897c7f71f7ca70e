"""The Poisson bootstrap of a regression audit, stratified by group, without a loop over rows.

* Moments: from the statistics alone (:func:`moment_replicates`), so that an audit of merged
  chunk statistics has the same intervals as an audit of the rows: each bin of each group
  is resampled as a whole (a Poisson count of draws of its mean row), and the spread of the
  rows within the bin adds a normal term with the row bootstrap's covariance.
* Histograms: the weight of each bin of each group in a replicate is Poisson with the bin's
  (Kish effective) count as mean, the law of the bin's total under the Poisson bootstrap of
  its rows. Distribution metrics of a replicate are computed from point masses at the bins'
  mean prediction and shifted by the binning error of the point estimate, so that intervals
  are centred on the exact values.
"""

from __future__ import annotations

import functools

import numpy as np

from ._regression_stats import (
    ABS_ERROR,
    ERROR2,
    ERROR4,
    PRED2,
    PRED2_C,
    PRED4_C,
    TRUE2,
    W2,
    RegressionStats,
    W,
)

#: The moments that are sums of nonnegative terms.
NONNEGATIVE = [W, W2, ABS_ERROR, ERROR2, ERROR4, PRED2, TRUE2, PRED2_C, PRED4_C]
ERR_NO_CROSS = (
    "these regression statistics have no cross products of the row terms (collected with "
    "cross=False), which the bootstrap needs: collect them again with cross=True, or audit "
    "with n_bootstrap=0."
)

#: Elements per chunk of replicates (bounds the memory of a chunk).
_CHUNK_ELEMENTS = 1 << 22


def within_bin_roots(stats: RegressionStats) -> np.ndarray:
    """Per group a square root ``L`` (``L Lᵀ = S``) of the spread ``S`` of the row terms
    about their bin means, ``S = Σ_rows t tᵀ - Σ_bins T Tᵀ / n``, shape (G, k, k): the
    symmetric root of the scaled matrix, scaled back."""
    n = stats.hist_n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(
            n[..., None] > 0, stats.hist_moments / np.where(n > 0, n, 1.0)[..., None], 0.0
        )
    between = np.einsum("gkm,gkl->gml", scaled, stats.hist_moments)
    spread = stats.cross - between
    spread = 0.5 * (spread + np.swapaxes(spread, 1, 2))
    # scale each term before the decomposition: the terms differ by many orders of magnitude
    scale = np.sqrt(np.maximum(np.einsum("gmm->gm", stats.cross), 0.0))
    scale = np.where(scale > 0, scale, 1.0)
    unit = spread / (scale[:, :, None] * scale[:, None, :])
    values, vectors = np.linalg.eigh(unit)
    # rounding leaves tiny negative eigenvalues where the terms do not vary within bins; the
    # symmetric root V √Λ Vᵀ does not depend on the signs or the basis eigh picks, so
    # statistics that differ by rounding (merged chunks) get the same replicates
    # directions whose spread is at rounding level (below 1e-9 of the largest) count as 0
    floor = 1e-9 * np.max(np.abs(values), axis=1, keepdims=True, initial=0.0)
    values = np.where(values > floor, values, 0.0)
    root = np.einsum("gij,gj,gkj->gik", vectors, np.sqrt(values), vectors)
    return root * scale[:, :, None]


def moment_replicates(
    stats: RegressionStats,
    n_bootstrap: int,
    rng: np.random.Generator,
    counts: np.ndarray | None = None,
) -> np.ndarray:
    """Replicates of every group's moments under the Poisson bootstrap of its rows, from the
    statistics alone, shape (n_bootstrap, G, n_moments).

    The rows of each bin of each group are drawn ``Poisson(n_bin)`` times in total (the law
    of the total of the bin's Poisson(1) row weights), each draw carrying the bin's mean row
    terms; the rows' spread about their bin mean adds a normal vector with the covariance it
    has under the row bootstrap (``Σ_rows (t - t̄_bin)(t - t̄_bin)ᵀ``, uncorrelated with the
    bin totals). Both moments of the replicates therefore equal those of the row bootstrap;
    a bin of one row is resampled exactly, so small groups (most bins holding one row) are
    resampled like their rows, skewness included. Merged chunks give identical replicates.

    ``counts``, shape (n_bootstrap, G, n_bins): the draws of the bins, when the caller
    shares them with the histograms' replicates (statistics without weights).
    """
    g, k = stats.hist_n.shape
    m = stats.hist_moments.shape[-1]
    if stats.cross.shape[1:] != (m, m):
        raise ValueError(ERR_NO_CROSS)
    n = stats.hist_n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(
            n[..., None] > 0, stats.hist_moments / np.where(n > 0, n, 1.0)[..., None], 0.0
        )
    root = within_bin_roots(stats)
    occupied = n.reshape(-1) > 0
    cells = np.flatnonzero(occupied)
    unit_cells = unit.reshape(g * k, m)[cells]
    # occupied cells in group order: group j's are bounds[j]:bounds[j + 1]
    bounds = np.searchsorted(cells, np.arange(g + 1) * k)
    lam = n.reshape(-1)[cells]
    out = np.zeros((n_bootstrap, g, m))
    step = max(1, _CHUNK_ELEMENTS // max(len(cells), 1))
    for s in range(0, n_bootstrap, step):
        e = min(s + step, n_bootstrap)
        if counts is None:
            drawn = rng.poisson(lam, size=(e - s, len(cells))).astype(np.float64)
        else:
            drawn = counts[s:e].reshape(e - s, g * k)[:, cells]
        for j in range(g):
            lo, hi = bounds[j], bounds[j + 1]
            if hi > lo:
                out[s:e, j] = drawn[:, lo:hi] @ unit_cells[lo:hi]
        z = rng.standard_normal((e - s, g, m))
        out[s:e] += np.einsum("gml,bgl->bgm", root, z)
    # the normal term can take a sum of squares or of weights a little below zero
    out[..., NONNEGATIVE] = np.maximum(out[..., NONNEGATIVE], 0.0)
    return out


def histogram_replicates(
    stats: RegressionStats, n_bootstrap: int, rng: np.random.Generator
) -> np.ndarray:
    """Replicates of every group's histogram weights, shape (n_bootstrap, G, n_bins)."""
    w, w2 = stats.hist_w, stats.hist_w2
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(w2 > 0, w * w / np.where(w2 > 0, w2, 1.0), 0.0)
        scale = np.where(n_eff > 0, w / np.where(n_eff > 0, n_eff, 1.0), 0.0)
    if not stats.weighted:
        n_eff, scale = stats.hist_n.astype(np.float64), np.ones_like(w)
    return rng.poisson(n_eff, size=(n_bootstrap, *n_eff.shape)) * scale


def support(stats: RegressionStats) -> np.ndarray:
    """Where the mass of each bin sits: the pooled mean prediction of the bin (its left edge
    when empty), increasing."""
    w = stats.hist_w.sum(axis=0)
    wp = stats.hist_wp.sum(axis=0)
    left = stats.edges[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(w > 0, wp / np.where(w > 0, w, 1.0), left)
    # rounding cannot move a bin's mean out of the bin
    return np.clip(s, left, stats.edges[1:])


def expanded_alpha(level: float, n: object) -> np.ndarray:
    """The tail probability of the expanded percentile interval (Hesterberg 2015, "What
    teachers should know about the bootstrap", sec. 6.4): the percentile interval of a mean
    is too narrow in small samples by the factors sqrt((n-1)/n) and t/z, so the tails used
    are ``Phi(-sqrt(n / (n - 1)) * t_{n-1})`` instead of ``(1 - level) / 2``. With ``n`` the
    smallest (effective) group size involved; NaN where ``n <= 1``."""
    n = np.asarray(n, dtype=np.float64)
    if n.ndim == 0:  # one size (most calls): no search for the distinct ones
        one = _alpha_of_sizes(float(level), (float(n) if n > 1 else 2.0,))[0]
        return np.where(n > 1, one, np.nan)
    # a few distinct sizes, the same in every call of an audit: scipy once per size
    sizes, where = np.unique(np.where(n > 1, n, 2.0), return_inverse=True)
    out = _alpha_of_sizes(float(level), tuple(sizes.tolist()))[where].reshape(n.shape)
    return np.where(n > 1, out, np.nan)


@functools.lru_cache(maxsize=512)
def _alpha_of_sizes(level: float, sizes: tuple[float, ...]) -> np.ndarray:
    """:func:`expanded_alpha` of each distinct size (sizes > 1), read-only."""
    from scipy import stats

    s = np.asarray(sizes, dtype=np.float64)
    t = stats.t.ppf(1.0 - (1.0 - level) / 2.0, s - 1)
    out = stats.norm.cdf(-np.sqrt(s / (s - 1)) * t)
    out.flags.writeable = False
    return out


def percentile_interval(
    reps: np.ndarray, level: float, *, n: object = None, min_finite: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bounds over the first axis (numpy's linear quantiles of the defined
    replicates), expanded for small groups when ``n`` (the smallest group size behind each
    value, broadcast to ``reps.shape[1:]``) is given; NaN where fewer than ``min_finite`` of
    the replicates are defined (the value is mostly undefined in the resamples)."""
    reps = np.asarray(reps, dtype=np.float64)
    a = (
        (1.0 - level) / 2.0
        if n is None
        else np.broadcast_to(expanded_alpha(level, n), reps.shape[1:])
    )
    s = np.sort(reps, axis=0)  # NaN last
    k = np.isfinite(s).sum(axis=0)
    out = []
    for q in (a, 1.0 - np.asarray(a)):
        ok_q = np.isfinite(q)
        h = np.maximum(k - 1, 0) * np.where(ok_q, q, 0.0)
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(k - 1, 0))
        x_lo = np.take_along_axis(s, lo[None, ...], axis=0)[0]
        x_hi = np.take_along_axis(s, hi[None, ...], axis=0)[0]
        with np.errstate(invalid="ignore"):
            val = np.where(x_hi == x_lo, x_lo, x_lo + (h - lo) * (x_hi - x_lo))
        good = (k >= max(1, min_finite * reps.shape[0])) & ok_q
        out.append(np.where(good, val, np.nan))
    return out[0], out[1]


#: Replicate standard errors below this share of the estimate's count as zero.
SE_FLOOR = 1e-6


def studentized_interval(
    estimate: np.ndarray,
    se: np.ndarray,
    reps: np.ndarray,
    se_reps: np.ndarray,
    level: float,
    *,
    n: object = None,
    min_finite: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """The bootstrap-t interval (Efron & Tibshirani 1993, ch. 12): the quantiles of the
    replicates' studentized deviations ``(θ* - θ̂) / se*`` turned back with the estimate's
    standard error, ``[θ̂ - t*_hi se, θ̂ - t*_lo se]``. It corrects the skewness of the
    estimate that a percentile interval keeps wrong (second-order accurate); the tails are
    those of :func:`expanded_alpha` when ``n`` is given. Replicates over the first axis; NaN
    where the estimate or its standard error is undefined, or too few replicates are."""
    estimate = np.asarray(estimate, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    # a resample without spread (one distinct row drawn) has no t: its standard error is 0
    # up to rounding, which would make t arbitrarily large
    spread = se_reps > SE_FLOOR * np.where(np.isfinite(se), se, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(
            spread & (se_reps > 0), (reps - estimate) / np.where(se_reps > 0, se_reps, 1.0), np.nan
        )
    t_lo, t_hi = percentile_interval(t, level, n=n, min_finite=min_finite)
    ok = np.isfinite(estimate) & np.isfinite(se) & (se >= 0)
    lo = np.where(ok, estimate - t_hi * se, np.nan)
    hi = np.where(ok, estimate - t_lo * se, np.nan)
    # a value without spread in the data has no sampling error
    zero = ok & (se == 0)
    return np.where(zero, estimate, lo), np.where(zero, estimate, hi)
