"""The Poisson bootstrap of a regression audit, stratified by group, without a loop over rows.

* Moments: each group's rows are dealt at random into at most ``max_blocks`` blocks (one row
  per block in groups of up to ``max_blocks`` rows: there the bootstrap is the Poisson
  bootstrap of rows itself); a replicate gives every block a Poisson(1) weight and sums the
  blocks' moments. Blocks of a large group are exchangeable sums of rows, so the replicates
  of the means (and of smooth functions of them: errors, R², Cohen's d) have the variance
  of the row bootstrap.
* Histograms: the weight of each bin of each group in a replicate is Poisson with the bin's
  (Kish effective) count as mean, the law of the bin's total under the Poisson bootstrap of
  its rows. Distribution metrics of a replicate are computed from point masses at the bins'
  mean prediction and shifted by the binning error of the point estimate, so that intervals
  are centred on the exact values.
"""

from __future__ import annotations

import numpy as np

from ._regression_stats import RegressionStats, sum_by

#: Largest number of blocks a group's rows are dealt into.
MAX_BLOCKS = 200
#: Elements per chunk of replicates (bounds the memory of a chunk).
_CHUNK_ELEMENTS = 1 << 22


def deal_blocks(codes: np.ndarray, n_groups: int, row_terms: np.ndarray,
                rng: np.random.Generator, max_blocks: int = MAX_BLOCKS
                ) -> tuple[np.ndarray, np.ndarray]:
    """Moments of random blocks of each group's rows: ``(block_sums, block_group)``, blocks
    ordered by group."""
    n = len(codes)
    perm = rng.permutation(n)
    c = codes[perm]
    order = np.argsort(c, kind="stable")
    c_sorted = c[order]
    sizes = np.bincount(codes, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    k = np.minimum(sizes, max_blocks)
    offsets = np.concatenate([[0], np.cumsum(k)[:-1]])
    rank = np.arange(n) - starts[c_sorted]
    block = offsets[c_sorted] + rank % np.maximum(k[c_sorted], 1)
    n_blocks = int(k.sum())
    sums = sum_by(block, n_blocks, row_terms[perm[order]])
    return sums, np.repeat(np.arange(n_groups), k)


def moment_replicates(block_sums: np.ndarray, block_group: np.ndarray, n_groups: int,
                      n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    """Replicates of every group's moments, shape (n_bootstrap, n_groups, n_moments)."""
    n_blocks, k = block_sums.shape
    out = np.zeros((n_bootstrap, n_groups, k))
    step = max(1, _CHUNK_ELEMENTS // max(n_blocks, 1))
    bounds = np.concatenate([[0], np.cumsum(np.bincount(block_group, minlength=n_groups))])
    for s in range(0, n_bootstrap, step):
        e = min(s + step, n_bootstrap)
        p = rng.poisson(1.0, size=(e - s, n_blocks)).astype(np.float64)
        for g in range(n_groups):
            lo, hi = bounds[g], bounds[g + 1]
            if hi > lo:
                out[s:e, g] = p[:, lo:hi] @ block_sums[lo:hi]
    return out


def histogram_replicates(stats: RegressionStats, n_bootstrap: int,
                         rng: np.random.Generator) -> np.ndarray:
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
    from scipy import stats

    n = np.asarray(n, dtype=np.float64)
    a = (1.0 - level) / 2.0
    # a few distinct sizes: one call of scipy per size, not per value
    sizes, where = np.unique(np.where(n > 1, n, 2.0), return_inverse=True)
    t = stats.t.ppf(1.0 - a, sizes - 1)
    out = stats.norm.cdf(-np.sqrt(sizes / (sizes - 1)) * t)[where].reshape(n.shape)
    return np.where(n > 1, out, np.nan)


def percentile_interval(reps: np.ndarray, level: float, *, n: object = None,
                        min_finite: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bounds over the first axis (numpy's linear quantiles of the defined
    replicates), expanded for small groups when ``n`` (the smallest group size behind each
    value, broadcast to ``reps.shape[1:]``) is given; NaN where fewer than ``min_finite`` of
    the replicates are defined (the value is mostly undefined in the resamples)."""
    reps = np.asarray(reps, dtype=np.float64)
    a = (1.0 - level) / 2.0 if n is None else np.broadcast_to(
        expanded_alpha(level, n), reps.shape[1:])
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
