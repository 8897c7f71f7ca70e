"""The intervals of the mean-based values of a regression audit: group means, their
differences to the reference group, and the standardized mean difference (Cohen's d).

Each interval is the union of two: the bootstrap-t interval
(:func:`~._regression_bootstrap.studentized_interval`, with the small-sample tails of
:func:`~._regression_bootstrap.expanded_alpha`), which corrects the skewness of a mean of a
small skewed group, and the large-sample interval ``estimate ± t se`` (Welch's for means and
their differences, the delta method with the groups' skewness and kurtosis for d), which
uses the kurtosis of the rows directly where resampling a large skewed group understates
it. The union keeps 95% coverage for normal and strongly skewed (lognormal, skewness 2.9)
predictions from 20 to 500 rows per group, where either interval alone falls to about 0.91
(see ``fairaudit.simulation._regression_coverage`` and docs/auditing.md). Everything is a
function of the moments and their bootstrap replicates, so audits of merged statistics get
the same intervals.
"""

from __future__ import annotations

import numpy as np

from ._intervals import range_interval, spread_quantile, target_interval
from ._regression_bootstrap import expanded_alpha, studentized_interval
from ._regression_metrics import (
    group_se,
    mean_and_variance,
    mean_se,
    moment_metric,
    smd_matrix,
    smd_se_matrix,
)


def _t(level: float, dof: np.ndarray) -> np.ndarray:
    from scipy import stats

    dof = np.asarray(dof, dtype=np.float64)
    ok = np.isfinite(dof) & (dof > 0)
    return np.where(ok, stats.t.ppf(0.5 + level / 2.0, np.where(ok, dof, 1.0)), np.nan)


