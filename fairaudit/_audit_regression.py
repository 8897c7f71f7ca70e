"""The regression audit: predictions that are numbers (a salary offer, a credit limit, a
0-100 risk score) audited by group.

validation -> :class:`~fairaudit.metrics._regression_stats.RegressionStats` and the sorted
rows -> :func:`analyse_regression` (values, bootstrap, disparities, tests, criteria) ->
:class:`~fairaudit.AuditResult` with the same tables as a binary audit. Values come from the
rows, exactly; intervals from the Poisson bootstrap of :mod:`.metrics._regression_bootstrap`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from . import _validation as v
from ._engine import _find_group, _reference_by_feature, _versions, stats_hash
from ._meta import AuditMeta
from ._result import AuditResult, with_marginals
from .metrics import _disparities as disp
from .metrics._analysis import (
    CRITERIA_COLUMNS,
    REFERENCE_COLUMNS,
    _criterion_reason,
    group_display,
)
from .metrics._config import AuditConfig
from .metrics._criteria import verdict
from .metrics._intervals import hold_value
from .metrics._regression_bootstrap import (
    histogram_replicates,
    moment_replicates,
    percentile_interval,
    support,
)
from .metrics._regression_criteria import (
    NO_TOLERANCE_REASON,
    REGRESSION_CRITERIA,
    regression_tolerances,
)
from .metrics._regression_intervals import (
    absolute_interval,
    deviation_interval,
    distance_bounds,
    distance_deviations,
    group_mean_interval,
    inverse_spread_interval,
    maximum_interval,
    mean_difference_interval,
    pair_deviations,
    quotient_interval,
    smd_interval,
    spread_interval,
)
from .metrics._regression_metrics import (
    QUANTILES,
    REGRESSION_METRICS,
    SortedRows,
    ValueOrder,
    distance_tables,
    effective_n,
    group_quantiles,
    ks_pvalues,
    mass_distances,
    mass_quantile,
    mean_and_variance,
    moment_metrics,
    regression_label,
    share_above,
    smd_matrix,
    welch_pvalues,
)
from .metrics._regression_stats import (
    RegressionStats,
    W,
    prediction_edges,
    regression_stats,
)
from .metrics._significance import adjust_family, two_proportion_pvalues
from .metrics._tables import INTERSECTION, AttributeTables

ERR_Y_PRED = "y_pred is required for a regression audit: the predicted numbers, one per row."
ERR_NOT_NUMERIC = (
    "{name} must hold numbers for task='regression'; found {dtype} values such as {examples}. "
    "For labels, audit decisions with task='binary' (two labels) or task='multiclass'."
)
ERR_BOOLEAN = "{name} holds booleans: these are decisions, not numbers; use task='binary'."
ERR_NONFINITE = (
    "{name} has {k} missing or infinite value(s) (first at row {first}); a regression audit "
    "needs a finite number in every row: drop or impute those rows."
)
ERR_LOOKS_BINARY = (
    "y_true and y_pred both hold only the values {values}: these look like yes/no decisions, "
    "not numbers; audit them with task='binary' (a score audited against 0/1 outcomes keeps "
    "task='regression' when the score takes more values)."
)
ERR_OPTION = (
    "{option} has no meaning in a regression audit (the predictions are numbers, not "
    "decisions); leave it out, or audit decisions with task='binary'."
)
ERR_Y_SCORE = (
    "y_score is for binary audits; in a regression audit the number audited is y_pred (pass "
    "a continuous score as y_pred)."
)
ERR_CI_METHOD = (
    "ci_method='wilson' is an interval for rates of binary decisions; a regression audit uses "
    "the bootstrap (ci_method='bootstrap', or n_bootstrap=0 for no intervals)."
)
ERR_METRICS = "metrics: unknown regression metric {metric!r}; known metrics are {known}."

NOTE_PAIRWISE = (
    "more than {limit} groups in {attribute}: the largest Wasserstein distance between two "
    "groups is not computed (each group's distance to the reference and to all rows is)"
)
WARN_CONSTANT = (
    "y_pred is the same number ({value:g}) for every row: the model does not discriminate, "
    "so distribution criteria say nothing about it; the overall verdict cannot be PASS."
)
PAIRWISE_LIMIT = 60

_DISTANCE_KEYS = {"ks_distance": "ks", "wasserstein_distance": "wasserstein"}


# ------------------------------------------------------------------------- validation
def _numbers(values: Any, name: str, n: int | None = None) -> np.ndarray:
    arr = v.check_1d(values, name) if not isinstance(values, np.ndarray) else values
    if n is not None:
        v.check_length(arr, n, name)
    if arr.dtype.kind == "b":
        raise TypeError(ERR_BOOLEAN.format(name=name))
    if arr.dtype.kind not in "iuf":
        converted = pd.to_numeric(pd.Series(arr, dtype=object), errors="coerce")
        bad = converted.isna() & pd.notna(pd.Series(arr, dtype=object))
        if bad.any():
            examples = [repr(x) for x in pd.unique(pd.Series(arr[bad.to_numpy()]))[:3]]
            raise TypeError(
                ERR_NOT_NUMERIC.format(name=name, dtype=arr.dtype, examples=", ".join(examples))
            )
        arr = converted.to_numpy(dtype=np.float64)
    arr = arr.astype(np.float64, copy=False)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            ERR_NONFINITE.format(name=name, k=int(bad.sum()), first=int(np.flatnonzero(bad)[0]))
        )
    return arr


def check_regression_inputs(
    y_true: np.ndarray, y_pred: Any, y_score: Any, options: AuditConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The outcomes and predictions as finite float64 arrays, or a clear error."""
    if y_score is not None:
        raise ValueError(ERR_Y_SCORE)
    if options.pos_label is not None:
        raise ValueError(ERR_OPTION.format(option="pos_label"))
    if options.threshold is not None:
        raise ValueError(ERR_OPTION.format(option="threshold"))
    if options.ci_method != "bootstrap":
        raise ValueError(ERR_CI_METHOD)
    if y_pred is None:
        raise ValueError(ERR_Y_PRED)
    yt = _numbers(y_true, "y_true")
    yp = _numbers(y_pred, "y_pred", len(yt))
    if _only_01(yt) and _only_01(yp):
        raise ValueError(ERR_LOOKS_BINARY.format(values="0 and 1"))
    return yt, yp


def _only_01(a: np.ndarray) -> bool:
    """Whether every value is 0 or 1 (one pass, no sort)."""
    return not bool(np.any((a != 0.0) & (a != 1.0)))


