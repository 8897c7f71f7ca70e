"""The scores-and-thresholds section: ROC, calibration and threshold curves per group.

The curves and the operating points come from ``AuditResult.curves`` and ``by_group``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from ._blocks import Named, each_audit, estimates, present, section, separate_intersection
from ._charts import score_chart, threshold_chart
from ._document import Block, IdRegistry, RenderedSection
from ._elements import figure, h, p
from ._format import fmt_interval, fmt_number
from ._multiclass import is_multiclass
from ._views import AttributeView, attribute_views, group_labels, operating_threshold

MAX_CURVE_GROUPS = 8
SCORE_METRICS = ("roc_auc", "brier_score", "expected_calibration_error", "mean_score")
NO_SCORES = (
    "No scores were given, so ROC, calibration and threshold curves are not available. Pass "
    "y_score (or --score on the command line) to see them."
)
MULTICLASS_NO_SCORES = "A multiclass audit takes no scores: it has no curves to show."
SCORE_CAPTION = (
    "Left: ROC curve per group; the marker on each curve is the group's operating point (its "
    "observed false and true positive rates). Right: calibration per group; points below the "
    "diagonal mean scores overstate the observed rate."
)
THRESHOLD_CAPTION = (
    "Selection rate, true positive rate and false positive rate as the threshold varies."
)


def _curve(curves: Any, key: str) -> pd.DataFrame | None:
    frame = curves.get(key) if hasattr(curves, "get") else None
    return frame if isinstance(frame, pd.DataFrame) and not frame.empty else None


def _curve_groups(res: Any, frame: pd.DataFrame) -> tuple[list[str], str]:
    """Groups to draw (all, or the largest) and a note on those left out."""
    available = list(dict.fromkeys(frame["group"].astype(str)))
    labels = [g for g in group_labels(res) if g in available] or available
    if len(labels) <= MAX_CURVE_GROUPS:
        return labels, ""
    counts = res.by_group["count"] if "count" in res.by_group.columns else None
    if counts is not None:
        order = pd.Series(counts.to_numpy(), index=group_labels(res)).sort_values(ascending=False)
        keep = [g for g in order.index if g in labels][:MAX_CURVE_GROUPS]
        labels = [g for g in labels if g in keep]
    else:
        labels = labels[:MAX_CURVE_GROUPS]
    return labels, f" Only the {MAX_CURVE_GROUPS} largest groups are drawn."


def _legend(res: Any) -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    """Legend text per group (with its AUC and interval) and its (FPR, TPR) operating point."""
    by_group = res.by_group
    intervals = res.intervals
    legend, operating = {}, {}
    for i, g in enumerate(group_labels(res)):
        text = g
        if "roc_auc" in by_group.columns:
            text += f" (AUC {fmt_number(by_group['roc_auc'].iloc[i])}"
            if intervals is not None and ("roc_auc", "lower") in intervals.columns:
                ci = fmt_interval(
                    intervals[("roc_auc", "lower")].iloc[i],
                    intervals[("roc_auc", "upper")].iloc[i],
                )
                text += f", CI {ci}" if ci != "n/a" else ""
            text += ")"
        legend[g] = text
        if {"false_positive_rate", "true_positive_rate"} <= set(by_group.columns):
            operating[g] = (
                float(by_group["false_positive_rate"].iloc[i]),
                float(by_group["true_positive_rate"].iloc[i]),
            )
    return legend, operating


def _score_blocks(audit: Any, view: AttributeView, curves: Any) -> list[Block]:
    res, name = view.result, view.name
    blocks: list[Block] = []
    roc, cal = _curve(curves, "roc"), _curve(curves, "calibration")
    if roc is not None or cal is not None:
        groups, extra = _curve_groups(res, roc if roc is not None else cal)
        legend, operating = _legend(res)
        fig = score_chart(
            roc, cal, groups=groups, legend=legend, operating=operating, attribute=name
        )
        blocks.append(figure(replace(fig, caption=SCORE_CAPTION + extra)))
    thr = _curve(curves, "threshold")
    if thr is not None:
        groups, extra = _curve_groups(res, thr)
        op = operating_threshold(audit)
        fig = threshold_chart(thr, groups=groups, threshold=op, attribute=name)
        line = f" Dashed line: the operating threshold {op:g}." if op is not None else ""
        blocks.append(figure(replace(fig, caption=THRESHOLD_CAPTION + line + extra)))
    if present(view.result.by_group, SCORE_METRICS):
        blocks.append(estimates(view, SCORE_METRICS, "Score quality", overall=audit))
    return blocks


def scores_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = []
    any_curves = False
    for _, audit in each_audit(named, blocks):
        if is_multiclass(audit):
            blocks.append(p(MULTICLASS_NO_SCORES))
            continue
        views = attribute_views(audit)
        for view in views:
            res = view.result
            curves = res.curves or (audit.curves if not view.intersection else None)
            if curves and not {"roc", "calibration", "threshold"} & set(curves):
                continue  # a multiclass audit's confusion matrices: see its own section
            if not curves or separate_intersection(view, views):
                continue  # intersections have too many groups for readable curves
            any_curves = True
            blocks.append(h(view.name, 3))
            blocks += _score_blocks(audit, view, curves)
    if not any_curves:
        blocks.insert(0, p(NO_SCORES))
    return section(ids, "Scores and thresholds", blocks)
