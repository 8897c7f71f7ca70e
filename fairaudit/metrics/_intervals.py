"""Uncertainty from the sufficient statistics: bootstrap replicates and Wilson intervals.

The bootstrap resamples the *statistics*, not the rows. Resampling the rows of a group with
replacement gives its cell counts a multinomial distribution with the observed cell shares,
so drawing those counts directly is exactly the stratified row bootstrap (group sizes fixed)
for unweighted data, at a cost that does not depend on the number of rows. With sample
weights, the weight total of a cell drawn ``K`` times is approximated by a gamma variable
with the mean and variance of a sum of ``K`` weights drawn from that cell.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from ._stats import ConfusionStats, ScoreStats

#: Score-histogram replicates are processed in chunks of this many to bound memory.
_SCORE_CHUNK = 50


def z_value(confidence_level: float) -> float:
    """Two-sided standard-normal quantile of a confidence level."""
    return NormalDist().inv_cdf(0.5 + confidence_level / 2.0)


def _resample_weights(
    counts: np.ndarray, n: np.ndarray, w: np.ndarray, w2: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Weight totals for resampled cell counts ``counts`` (shape (B, *n.shape))."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, w / np.where(n > 0, n, 1), 0.0)
        var = np.where(n > 0, w2 / np.where(n > 0, n, 1), 0.0) - mean * mean
    var = np.maximum(var, 0.0)
    fixed = counts * mean
    varies = var > 1e-12 * np.maximum(mean * mean, 1e-300)
    if not varies.any():
        return fixed
    with np.errstate(invalid="ignore", divide="ignore"):
        shape = np.where(varies, counts * mean * mean / np.where(varies, var, 1.0), 0.0)
        scale = np.where(varies, var / np.where(mean > 0, mean, 1.0), 1.0)
    drawn = rng.gamma(np.where(shape > 0, shape, 1.0), scale)
    return np.where(varies & (counts > 0), drawn, fixed)


def bootstrap_confusion(
    stats: ConfusionStats, n_bootstrap: int, rng: np.random.Generator, *, weighted: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates of the confusion counts.

    Returns
    -------
    n_star, w_star : ndarray, shape (n_bootstrap, n_groups, 4)
        Resampled row counts and weight totals.
    """
    size_g = stats.n.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pvals = stats.n / np.where(size_g > 0, size_g, 1)[:, None]
    n_star = rng.multinomial(size_g, pvals, size=(n_bootstrap, stats.n_groups))
    if not weighted:
        return n_star, n_star.astype(np.float64)
    return n_star, _resample_weights(n_star, stats.n, stats.w, stats.w2, rng)


def bootstrap_scores(stats: ScoreStats, n_bootstrap: int, rng: np.random.Generator):
    """Yield chunks of resampled score histograms ``(w, ws, ws2)``, shape (b, G, bins, 2).

    Each bin's weighted score sums scale with its resampled count (its within-bin spread is
    ignored; bins are 1/200 wide for probabilities).
    """
    g, k, _ = stats.n.shape
    flat_n = stats.n.reshape(g, 2 * k)
    size_g = flat_n.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pvals = flat_n / np.where(size_g > 0, size_g, 1)[:, None]
        safe = np.where(stats.n > 0, stats.n, 1)
        mean_w = np.where(stats.n > 0, stats.w / safe, 0.0)
        mean_ws = np.where(stats.n > 0, stats.ws / safe, 0.0)
        mean_ws2 = np.where(stats.n > 0, stats.ws2 / safe, 0.0)
    done = 0
    while done < n_bootstrap:
        b = min(_SCORE_CHUNK, n_bootstrap - done)
        counts = rng.multinomial(size_g, pvals, size=(b, g)).reshape(b, g, k, 2)
        yield counts * mean_w, counts * mean_ws, counts * mean_ws2
        done += b


