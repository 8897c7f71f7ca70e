"""Feature repair: transform numeric features so that they no longer depend on the group.

Two methods, both interpolated by ``repair_level`` (lambda in [0, 1]):

- ``"quantile"``: the disparate-impact repair of Feldman et al. (2015). A value of group
  ``g`` at within-group quantile ``u`` is moved toward ``T(u)``, where ``T`` is the median,
  over the groups, of the groups' quantile functions: ``x' = (1 - lambda) x + lambda T(u)``.
  At lambda = 1 every group has the distribution of ``T(U)`` with ``U`` uniform, so each
  repaired feature is (marginally) independent of the group; the order of the values within
  a group is kept.
- ``"linear"``: the residual of the least-squares projection of each feature on the
  indicators of the groups (what fairlearn's ``CorrelationRemover`` computes with those
  indicators as its sensitive columns), ``x' = x - lambda (mean_g - mean)``. It equalises
  the group means only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import _num_samples, check_array, check_is_fitted, validate_data

from .._estimators import is_column_names
from ._base import align_to_X, check_2d, check_choice, encode, map_groups
from ._resampling import make_rng

METHODS = ("quantile", "linear")

ERR_LEVEL = "repair_level={value!r} is not valid; use a number in [0, 1]."
ERR_N_QUANTILES = "n_quantiles={value!r} is not valid; use an integer >= 2."
ERR_COLUMN_TYPE = (
    "column {column!r} is not numeric (dtype {dtype}); FeatureRepairer repairs numeric "
    "columns only. Leave it out of columns=, or encode it as numbers first."
)
ERR_COLUMN_MISSING = "columns= names {missing}, which X does not have; X has the columns {have}."
ERR_COLUMN_INDEX = (
    "columns= must name columns of a DataFrame X or give integer positions < {n} for an "
    "array X; got {columns!r}."
)
ERR_COLUMN_SENSITIVE = (
    "columns= includes the sensitive column(s) {names}; a feature cannot be repaired against "
    "itself. Leave them out of columns=."
)
ERR_NO_COLUMNS = (
    "there is no numeric column to repair (columns={columns!r}); pass columns= naming numeric "
    "columns of X."
)
ERR_ALL_MISSING = (
    "column {column!r} has no non-missing value in group(s) {groups}; the repair needs at "
    "least one value per group. Impute or drop those values first."
)
ERR_SF_TRANSFORM = (
    "sensitive_features is required by transform: the repair of a value depends on its "
    "group. Pass the group of each row of X (inside a Pipeline: enable metadata routing and "
    "call set_transform_request(sensitive_features=True)), or give column name(s) of X in "
    "fit, which transform then reads from X."
)
ERR_X_COLUMNS = (
    "X has the columns {got} but FeatureRepairer was fitted on {expected}; pass the same "
    "columns in the same order."
)


def _check_level(value: Any) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not 0.0 <= float(value) <= 1.0:
        raise ValueError(ERR_LEVEL.format(value=value))
    return float(value)


def level_bounds(
    x: np.ndarray, grid: np.ndarray, levels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(F(x-), F(x))``: the lowest and highest quantile level of ``x`` in the distribution
    whose quantiles at ``levels`` are ``grid`` (non-decreasing), interpolated between grid
    points as ``np.interp`` does; they differ where ``x`` equals several grid points."""
    q = len(grid)
    # F(x): the highest level whose quantile is <= x, interpolated between grid points (as
    # np.interp, in one binary search); 0 below the grid, 1 from its top
    pos = np.searchsorted(grid, x, side="right")
    j = np.clip(pos - 1, 0, q - 2)
    g0, g1 = grid[j], grid[j + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(g1 > g0, (x - g0) / (g1 - g0), 0.0)
    hi = levels[j] + np.clip(step, 0.0, 1.0) * (levels[j + 1] - levels[j])
    hi = np.where(pos == 0, levels[0], np.where(pos >= q, levels[-1], hi))
    # F(x-): differs only for a value equal to several grid points (a tie in the group)
    lo = hi.copy()
    at = np.flatnonzero((pos > 0) & (grid[np.maximum(pos - 1, 0)] == x))
    if at.size:
        first = np.searchsorted(grid, x[at], side="left")
        lo[at] = levels[first]
    nan = np.isnan(x)
    hi[nan] = lo[nan] = np.nan
    return lo, hi


def _within_group_levels(
    x: np.ndarray, grid: np.ndarray, levels: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Quantile level of each value of ``x`` in the distribution whose quantiles are ``grid``.

    A value tied with several grid points (a discrete feature) shares the levels between
    the lowest and the highest of theirs: the ``m`` rows of ``x`` holding that value get
    ``m`` levels spread evenly over that span, in random order. So the levels of a group's
    values are evenly spread even when the values are not all distinct. Values outside the
    fitted range get level 0 or 1; NaN stays NaN.
    """
    lo, hi = level_bounds(x, grid, levels)
    spread = hi - lo
    tied = np.flatnonzero(spread > 0)
    if tied.size:
        xt = x[tied]
        order = tied[np.lexsort((rng.random(tied.size), xt))]
        xs = x[order]
        start = np.r_[True, xs[1:] != xs[:-1]]
        run = np.cumsum(start) - 1
        first = np.flatnonzero(start)
        size = np.diff(np.r_[first, len(xs)])
        rank = np.arange(len(xs)) - first[run]
        lo[order] += (rank + 0.5) / size[run] * spread[order]
    return lo


def _on_even_grid(u: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.interp(u, linspace(0, 1, q), values)`` without the search: the grid is even."""
    q = len(values)
    pos = np.clip(u, 0.0, 1.0) * (q - 1)
    k = np.clip(np.floor(np.nan_to_num(pos)).astype(np.int64), 0, q - 2)
    return values[k] + (pos - k) * (values[k + 1] - values[k])


class FeatureRepairer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Preprocessing: remove the dependence of numeric features on the sensitive attribute.

    Parameters
    ----------
    repair_level : float in [0, 1], default 1.0
        How far each value is moved: 0 leaves the features unchanged, 1 repairs fully
        (``x' = (1 - repair_level) x + repair_level * repaired(x)``).
    method : {"quantile", "linear"}, default "quantile"
        ``"quantile"``: Feldman et al.'s repair toward the median distribution; at level 1
        every group has the same distribution of each repaired feature, and the order of
        the values within each group is kept. ``"linear"``: subtract the group's mean
        deviation ``mean_g - mean`` (the residual of the projection on the group
        indicators, as fairlearn's ``CorrelationRemover``); at level 1 every group has the
        same mean, but other differences (spread, shape) remain.
    columns : list of str or int, optional
        The columns to repair: names of a DataFrame ``X`` or positions in an array ``X``.
        Default: every numeric (not boolean) column, except sensitive columns named in
        ``sensitive_features``. The other columns are passed through unchanged.
    n_quantiles : int, default 1000
        Resolution of the quantile functions kept for the ``"quantile"`` method.
    random_state : None, int or numpy Generator, default None
        Breaks ties of the ``"quantile"`` method: the rows of a group that share a value
        (e.g. of a count or a 0/1 feature) receive within-group quantile levels spread
        evenly over the levels that value spans, in random order, which is what lets a
        discrete feature reach the common distribution. Without ties the transform is
        deterministic.

    Attributes
    ----------
    groups_ : pandas.Index
        The groups seen in fit. Transforming a row of another group is an error.
    columns_ : list
        The repaired columns (names for a DataFrame, positions for an array).
    levels_ : ndarray of shape (n_quantiles,)
        The quantile levels (``"quantile"``).
    quantiles_ : ndarray of shape (n_groups, n_quantiles, n_repaired)
        Each group's quantile function of each repaired feature (``"quantile"``).
    target_quantiles_ : ndarray of shape (n_quantiles, n_repaired)
        Their median over the groups: the common distribution (``"quantile"``).
    group_means_ : ndarray of shape (n_groups, n_repaired)
        Each group's mean (``"linear"``).
    mean_ : ndarray of shape (n_repaired,)
        The overall mean (``"linear"``).
    n_features_in_, feature_names_in_
        As in scikit-learn.

    Notes
    -----
    Groups are the intersections when several sensitive features are given. Missing values
    (NaN) in repaired columns are ignored by ``fit`` and stay missing in ``transform``; a
    group without any non-missing value of a column is an error. Missing sensitive values
    form their own group (with a warning), as in the audit. Values of ``transform`` outside
    the range a group had in ``fit`` get that group's extreme quantile level (0 or 1).
    Repaired columns come out as float64; a DataFrame ``X`` gives a DataFrame with its
    index and columns, an array ``X`` an array of float64.

    The repair acts on each feature separately: at level 1 each repaired feature is
    independent of the group, but a combination of features may still carry it.

    References
    ----------
    M. Feldman, S. A. Friedler, J. Moeller, C. Scheidegger and S. Venkatasubramanian,
    "Certifying and removing disparate impact", KDD 2015.
    """

    def __init__(
        self,
        repair_level: float = 1.0,
        method: str = "quantile",
        columns: Any = None,
        *,
        n_quantiles: int = 1000,
        random_state: Any = None,
    ) -> None:
        self.repair_level = repair_level
        self.method = method
        self.columns = columns
        self.n_quantiles = n_quantiles
        self.random_state = random_state

    # ------------------------------------------------------------------ column handling
    def _select(self, X: Any, sensitive_features: Any) -> list:
        frame = hasattr(X, "columns")
        sens = []
        if is_column_names(sensitive_features) and frame:
            sens = (
                [sensitive_features]
                if isinstance(sensitive_features, str)
                else list(sensitive_features)
            )
        if self.columns is None:
            if frame:
                cols = [c for c in X.columns if c not in sens and _numeric(X[c].dtype)]
            else:
                cols = list(range(X.shape[1]))
            if not cols:
                raise ValueError(ERR_NO_COLUMNS.format(columns=self.columns))
            return cols
        cols = [self.columns] if isinstance(self.columns, str | int) else list(self.columns)
        if not cols:
            raise ValueError(ERR_NO_COLUMNS.format(columns=self.columns))
        if frame:
            missing = [c for c in cols if c not in X.columns]
            if missing:
                raise ValueError(ERR_COLUMN_MISSING.format(missing=missing, have=list(X.columns)))
            bad = [c for c in cols if c in sens]
            if bad:
                raise ValueError(ERR_COLUMN_SENSITIVE.format(names=bad))
            for c in cols:
                if not _numeric(X[c].dtype):
                    raise TypeError(ERR_COLUMN_TYPE.format(column=c, dtype=X[c].dtype))
            return cols
        n = X.shape[1]
        if not all(isinstance(c, int | np.integer) and 0 <= c < n for c in cols):
            raise ValueError(ERR_COLUMN_INDEX.format(n=n, columns=self.columns))
        return [int(c) for c in cols]

    def _values(self, X: Any) -> np.ndarray:
        """The repaired columns of ``X`` as float64, shape (n_samples, n_repaired)."""
        if hasattr(X, "columns"):
            return np.column_stack(
                [pd.to_numeric(X[c]).to_numpy(dtype=float, na_value=np.nan) for c in self.columns_]
            )
        if self.columns_ == list(range(X.shape[1])):
            return X  # every column: no copy (transform writes to a new array)
        return X[:, self.columns_]

    def _validate(self, X: Any, reset: bool) -> Any:
        check_2d(X)
        if hasattr(X, "columns"):
            validate_data(self, X, skip_check_array=True, reset=reset)
            if not reset and list(X.columns) != list(self._fit_columns):
                raise ValueError(
                    ERR_X_COLUMNS.format(got=list(X.columns), expected=list(self._fit_columns))
                )
            if len(X) == 0:
                check_array(np.empty((0, X.shape[1])), ensure_min_samples=1)
            return X
        return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan")

    # ------------------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any = None, *, sensitive_features: Any = None) -> FeatureRepairer:
        """Learn each group's distribution (or mean) of the repaired columns.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : ignored
        sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of X
            Required. The group of each row (several features: their intersections).

        Returns
        -------
        self
        """
        _check_level(self.repair_level)
        method = check_choice("method", self.method, METHODS)
        if not isinstance(self.n_quantiles, int | np.integer) or self.n_quantiles < 2:
            raise ValueError(ERR_N_QUANTILES.format(value=self.n_quantiles))
        X = self._validate(X, reset=True)
        sensitive_features = align_to_X(X, sensitive_features=sensitive_features)[
            "sensitive_features"
        ]
        n = _num_samples(X)
        groups = encode(sensitive_features, X, n)
        self._fit_columns = list(X.columns) if hasattr(X, "columns") else None
        self.sensitive_names_ = (
            (
                [sensitive_features]
                if isinstance(sensitive_features, str)
                else list(sensitive_features)
            )
            if is_column_names(sensitive_features) and hasattr(X, "columns")
            else None
        )
        self.columns_ = self._select(X, sensitive_features)
        values = self._values(X)
        present = ~np.isnan(values)
        sizes = np.bincount(groups.codes, minlength=groups.n_groups).astype(np.float64)
        counts = np.stack(
            [
                np.bincount(groups.codes, present[:, j], groups.n_groups)
                if not present[:, j].all()
                else sizes
                for j in range(values.shape[1])
            ],
            axis=1,
        )
        empty = counts == 0
        if empty.any():
            j = int(np.flatnonzero(empty.any(axis=0))[0])
            raise ValueError(
                ERR_ALL_MISSING.format(
                    column=self.columns_[j],
                    groups=[str(g) for g in groups.labels[empty[:, j]]],
                )
            )
        self.groups_ = groups.labels
        if method == "linear":
            filled = values if present.all() else np.where(present, values, 0.0)
            sums = np.stack(
                [
                    np.bincount(groups.codes, filled[:, j], groups.n_groups)
                    for j in range(values.shape[1])
                ],
                axis=1,
            )
            self.group_means_ = sums / counts
            self.mean_ = sums.sum(axis=0) / counts.sum(axis=0)
            return self
        self.levels_ = np.linspace(0.0, 1.0, int(self.n_quantiles))
        order = np.argsort(groups.codes, kind="stable")
        bounds = np.searchsorted(groups.codes[order], np.arange(groups.n_groups + 1))
        quantiles = np.empty((groups.n_groups, len(self.levels_), values.shape[1]))
        for g in range(groups.n_groups):  # one vectorised quantile call per group
            rows = values[order[bounds[g] : bounds[g + 1]]]
            quantiles[g] = np.nanquantile(rows, self.levels_, axis=0)
        self.quantiles_ = quantiles
        self.target_quantiles_ = np.median(quantiles, axis=0)
        return self

    # ------------------------------------------------------------------- transform
    def transform(self, X: Any, *, sensitive_features: Any = None) -> Any:
        """Repair the columns of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of X
            The group of each row. May be left out when fit was given column names of X:
            the same columns are then read from X.

        Returns
        -------
        DataFrame (for a DataFrame X) or ndarray of float64
            X with the repaired columns replaced; the caller's X is not modified.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        if sensitive_features is None:
            if self.sensitive_names_ is None:
                raise ValueError(ERR_SF_TRANSFORM)
            sensitive_features = self.sensitive_names_
        sensitive_features = align_to_X(X, sensitive_features=sensitive_features)[
            "sensitive_features"
        ]
        n = _num_samples(X)
        codes = map_groups(encode(sensitive_features, X, n), self.groups_)
        values = self._values(X)
        level = _check_level(self.repair_level)
        if self.method == "linear":
            shift = level * (self.group_means_ - self.mean_)
            repaired = values - shift[codes]
        else:
            rng = make_rng(self.random_state)
            repaired = np.empty_like(values)
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(len(self.groups_) + 1))
            members = [(g, order[bounds[g] : bounds[g + 1]]) for g in range(len(self.groups_))]
            members = [(g, rows) for g, rows in members if rows.size]
            for j in range(values.shape[1]):  # per column: one pass per group
                u = np.empty(n)
                for g, rows in members:
                    u[rows] = _within_group_levels(
                        values[rows, j], self.quantiles_[g, :, j], self.levels_, rng
                    )
                target = _on_even_grid(u, self.target_quantiles_[:, j])
                repaired[:, j] = (1.0 - level) * values[:, j] + level * target
        if hasattr(X, "columns"):
            out = X.copy()
            for j, c in enumerate(self.columns_):
                out[c] = repaired[:, j]
            return out
        if repaired.shape == X.shape:  # every column repaired: already a new array
            return repaired
        out = np.array(X, dtype=np.float64, copy=True)
        out[:, self.columns_] = repaired
        return out

    def fit_transform(self, X: Any, y: Any = None, *, sensitive_features: Any = None) -> Any:
        """Fit, then repair the same rows (with the same sensitive features)."""
        return self.fit(X, y, sensitive_features=sensitive_features).transform(
            X, sensitive_features=sensitive_features
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags


def _numeric(dtype: Any) -> bool:
    """Numeric, not boolean (nullable numbers included)."""
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
