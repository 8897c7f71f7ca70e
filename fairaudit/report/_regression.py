"""The sections of the audit report for regression audits (numeric predictions): errors and
the distribution of the predictions by group, and the comparisons with the reference group.

They read the result's tables and the engine's vocabulary (metric labels from
:mod:`fairaudit.metrics._regression_metrics`); nothing here computes a metric.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..metrics._regression_metrics import regression_label
from ._blocks import MAX_CHART_GROUPS, Named, each_audit, estimates, section
from ._charts import in_sentence, short
from ._document import Block, IdRegistry, RenderedSection
from ._elements import figure, h, p, table
from ._format import fmt_interval, fmt_number, fmt_p_value, table_view
from ._model import Figure
from ._svg import PALETTE, figure_to_svg, new_figure, plain, style
from ._views import attribute_views, group_labels, reference_label

ERROR_METRICS = (
    "count",
    "mean_prediction",
    "mean_outcome",
    "mean_error",
    "mean_absolute_error",
    "root_mean_squared_error",
    "r2",
)
DISTRIBUTION_METRICS = (
    "prediction_q10",
    "median_prediction",
    "prediction_q90",
    "share_above_median",
)
#: The comparisons with the reference group shown in the report, in this order.
COMPARISONS = (
    "mean_prediction",
    "standardized_mean_difference",
    "ks_distance",
    "wasserstein_distance",
    "share_above_median",
    "mean_absolute_error",
    "mean_error",
)
ERRORS_INTRO = (
    "Errors by group, with their confidence intervals (second line); the first row is the "
    "whole population. Mean error is prediction minus outcome: positive when the group is "
    "over-predicted. R² compares the squared error with the spread of the group's own "
    "outcomes."
)
DISTRIBUTION_INTRO = (
    "How the predictions are spread in each group: the bar runs from the 10th to the 90th "
    "percentile, the tick is the median and the dot the mean; the dashed line is the median "
    "of all predictions, the cut-off of the share above the median (the scoring rate of NYC "
    "Local Law 144)."
)
COMPARE_INTRO = (
    "Each group against the reference group: differences of means and shares, the "
    "standardized mean difference (Cohen's d, pooled SD), and the Kolmogorov-Smirnov and "
    "Wasserstein-1 distances between the distributions of the predictions, with confidence "
    "intervals and p-values adjusted for the number of comparisons (Welch t-test for means, "
    "Kolmogorov-Smirnov test for distributions, two-proportion test for shares)."
)


def is_regression(audit: Any) -> bool:
    """Whether a result is a regression audit."""
    return getattr(getattr(audit, "settings", None), "task", "binary") == "regression"


def distribution_chart(result: Any, *, attribute: str) -> Figure:
    """Quantile strips of the predictions per group (10th-90th percentile, median, mean)."""
    bg = result.by_group
    groups = group_labels(result)
    n_g = len(groups)
    ypos = np.arange(n_g)[::-1]
    with style():
        fig, ax = new_figure(6.4, 0.36 * n_g + 1.4)
        lo = bg["prediction_q10"].to_numpy(dtype=float)
        hi = bg["prediction_q90"].to_numpy(dtype=float)
        med = bg["median_prediction"].to_numpy(dtype=float)
        mean = bg["mean_prediction"].to_numpy(dtype=float)
        ax.hlines(ypos, lo, hi, color=PALETTE[0], lw=5, alpha=0.45, label="10th to 90th percentile")
        ax.plot(med, ypos, ls="", marker="|", ms=14, mew=2.2, color=PALETTE[0], label="median")
        ax.plot(mean, ypos, ls="", marker="o", ms=5, color=PALETTE[1], label="mean")
        overall = result.overall.get("median_prediction", np.nan)
        if np.isfinite(overall):
            ax.axvline(overall, color="0.35", ls="--", lw=1, label="median of all predictions")
        ax.set_yticks(ypos)
        ax.set_yticklabels([plain(short(g)) for g in groups])
        ax.set_ylim(-0.7, n_g - 0.3)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("prediction")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
        fig.tight_layout()
    alt = (
        f"Quantile strips for {attribute}: each group's 10th to 90th percentile of the "
        "predictions as a bar, the median as a tick and the mean as a dot, with the median "
        "of all predictions as a dashed line. The same numbers are in the table below."
    )
    return Figure(figure_to_svg(fig, tight=False), alt=alt)


def comparison_table(result: Any, *, attribute: str) -> pd.DataFrame:
    """The to-reference rows of :data:`COMPARISONS`, one line per group and comparison."""
    tr = result.to_reference
    rows = []
    for m in COMPARISONS:
        part = tr[tr["metric"] == m]
        ratio_metric = m in ("share_above_median", "mean_absolute_error")
        for r in part.itertuples(index=False):
            est, lo, hi = (
                (r.ratio, r.ratio_lower, r.ratio_upper)
                if ratio_metric
                else (r.difference, r.difference_lower, r.difference_upper)
            )
            kind = (
                "ratio to reference"
                if ratio_metric
                else (
                    "distance"
                    if m in ("ks_distance", "wasserstein_distance", "standardized_mean_difference")
                    else "difference"
                )
            )
            rows.append(
                {
                    "group": r.group,
                    "comparison": f"{regression_label(m)} ({kind})",
                    "estimate": fmt_number(est),
                    "interval": fmt_interval(lo, hi),
                    "adjusted p": fmt_p_value(r.p_adjusted) if np.isfinite(r.p_adjusted) else "–",
                }
            )
    return pd.DataFrame(rows, columns=["group", "comparison", "estimate", "interval", "adjusted p"])


def errors_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = [p(ERRORS_INTRO)]
    for _, audit in each_audit(named, blocks):
        for view in attribute_views(audit):
            blocks.append(h(view.name, 3))
            blocks.append(estimates(view, ERROR_METRICS, "Errors", overall=audit))
    return section(ids, "Errors by group", blocks)


def distribution_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = [p(DISTRIBUTION_INTRO)]
    for _, audit in each_audit(named, blocks):
        for view in attribute_views(audit):
            res = view.result
            blocks.append(h(view.name, 3))
            if len(res.by_group) <= MAX_CHART_GROUPS and "prediction_q10" in res.by_group:
                blocks.append(figure(distribution_chart(res, attribute=view.name)))
            blocks.append(estimates(view, DISTRIBUTION_METRICS, "Predictions", overall=audit))
    return section(ids, "Distribution of the predictions", blocks)


def comparison_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = [p(COMPARE_INTRO)]
    for _, audit in each_audit(named, blocks):
        for view in attribute_views(audit):
            res = view.result
            blocks.append(h(view.name, 3))
            blocks.append(p(f"Reference group: {reference_label(res)} ({res.reference_reason})."))
            frame = comparison_table(res, attribute=view.name)
            if frame.empty:
                blocks.append(p("There is only one group: nothing to compare."))
                continue
            blocks.append(
                table(
                    table_view(
                        frame.set_index(["group", "comparison"]),
                        caption=f"Each group of {view.name} against the reference group",
                    )
                )
            )
    return section(ids, "Disparities", blocks)


def regression_sections(named: Named, ids: IdRegistry) -> list[RenderedSection]:
    """The evidence sections of regression audits, in the report's order."""
    return [
        errors_section(named, ids),
        distribution_section(named, ids),
        comparison_section(named, ids),
    ]


def metric_in_sentence(name: str) -> str:
    return in_sentence(regression_label(name))
