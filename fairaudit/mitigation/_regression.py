"""In-processing for regression: bounded group loss (Agarwal, Dudík & Wu, 2019) on fairlearn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fairlearn.reductions import ExponentiatedGradient, GridSearch
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._base import (
    MitigatorMixin,
    check_choice,
    check_positive_ints,
    dense_rows,
    inherit_input_tags,
    routed_params,
    weight_param,
)
from ._loss_moments import LOSSES, WeightedBoundedGroupLoss, make_loss

METHODS = ("exponentiated_gradient", "grid_search")
MODES = ("expected", "best_single")
ERR_CLASSIFIER = (
    "ConstrainedRegressor needs a regressor, but estimator is a classifier ({name}); use "
    "ConstrainedClassifier for classification."
)
ERR_UPPER_BOUND = (
    "upper_bound={value!r} is not valid; use a positive number: the largest allowed mean "
    "loss of any group, in the units of the loss (e.g. squared units of y)."
)
ERR_TOLERANCE = (
    "tolerance={value!r} is not valid; use a positive number (the allowed excess of a "
    "group's loss over upper_bound, in the units of the loss)."
)
ERR_Y_RANGE = (
    "y_range={value!r} is not valid; use None or a pair (low, high) of numbers with low < high."
)
ERR_ZERO_ONE_RANGE = (
    "loss='zero_one' needs y in [0, 1] (it is the absolute loss on that range); y ranges "
    "over [{lo}, {hi}]. Use loss='absolute' or rescale y."
)
ERR_ONE_SAMPLE = "ConstrainedRegressor needs at least 2 samples to fit; got n_samples = {n}."
ERR_SPARSE = (
    "ConstrainedRegressor does not accept sparse X (fairlearn's reductions need dense "
    "data); pass X.toarray(), or put the sparse step inside a Pipeline estimator."
)


class _RegressorWithFitParams(RegressorMixin, BaseEstimator):
    """The inner regressor with the routed metadata added to every fit (fairlearn's
    reductions pass only the weights to the estimator they refit)."""

    def __init__(self, estimator: Any = None, fit_params: dict | None = None) -> None:
        self.estimator = estimator
        self.fit_params = fit_params

    def fit(self, X: Any, y: Any, **kwargs: Any) -> _RegressorWithFitParams:
        self.estimator_ = clone(self.estimator).fit(X, y, **(self.fit_params or {}), **kwargs)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.estimator_.predict(X)


def _seeded(estimator: Any, random_state: Any) -> Any:
    """``estimator`` with every ``random_state`` parameter (nested too) set to an integer
    drawn from ``random_state``; unchanged when ``random_state`` is None."""
    if random_state is None:
        return estimator
    rng = check_random_state(random_state)
    keys = sorted(
        k
        for k in estimator.get_params(deep=True)
        if k == "random_state" or k.endswith("__random_state")
    )
    if keys:
        estimator.set_params(**{k: int(rng.randint(np.iinfo(np.int32).max)) for k in keys})
    return estimator


class ConstrainedRegressor(MitigatorMixin, RegressorMixin, MetaEstimatorMixin, BaseEstimator):
    """In-processing mitigator for regression: every group's mean loss at most a bound.

    Fits the regressor under *bounded group loss* (Agarwal, Dudík & Wu, 2019): the mean
    loss of each group is held at or below ``upper_bound`` (up to ``tolerance``) while the
    overall loss is minimized. The problem is reduced to a sequence of weighted fits of the
    estimator with ``fairlearn.reductions`` (``ExponentiatedGradient`` or ``GridSearch``
    with ``BoundedGroupLoss``). On top of fairlearn this adds user ``sample_weight`` (the
    weighted problem is solved), a deterministic prediction, metadata routing of
    ``sensitive_features``, and clear errors.

    Parameters
    ----------
    estimator : regressor
        Must accept ``sample_weight`` in ``fit`` (for a ``Pipeline``, its final step).
    upper_bound : float
        Required. The largest allowed mean loss of any group on the training data, in the
        units of the loss (squared units of ``y`` for ``loss="square"``).
    loss : {"square", "absolute", "zero_one"}, default "square"
        fairlearn's ``SquareLoss``, ``AbsoluteLoss`` (both on ``y_range``) or
        ``ZeroOneLoss`` (the absolute loss on [0, 1], for a target in [0, 1]).
    y_range : None or (float, float), default None
        The range the loss clips the target and the predictions to; None is unbounded
        (no clipping). Ignored for ``"zero_one"``, whose range is [0, 1].
    tolerance : float, default 0.01
        fairlearn's ``eps``: the allowed excess of a group's loss over ``upper_bound`` in
        the solution (the multipliers are bounded by ``1 / tolerance``).
    method : {"exponentiated_gradient", "grid_search"}, default "exponentiated_gradient"
        fairlearn's algorithms. Exponentiated gradient returns a mixture of regressors;
        grid search tries a grid of multipliers and keeps one regressor.
    mode : {"expected", "best_single"}, default "expected"
        ``"expected"`` predicts the mixture's expected prediction: the weighted mean of its
        regressors' predictions (clipped to the loss's range), a deterministic function of
        ``X``. fairlearn's ``predict`` instead draws one regressor per row; for the square
        and absolute losses (convex), the expected prediction's loss in every group is at
        most the randomized mixture's expected loss (Jensen's inequality), so the bound
        carries over. ``"best_single"`` predicts with one regressor: the one with the least
        training loss among those whose worst group's loss is within ``upper_bound +
        tolerance``, or, if none is, the one with the smallest worst group's loss. Grid
        search always uses ``"best_single"``.
    max_iter : int, default 50
        Exponentiated gradient iterations.
    grid_size : int, default 10
        Grid search size.
    drop_sensitive : bool, default False
        Drop the sensitive columns (given by name) from ``X`` before the estimator sees it.
    random_state : None, int or numpy RandomState
        When given, every ``random_state`` parameter of the estimator (nested ones too) is
        set to an integer drawn from it, so that the fit is reproducible with a randomized
        estimator (the reduction itself is deterministic).

    Attributes
    ----------
    predictors_ : list of regressors
    weights_ : ndarray
        Their mixture weights (exponentiated gradient); one-hot at ``best_index_`` for grid
        search.
    best_index_ : int
        The regressor used by ``mode="best_single"``.
    candidates_ : pandas.DataFrame
        Per regressor: ``weight``, training ``loss`` and ``worst_group_loss`` (weighted).
    group_loss_ : pandas.Series
        Training mean loss of each group of the predictions ``predict`` makes.
    worst_group_loss_ : float
        Its maximum.
    n_iter_ : int
        Exponentiated gradient iterations run (grid search: grid points tried).
    loss_range_ : tuple of float
        The range of the loss.
    groups_, sensitive_columns_

    References
    ----------
    A. Agarwal, M. Dudík and Z. S. Wu, "Fair regression: quantitative definitions and
    reduction-based algorithms", ICML (2019).
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        upper_bound: float | None = None,
        loss: str = "square",
        y_range: tuple[float, float] | None = None,
        tolerance: float = 0.01,
        method: str = "exponentiated_gradient",
        mode: str = "expected",
        max_iter: int = 50,
        grid_size: int = 10,
        drop_sensitive: bool = False,
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.upper_bound = upper_bound
        self.loss = loss
        self.y_range = y_range
        self.tolerance = tolerance
        self.method = method
        self.mode = mode
        self.max_iter = max_iter
        self.grid_size = grid_size
        self.drop_sensitive = drop_sensitive
        self.random_state = random_state

    def _check_params(self) -> tuple[str, str, tuple[float, float]]:
        method = check_choice("method", self.method, METHODS)
        check_choice("mode", self.mode, MODES)
        loss = check_choice("loss", self.loss, LOSSES)
        for name, err in (("upper_bound", ERR_UPPER_BOUND), ("tolerance", ERR_TOLERANCE)):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float | np.number)
                or not np.isfinite(value)
                or value <= 0
            ):
                raise ValueError(err.format(value=value))
        check_positive_ints(self, ("max_iter", "grid_size"))
        if loss == "zero_one":
            return method, loss, (0.0, 1.0)
        if self.y_range is None:
            return method, loss, (-np.inf, np.inf)
        try:
            lo, hi = (float(v) for v in self.y_range)
        except (TypeError, ValueError):
            raise ValueError(ERR_Y_RANGE.format(value=self.y_range)) from None
        if np.isnan(lo) or np.isnan(hi) or not lo < hi:
            raise ValueError(ERR_Y_RANGE.format(value=self.y_range))
        return method, loss, (lo, hi)

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
        **fit_params: Any,
    ) -> ConstrainedRegressor:
        """Solve the constrained regression problem.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), numeric
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
        method, loss_name, y_range = self._check_params()
        estimator = self._new_inner()
        if is_classifier(estimator):
            raise TypeError(ERR_CLASSIFIER.format(name=type(estimator).__name__))
        estimator = _seeded(estimator, self.random_state)
        params = routed_params(self, fit_params)
        X_inner, y, groups, w = self._prepare(
            X, y, sensitive_features, sample_weight, regression=True
        )
        if len(y) < 2:
            raise ValueError(ERR_ONE_SAMPLE.format(n=len(y)))
        if loss_name == "zero_one" and (y.min() < 0 or y.max() > 1):
            raise ValueError(ERR_ZERO_ONE_RANGE.format(lo=y.min(), hi=y.max()))
        X_inner = dense_rows(X_inner, ERR_SPARSE)
        weight_name = weight_param(estimator, "ConstrainedRegressor")
        if params:
            estimator = _RegressorWithFitParams(estimator, params)
        n = len(y)
        row_factor = None if w is None else w * (n / w.sum())
        loss = make_loss(loss_name, y_range)
        moment = WeightedBoundedGroupLoss(
            loss, upper_bound=float(self.upper_bound), row_factor=row_factor
        )
        if method == "exponentiated_gradient":
            reduction = ExponentiatedGradient(
                estimator,
                constraints=moment,
                objective=moment.default_objective(),
                eps=float(self.tolerance),
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
        reduction.fit(X_inner, y, sensitive_features=groups.codes)
        # the reduction object keeps the training data in its moments: only the fitted
        # regressors are kept
        if method == "exponentiated_gradient":
            self.n_iter_ = int(reduction.last_iter_) + 1
            index = list(reduction.predictors_.index)
            predictors = [reduction.predictors_[i] for i in index]
            weights = np.array([float(reduction.weights_.get(i, 0.0)) for i in index])
        else:
            predictors = list(reduction.predictors_)
            self.n_iter_ = len(predictors)
            weights = np.zeros(len(predictors))
        self.loss_range_ = y_range
        H = np.clip(
            np.column_stack([np.asarray(p.predict(X_inner), np.float64) for p in predictors]),
            *y_range,
        )
        wt = np.ones(n) if w is None else w
        L = loss.eval(y[:, None], H)
        totals = np.bincount(groups.codes, wt, groups.n_groups)
        present = totals > 0
        per_group = (
            np.stack(
                [
                    np.bincount(groups.codes, wt * L[:, j], groups.n_groups)
                    for j in range(L.shape[1])
                ],
                axis=1,
            )[present]
            / totals[present][:, None]
        )
        worst = per_group.max(axis=0)
        overall = wt @ L / wt.sum()
        feasible = worst <= float(self.upper_bound) + float(self.tolerance) + 1e-12
        if feasible.any():
            best = int(np.flatnonzero(feasible)[np.argmin(overall[feasible])])
        else:
            best = int(np.argmin(worst))
        if method == "grid_search":
            weights[best] = 1.0
        self.predictors_ = predictors
        self.weights_ = weights / weights.sum()
        self.best_index_ = best
        self.candidates_ = pd.DataFrame(
            {"weight": self.weights_, "loss": overall, "worst_group_loss": worst}
        )
        p_train = H @ self.weights_ if self._mixture() else H[:, best]
        l_train = loss.eval(y, p_train)
        with np.errstate(invalid="ignore", divide="ignore"):
            g_loss = np.bincount(groups.codes, wt * l_train, groups.n_groups) / totals
        self.group_loss_ = pd.Series(g_loss, index=groups.labels, name="loss")
        self.worst_group_loss_ = float(np.nanmax(g_loss))
        return self

    def _mixture(self) -> bool:
        return self.mode == "expected" and self.method == "exponentiated_gradient"

    def predict(self, X: Any) -> np.ndarray:
        """Predict: the mixture's expected prediction (``mode="expected"``) or the chosen
        regressor's.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of float64, clipped to ``loss_range_``
        """
        check_is_fitted(self)
        X_inner = self._check_predict_X(X)
        X_inner = dense_rows(X_inner, ERR_SPARSE)
        lo, hi = self.loss_range_
        if not self._mixture():
            model = self.predictors_[self.best_index_]
            return np.clip(np.asarray(model.predict(X_inner), np.float64), lo, hi)
        p = np.zeros(X_inner.shape[0])
        for weight, model in zip(self.weights_, self.predictors_, strict=True):
            if weight > 0:
                p += weight * np.clip(np.asarray(model.predict(X_inner), np.float64), lo, hi)
        return p

    def __sklearn_tags__(self):
        return inherit_input_tags(super().__sklearn_tags__(), self.estimator, sparse=False)
