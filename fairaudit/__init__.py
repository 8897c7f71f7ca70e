"""fairaudit: audit machine-learning models for bias, and mitigate it.

The audit engine is imported with the package; the subpackages load on first use:
``fairaudit.metrics``, ``fairaudit.mitigation``, ``fairaudit.report``, ``fairaudit.datasets``,
``fairaudit.regulatory``, ``fairaudit.simulation`` and ``fairaudit.casestudies``.

>>> import fairaudit
>>> result = fairaudit.audit(y_true, y_pred, sensitive_features=gender)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from ._audit import audit, audit_from_stats, audit_model
from ._comparison import Comparison
from ._generalization import (
    GeneralizationGap,
    LearningCurveByGroup,
    generalization_gap,
    learning_curve_by_group,
)
from ._representation import Representation, representation
from ._result import SCHEMA_VERSION, AuditResult
from ._table import audit_table

_SUBPACKAGES = (
    "casestudies",
    "datasets",
    "metrics",
    "mitigation",
    "regulatory",
    "report",
    "simulation",
)

__all__ = [
    "SCHEMA_VERSION",
    "AuditResult",
    "Comparison",
    "GeneralizationGap",
    "LearningCurveByGroup",
    "Representation",
    "__version__",
    "audit",
    "audit_from_stats",
    "audit_model",
    "audit_table",
    "casestudies",
    "datasets",
    "generalization_gap",
    "learning_curve_by_group",
    "metrics",
    "mitigation",
    "regulatory",
    "report",
    "representation",
    "simulation",
]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
