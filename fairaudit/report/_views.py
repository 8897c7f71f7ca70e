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
    crit = audit.criteria
    names = {v.name for v in views}
    rows = crit[crit["attribute"].astype(str) == view.name]
    if rows.empty and view.intersection:
        rows = crit[~crit["attribute"].astype(str).isin(names - {view.name})]
    if rows.empty and view.result is not audit:
        own = view.result.criteria
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


def verdict_counts(criteria: pd.DataFrame) -> dict[str, int]:
    counts = criteria["verdict"].astype(str).value_counts()
    return {k: int(counts.get(k, 0)) for k in ("fail", "inconclusive", "pass", "n/a")}


def worst_verdict(verdicts: list[str]) -> str:
    for v in ("fail", "inconclusive", "pass"):
        if v in verdicts:
            return v
    return "n/a"
