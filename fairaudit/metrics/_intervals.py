"""Interval arithmetic: percentile and simultaneous intervals from bootstrap replicates,
Wilson intervals, and the score-histogram bootstrap.

The replicates of the confusion counts come from the Bayesian bootstrap in
:mod:`fairaudit.metrics._bootstrap` (Jeffreys posteriors of every rate, drawn a chunk of
groups at a time). Score histograms are resampled here by a multinomial draw of their bin
counts (the stratified row bootstrap of the binned scores).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ._stats import ScoreStats

#: Score-histogram replicates are processed in chunks of this many to bound memory.
_SCORE_CHUNK = 50


def z_value(confidence_level: float) -> float:
    """Two-sided standard-normal quantile of a confidence level."""
    return NormalDist().inv_cdf(0.5 + confidence_level / 2.0)


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


def row_percentiles(x: np.ndarray, confidence_level: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed percentile interval of each row of ``x`` (groups x replicates).

    Linear interpolation between order statistics (as ``np.quantile``); non-finite
    replicates are ignored, and a row without a finite one gives NaN.
    """
    return sorted_percentiles(x.copy(), confidence_level)


def sorted_percentiles(x: np.ndarray, confidence_level: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`row_percentiles` that sorts ``x`` in place (its precision is kept: the audit
    passes single-precision copies of to-reference replicates, which moves a limit by at
    most 6e-8 of its value, far below its Monte-Carlo error, and halves the sort)."""
    alpha = 1.0 - confidence_level
    if x.shape[-1] == 0:
        nan = np.full(x.shape[:-1], np.nan)
        return nan, nan.copy()
    x.sort(axis=-1)  # NaN last, -inf first, +inf before NaN
    if not (np.isfinite(x[..., 0]).all() and np.isfinite(x[..., -1]).all()):
        lo, hi = _nan_quantiles(x.T.astype(np.float64), (alpha / 2.0, 1.0 - alpha / 2.0))
        return lo, hi
    b = x.shape[-1]
    out = []
    for q in (alpha / 2.0, 1.0 - alpha / 2.0):
        pos = q * (b - 1)
        i = int(np.floor(pos))
        j = min(i + 1, b - 1)
        frac = pos - i
        a = x[..., i].astype(np.float64)
        out.append(a + (x[..., j].astype(np.float64) - a) * frac)
    return out[0], out[1]


def hold_value(lower: object, upper: object, value: object) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bounds widened to hold their point value, where all three are finite.

    A percentile interval lies wholly on one side of its value where the value sits at the
    edge of its range (the smoothed replicates never reach it) or where the statistic is
    biased; extending it to the value only widens it. New arrays; the others as given.
    """
    lower, upper, value = (np.asarray(x, dtype=np.float64) for x in (lower, upper, value))
    ok = np.isfinite(lower) & np.isfinite(upper) & np.isfinite(value)
    return np.where(ok, np.minimum(lower, value), lower), np.where(
        ok, np.maximum(upper, value), upper
    )


def spread_quantile(deviations: np.ndarray, confidence_level: float) -> float:
    """The simultaneous bound ``c``: the ``confidence_level`` quantile of the per-replicate
    largest deviation, ignoring undefined replicates (NaN; no interpolation, as replicates
    may be infinite on the log scale)."""
    return _finite_quantile(deviations, confidence_level)


def ratio_zero_upper(
    estimates: np.ndarray, trials: np.ndarray | None, top_low: float, confidence_level: float
) -> tuple[float, float]:
    """Interval [0, U] of a min / max ratio whose smallest rate is exactly 0.

    ``U`` is the exact (Clopper-Pearson) upper limit of the rate of a group with 0 events,
    ``1 - (alpha/2)^(1/n)``, largest over such groups, divided by ``top_low``, the lower
    ``alpha/2`` percentile of the highest group's rate; the whole range [0, 1] without
    ``trials`` or a positive ``top_low``. Each limit is one-sided at ``alpha/2``, so the true
    ratio is below ``U`` with probability at least the confidence level.
    """
    alpha = 1.0 - confidence_level
    if trials is None or not (np.isfinite(top_low) and top_low > 0):
        return 0.0, 1.0
    n = np.asarray(trials, dtype=np.float64)[~(estimates > 0)]
    upper_zero = float(np.max(1.0 - (alpha / 2.0) ** (1.0 / np.maximum(n, 1))))
    return 0.0, float(min(1.0, upper_zero / top_low))


def _finite_quantile(x: np.ndarray, q: float) -> float:
    """``np.quantile(x, q, method="higher")`` of the values that are not NaN (NaN if none).

    No interpolation: replicates may hold +inf (a rate of 0 on the log scale). The order
    statistic is found as ``np.quantile`` finds it (the same index, the same partition),
    without its overhead, which dominates for the few hundred replicates of an audit.
    """
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan")
    i = math.ceil((len(x) - 1) * q)
    x.partition(np.array([i, -1]))
    return float(x[i])


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

    A group whose rate is exactly 0 makes the ratio 0, which no log-scale deviation can
    bound: the interval is then [0, U] with U from :func:`ratio_zero_upper` (exact limits).
    Replicates have shape (B, G); :class:`fairaudit.metrics._bootstrap.BootstrapSummary`
    computes the same interval without holding them.
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
            if not (e > 0).all():
                top = int(np.argmax(e))
                n = None if trials is None else np.asarray(trials[k])[ok]
                return ratio_zero_upper(
                    e, n, _finite_quantile(r[:, top], alpha / 2.0), confidence_level
                )
            e, r = np.log(e), _logs(r)
        spreads.append(float(e.max() - e.min()))
        with np.errstate(invalid="ignore"):
            d = r - e
        dev.append(np.fmax.reduce(d, axis=1) - np.fmin.reduce(d, axis=1))
    if not spreads:
        return float("nan"), float("nan")
    stat = max(spreads)
    worst = np.fmax.reduce(np.stack(dev), axis=0)
    return spread_bounds(stat, spread_quantile(worst, confidence_level), ratio, upper_bound)


def spread_bounds(stat: float, c: float, ratio: bool, upper_bound: float) -> tuple[float, float]:
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
    return spread_bounds(stat, c, ratio, upper_bound)


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


def jeffreys_interval(
    successes: np.ndarray, trials: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Jeffreys interval: quantiles of Beta(x + 1/2, n - x + 1/2), closed at 0 and 1.

    The equal-tailed limits, except that with no successes the lower limit is 0 and with
    no failures the upper limit is 1 (the modification of Brown, Cai and DasGupta, 2001):
    an observed rate of exactly 0 or 1 then lies inside its own interval, and the interval
    only widens, so its coverage cannot fall. Counts may be effective (non-integer)
    counts. NaN without trials. Repeated count pairs (many small groups) are computed once.
    """
    from scipy.special import betaincinv  # heavy import, only when needed

    alpha = 1.0 - confidence_level
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    ok = n > 0
    a = np.where(ok, np.clip(x, 0.0, None), 0.0) + 0.5
    b = np.where(ok, np.clip(n - x, 0.0, None), 0.0) + 0.5
    pairs, inverse = np.unique(
        np.stack([a.ravel(), b.ravel()], axis=1), axis=0, return_inverse=True
    )
    lo = betaincinv(pairs[:, 0], pairs[:, 1], alpha / 2.0)[inverse.ravel()].reshape(x.shape)
    hi = betaincinv(pairs[:, 0], pairs[:, 1], 1.0 - alpha / 2.0)[inverse.ravel()].reshape(x.shape)
    lo = np.where(x <= 0.0, 0.0, lo)
    hi = np.where(x >= n, 1.0, hi)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


#: Successes (or failures) up to which the Wilson lower (upper) limit is replaced by the
#: exact Poisson limit, for up to 50 trials and for more (Brown, Cai and DasGupta, 2001).
_POISSON_SMALL = (2.0, 3.0)


def modified_wilson_interval(
    successes: np.ndarray, trials: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval with the Poisson modification near 0 and near the number of trials.

    The Wilson interval's coverage dips well below nominal for rates of a few events per
    group (0.91 at 10 trials and a rate of 0.05). Following Brown, Cai and DasGupta (2001),
    for ``1 <= x <= x*`` successes (``x* = 2`` up to 50 trials, 3 above) the lower limit is
    the exact Poisson one, ``Gamma(x).ppf(alpha/2) / n``, where it is lower than Wilson's,
    and symmetrically for failures and the upper limit. Counts may be effective
    (non-integer) counts. NaN without trials.
    """
    from scipy.special import gammaincinv  # heavy import, only when needed

    lo, hi = wilson_interval(successes, trials, confidence_level)
    alpha = 1.0 - confidence_level
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    ok = n > 0
    t = np.where(ok, n, 1.0)
    x_star = np.where(t <= 50, *_POISSON_SMALL)
    failures = t - x
    few = ok & (x >= 1) & (x <= x_star)
    few_failures = ok & (failures >= 1) & (failures <= x_star)
    with np.errstate(invalid="ignore"):
        if few.any():  # (the Poisson limits of large counts are not used)
            poisson_lo = gammaincinv(np.where(few, x, 1.0), alpha / 2.0) / t
            lo = np.where(few, np.minimum(lo, poisson_lo), lo)
        if few_failures.any():
            poisson_hi = 1.0 - gammaincinv(np.where(few_failures, failures, 1.0), alpha / 2.0) / t
            hi = np.where(few_failures, np.maximum(hi, poisson_hi), hi)
    return lo, hi


def effective_size(w: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """Kish effective sample size (sum w)^2 / sum w^2; equals the row count without weights."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(w2 > 0, w * w / np.where(w2 > 0, w2, 1.0), 0.0)
