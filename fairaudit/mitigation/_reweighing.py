"""Reweighing (Kamiran & Calders, 2012): weights that make the label independent of the group."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin

from .._estimators import is_column_names
from .._validation import align_rows, check_sample_weight
from ._base import (
    DelegatingPredictMixin,
    MitigatorMixin,
    check_labels,
    encode,
    fit_inner,
    inherit_input_tags,
    routed_params,
)

WARN_ONE_LABEL = (
    "group(s) {groups} have only one label in the training data; no weighting can make the "
    "label independent of the group for them."
)


def _cell_weights(
    y_codes: np.ndarray, g_codes: np.ndarray, n_classes: int, n_groups: int, w: np.ndarray
) -> np.ndarray:
    """Table of P(g) P(y) / P(g, y) (weighted), shape (n_groups, n_classes); NaN if empty."""
    joint = np.bincount(g_codes * n_classes + y_codes, w, n_groups * n_classes).reshape(
        n_groups, n_classes
    )
    total = joint.sum()
    p_joint = joint / total
    p_g = p_joint.sum(axis=1, keepdims=True)
    p_y = p_joint.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(joint > 0, p_g * p_y / p_joint, np.nan)


def reweighing_weights(
    y: Any, *, sensitive_features: Any, sample_weight: Any = None, X: Any = None
) -> np.ndarray:
    """Per-row Kamiran & Calders weights, multiplied into any user weights.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels (any number of classes).
    sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of ``X``
        The groups (several features: their intersections).
    sample_weight : array-like, optional
        User weights; the result is ``sample_weight * P(g) P(y) / P(g, y)`` with the
        probabilities computed from the weighted data.
    X : DataFrame, optional
        Where column names in ``sensitive_features`` are looked up.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
        In the row order of ``y`` (pandas inputs are paired with ``y`` by index label).
        In the reweighted data, label and group are independent: every group has the
        overall (weighted) label distribution.
    """
    # column names of X: the rows of X take part in the alignment, else the values do
    source = (
        "X"
        if is_column_names(sensitive_features) and hasattr(X, "columns")
        else ("sensitive_features")
    )
    rows = align_rows(
        {"y": y, source: X if source == "X" else sensitive_features, "sample_weight": sample_weight}
    )
    y, sample_weight = rows["y"], rows["sample_weight"]
    if source == "X":
        X = rows["X"]
    else:
        sensitive_features = rows["sensitive_features"]
    y = check_labels(y, "reweighing_weights")
    groups = encode(sensitive_features, X, len(y))
    w = check_sample_weight(sample_weight, len(y))
    w = np.ones(len(y)) if w is None else w
    classes, y_codes = np.unique(y, return_inverse=True)
    table = _cell_weights(y_codes, groups.codes, len(classes), groups.n_groups, w)
    return w * np.nan_to_num(table[groups.codes, y_codes])


class Reweighing(
    MitigatorMixin, DelegatingPredictMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
    """Preprocessing mitigator: fit the estimator on Kamiran & Calders weights.

    Each row of group ``g`` and label ``y`` gets the weight ``P(g) P(y) / P(g, y)`` so that
    in the weighted training data the label is independent of the group (every group has
    the same rate of each label). The weights are passed to the estimator's ``fit`` as
    ``sample_weight``, multiplied into any user weights (the probabilities are then those of
    the user-weighted data). Prediction is the estimator's own: no sensitive features are
    needed at prediction time.

    Parameters
    ----------
    estimator : classifier
        Must accept ``sample_weight`` in ``fit`` (for a ``Pipeline``, its final step);
        otherwise use :class:`Resampling`.
    drop_sensitive : bool, default False
        When ``sensitive_features`` names columns of a DataFrame ``X``, drop them from ``X``
        before the estimator sees it (at fit and at prediction). By default ``X`` is passed
        as given.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone of ``estimator``.
    weights_ : pandas.DataFrame
        The weight of each (group, label) cell: index = groups, columns = classes; NaN for
        an empty cell.
    sample_weight_ : ndarray
        The weights passed to the estimator (user weights times the cell weights).
    classes_ : ndarray
        The class labels.
    groups_ : pandas.Index
        The groups seen in fit.
    sensitive_columns_ : list of str
        Columns dropped from ``X`` (empty unless ``drop_sensitive``).

    References
    ----------
    F. Kamiran and T. Calders, "Data preprocessing techniques for classification without
    discrimination", Knowledge and Information Systems 33, 1-33 (2012).
    """

    def __init__(self, estimator: Any = None, *, drop_sensitive: bool = False) -> None:
        self.estimator = estimator
        self.drop_sensitive = drop_sensitive

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
        **fit_params: Any,
    ) -> Reweighing:
        """Fit the estimator on the reweighted data.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of X
            Required.
        sample_weight : array-like of shape (n_samples,), optional
        **fit_params : dict
            Other metadata for the estimator's fit: routed by its requests when metadata
            routing is enabled, passed as given otherwise.

        Returns
        -------
        self
        """
        estimator = self._new_inner()
        params = routed_params(self, fit_params)
        X_inner, y, groups, w = self._prepare(X, y, sensitive_features, sample_weight)
        w = np.ones(len(y)) if w is None else w
        classes, y_codes = np.unique(y, return_inverse=True)
        table = _cell_weights(y_codes, groups.codes, len(classes), groups.n_groups, w)
        one_label = (np.isfinite(table).sum(axis=1) == 1) & (len(classes) > 1)
        if one_label.any():
            warnings.warn(
                WARN_ONE_LABEL.format(groups=[str(g) for g in groups.labels[one_label]]),
                UserWarning,
                stacklevel=2,
            )
        self.weights_ = pd.DataFrame(table, index=groups.labels, columns=pd.Index(classes))
        # a NaN cell weight only occurs for rows of an all-zero-weight cell
        self.sample_weight_ = w * np.nan_to_num(table[groups.codes, y_codes])
        self.classes_ = classes
        self.estimator_ = fit_inner(
            estimator, X_inner, y, self.sample_weight_, "Reweighing", params
        )
        return self

    def __sklearn_tags__(self):
        return inherit_input_tags(super().__sklearn_tags__(), self.estimator)
