"""Read-only helpers over an AuditResult: attributes, group labels, criteria lookups.

Nothing here computes a metric; it selects and reshapes what the result holds, in the
engine's vocabulary (metric and criterion names, the intersection separator, the verdict
rule are imported from the engine, never restated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._result import AuditResult
from ..metrics._criteria import CRITERIA, VERDICTS_WORST_FIRST
from ..metrics._tables import INTERSECTION
from ._format import label

#: The rates the criteria compare, in the engine's order: the metrics drawn as ratio charts.
RATIO_METRICS: tuple[str, ...] = tuple(
    dict.fromkeys(m for c in CRITERIA.values() for m in c.metrics)
)
#: Verdicts from the worst to the best, then "not evaluated".
VERDICT_ORDER = VERDICTS_WORST_FIRST
#: A criterion of results written by schema 1.0 and 1.1 that repeats another one.
ALIASES = {"four_fifths_rule": "demographic_parity_ratio"}
_SAME = ("value", "lower", "upper", "tolerance", "verdict", "reason")
_WORD = re.compile(r"[a-z_]+")


@dataclass(frozen=True)
class AttributeView:
    """One attribute (a feature, or the intersection of several) and the result for it."""

    name: str
    result: AuditResult
    intersection: bool


def attribute_views(audit: AuditResult) -> list[AttributeView]:
    """Each feature on its own, then their intersection (one view for a single feature)."""
    features = list(audit.features)
    name = audit.attribute or INTERSECTION.join(features)
    marginals = audit.marginals
    if len(features) == 1 or not marginals:
        return [AttributeView(name, audit, len(features) > 1)]
    views = [
        AttributeView(marginals[f].attribute or f, marginals[f], False)
        for f in features
        if f in marginals
    ]
    views.append(AttributeView(name, audit, True))
    return views


def is_audit(obj: object) -> bool:
    """Whether ``obj`` is an :class:`~fairaudit.AuditResult`."""
    return isinstance(obj, AuditResult)


def audit_name(audit: AuditResult, i: int, n: int) -> str:
    """The audit's ``name``, else "Audit" (one audit) or "Audit 1", "Audit 2", ..."""
    value = audit.info.name
    if isinstance(value, str) and value.strip():
        return value
    return "Audit" if n == 1 else f"Audit {i + 1}"


def missing_counts(audit: AuditResult) -> dict[str, int]:
    """Rows with a missing sensitive value, per feature."""
    return dict(audit.info.n_missing)


def group_labels(result: AuditResult) -> list[str]:
    return [label(k) for k in result.tables.by_group.index]


def reference_label(result: AuditResult) -> str:
    return label(result.reference_group)


def criteria_for(
    audit: AuditResult, view: AttributeView, views: list[AttributeView]
) -> pd.DataFrame:
    """Rows of the criteria table that belong to ``view``.

    Rows come from the top-level result (it lists every attribute); when a marginal
    result is the only one holding them, they come from there.
    """
    crit = criteria_table(audit)
    names = {v.name for v in views}
    rows = crit[crit["attribute"].astype(str) == view.name]
    if rows.empty and view.intersection:
        rows = crit[~crit["attribute"].astype(str).isin(names - {view.name})]
    if rows.empty and view.result is not audit:
        own = criteria_table(view.result)
        rows = own[own["attribute"].astype(str) == view.name]
        if rows.empty:
            rows = own
    return rows


def metrics_of(criteria_rows: pd.DataFrame) -> list[str]:
    found: list[str] = []
    for text in criteria_rows.get("metric", pd.Series(dtype=object)).astype(str):
        for word in _WORD.findall(text):
            if word in RATIO_METRICS and word not in found:
                found.append(word)
    return [m for m in RATIO_METRICS if m in found]


def ratio_tolerance(criteria_rows: pd.DataFrame, default: float = 0.8) -> float:
    ratio = criteria_rows[criteria_rows["kind"].astype(str) == "ratio"]["tolerance"]
    ratio = pd.to_numeric(ratio, errors="coerce").dropna()
    ratio = ratio[(ratio > 0) & (ratio < 1)]
    return float(ratio.max()) if len(ratio) else default


def confidence(audit: AuditResult) -> float:
    return audit.settings.confidence_level


def operating_threshold(audit: AuditResult) -> float | None:
    return audit.settings.threshold


def criteria_table(audit: AuditResult) -> pd.DataFrame:
    """The criteria rows to show.

    Results written by earlier versions hold a ``four_fifths_rule`` row that repeats the
    demographic parity ratio of the same attribute; it is left out when it is the same check
    (same value, interval, tolerance and verdict), so that no check is counted twice.
    """
    crit = audit.criteria
    names = crit["criterion"].astype(str)
    alias = names.isin(list(ALIASES))
    if not alias.any():
        return crit
    same = pd.Series(False, index=crit.index)
    for name, target in ALIASES.items():
        cols = ["attribute", *[c for c in _SAME if c in crit.columns]]
        rows = crit[names == name][cols].astype(str).reset_index()
        targets = crit[names == target][cols].astype(str).drop_duplicates()
        matched = rows.merge(targets, on=cols, how="inner")["index"]
        same.loc[matched.to_numpy()] = True
    return crit[~same].reset_index(drop=True)


def verdict_counts(audit: AuditResult) -> dict[str, int]:
    """Criteria per verdict (``"n/a"``: not evaluated), worst first: ``result.verdict_counts``,
    or -- for results of earlier versions, whose repeated four-fifths rows the report leaves
    out -- counted over the rows of :func:`criteria_table`."""
    shown = criteria_table(audit)
    if len(shown) == len(audit.tables.criteria):
        given = audit.verdict_counts
        return {k: int(given[k]) for k in VERDICT_ORDER}
    counts = shown["verdict"].astype(str).value_counts()
    return {k: int(counts.get(k, 0)) for k in VERDICT_ORDER}


def degenerate_causes(audit: AuditResult) -> list[str]:
    """Why the audit cannot pass whatever the criteria say."""
    return [c for c in audit.degenerate if c.strip()]


def few_flags(result: AuditResult) -> pd.DataFrame:
    """Which values of ``by_group`` rest on fewer than ``min_group_size`` observations; for
    results of schema 1.0 (no denominators), every value of a group flagged small (a group of
    fewer than ``min_group_size`` rows gives every value fewer observations than that)."""
    if result.tables.denominators.notna().to_numpy().any():
        return result.few_observations
    groups = result.tables.groups
    by_group = result.tables.by_group
    small = groups["small"].to_numpy(dtype=bool)
    return pd.DataFrame(
        np.repeat(small[:, None], by_group.shape[1], axis=1),
        index=by_group.index,
        columns=by_group.columns,
    )


def group_positions(result: AuditResult) -> dict[str, int]:
    """Row of each group (by its display label) in ``by_group`` and the tables shaped like it."""
    return {label(k): i for i, k in enumerate(result.tables.by_group.index)}


def min_group_size(audit: AuditResult) -> int:
    return audit.settings.min_group_size