def _left_out(stats: RegressionStats) -> tuple[tuple[str, str], ...]:
    """The error criteria, when outcomes are 0/1 and the predictions a score on another scale
    (COMPAS deciles against reoffending): recorded with the reason in ``config``."""
    if not stats.has("true_not_01") and stats.has("pred_outside_01"):
        return tuple((c, SCALE_REASON) for c in ERROR_CRITERIA)
    return ()


def _metric_names(metrics: Any) -> tuple[str, ...]:
    if metrics is None:
        return tuple(REGRESSION_METRICS)
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    for m in names:
        if m not in REGRESSION_METRICS:
            raise ValueError(ERR_METRICS.format(metric=m, known=", ".join(REGRESSION_METRICS)))
    return ("count", *[m for m in REGRESSION_METRICS if m in names and m != "count"])


# ------------------------------------------------------------------------- the audit
def audit_regression(
    y_true: np.ndarray,
    y_pred: Any,
    *,
    sensitive_features: Any,
    y_score: Any = None,
    sample_weight: Any = None,
    options: AuditConfig,
    notes: tuple[str, ...] = (),
    score_bins: Any = None,
) -> AuditResult:
    """Audit numeric predictions by group (``fairaudit.audit(..., task="regression")``).

    See :func:`fairaudit.audit` for the parameters; ``score_bins`` declares the edges of the
    histograms of the prediction that the bootstrap of the distribution metrics uses.
    """
    yt, yp = check_regression_inputs(y_true, y_pred, y_score, options)
    n = len(yt)
    weight = v.check_sample_weight(sample_weight, n)
    groups = v.encode_groups(sensitive_features, n_samples=n, max_groups=options.max_groups)
    by_value = ValueOrder.of(yp, weight)  # one sort of the predictions for every attribute
    edges = prediction_edges(yp, score_bins, sorted_pred=by_value.x)
    stats = regression_stats(
        groups.codes,
        groups.n_groups,
        yt,
        yp,
        weight,
        edges,
        groups.labels,
        cross=options.n_bootstrap > 0,
    )
    config = _configure(options, stats)
    degenerate = []
    if yp.min() == yp.max():
        degenerate.append(WARN_CONSTANT.format(value=float(yp[0])))
        warnings.warn(degenerate[0], UserWarning, stacklevel=3)
    names = list(groups.names)
    attributes = [(INTERSECTION.join(names), groups.codes, stats)]
    if len(names) > 1:
        for feature in names:
            attributes.append((feature, groups.feature(feature).codes, stats.marginal(feature)))
    info = AuditMeta(
        n_samples=n,
        weighted=weight is not None,
        n_missing=dict(groups.n_missing),
        data_hash=stats_hash(groups.codes, yt, yp, weight),
        source="rows",
        name=config.name,
        has_scores=False,
        versions=_versions(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        notes=tuple(notes),
        degenerate=tuple(degenerate),
    )
    return _audit_attributes(attributes, names, config, by_value, info)


def _configure(options: AuditConfig, stats: RegressionStats) -> AuditConfig:
    return replace(
        options,
        tolerances=regression_tolerances(options.tolerances),
        metrics=_metric_names(options.metrics),
        weighted=stats.weighted,
        probabilistic=False,
        nonnegative_scores=not stats.has("pred_negative"),
        left_out=_left_out(stats),
    )


def _audit_attributes(
    attributes: list,
    names: list[str],
    config: AuditConfig,
    by_value: ValueOrder | None,
    info: AuditMeta,
) -> AuditResult:
    """The audit of every attribute (the intersection, then each feature): ``(attribute,
    codes or None, statistics)``; exact distribution metrics when ``by_value`` has the
    rows."""
    seeds = np.random.SeedSequence(config.seed).spawn(len(attributes))
    reference = _reference_by_feature(config.reference_group, names)
    run_notes = list(info.notes)
    tables = []
    for (attribute, codes, st), seed in zip(attributes, seeds, strict=True):
        ref, reason = _reference(reference, st, st.labels, attribute)
        if st.n_groups > PAIRWISE_LIMIT:
            run_notes.append(NOTE_PAIRWISE.format(limit=PAIRWISE_LIMIT, attribute=attribute))
        t = analyse_regression(
            st,
            codes,
            by_value,
            ref_index=ref,
            attribute=attribute,
            config=config,
            rng=np.random.default_rng(seed),
        )
        tables.append((attribute, st, reason, t))
    info = replace(info, notes=tuple(run_notes))
    results = [
        AuditResult(
            attribute=a,
            features=tuple(st.features),
            reference_reason=reason,
            settings=config,
            info=replace(info, n_missing={k: info.n_missing.get(k, 0) for k in st.features}),
            tables=t,
        )
        for a, st, reason, t in tables
    ]
    return with_marginals(results, names)


NOTE_BINNED = (
    "audited from statistics: counts, means, errors, R², standardized mean differences, "
    "Welch tests and the intervals of mean-based values are exact, as from the rows; the "
    "quantiles, the shares above the median and the Kolmogorov-Smirnov and Wasserstein "
    "distances come from the histograms of the predictions on the declared edges ({k} "
    "bins). Quantiles (and the overall median) are the histograms' inverted-cdf quantiles, "
    "in the same bin as the rows' (within {q:.4g}, the widest occupied bin); shares above "
    "the median are within {ks:.4g}; KS distances are never above the rows' and at most "
    "{ks:.4g} below (the largest share of a group's weight in one bin); Wasserstein "
    "distances are within {w1:.4g} (twice the largest mean bin width of a group); KS "
    "p-values are asymptotic."
)


def binned_bounds(stats: RegressionStats) -> dict[str, float]:
    """The error bounds of the values that audits from statistics take from histograms."""
    widths = np.diff(stats.edges)
    w = stats.hist_w
    tot = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), 0.0)
    occupied = w.sum(axis=0) > 0
    return {
        "k": len(widths),
        "q": float(widths[occupied].max()) if occupied.any() else 0.0,
        "ks": float(share.max(initial=0.0)),
        "w1": float(2.0 * (share * widths).sum(axis=1).max(initial=0.0)),
    }


