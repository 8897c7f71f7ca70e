"""What the package asks of an estimator and of ``sensitive_features``, in one place.

- :func:`positive_scores`: the score of the positive class (``predict_proba``, else
  ``decision_function``), used by the audit of a model and by the mitigators.
- :func:`is_column_names`: whether ``sensitive_features`` names columns rather than
  holding the values.
- :func:`takes_sensitive_features`: whether a method (a mitigator's ``predict``) takes the
  groups as ``sensitive_features``.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

#: The ``response_method`` values of :func:`positive_scores`.
RESPONSE_METHODS = ("auto", "predict_proba", "decision_function")


def positive_scores(
    estimator: Any, X: Any, *, pos_index: int = 1, response_method: str = "auto"
) -> np.ndarray | None:
    """The score of the positive class for each row of ``X``; None when there is none.

    Parameters
    ----------
    estimator : fitted binary classifier
    X : array-like
        The rows to score.
    pos_index : {0, 1}, default 1
        The index of the positive class in ``estimator.classes_``.
    response_method : {"auto", "predict_proba", "decision_function"}, default "auto"
        Where the score comes from; "auto": ``predict_proba``, else ``decision_function``.

    Returns
    -------
    numpy.ndarray of float64, shape (n,), or None
        ``predict_proba(X)[:, pos_index]``, or ``decision_function(X)`` (negated when the
        positive class is the first one), or None when the estimator offers neither
        (a method that raises ``AttributeError`` or ``NotImplementedError`` counts as
        absent).
    """
    if response_method not in RESPONSE_METHODS:
        raise ValueError(
            f"response_method={response_method!r} is not valid; use one of {RESPONSE_METHODS}."
        )
    if response_method in ("auto", "predict_proba") and hasattr(estimator, "predict_proba"):
        try:
            proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        except (AttributeError, NotImplementedError):
            proba = None
        if proba is not None:
            return proba[:, pos_index] if proba.ndim == 2 else proba.reshape(-1)
    if response_method in ("auto", "decision_function") and hasattr(estimator, "decision_function"):
        try:
            d = np.asarray(estimator.decision_function(X), dtype=np.float64).reshape(-1)
        except (AttributeError, NotImplementedError):
            return None
        return d if pos_index == 1 else -d
    return None


def is_column_names(sensitive_features: Any) -> bool:
    """Whether ``sensitive_features`` names columns: a string or a non-empty list or tuple
    of strings (anything else holds the groups themselves)."""
    if isinstance(sensitive_features, str):
        return True
    return (
        isinstance(sensitive_features, list | tuple)
        and len(sensitive_features) > 0
        and all(isinstance(s, str) for s in sensitive_features)
    )


def takes_sensitive_features(method: Any) -> bool:
    """Whether ``method`` (e.g. a mitigator's ``predict``) has a ``sensitive_features``
    parameter."""
    try:
        return "sensitive_features" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
