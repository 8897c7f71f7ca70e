"""The core of the audit report: each group against the reference group, per attribute.

For every attribute a plain sentence per failing group, a dot-and-whisker chart of the
ratios to the reference group and the same numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..metrics._multiclass import split_class_column
from ._blocks import (
    MAX_CHART_GROUPS,
    Named,
    each_audit,
    few_legend,
    flag_column,
    section,
    separate_intersection,
    suppression_text,
)
from ._charts import disparity_chart, metric_label
from ._document import Block, IdRegistry, RenderedSection
from ._elements import figure, h, marked, note, p, table
from ._findings import Finding, view_findings
from ._format import fmt_number, table_view
from ._views import (
    RATIO_METRICS,
    AttributeView,
    attribute_views,
    confidence,
    criteria_for,
    few_flags,
    group_labels,
    group_positions,
    metrics_of,
    ratio_tolerance,
    reference_label,
)

MAX_SENTENCES = 10
#: (top, sub) header of the disparity table -> column of ``AuditResult.to_reference``
DISPARITY_COLUMNS = {
    ("group", ""): "group",
    ("metric", ""): "metric",
    ("value", ""): "value",
    ("reference", ""): "reference_value",
    ("ratio", "estimate"): "ratio",
    ("ratio", "lower"): "ratio_lower",
    ("ratio", "upper"): "ratio_upper",
    ("difference", "estimate"): "difference",
    ("difference", "lower"): "difference_lower",
    ("difference", "upper"): "difference_upper",
    ("p-value", "adjusted"): "p_adjusted",
    ("significant", ""): "significant",
}
INTRO = (
    "For each attribute, each group's metrics are compared with the reference group. A "
    "ratio of 1 means parity; the shaded band shows the tolerance. Every chart is "
    "followed by its numbers."
)
ALL_PASS = "Every criterion passes for this attribute."
INTERSECTION_TEXT = (
    "Groups formed by combining the attributes. Disparities can hide in "
    "intersections that no single attribute shows."
)


def _disparity_frame(rows: pd.DataFrame) -> pd.DataFrame:
    present = {k: v for k, v in DISPARITY_COLUMNS.items() if v in rows.columns}
    frame = pd.DataFrame({k: rows[v].to_numpy() for k, v in present.items()})
    frame.columns = pd.MultiIndex.from_tuples(list(present))
    frame[("metric", "")] = frame[("metric", "")].map(metric_label)
    return frame


def _chart_groups(view: AttributeView, rows: pd.DataFrame, ref: str) -> tuple[list[str], str]:
    """Groups to draw (all, or the furthest from parity) and a note on those left out."""
    labels = group_labels(view.result)
    present = set(rows["group"].astype(str)) | {ref}
    groups = [g for g in labels if g in present] or list(dict.fromkeys(rows["group"].astype(str)))
    if len(groups) <= MAX_CHART_GROUPS:
        return groups, ""
    dev = rows.assign(dev=np.abs(np.log(pd.to_numeric(rows["ratio"], errors="coerce"))))
    worst = dev.groupby("group")["dev"].max().sort_values(ascending=False)
    keep = set(worst.index[: MAX_CHART_GROUPS - 1]) | {ref}
    return (
        [g for g in groups if g in keep],
        f"The chart shows the {MAX_CHART_GROUPS - 1} groups furthest from parity and the "
        f"reference; the table lists all {len(groups)} groups.",
    )


def _chart_metrics(
    to_ref: pd.DataFrame, crit_rows: pd.DataFrame
) -> list[tuple[str | None, list[str]]]:
    """The metrics of the disparity charts: one chart of the decision's rates, or for a
    multiclass audit one chart per class of that class's one-vs-rest rates."""
    present = list(dict.fromkeys(to_ref["metric"].astype(str)))
    metrics = [m for m in RATIO_METRICS if m in present] or [
        m for m in metrics_of(crit_rows) if m in present
    ]
    if metrics:
        return [(None, metrics)]
    by_class: dict[str, list[str]] = {}
    for name in present:
        split = split_class_column(name)
        if split is not None and split[0] in RATIO_METRICS:
            by_class.setdefault(split[1], []).append(name)
    order = {m: i for i, m in enumerate(RATIO_METRICS)}
    return [
        (cls, sorted(names, key=lambda n: order[split_class_column(n)[0]]))
        for cls, names in by_class.items()
    ]


