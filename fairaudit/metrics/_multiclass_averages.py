"""The averages over the classes of a multiclass audit (macro and weighted recall, precision
and F1 per group): their intervals, disparities and comparisons with the reference group,
from one Bayesian bootstrap of the k x k counts.

Every replicate gives each cell of each group's k x k matrix a gamma total with its count
(effective count with weights) as shape plus ``1/(2k)`` of a pseudo-row, and recomputes the
averages from the replicate matrix (the classes averaged over stay those that occur in the
group). The replicates of all groups are summarised by the engine's
:func:`~fairaudit.metrics._bootstrap.summarise_bootstrap` as it summarises score metrics,
so the disparities have the binary audit's intervals: simultaneous intervals of the spread
across groups and of the largest deviation from the overall value or the reference group,
and percentile intervals of each group's difference and ratio to the reference. The overall
replicate is the average of the sum of the groups' replicate matrices.

The test of each group against the reference is a Wald test on the bootstrap: the
difference over the standard deviation of its replicates, two-sided against the standard
normal (p-values as small as the evidence, unlike the share of replicates beyond 0, whose
floor of 1/B would not survive an adjustment for many comparisons).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _disparities as disp
from ._bootstrap import BootstrapSummary, summarise_bootstrap
from ._config import AuditConfig
from ._multiclass_stats import MulticlassStats, averaged_scores
from ._stats import ConfusionStats

#: Averages over the classes per group, as scikit-learn's ``average="macro"``/``"weighted"``.
AVERAGED_METRICS = (
    "macro_recall",
    "macro_precision",
    "macro_f1",
    "weighted_recall",
    "weighted_precision",
    "weighted_f1",
)
_NO_BOUNDS = (float("nan"), float("nan"))


@dataclass(frozen=True, eq=False)
class AverageBootstrap:
    """What the bootstrap of the averages gives (groups in kept order)."""

    lower: dict[str, np.ndarray]
    upper: dict[str, np.ndarray]
    summary: BootstrapSummary | None
    #: replicates per metric, shape (B, kept groups)
    replicates: dict[str, np.ndarray]


def _shapes(stats: MulticlassStats, weighted: bool) -> np.ndarray:
    """Gamma shapes of the cells (effective counts with weights), shape (G, k, k)."""
    if not weighted:
        return stats.n.astype(np.float64)
    w, w2 = stats.w, stats.w2
    tw, tw2 = w.sum(axis=(1, 2)), w2.sum(axis=(1, 2))
    ok = (tw > 0) & (tw2 > 0)
    scale = np.where(ok, tw2 / np.where(ok, tw, 1.0), 1.0)
    return np.where(ok[:, None, None], w / scale[:, None, None], 0.0)


def _draw(
    shape: np.ndarray, occurs: np.ndarray, b: int, rng: np.random.Generator, pooled: np.ndarray
) -> dict[str, np.ndarray]:
    """Replicates of the averages of groups (shape (groups, B) per metric), drawn a chunk of
    groups at a time; the replicate matrices are added to ``pooled`` (k, k, B)."""
    g, k = shape.shape[0], shape.shape[1]
    out = {m: np.full((g, b), np.nan) for m in AVERAGED_METRICS}
    size = max(1, (1 << 20) // max(1, k * k * b))
    for start in range(0, g, size):
        sl = slice(start, start + size)
        s = shape[sl]
        draws = rng.standard_gamma(np.broadcast_to((s + 0.5 / k)[..., None], (*s.shape, b)))
        pooled += draws.sum(axis=0)
        draws = np.moveaxis(draws, -1, 1)  # (groups, B, k, k)
        occ = np.broadcast_to(occurs[sl][:, None, :], draws.shape[:2] + (k,))
        reps = averaged_scores(draws, occurs=occ)
        for m in AVERAGED_METRICS:
            out[m][sl] = reps[m]
    return out


def average_bootstrap(
    stats: MulticlassStats,
    kept: np.ndarray,
    ref_index: int,
    config: AuditConfig,
    rng: np.random.Generator,
) -> AverageBootstrap:
    """The bootstrap of the averaged metrics: per kept group, percentile intervals, and the
    summary the disparities are computed from (None with the bootstrap off).

    The kept groups are drawn from ``rng`` in order, a chunk at a time; the suppressed ones
    (which count in the overall replicate only) from a generator spawned from it.
    """
    g = int(kept.sum())
    lower = {m: np.full(g, np.nan) for m in AVERAGED_METRICS}
    upper = {m: np.full(g, np.nan) for m in AVERAGED_METRICS}
    b = config.n_bootstrap
    if b == 0 or g == 0:
        return AverageBootstrap(lower, upper, None, {})
    k = stats.n_classes
    shape = _shapes(stats, config.weighted)
    # the classes that occur in each group stay those averaged over in every replicate
    occurs = (stats.n.sum(axis=2) > 0) | (stats.n.sum(axis=1) > 0)
    other_rng, summary_rng = rng.spawn(2)
    pooled = np.zeros((k, k, b))
    reps = _draw(shape[kept], occurs[kept], b, rng, pooled)
    if not kept.all():
        rest = _draw(shape[~kept], occurs[~kept], b, other_rng, pooled)
        full = {m: np.empty((stats.n_groups, b)) for m in AVERAGED_METRICS}
        for m in AVERAGED_METRICS:
            full[m][kept], full[m][~kept] = reps[m], rest[m]
    else:
        full = reps
    overall_reps = averaged_scores(np.moveaxis(pooled, -1, 0))
    values = averaged_scores(stats.w, stats.n)
    overall = {
        m: float(v[0])
        for m, v in averaged_scores(
            stats.w.sum(axis=0, keepdims=True), stats.n.sum(axis=0, keepdims=True)
        ).items()
    }
    zero = np.zeros((stats.n_groups, 4), dtype=np.int64)
    summary = summarise_bootstrap(
        ConfusionStats(zero, zero.astype(float), zero.astype(float)),
        values,
        overall,
        names=(),
        interval_names=AVERAGED_METRICS,
        kept=kept,
        ref_index=ref_index,
        n_bootstrap=b,
        confidence_level=config.confidence_level,
        rng=summary_rng,
        weighted=False,
        extra_replicates={m: full[m].T for m in AVERAGED_METRICS},
        extra_overall=overall_reps,
    )
    for m in AVERAGED_METRICS:
        lower[m], upper[m] = summary.group_interval(m)
    return AverageBootstrap(lower, upper, summary, {m: reps[m].T for m in AVERAGED_METRICS})


def _pvalues(reps: np.ndarray, diff: np.ndarray, ref_k: int) -> np.ndarray:
    """Two-sided p-values of each kept group's difference to the reference: the difference
    over the standard deviation of its bootstrap replicates, against the standard normal
    (NaN for the reference, and where the replicates give no spread)."""
    from scipy.stats import norm

    d = reps - reps[:, ref_k : ref_k + 1]
    d = np.where(np.isfinite(d), d, np.nan)
    finite = np.isfinite(d).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a group without finite replicates
        se = np.nanstd(d, axis=0, ddof=1)
    ok = (finite >= 2) & np.isfinite(diff) & np.isfinite(se) & (se > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(ok, 2.0 * norm.sf(np.abs(diff) / np.where(ok, se, 1.0)), np.nan)
    p[ref_k] = np.nan
    return p


def average_disparities(
    avg: dict[str, np.ndarray],
    overall: dict[str, float],
    boot: AverageBootstrap,
    ref_k: int,
    sizes: np.ndarray,
    shown: list[str],
    columns: pd.Index,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Disparities of the averaged metrics (rows of the disparities table, ``columns`` as
    the binary audit's) and each kept group against the reference (rows of ``to_reference``
    before the adjustment of p-values).

    ``avg``: the value of every kept group; ``sizes``: the rows of each kept group (for the
    ratio's interval when a value is 0); ``shown``: the groups as displayed.
    """
    names = list(AVERAGED_METRICS)
    v = np.stack([avg[m] for m in names])
    d, r = disp.between_groups(v)
    do, ro = disp.to_value(v, np.array([overall[m] for m in names]))
    dg, rg, dref, rref = disp.to_reference(v, ref_k)
    table = {
        "difference": d,
        "ratio": r,
        "difference_to_overall": do,
        "ratio_to_overall": ro,
        "difference_to_reference": dref,
        "ratio_to_reference": rref,
    }
    bounds = {
        key + end: np.full(len(names), np.nan)
        for key in disp.SUMMARIES
        for end in ("_lower", "_upper")
    }
    s = boot.summary
    others = np.arange(v.shape[1]) != ref_k
    ref_rows = []
    for i, m in enumerate(names):
        nan = np.full(v.shape[1], np.nan)
        dlo = dhi = rlo = rhi = p = nan
        if s is not None:
            found = {
                "difference": s.spread_interval([m], upper_bound=1.0),
                "ratio": s.spread_interval([m], ratio=True, trials=[sizes]),
                "difference_to_overall": s.target_interval(m, to="overall", upper_bound=1.0),
                "ratio_to_overall": s.target_interval(m, to="overall", ratio=True),
                "difference_to_reference": s.target_interval(m, to="reference", upper_bound=1.0),
                "ratio_to_reference": s.target_interval(m, to="reference", ratio=True),
            }
            for key, (lo, hi) in found.items():
                bounds[key + "_lower"][i], bounds[key + "_upper"][i] = lo, hi
            dlo, dhi, rlo, rhi = s.reference_intervals(m)
            p = _pvalues(boot.replicates[m], dg[i], ref_k)
        ref_rows.append(
            pd.DataFrame(
                {
                    "group": np.asarray(shown, dtype=object)[others],
                    "metric": m,
                    "value": v[i][others],
                    "reference_value": np.full(int(others.sum()), v[i][ref_k]),
                    "difference": dg[i][others],
                    "difference_lower": dlo[others],
                    "difference_upper": dhi[others],
                    "ratio": rg[i][others],
                    "ratio_lower": rlo[others],
                    "ratio_upper": rhi[others],
                    "p_value": p[others],
                }
            )
        )
    found_all = {**table, **bounds}
    frame = pd.DataFrame(
        {c: np.asarray(found_all[c], dtype=np.float64) for c in columns},
        index=pd.Index(names, name="metric"),
    )
    return frame, pd.concat(ref_rows, ignore_index=True)
