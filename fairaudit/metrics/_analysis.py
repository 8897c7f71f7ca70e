"""From sufficient statistics to every table of an audit: values, intervals, disparities,
tests and criteria. Pure functions of the statistics; no access to the rows.
"""

from __future__ import annotations

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

#: Number of thresholds kept in the stored threshold/ROC curves.
_CURVE_POINTS = 101
#: Bounds of an interval that is not formed.
_NO_BOUNDS = (float("nan"), float("nan"))


def _bounded(metric: str, config: AuditConfig) -> bool:
    """Whether a metric lives in [0, 1] (so differences do too)."""
    return metric != "mean_score" or config.probabilistic


def _trials(
    conf: ConfusionStats, metric: str, kept: np.ndarray, config: AuditConfig
) -> np.ndarray:
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
        scores.w, scores.ws, scores.ws2, scores.auc, probabilistic=scores.probabilistic,
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
) -> dict:
    """All tables of the audit of one attribute (a feature or an intersection of features)."""
    n_groups = conf.n_groups
    display = [group_display(g) for g in labels]
    counts = conf.n.sum(axis=1)
    kept = np.ones(n_groups, dtype=bool)
    if config.suppress_below is not None:
        kept = counts >= config.suppress_below
    if not kept[ref_index]:
        raise ValueError(
            f"reference_group {display[ref_index]!r} has {int(counts[ref_index])} rows, fewer "
            f"than suppress_below={config.suppress_below}; name a larger reference group."
        )
    # what the user asked for, plus what the criteria and the groups table need
    needed = {"count", "base_rate"} | {m for c in CRITERIA.values() for m in c.metrics}
    count_names = tuple(m for m in COUNT_METRICS if m in needed or m in config.metrics)
    score_names = tuple(m for m in config.metrics if m in SCORE_METRICS)

    # --- point values -----------------------------------------------------------------
    values = count_metrics(conf.n, conf.w, count_names)
    total = conf.total()
    overall = {k: v[0] for k, v in count_metrics(total.n, total.w, count_names).items()}
    if scores is not None and score_names:
        values.update(_score_values(scores, score_names))
        tw = scores.w.sum(axis=0, keepdims=True)
        tws = scores.ws.sum(axis=0, keepdims=True)
        tws2 = scores.ws2.sum(axis=0, keepdims=True)
        overall.update(
            {
                k: v[0]
                for k, v in score_metrics(
                    tw, tws, tws2, np.array([overall_auc]),
                    probabilistic=scores.probabilistic, names=score_names,
                ).items()
            }
        )
    metric_names = [m for m in config.metrics if m in values]

    # --- bootstrap: summaries of the replicates, drawn a chunk of groups at a time -------
    boot = None
    if config.n_bootstrap > 0:
        g_reps: dict[str, np.ndarray] = {}
        o_reps: dict[str, np.ndarray] = {}
        if scores is not None and score_names:
            g_reps, o_reps = _score_replicates(
                scores, overall_auc, score_names, config.n_bootstrap, rng
            )
        boot = summarise_bootstrap(
            conf, values, overall, names=count_names,
            interval_names=tuple(m for m in metric_names if m != "count"), kept=kept,
            ref_index=ref_index, n_bootstrap=config.n_bootstrap,
            confidence_level=config.confidence_level, rng=rng, weighted=config.weighted,
            extra_replicates=g_reps, extra_overall=o_reps,
        )

    # --- per-group intervals ----------------------------------------------------------
    lower = {}
    upper = {}
    overall_lower = {}
    overall_upper = {}
    use_wilson = config.ci_method == "wilson" or config.n_bootstrap == 0
    for m in metric_names:
        if m == "count":
            lower[m] = upper[m] = values[m]
            overall_lower[m] = overall_upper[m] = overall[m]
        elif use_wilson and m in RATES:
            num, den = rate_parts(conf.w, m)
            _, den2 = rate_parts(conf.w2, m)
            n_eff = effective_size(den, den2)
            with np.errstate(invalid="ignore", divide="ignore"):
                p = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
            lower[m], upper[m] = modified_wilson_interval(
                p * n_eff, n_eff, config.confidence_level
            )
            tnum, tden = rate_parts(total.w, m)
            _, tden2 = rate_parts(total.w2, m)
            tn_eff = effective_size(tden, tden2)
            tp = np.where(tden > 0, tnum / np.where(tden > 0, tden, 1), 0.0)
            lo, hi = modified_wilson_interval(tp * tn_eff, tn_eff, config.confidence_level)
            overall_lower[m], overall_upper[m] = lo[0], hi[0]
        elif boot is not None and m in boot:
            lower[m] = np.full(n_groups, np.nan)
            upper[m] = np.full(n_groups, np.nan)
            lower[m][kept], upper[m][kept] = boot.group_interval(m)
            overall_lower[m], overall_upper[m] = boot.overall_interval(m)
        else:
            lower[m] = upper[m] = np.full(n_groups, np.nan)
            overall_lower[m] = overall_upper[m] = np.nan
        # an undefined value has no interval
        undefined = ~np.isfinite(values[m])
        lower[m] = np.where(undefined, np.nan, lower[m])
        upper[m] = np.where(undefined, np.nan, upper[m])

    index = labels[kept]
    by_group = pd.DataFrame({m: values[m][kept] for m in metric_names}, index=index)
    if "count" in by_group:
        by_group["count"] = by_group["count"].astype(np.int64)
    lower_df = pd.DataFrame({m: lower[m][kept] for m in metric_names}, index=index)
    upper_df = pd.DataFrame({m: upper[m][kept] for m in metric_names}, index=index)
    overall_s = pd.Series({m: overall[m] for m in metric_names}, dtype=float)
    overall_iv = pd.DataFrame(
        {"lower": [overall_lower[m] for m in metric_names],
         "upper": [overall_upper[m] for m in metric_names]},
        index=pd.Index(metric_names, name="metric"),
    )

    # --- disparities --------------------------------------------------------------------
    ref_k = int(np.flatnonzero(kept).tolist().index(ref_index))
    kept_display = [d for d, k in zip(display, kept, strict=True) if k]
    disp_rows = []
    ref_rows: list[dict[str, np.ndarray]] = []
    kept_groups = np.asarray(kept_display, dtype=object)
    for m in metric_names:
        if m == "count":
            continue
        v = values[m][kept]
        d, r = disp.between_groups(v)
        do, ro = disp.to_value(v, np.asarray(overall[m]))
        dg, rg, dref, rref = disp.to_reference(v, ref_k)
        # a ratio of scores that can be negative means nothing (differences still do)
        no_ratio = m == "mean_score" and not config.nonnegative_scores
        if no_ratio:
            r = ro = rref = np.nan
            rg = np.full(len(v), np.nan)
        row = {"metric": m, "difference": float(d), "ratio": float(r),
               "difference_to_overall": float(do), "ratio_to_overall": float(ro),
               "difference_to_reference": float(dref), "ratio_to_reference": float(rref)}
        if boot is not None and m in boot:
            ub = 1.0 if _bounded(m, config) else np.inf
            bounds = {
                "difference": boot.spread_interval([m], upper_bound=ub),
                "ratio": _NO_BOUNDS if no_ratio else boot.spread_interval(
                    [m], ratio=True, trials=[_trials(conf, m, kept, config)]),
                "difference_to_overall": boot.target_interval(m, to="overall", upper_bound=ub),
                "ratio_to_overall": _NO_BOUNDS if no_ratio else boot.target_interval(
                    m, to="overall", ratio=True),
                "difference_to_reference": boot.target_interval(
                    m, to="reference", upper_bound=ub),
                "ratio_to_reference": _NO_BOUNDS if no_ratio else boot.target_interval(
                    m, to="reference", ratio=True),
            }
            for key, (lo, hi) in bounds.items():
                row[key + "_lower"], row[key + "_upper"] = lo, hi
            dg_lo, dg_hi, rg_lo, rg_hi = boot.reference_intervals(m)
            if no_ratio:
                rg_lo = rg_hi = np.full(len(v), np.nan)
        else:
            for key in disp.SUMMARIES:
                row[key + "_lower"] = row[key + "_upper"] = np.nan
            dg_lo = dg_hi = rg_lo = rg_hi = np.full(len(v), np.nan)
        disp_rows.append(row)

        # significance against the reference, for rates
        p = np.full(len(v), np.nan)
        if m in RATES:
            num, den = rate_parts(conf.w[kept], m)
            _, den2 = rate_parts(conf.w2[kept], m)
            if config.weighted:
                n_eff = effective_size(den, den2)
                with np.errstate(invalid="ignore", divide="ignore"):
                    phat = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
                succ, trials = phat * n_eff, n_eff
            else:
                succ, trials = num, den
            p = two_proportion_pvalues(
                succ, trials, succ[ref_k], trials[ref_k], exact=not config.weighted
            )
            p[ref_k] = np.nan
        others = np.arange(len(v)) != ref_k
        ref_rows.append(
            {
                "group": kept_groups[others], "metric": np.full(int(others.sum()), m, object),
                "value": v[others], "reference_value": np.full(int(others.sum()), v[ref_k]),
                "difference": dg[others], "difference_lower": dg_lo[others],
                "difference_upper": dg_hi[others], "ratio": rg[others],
                "ratio_lower": rg_lo[others], "ratio_upper": rg_hi[others],
                "p_value": p[others],
            }
        )
    disp_cols = ["metric"]
    for key in disp.SUMMARIES:
        disp_cols += [key, key + "_lower", key + "_upper"]
    disparities = pd.DataFrame(disp_rows, columns=disp_cols).set_index("metric")
    ref_cols = ["group", "metric", "value", "reference_value", "difference", "difference_lower",
                "difference_upper", "ratio", "ratio_lower", "ratio_upper", "p_value",
                "p_adjusted", "significant"]
    to_reference = pd.DataFrame(
        {c: np.concatenate([r[c] for r in ref_rows]) if ref_rows else [] for c in ref_cols[:-2]},
        columns=ref_cols[:-2],
    )
    to_reference["p_adjusted"] = adjust_family(
        to_reference["p_value"].to_numpy(dtype=np.float64),
        to_reference["metric"].to_numpy(dtype=object),
        to_reference["group"].to_numpy(dtype=object),
        config.correction,
        config.correction_scope,
    )
    alpha = 1.0 - config.confidence_level
    adjusted = to_reference["p_adjusted"].to_numpy(dtype=np.float64)
    to_reference["significant"] = np.isfinite(adjusted) & (adjusted < alpha)

    # --- criteria -----------------------------------------------------------------------
    kept_values = {m: values[m][kept] for m in values}
    crit_rows = []
    for name, crit in CRITERIA.items():
        if name in TESTED_CRITERIA:  # the four-fifths rule: a verdict from its own tests
            crit_rows.append(four_fifths_row(conf, kept, kept_display, kept_values[
                "selection_rate"], attribute=attribute, config=config))
            continue
        value = float(criterion_value(crit, kept_values))
        if boot is not None and all(m in boot for m in crit.metrics):
            lo, hi = boot.spread_interval(
                crit.metrics,
                ratio=crit.kind == "ratio",
                upper_bound=1.0,
                trials=[_trials(conf, m, kept, config) for m in crit.metrics],
            )
        else:
            lo = hi = np.nan
        tol = config.tolerances[name]
        # the metric that decides, and its extreme groups
        worst_metric = crit.metrics[0]
        if len(crit.metrics) > 1:
            parts = []
            for m in crit.metrics:
                d, r = disp.between_groups(kept_values[m])
                parts.append(float(d) if crit.kind == "difference" else float(r))
            arr = np.array(parts)
            if np.isfinite(arr).any():
                pick = np.nanargmax(arr) if crit.kind == "difference" else np.nanargmin(arr)
                worst_metric = crit.metrics[int(pick)]
        lo_i, hi_i = disp.extremes(kept_values[worst_metric])
        reason = ""
        if not np.isfinite(value):
            reason = (
                f"{worst_metric} is defined for fewer than two groups"
                if np.isfinite(kept_values[worst_metric]).sum() < 2
                else f"{worst_metric} is 0 in every group (ratio 0/0)"
            )
        elif not (np.isfinite(lo) and np.isfinite(hi)):
            if config.n_bootstrap == 0:
                reason = "no interval (bootstrap off): the verdict compares the point estimate"
            else:
                reason = (
                    "no interval: the value is undefined in the resamples (groups too small)"
                )
        crit_rows.append(
            {
                "attribute": attribute, "criterion": name, "metric": worst_metric,
                "kind": crit.kind, "value": value, "lower": lo, "upper": hi, "tolerance": tol,
                "verdict": verdict(crit.kind, value, lo, hi, tol,
                                   interval_expected=config.n_bootstrap > 0),
                "worst_group": kept_display[lo_i] if lo_i >= 0 else None,
                "best_group": kept_display[hi_i] if hi_i >= 0 else None,
                "reason": reason,
            }
        )
    criteria = pd.DataFrame(crit_rows)

    # --- groups and undefined values ------------------------------------------------------
    weight = conf.w.sum(axis=1)
    groups = pd.DataFrame(
        {
            "count": counts[kept].astype(np.int64),
            "weight": weight[kept],
            "share": weight[kept] / weight.sum(),
            "base_rate": values["base_rate"][kept],
            "small": counts[kept] < config.min_group_size,
        },
        index=index,
    )
    undef_rows = []
    for m in metric_names:
        bad = ~np.isfinite(values[m][kept])
        for j in np.flatnonzero(bad):
            undef_rows.append({"group": kept_display[j], "metric": m,
                               "reason": _undefined_reason(conf, m, np.flatnonzero(kept)[j])})
    undef_rows += [{"group": "(all)", "metric": m, "reason": why} for m, why in config.left_out]
    undefined = pd.DataFrame(undef_rows, columns=["group", "metric", "reason"])
    denominators = pd.DataFrame(
        {m: _denominators(conf, m, config)[kept] for m in metric_names}, index=index
    )

    curves = None
    if scores is not None:
        kept_scores = ScoreStats(
            scores.edges, scores.probabilistic, scores.n[kept], scores.w[kept], scores.ws[kept],
            scores.ws2[kept], scores.auc[kept],
        )
        curves = _curves(kept_scores, kept_display)

    return {
        "overall": overall_s,
        "overall_intervals": overall_iv,
        "by_group": by_group,
        "lower": lower_df,
        "upper": upper_df,
        "disparities": disparities,
        "to_reference": to_reference,
        "criteria": criteria,
        "groups": groups,
        "undefined": undefined,
        "denominators": denominators,
        "curves": curves,
        "reference_group": labels[ref_index],
        "suppressed": [display[j] for j in np.flatnonzero(~kept)],
    }