def _union(a: tuple, b: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The smallest interval holding both (where the large-sample one is undefined, the
    bootstrap-t one)."""
    lo = np.where(np.isfinite(b[0]), np.fmin(a[0], b[0]), a[0])
    hi = np.where(np.isfinite(b[1]), np.fmax(a[1], b[1]), a[1])
    return lo, hi


def _value(m: np.ndarray, metric: str) -> np.ndarray:
    return moment_metric(m, metric)


def group_mean_interval(
    m: np.ndarray, reps: np.ndarray, metric: str, level: float, n: object
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each group's mean behind a Welch-tested ``metric``: moments ``m``
    (..., G, k), replicates ``reps`` (B, ..., G, k), ``n`` the (effective) group sizes."""
    est, se = _value(m, metric), group_se(m, metric)
    boot = studentized_interval(est, se, _value(reps, metric), mean_se(reps, metric), level, n=n)
    _, _, n_eff = mean_and_variance(m, metric)
    t = _t(level, n_eff - 1)
    return _union(boot, (est - t * se, est + t * se))


def _welch(se_g: np.ndarray, se_r: np.ndarray, n_g: np.ndarray, n_r: np.ndarray):
    se2_g, se2_r = se_g**2, se_r**2
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = (se2_g + se2_r) ** 2 / (se2_g**2 / (n_g - 1) + se2_r**2 / (n_r - 1))
    return np.sqrt(se2_g + se2_r), dof


def mean_difference_interval(
    m: np.ndarray, reps: np.ndarray, metric: str, ref: int, level: float, n: object
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each group's mean minus the reference group's (``n``: the smaller
    effective size of each pair); NaN at the reference."""
    est = _value(m, metric)
    diff = est - est[..., [ref]]
    se_g = group_se(m, metric)
    _, _, n_eff = mean_and_variance(m, metric)
    se, dof = _welch(se_g, se_g[..., [ref]], n_eff, n_eff[..., [ref]])
    rv = _value(reps, metric)
    rse = mean_se(reps, metric)
    rse_pair = np.sqrt(rse**2 + rse[..., [ref]] ** 2)
    boot = studentized_interval(diff, se, rv - rv[..., [ref]], rse_pair, level, n=n)
    t = _t(level, dof)
    lo, hi = _union(boot, (diff - t * se, diff + t * se))
    lo[..., ref] = hi[..., ref] = np.nan
    return lo, hi


def quotient_interval(
    m: np.ndarray, reps: np.ndarray, metric: str, ref: int, level: float, n: object
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each group's mean over the reference group's for a non-negative
    Welch-tested ``metric``, ``[lo_g / hi_r, hi_g / lo_r]`` from both groups' intervals
    (:func:`group_mean_interval`) at the Bonferroni level ``1 - (1 - level) / 2``: when both
    hold, which they do at once with probability at least ``level``, so does the ratio. Used
    where a group's values do not vary, so that the replicates of its ratio are all one
    value; ``(lo_r = 0)``: no upper limit. NaN at the reference."""
    lo, hi = group_mean_interval(m, reps, metric, 1.0 - (1.0 - level) / 2.0, n)
    lo = np.maximum(lo, 0.0)
    lo_r, hi_r = lo[..., [ref]], hi[..., [ref]]
    with np.errstate(invalid="ignore", divide="ignore"):
        q_lo = np.where(hi_r > 0, lo / np.where(hi_r > 0, hi_r, 1.0), np.nan)
        q_hi = np.where(lo_r > 0, hi / np.where(lo_r > 0, lo_r, 1.0), np.inf)
    q_hi = np.where(np.isfinite(hi) & np.isfinite(hi_r), q_hi, np.nan)
    q_lo[..., ref] = q_hi[..., ref] = np.nan
    return q_lo, q_hi


def smd_interval(
    m: np.ndarray, reps: np.ndarray, ref: int, level: float, n: object
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of Cohen's d of each group against the reference group; NaN at the
    reference."""
    d = smd_matrix(m)[..., ref]
    se = smd_se_matrix(m)[..., ref]
    boot = studentized_interval(
        d, se, smd_matrix(reps)[..., ref], smd_se_matrix(reps)[..., ref], level, n=n
    )
    _, _, n_eff = mean_and_variance(m, "mean_prediction")
    t = _t(level, n_eff + n_eff[..., [ref]] - 2)
    lo, hi = _union(boot, (d - t * se, d + t * se))
    lo[..., ref] = hi[..., ref] = np.nan
    return lo, hi


def absolute_interval(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An interval for ``|θ|`` from one for ``θ`` (coverage at least as high)."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    a_lo = np.where(lo > 0, lo, np.where(hi < 0, -hi, 0.0))
    a_hi = np.fmax(np.abs(lo), np.abs(hi))
    bad = ~(np.isfinite(lo) & np.isfinite(hi))
    return np.where(bad, np.nan, a_lo), np.where(bad, np.nan, a_hi)


# ------------------------------------------------------------------------- extremal values
# A spread across groups (max - min, min / max), the largest deviation from a target, the
# largest group value, the largest distance between two groups: the bootstrap replicates of
# such a value sit on the side noise pushes it to, so their percentiles can exclude the
# value itself. Their intervals instead bound every group's (or pair's) error at once
# (:func:`~._intervals.range_interval`, :func:`~._intervals.target_interval`): the value
# then lies within the bound of its estimate, and the interval always contains it.


def expanded_level(level: float, n: object) -> float:
    """The confidence level of a simultaneous bound over groups whose smallest (effective)
    size is ``n``: ``1 - 2 a`` with ``a`` the expanded tail of
    :func:`~._regression_bootstrap.expanded_alpha` (the bootstrap's spread of a small
    group's value is too narrow by about ``sqrt((n - 1) / n) t / z``); NaN for ``n <= 1``."""
    a = float(expanded_alpha(level, np.asarray(n, dtype=np.float64)))
    return 1.0 - 2.0 * a if np.isfinite(a) else float("nan")


def _complete(reps: np.ndarray, ok: np.ndarray, min_finite: float) -> np.ndarray | None:
    """The replicates where every group of ``ok`` is defined (None when fewer than
    ``min_finite`` of them are: the value is mostly undefined in the resamples)."""
    keep = ~np.isnan(reps[:, ok]).any(axis=1)
    if keep.sum() < max(1, min_finite * reps.shape[0]):
        return None
    return reps[keep]


#: The quantiles whose half distance is a group's bootstrap spread (one standard deviation
#: either side of the median for a normal distribution).
_SPREAD_QUANTILES = (0.158655, 0.841345)


def _spread_quantiles(r: np.ndarray) -> np.ndarray:
    """:data:`_SPREAD_QUANTILES` of each column of ``r`` (inverted CDF), shape (2, G),
    ignoring NaN. Without NaN, ``np.quantile`` gives the same values as ``np.nanquantile``
    (which goes column by column) at a fraction of its cost."""
    if np.isnan(r).any():
        return np.nanquantile(r, _SPREAD_QUANTILES, axis=0, method="inverted_cdf")
    return np.quantile(r, _SPREAD_QUANTILES, axis=0, method="inverted_cdf")


def group_band(
    values: np.ndarray, replicates: np.ndarray, level: float, *, n: object
) -> tuple[np.ndarray, np.ndarray]:
    """A simultaneous band over groups, ``x^_g ± c s_g``: ``s_g`` the bootstrap spread of
    group ``g`` (half the distance between its replicates' 15.9% and 84.1% quantiles,
    robust to infinite replicates on the log scale) and ``c`` the :func:`expanded_level`
    quantile of the largest standardized error ``max_g |x*_g - x^_g| / s_g``, so that all
    groups' values lie in their band at once. Each band's width follows its own group's
    noise, so a small noisy group does not widen the others'. NaN for undefined values."""
    x = np.asarray(values, dtype=np.float64)
    r = np.asarray(replicates, dtype=np.float64)
    ok = np.isfinite(x)
    lev = expanded_level(level, n)
    nan = np.full(x.shape, np.nan)
    if not ok.any() or not np.isfinite(lev):
        return nan, nan.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        q = _spread_quantiles(r)
        scale = np.where(np.isfinite(q[1] - q[0]), (q[1] - q[0]) / 2.0, np.inf)
        dev = np.abs(r - x)
        # an error without spread (scale 0) is infinitely many spreads; a group of infinite
        # spread (a log of 0 in many replicates) has an unbounded band and constrains nothing
        t = np.where(dev == 0, 0.0, dev / np.where(scale > 0, scale, 0.0))
        t = np.where(np.isinf(scale), 0.0, np.where(np.isnan(t) & ~np.isnan(r), np.inf, t))
    c = spread_quantile(np.fmax.reduce(t[:, ok], axis=1), lev)
    if np.isnan(c):
        return nan, nan.copy()
    with np.errstate(invalid="ignore"):
        half = np.where(scale > 0, c * scale, 0.0)
    return np.where(ok, x - half, np.nan), np.where(ok, x + half, np.nan)


def _intersect(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Both bounds at once (each holds the estimate, so the intersection does); one alone
    where the other is undefined."""
    if not (np.isfinite(b[0]) and np.isfinite(b[1])):
        return a
    if not (np.isfinite(a[0]) and np.isfinite(a[1])):
        return b
    return float(max(a[0], b[0])), float(min(a[1], b[1]))


def _half(level: float) -> float:
    """The level of each of two bounds whose intersection has ``level``: each misses with
    at most half the error rate."""
    return 1.0 - (1.0 - level) / 2.0


def spread_interval(
    estimates: np.ndarray,
    replicates: np.ndarray,
    level: float,
    *,
    n: object,
    ratio: bool = False,
    trials: np.ndarray | None = None,
    upper_bound: float = np.inf,
    min_finite: float = 0.95,
) -> tuple[float, float]:
    """Interval of ``max - min`` (or ``min / max`` with ``ratio``, on the log scale) of the
    groups' values ``estimates`` (G,), replicates (B, G).

    The intersection of two simultaneous bounds, each at half the error rate (so that
    both hold at once with probability ``level``), each at the :func:`expanded_level` of
    the smallest group ``n``: :func:`~._intervals.range_interval` (one bound ``c`` on every
    pairwise error: ``[max(0, D - c), D + c]``), tight when the groups are alike in size,
    and the spread of the :func:`group_band` (``[max(0, max L - min U), max U - min L]``),
    tight when a small noisy group is not among the extremes. ``trials``: the (effective)
    group sizes of a share, for a share of exactly 0 (:func:`~._intervals.ratio_zero_upper`,
    exact limits).
    """
    est = np.asarray(estimates, dtype=np.float64)
    ok = np.isfinite(est)
    half = _half(level)
    lev = expanded_level(half, n)
    reps = _complete(np.asarray(replicates, dtype=np.float64), ok, min_finite)
    if ok.sum() < 2 or reps is None or not np.isfinite(lev):
        return float("nan"), float("nan")
    kw = {} if trials is None else {"trials": [np.asarray(trials, dtype=np.float64)]}
    pairwise = range_interval([est], [reps], lev, ratio=ratio, upper_bound=upper_bound, **kw)
    if ratio and not (est[ok] > 0).all():
        return pairwise  # a value of 0: exact limits, no log scale
    x, r = (est[ok], reps[:, ok]) if not ratio else (np.log(est[ok]), _logs(reps[:, ok]))
    low, up = group_band(x, r, half, n=n)
    lo_s, hi_s = max(0.0, float(low.max() - up.min())), float(up.max() - low.min())
    if ratio:
        band = (float(np.exp(-hi_s)), float(np.exp(-lo_s)))
    else:
        band = (lo_s, min(hi_s, upper_bound))
    return _intersect(pairwise, band)


def _logs(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


def inverse_spread_interval(
    estimates: np.ndarray, replicates: np.ndarray, level: float, *, n: object
) -> tuple[float, float]:
    """Interval of ``max / min`` of positive values: ``1 / x`` of the interval of
    ``min / max`` (``[1, inf]`` when the smallest value is 0)."""
    lo, hi = spread_interval(estimates, replicates, level, n=n, ratio=True)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return float("nan"), float("nan")
    with np.errstate(divide="ignore"):
        return float(1.0 / hi), float(np.inf if lo <= 0 else 1.0 / lo)


def deviation_interval(
    estimates: np.ndarray,
    replicates: np.ndarray,
    target: float,
    target_replicates: np.ndarray,
    level: float,
    *,
    n: object,
    ratio: bool = False,
    upper_bound: float = np.inf,
    min_finite: float = 0.95,
) -> tuple[float, float]:
    """Interval of the largest deviation ``max_g |x_g - t|`` from a target (the overall
    value, or the reference group's), or of the ratio furthest from 1 with ``ratio``: the
    intersection, each at half the error rate, of :func:`~._intervals.target_interval`
    and of the bound from the :func:`group_band` of the groups and the target (each
    group's distance to the target between the nearest and the farthest points of their
    bands)."""
    est = np.asarray(estimates, dtype=np.float64)
    ok = np.isfinite(est)
    both = np.column_stack(
        [np.asarray(replicates, dtype=np.float64), np.asarray(target_replicates, dtype=np.float64)]
    )
    reps = _complete(both, np.append(ok, True), min_finite)
    half = _half(level)
    lev = expanded_level(half, n)
    if not ok.any() or not np.isfinite(target) or reps is None or not np.isfinite(lev):
        return float("nan"), float("nan")
    target = float(target)
    simultaneous = target_interval(
        est, reps[:, :-1], target, reps[:, -1], lev, ratio=ratio, upper_bound=upper_bound
    )
    x = np.append(est[ok], target)
    r = np.column_stack([reps[:, :-1][:, ok], reps[:, -1]])
    if ratio:
        if not (x > 0).all():
            return simultaneous  # a value of 0: the whole range
        x, r = np.log(x), _logs(r)
    low, up = group_band(x, r, half, n=n)
    lt, ut = low[-1], up[-1]
    near = np.maximum(0.0, np.maximum(low[:-1] - ut, lt - up[:-1]))
    far = np.maximum(up[:-1] - lt, ut - low[:-1])
    lo_s, hi_s = float(near.max()), float(far.max())
    if ratio:
        band = (float(np.exp(-hi_s)), float(np.exp(-lo_s)))
    else:
        band = (lo_s, min(hi_s, upper_bound))
    return _intersect(simultaneous, band)


def maximum_interval(
    m: np.ndarray, reps: np.ndarray, metric: str, level: float, n: object
) -> tuple[float, float]:
    """Interval of the largest group mean of a Welch-tested ``metric`` (the bounded group
    loss: the largest group MSE), ``[max_g lo_g, max_g hi_g]`` from every group's interval
    (:func:`group_mean_interval`) at the Bonferroni level ``1 - (1 - level) / G``: when all
    hold their group's value, which they do at once with probability at least ``level``,
    the largest value lies between the largest lower and the largest upper limit. Each
    group's interval holds its estimate, so this one holds the largest; a mean of
    squares is never below 0. ``m`` (G, k) and ``reps`` (B, G, k) the moments and their
    replicates, ``n`` the (effective) group sizes."""
    est = _value(m, metric)
    ok = np.isfinite(est)
    if not ok.any():
        return float("nan"), float("nan")
    lo, hi = group_mean_interval(m, reps, metric, 1.0 - (1.0 - level) / ok.sum(), n)
    lo, hi = lo[ok], hi[ok]
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return float("nan"), float("nan")
    top = float(est[ok].max())
    return max(0.0, min(float(lo.max()), top)), max(float(hi.max()), top)


def distance_bounds(
    estimate: np.ndarray,
    deviations: np.ndarray,
    level: float,
    *,
    n: object,
    upper_bound: float = np.inf,
    min_finite: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of a distance (or of the largest of several) ``D^ ± c``, clipped to
    ``[0, upper_bound]``: ``c`` is the ``level`` quantile (expanded for the smallest group
    ``n``) of the replicates' bound on the distance's error, ``deviations`` (B, ...) from
    :func:`distance_deviations` (the error of a distance between two distribution
    functions is at most the largest (KS) or total (Wasserstein) error of their
    difference). Vectorised over the trailing axes; NaN where the distance is undefined
    or fewer than ``min_finite`` of the replicates bound it."""
    est = np.asarray(estimate, dtype=np.float64)
    dev = np.asarray(deviations, dtype=np.float64)
    lev = np.asarray(1.0 - 2.0 * expanded_alpha(level, n), dtype=np.float64)
    lev = np.broadcast_to(lev, est.shape)
    s = np.sort(dev, axis=0)  # NaN last
    k = np.isfinite(s).sum(axis=0)
    # the "higher" quantile: the smallest replicate bound with at least ``lev`` below it
    idx = np.ceil(np.where(np.isfinite(lev), lev, 0.0) * np.maximum(k - 1, 0)).astype(np.int64)
    c = np.take_along_axis(s, np.minimum(idx, np.maximum(k - 1, 0))[None, ...], axis=0)[0]
    good = np.isfinite(est) & np.isfinite(lev) & (k >= max(1, min_finite * dev.shape[0]))
    lo = np.where(good, np.maximum(0.0, est - c), np.nan)
    hi = np.where(good, np.minimum(upper_bound, est + c), np.nan)
    return lo, hi


def distance_deviations(
    cdf_reps: np.ndarray, cdf_point: np.ndarray, dx: np.ndarray, ref: int, pairwise: bool
) -> dict[str, np.ndarray]:
    """Per replicate, bounds on the errors of the Kolmogorov-Smirnov and Wasserstein-1
    distances, from the errors ``e_g = F*_g - F^_g`` of the groups' distribution functions
    (``cdf_reps`` (B, G + 1, K) and ``cdf_point`` (G + 1, K), all rows last; ``dx`` the
    widths between support points): ``sup |e_i - e_j|`` bounds the error of the KS distance
    between groups ``i`` and ``j``, ``∫ |e_i - e_j|`` that of their Wasserstein distance
    (the triangle inequality). Keys as the distances' (``ks_to_reference`` (B, G),
    ``ks_between`` (B,): the largest over pairs, ...)."""
    e = cdf_reps - cdf_point[None]
    groups, pooled = e[:, :-1, :], e[:, -1:, :]
    d_ref = np.abs(groups - groups[:, ref : ref + 1, :])
    d_all = np.abs(groups - pooled)
    with np.errstate(invalid="ignore"):
        spread = np.fmax.reduce(groups, axis=1) - np.fmin.reduce(groups, axis=1)
    out = {
        "ks_to_reference": d_ref.max(axis=-1),
        "ks_to_overall": d_all.max(axis=-1),
        "wasserstein_to_reference": np.einsum("...k,k->...", d_ref, dx),
        "wasserstein_to_overall": np.einsum("...k,k->...", d_all, dx),
        "ks_between": spread.max(axis=-1),
    }
    best = np.full(e.shape[0], np.nan)
    if pairwise:
        for i in range(groups.shape[1] - 1):
            w = np.einsum(
                "...k,k->...", np.abs(groups[:, i : i + 1, :] - groups[:, i + 1 :, :]), dx
            )
            best = np.fmax(best, np.fmax.reduce(w, axis=1))
    out["wasserstein_between"] = best
    return out


def pair_deviations(pairs: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Per replicate the largest error ``|d*_ij - d^_ij|`` over the pairs of groups of a
    signed pairwise value such as Cohen's d (``pairs`` (B, G, G), ``point`` (G, G), the
    diagonal ignored): it bounds the error of ``max_ij |d_ij|``."""
    g = point.shape[-1]
    off = ~np.eye(g, dtype=bool)
    with np.errstate(invalid="ignore"):
        dev = np.abs(pairs[:, off] - point[off])
    return np.fmax.reduce(dev, axis=1) if dev.shape[1] else np.full(pairs.shape[0], np.nan)