def _nan_quantiles(x: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles over axis 0 ignoring non-finite values (linear interpolation, as
    ``np.quantile``), vectorised over the other axes; NaN where a column has no finite value.
    """
    x = np.where(np.isfinite(x), x, np.nan)
    if not np.isnan(x).any():
        return list(np.quantile(x, qs, axis=0))
    srt = np.sort(x, axis=0)  # NaN last
    k = np.isfinite(srt).sum(axis=0)
    out = []
    for q in qs:
        pos = q * np.maximum(k - 1, 0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(k - 1, 0))
        frac = pos - lo
        a = np.take_along_axis(srt, lo[None, ...], axis=0)[0]
        b = np.take_along_axis(srt, hi[None, ...], axis=0)[0]
        val = a + (b - a) * frac
        out.append(np.where(k > 0, val, np.nan))
    return out


def percentile_interval(
    replicates: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0, ignoring replicates where the value is undefined."""
    alpha = 1.0 - confidence_level
    if replicates.shape[0] == 0:
        nan = np.full(replicates.shape[1:], np.nan)
        return nan, nan.copy()
    lo, hi = _nan_quantiles(replicates, (alpha / 2.0, 1.0 - alpha / 2.0))
    return lo, hi


def _finite_quantile(x: np.ndarray, q: float) -> float:
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan")
    # no interpolation: replicates may hold +inf (a rate of 0 on the log scale)
    return float(np.quantile(x, q, method="higher"))


def _logs(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


def _from_log_spread(lo: float, hi: float) -> tuple[float, float]:
    """Bounds on a log-spread L -> bounds on the ratio exp(-L), in the opposite order."""
    return float(np.exp(-hi)), float(np.exp(-lo))


def range_interval(
    estimates: list[np.ndarray],
    replicates: list[np.ndarray],
    confidence_level: float,
    *,
    ratio: bool = False,
    upper_bound: float = np.inf,
    trials: list[np.ndarray] | None = None,
) -> tuple[float, float]:
    """Interval for the spread across groups, max - min (or min / max with ``ratio``).

    Several metrics may be given: the statistic is then the worst spread over them (as in
    equalized odds). Spreads across groups are extremal statistics, for which percentile
    intervals are biased (noise only widens the spread). Instead, the bootstrap gives a
    simultaneous bound ``c`` on the error of every pairwise difference,
    ``P(max_ij |(d*_ij - d^_ij)| <= c) = confidence``; the true spread then lies in
    ``[max(0, D^ - c), D^ + c]``. Ratios work on the log scale. Conservative by design.

    A group whose rate is exactly 0 makes the ratio 0, and the bootstrap cannot bound it
    (resampling a group without events never produces one). The upper bound then comes from
    the exact (Clopper-Pearson) upper limit of that group's rate, ``1 - (alpha/2)^(1/n)`` with
    ``n`` from ``trials``, over the lower percentile of the highest group's rate; without
    ``trials`` the interval is the whole range [0, 1].
    """
    spreads = []
    dev = []
    alpha = 1.0 - confidence_level
    for k, (est, rep) in enumerate(zip(estimates, replicates, strict=True)):
        ok = np.isfinite(est)
        if ok.sum() < 2:
            continue
        e, r = est[ok], rep[:, ok]
        if ratio:
            e, r = _logs(e), _logs(r)
            if not np.isfinite(e).all():
                if trials is None:
                    return 0.0, 1.0
                n = np.asarray(trials[k], dtype=np.float64)[ok]
                zero = est[ok] == 0
                upper_zero = float(np.max(1.0 - (alpha / 2.0) ** (1.0 / np.maximum(n[zero], 1))))
                top = int(np.argmax(est[ok]))
                top_low = _finite_quantile(rep[:, ok][:, top], alpha / 2.0)
                if not (np.isfinite(top_low) and top_low > 0):
                    return 0.0, 1.0
                return 0.0, float(min(1.0, upper_zero / top_low))
        spreads.append(float(e.max() - e.min()))
        with np.errstate(invalid="ignore"):
            d = r - e
        dev.append(np.fmax.reduce(d, axis=1) - np.fmin.reduce(d, axis=1))
    if not spreads:
        return float("nan"), float("nan")
    stat = max(spreads)
    worst = np.fmax.reduce(np.stack(dev), axis=0)
    return _spread_bounds(stat, _finite_quantile(worst, confidence_level), ratio, upper_bound)


def _spread_bounds(
    stat: float, c: float, ratio: bool, upper_bound: float
) -> tuple[float, float]:
    """[max(0, D - c), D + c] for a spread D (on the log scale for ratios).

    ``c`` is NaN when no replicate had a defined value (no interval), and infinite when too
    many had a rate of 0 on the log scale (the interval is then the whole range).
    """
    if np.isnan(c):
        return float("nan"), float("nan")
    lo, hi = max(0.0, stat - c), stat + c
    if ratio:
        return _from_log_spread(lo, hi)
    return lo, min(hi, upper_bound)


def target_interval(
    estimate: np.ndarray,
    replicates: np.ndarray,
    target: float,
    target_replicates: np.ndarray,
    confidence_level: float,
    *,
    ratio: bool = False,
    upper_bound: float = np.inf,
) -> tuple[float, float]:
    """Interval for the largest deviation from a target, max_i |x_i - t| (or the ratio
    furthest from 1 with ``ratio``), by the same simultaneous bound as
    :func:`range_interval`. ``target`` is the overall value or the reference group's.
    """
    ok = np.isfinite(estimate)
    if not ok.any() or not np.isfinite(target):
        return float("nan"), float("nan")
    e, r = estimate[ok], replicates[:, ok]
    t, tr = target, target_replicates
    if ratio:
        e, r, t, tr = _logs(e), _logs(r), float(np.log(t)) if t > 0 else -np.inf, _logs(tr)
        if not (np.isfinite(e).all() and np.isfinite(t)):
            return 0.0, 1.0  # a rate of exactly 0 (see range_interval)
    stat = float(np.abs(e - t).max())
    with np.errstate(invalid="ignore"):  # inf - inf in resamples where a rate is 0 or undefined
        d = (r - tr[:, None]) - (e - t)
    c = _finite_quantile(np.fmax.reduce(np.abs(d), axis=1), confidence_level)
    return _spread_bounds(stat, c, ratio, upper_bound)


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion; NaN where there are no trials.

    With sample weights pass the weighted proportion times the effective sample size as
    ``successes`` and the effective sample size (Kish) as ``trials``.
    """
    z = z_value(confidence_level)
    successes = np.asarray(successes, dtype=np.float64)
    trials = np.asarray(trials, dtype=np.float64)
    ok = trials > 0
    t = np.where(ok, trials, 1.0)
    p = successes / t
    z2 = z * z
    centre = (p + z2 / (2 * t)) / (1 + z2 / t)
    half = z * np.sqrt(np.maximum(p * (1 - p) / t + z2 / (4 * t * t), 0.0)) / (1 + z2 / t)
    return np.where(ok, centre - half, np.nan), np.where(ok, centre + half, np.nan)


def effective_size(w: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """Kish effective sample size (sum w)^2 / sum w^2; equals the row count without weights."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(w2 > 0, w * w / np.where(w2 > 0, w2, 1.0), 0.0)
