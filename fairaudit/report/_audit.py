"""The full fairness-audit report, read from one or more AuditResult objects."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ._charts import (
    disparity_chart,
    error_chart,
    metric_label,
    score_chart,
    threshold_chart,
)
from ._document import (
    Block,
    IdRegistry,
    RenderedSection,
    audit_name,
    figure,
    h,
    items,
    kv,
    note,
    p,
    page,
    section_blocks,
    table,
)
from ._findings import failing_sentences
from ._format import (
    VERDICTS,
    Cell,
    TableView,
    estimate_table,
    exact,
    fmt_interval,
    fmt_near,
    fmt_number,
    is_missing,
    label,
    table_view,
)
from ._model import DOCUMENT_SECTIONS, Section, _as_tuple, _looks_like_audit, check_path
from ._model import check_title as _check_title
from ._text import AUDIT_LIMITS, CRITERIA_TEXT, ERROR_FRAMING, GLOSSARY, criterion_label
from ._views import (
    RATIO_METRICS,
    AttributeView,
    attribute_views,
    confidence,
    config_value,
    criteria_for,
    group_labels,
    metrics_of,
    missing_counts,
    operating_threshold,
    ratio_tolerance,
    reference_label,
    safe_get,
    verdict_counts,
    worst_verdict,
)

RENDER_NO_AUDIT = "render() needs at least one AuditResult, e.g. render(fairaudit.audit(...))"
RENDER_AUDIT_TYPE = (
    "render() takes AuditResult objects as positional arguments (from fairaudit.audit)"
)
RENDER_COMPARISON = (
    "comparison must be a pandas DataFrame (from fairaudit.mitigation.compare) or None"
)
GE, LE = "\u2265", "\u2264"
MAX_CURVE_GROUPS = 8
MAX_CHART_GROUPS = 30
MAX_SENTENCES = 10
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


# --------------------------------------------------------------------------- verdict
def _badge(verdict: str) -> tuple[str, str, str]:
    return VERDICTS.get(str(verdict).lower(), VERDICTS["n/a"])


def _count_text(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return (
        f"{counts['fail']} of {total} checks fail, {counts['inconclusive']} inconclusive, "
        f"{counts['pass']} pass, {counts['n/a']} not applicable."
    )


def _banner(named: list[tuple[str, Any]]) -> Block:
    verdicts = [str(safe_get(a, "verdict", "n/a")) for _, a in named]
    overall = worst_verdict(verdicts)
    badge = _badge(overall)
    if len(named) == 1:
        counts = verdict_counts(named[0][1].criteria)
        lines = [_count_text(counts)]
    else:
        lines = [
            f"{name}: {_badge(v)[2]} \u2014 {_count_text(verdict_counts(a.criteria))}"
            for (name, a), v in zip(named, verdicts, strict=True)
        ]
    headline = {
        "fail": "At least one fairness criterion fails.",
        "inconclusive": "No criterion fails, but at least one is inconclusive: the data cannot "
        "tell whether it meets the tolerance.",
        "pass": "Every evaluated criterion passes its tolerance.",
        "n/a": "No criterion could be evaluated.",
    }[badge[0] if badge[0] != "na" else "n/a"]
    return Block("banner", text=headline, items=lines, cls=badge[0], extra={"badge": badge})


def _verdict_section(named, ids) -> RenderedSection:
    blocks: list[Block] = []
    for name, audit in named:
        meta = safe_get(audit, "meta", {}) or {}
        if len(named) > 1:
            blocks.append(h(name))
        word = _badge(safe_get(audit, "verdict", "n/a"))[2]
        blocks.append(p(f"Verdict: {word}. {_count_text(verdict_counts(audit.criteria))}"))
        pairs = [("Sensitive attributes", ", ".join(map(str, safe_get(audit, "features", []))))]
        if meta.get("n_samples") is not None:
            pairs.append(("Samples", fmt_number(meta.get("n_samples"))))
        for key, title in (("model", "Model"), ("data", "Data")):
            value = meta.get(key) or config_value(audit, key)
            if value:
                pairs.append((title, str(value)))
        if meta.get("created"):
            pairs.append(("Created", str(meta["created"])))
        blocks.append(kv(pairs))
        findings: list[str] = []
        views = attribute_views(audit)
        for view in views:
            rows = criteria_for(audit, view, views)
            ref = reference_label(view.result)
            found = failing_sentences(rows, view.result.to_reference, ref, confidence(audit))
            findings += [f"{view.name}: {s}" for s in found]
        if findings:
            blocks.append(p("Main findings (details under Disparities):"))
            shown = findings[:8]
            blocks.append(items(shown, cls="findings"))
            if len(findings) > len(shown):
                blocks.append(
                    p(f"\u2026 and {len(findings) - len(shown)} more in the Disparities section.")
                )
    return RenderedSection(ids("Verdict"), "Verdict", blocks)


# --------------------------------------------------------------------------- configuration
def _fmt_config(value: Any) -> str:
    if isinstance(value, float):
        return fmt_number(value, 4)
    if isinstance(value, (dict, list, tuple)):
        try:
            return json.dumps(value, default=str, ensure_ascii=False)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _configuration_section(named, ids) -> RenderedSection:
    blocks: list[Block] = []
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        views = attribute_views(audit)
        ref_bits = []
        for view in views:
            if view.intersection and len(views) > 1:
                continue
            reason = safe_get(view.result, "reference_reason", "")
            ref_bits.append(
                f"{view.name}: '{reference_label(view.result)}'"
                + (f" ({reason})" if reason else "")
            )
        crit = audit.criteria
        tol = crit.drop_duplicates("criterion")[["criterion", "kind", "tolerance"]]
        tol_text = "; ".join(
            f"{criterion_label(r.criterion)} {GE if r.kind == 'ratio' else LE} "
            f"{fmt_number(r.tolerance, 3)}"
            for r in tol.itertuples()
        )
        threshold = config_value(audit, "threshold")
        conf = confidence(audit)
        pairs = [
            ("Sensitive attributes", ", ".join(v.name for v in views)),
            ("Reference group", "; ".join(ref_bits) or "n/a"),
            (
                "Comparison basis",
                "Criteria compare the lowest and highest group (ratio "
                "min/max, difference max\u2212min); charts and tables show each group against "
                "the reference group.",
            ),
            ("Tolerances", tol_text or "n/a"),
            (
                "Decision threshold",
                "predictions given (no threshold applied)"
                if threshold is None
                else _fmt_config(threshold),
            ),
            (
                "Confidence intervals",
                f"{conf:.0%}, method "
                f"{config_value(audit, 'ci_method', 'n/a')}, "
                f"{config_value(audit, 'n_bootstrap', 'n/a')} resamples, seed "
                f"{config_value(audit, 'random_state', 'none (not reproducible)')}",
            ),
            ("Multiple-testing correction", _fmt_config(config_value(audit, "correction", "none"))),
            ("Minimum group size", _fmt_config(config_value(audit, "min_group_size", "n/a"))),
        ]
        suppress = config_value(audit, "suppress_below")
        if suppress is not None:
            pairs.append(("Small cells suppressed below", _fmt_config(suppress)))
        if config_value(audit, "pos_label") is not None:
            pairs.append(("Positive label", _fmt_config(config_value(audit, "pos_label"))))
        meta = safe_get(audit, "meta", {}) or {}
        pairs.append(("Sample weights", "yes" if meta.get("weighted") else "no"))
        blocks.append(kv(pairs))
    return RenderedSection(ids("Configuration"), "Configuration", blocks)


# --------------------------------------------------------------------------- criteria grid
def criteria_grid(audit: Any) -> TableView:
    """Criteria (rows) x attributes (columns); each cell verdict + value."""
    crit = audit.criteria
    attributes = list(dict.fromkeys(crit["attribute"].astype(str)))
    criteria = list(dict.fromkeys(crit["criterion"].astype(str)))
    conf = confidence(audit)
    head = [
        [Cell(text="Criterion", header=True, cls="index"), Cell(text="Tolerance", header=True)]
        + [Cell(text=a, header=True) for a in attributes]
    ]
    body = []
    for name in criteria:
        rows = crit[crit["criterion"].astype(str) == name]
        first = rows.iloc[0]
        rel = "\u2265 " if str(first["kind"]) == "ratio" else "\u2264 "
        line = [
            Cell(text=criterion_label(name), header=True, cls="index", title=name),
            Cell(
                text=rel + fmt_number(first["tolerance"], 3),
                value=exact(first["tolerance"]),
                cls="num",
            ),
        ]
        for attribute in attributes:
            match = rows[rows["attribute"].astype(str) == attribute]
            if match.empty:
                line.append(Cell(text="", cls="empty"))
                continue
            r = match.iloc[0]
            badge = _badge(r["verdict"])
            value_text = fmt_near(r["value"], r["tolerance"], 3)
            tip = (
                f"{criterion_label(name)} for {attribute}: {value_text} "
                f"({conf:.0%} CI {fmt_interval(r.get('lower'), r.get('upper'))}), tolerance "
                f"{rel}{fmt_number(r['tolerance'], 3)}"
            )
            worst = r.get("worst_group")
            if not is_missing(worst) and str(worst):
                tip += f"; worst group: {worst}"
            reason = r.get("reason")
            if not is_missing(reason) and str(reason):
                tip += f"; {reason}"
            line.append(
                Cell(
                    text=value_text,
                    value=exact(r["value"]),
                    cls=f"verdict {badge[0]}",
                    badge=badge,
                    title=tip,
                )
            )
        body.append(line)
    return TableView(
        head=head,
        body=body,
        cls="grid",
        caption="Verdict and value of each criterion per attribute",
    )


def _criteria_long(audit: Any) -> TableView:
    crit = audit.criteria.copy()
    cols = [
        c
        for c in (
            "attribute",
            "criterion",
            "value",
            "lower",
            "upper",
            "tolerance",
            "verdict",
            "worst_group",
            "reason",
        )
        if c in crit.columns
    ]
    frame = crit[cols].copy()
    frame["criterion"] = frame["criterion"].map(lambda c: criterion_label(str(c)))
    frame = frame.rename(columns={"worst_group": "worst group"})
    return table_view(
        frame,
        caption="All criteria with unrounded values (confidence interval lower and upper bounds)",
        digits=4,
    )


def _grid_section(named, ids) -> RenderedSection:
    blocks: list[Block] = [
        p(
            "Each criterion compares the groups of one attribute. PASS: the whole confidence "
            "interval meets the tolerance; FAIL: the whole interval violates it; INCONCLUSIVE: "
            "the interval straddles the tolerance; N/A: the value is undefined. Hover a cell for "
            "its interval and worst group."
        )
    ]
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        blocks.append(table(criteria_grid(audit)))
        blocks.append(table(_criteria_long(audit)))
    rows = [(criterion_label(k), v[1], v[2]) for k, v in CRITERIA_TEXT.items()]
    blocks.append(h("What the criteria mean", 3))
    blocks.append(
        table(
            table_view(
                pd.DataFrame(rows, columns=["criterion", "what it asks", "when it matters"]),
                caption="Which criterion to watch depends on the decision",
            )
        )
    )
    return RenderedSection(ids("Summary of criteria"), "Summary of criteria", blocks)


# --------------------------------------------------------------------------- data
def _groups_table(view: AttributeView, weighted: bool) -> Block:
    groups = safe_get(view.result, "groups")
    if groups is None or not isinstance(groups, pd.DataFrame):
        return note(f"No group table for {view.name}.", "info")
    cols = [c for c in ("count", "weight", "share", "base_rate", "small") if c in groups.columns]
    if not weighted and "weight" in cols:
        cols.remove("weight")
    frame = groups[cols].copy()
    frame.index = pd.Index([label(k) for k in frame.index], name=view.name)
    tv = table_view(
        frame.rename(columns={"base_rate": "base rate", "small": "small group"}),
        caption=f"Groups of {view.name}",
    )
    return table(tv)


def _data_section(named, ids) -> RenderedSection:
    blocks: list[Block] = []
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        meta = safe_get(audit, "meta", {}) or {}
        missing = missing_counts(audit)
        line = f"{fmt_number(meta.get('n_samples'))} samples."
        if missing:
            line += (
                " Missing sensitive values: "
                + ", ".join(f"{k}: {fmt_number(v)}" for k, v in missing.items())
                + "."
            )
        suppress = config_value(audit, "suppress_below")
        blocks.append(p(line + _suppression_text(audit, suppress)))
        min_size = config_value(audit, "min_group_size")
        for view in attribute_views(audit):
            blocks.append(h(view.name, 3))
            groups = safe_get(view.result, "groups")
            blocks.append(_groups_table(view, bool(meta.get("weighted"))))
            if isinstance(groups, pd.DataFrame) and "small" in groups.columns:
                small = [label(k) for k, v in groups["small"].items() if bool(v)]
                if small:
                    blocks.append(
                        note(
                            f"Small groups (fewer than {min_size} members): {', '.join(small)}. "
                            "Their estimates are uncertain; read their intervals.",
                            "warn",
                        )
                    )
    return RenderedSection(ids("Data"), "Data", blocks)


# --------------------------------------------------------------------------- performance
def _present(frame: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    return [m for m in metrics if m in frame.columns]


def _performance_section(named, ids) -> RenderedSection:
    blocks: list[Block] = [
        p(
            "Estimates with their confidence intervals (second line). The first row is the whole "
            "population."
        )
    ]
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        for view in attribute_views(audit):
            res = view.result
            metrics = _present(res.by_group, PERFORMANCE_METRICS)
            blocks.append(h(view.name, 3))
            blocks.append(
                table(
                    estimate_table(
                        res.by_group,
                        safe_get(res, "intervals"),
                        metrics,
                        [metric_label(m) for m in metrics],
                        index_name=view.name,
                        caption=f"Performance by group of {view.name}",
                        extra_rows=[
                            ("Overall", audit.overall, safe_get(audit, "overall_intervals"))
                        ],
                    )
                )
            )
    return RenderedSection(ids("Performance"), "Performance", blocks)


# --------------------------------------------------------------------------- disparities
def _disparity_frame(rows: pd.DataFrame) -> pd.DataFrame:
    cols = {
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
    present = {k: v for k, v in cols.items() if v in rows.columns}
    frame = pd.DataFrame({k: rows[v].to_numpy() for k, v in present.items()})
    frame.columns = pd.MultiIndex.from_tuples(list(present))
    frame[("metric", "")] = frame[("metric", "")].map(metric_label)
    return frame


def _chart_groups(view: AttributeView, rows: pd.DataFrame, ref: str) -> tuple[list[str], str]:
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


def disparity_blocks(audit: Any, view: AttributeView, views, *, level: int = 3) -> list[Block]:
    res = view.result
    crit_rows = criteria_for(audit, view, views)
    to_ref = res.to_reference
    ref = reference_label(res)
    conf = confidence(audit)
    present = set(to_ref["metric"].astype(str))
    metrics = [m for m in RATIO_METRICS if m in present] or metrics_of(crit_rows)
    rows = to_ref[to_ref["metric"].astype(str).isin(metrics)]
    blocks: list[Block] = [h(view.name, level)]
    reason = safe_get(res, "reference_reason", "")
    blocks.append(p(f"Reference group: '{ref}'" + (f" ({reason})." if reason else ".")))
    sentences = failing_sentences(crit_rows, to_ref, ref, conf)
    if sentences:
        blocks.append(items(sentences[:MAX_SENTENCES], cls="findings"))
        if len(sentences) > MAX_SENTENCES:
            blocks.append(
                p(
                    f"\u2026 and {len(sentences) - MAX_SENTENCES} more group-metric pairs "
                    "outside the tolerance, listed in the table below."
                )
            )
    elif not crit_rows.empty:
        blocks.append(p("No criterion fails for this attribute."))
    if rows.empty:
        blocks.append(note("No disparity could be computed for this attribute.", "info"))
        return blocks
    tolerance = ratio_tolerance(crit_rows)
    groups, omitted = _chart_groups(view, rows, ref)
    fig = disparity_chart(
        rows,
        metrics=metrics,
        groups=groups,
        reference=ref,
        tolerance=tolerance,
        attribute=view.name,
        confidence=conf,
    )
    fig = replace(
        fig,
        caption=(
            f"Ratio of each group's metric to the reference group '{ref}' with {conf:.0%} "
            f"confidence intervals; the shaded band is the tolerance "
            f"[{fmt_number(tolerance, 2)}, {fmt_number(1 / tolerance, 2)}]. Diamonds lie outside "
            f"the band. {omitted}"
        ).strip(),
    )
    blocks.append(figure(fig))
    blocks.append(
        table(
            table_view(
                _disparity_frame(rows), caption=f"Disparities of {view.name} relative to '{ref}'"
            )
        )
    )
    return blocks


def _disparities_section(named, ids) -> RenderedSection:
    blocks: list[Block] = [
        p(
            "For each attribute, each group's metrics are compared with the reference group. A "
            "ratio of 1 means parity; the shaded band shows the tolerance. Every chart is "
            "followed by its numbers."
        )
    ]
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        views = attribute_views(audit)
        for view in views:
            if view.intersection and len(views) > 1:
                blocks.append(h("Intersections", 3))
                suppress = config_value(audit, "suppress_below")
                blocks.append(
                    p(
                        "Groups formed by combining the attributes. Disparities can hide in "
                        "intersections that no single attribute shows."
                        + _suppression_text(audit, suppress)
                    )
                )
            blocks += disparity_blocks(
                audit, view, views, level=4 if view.intersection and len(views) > 1 else 3
            )
    return RenderedSection(ids("Disparities"), "Disparities", blocks)


def _suppression_text(audit: Any, suppress: Any) -> str:
    if suppress is None:
        return ""
    hidden = [str(g) for g in safe_get(audit, "suppressed_groups", []) or []]
    text = f" Cells with fewer than {suppress} members are suppressed"
    if not hidden:
        return text + " (none was)."
    listed = "; ".join(hidden[:12]) + ("; \u2026" if len(hidden) > 12 else "")
    return text + f": {len(hidden)} cell(s) are not shown ({listed})."


# --------------------------------------------------------------------------- errors
def _error_section(named, ids) -> RenderedSection:
    blocks: list[Block] = [p(ERROR_FRAMING)]
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        for view in attribute_views(audit):
            res = view.result
            labels = group_labels(res)
            blocks.append(h(view.name, 3))
            if len(labels) <= MAX_CHART_GROUPS:
                blocks.append(
                    figure(
                        error_chart(
                            res.by_group,
                            safe_get(res, "intervals"),
                            groups=labels,
                            attribute=view.name,
                        )
                    )
                )
            metrics = _present(res.by_group, ERROR_METRICS)
            blocks.append(
                table(
                    estimate_table(
                        res.by_group,
                        safe_get(res, "intervals"),
                        metrics,
                        [metric_label(m) for m in metrics],
                        index_name=view.name,
                        caption=f"Errors by group of {view.name}",
                    )
                )
            )
    return RenderedSection(ids("Error analysis"), "Error analysis", blocks)


# --------------------------------------------------------------------------- scores
def _curve_groups(res: Any, frame: pd.DataFrame) -> tuple[list[str], str]:
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


def _scores_section(named, ids) -> RenderedSection:
    blocks: list[Block] = []
    any_curves = False
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        for view in attribute_views(audit):
            res = view.result
            curves = safe_get(res, "curves") or (
                safe_get(audit, "curves") if not view.intersection else None
            )
            if not curves:
                continue
            if view.intersection and len(attribute_views(audit)) > 1:
                continue  # intersections have too many groups for readable curves
            any_curves = True
            blocks.append(h(view.name, 3))
            by_group = res.by_group
            labels = group_labels(res)
            intervals = safe_get(res, "intervals")
            legend, operating = {}, {}
            for i, g in enumerate(labels):
                text = g
                if "roc_auc" in by_group.columns:
                    auc = by_group["roc_auc"].iloc[i]
                    text += f" (AUC {fmt_number(auc)}"
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
            roc = curves.get("roc") if hasattr(curves, "get") else None
            cal = curves.get("calibration") if hasattr(curves, "get") else None
            roc = roc if isinstance(roc, pd.DataFrame) and not roc.empty else None
            cal = cal if isinstance(cal, pd.DataFrame) and not cal.empty else None
            if roc is not None or cal is not None:
                groups, extra = _curve_groups(res, roc if roc is not None else cal)
                fig = score_chart(
                    roc, cal, groups=groups, legend=legend, operating=operating, attribute=view.name
                )
                fig = replace(
                    fig,
                    caption="Left: ROC curve per group; the marker on each curve "
                    "is the group's operating point (its observed false and true "
                    "positive rates). Right: calibration per group; points below the "
                    "diagonal mean scores overstate the observed rate." + extra,
                )
                blocks.append(figure(fig))
            thr = curves.get("threshold") if hasattr(curves, "get") else None
            if isinstance(thr, pd.DataFrame) and not thr.empty:
                groups, extra = _curve_groups(res, thr)
                op = operating_threshold(audit)
                fig = threshold_chart(thr, groups=groups, threshold=op, attribute=view.name)
                fig = replace(
                    fig,
                    caption="Selection rate, true positive rate and "
                    "false positive rate as the threshold varies."
                    + (f" Dashed line: the operating threshold {op:g}." if op is not None else "")
                    + extra,
                )
                blocks.append(figure(fig))
            metrics = _present(
                by_group, ("roc_auc", "brier_score", "expected_calibration_error", "mean_score")
            )
            if metrics:
                blocks.append(
                    table(
                        estimate_table(
                            by_group,
                            intervals,
                            metrics,
                            [metric_label(m) for m in metrics],
                            index_name=view.name,
                            caption=f"Score quality by group of {view.name}",
                            extra_rows=[
                                ("Overall", audit.overall, safe_get(audit, "overall_intervals"))
                            ],
                        )
                    )
                )
    if not any_curves:
        blocks.insert(
            0,
            p(
                "No scores were given, so ROC, calibration and threshold curves are "
                "not available. Pass y_score (or --score on the command line) to "
                "see them."
            ),
        )
    return RenderedSection(ids("Scores and thresholds"), "Scores and thresholds", blocks)


# --------------------------------------------------------------------------- caveats
def _caveats_section(named, ids) -> RenderedSection:
    blocks: list[Block] = []
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        found = False
        min_size = config_value(audit, "min_group_size")
        for view in attribute_views(audit):
            groups = safe_get(view.result, "groups")
            if isinstance(groups, pd.DataFrame) and "small" in groups.columns:
                small = groups[groups["small"].astype(bool)]
                if len(small):
                    found = True
                    listed = ", ".join(
                        f"{label(k)} (n={fmt_number(small['count'].iloc[i])})"
                        if "count" in small.columns
                        else label(k)
                        for i, k in enumerate(small.index[:20])
                    )
                    more = f" and {len(small) - 20} more" if len(small) > 20 else ""
                    blocks.append(
                        note(
                            f"{view.name}: {len(small)} group(s) smaller than {min_size}: "
                            f"{listed}{more}. Intervals are wide and verdicts involving them are "
                            "fragile.",
                            "warn",
                        )
                    )
        undefined = safe_get(audit, "undefined")
        if isinstance(undefined, pd.DataFrame) and len(undefined):
            found = True
            blocks.append(h("Undefined values", 3))
            blocks.append(p("These values are undefined (shown as n/a), with the reason:"))
            frame = undefined.copy()
            if "metric" in frame.columns:
                frame["metric"] = frame["metric"].map(lambda m: metric_label(str(m)))
            if len(frame) > 50:
                blocks.append(p(f"The first 50 of {len(frame)} are listed."))
                frame = frame.iloc[:50]
            blocks.append(
                table(table_view(frame.reset_index(drop=True), caption="Undefined metrics"))
            )
        base_notes = []
        for view in attribute_views(audit):
            groups = safe_get(view.result, "groups")
            if isinstance(groups, pd.DataFrame) and "base_rate" in groups.columns:
                rates = pd.to_numeric(groups["base_rate"], errors="coerce").dropna()
                if len(rates) > 1 and rates.max() - rates.min() > 0.01:
                    base_notes.append(
                        f"{view.name} {fmt_number(rates.min())} to {fmt_number(rates.max())}"
                    )
        if base_notes:
            found = True
            blocks.append(
                note(
                    "Base rates differ between groups (" + "; ".join(base_notes) + "). When base "
                    "rates differ, no imperfect classifier can be calibrated within every group and "
                    "also have equal false positive and false negative rates (Kleinberg, "
                    "Mullainathan & Raghavan 2017; Chouldechova 2017): predictive parity and "
                    "equalized odds cannot both hold, and choosing between them is a value "
                    "judgement.",
                    "warn",
                )
            )
        missing = {k: v for k, v in missing_counts(audit).items() if v}
        if missing:
            found = True
            listed = ", ".join(f"{k}: {fmt_number(v)}" for k, v in missing.items())
            blocks.append(
                note(
                    f"Rows with a missing sensitive value ({listed}). People whose attributes "
                    "are not recorded are often the least visible in an audit.",
                    "warn",
                )
            )
        if not found:
            blocks.append(
                p("No small groups, undefined metrics or differing base rates were found.")
            )
    blocks.append(h("What an audit cannot see", 3))
    blocks.append(items(AUDIT_LIMITS))
    if any(str(config_value(a, "correction", "none")) != "none" for _, a in named):
        blocks.append(
            p(
                "Significance flags use p-values adjusted for testing many groups and "
                "metrics at once; a non-significant difference is not evidence of "
                "equality, only of too little data to tell."
            )
        )
    return RenderedSection(ids("Caveats"), "Caveats", blocks)


def _glossary_section(ids) -> RenderedSection:
    return RenderedSection(ids("Glossary"), "Glossary", [kv(GLOSSARY, cls="glossary")])


# --------------------------------------------------------------------------- reproducibility
def _schema_version(audit: Any) -> str:
    try:
        d = audit.to_dict()
    except Exception:
        return "n/a"
    for key in ("schema_version", "schema", "version"):
        if isinstance(d, dict) and key in d and not isinstance(d[key], dict):
            return str(d[key])
    return "n/a"


def _reproduce_call(audit: Any) -> str:
    config = safe_get(audit, "config", {}) or {}
    keys = (
        "metrics",
        "reference_group",
        "pos_label",
        "n_bootstrap",
        "confidence_level",
        "ci_method",
        "min_group_size",
        "suppress_below",
        "tolerances",
        "threshold",
        "correction",
        "random_state",
    )
    args = ", ".join(f"{k}={config[k]!r}" for k in keys if k in config)
    extra = ", y_score=y_score" if safe_get(audit, "curves") else ""
    return (
        f"fairaudit.audit(y_true, y_pred, sensitive_features=sensitive_features{extra}"
        f"{', ' + args if args else ''})"
    )


def _reproducibility_section(named, ids) -> RenderedSection:
    blocks: list[Block] = []
    for name, audit in named:
        if len(named) > 1:
            blocks.append(h(name))
        meta = safe_get(audit, "meta", {}) or {}
        config = safe_get(audit, "config", {}) or {}
        pairs = [
            ("JSON schema version", _schema_version(audit)),
            ("Data hash", str(meta.get("data_hash", "n/a"))),
            ("Samples", fmt_number(meta.get("n_samples"))),
            ("Seed (random_state)", _fmt_config(config.get("random_state"))),
            ("Created", str(meta.get("created", "n/a"))),
        ]
        versions = meta.get("versions") or {}
        if isinstance(versions, dict):
            pairs += [(f"{k} version", str(v)) for k, v in versions.items()]
        blocks.append(kv(pairs))
        blocks.append(h("Parameters", 3))
        blocks.append(kv([(str(k), _fmt_config(v)) for k, v in config.items()]))
        blocks.append(h("Reproduce", 3))
        blocks.append(Block("p", text=_reproduce_call(audit), cls="mono"))
        blocks.append(
            p(
                "Save the result with result.to_json('results.json'); "
                "'fairaudit report results.json --out report.html' re-renders this "
                "report without recomputing anything."
            )
        )
    return RenderedSection(ids("Reproducibility"), "Reproducibility", blocks)


# --------------------------------------------------------------------------- summary (embedded)
def audit_summary_blocks(audit: Any, name: str, ids: IdRegistry) -> list[Block]:
    """Compact summary of one audit for :class:`Section.audits`."""
    badge = _badge(safe_get(audit, "verdict", "n/a"))
    counts = verdict_counts(audit.criteria)
    blocks: list[Block] = [
        h(name, 3, id=ids(name)),
        Block(
            "banner",
            text=f"Verdict: {badge[2]}",
            items=[_count_text(counts)],
            cls=badge[0],
            extra={"badge": badge},
        ),
        table(criteria_grid(audit)),
    ]
    views = attribute_views(audit)
    for view in views:
        blocks += disparity_blocks(audit, view, views, level=4)
    return blocks


# --------------------------------------------------------------------------- entry point
def render(
    *audits: Any,
    comparison: pd.DataFrame | None = None,
    title: str = "Fairness audit",
    sections: Sequence[Section] = (),
    path: str | os.PathLike[str] | None = None,
) -> str:
    """Render the full fairness-audit report as one self-contained HTML page.

    Sections, in order: verdict, configuration, your own ``sections`` (context, intended
    use), summary of criteria, data, performance, disparities (with intersections), error
    analysis, scores and thresholds, mitigation comparison (when ``comparison`` is given),
    caveats, glossary, reproducibility. The report only reads the results; it never
    recomputes a metric, and verdicts are taken from ``AuditResult.criteria``.

    Parameters
    ----------
    *audits : AuditResult
        One or more results of :func:`fairaudit.audit` (e.g. several models on the same
        data). Each is named by ``meta["name"]`` when present, else "Audit 1", "Audit 2"...
    comparison : pandas.DataFrame, optional
        A model comparison (``fairaudit.mitigation.compare``): shown as a table and a
        performance-versus-disparity scatter with the Pareto front.
    title : str, default "Fairness audit"
    sections : sequence of Section, default ()
        Extra sections placed after the configuration.
    path : str or os.PathLike, optional
        When given, the page is also written there.

    Returns
    -------
    str
        The HTML page.
    """
    if not audits:
        raise TypeError(RENDER_NO_AUDIT)
    if not all(_looks_like_audit(a) for a in audits):
        raise TypeError(RENDER_AUDIT_TYPE)
    if comparison is not None and not isinstance(comparison, pd.DataFrame):
        raise TypeError(RENDER_COMPARISON)
    _check_title(title, "")
    check_path(path)
    sections = _as_tuple(sections, (Section,), DOCUMENT_SECTIONS)
    ids = IdRegistry()
    named = [(audit_name(a, i, len(audits)), a) for i, a in enumerate(audits)]
    rendered = [_verdict_section(named, ids), _configuration_section(named, ids)]
    for section in sections:
        anchor = ids(section.id, exact=True) if section.id else ids(section.heading)
        rendered.append(RenderedSection(anchor, section.heading, section_blocks(section, ids)))
    rendered += [
        _grid_section(named, ids),
        _data_section(named, ids),
        _performance_section(named, ids),
        _disparities_section(named, ids),
        _error_section(named, ids),
        _scores_section(named, ids),
    ]
    if comparison is not None:
        from ._compare import comparison_blocks

        heading = "Mitigation and model comparison"
        rendered.append(RenderedSection(ids(heading), heading, comparison_blocks(comparison)))
    rendered += [
        _caveats_section(named, ids),
        _glossary_section(ids),
        _reproducibility_section(named, ids),
    ]
    subtitle = ", ".join(name for name, _ in named) if len(named) > 1 else ""
    return page(title, rendered, subtitle=subtitle, banner=_banner(named), path=path)
