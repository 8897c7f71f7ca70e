"""In-processing: the reductions approach (Agarwal et al., 2018) on top of fairlearn."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.reductions import ExponentiatedGradient, GridSearch
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._base import (
    MitigatorMixin,
    binary_labels,
    check_choice,
    check_positive_ints,
    dense_rows,
    inherit_input_tags,
    routed_params,
    weight_param,
)
from ._constraints import CONSTRAINED_RATES, check_constraint, disparity
from ._eg import (
    SELECT_SE,
    _linear_warm_keys,
    best_mixture,
    candidates,
    group_rate_matrices,
)
from ._hashing import draw_key, randomized_decisions
from ._moments import make_moment

METHODS = ("exponentiated_gradient", "grid_search", "exponentiated_gradient_lp")
MODES = ("randomized", "best_single")
ERR_TOLERANCE = "tolerance={value!r} is not valid; use a number in (0, 1]."
ERR_SPARSE = (
    "ConstrainedClassifier does not accept sparse X (fairlearn's reductions need dense "
    "data); pass X.toarray(), or put the sparse step inside a Pipeline estimator."
)
WARN_NO_SINGLE = (
    "none of the {k} classifiers found meets the tolerance on its own; mode='best_single' "
    "uses the least disparate one (training disparity {disp:.4f} > tolerance {tol}). "
    "Use method='exponentiated_gradient' or 'grid_search', whose iterates include single "
    "classifiers within the tolerance more often, a larger max_iter, or the randomized mode."
)
ERR_WARM_TYPE = "warm_start must be True or False; got {value!r}."


class _Shared:
    """State shared by every clone of one :class:`_Oracle` (clone deep-copies parameters;
    this object survives the copy): the last fitted estimator, for warm starts, and the
    training X whose predictions are cached."""

    def __init__(self, X: Any = None, warm: bool = False) -> None:
        self.X = X
        self.warm = warm
        self.last: Any = None

    def __deepcopy__(self, memo: dict) -> _Shared:
        return self


class _Oracle(ClassifierMixin, BaseEstimator):
    """The inner estimator as fairlearn's reductions refit it: with the routed metadata
    added to every fit (fairlearn passes only the weights), started from the previous best
    response's coefficients when ``shared.warm`` (linear classifiers only), and with its
    predictions on the training X computed once."""

    def __init__(
        self, estimator: Any = None, fit_params: dict | None = None, shared: Any = None
    ) -> None:
        self.estimator = estimator
        self.fit_params = fit_params
        self.shared = shared

    def fit(self, X: Any, y: Any, **kwargs: Any) -> _Oracle:
        shared = self.shared
        if shared is not None and shared.warm and shared.last is not None:
            est = copy.deepcopy(shared.last)
            est.set_params(**{k: True for k in _linear_warm_keys(est)})
        else:
            est = clone(self.estimator)
        self.estimator_ = est.fit(X, y, **(self.fit_params or {}), **kwargs)
        if shared is not None and shared.warm:
            shared.last = self.estimator_
        self.classes_ = getattr(self.estimator_, "classes_", np.unique(y))
        self.train_pred_ = None
        return self

    def predict(self, X: Any) -> np.ndarray:
        shared = self.shared
        if shared is not None and X is shared.X:
            if self.train_pred_ is None:
                self.train_pred_ = np.asarray(self.estimator_.predict(X)).astype(np.int8)
            return self.train_pred_
        return self.estimator_.predict(X)

    def release(self) -> Any:
        """The fitted estimator alone (no shared state, no cached predictions)."""
        return self.estimator_


class ConstrainedClassifier(MitigatorMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """In-processing mitigator: fit the estimator under a fairness constraint.

    The constrained problem is reduced to a sequence of cost-sensitive fits of the
    estimator (Agarwal et al., 2018) with ``fairlearn.reductions``. On top of fairlearn this
    adds: user ``sample_weight`` (the weighted problem is solved, not the unweighted one),
    reproducible randomized predictions, a deterministic mode, metadata routing of
    ``sensitive_features``, and clear errors.

    Parameters
    ----------
    estimator : classifier
        Must accept ``sample_weight`` in ``fit`` (for a ``Pipeline``, its final step).
    constraint : str, default "demographic_parity"
        One of ``demographic_parity``, ``equalized_odds``, ``equal_opportunity``,
        ``false_positive_rate_parity``, ``error_rate_parity``.
    tolerance : float, default 0.01
        Largest allowed difference of the constrained rate(s) between two groups on the
        training data. Each group's rate is held within ``tolerance / 2`` of the overall rate
        (fairlearn's ``difference_bound`` and ``eps`` are ``tolerance / 2``).
    method : {"exponentiated_gradient_lp", "exponentiated_gradient", "grid_search"}, \
default "exponentiated_gradient_lp"
        ``"exponentiated_gradient_lp"`` (default) runs the reduction here: exponentiated
        gradient iterations (one best response each) until some mixture of the classifiers
        found meets the constraint, then column generation: the exact mixture is the
        solution of a linear program over the classifiers found (least training error with
        every group's rate within ``tolerance / 2`` of the overall rate, from their
        per-group rates), and the estimator is asked for the best response to the
        program's dual multipliers until none improves the mixture by more than half a
        standard error of the error rate (or ``max_iter`` best responses). The mixture
        returned is, among those whose training error is within that half standard error
        of the least, the one farthest inside the constraint (the least-error one sits on
        the bound, which held-out rows exceed about half of the time). Held out, at least
        as accurate as fairlearn's and no more disparate on average, several times faster
        (see docs/performance.md). ``"exponentiated_gradient"`` is fairlearn's
        ``ExponentiatedGradient``; ``"grid_search"`` fairlearn's ``GridSearch`` (a grid of
        Lagrange multipliers, practical for few groups; keeps one classifier). The
        exponentiated-gradient methods return a randomized mixture and handle any number
        of groups.
    mode : {"randomized", "best_single"}, default "randomized"
        ``"randomized"`` predicts with exponentiated gradient's mixture (the solution with
        the guarantees). ``"best_single"`` predicts with one of the fitted classifiers: the
        most accurate one whose training disparity is within ``tolerance``, or, if none is,
        the one with the smallest disparity (with a warning). The default method's
        classifiers are found to be mixed and often exceed the tolerance on their own:
        with ``"best_single"`` prefer ``method="exponentiated_gradient"`` or
        ``"grid_search"``. Grid search always uses ``"best_single"``.
    max_iter : int, default 50
        The most best responses (calls of the estimator's fit) of
        ``"exponentiated_gradient_lp"``; fairlearn's iterations for
        ``"exponentiated_gradient"`` (each makes one to five calls).
    grid_size : int, default 10
        Grid search size.
    drop_sensitive : bool, default False
        Drop the sensitive columns (given by name) from ``X`` before the estimator sees it.
    random_state : None, int or numpy Generator
        Fixes the key of the randomized decisions: reproducible, and independent of the batch
        and the row order (see :class:`ThresholdOptimizer`).
    warm_start : bool, default True
        Start each refit of a linear classifier (a ``LogisticRegression``, or such a step of
        a ``Pipeline``) from the coefficients of the previous best response instead of from
        zero: the solver then reaches the same optimum (within its tolerance) from nearby.
        Other estimators (ensembles, whose ``warm_start`` adds members) are refitted from
        scratch. With ``method="exponentiated_gradient"`` and ``False``, the refits are
        fairlearn's exactly.

    Attributes
    ----------
    predictors_ : list of classifiers
        The classifiers found (fitted on 0/1 labels, 1 = ``classes_[1]``).
    weights_ : ndarray
        Their mixture weights (exponentiated gradient); one-hot at ``best_index_`` for grid
        search.
    best_index_ : int
        The classifier used by ``mode="best_single"``.
    candidates_ : pandas.DataFrame
        Per classifier: ``weight``, training ``error`` and ``disparity`` (weighted).
    disparity_ : float
        Training disparity of the predictions (expected, for the randomized mixture).
    n_iter_ : int
        Exponentiated gradient iterations run (grid search: grid points tried).
    random_key_ : int
    classes_, groups_, sensitive_columns_
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        constraint: str = "demographic_parity",
        tolerance: float = 0.01,
        method: str = "exponentiated_gradient_lp",
        mode: str = "randomized",
        max_iter: int = 50,
        grid_size: int = 10,
        drop_sensitive: bool = False,
        random_state: Any = None,
        warm_start: bool = True,
    ) -> None:
        self.estimator = estimator
        self.constraint = constraint
        self.tolerance = tolerance
        self.method = method
        self.mode = mode
        self.max_iter = max_iter
        self.grid_size = grid_size
        self.drop_sensitive = drop_sensitive
        self.random_state = random_state
        self.warm_start = warm_start

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
        **fit_params: Any,
    ) -> ConstrainedClassifier:
        """Solve the constrained problem.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), binary
        sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of X
            Required.
        sample_weight : array-like of shape (n_samples,), optional
        **fit_params : dict
            Other metadata for every fit of the estimator: routed by its requests when
            metadata routing is enabled, passed as given otherwise.

        Returns
        -------
        self
        """
        constraint = check_constraint(self.constraint)
        method = check_choice("method", self.method, METHODS)
        check_choice("mode", self.mode, MODES)
        tol = self.tolerance
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 < tol <= 1:
            raise ValueError(ERR_TOLERANCE.format(value=tol))
        check_positive_ints(self, ("max_iter", "grid_size"))
        estimator = self._new_inner()
        params = routed_params(self, fit_params)
        X_inner, y, groups, w = self._prepare(X, y, sensitive_features, sample_weight)
        classes = np.unique(y)
        y01 = binary_labels(y, classes, "ConstrainedClassifier")
        weight_name = weight_param(estimator, "ConstrainedClassifier")
        n = len(y01)
        # unit weights go through the weighted moments too (their products are vectorized)
        row_factor = np.ones(n) if w is None else w * (n / w.sum())
        moment = make_moment(constraint, tol / 2, row_factor)
        objective = moment.default_objective()
        X_inner = dense_rows(X_inner, ERR_SPARSE)
        if not isinstance(self.warm_start, bool | np.bool_):
            raise TypeError(ERR_WARM_TYPE.format(value=self.warm_start))
        if method == "exponentiated_gradient_lp":
            predictors, H = candidates(
                estimator,
                X_inner,
                y01,
                groups.codes,
                moment,
                objective,
                tol / 2,
                int(self.max_iter),
                weight_name,
                params,
                constraint=constraint,
                n_groups=groups.n_groups,
                sample_weight=w,
                warm_start=bool(self.warm_start),
            )
            self.n_iter_ = len(predictors)
            rates = group_rate_matrices(H, y01, groups.codes, groups.n_groups, w)
            weights = best_mixture(rates, constraint, tol, select_se=SELECT_SE)
        else:
            oracle = _Oracle(estimator, params, _Shared(X_inner, bool(self.warm_start)))
            predictors, weights, H = self._fairlearn(
                method, oracle, moment, objective, tol, weight_name, X_inner, y01, groups
            )
            rates = group_rate_matrices(H, y01, groups.codes, groups.n_groups, w)
        errors = rates["error"]
        disp = np.zeros(len(predictors))
        for rate in CONSTRAINED_RATES[constraint]:
            R = rates[rate]
            spread = np.nanmax(R, axis=0) - np.nanmin(R, axis=0)
            disp = np.maximum(disp, np.nan_to_num(spread))
        feasible = disp <= tol + 1e-12
        if feasible.any():
            best = int(np.flatnonzero(feasible)[np.argmin(errors[feasible])])
        else:
            best = int(np.argmin(disp))
            if not self._randomized():
                warnings.warn(
                    WARN_NO_SINGLE.format(k=len(disp), disp=float(disp[best]), tol=tol),
                    UserWarning,
                    stacklevel=2,
                )
        if method == "grid_search":
            weights[best] = 1.0
        self.predictors_ = predictors
        self.weights_ = weights / weights.sum()
        self.best_index_ = best
        self.candidates_ = pd.DataFrame(
            {"weight": self.weights_, "error": errors, "disparity": disp}
        )
        self.classes_ = classes
        self.random_key_ = draw_key(self.random_state)
        p_train = H @ self.weights_ if self._randomized() else H[:, best]
        self.disparity_ = disparity(constraint, y01, p_train, groups.codes, groups.n_groups, w)
        return self

    def _fairlearn(
        self, method, estimator, moment, objective, tol, weight_name, X_inner, y01, groups
    ):
        """fairlearn's ExponentiatedGradient or GridSearch; the fitted classifiers, their
        mixture weights and their 0/1 predictions on the training rows (one column each)."""
        if method == "exponentiated_gradient":
            reduction = ExponentiatedGradient(
                estimator,
                constraints=moment,
                objective=objective,
                eps=tol / 2,
                max_iter=int(self.max_iter),
                sample_weight_name=weight_name,
            )
        else:
            reduction = GridSearch(
                estimator,
                constraints=moment,
                grid_size=int(self.grid_size),
                sample_weight_name=weight_name,
            )
        reduction.fit(X_inner, y01, sensitive_features=groups.codes)
        # fairlearn's reduction object keeps the training data (X and the sensitive
        # features) in its moments; only the fitted classifiers are kept here
        self.n_iter_ = (
            int(reduction.last_iter_) + 1
            if method == "exponentiated_gradient"
            else len(reduction.predictors_)
        )
        if method == "exponentiated_gradient":
            index = list(reduction.predictors_.index)
            fitted = [reduction.predictors_[i] for i in index]
            weights = np.array([float(reduction.weights_.get(i, 0.0)) for i in index])
        else:
            fitted = list(reduction.predictors_)
            weights = np.zeros(len(fitted))
        # predictions on the training rows were computed once, in the moments
        H = np.column_stack([np.asarray(p.predict(X_inner), dtype=np.float64) for p in fitted])
        estimator.shared.last = None
        predictors = [p.release() if isinstance(p, _Oracle) else p for p in fitted]
        return predictors, weights, H

    def _randomized(self) -> bool:
        return self.mode == "randomized" and self.method in (
            "exponentiated_gradient",
            "exponentiated_gradient_lp",
        )

    def decision_probability(self, X: Any) -> np.ndarray:
        """Probability that each row is decided positive (``classes_[1]``)."""
        check_is_fitted(self)
        X_inner = self._check_predict_X(X)
        X_inner = dense_rows(X_inner, ERR_SPARSE)
        if not self._randomized():
            return np.asarray(self.predictors_[self.best_index_].predict(X_inner), float)
        p = np.zeros(X_inner.shape[0] if hasattr(X_inner, "shape") else len(X_inner))
        for weight, model in zip(self.weights_, self.predictors_, strict=True):
            if weight > 0:
                p += weight * np.asarray(model.predict(X_inner), dtype=np.float64)
        return np.clip(p, 0.0, 1.0)

    def predict(self, X: Any, *, random_state: Any = None) -> np.ndarray:
        """Decide each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        random_state : None, int or numpy Generator
            Overrides the fitted key of the randomized decisions for this call.

        Returns
        -------
        ndarray of labels
        """
        p = self.decision_probability(X)
        if not self._randomized():
            return self.classes_[(p >= 0.5).astype(np.intp)]
        key = self.random_key_ if random_state is None else draw_key(random_state)
        return self.classes_[randomized_decisions(X, None, key, p).astype(np.intp)]

    def __sklearn_tags__(self):
        tags = inherit_input_tags(super().__sklearn_tags__(), self.estimator, sparse=False)
        tags.classifier_tags.multi_class = False
        return tags
