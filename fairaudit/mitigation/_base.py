"""What every mitigator shares: input checks, group codes, and fitting the inner estimator.

Mitigators are scikit-learn meta-estimators. They leave the validation of ``X`` to the
inner estimator (so ``X`` may be a DataFrame with text columns when the inner estimator is
a ``Pipeline`` with encoders) and check only what they use themselves: the labels, the
sensitive features, the sample weights and the number of rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _num_samples,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
    validate_data,
)

from .._estimators import is_column_names
from .._validation import Groups, align_rows, check_sample_weight, encode_groups

ERR_SF_REQUIRED = (
    "sensitive_features is required: pass the sensitive feature values (array, Series, "
    "DataFrame or dict) or the name(s) of columns of X. Inside a Pipeline or GridSearchCV, "
    "enable metadata routing (sklearn.set_config(enable_metadata_routing=True)) and call "
    "set_fit_request(sensitive_features=True) on the mitigator."
)
ERR_NO_WEIGHTS = (
    "{name}.fit does not accept sample_weight, which {mitigator} needs; use an estimator "
    "that takes sample_weight, or Resampling, which needs no weights."
)
ERR_ROUTING_WEIGHTS = (
    "metadata routing is enabled but the inner {name} does not request sample_weight, "
    "which {mitigator} needs; call set_fit_request(sample_weight=True) on its final step."
)
ERR_DROP_NEEDS_NAMES = (
    "drop_sensitive=True needs sensitive_features given as column name(s) of X (a "
    "DataFrame); with separate values, leave the sensitive columns out of X yourself."
)
ERR_BINARY = (
    "Only binary classification is supported by {mitigator}; y has {k} classes: {classes}. "
    "Pass a 0/1 (two-valued) target."
)
ERR_CONTINUOUS = (
    "{mitigator} is a classification mitigator, but y is continuous (a regression target; "
    "Unknown label type: continuous). Pass class labels, or use ConstrainedRegressor for a "
    "regression target."
)
ERR_Y_NUMERIC = (
    "{mitigator} is a regression mitigator, but y is not numeric (dtype {dtype}); pass a "
    "numeric target, or use ConstrainedClassifier for class labels."
)
ERR_Y_FINITE = "y has {k} missing or infinite value(s); {mitigator} needs a finite target."
ERR_ONE_CLASS = (
    "y has only one class with positive weight ({classes}); a classifier needs at least "
    "two classes."
)
ERR_Y_NONE = (
    "y is None: the mitigator requires y to be passed, but the target y is None; pass one "
    "label per row of X."
)
ERR_WEIGHT_ZERO = "sample_weight is zero for every row; at least one row needs a positive weight."
ERR_X_1D = (
    "X must be 2-dimensional (n_samples, n_features) but is 1-dimensional. Reshape your "
    "data either using array.reshape(-1, 1) if it has a single feature or "
    "array.reshape(1, -1) if it contains a single sample."
)
ERR_Y_LENGTH = "y has {got} rows but X has {n}; pass one label per row of X."
ERR_N_FEATURES_SF = (
    "sensitive_features has {got} feature(s) but the mitigator was fitted with {n} "
    "({names}); pass the same sensitive features as in fit."
)
ERR_UNSEEN_GROUP = (
    "sensitive_features contains group(s) not seen in fit: {groups}; the mitigator has no "
    "decision rule for them. Fit on data that includes every group."
)
ERR_PARAM = "{name}={value!r} is not valid; use one of {allowed}."
ERR_NO_ESTIMATOR = "estimator is required: pass a scikit-learn classifier."
ERR_DROP_TYPE = "drop_sensitive must be True or False; got {value!r}."


ERR_POSITIVE_INT = "{name}={value!r} is not valid; use a positive integer."


def check_positive_ints(owner: Any, names: tuple[str, ...]) -> None:
    """Raise a ValueError naming the first parameter of ``owner`` that is not a positive
    integer."""
    for name in names:
        value = getattr(owner, name)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(ERR_POSITIVE_INT.format(name=name, value=value))


def dense_rows(X: Any, error: str) -> Any:
    """``X`` for fairlearn's reductions: dense (a sparse matrix is a TypeError with
    ``error``), as an array unless it has a shape already (a DataFrame stays one)."""
    if sp.issparse(X):
        raise TypeError(error)
    return X if hasattr(X, "shape") else np.asarray(X)


def plain(values: Any) -> list:
    """Values as a list of Python scalars (for readable error messages)."""
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """Raise a ValueError naming the parameter when ``value`` is not one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(ERR_PARAM.format(name=name, value=value, allowed=list(allowed)))
    return value


