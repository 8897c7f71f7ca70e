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

from ._regression_bootstrap import studentized_interval
from ._regression_metrics import (
    mean_and_variance,
    mean_se,
    moment_metrics,
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
    shape = m.shape[:-1]
    return moment_metrics(m, np.ones(shape))[metric]


def group_mean_interval(
    m: np.ndarray, reps: np.ndarray, metric: str, level: float, n: object
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each group's mean behind a Welch-tested ``metric``: moments ``m``
    (..., G, k), replicates ``reps`` (B, ..., G, k), ``n`` the (effective) group sizes."""
    est, se = _value(m, metric), mean_se(m, metric)
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
    se_g = mean_se(m, metric)
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
