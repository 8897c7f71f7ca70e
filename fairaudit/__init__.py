"""fairaudit: audit machine-learning models for bias, and mitigate it.

>>> import fairaudit
>>> result = fairaudit.audit(y_true, y_pred, sensitive_features=gender)  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._audit import audit, audit_model
from ._result import SCHEMA_VERSION, AuditResult

__all__ = ["SCHEMA_VERSION", "AuditResult", "__version__", "audit", "audit_model"]
