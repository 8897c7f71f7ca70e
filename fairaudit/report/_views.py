"""Read-only helpers over an AuditResult: attributes, group labels, criteria lookups.

Nothing here computes a metric; it selects and reshapes what the result holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._format import is_missing, label

RATIO_METRICS = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "positive_predictive_value",
)
INTERSECTION = " \u00d7 "
VERDICT_ORDER = ("fail", "inconclusive", "pass", "n/a")
#: A criterion of results written by earlier versions that repeats another one.
ALIASES = {"four_fifths_rule": "demographic_parity_ratio"}
_SAME = ("value", "lower", "upper", "tolerance", "verdict", "reason")
_WORD = re.compile(r"[a-z_]+")


@dataclass(frozen=True)
class AttributeView:
    """One attribute (a feature, or the intersection of several) and the result for it."""

    name: str
    result: Any
    intersection: bool


def safe_get(obj: Any, name: str, default: Any = None) -> Any:
    try:
        value = getattr(obj, name)
    except Exception:
        return default
    return default if value is None else value


def attribute_views(audit: Any) -> list[AttributeView]:
    features = [str(f) for f in safe_get(audit, "features", [])] or ["group"]
    marginals = safe_get(audit, "marginals", {}) or {}
    name = str(safe_get(audit, "attribute", "") or INTERSECTION.join(features))
    if len(features) == 1 or not marginals:
        return [AttributeView(name, audit, len(features) > 1)]
    views = [
        AttributeView(str(safe_get(marginals[f], "attribute", "") or f), marginals[f], False)
        for f in features
        if f in marginals
    ]
    views.append(AttributeView(name, audit, True))
    return views


def missing_counts(audit: Any) -> dict[str, int]:
    """Rows with a missing sensitive value, per feature (``meta["n_missing"]``)."""
    meta = safe_get(audit, "meta", {}) or {}
    value = meta.get("n_missing")
    if isinstance(value, dict):
        return {str(k): int(v) for k, v in value.items() if not is_missing(v)}
    if value is None or is_missing(value):
        return {}
    features = [str(f) for f in safe_get(audit, "features", [])]
    return {", ".join(features) or "sensitive features": int(value)}


def group_labels(result: Any) -> list[str]:
    return [label(k) for k in result.by_group.index]


def reference_label(result: Any) -> str:
    return label(safe_get(result, "reference_group", ""))


def criteria_for(audit: Any, view: AttributeView, views: list[AttributeView]) -> pd.DataFrame:
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


def config_value(audit: Any, key: str, default: Any = None) -> Any:
    config = safe_get(audit, "config", {}) or {}
    value = config.get(key, default) if hasattr(config, "get") else default
    return default if value is None else value


def confidence(audit: Any) -> float:
    level = config_value(audit, "confidence_level", 0.95)
    try:
        level = float(level)
    except (TypeError, ValueError):
        return 0.95
    return level if 0 < level < 1 else 0.95


def operating_threshold(audit: Any) -> float | None:
    value = config_value(audit, "threshold")
    if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
        return None if is_missing(value) else float(value)
    return None


def criteria_table(audit: Any) -> pd.DataFrame:
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


def verdict_counts(audit: Any) -> dict[str, int]:
    """Criteria per verdict (``"n/a"``: not evaluated): ``result.verdict_counts`` when the
    result has it, else -- and for results of earlier versions, whose repeated four-fifths
    rows the report leaves out -- counted over the rows of :func:`criteria_table`."""
    shown = criteria_table(audit)
    given = safe_get(audit, "verdict_counts")
    if isinstance(given, dict) and len(shown) == len(audit.criteria):
        return {k: int(given.get(k, 0) or 0) for k in VERDICT_ORDER}
    counts = shown["verdict"].astype(str).value_counts()
    return {k: int(counts.get(k, 0)) for k in VERDICT_ORDER}


def degenerate_causes(audit: Any) -> list[str]:
    """Why the audit cannot pass whatever the criteria say (``meta["degenerate"]``)."""
    causes = (safe_get(audit, "meta", {}) or {}).get("degenerate") or []
    if isinstance(causes, str):
        causes = [causes]
    return [str(c) for c in causes if str(c).strip()]


def frame_of(result: Any, name: str) -> pd.DataFrame | None:
    """A per-group table of ``result`` shaped like ``by_group`` (``denominators``,
    ``few_observations``), or None when the result does not hold it."""
    frame = safe_get(result, name)
    return frame if isinstance(frame, pd.DataFrame) else None


def few_flags(result: Any) -> pd.DataFrame | None:
    """Which values of ``by_group`` rest on few observations: ``result.few_observations``,
    or, for results that do not hold it, every value of a group flagged small (a group of
    fewer than ``min_group_size`` rows gives every value fewer observations than that)."""
    few = frame_of(result, "few_observations")
    if few is not None:
        return few.where(few.notna(), False).astype(bool)
    groups = frame_of(result, "groups")
    by_group = result.by_group
    if groups is None or "small" not in groups.columns or len(groups) != len(by_group):
        return None
    small = groups["small"].to_numpy(dtype=bool)
    return pd.DataFrame(
        np.repeat(small[:, None], by_group.shape[1], axis=1),
        index=by_group.index,
        columns=by_group.columns,
    )


def group_positions(result: Any) -> dict[str, int]:
    """Row of each group (by its display label) in ``by_group`` and the tables shaped like it."""
    return {label(k): i for i, k in enumerate(result.by_group.index)}


def min_group_size(audit: Any) -> Any:
    return config_value(audit, "min_group_size", 30)


def worst_verdict(verdicts: list[str]) -> str:
    for v in ("fail", "inconclusive", "pass"):
        if v in verdicts:
            return v
    return "n/a"