def align_to_X(X: Any, **inputs: Any) -> dict[str, Any]:
    """``inputs`` with their pandas objects paired with the rows of ``X`` by index label.

    Column names of ``X`` given as ``sensitive_features`` follow ``X`` already and are
    passed through. See :func:`fairaudit._alignment.align_rows` for the rules.
    """
    names = {k: val for k, val in inputs.items() if is_column_names(val)}
    rows = {k: val for k, val in inputs.items() if k not in names}
    aligned = align_rows({"X": X, **rows})
    return {k: names[k] if k in names else aligned[k] for k in inputs}


def encode(sensitive_features: Any, X: Any, n: int) -> Groups:
    """Group codes for ``n`` rows; column names are looked up in ``X``."""
    if sensitive_features is None:
        raise ValueError(ERR_SF_REQUIRED)
    return encode_groups(sensitive_features, n_samples=n, X=X)


def check_labels(y: Any, mitigator: str | None = None) -> np.ndarray:
    """Return ``y`` as a 1-d array of classification labels.

    A continuous target is an error naming ``mitigator`` (when given) and the regression
    mitigator to use instead.
    """
    if y is None:
        raise ValueError(ERR_Y_NONE)
    y = column_or_1d(y, warn=True)
    if y.dtype.kind == "f":  # before type_of_target, which casts NaN and inf to integers
        bad = int((~np.isfinite(y)).sum())
        if bad:
            raise ValueError(ERR_Y_FINITE.format(k=bad, mitigator=mitigator or "a classifier"))
    if mitigator is not None and type_of_target(y) in ("continuous", "continuous-multioutput"):
        raise ValueError(ERR_CONTINUOUS.format(mitigator=mitigator))
    check_classification_targets(y)
    return y


def check_regression_target(y: Any, mitigator: str) -> np.ndarray:
    """Return ``y`` as a 1-d float64 array; a non-numeric or non-finite target is an error
    naming ``mitigator``."""
    if y is None:
        raise ValueError(ERR_Y_NONE)
    y = column_or_1d(y, warn=True)
    if y.dtype.kind not in "biuf":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(ERR_Y_NUMERIC.format(mitigator=mitigator, dtype=y.dtype)) from None
    y = y.astype(np.float64, copy=False)
    bad = int((~np.isfinite(y)).sum())
    if bad:
        raise ValueError(ERR_Y_FINITE.format(k=bad, mitigator=mitigator))
    return y


def binary_labels(y: np.ndarray, classes: np.ndarray, mitigator: str) -> np.ndarray:
    """0/1 labels with ``classes[1]`` as the positive class."""
    if len(classes) != 2:
        raise ValueError(
            ERR_BINARY.format(
                mitigator=mitigator,
                k=len(classes),
                classes=plain(classes),
            )
        )
    return (y == classes[1]).astype(np.int8)


def map_groups(groups: Groups, fitted: pd.Index) -> np.ndarray:
    """Codes of ``groups`` expressed in the numbering of the fitted group labels."""
    names = list(fitted.names)
    if len(groups.names) != len(names):
        raise ValueError(ERR_N_FEATURES_SF.format(got=len(groups.names), n=len(names), names=names))
    pos = fitted.get_indexer(groups.labels)
    if (pos < 0).any():
        unseen = [str(v) for v in groups.labels[pos < 0]]
        raise ValueError(ERR_UNSEEN_GROUP.format(groups=unseen))
    return pos[groups.codes]


