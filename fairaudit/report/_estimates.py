"""Per-group estimates of the audit report: the performance and error-analysis sections."""

from __future__ import annotations

from ._blocks import MAX_CHART_GROUPS, Named, each_audit, estimates, section
from ._charts import error_chart
from ._document import Block, IdRegistry, RenderedSection
from ._elements import figure, h, p
from ._text import ERROR_FRAMING
from ._views import attribute_views, group_labels

PERFORMANCE_METRICS = (
    "count",
    "accuracy",
    "balanced_accuracy",
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "positive_predictive_value",
    "roc_auc",
    "brier_score",
    "expected_calibration_error",
)
ERROR_METRICS = (
    "false_positive_rate",
    "false_negative_rate",
    "false_discovery_rate",
    "false_omission_rate",
    "error_rate",
)
PERFORMANCE_INTRO = (
    "Estimates with their confidence intervals (second line). The first row is the whole "
    "population."
)


def performance_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = [p(PERFORMANCE_INTRO)]
    for _, audit in each_audit(named, blocks):
        for view in attribute_views(audit):
            blocks.append(h(view.name, 3))
            blocks.append(estimates(view, PERFORMANCE_METRICS, "Performance", overall=audit))
    return section(ids, "Performance", blocks)


def error_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = [p(ERROR_FRAMING)]
    for _, audit in each_audit(named, blocks):
        for view in attribute_views(audit):
            res = view.result
            labels = group_labels(res)
            blocks.append(h(view.name, 3))
            if len(labels) <= MAX_CHART_GROUPS and (
                {"false_positive_rate", "false_negative_rate"} & set(res.by_group.columns)
            ):
                chart = error_chart(res.by_group, res.intervals, groups=labels, attribute=view.name)
                blocks.append(figure(chart))
            blocks.append(estimates(view, ERROR_METRICS, "Errors"))
    return section(ids, "Error analysis", blocks)
