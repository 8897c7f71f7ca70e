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

Each group's own interval starts from the percentile interval of its replicates and is
corrected for small samples, as the percentile interval alone covers the average of a group
of 20 rows only 0.80 to 0.90 of the time (a macro average over classes of a few rows each is
a mean of ratios of small counts, skewed and discrete). The Bayesian bootstrap's spread of a
proportion of ``m`` rows is ``p(1 - p) / (m + 1)`` where the unbiased estimate of its
sampling variance is ``p(1 - p) / (m - 1)``, the delete-one-row jackknife's. So, with
:func:`jackknife_averages` (exact, from the k x k counts):

* the percentile limits' distances from the point value are stretched by
  ``max(1, jackknife SE / bootstrap SD)``, and by ``t(df) / z`` for the quantile: for a macro
  average ``df`` is Satterthwaite's over the classes' parts of the jackknife variance, each
  estimated from the class's own rows (at least 2), for a weighted one the group's rows - 1;
* the interval is moved by the jackknife estimate of the average's bias (a macro F1 of few
  rows is biased low), then widened to hold the point value, and kept in [0, 1].

At 200 rows per group the stretch is a few per cent; the coverage is shown in
docs/auditing.md (multiclass section) and tested in tests/test_audit_multiclass_coverage.py.

The test of each group against the reference is a Wald test on the bootstrap: the
difference over the standard deviation of its replicates, two-sided against the standard
normal (p-values as small as the evidence, unlike the share of replicates beyond 0, whose
floor of 1/B would not survive an adjustment for many comparisons).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _disparities as disp
from ._analysis import REFERENCE_COLUMNS
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
_MACRO = (
    "unweighted mean over the classes that occur in the group (observed or predicted) of "
    "each class's {what}, every class counting once (scikit-learn's macro average)"
)
_WEIGHTED = (
    "mean over the classes of each class's {what}, weighted by the class's (weighted) "
    "number of observed rows in the group (scikit-learn's weighted average)"
)
_RECALL = "recall (true positive rate, one-vs-rest)"
_PRECISION = "precision (one-vs-rest; 0 for a class never predicted)"
_F1 = "F1, 2 \u00b7 precision \u00b7 recall / (precision + recall)"
#: How each average is named in reports.
AVERAGE_LABELS: dict[str, str] = {
    "macro_recall": "Macro recall",
    "macro_precision": "Macro precision",
    "macro_f1": "Macro F1",
    "weighted_recall": "Weighted recall",
    "weighted_precision": "Weighted precision",
    "weighted_f1": "Weighted F1",
}
#: What each average is (as :func:`._multiclass_stats.averaged_scores` computes it).
AVERAGE_DESCRIPTIONS: dict[str, str] = {
    "macro_recall": _MACRO.format(what=_RECALL),
    "macro_precision": _MACRO.format(what=_PRECISION),
    "macro_f1": _MACRO.format(what=_F1),
    "weighted_recall": _WEIGHTED.format(what=_RECALL) + "; it equals the accuracy",
    "weighted_precision": _WEIGHTED.format(what=_PRECISION),
    "weighted_f1": _WEIGHTED.format(what=_F1),
}
_NO_BOUNDS = (float("nan"), float("nan"))


@dataclass(frozen=True, eq=False)
class AverageBootstrap:
    """What the bootstrap of the averages gives (groups in kept order)."""

    lower: dict[str, np.ndarray]
    upper: dict[str, np.ndarray]
    summary: BootstrapSummary | None
    #: replicates per metric, shape (B, kept groups)
    replicates: dict[str, np.ndarray]
    #: interval of the value of all rows pooled, per metric (NaN with the bootstrap off)
    overall: dict[str, tuple[float, float]] = field(default_factory=dict)


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
    jack = jackknife_averages(stats.w[kept], stats.n[kept])
    pooled_jack = jackknife_averages(
        stats.w.sum(axis=0, keepdims=True), stats.n.sum(axis=0, keepdims=True)
    )
    pooled_iv = {}
    for m in AVERAGED_METRICS:
        lo, hi = summary.group_interval(m)
        lower[m], upper[m] = small_sample_interval(
            values[m][kept], lo, hi, reps[m], jack[m], config.confidence_level
        )
        olo, ohi = summary.overall_interval(m)
        olo, ohi = small_sample_interval(
            np.array([overall[m]]),
            np.array([olo]),
            np.array([ohi]),
            overall_reps[m][None, :],
            pooled_jack[m],
            config.confidence_level,
        )
        pooled_iv[m] = (float(olo[0]), float(ohi[0]))
    return AverageBootstrap(
        lower, upper, summary, {m: reps[m].T for m in AVERAGED_METRICS}, pooled_iv
    )


@dataclass(frozen=True)
class Jackknife:
    """The delete-one-row jackknife of an average, per group."""

    #: standard error, ``sqrt((N - 1) / N * sum_i (theta_(i) - theta_(.))^2)``
    se: np.ndarray
    #: bias estimate, ``(N - 1) * (theta_(.) - theta)``
    bias: np.ndarray
    #: degrees of freedom of the variance estimate (see :func:`jackknife_averages`)
    df: np.ndarray


