"""From sufficient statistics to every table of an audit: values, intervals, disparities,
tests and criteria. Pure functions of the statistics; no access to the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from . import _disparities as disp
from ._bootstrap import summarise_bootstrap
from ._config import AuditConfig
from ._criteria import CRITERIA, TESTED_CRITERIA, criterion_value, verdict
from ._four_fifths_criterion import four_fifths_row
from ._intervals import bootstrap_scores, effective_size, modified_wilson_interval
from ._registry import (
    COUNT_METRICS,
    RATES,
    SCORE_METRICS,
    UNDEFINED_REASONS,
    count_metrics,
    ece_bins,
    rate_parts,
    score_metrics,
)
from ._significance import adjust_family, two_proportion_pvalues
from ._stats import ConfusionStats, ScoreStats, histogram_auc
from ._tables import AttributeTables

#: Number of thresholds kept in the stored threshold/ROC curves.
_CURVE_POINTS = 101
#: Bounds of an interval that is not formed.
_NO_BOUNDS = (float("nan"), float("nan"))


def _bounded(metric: str, config: AuditConfig) -> bool:
    """Whether a metric lives in [0, 1] (so differences do too)."""
    return metric != "mean_score" or config.probabilistic


def _trials(conf: ConfusionStats, metric: str, kept: np.ndarray, config: AuditConfig) -> np.ndarray:
    """Rows in each group's denominator of a rate (Kish effective size with weights)."""
    if metric not in RATES:
        return np.full(int(kept.sum()), np.nan)
    if not config.weighted:
        return rate_parts(conf.n[kept].astype(np.float64), metric)[1]
    _, den = rate_parts(conf.w[kept], metric)
    _, den2 = rate_parts(conf.w2[kept], metric)
    return effective_size(den, den2)


def _denominators(conf: ConfusionStats, metric: str, config: AuditConfig) -> np.ndarray:
    """Observations each group's value of ``metric`` rests on (rows; Kish size with weights).

    A rate rests on its denominator (actual positives for the true positive rate, predicted
    positives for the positive predictive value, ...); the AUC on the smaller of the group's
    actual positives and negatives; other score metrics and the balanced accuracy on the group.
    NaN for ``count``.
    """
    if metric == "count":
        return np.full(conf.n_groups, np.nan)
    every = np.ones(conf.n_groups, dtype=bool)
    if metric in RATES:
        return _trials(conf, metric, every, config)
    if config.weighted:
        w, w2 = conf.w, conf.w2
        pos = effective_size(w[:, 2:].sum(axis=1), w2[:, 2:].sum(axis=1))
        neg = effective_size(w[:, :2].sum(axis=1), w2[:, :2].sum(axis=1))
    else:
        pos = conf.n[:, 2:].sum(axis=1).astype(np.float64)
        neg = conf.n[:, :2].sum(axis=1).astype(np.float64)
    if metric in ("roc_auc", "balanced_accuracy"):
        return np.minimum(pos, neg)
    if config.weighted:
        return effective_size(conf.w.sum(axis=1), conf.w2.sum(axis=1))
    return conf.n.sum(axis=1).astype(np.float64)


def _undefined_reason(conf: ConfusionStats, metric: str, g: int) -> str:
    """Why ``metric`` is NaN for group ``g``: an empty denominator, or one of zero weight."""
    reason = UNDEFINED_REASONS[metric]
    if metric in RATES:
        _, rows = rate_parts(conf.n[g].astype(np.float64), metric)
        if rows > 0:
            return (
                f"{reason.split(' (')[0].replace('no ', 'only zero-weight ', 1)} "
                f"({int(rows)} row(s), all with sample_weight 0)"
            )
    if metric == "balanced_accuracy":
        n = conf.n[g]
        if n[0] + n[1] > 0 and n[2] + n[3] > 0:
            return "the group's actual positives or actual negatives all have sample_weight 0"
    return reason


def group_display(label: object) -> str:
    """Text of a group label; intersections are joined with ', '."""
    if isinstance(label, tuple | list):
        return ", ".join(str(v) for v in label)
    return str(label)


