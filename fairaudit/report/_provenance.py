"""How an audit was run: the configuration and reproducibility sections of the report."""

from __future__ import annotations

import json
from numbers import Integral
from typing import Any

from .._result import SCHEMA_VERSION, AuditResult
from ._blocks import Named, each_audit, section, separate_intersection, tolerance_text
from ._document import Block, IdRegistry, RenderedSection
from ._elements import h, kv, p
from ._format import fmt_number
from ._text import CORRECTION_METHODS, CORRECTION_SCOPES, NO_CORRECTION, criterion_label
from ._views import (
    attribute_views,
    confidence,
    criteria_table,
    reference_label,
)

COMPARISON_BASIS = (
    "Criteria compare the lowest and highest group (ratio min/max, difference max\u2212min); "
    "charts and tables show each group against the reference group."
)
REGRESSION_PREDICTIONS = (
    "numeric (regression audit): no decision threshold applies; shares and scoring rates "
    "count the predictions above the median of all predictions"
)
REPRODUCE_KEYS = (
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
    "correction_scope",
    "random_state",
)
RERENDER_TEXT = (
    "Save the result with result.to_json('results.json'); "
    "'fairaudit report results.json --out report.html' re-renders this "
    "report without recomputing anything."
)


def fmt_config(value: Any) -> str:
    """A configuration value as text (floats to 4 places, containers as JSON)."""
    if isinstance(value, float):
        return fmt_number(value, 4)
    if isinstance(value, (dict, list, tuple)):
        try:
            return json.dumps(value, default=str, ensure_ascii=False)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _reference_text(audit: Any) -> str:
    views = attribute_views(audit)
    bits = []
    for view in views:
        if separate_intersection(view, views):
            continue
        reason = view.result.reference_reason
        bits.append(
            f"{view.name}: '{reference_label(view.result)}'" + (f" ({reason})" if reason else "")
        )
    return "; ".join(bits) or "n/a"


def _tolerance_text(audit: Any) -> str:
    crit = criteria_table(audit)
    tol = crit.drop_duplicates("criterion")[["criterion", "kind", "tolerance"]]
    text = "; ".join(
        f"{criterion_label(r.criterion, r.tolerance)} {tolerance_text(r.kind, r.tolerance)}"
        for r in tol.itertuples()
    )
    return text or "n/a"


def correction_text(audit: Any) -> str:
    """The multiple-testing correction as configured: method and which p-values are adjusted
    together (``correction_scope``; results written by earlier versions adjusted them per
    metric)."""
    method = str(audit.settings.correction)
    if method == "none":
        return NO_CORRECTION
    scope = str(audit.settings.correction_scope)
    return (
        f"{CORRECTION_METHODS.get(method, method)}, p-values adjusted together "
        f"{CORRECTION_SCOPES.get(scope, scope)}"
    )


def _decision_pair(audit: Any, threshold: Any) -> tuple[str, str]:
    """How predictions became decisions; a regression audit takes none (its shares are
    counted above the median of all predictions)."""
    if audit.settings.task == "regression":
        return ("Predictions", REGRESSION_PREDICTIONS)
    if threshold is None:
        return ("Decision threshold", "predictions given (no threshold applied)")
    return ("Decision threshold", fmt_config(threshold))


def _configuration_pairs(audit: Any) -> list[tuple[str, str]]:
    threshold = audit.settings.threshold
    pairs = [
        ("Sensitive attributes", ", ".join(v.name for v in attribute_views(audit))),
        ("Reference group", _reference_text(audit)),
        ("Comparison basis", COMPARISON_BASIS),
        ("Tolerances", _tolerance_text(audit)),
        _decision_pair(audit, threshold),
        (
            "Confidence intervals",
            f"{confidence(audit):.0%}, method "
            f"{audit.settings.interval_method}, "
            f"{audit.settings.n_bootstrap} resamples, seed {seed_text(audit)}",
        ),
        ("Multiple-testing correction", correction_text(audit)),
        ("Minimum group size", fmt_config(audit.settings.min_group_size)),
    ]
    suppress = audit.settings.suppress_below
    if suppress is not None:
        pairs.append(("Small cells suppressed below", fmt_config(suppress)))
    if audit.settings.pos_label is not None:
        pairs.append(("Positive label", fmt_config(audit.settings.pos_label)))
    pairs.append(("Sample weights", "yes" if audit.meta.get("weighted") else "no"))
    return pairs


def configuration_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = []
    for _, audit in each_audit(named, blocks):
        blocks.append(kv(_configuration_pairs(audit)))
    return section(ids, "Configuration", blocks)


# --------------------------------------------------------------------------- reproducibility
def _schema_version(audit: AuditResult) -> str:
    """The JSON schema version the result is written in (the version of this library)."""
    return SCHEMA_VERSION


def seed_text(audit: Any) -> str:
    """The bootstrap seed: ``random_state`` as given, else the seed the audit drew."""
    given = audit.settings.random_state
    if isinstance(given, Integral) and not isinstance(given, bool):
        return fmt_config(int(given))
    return f"{fmt_config(audit.settings.seed)} (drawn)"


def reproduce_call(audit: Any) -> str:
    """The ``fairaudit.audit(...)`` call that gives this result again.

    The seed is the one the audit used (``config["seed"]`` when no ``random_state`` was
    given), and sample weights are passed when the audit was weighted.
    """
    config = audit.config
    if config.get("random_state") is None and config.get("seed") is not None:
        config["random_state"] = config["seed"]
    args = ", ".join(f"{k}={config[k]!r}" for k in REPRODUCE_KEYS if k in config)
    extra = ", y_score=y_score" if audit.info.has_scores else ""
    if audit.info.weighted:
        extra += ", sample_weight=sample_weight"
    return (
        f"fairaudit.audit(y_true, y_pred, sensitive_features=sensitive_features{extra}"
        f"{', ' + args if args else ''})"
    )


def reproducibility_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = []
    for _, audit in each_audit(named, blocks):
        info = audit.info
        config = audit.config
        pairs = [
            ("JSON schema version", _schema_version(audit)),
            ("Data hash", info.data_hash or "n/a"),
            ("Samples", fmt_number(info.n_samples)),
            ("Seed (random_state)", seed_text(audit)),
            ("Created", info.created or "n/a"),
        ]
        pairs += [(f"{k} version", str(v)) for k, v in info.versions.items()]
        blocks.append(kv(pairs))
        blocks.append(h("Parameters", 3))
        blocks.append(kv([(str(k), fmt_config(v)) for k, v in config.items()]))
        blocks.append(h("Reproduce", 3))
        blocks.append(p(reproduce_call(audit), cls="mono"))
        blocks.append(p(RERENDER_TEXT))
    return section(ids, "Reproducibility", blocks)