def audit_regression_stats(stats: RegressionStats, *, options: AuditConfig) -> AuditResult:
    """The regression audit from merged statistics (``fairaudit.audit_from_stats`` with
    :class:`~.metrics._regression_stats.RegressionStats`): what ``audit(...,
    task="regression")`` gives on the same rows for every value from the moments and every
    interval of a mean-based value; the distribution metrics come from the histograms,
    within the bounds stated in ``meta["notes"]`` (:data:`NOTE_BINNED`)."""
    if not isinstance(stats, RegressionStats) or stats.labels is None:
        raise TypeError(ERR_STATS.format(type=type(stats).__name__))
    if not stats.has("true_not_01") and not stats.has("pred_not_01"):
        raise ValueError(ERR_LOOKS_BINARY.format(values="0 and 1"))
    if options.ci_method != "bootstrap":
        raise ValueError(ERR_CI_METHOD)
    if options.threshold is not None:
        raise ValueError(ERR_OPTION.format(option="threshold"))
    config = _configure(options, stats)
    names = [str(x) for x in stats.labels.names]
    attributes = [(INTERSECTION.join(names), None, stats)]
    if len(names) > 1:
        attributes += [(f, None, stats.marginal(f)) for f in names]
    info = AuditMeta(
        n_samples=int(stats.n.sum()),
        weighted=stats.weighted,
        n_missing={},
        data_hash=stats_hash(stats.n, stats.moments, stats.hist_n),
        source="statistics",
        name=config.name,
        has_scores=False,
        versions=_versions(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        notes=(NOTE_BINNED.format(**binned_bounds(stats)),),
    )
    return _audit_attributes(attributes, names, config, None, info)


ERR_STATS = (
    "audit_from_stats needs labelled statistics (fairaudit.metrics.regression_stats, "
    "ConfusionStats or MulticlassStats); got {type}."
)


def _reference(ref: dict | None, stats, labels: pd.Index, attribute: str) -> tuple[int, str]:
    names = stats.features
    if ref is None or not all(n in ref for n in names):
        i = int(np.argmax(stats.moments[:, W]))
        why = "" if ref is None else "; no reference named for every feature"
        return i, f"largest group ({int(stats.n[i])} rows{why})"
    value = tuple(ref[n] for n in names) if len(names) > 1 else ref[names[0]]
    return _find_group(labels, value, attribute), "named by the user"


# ------------------------------------------------------------------------- analysis
@dataclass
class _Values:
    """Point values and their bootstrap replicates (replicates None without a bootstrap)."""

    groups: dict[str, np.ndarray]
    overall: dict[str, float]
    group_reps: dict[str, np.ndarray] | None = None
    overall_reps: dict[str, np.ndarray] | None = None
    #: (effective) rows of each group and of all rows, for the small-sample expansion
    sizes: np.ndarray | None = None
    total_size: float = np.nan
    #: the moments of the groups and of all rows, and their replicates (B, G, k)
    moments: np.ndarray | None = None
    moment_reps: np.ndarray | None = None
    total_moments: np.ndarray | None = None
    total_reps: np.ndarray | None = None

    @property
    def smallest(self) -> float:
        return float(np.min(self.sizes)) if self.sizes is not None and len(self.sizes) else (np.nan)


def _distribution_from_masses(
    wk: np.ndarray, pooled: np.ndarray, sup: np.ndarray, ref: int, pairwise: bool
) -> tuple[dict, dict, dict, np.ndarray]:
    """Quantiles, shares above the median and distances from histogram masses
    ``wk`` (B, G, K) and ``pooled`` (B, K), and the distribution functions (B, G + 1, K),
    all rows last."""
    cum = np.cumsum(wk, axis=-1)
    pcum = np.cumsum(pooled, axis=-1)
    groups, overall = {}, {}
    for name, q in QUANTILES.items():
        groups[name] = mass_quantile(cum, sup, q)
        overall[name] = mass_quantile(pcum, sup, q)
    median = overall["median_prediction"]
    above = sup[None, :] > median[:, None]  # (B, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = cum[..., -1]
        groups["share_above_median"] = np.where(
            tot > 0, (wk * above[:, None, :]).sum(axis=-1) / np.where(tot > 0, tot, 1), np.nan
        )
        overall["share_above_median"] = (pooled * above).sum(axis=-1) / pcum[..., -1]
        cdf = (
            np.concatenate([cum, pcum[:, None, :]], axis=1)
            / np.concatenate([np.where(tot > 0, tot, np.nan), pcum[:, -1:]], axis=1)[..., None]
        )
    dist = mass_distances(cdf, sup, ref, pairwise)
    return groups, overall, dist, cdf


def analyse_regression(
    stats,
    codes: np.ndarray | None,
    rows_by_value: ValueOrder | None,
    *,
    ref_index: int,
    attribute: str,
    config: AuditConfig,
    rng: np.random.Generator,
) -> AttributeTables:
    """Every table of the regression audit of one attribute (the distribution metrics exact
    from the rows when ``rows_by_value`` is given, else from the histograms)."""
    labels = stats.labels
    display = [group_display(g) for g in labels]
    kept = np.ones(stats.n_groups, dtype=bool)
    if config.suppress_below is not None:
        kept = stats.n >= config.suppress_below
    if not kept[ref_index]:
        raise ValueError(
            f"reference_group {display[ref_index]!r} has {int(stats.n[ref_index])} rows, "
            f"fewer than suppress_below={config.suppress_below}; name a larger reference "
            "group."
        )
    ref = int(np.flatnonzero(kept).tolist().index(ref_index))
    kept_display = [d for d, k in zip(display, kept, strict=True) if k]
    ks = stats.take(kept)
    total = stats.total()
    pairwise = int(kept.sum()) <= PAIRWISE_LIMIT

    # point values: moments, then the sorted rows of the kept groups
    values = moment_metrics(ks.moments, ks.n)
    overall = {k: float(x[0]) for k, x in moment_metrics(total.moments, total.n).items()}
    if rows_by_value is not None:
        remap = np.full(stats.n_groups, -1)
        remap[kept] = np.arange(int(kept.sum()))
        rows = SortedRows.from_values(
            remap[codes] if not kept.all() else codes, int(kept.sum()), rows_by_value
        )
        for name, q in QUANTILES.items():
            values[name] = group_quantiles(rows, q)
            overall[name] = rows_by_value.quantile(q)
        median = overall["median_prediction"]
        values["share_above_median"] = share_above(rows, median)
        overall["share_above_median"] = rows_by_value.share_above(median)
        dist = distance_tables(rows, ref, pairwise_limit=PAIRWISE_LIMIT)
        ks_p = ks_pvalues(rows, dist["ks_to_reference"], ref)
    else:  # from the histograms, as the bootstrap resamples them
        hist = stats.hist_w[None]
        hg, ho, hd, _ = _distribution_from_masses(
            hist[:, kept], hist.sum(axis=1), support(stats), ref, pairwise
        )
        values.update({k: x[0] for k, x in hg.items()})
        overall.update({k: float(x[0]) for k, x in ho.items()})
        dist = {k: x[0] for k, x in hd.items()}
        ks_p = binned_ks_pvalues(dist["ks_to_reference"], ks, ref)
    smd_all = smd_matrix(np.concatenate([ks.moments, total.moments]))
    dist["smd_to_reference"] = smd_all[:-1, ref]
    dist["smd_to_overall"] = smd_all[:-1, -1]
    pair = smd_all[:-1, :-1].copy()
    np.fill_diagonal(pair, np.nan)  # a group against itself is not a comparison
    dist["smd_between"] = np.array(np.nanmax(np.abs(pair)) if np.isfinite(pair).any() else np.nan)
    point = _Values(
        values,
        overall,
        sizes=effective_n(ks.moments),
        total_size=float(effective_n(total.moments)[0]),
    )
    dist_reps = None
    if config.n_bootstrap > 0:
        dist_reps = _bootstrap(stats, kept, ref, point, dist, pairwise, config, rng)

    names = [m for m in config.metrics if m != "count"]
    nonneg = _nonnegative(config, not stats.has("true_negative"))
    by_group, lower, upper, overall_iv = _group_frames(point, names, labels[kept], config)
    disparities = _disparities(point, dist, dist_reps, names, ref, nonneg, config)
    to_reference = _to_reference(
        point, dist, dist_reps, names, ref, kept_display, nonneg, ks_p, ks, config
    )
    criteria = _criteria(point, dist, dist_reps, ref, kept_display, attribute, config)
    groups, undefined, denominators = _group_tables(
        ks, point, names, labels[kept], kept_display, config
    )
    return AttributeTables(
        overall=pd.Series({m: point.overall[m] for m in ["count", *names]}, dtype=float),
        overall_intervals=overall_iv,
        by_group=by_group,
        lower=lower,
        upper=upper,
        disparities=disparities,
        to_reference=to_reference,
        criteria=criteria,
        groups=groups,
        undefined=undefined,
        denominators=denominators,
        curves=_curves(ks, kept_display),
        reference_group=labels[ref_index],
        suppressed=tuple(display[j] for j in np.flatnonzero(~kept)),
    )


def _bootstrap(
    stats,
    kept,
    ref,
    point: _Values,
    dist: dict,
    pairwise: bool,
    config: AuditConfig,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Fill the replicates of ``point`` and return the replicates of the distances, with
    (keys ``error_*``) the replicates' bounds on the errors of the distances
    (:func:`~.metrics._regression_intervals.distance_deviations`,
    :func:`~.metrics._regression_intervals.pair_deviations`)."""
    b = config.n_bootstrap
    rng_m, rng_h = rng.spawn(2)
    # the histograms' replicates, in chunks; without weights their Poisson counts of rows per
    # bin are also the draws of the moments' bootstrap (one resampling for both)
    sup = support(stats)
    dx = np.append(np.diff(sup), 0.0)
    hist = stats.hist_w[None]
    hg, ho, hd, hcdf = _distribution_from_masses(
        hist[:, kept], hist.sum(axis=1), sup, ref, pairwise
    )
    chunk = max(1, (1 << 22) // max(1, stats.hist_w.size))
    parts: list[tuple[dict, dict, dict, dict]] = []
    mrep = np.empty((b, stats.n_groups, stats.moments.shape[1]))
    for s in range(0, b, chunk):
        e = min(s + chunk, b)
        reps = histogram_replicates(stats, e - s, rng_h)
        mrep[s:e] = moment_replicates(stats, e - s, rng_m, counts=None if stats.weighted else reps)
        g_r, o_r, d_r, cdf = _distribution_from_masses(
            reps[:, kept], reps.sum(axis=1), sup, ref, pairwise
        )
        parts.append((g_r, o_r, d_r, distance_deviations(cdf, hcdf[0], dx, ref, pairwise)))
    k_rep = mrep[:, kept]
    point.moments, point.moment_reps = stats.moments[kept], k_rep
    point.total_moments, point.total_reps = stats.total().moments, mrep.sum(axis=1)[:, None]
    group_reps = moment_metrics(k_rep, np.broadcast_to(stats.n[kept], k_rep.shape[:2]))
    tot_rep = mrep.sum(axis=1)
    overall_reps = {k: x for k, x in moment_metrics(tot_rep, np.full(b, stats.n.sum())).items()}
    smd = smd_matrix(np.concatenate([k_rep, tot_rep[:, None]], axis=1))
    dist_reps = {"smd_to_reference": smd[:, :-1, ref], "smd_to_overall": smd[:, :-1, -1]}
    pair = np.abs(smd[:, :-1, :-1])
    diagonal = np.arange(pair.shape[1])
    pair[:, diagonal, diagonal] = np.nan  # a group against itself is not a comparison
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dist_reps["smd_between"] = (
            np.nanmax(pair.reshape(b, -1), axis=1) if pair.size else (np.full(b, np.nan))
        )
    # Cohen's d is signed: the error of a largest |d| is at most the largest error of a d
    smd_point = smd_matrix(np.concatenate([stats.moments[kept], stats.total().moments]))
    with np.errstate(invalid="ignore"):
        dist_reps["error_smd_between"] = pair_deviations(smd[:, :-1, :-1], smd_point[:-1, :-1])
        dist_reps["error_smd_to_reference"] = np.abs(smd[:, :-1, ref] - smd_point[:-1, ref])
        dist_reps["error_smd_to_overall"] = np.abs(smd[:, :-1, -1] - smd_point[:-1, -1])
    # distribution metrics from the histograms, shifted onto the exact point values
    for i, (target, hpoint, exact) in enumerate(
        ((group_reps, hg, point.groups), (overall_reps, ho, point.overall))
    ):
        for name in hpoint:
            reps = np.concatenate([p[i][name] for p in parts])
            target[name] = reps + (np.asarray(exact[name]) - hpoint[name][0])
    for name in hd:
        dist_reps[name] = np.concatenate([p[2][name] for p in parts])
    # A distance between resampled groups carries their sampling noise on top of the true
    # distance, so its replicates sit above the estimate (far above it for similar groups);
    # its intervals come from the errors of the groups' distribution functions instead
    for name in parts[0][3]:
        dist_reps["error_" + name] = np.concatenate([p[3][name] for p in parts])
    point.group_reps, point.overall_reps = group_reps, overall_reps
    return dist_reps


def binned_ks_pvalues(ks_values: np.ndarray, stats: RegressionStats, ref: int) -> np.ndarray:
    """Asymptotic two-sided KS p-values of each group against the reference, from the
    distances of the histograms (``kstwo`` on the pair's effective size, Kish with
    weights)."""
    from scipy import stats as sp

    n_eff = effective_n(stats.moments) if stats.weighted else stats.n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        en = n_eff * n_eff[ref] / (n_eff + n_eff[ref])
    ok = np.isfinite(ks_values) & np.isfinite(en) & (en > 0)
    p = np.full(len(ks_values), np.nan)
    p[ok] = np.clip(sp.kstwo.sf(ks_values[ok], np.maximum(1, np.round(en[ok]))), 0.0, 1.0)
    p[ref] = np.nan
    return p


def _nonnegative(config: AuditConfig, outcomes_nonnegative: bool) -> set[str]:
    """Metrics whose ratios between groups mean something (no negative values)."""
    out = {m for m, d in REGRESSION_METRICS.items() if d.nonnegative}
    if config.nonnegative_scores:
        out |= {"mean_prediction", *QUANTILES}
    if outcomes_nonnegative:
        out.add("mean_outcome")
    return out


def _bounds(reps: np.ndarray | None, shape: tuple, level: float, n: object, value: Any = None):
    """Percentile bounds of one value per group (expanded for small groups), stretched to
    hold ``value`` where the replicates all fall on one side of it (a share above the
    median cannot exceed 1/2 overall, so neither can any replicate)."""
    if reps is None:
        return np.full(shape, np.nan), np.full(shape, np.nan)
    lo, hi = percentile_interval(reps, level, n=n)
    return (lo, hi) if value is None else hold_value(lo, hi, value)


def _group_frames(point: _Values, names: list[str], index: pd.Index, config: AuditConfig):
    level = config.confidence_level
    cols, lo, hi = {"count": point.groups["count"]}, {}, {}
    lo["count"] = hi["count"] = point.groups["count"]
    o_lo, o_hi = {"count": point.overall["count"]}, {"count": point.overall["count"]}
    for m in names:
        val = point.groups[m]
        cols[m] = val
        reps = None if point.group_reps is None else point.group_reps[m]
        welch = point.moment_reps is not None and REGRESSION_METRICS[m].test == "welch"
        if welch:
            a, b = group_mean_interval(point.moments, point.moment_reps, m, level, point.sizes)
        elif m == "root_mean_squared_error" and "mean_squared_error" in lo:
            # the square root of the mean squared error's limits (a monotone map)
            a, b = np.sqrt(lo["mean_squared_error"]), np.sqrt(hi["mean_squared_error"])
        else:
            a, b = _bounds(reps, val.shape, level, point.sizes, val)
        if REGRESSION_METRICS[m].nonnegative:
            a = np.maximum(a, 0.0)
        undefined = ~np.isfinite(val)
        lo[m], hi[m] = np.where(undefined, np.nan, a), np.where(undefined, np.nan, b)
        oreps = None if point.overall_reps is None else point.overall_reps[m]
        if welch:
            a, b = (
                x[0]
                for x in group_mean_interval(
                    point.total_moments, point.total_reps, m, level, point.total_size
                )
            )
        elif m == "root_mean_squared_error" and "mean_squared_error" in o_lo:
            a, b = np.sqrt(o_lo["mean_squared_error"]), np.sqrt(o_hi["mean_squared_error"])
        else:
            a, b = _bounds(oreps, (), level, point.total_size, point.overall[m])
        if REGRESSION_METRICS[m].nonnegative:
            a = max(float(a), 0.0)
        o_lo[m], o_hi[m] = float(a), float(b)
    frame = pd.DataFrame(cols, index=index).astype({"count": np.int64})
    order = ["count", *names]
    overall_iv = pd.DataFrame(
        {"lower": [o_lo[m] for m in order], "upper": [o_hi[m] for m in order]},
        index=pd.Index(order, name="metric"),
    )
    return (
        frame[order],
        pd.DataFrame(lo, index=index)[order],
        pd.DataFrame(hi, index=index)[order],
        overall_iv,
    )


def _summaries(v: np.ndarray, overall: np.ndarray, ref: int, ratio: bool):
    """difference, ratio, to overall and to reference summaries over the last axis."""
    d, r = disp.between_groups(v)
    do, ro = disp.to_value(v, overall)
    _, _, dref, rref = disp.to_reference(v, ref)
    out = {
        "difference": d,
        "ratio": r,
        "difference_to_overall": do,
        "ratio_to_overall": ro,
        "difference_to_reference": dref,
        "ratio_to_reference": rref,
    }
    if not ratio:
        for k in ("ratio", "ratio_to_overall", "ratio_to_reference"):
            out[k] = np.full(np.shape(d), np.nan)
    return out


def _distance_summaries(dist: dict, key: str) -> dict[str, np.ndarray]:
    nan = np.full(np.shape(dist[f"{key}_between"]), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        to_ref = np.nanmax(np.abs(dist[f"{key}_to_reference"]), axis=-1)
        to_all = np.nanmax(np.abs(dist[f"{key}_to_overall"]), axis=-1)
    return {
        "difference": np.abs(dist[f"{key}_between"]),
        "ratio": nan,
        "difference_to_overall": to_all,
        "ratio_to_overall": nan,
        "difference_to_reference": to_ref,
        "ratio_to_reference": nan,
    }


def _disparities(
    point: _Values,
    dist: dict,
    dist_reps: dict | None,
    names: list[str],
    ref: int,
    nonneg: set[str],
    config: AuditConfig,
) -> pd.DataFrame:
    rows = []
    level = config.confidence_level
    for m in names:
        est = _summaries(point.groups[m], np.asarray(point.overall[m]), ref, m in nonneg)
        bounds = None
        if point.group_reps is not None:
            bounds = _summary_intervals(point, m, ref, m in nonneg, level, config)
        rows.append(_disparity_row(m, est, bounds))
        if REGRESSION_METRICS[m].test == "welch":
            _two_group_gap(rows[-1], point, m, ref, level)
    for m, key in (
        ("standardized_mean_difference", "smd"),
        *((name, k) for name, k in _DISTANCE_KEYS.items()),
    ):
        est = _distance_summaries(dist, key)
        bounds = None
        if dist_reps is not None:
            bounds = _distance_intervals(est, dist_reps, key, ref, level, point.smallest)
        rows.append(_disparity_row(m, est, bounds))
        if key == "smd":
            _two_group_gap(rows[-1], point, "smd", ref, level)
    columns = ["metric"]
    for key in disp.SUMMARIES:
        columns += [key, key + "_lower", key + "_upper"]
    return pd.DataFrame(rows, columns=columns).set_index("metric")


def _two_group_gap(row: dict, point: _Values, metric: str, ref: int, level: float) -> None:
    """With two groups the gap between them (``difference``) and to the reference are |Δ|
    (or |d|) of the one pair: their interval is that of the to-reference comparison
    (studentized), as for the criteria, not a percentile interval of the replicates."""
    if point.moment_reps is None or len(point.sizes) != 2:
        return
    n = np.minimum(point.sizes, point.sizes[ref])
    if metric == "smd":
        lo, hi = smd_interval(point.moments, point.moment_reps, ref, level, n)
    else:
        lo, hi = mean_difference_interval(point.moments, point.moment_reps, metric, ref, level, n)
    a, b = absolute_interval(lo[1 - ref], hi[1 - ref])
    for key in ("difference", "difference_to_reference"):
        if np.isfinite(row[key]):
            row[key + "_lower"], row[key + "_upper"] = float(a), float(b)


def _disparity_row(metric: str, est: dict, bounds: dict | None) -> dict:
    row: dict[str, Any] = {"metric": metric}
    for key in disp.SUMMARIES:
        value = float(est[key])
        row[key] = value
        lo, hi = (np.nan, np.nan) if bounds is None or not np.isfinite(value) else bounds[key]
        row[key + "_lower"], row[key + "_upper"] = float(lo), float(hi)
    return row


#: Metrics whose values lie in [0, 1], so that their differences are at most 1.
_UNIT_METRICS = ("share_above_median",)


def _summary_intervals(
    point: _Values, metric: str, ref: int, ratio: bool, level: float, config: AuditConfig
) -> dict[str, tuple[float, float]]:
    """Simultaneous intervals of the disparity summaries of one group metric (the spread
    across groups, the largest deviation from the overall value and from the reference
    group): each bounds the errors of all groups at once, so that it holds its value
    (:func:`~.metrics._regression_intervals.spread_interval` and
    :func:`~.metrics._regression_intervals.deviation_interval`)."""
    est, reps = point.groups[metric], point.group_reps[metric]
    overall, overall_reps = float(point.overall[metric]), point.overall_reps[metric]
    n = point.smallest
    ub = 1.0 if metric in _UNIT_METRICS else np.inf
    # a share of exactly 0 has an exact upper limit on its (effective) number of rows
    trials = point.sizes if metric in _UNIT_METRICS else None
    others = np.arange(len(est)) != ref
    out = {
        "difference": spread_interval(est, reps, level, n=n, upper_bound=ub),
        "difference_to_overall": deviation_interval(
            est, reps, overall, overall_reps, level, n=n, upper_bound=ub
        ),
        "difference_to_reference": deviation_interval(
            est[others],
            reps[:, others],
            float(est[ref]),
            reps[:, ref],
            level,
            n=n,
            upper_bound=ub,
        ),
    }
    nan = (np.nan, np.nan)
    out["ratio"] = (
        spread_interval(est, reps, level, n=n, ratio=True, trials=trials) if ratio else nan
    )
    out["ratio_to_overall"] = (
        deviation_interval(est, reps, overall, overall_reps, level, n=n, ratio=True)
        if ratio
        else nan
    )
    out["ratio_to_reference"] = (
        deviation_interval(
            est[others],
            reps[:, others],
            float(est[ref]),
            reps[:, ref],
            level,
            n=n,
            ratio=True,
        )
        if ratio
        else nan
    )
    return out


def _distance_errors(dist_reps: dict, key: str, ref: int) -> dict[str, np.ndarray]:
    """Per replicate the bound on the error of each distance summary (the largest over the
    groups it is the largest of)."""
    to_ref = np.array(dist_reps[f"error_{key}_to_reference"], dtype=np.float64)
    to_ref[:, ref] = np.nan  # the reference against itself is no comparison
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "difference": dist_reps[f"error_{key}_between"],
            "difference_to_overall": np.fmax.reduce(dist_reps[f"error_{key}_to_overall"], axis=1),
            "difference_to_reference": np.fmax.reduce(to_ref, axis=1),
        }


def _distance_intervals(
    est: dict, dist_reps: dict, key: str, ref: int, level: float, n: float
) -> dict[str, tuple[float, float]]:
    """Intervals of the largest distances (between two groups, to all rows, to the
    reference): the distance ± the bound on its error, within [0, 1] for KS."""
    ub = 1.0 if key == "ks" else np.inf
    errors = _distance_errors(dist_reps, key, ref)
    out = {k: (np.nan, np.nan) for k in disp.SUMMARIES}
    for k, dev in errors.items():
        lo, hi = distance_bounds(np.asarray(est[k]), dev, level, n=n, upper_bound=ub)
        out[k] = (float(lo), float(hi))
    return out


def _to_reference(
    point: _Values,
    dist: dict,
    dist_reps: dict | None,
    names: list[str],
    ref: int,
    kept_display: list[str],
    nonneg: set[str],
    ks_p: np.ndarray,
    ks,
    config: AuditConfig,
) -> pd.DataFrame:
    level = config.confidence_level
    g = len(kept_display)
    others = np.arange(g) != ref
    groups = np.asarray(kept_display, dtype=object)[others]
    parts = []

    pair_n = np.minimum(point.sizes, point.sizes[ref])

    def add(
        metric, value, ref_value, diff, diff_reps, ratio, ratio_reps, p, bounds=None, flat=None
    ):
        if bounds is None:
            bounds = _bounds(diff_reps, diff.shape, level, pair_n, diff)
        lo, hi = bounds
        rlo, rhi = _bounds(ratio_reps, diff.shape, level, pair_n, ratio)
        if flat is not None and flat.any():
            # a group (or the reference) without spread: its replicates are one value, so
            # the ratio's come from the other group alone; bound it from both intervals
            q_lo, q_hi = quotient_interval(
                point.moments, point.moment_reps, metric, ref, level, point.sizes
            )
            # both groups' intervals hold their means, so this one holds the ratio; it is
            # undefined (NaN) where no row varies at all
            q_lo, q_hi = hold_value(q_lo, q_hi, ratio)
            use = flat & np.isfinite(ratio)
            rlo, rhi = np.where(use, q_lo, rlo), np.where(use, q_hi, rhi)
        cols = (
            groups,
            np.full(others.sum(), metric, dtype=object),
            value,
            ref_value,
            diff,
            lo,
            hi,
            ratio,
            rlo,
            rhi,
            p,
        )
        parts.append(
            {
                c: (a if a.shape[0] == others.sum() else a[others])
                for c, a in zip(REFERENCE_COLUMNS, cols, strict=True)
            }
        )

    for m in names:
        val = point.groups[m]
        refv = np.full(g, val[ref])
        diff = val - val[ref]
        reps = None if point.group_reps is None else point.group_reps[m]
        d_reps = None if reps is None else reps - reps[:, [ref]]
        if m in nonneg:
            ratio = disp._safe_div(val, refv)
            r_reps = None if reps is None else disp._safe_div(reps, reps[:, [ref]])
        else:
            ratio, r_reps = np.full(g, np.nan), None
        test = REGRESSION_METRICS[m].test
        if test == "welch":
            p = welch_pvalues(ks.moments, m, ref)
        elif m == "share_above_median":
            p = _share_pvalues(val, ks, ref, config)
        else:
            p = np.full(g, np.nan)
        bounds = flat = None
        if test == "welch" and point.moment_reps is not None:
            bounds = mean_difference_interval(
                point.moments, point.moment_reps, m, ref, level, pair_n
            )
            if m in nonneg:
                var = mean_and_variance(point.moments, m)[1]
                flat = (var == 0) | (var[ref] == 0)
        add(m, val, refv, diff, d_reps, ratio, r_reps, p, bounds, flat)
    for m, key in (
        ("standardized_mean_difference", "smd"),
        *((name, k) for name, k in _DISTANCE_KEYS.items()),
    ):
        val = dist[f"{key}_to_reference"]
        reps = None if dist_reps is None else dist_reps[f"{key}_to_reference"]
        # the test of equal means is the mean prediction's (one hypothesis, tested once)
        p = ks_p if m == "ks_distance" else np.full(g, np.nan)
        bounds = None
        if key == "smd" and point.moment_reps is not None:
            bounds = smd_interval(point.moments, point.moment_reps, ref, level, pair_n)
        elif dist_reps is not None:
            # the distance ± the bound on its error (see _distance_intervals)
            bounds = distance_bounds(
                val,
                dist_reps[f"error_{key}_to_reference"],
                level,
                n=pair_n,
                upper_bound=1.0 if key == "ks" else np.inf,
            )
        add(m, val, np.zeros(g), val, reps, np.full(g, np.nan), None, p, bounds)
    cols = {c: np.concatenate([r[c] for r in parts]) for c in REFERENCE_COLUMNS}
    cols["p_adjusted"] = adjust_family(
        cols["p_value"].astype(np.float64),
        cols["metric"].astype(object),
        cols["group"].astype(object),
        config.correction,
        config.correction_scope,
    )
    adj = cols["p_adjusted"]
    cols["significant"] = np.isfinite(adj) & (adj < 1.0 - config.confidence_level)
    return pd.DataFrame(cols)


def _share_pvalues(share: np.ndarray, ks, ref: int, config: AuditConfig) -> np.ndarray:
    """Two-proportion tests of the shares above the median (on Kish effective sizes)."""
    n_eff = effective_n(ks.moments) if config.weighted else ks.n.astype(np.float64)
    succ = np.where(np.isfinite(share), share, 0.0) * n_eff
    if not config.weighted:
        succ = np.round(succ)
    p = two_proportion_pvalues(succ, n_eff, succ[ref], n_eff[ref], exact=not config.weighted)
    p[ref] = np.nan
    return p


def _criterion_values(groups: dict, dist: dict) -> dict[str, tuple[np.ndarray, str]]:
    """Each criterion's value (from point values or one replicate set) and its metric."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mae = groups["mean_absolute_error"]
        mse = groups["mean_squared_error"]
        d, _ = disp.between_groups(groups["mean_prediction"])
        _, srr = disp.between_groups(groups["share_above_median"])
        hi, lo = np.fmax.reduce(mae, axis=-1), np.fmin.reduce(mae, axis=-1)
        enough = np.isfinite(mae).sum(axis=-1) >= 2
        ratio = np.where(
            enough & (lo > 0),
            hi / np.where(lo > 0, lo, 1.0),
            np.where(enough & (hi == 0), 1.0, np.where(enough, np.inf, np.nan)),
        )
        return {
            "mean_difference": d,
            "smd": np.abs(dist["smd_between"]),
            "ks_distance": dist["ks_between"],
            "max_group_error_ratio": ratio,
            "bounded_group_loss": np.fmax.reduce(mse, axis=-1),
            "scoring_rate_ratio": srr,
        }


#: Criteria that compare errors, which need outcomes on the scale of the predictions.
ERROR_CRITERIA = ("max_group_error_ratio", "bounded_group_loss")
SCALE_REASON = (
    "not evaluated: y_true holds only 0 and 1 while y_pred is a score outside [0, 1], so "
    "errors compare numbers on different scales; the distribution criteria still apply"
)

_CRITERION_METRIC = {
    "mean_difference": "mean_prediction",
    "smd": "mean_prediction",
    "ks_distance": "median_prediction",
    "max_group_error_ratio": "mean_absolute_error",
    "bounded_group_loss": "mean_squared_error",
    "scoring_rate_ratio": "share_above_median",
}


def _criteria(
    point: _Values,
    dist: dict,
    dist_reps: dict | None,
    ref: int,
    kept_display: list[str],
    attribute: str,
    config: AuditConfig,
) -> pd.DataFrame:
    est = _criterion_values(point.groups, dist)
    bounds = None
    if point.group_reps is not None and dist_reps is not None:
        bounds = _criterion_intervals(point, dist, dist_reps, ref, config.confidence_level)
    rows = []
    for name, crit in REGRESSION_CRITERIA.items():
        value = float(est[name])
        lo = hi = np.nan
        if bounds is not None and np.isfinite(value):
            lo, hi = (float(x) for x in bounds[name])
            if name in _TWO_GROUP_INTERVALS and len(kept_display) == 2:
                lo, hi = _two_group_interval(name, point, ref, config.confidence_level)
        tolerance = config.tolerances.get(name, np.nan)
        worst, best = _extremes(name, point, dist, ref, kept_display)
        if name in ERROR_CRITERIA and config.left_out:
            result, reason = "n/a", config.left_out[0][1]
        elif not np.isfinite(tolerance):
            result, reason = "n/a", NO_TOLERANCE_REASON.format(name=name)
        else:
            result = verdict(
                crit.kind, value, lo, hi, tolerance, interval_expected=config.n_bootstrap > 0
            )
            reason = _reason(name, value, lo, hi, point, config)
        rows.append(
            (
                attribute,
                name,
                crit.metrics[0],
                crit.kind,
                value,
                lo,
                hi,
                tolerance,
                result,
                worst,
                best,
                reason,
            )
        )
    return pd.DataFrame(rows, columns=list(CRITERIA_COLUMNS))


def _criterion_intervals(
    point: _Values, dist: dict, dist_reps: dict, ref: int, level: float
) -> dict[str, tuple[float, float]]:
    """The criteria's intervals. Each criterion is an extremal value over the groups (a
    spread, a ratio of the smallest to the largest, a largest value or distance), whose
    bootstrap replicates are biased away from it: every interval bounds the errors of all
    groups (or pairs) at once, so that it holds the value and covers the truth
    (:mod:`.metrics._regression_intervals`)."""
    g, r, n = point.groups, point.group_reps, point.smallest
    ks_errors = _distance_errors(dist_reps, "ks", ref)
    smd_errors = _distance_errors(dist_reps, "smd", ref)
    return {
        "mean_difference": spread_interval(g["mean_prediction"], r["mean_prediction"], level, n=n),
        "smd": distance_bounds(np.abs(dist["smd_between"]), smd_errors["difference"], level, n=n),
        "ks_distance": distance_bounds(
            dist["ks_between"], ks_errors["difference"], level, n=n, upper_bound=1.0
        ),
        "max_group_error_ratio": inverse_spread_interval(
            g["mean_absolute_error"], r["mean_absolute_error"], level, n=n
        ),
        "bounded_group_loss": maximum_interval(
            point.moments, point.moment_reps, "mean_squared_error", level, point.sizes
        ),
        "scoring_rate_ratio": spread_interval(
            g["share_above_median"],
            r["share_above_median"],
            level,
            n=n,
            ratio=True,
            trials=point.sizes,
        ),
    }


#: Criteria whose interval for two groups is that of |θ| for the one comparison θ.
_TWO_GROUP_INTERVALS = ("mean_difference", "smd")


def _two_group_interval(name: str, point: _Values, ref: int, level: float) -> tuple[float, float]:
    """With two groups ``mean_difference`` is |Δ| and ``smd`` is |d| of the one pair: their
    interval comes from the bootstrap-t / large-sample interval of Δ or d
    (:mod:`.metrics._regression_intervals`), not from percentiles of the replicates."""
    row = {"difference": 0.0, "difference_to_reference": np.nan}
    _two_group_gap(row, point, "smd" if name == "smd" else "mean_prediction", ref, level)
    return row["difference_lower"], row["difference_upper"]


def _extremes(
    name: str, point: _Values, dist: dict, ref: int, kept_display: list[str]
) -> tuple[str | None, str | None]:
    """The groups behind a criterion's value: the worst and the best (or the reference)."""
    if name in ("smd", "ks_distance"):
        key = "smd" if name == "smd" else "ks"
        far = np.abs(dist[f"{key}_to_reference"])
        if not np.isfinite(far).any():
            return None, None
        return kept_display[int(np.nanargmax(far))], kept_display[ref]
    m = _CRITERION_METRIC[name]
    lo, hi = disp.extremes(point.groups[m])
    if lo < 0:
        return None, None
    worst_high = name != "scoring_rate_ratio"
    worst, best = (hi, lo) if worst_high else (lo, hi)
    return kept_display[worst], kept_display[best]


def _reason(
    name: str, value: float, lo: float, hi: float, point: _Values, config: AuditConfig
) -> str:
    """Why a criterion's value or interval is missing (the binary criteria's wording)."""
    if name == "max_group_error_ratio" and np.isinf(value):
        return "the best group's mean absolute error is 0: the ratio is infinite"
    metric = _CRITERION_METRIC[name]
    if (
        np.isfinite(value)
        and not (np.isfinite(lo) and np.isfinite(hi))
        and REGRESSION_METRICS[metric].test == "welch"
        and point.total_moments is not None
        and mean_and_variance(point.total_moments, metric)[1] == 0
    ):
        row_value = regression_label(metric).lower().removeprefix("mean ")
        return NO_SPREAD_REASON.format(value=row_value)
    return _criterion_reason(value, lo, hi, metric, point.groups, config)


#: Why a mean-based criterion has no interval when no row's value varies.
NO_SPREAD_REASON = (
    "no interval: every row has the same {value} (every prediction exact, say), so nothing "
    "estimates how much it could vary; the data cannot support a verdict"
)


def _undefined_reason(metric: str, n: int, w: float) -> str:
    if not w > 0:
        return "the group's sample weights sum to 0"
    if metric == "r2":
        if n == 1:
            return "a group of one row: R² needs outcomes that vary"
        return "the group's outcomes do not vary (zero variance): R² is undefined"
    return "the group has no rows with weight"


def _group_tables(
    ks,
    point: _Values,
    names: list[str],
    index: pd.Index,
    kept_display: list[str],
    config: AuditConfig,
):
    weight = ks.moments[:, W]
    groups = pd.DataFrame(
        {
            "count": ks.n.astype(np.int64),
            "weight": weight,
            "share": weight / weight.sum(),
            "mean_outcome": point.groups["mean_outcome"],
            "small": ks.n < config.min_group_size,
        },
        index=index,
    )
    rows = []
    for m in names:
        for j in np.flatnonzero(~np.isfinite(point.groups[m])):
            rows.append(
                {
                    "group": kept_display[j],
                    "metric": m,
                    "reason": _undefined_reason(m, int(ks.n[j]), float(weight[j])),
                }
            )
    undefined = pd.DataFrame(rows, columns=["group", "metric", "reason"])
    n_eff = effective_n(ks.moments) if config.weighted else ks.n.astype(np.float64)
    den = {"count": np.full(len(index), np.nan)}
    den.update({m: n_eff for m in names})
    return groups, undefined, pd.DataFrame(den, index=index)[["count", *names]]


def _curves(ks, kept_display: list[str]) -> dict[str, pd.DataFrame]:
    """Per group (and all rows) the histogram of the predictions, for the report's charts."""
    w = np.concatenate([ks.hist_w, ks.hist_w.sum(axis=0, keepdims=True)])
    names = [*kept_display, "(all)"]
    k = w.shape[1]
    tot = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), np.nan)
    return {
        "distribution": pd.DataFrame(
            {
                "group": np.repeat(names, k),
                "bin_lower": np.tile(ks.edges[:-1], len(names)),
                "bin_upper": np.tile(ks.edges[1:], len(names)),
                "weight": w.ravel(),
                "share": share.ravel(),
            }
        )
    }
