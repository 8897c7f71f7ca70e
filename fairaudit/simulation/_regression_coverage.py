"""Coverage of the regression audit's intervals for the difference of mean predictions and
the standardized mean difference (Cohen's d), by simulation with known truth.

Many simulated audits run at once: simulation ``s`` contributes groups ``2s`` (the
compared group) and ``2s + 1`` (the reference), and their intervals come from the same
functions the audit uses (:func:`regression_stats`, :func:`moment_replicates`,
:func:`mean_difference_interval`, :func:`smd_interval`), so thousands of audits cost
seconds.
:func:`audit_coverage` runs :func:`fairaudit.audit` itself.
"""

from __future__ import annotations

import numpy as np

from ..metrics._regression_bootstrap import moment_replicates, percentile_interval
from ..metrics._regression_intervals import (
    group_mean_interval,
    mean_difference_interval,
    smd_interval,
)
from ..metrics._regression_metrics import effective_n, moment_metrics, smd_matrix
from ..metrics._regression_stats import prediction_edges, regression_stats

#: The shapes of the simulated predictions, each with mean 0 and variance 1.
SHAPES = ("normal", "lognormal")
#: The interval methods compared: the audit's (bootstrap-t) and the percentile bootstrap.
METHODS = ("studentized", "percentile")


def draw(shape: str, size: int | tuple, rng: np.random.Generator) -> np.ndarray:
    """Predictions with mean 0 and standard deviation 1: normal, or a skewed lognormal
    (sigma 0.75, skewness about 2.9)."""
    if shape == "normal":
        return rng.normal(size=size)
    sigma = 0.75
    x = rng.lognormal(0.0, sigma, size=size)
    mean = np.exp(sigma**2 / 2)
    sd = np.sqrt((np.exp(sigma**2) - 1) * np.exp(sigma**2))
    return (x - mean) / sd


def core_coverage(
    shape: str,
    n_group: int,
    n_reference: int,
    *,
    shift: float = 0.5,
    n_sim: int = 400,
    n_bootstrap: int = 300,
    level: float = 0.95,
    method: str = "studentized",
    expand: bool = True,
    weighted: bool = False,
    random_state: int = 0,
) -> dict[str, float]:
    """Share of ``n_sim`` simulated audits whose interval holds the true mean difference
    (``shift``), the true d (``shift``: both groups have unit variance) and the compared
    group's true mean (``shift``), with the audit's interval (``method="studentized"``) or
    the expanded percentile interval; ``weighted``: lognormal(0, 0.5) sample weights,
    independent of the predictions (small-group sizes are then Kish effective sizes)."""
    rng = np.random.default_rng(random_state)
    sizes = np.tile([n_group, n_reference], n_sim)
    codes = np.repeat(np.arange(2 * n_sim), sizes)
    y_pred = draw(shape, len(codes), rng) + np.where(codes % 2 == 0, shift, 0.0)
    y_true = y_pred + rng.normal(size=len(codes))
    weight = rng.lognormal(0.0, 0.5, len(codes)) if weighted else None
    stats = regression_stats(codes, 2 * n_sim, y_true, y_pred, weight, prediction_edges(y_pred))
    reps = moment_replicates(stats, n_bootstrap, rng)
    moments = stats.moments
    mean = moment_metrics(moments, sizes)["mean_prediction"]
    mean_reps = moment_metrics(reps, np.broadcast_to(sizes, reps.shape[:2]))["mean_prediction"]
    diff = mean[0::2] - mean[1::2]
    diff_reps = mean_reps[:, 0::2] - mean_reps[:, 1::2]
    pair = moments.reshape(n_sim, 2, -1)
    n_eff = effective_n(pair)
    small = n_eff.min(axis=1, keepdims=True) if expand else None
    pair_reps = reps.reshape(n_bootstrap, n_sim, 2, -1)
    d = smd_matrix(pair)[:, 0, 1]
    d_reps = smd_matrix(pair_reps)[..., 0, 1]
    if method == "studentized":
        lo, hi = (
            x[:, 0]
            for x in mean_difference_interval(pair, pair_reps, "mean_prediction", 1, level, small)
        )
        dlo, dhi = (x[:, 0] for x in smd_interval(pair, pair_reps, 1, level, small))
        glo, ghi = (
            x[:, 0]
            for x in group_mean_interval(
                pair, pair_reps, "mean_prediction", level, n_eff if expand else None
            )
        )
    else:
        flat = None if small is None else small[:, 0]
        lo, hi = percentile_interval(diff_reps, level, n=flat)
        dlo, dhi = percentile_interval(d_reps, level, n=flat)
        glo, ghi = percentile_interval(
            mean_reps[:, 0::2], level, n=None if small is None else n_eff[:, 0]
        )
    return {
        "mean_difference": float(np.mean((lo <= shift) & (shift <= hi))),
        "smd": float(np.mean((dlo <= shift) & (shift <= dhi))),
        "group_mean": float(np.mean((glo <= shift) & (shift <= ghi))),
        "mean_difference_width": float(np.nanmean(hi - lo)),
        "smd_width": float(np.nanmean(dhi - dlo)),
        "mean_difference_bias": float(np.mean(diff) - shift),
        "smd_bias": float(np.mean(d) - shift),
    }


def audit_coverage(
    shape: str,
    n_group: int,
    n_reference: int,
    *,
    shift: float = 0.5,
    n_sim: int = 200,
    n_bootstrap: int = 300,
    level: float = 0.95,
    random_state: int = 0,
) -> dict[str, float]:
    """The same coverage with one :func:`fairaudit.audit` per simulation (slower)."""
    from .._audit import audit

    rng = np.random.default_rng(random_state)
    groups = np.repeat(["g", "ref"], [n_group, n_reference])
    hit_mean = hit_d = 0
    for s in range(n_sim):
        y_pred = draw(shape, len(groups), rng) + np.where(groups == "g", shift, 0.0)
        y_true = y_pred + rng.normal(size=len(groups))
        r = audit(
            y_true,
            y_pred,
            sensitive_features=groups,
            task="regression",
            reference_group="ref",
            n_bootstrap=n_bootstrap,
            confidence_level=level,
            random_state=s,
        )
        t = r.to_reference.set_index("metric")
        m, d = t.loc["mean_prediction"], t.loc["standardized_mean_difference"]
        hit_mean += m["difference_lower"] <= shift <= m["difference_upper"]
        hit_d += d["difference_lower"] <= shift <= d["difference_upper"]
    return {"mean_difference": hit_mean / n_sim, "smd": hit_d / n_sim}