def weight_param(estimator: Any, mitigator: str) -> str:
    """The keyword under which ``estimator.fit`` receives per-row weights.

    With metadata routing off, a ``Pipeline`` takes ``<last step>__sample_weight`` (nested
    pipelines are followed to their final estimator). With routing on, it takes
    ``sample_weight`` and routes it to the steps that requested it.
    """
    name = type(estimator).__name__
    if _routing_enabled():
        if isinstance(estimator, Pipeline):
            if not get_routing_for_object(estimator).consumes("fit", ["sample_weight"]):
                raise TypeError(ERR_ROUTING_WEIGHTS.format(name=name, mitigator=mitigator))
            return "sample_weight"
        if not has_fit_parameter(estimator, "sample_weight"):
            raise TypeError(ERR_NO_WEIGHTS.format(name=name, mitigator=mitigator))
        return "sample_weight"
    prefix = ""
    final = estimator
    while isinstance(final, Pipeline):
        step, final = final.steps[-1]
        prefix += f"{step}__"
        if final is None or final == "passthrough":
            raise TypeError(ERR_NO_WEIGHTS.format(name=name, mitigator=mitigator))
    if not has_fit_parameter(final, "sample_weight"):
        raise TypeError(ERR_NO_WEIGHTS.format(name=type(final).__name__, mitigator=mitigator))
    return prefix + "sample_weight"


def fit_inner(
    estimator: Any,
    X: Any,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    mitigator: str,
    params: dict[str, Any] | None = None,
) -> Any:
    """Fit ``estimator`` (already cloned) with the weights reaching its final step and the
    other routed metadata ``params``."""
    params = dict(params or {})
    if sample_weight is not None:
        params[weight_param(estimator, mitigator)] = sample_weight
    return estimator.fit(X, y, **params)


def routed_params(mitigator: Any, fit_params: dict[str, Any]) -> dict[str, Any]:
    """The metadata for the inner estimator's ``fit``, beyond the weights the mitigator sets.

    With metadata routing enabled, ``fit_params`` are routed by the requests of the inner
    estimator (and its steps) through ``process_routing``; a key nobody requested is an
    error naming it. With routing off they are passed to the inner ``fit`` as given (for a
    ``Pipeline``: ``step__key=value``), as scikit-learn's meta-estimators did before routing.
    """
    if not fit_params:
        return {}
    if _routing_enabled():
        return dict(process_routing(mitigator, "fit", **fit_params).estimator.fit)
    return dict(fit_params)


def take_params(params: dict[str, Any], idx: np.ndarray, n: int) -> dict[str, Any]:
    """Per-row metadata (length ``n``) restricted to the rows ``idx``; the rest as given."""
    out = {}
    for key, value in params.items():
        if value is not None and not np.isscalar(value) and _num_samples_or_none(value) == n:
            out[key] = take_rows(value, idx)
        else:
            out[key] = value
    return out


def _num_samples_or_none(value: Any) -> int | None:
    try:
        return _num_samples(value)
    except TypeError:
        return None


def accepts_weights(estimator: Any) -> bool:
    """Whether ``estimator`` (or a Pipeline's final step) takes ``sample_weight`` in fit."""
    try:
        weight_param(estimator, "")
    except TypeError:
        return False
    return True