def _sentence_blocks(findings: list[Finding], crit_rows: pd.DataFrame) -> list[Block]:
    if not findings:
        return [] if crit_rows.empty else [p(ALL_PASS)]
    shown = findings[:MAX_SENTENCES]
    blocks = [marked([(*f.mark, f.text) for f in shown])]
    if len(findings) > MAX_SENTENCES:
        blocks.append(
            p(
                f"\u2026 and {len(findings) - MAX_SENTENCES} more findings, whose numbers are "
                "in the table below."
            )
        )
    return blocks


def _flags(view: AttributeView, rows: pd.DataFrame, column: str) -> list[bool]:
    """Whether each row's group (or, for ``column="reference"``, the reference group) rests
    on few observations for the row's metric."""
    flags = few_flags(view.result)
    if flags is None:
        return [False] * len(rows)
    positions = group_positions(view.result)
    ref = reference_label(view.result)
    groups = [ref] * len(rows) if column == "reference" else rows["group"].astype(str).tolist()
    return [
        bool(flags[m].iloc[positions[g]]) if g in positions and m in flags.columns else False
        for g, m in zip(groups, rows["metric"].astype(str), strict=True)
    ]


def disparity_blocks(
    audit: Any, view: AttributeView, views: Sequence[AttributeView], *, level: int = 3
) -> list[Block]:
    """Heading, reference group, failing sentences, chart and table of one attribute."""
    res = view.result
    crit_rows = criteria_for(audit, view, views)
    to_ref = res.to_reference
    ref = reference_label(res)
    conf = confidence(audit)
    panels = _chart_metrics(to_ref, crit_rows)
    metrics = [m for _, ms in panels for m in ms]
    rows = to_ref[to_ref["metric"].astype(str).isin(metrics)]
    blocks: list[Block] = [h(view.name, level)]
    reason = res.reference_reason
    blocks.append(p(f"Reference group: '{ref}'" + (f" ({reason})." if reason else ".")))
    blocks += _sentence_blocks(view_findings(audit, view, list(views)), crit_rows)
    if rows.empty:
        blocks.append(note("No disparity could be computed for this attribute.", "info"))
        return blocks
    tolerance = ratio_tolerance(crit_rows)
    groups, omitted = _chart_groups(view, rows, ref)
    for cls, chart_metrics in panels:
        fig = disparity_chart(
            rows,
            metrics=chart_metrics,
            groups=groups,
            reference=ref,
            tolerance=tolerance,
            attribute=view.name if cls is None else f"{view.name}, class {cls}",
            confidence=conf,
        )
        which = "" if cls is None else f"Class {cls} (its own yes/no decision): "
        fig = replace(
            fig,
            caption=(
                f"{which}Ratio of each group's metric to the reference group '{ref}' with "
                f"{conf:.0%} confidence intervals; the shaded band is the tolerance "
                f"[{fmt_number(tolerance, 2)}, {fmt_number(1 / tolerance, 2)}]. Diamonds lie "
                f"outside the band. {omitted}"
            ).strip(),
        )
        blocks.append(figure(fig))
    caption = f"Disparities of {view.name} relative to '{ref}'"
    frame = _disparity_frame(rows)
    tv = table_view(frame, caption=caption)
    legend = few_legend(audit)
    for key in (("value", ""), ("reference", "")):
        if key in frame.columns:
            tv = flag_column(tv, list(frame.columns).index(key), _flags(view, rows, key[0]), legend)
    blocks.append(table(tv))
    return blocks


def disparities_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = [p(INTRO)]
    for _, audit in each_audit(named, blocks):
        views = attribute_views(audit)
        for view in views:
            apart = separate_intersection(view, views)
            if apart:
                blocks.append(h("Intersections", 3))
                blocks.append(p(INTERSECTION_TEXT + suppression_text(audit)))
            blocks += disparity_blocks(audit, view, views, level=4 if apart else 3)
    return section(ids, "Disparities", blocks)
