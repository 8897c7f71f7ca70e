"""Coverage of the regression audit's intervals for the difference of mean predictions and
the standardized mean difference (Cohen's d), by simulation with known truth.

Many simulated audits run at once: simulation ``s`` contributes groups ``2s`` (the
compared group) and ``2s + 1`` (the reference), and their intervals come from the same
functions the audit uses (:func:`deal_blocks`, :func:`moment_replicates`,
:func:`moment_metrics`, :func:`smd_matrix`, :func:`percentile_interval`), so thousands of
audits cost seconds. :func:`audit_coverage` runs :func:`fairaudit.audit` itself.
"""

from __future__ import annotations

import numpy as np

from ..metrics._regression_bootstrap import deal_blocks, moment_replicates, percentile_interval
from ..metrics._regression_metrics import moment_metrics, smd_matrix
from ..metrics._regression_stats import row_moments, sum_by

#: The shapes of the simulated predictions, each with mean 0 and variance 1.
SHAPES = ("normal", "lognormal")


def draw(shape: str, size: int | tuple, rng: np.random.Generator) -> np.ndarray:
    """Predictions with mean 0 and standard deviation 1: normal, or a skewed lognormal
    (sigma 0.75, skewness about 2.9)."""
    if shape == "normal":
        return rng.normal(size=size)
    sigma = 0.75
    x = rng.lognormal(0.0, sigma, size=size)
    mean = np.exp(sigma ** 2 / 2)
    sd = np.sqrt((np.exp(sigma ** 2) - 1) * np.exp(sigma ** 2))
    return (x - mean) / sd


def core_coverage(shape: str, n_group: int, n_reference: int, *, shift: float = 0.5,
                  n_sim: int = 400, n_bootstrap: int = 300, level: float = 0.95,
                  random_state: int = 0) -> dict[str, float]:
    """Share of ``n_sim`` simulated audits whose interval holds the true mean difference
    (``shift``) and the true d (``shift``: both groups have unit variance)."""
    rng = np.random.default_rng(random_state)
    sizes = np.tile([n_group, n_reference], n_sim)
    codes = np.repeat(np.arange(2 * n_sim), sizes)
    y_pred = draw(shape, len(codes), rng) + np.where(codes % 2 == 0, shift, 0.0)
    y_true = y_pred + rng.normal(size=len(codes))
    terms = row_moments(y_true, y_pred, np.ones(len(codes)))
    moments = sum_by(codes, 2 * n_sim, terms)
    blocks, block_group = deal_blocks(codes, 2 * n_sim, terms, rng)
    reps = moment_replicates(blocks, block_group, 2 * n_sim, n_bootstrap, rng)
    mean = moment_metrics(moments, sizes)["mean_prediction"]
    mean_reps = moment_metrics(reps, np.broadcast_to(sizes, reps.shape[:2]))["mean_prediction"]
    diff = mean[0::2] - mean[1::2]
    small = min(n_group, n_reference)
    lo, hi = percentile_interval(mean_reps[:, 0::2] - mean_reps[:, 1::2], level, n=small)
    pair = moments.reshape(n_sim, 2, -1)
    d = smd_matrix(pair)[:, 0, 1]
    d_reps = smd_matrix(reps.reshape(n_bootstrap, n_sim, 2, -1))[..., 0, 1]
    dlo, dhi = percentile_interval(d_reps, level, n=small)
    return {
        "mean_difference": float(np.mean((lo <= shift) & (shift <= hi))),
        "smd": float(np.mean((dlo <= shift) & (shift <= dhi))),
        "mean_difference_bias": float(np.mean(diff) - shift),
        "smd_bias": float(np.mean(d) - shift),
    }


def audit_coverage(shape: str, n_group: int, n_reference: int, *, shift: float = 0.5,
                   n_sim: int = 200, n_bootstrap: int = 300, level: float = 0.95,
                   random_state: int = 0) -> dict[str, float]:
    """The same coverage with one :func:`fairaudit.audit` per simulation (slower)."""
    from .._audit import audit

    rng = np.random.default_rng(random_state)
    groups = np.repeat(["g", "ref"], [n_group, n_reference])
    hit_mean = hit_d = 0
    for s in range(n_sim):
        y_pred = draw(shape, len(groups), rng) + np.where(groups == "g", shift, 0.0)
        y_true = y_pred + rng.normal(size=len(groups))
        r = audit(y_true, y_pred, sensitive_features=groups, task="regression",
                  reference_group="ref", n_bootstrap=n_bootstrap, confidence_level=level,
                  random_state=s)
        t = r.to_reference.set_index("metric")
        m, d = t.loc["mean_prediction"], t.loc["standardized_mean_difference"]
        hit_mean += m["difference_lower"] <= shift <= m["difference_upper"]
        hit_d += d["difference_lower"] <= shift <= d["difference_upper"]
    return {"mean_difference": hit_mean / n_sim, "smd": hit_d / n_sim}