def take_rows(X: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of X (array, DataFrame, list or sparse matrix), as a copy."""
    if sp.issparse(X):
        if X.format not in ("csr", "csc"):
            X = X.tocsr()
    elif not isinstance(X, np.ndarray | list | pd.DataFrame | pd.Series):
        X = np.asarray(X)
    return _safe_indexing(X, idx, axis=0)


def check_2d(X: Any) -> None:
    """Raise the scikit-learn style error for 1-d X."""
    if sp.issparse(X) or hasattr(X, "columns"):
        return
    ndim = len(X.shape) if hasattr(X, "shape") else np.asarray(X).ndim
    if ndim == 1:
        raise ValueError(ERR_X_1D)


class MitigatorMixin:
    """Shared fit preparation and delegation for the mitigators.

    The subclasses define ``estimator`` and ``drop_sensitive`` as constructor parameters.
    """

    estimator: Any
    drop_sensitive: bool

    def _prepare(
        self,
        X: Any,
        y: Any,
        sensitive_features: Any,
        sample_weight: Any,
        *,
        regression: bool = False,
    ) -> tuple[Any, np.ndarray, Groups, np.ndarray | None]:
        """Check the inputs and record the sensitive columns; return X for the inner model.

        ``y`` is checked as class labels (at least two with positive weight), or, with
        ``regression=True``, as a finite numeric target.
        """
        if y is None:
            raise ValueError(ERR_Y_NONE)
        check_2d(X)
        validate_data(self, X, skip_check_array=True, reset=True)
        rows = align_to_X(
            X, y=y, sensitive_features=sensitive_features, sample_weight=sample_weight
        )
        y, sensitive_features = rows["y"], rows["sensitive_features"]
        sample_weight = rows["sample_weight"]
        name = type(self).__name__
        y = check_regression_target(y, name) if regression else check_labels(y, name)
        n = _num_samples(X)
        if len(y) != n:
            raise ValueError(ERR_Y_LENGTH.format(got=len(y), n=n))
        groups = encode(sensitive_features, X, n)
        if sample_weight is not None:
            sw = np.asarray(sample_weight)
            if sw.dtype.kind in "biuf" and sw.size and np.all(sw == 0):
                raise ValueError(ERR_WEIGHT_ZERO)
        w = check_sample_weight(sample_weight, n)
        if not regression:
            present = np.unique(y if w is None else y[w > 0])
            if len(present) < 2:
                raise ValueError(ERR_ONE_CLASS.format(classes=plain(present)))
        if not isinstance(self.drop_sensitive, bool | np.bool_):
            raise TypeError(ERR_DROP_TYPE.format(value=self.drop_sensitive))
        self.sensitive_columns_: list[str] = []
        if self.drop_sensitive:
            if not (is_column_names(sensitive_features) and hasattr(X, "columns")):
                raise ValueError(ERR_DROP_NEEDS_NAMES)
            names = (
                [sensitive_features]
                if isinstance(sensitive_features, str)
                else list(sensitive_features)
            )
            self.sensitive_columns_ = names
        # only the group labels are kept: a fitted model stores no row of sensitive data
        self.groups_ = groups.labels
        return self._inner_X(X), y, groups, w

    def _inner_X(self, X: Any) -> Any:
        """X as the inner estimator sees it (sensitive columns dropped when asked to)."""
        cols = getattr(self, "sensitive_columns_", [])
        if cols and hasattr(X, "drop"):
            return X.drop(columns=cols)
        return X

    def _check_predict_X(self, X: Any) -> Any:
        check_is_fitted(self)
        check_2d(X)
        validate_data(self, X, skip_check_array=True, reset=False)
        return self._inner_X(X)

    def _new_inner(self) -> Any:
        if self.estimator is None:
            raise ValueError(ERR_NO_ESTIMATOR)
        return clone(self.estimator)

    def get_metadata_routing(self) -> MetadataRouter:
        """How ``fit`` routes metadata: its own requests (``sensitive_features``,
        ``sample_weight``, set with ``set_fit_request``) and those of the inner estimator's
        ``fit``, as scikit-learn's meta-estimators do.

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRouter
        """
        router = MetadataRouter(owner=self.__class__.__name__).add_self_request(self)
        if self.estimator is not None:
            router.add(
                estimator=self.estimator,
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        return router


def inherit_input_tags(tags: Any, estimator: Any, *, sparse: bool = True) -> Any:
    """Copy the inner estimator's input tags (NaN, strings and, optionally, sparse input)."""
    if estimator is not None:
        inner = get_tags(estimator)
        if sparse:
            tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.string = inner.input_tags.string
    return tags


def _estimator_has(attr: str):
    def check(self: Any) -> bool:
        est = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        return hasattr(est, attr)

    return check


class DelegatingPredictMixin:
    """Prediction methods of a preprocessing mitigator: those of the fitted inner estimator,
    available exactly when the inner estimator has them."""

    def predict(self, X: Any) -> np.ndarray:
        """Predict with the fitted estimator."""
        X_inner = self._check_predict_X(X)  # checks fitted first
        return self.estimator_.predict(X_inner)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the fitted estimator."""
        X_inner = self._check_predict_X(X)  # checks fitted first
        return self.estimator_.predict_proba(X_inner)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log class probabilities from the fitted estimator."""
        X_inner = self._check_predict_X(X)  # checks fitted first
        return self.estimator_.predict_log_proba(X_inner)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """Decision scores from the fitted estimator."""
        X_inner = self._check_predict_X(X)  # checks fitted first
        return self.estimator_.decision_function(X_inner)