def _class_rates(d: np.ndarray, s: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
    """Recall, precision and F1 of classes from their correct, true and predicted totals
    (0 for 0/0, as :func:`averaged_scores`)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        both = s + p
        return {
            "recall": np.where(s > 0, d / np.where(s > 0, s, 1.0), 0.0),
            "precision": np.where(p > 0, d / np.where(p > 0, p, 1.0), 0.0),
            "f1": np.where(both > 0, 2.0 * d / np.where(both > 0, both, 1.0), 0.0),
        }


def jackknife_averages(w: np.ndarray, n: np.ndarray) -> dict[str, Jackknife]:
    """The delete-one-row jackknife of the six averages of groups' k x k matrices.

    Deleting a row of cell ``(i, j)`` (observed class i, predicted j; with weights, a row
    of the cell's mean weight) changes only classes i and j, so every leave-one-out value is
    computed in closed form, once per cell, and weighted by the cell's rows: no row is
    visited. The classes averaged over are recomputed after each deletion, as
    :func:`averaged_scores` would on the remaining rows.

    The degrees of freedom: of a macro average, Satterthwaite's
    ``(sum_c V_c)^2 / sum_c V_c^2 / (m_c - 1)`` over the parts ``V_c`` of the jackknife
    variance from the rows of each observed class (``m_c`` rows), and the same over the
    predicted classes, the smaller of the two; of a weighted average, the group's rows - 1.

    Parameters
    ----------
    w, n : ndarray, shape (G, k, k)
        Weights and rows per cell.

    Returns
    -------
    dict of str to Jackknife
    """
    k = w.shape[1]
    cnt = n.astype(np.float64)
    big_n = cnt.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(cnt > 0, w / np.where(cnt > 0, cnt, 1.0), 0.0)
    d = np.diagonal(w, axis1=1, axis2=2)
    s, p = w.sum(axis=2), w.sum(axis=1)
    ns, npred = n.sum(axis=2), n.sum(axis=1)
    occ = (ns > 0) | (npred > 0)
    eye = np.eye(k, dtype=bool)
    off = ~eye
    ii = np.broadcast_to(np.arange(k)[:, None], (k, k))
    jj = np.broadcast_to(np.arange(k)[None, :], (k, k))

    def at_i(x: np.ndarray) -> np.ndarray:  # class i's value at cell (i, j), (G, k, k)
        return x[:, ii]

    def at_j(x: np.ndarray) -> np.ndarray:  # class j's value at cell (i, j)
        return x[:, jj]

    diag_u = np.where(eye, u, 0.0)
    d_i, s_i, p_i = at_i(d) - diag_u, at_i(s) - u, at_i(p) - diag_u
    occ_i = (at_i(ns) > 1) | (at_i(npred) - eye > 0)
    d_j, s_j, p_j = at_j(d), at_j(s), at_j(p) - u
    occ_j = (at_j(ns) > 0) | (at_j(npred) > 1)
    n_occ = occ.sum(axis=1)[:, None, None] - at_i(occ) - (off & at_j(occ)) + occ_i + (off & occ_j)
    total = s.sum(axis=1)[:, None, None] - u
    base = _class_rates(d, s, p)
    new_i, new_j = _class_rates(d_i, s_i, p_i), _class_rates(d_j, s_j, p_j)
    values = averaged_scores(w, n)
    out = {}
    for name, x in base.items():
        xi, xj = new_i[name], new_j[name]
        macro_sum = (
            np.where(occ, x, 0.0).sum(axis=1)[:, None, None]
            - np.where(at_i(occ), at_i(x), 0.0)
            - np.where(off & at_j(occ), at_j(x), 0.0)
            + np.where(occ_i, xi, 0.0)
            + np.where(off & occ_j, xj, 0.0)
        )
        xs = x * s
        weighted_sum = (
            xs.sum(axis=1)[:, None, None]
            - at_i(xs)
            - np.where(off, at_j(xs), 0.0)
            + xi * s_i
            + np.where(off, xj * s_j, 0.0)
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            loo = {
                f"macro_{name}": macro_sum / n_occ,
                f"weighted_{name}": weighted_sum / total,
            }
        for metric, theta in loo.items():
            out[metric] = _summarise_jackknife(
                theta, cnt, big_n, values[metric], ns, npred, metric.startswith("macro")
            )
    return out


def _summarise_jackknife(
    theta: np.ndarray,
    cnt: np.ndarray,
    big_n: np.ndarray,
    value: np.ndarray,
    ns: np.ndarray,
    npred: np.ndarray,
    macro: bool,
) -> Jackknife:
    """SE, bias and degrees of freedom from the leave-one-out values of every cell."""
    # a deletion that leaves no row (or no weight) has no value: it counts as the mean
    ok = (cnt > 0) & np.isfinite(theta)
    theta = np.where(ok, theta, 0.0)
    c = np.where(ok, cnt, 0.0)
    m = c.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c * theta).sum(axis=(1, 2)) / m
        part = c * (theta - mean[:, None, None]) ** 2 * ((big_n - 1) / big_n)[:, None, None]
        se = np.sqrt(part.sum(axis=(1, 2)))
        bias = (big_n - 1) * (mean - value)
        if macro:
            dfs = []
            for v_c, m_c in ((part.sum(axis=2), ns), (part.sum(axis=1), npred)):
                den = np.where(
                    m_c > 1, v_c**2 / np.maximum(m_c - 1, 1), np.where(v_c > 0, np.inf, 0.0)
                )
                dfs.append(
                    np.where(den.sum(axis=1) > 0, v_c.sum(axis=1) ** 2 / den.sum(axis=1), np.inf)
                )
            df = np.minimum(*dfs)
        else:
            df = big_n - 1.0
    good = (big_n > 1) & (m > 0)
    return Jackknife(
        se=np.where(good, se, np.nan),
        bias=np.where(good & np.isfinite(bias), bias, 0.0),
        df=np.where(good, df, np.nan),
    )


#: The fewest degrees of freedom of a t quantile (below 2 a t variable has no variance).
MIN_DF = 2.0


def small_sample_interval(
    value: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    replicates: np.ndarray,
    jack: Jackknife,
    confidence_level: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each group's interval of an average: the percentile interval ``[lower, upper]`` of
    its ``replicates`` (groups x B), its distances from ``value`` stretched by
    ``max(1, jackknife SE / bootstrap SD) * t(df) / z``, moved by the jackknife bias, then
    widened to hold ``value`` and kept in [0, 1]. NaN where ``value`` is undefined."""
    from scipy.stats import norm, t

    z = norm.ppf(0.5 + confidence_level / 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a group without finite replicates
        sd = np.nanstd(np.where(np.isfinite(replicates), replicates, np.nan), axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        stretch = np.where(np.isfinite(jack.se) & (sd > 0), np.maximum(1.0, jack.se / sd), 1.0)
        df = np.where(np.isfinite(jack.df), np.maximum(jack.df, MIN_DF), np.inf)
        stretch = stretch * t.ppf(0.5 + confidence_level / 2.0, df) / z
        centre = value - jack.bias
        lo = centre - stretch * np.maximum(value - lower, 0.0)
        hi = centre + stretch * np.maximum(upper - value, 0.0)
        lo = np.clip(np.minimum(lo, value), 0.0, 1.0)
        hi = np.clip(np.maximum(hi, value), 0.0, 1.0)
    bad = ~(np.isfinite(value) & np.isfinite(lower) & np.isfinite(upper))
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


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


#: The numeric columns of the comparisons with the reference, in order.
_REFERENCE_NUMBERS = REFERENCE_COLUMNS[2:]


def average_disparities(
    avg: dict[str, np.ndarray],
    overall: dict[str, float],
    boot: AverageBootstrap,
    ref_k: int,
    sizes: np.ndarray,
    shown: list[str],
    columns: pd.Index,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Disparities of the averaged metrics (rows of the disparities table, ``columns`` as
    the binary audit's) and each kept group against the reference (rows of ``to_reference``
    before the adjustment of p-values, as arrays by column).

    ``avg``: the value of every kept group; ``sizes``: the rows of each kept group (for the
    ratio's interval when a value is 0); ``shown``: the groups as displayed.
    """
    names = list(AVERAGED_METRICS)
    v = np.stack([avg[m] for m in names])
    table, dg, rg = disp.summaries(v, np.array([overall[m] for m in names]), ref_k)
    bounds = {
        key + end: np.full(len(names), np.nan)
        for key in disp.SUMMARIES
        for end in ("_lower", "_upper")
    }
    s = boot.summary
    others = np.arange(v.shape[1]) != ref_k
    n_others = int(others.sum())
    # the comparisons with the reference, metric by metric: one array per column
    ref_cols: dict[str, list[np.ndarray]] = {c: [] for c in _REFERENCE_NUMBERS}
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
        for c, a in zip(
            _REFERENCE_NUMBERS,
            (v[i], np.full(v.shape[1], v[i][ref_k]), dg[i], dlo, dhi, rg[i], rlo, rhi, p),
            strict=True,
        ):
            ref_cols[c].append(a[others])
    found_all = {**table, **bounds}
    frame = pd.DataFrame(
        np.column_stack([np.asarray(found_all[c], dtype=np.float64) for c in columns]),
        index=pd.Index(names, name="metric"),
        columns=columns,
    )
    to_reference = {
        "group": np.tile(np.asarray(shown, dtype=object)[others], len(names)),
        "metric": np.repeat(np.asarray(names, dtype=object), n_others),
        **{c: np.concatenate(parts) for c, parts in ref_cols.items()},
    }
    return frame, to_reference