def _score_values(scores: ScoreStats, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return score_metrics(
        scores.w,
        scores.ws,
        scores.ws2,
        scores.auc,
        probabilistic=scores.probabilistic,
        names=names,
    )


def _score_replicates(
    scores: ScoreStats,
    scores_overall_auc: float,
    names: tuple[str, ...],
    n_bootstrap: int,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Bootstrap replicates of the score metrics for groups and overall."""
    group_reps: dict[str, list[np.ndarray]] = {m: [] for m in names}
    overall_reps: dict[str, list[np.ndarray]] = {m: [] for m in names}
    # AUC replicates come from the histogram; shift them by the binning error of the point
    # estimate so that the interval is centred on the exact AUC.
    shift = scores.auc - histogram_auc(scores.w)
    shift_all = scores_overall_auc - float(histogram_auc(scores.w.sum(axis=0)))
    for w, ws, ws2 in bootstrap_scores(scores, n_bootstrap, rng):
        auc = np.clip(histogram_auc(w) + shift, 0.0, 1.0)  # an AUC stays in [0, 1]
        vals = score_metrics(w, ws, ws2, auc, probabilistic=scores.probabilistic, names=names)
        tw, tws, tws2 = w.sum(axis=1), ws.sum(axis=1), ws2.sum(axis=1)
        tauc = np.clip(histogram_auc(tw) + shift_all, 0.0, 1.0)
        tvals = score_metrics(tw, tws, tws2, tauc, probabilistic=scores.probabilistic, names=names)
        for m in names:
            if m in vals:
                group_reps[m].append(vals[m])
                overall_reps[m].append(tvals[m])
    return (
        {m: np.concatenate(v, axis=0) for m, v in group_reps.items() if v},
        {m: np.concatenate(v, axis=0) for m, v in overall_reps.items() if v},
    )


def _curves(scores: ScoreStats, labels: list[str]) -> dict[str, pd.DataFrame]:
    """Threshold, ROC and calibration curves per group (and for all rows) from histograms."""
    w = np.concatenate([scores.w, scores.w.sum(axis=0, keepdims=True)], axis=0)
    ws = np.concatenate([scores.ws, scores.ws.sum(axis=0, keepdims=True)], axis=0)
    names = [*labels, "(all)"]
    edges = scores.edges
    n_bins = len(edges) - 1
    step = max(1, int(np.ceil((n_bins + 1) / _CURVE_POINTS)))
    idx = np.arange(0, n_bins + 1, step)
    if idx[-1] != n_bins:
        idx = np.append(idx, n_bins)
    # weight at or above each edge (bins k..end), per label
    tail = np.concatenate(
        [np.cumsum(w[:, ::-1, :], axis=1)[:, ::-1, :], np.zeros((w.shape[0], 1, 2))], axis=1
    )
    tot = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sel = tail[:, idx, :].sum(axis=2) / tot.sum(axis=1)[:, None]
        tpr = tail[:, idx, 1] / tot[:, None, 1]
        fpr = tail[:, idx, 0] / tot[:, None, 0]
    g = len(names)
    threshold = pd.DataFrame(
        {
            "group": np.repeat(names, len(idx)),
            "threshold": np.tile(edges[idx], g),
            "selection_rate": sel.ravel(),
            "true_positive_rate": tpr.ravel(),
            "false_positive_rate": fpr.ravel(),
        }
    )
    roc = threshold[["group", "threshold", "false_positive_rate", "true_positive_rate"]].rename(
        columns={"false_positive_rate": "fpr", "true_positive_rate": "tpr"}
    )
    curves = {"threshold": threshold, "roc": roc}
    if scores.probabilistic:
        weight, positives, score_sum = ece_bins(w, ws)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_score = np.where(weight > 0, score_sum / np.where(weight > 0, weight, 1), np.nan)
            observed = np.where(weight > 0, positives / np.where(weight > 0, weight, 1), np.nan)
        nb = weight.shape[1]
        curves["calibration"] = pd.DataFrame(
            {
                "group": np.repeat(names, nb),
                "bin": np.tile(np.arange(nb), g),
                "bin_lower": np.tile(np.arange(nb) / nb, g),
                "bin_upper": np.tile((np.arange(nb) + 1) / nb, g),
                "mean_score": mean_score.ravel(),
                "observed_rate": observed.ravel(),
                "weight": weight.ravel(),
            }
        )
    return curves


@lru_cache(maxsize=512)
def _names_index(names: tuple[str, ...], name: str | None = None) -> pd.Index:
    """The index of column (or metric) names, built once per set of names: pandas infers its
    text type each time it builds one, which costs more than the frame."""
    return pd.Index(list(names), name=name)


def _names(names: list[str] | tuple[str, ...], name: str | None = None) -> pd.Index:
    """:func:`_names_index` as an index of its own (a view), so that no frame shares one."""
    return _names_index(tuple(names), name).view()


def float_frame(columns: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    """A frame of float columns built as one block (much cheaper than column by column)."""
    names = list(columns)
    data = (
        np.column_stack([np.asarray(columns[c], dtype=np.float64) for c in names])
        if names
        else np.empty((len(index), 0))
    )
    return pd.DataFrame(data, index=index, columns=_names(names))


@dataclass(frozen=True, eq=False)
class _Plan:
    """What one attribute's analysis works on: the groups kept, the reference among them,
    the metrics to compute and to report."""

    labels: pd.Index
    display: list[str]
    kept: np.ndarray
    ref_index: int
    ref_k: int
    count_names: tuple[str, ...]
    score_names: tuple[str, ...]

    index: pd.Index  # the labels of the groups kept

    @property
    def kept_display(self) -> list[str]:
        return [d for d, k in zip(self.display, self.kept, strict=True) if k]


@dataclass(frozen=True, eq=False)
class _Values:
    """Point values per group (all groups) and overall, and the metrics reported."""

    groups: dict[str, np.ndarray]
    overall: dict[str, float]
    names: list[str]


def _plan(conf: ConfusionStats, labels: pd.Index, ref_index: int, config: AuditConfig) -> _Plan:
    """Step 1: the groups kept (``suppress_below``) and the metrics needed."""
    display = [group_display(g) for g in labels]
    counts = conf.n.sum(axis=1)
    kept = np.ones(conf.n_groups, dtype=bool)
    if config.suppress_below is not None:
        kept = counts >= config.suppress_below
    if not kept[ref_index]:
        raise ValueError(
            f"reference_group {display[ref_index]!r} has {int(counts[ref_index])} rows, fewer "
            f"than suppress_below={config.suppress_below}; name a larger reference group."
        )
    # what the user asked for, plus what the criteria and the groups table need
    needed = {"count", "base_rate"} | {m for c in CRITERIA.values() for m in c.metrics}
    return _Plan(
        labels=labels,
        display=display,
        kept=kept,
        ref_index=ref_index,
        index=labels.view() if kept.all() else labels[kept],
        ref_k=int(np.flatnonzero(kept).tolist().index(ref_index)),
        count_names=tuple(m for m in COUNT_METRICS if m in needed or m in config.metrics),
        score_names=tuple(m for m in config.metrics if m in SCORE_METRICS),
    )


def _point_values(
    conf: ConfusionStats,
    scores: ScoreStats | None,
    overall_auc: float,
    plan: _Plan,
    config: AuditConfig,
) -> _Values:
    """Step 2: every metric per group and over all rows, from the statistics."""
    values = count_metrics(conf.n, conf.w, plan.count_names)
    total = conf.total()
    overall = {k: v[0] for k, v in count_metrics(total.n, total.w, plan.count_names).items()}
    if scores is not None and plan.score_names:
        values.update(_score_values(scores, plan.score_names))
        tw = scores.w.sum(axis=0, keepdims=True)
        tws = scores.ws.sum(axis=0, keepdims=True)
        tws2 = scores.ws2.sum(axis=0, keepdims=True)
        overall.update(
            {
                k: v[0]
                for k, v in score_metrics(
                    tw,
                    tws,
                    tws2,
                    np.array([overall_auc]),
                    probabilistic=scores.probabilistic,
                    names=plan.score_names,
                ).items()
            }
        )
    return _Values(values, overall, [m for m in config.metrics if m in values])


def _bootstrap(
    conf: ConfusionStats,
    scores: ScoreStats | None,
    overall_auc: float,
    values: _Values,
    plan: _Plan,
    config: AuditConfig,
    rng: np.random.Generator,
):
    """Step 3: summaries of the bootstrap replicates, drawn a chunk of groups at a time (None
    with the bootstrap off)."""
    if config.n_bootstrap == 0:
        return None
    g_reps: dict[str, np.ndarray] = {}
    o_reps: dict[str, np.ndarray] = {}
    if scores is not None and plan.score_names:
        g_reps, o_reps = _score_replicates(
            scores, overall_auc, plan.score_names, config.n_bootstrap, rng
        )
    return summarise_bootstrap(
        conf,
        values.groups,
        values.overall,
        names=plan.count_names,
        interval_names=tuple(m for m in values.names if m != "count"),
        kept=plan.kept,
        ref_index=plan.ref_index,
        n_bootstrap=config.n_bootstrap,
        confidence_level=config.confidence_level,
        rng=rng,
        weighted=config.weighted,
        extra_replicates=g_reps,
        extra_overall=o_reps,
    )


def _wilson(
    w: np.ndarray, w2: np.ndarray, metrics: list[str], level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Modified Wilson bounds of several rates on (Kish) effective counts, one row per rate
    (one vectorised call for all of them)."""
    parts = [rate_parts(w, m) for m in metrics]
    num = np.stack([p[0] for p in parts])
    den = np.stack([p[1] for p in parts])
    den2 = np.stack([rate_parts(w2, m)[1] for m in metrics])
    n_eff = effective_size(den, den2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
    return modified_wilson_interval(p * n_eff, n_eff, level)


def _intervals(
    conf: ConfusionStats, values: _Values, boot, plan: _Plan, config: AuditConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Step 4: bounds of every value per group (lower, upper) and overall."""
    n_groups = conf.n_groups
    lower, upper, o_lower, o_upper = {}, {}, {}, {}
    use_wilson = config.ci_method == "wilson" or config.n_bootstrap == 0
    wilson = [m for m in values.names if use_wilson and m in RATES]
    if wilson:
        total = conf.total()
        lo, hi = _wilson(conf.w, conf.w2, wilson, config.confidence_level)
        tlo, thi = _wilson(total.w, total.w2, wilson, config.confidence_level)
        for i, m in enumerate(wilson):
            lower[m], upper[m] = lo[i], hi[i]
            o_lower[m], o_upper[m] = tlo[i, 0], thi[i, 0]
    for m in values.names:
        if m == "count":
            lower[m] = upper[m] = values.groups[m]
            o_lower[m] = o_upper[m] = values.overall[m]
        elif m in wilson:
            pass
        elif boot is not None and m in boot:
            lower[m] = np.full(n_groups, np.nan)
            upper[m] = np.full(n_groups, np.nan)
            lower[m][plan.kept], upper[m][plan.kept] = boot.group_interval(m)
            o_lower[m], o_upper[m] = boot.overall_interval(m)
        else:
            lower[m] = upper[m] = np.full(n_groups, np.nan)
            o_lower[m] = o_upper[m] = np.nan
        # an undefined value has no interval
        undefined = ~np.isfinite(values.groups[m])
        lower[m] = np.where(undefined, np.nan, lower[m])
        upper[m] = np.where(undefined, np.nan, upper[m])
    index = plan.index
    lower_df = float_frame({m: lower[m][plan.kept] for m in values.names}, index)
    upper_df = float_frame({m: upper[m][plan.kept] for m in values.names}, index)
    overall_iv = float_frame(
        {"lower": [o_lower[m] for m in values.names], "upper": [o_upper[m] for m in values.names]},
        _names(values.names, "metric"),
    )
    return lower_df, upper_df, overall_iv


def _no_ratio(metric: str, config: AuditConfig) -> bool:
    """A ratio of scores that can be negative means nothing (differences still do)."""
    return metric == "mean_score" and not config.nonnegative_scores


def _disparities(
    conf: ConfusionStats, values: _Values, boot, plan: _Plan, config: AuditConfig
) -> pd.DataFrame:
    """Step 5: per metric, differences and ratios between groups, to the overall value and to
    the reference group, with intervals."""
    names = [m for m in values.names if m != "count"]
    columns = ["metric"]
    for key in disp.SUMMARIES:
        columns += [key, key + "_lower", key + "_upper"]
    if not names:
        return pd.DataFrame([], columns=columns).set_index("metric")
    v = np.stack([values.groups[m][plan.kept] for m in names])  # (metrics, groups)
    found, _, _ = disp.summaries(v, np.array([values.overall[m] for m in names]), plan.ref_k)
    no_ratio = np.array([_no_ratio(m, config) for m in names])
    table = {
        "metric": names,
        **{
            key: np.where(no_ratio, np.nan, a) if key.startswith("ratio") else a
            for key, a in found.items()
        },
    }
    bounds = {
        key + end: np.full(len(names), np.nan)
        for key in disp.SUMMARIES
        for end in ("_lower", "_upper")
    }
    for i, m in enumerate(names):
        if boot is None or m not in boot:
            continue
        ub = 1.0 if _bounded(m, config) else np.inf
        found = {
            "difference": boot.spread_interval([m], upper_bound=ub),
            "ratio": _NO_BOUNDS
            if no_ratio[i]
            else boot.spread_interval(
                [m], ratio=True, trials=[_trials(conf, m, plan.kept, config)]
            ),
            "difference_to_overall": boot.target_interval(m, to="overall", upper_bound=ub),
            "ratio_to_overall": _NO_BOUNDS
            if no_ratio[i]
            else boot.target_interval(m, to="overall", ratio=True),
            "difference_to_reference": boot.target_interval(m, to="reference", upper_bound=ub),
            "ratio_to_reference": _NO_BOUNDS
            if no_ratio[i]
            else boot.target_interval(m, to="reference", ratio=True),
        }
        for key, (lo, hi) in found.items():
            bounds[key + "_lower"][i], bounds[key + "_upper"][i] = lo, hi
    table.pop("metric")
    found_all = {**table, **bounds}
    return float_frame({c: found_all[c] for c in columns[1:]}, _names(names, "metric"))


def _pvalues(
    conf: ConfusionStats, names: list[str], plan: _Plan, config: AuditConfig
) -> np.ndarray:
    """Two-sided p-values of each kept group's rate against the reference's (exact without
    weights; on Kish effective counts with them), one row per metric of ``names``; NaN for
    the reference and non-rates."""
    n_kept = int(plan.kept.sum())
    p = np.full((len(names), n_kept), np.nan)
    rows = [i for i, m in enumerate(names) if m in RATES]
    if not rows:
        return p
    w, w2 = conf.w[plan.kept], conf.w2[plan.kept]
    parts = [rate_parts(w, names[i]) for i in rows]
    num = np.stack([q[0] for q in parts])
    den = np.stack([q[1] for q in parts])
    if config.weighted:
        den2 = np.stack([rate_parts(w2, names[i])[1] for i in rows])
        n_eff = effective_size(den, den2)
        with np.errstate(invalid="ignore", divide="ignore"):
            phat = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
        succ, trials = phat * n_eff, n_eff
    else:
        succ, trials = num, den
    ref = plan.ref_k
    p[rows] = two_proportion_pvalues(
        succ, trials, succ[:, ref : ref + 1], trials[:, ref : ref + 1], exact=not config.weighted
    )
    p[:, ref] = np.nan
    return p


REFERENCE_COLUMNS = (
    "group",
    "metric",
    "value",
    "reference_value",
    "difference",
    "difference_lower",
    "difference_upper",
    "ratio",
    "ratio_lower",
    "ratio_upper",
    "p_value",
)


def _to_reference(
    conf: ConfusionStats, values: _Values, boot, plan: _Plan, config: AuditConfig
) -> pd.DataFrame:
    """Step 6: each group against the reference, per metric, with intervals and tests
    (p-values adjusted for the family of comparisons)."""
    names = [m for m in values.names if m != "count"]
    if names:
        groups = np.asarray(plan.kept_display, dtype=object)
        stacked = np.stack([values.groups[m][plan.kept] for m in names])  # (metrics, groups)
        dg, rg, _, _ = disp.to_reference(stacked, plan.ref_k)
        bounds = np.full((4, *stacked.shape), np.nan)  # difference, then ratio bounds
        for i, m in enumerate(names):
            if boot is not None and m in boot:
                bounds[:, i] = boot.reference_intervals(m)
        no_ratio = np.array([_no_ratio(m, config) for m in names])
        rg = np.where(no_ratio[:, None], np.nan, rg)
        bounds[2:, no_ratio] = np.nan
        others = np.arange(stacked.shape[1]) != plan.ref_k
        k = int(others.sum())
        ref_value = np.repeat(stacked[:, plan.ref_k], k)
        columns = (
            np.tile(groups[others], len(names)),
            np.repeat(np.array(names, object), k),
            stacked,
            ref_value,
            dg,
            bounds[0],
            bounds[1],
            rg,
            bounds[2],
            bounds[3],
            _pvalues(conf, names, plan, config),
        )
        cols = {
            c: (a if a.ndim == 1 else a[:, others].ravel())
            for c, a in zip(REFERENCE_COLUMNS, columns, strict=True)
        }
    else:
        cols = {
            c: np.array([], dtype=object if c in ("group", "metric") else np.float64)
            for c in REFERENCE_COLUMNS
        }
    cols["p_adjusted"] = adjust_family(
        cols["p_value"].astype(np.float64),
        cols["metric"].astype(object),
        cols["group"].astype(object),
        config.correction,
        config.correction_scope,
    )
    adjusted = cols["p_adjusted"]
    cols["significant"] = np.isfinite(adjusted) & (adjusted < 1.0 - config.confidence_level)
    return pd.DataFrame(cols)


CRITERIA_COLUMNS = (
    "attribute",
    "criterion",
    "metric",
    "kind",
    "value",
    "lower",
    "upper",
    "tolerance",
    "verdict",
    "worst_group",
    "best_group",
    "reason",
)


def _criteria(
    conf: ConfusionStats,
    values: _Values,
    boot,
    plan: _Plan,
    config: AuditConfig,
    attribute: str,
    names: tuple[str, ...] | None = None,
) -> list[tuple]:
    """Step 7: every named criterion (those of ``names`` only, when given) with its interval,
    tolerance and verdict (rows of the criteria table, in the order of
    :data:`CRITERIA_COLUMNS`)."""
    kept_values = {m: v[plan.kept] for m, v in values.groups.items()}
    kept_display = plan.kept_display
    # the spread and the extreme groups of each metric, once however many criteria use it
    needed = dict.fromkeys(m for c in CRITERIA.values() for m in c.metrics)
    spreads = {m: disp.between_groups(kept_values[m]) for m in needed}
    extremes: dict[str, tuple[int, int]] = {}
    rows = []
    for name, crit in CRITERIA.items():
        if names is not None and name not in names:
            continue
        if name in TESTED_CRITERIA:  # the four-fifths rule: a verdict from its own tests
            row = four_fifths_row(
                conf,
                plan.kept,
                kept_display,
                kept_values["selection_rate"],
                attribute=attribute,
                config=config,
            )
            rows.append(tuple(row[c] for c in CRITERIA_COLUMNS))
            continue
        value = float(criterion_value(crit, kept_values, spreads))
        if boot is not None and all(m in boot for m in crit.metrics):
            lo, hi = boot.spread_interval(
                crit.metrics,
                ratio=crit.kind == "ratio",
                upper_bound=1.0,
                trials=[_trials(conf, m, plan.kept, config) for m in crit.metrics],
            )
        else:
            lo = hi = np.nan
        worst = _deciding_metric(crit, spreads)
        if worst not in extremes:
            extremes[worst] = disp.extremes(kept_values[worst])
        lo_i, hi_i = extremes[worst]
        rows.append(
            (
                attribute,
                name,
                worst,
                crit.kind,
                value,
                lo,
                hi,
                config.tolerances[name],
                verdict(
                    crit.kind,
                    value,
                    lo,
                    hi,
                    config.tolerances[name],
                    interval_expected=config.n_bootstrap > 0,
                ),
                kept_display[lo_i] if lo_i >= 0 else None,
                kept_display[hi_i] if hi_i >= 0 else None,
                _criterion_reason(value, lo, hi, worst, kept_values, config),
            )
        )
    return rows


def _criteria_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(CRITERIA_COLUMNS))


def _deciding_metric(crit, spreads: dict[str, tuple[np.ndarray, np.ndarray]]) -> str:
    """The metric of a criterion that decides its value (the largest gap, smallest ratio);
    ``spreads``: :func:`~._disparities.between_groups` of each of its metrics."""
    if len(crit.metrics) == 1:
        return crit.metrics[0]
    parts = []
    for m in crit.metrics:
        d, r = spreads[m]
        parts.append(float(d) if crit.kind == "difference" else float(r))
    arr = np.array(parts)
    if not np.isfinite(arr).any():
        return crit.metrics[0]
    pick = np.nanargmax(arr) if crit.kind == "difference" else np.nanargmin(arr)
    return crit.metrics[int(pick)]


def _criterion_reason(
    value: float,
    lo: float,
    hi: float,
    metric: str,
    kept_values: dict[str, np.ndarray],
    config: AuditConfig,
) -> str:
    """Why a criterion's value or interval is missing ("" when both are there)."""
    if not np.isfinite(value):
        if np.isfinite(kept_values[metric]).sum() < 2:
            return f"{metric} is defined for fewer than two groups"
        return f"{metric} is 0 in every group (ratio 0/0)"
    if np.isfinite(lo) and np.isfinite(hi):
        return ""
    if config.n_bootstrap == 0:
        return "no interval (bootstrap off): the verdict compares the point estimate"
    return "no interval: the value is undefined in the resamples (groups too small)"


@lru_cache(maxsize=1)
def _no_undefined() -> pd.DataFrame:
    """The empty table of undefined values (copied for each result)."""
    return pd.DataFrame({c: np.array([], dtype=object) for c in ("group", "metric", "reason")})


def _group_tables(
    conf: ConfusionStats, values: _Values, plan: _Plan, config: AuditConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Step 8: the groups table, every undefined value with its reason, and the observations
    each value rests on."""
    kept = plan.kept
    index = plan.index
    counts = conf.n.sum(axis=1)
    weight = conf.w.sum(axis=1)
    groups = pd.DataFrame(
        {
            "count": counts[kept].astype(np.int64),
            "weight": weight[kept],
            "share": weight[kept] / weight.sum(),
            "base_rate": values.groups["base_rate"][kept],
            "small": counts[kept] < config.min_group_size,
        },
        index=index,
    )
    rows = []
    kept_positions = np.flatnonzero(kept)
    for m in values.names:
        for j in np.flatnonzero(~np.isfinite(values.groups[m][kept])):
            rows.append(
                {
                    "group": plan.kept_display[j],
                    "metric": m,
                    "reason": _undefined_reason(conf, m, kept_positions[j]),
                }
            )
    rows += [{"group": "(all)", "metric": m, "reason": why} for m, why in config.left_out]
    columns = ["group", "metric", "reason"]
    undefined = pd.DataFrame(rows, columns=columns) if rows else _no_undefined().copy()
    denominators = float_frame(
        {m: _denominators(conf, m, config)[kept] for m in values.names}, index
    )
    return groups, undefined, denominators


def analyse_parts(
    conf: ConfusionStats,
    scores: ScoreStats | None,
    overall_auc: float,
    labels: pd.Index,
    *,
    attribute: str,
    ref_index: int,
    config: AuditConfig,
    rng: np.random.Generator,
    tables: bool = True,
    criteria: tuple[str, ...] | None = None,
) -> tuple[dict, list[tuple]]:
    """The tables of :func:`analyse` but the criteria (as keyword arguments of
    :class:`AttributeTables`), and the rows of the criteria table.

    ``tables=False`` leaves the tables out (an empty dict); ``criteria``, when given, names
    the criteria to compute (``()``: none). The bootstrap is drawn in the same way whatever
    is left out, so what is computed is the same.
    """
    plan = _plan(conf, labels, ref_index, config)
    values = _point_values(conf, scores, overall_auc, plan, config)
    boot = _bootstrap(conf, scores, overall_auc, values, plan, config, rng)
    rows = _criteria(conf, values, boot, plan, config, attribute, criteria)
    if not tables:
        return {}, rows
    lower, upper, overall_intervals = _intervals(conf, values, boot, plan, config)
    groups, undefined, denominators = _group_tables(conf, values, plan, config)
    by_group = pd.DataFrame(
        {
            m: values.groups[m][plan.kept].astype(np.int64 if m == "count" else np.float64)
            for m in values.names
        },
        index=plan.index,
        columns=_names(values.names),
    )
    curves = None
    if scores is not None:
        kept = plan.kept
        curves = _curves(
            ScoreStats(
                scores.edges,
                scores.probabilistic,
                scores.n[kept],
                scores.w[kept],
                scores.ws[kept],
                scores.ws2[kept],
                scores.auc[kept],
            ),
            plan.kept_display,
        )
    return {
        "overall": pd.Series(
            np.array([values.overall[m] for m in values.names], dtype=float),
            index=_names(values.names),
        ),
        "overall_intervals": overall_intervals,
        "by_group": by_group,
        "lower": lower,
        "upper": upper,
        "disparities": _disparities(conf, values, boot, plan, config),
        "to_reference": _to_reference(conf, values, boot, plan, config),
        "groups": groups,
        "undefined": undefined,
        "denominators": denominators,
        "curves": curves,
        "reference_group": labels[ref_index],
        "suppressed": tuple(plan.display[j] for j in np.flatnonzero(~plan.kept)),
    }, rows


def analyse(
    conf: ConfusionStats,
    scores: ScoreStats | None,
    overall_auc: float,
    labels: pd.Index,
    *,
    attribute: str,
    ref_index: int,
    config: AuditConfig,
    rng: np.random.Generator,
) -> AttributeTables:
    """All tables of the audit of one attribute (a feature or an intersection of features).

    A composition of steps, each a function of the statistics and the configuration: the
    plan (groups kept, metrics needed), point values, the bootstrap, intervals, disparities,
    comparisons with the reference and their tests, criteria, and the group tables.
    """
    tables, rows = analyse_parts(
        conf,
        scores,
        overall_auc,
        labels,
        attribute=attribute,
        ref_index=ref_index,
        config=config,
        rng=rng,
    )
    return AttributeTables(**tables, criteria=_criteria_frame(rows))


def analyse_attributes(
    parts: list[dict], *, config: AuditConfig
) -> tuple[list[AttributeTables], pd.DataFrame]:
    """:func:`analyse` of several attributes, and the criteria of all of them in one table
    (in the order of ``parts``; each attribute's criteria table is its slice of it).

    ``parts``: the arguments of :func:`analyse` but ``config``, one dict per attribute.
    """
    done = [analyse_parts(**part, config=config) for part in parts]
    every = _criteria_frame([row for _, rows in done for row in rows])
    out = []
    start = 0
    for tables, rows in done:
        criteria = every.iloc[start : start + len(rows)].reset_index(drop=True)
        start += len(rows)
        out.append(AttributeTables(**tables, criteria=criteria))
    return out, every
