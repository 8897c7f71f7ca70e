"""scikit-learn conformance of the mitigators: common checks, cloning, metadata routing."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import _get_check_estimator_ids, estimator_checks_generator

from fairaudit.mitigation import (
    ConstrainedClassifier,
    Resampling,
    Reweighing,
    ThresholdOptimizer,
    reweighing_weights,
)
from fairaudit.mitigation._base import ERR_NO_WEIGHTS, ERR_ROUTING_WEIGHTS, ERR_SF_REQUIRED


# --------------------------------------------------------------------------------------
# Common checks. sensitive_features is a required argument of fit (and of
# ThresholdOptimizer.predict), which scikit-learn's checks never pass. The mitigators do
# not invent a default (a silent fallback would hide a user's mistake); instead these thin
# test-only subclasses derive a sensitive feature from the first column of X, with a rule
# that depends on each row alone (so subset and order invariance are meaningful) and that
# yields two groups on the checks' data.
# --------------------------------------------------------------------------------------
def _sf_from_X(X, y=None):
    try:
        return _sf_rule(X)
    except Exception:  # malformed X: let the mitigator and its estimator report it
        n = len(y) if y is not None and hasattr(y, "__len__") else 0
        return np.zeros(n, dtype=int)


def _sf_rule(X):
    if sp.issparse(X):
        col = np.asarray(sp.csr_matrix(X)[:, [0]].toarray()).ravel()
    else:
        A = np.asarray(X, dtype=object)
        col = np.asarray(A[:, 0] if A.ndim == 2 else A, dtype=float)
    col = np.where(np.isfinite(col), col, 0.0)
    return (np.floor(col * 7.0) % 2).astype(int)


# The checks' small data sets often leave a derived group with one label only; the
# mitigators then warn, as they should. _fit_checked asserts each such warning against the
# data (the named groups or cells really are degenerate) instead of letting it leak; any
# other warning is passed on unchanged.
_DEGENERATE = {
    "one_label": re.compile(r"group\(s\) (\[.*?\]) have only one label"),
    "empty_cell": re.compile(r"the \(group, label\) cell\(s\) (\[.*?\]) are empty"),
    "no_examples": re.compile(r"group\(s\) (\[.*?\]) have no (positive|negative) examples"),
}


def _labels_of(y, sf, w, group):
    rows = (sf.astype(str) == group) & (w > 0)
    return {str(v) for v in y[rows]}


def _assert_degenerate(message, X, y, sample_weight):
    sf = _sf_from_X(X, y)
    y = np.asarray(y)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    classes = np.unique(y)
    if m := _DEGENERATE["one_label"].search(message):
        for group in re.findall(r"'([^']*)'", m.group(1)):
            assert len(_labels_of(y, sf, w, group)) == 1, message
    elif m := _DEGENERATE["empty_cell"].search(message):
        for group, label in re.findall(r"\('([^']*)', (?:np\.\w+\()?([^)]+)", m.group(1)):
            assert label not in _labels_of(y, sf, np.ones(len(y)), group), message
    elif m := _DEGENERATE["no_examples"].search(message):
        label = str(classes[1] if m.group(2) == "positive" else classes[0])
        for group in re.findall(r"'([^']*)'", m.group(1)):
            assert label not in _labels_of(y, sf, w, group), message
    else:
        return False
    return True


def _fit_checked(fit, X, y, sample_weight):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = fit(X, y, sensitive_features=_sf_from_X(X, y), sample_weight=sample_weight)
    for w in caught:
        if not (
            issubclass(w.category, UserWarning)
            and _assert_degenerate(str(w.message), X, y, sample_weight)
        ):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return fitted


class _CheckedReweighing(Reweighing):
    def fit(self, X, y, sample_weight=None):
        return _fit_checked(super().fit, X, y, sample_weight)


class _CheckedResampling(Resampling):
    def fit(self, X, y, sample_weight=None):
        return _fit_checked(super().fit, X, y, sample_weight)


class _CheckedConstrained(ConstrainedClassifier):
    def fit(self, X, y, sample_weight=None):
        return _fit_checked(super().fit, X, y, sample_weight)


class _CheckedThreshold(ThresholdOptimizer):
    def fit(self, X, y, sample_weight=None):
        return _fit_checked(super().fit, X, y, sample_weight)

    def predict(self, X, sensitive_features=None, random_state=None):
        if sensitive_features is None:
            sensitive_features = _sf_from_X(X)
        return super().predict(X, sensitive_features=sensitive_features)


EXPECTED_FAILURES = {
    # Resampling fits the estimator on resampled rows: rows duplicated by the sampler are
    # not equivalent to a weight, so fitting with weights != fitting with repeated rows.
    "Resampling": {
        "check_sample_weight_equivalence_on_dense_data": "weights steer the sampling "
        "(rows drawn in proportion to weight), which is equivalent to repetition only in "
        "distribution, not draw by draw",
        "check_sample_weight_equivalence_on_sparse_data": "as for dense data",
    },
    # fairlearn's exponentiated gradient sets its convergence tolerance nu from the number
    # of rows (std / sqrt(n)), so weighted data and the same data with repeated rows stop
    # at different iterates (the weighted problem itself is the same; see
    # test_mitigation_reductions.py for the equivalence on the solved problem).
    "ConstrainedClassifier": {
        "check_sample_weight_equivalence_on_dense_data": "exponentiated gradient's "
        "stopping tolerance depends on the row count, which repetition changes",
    },
}


_PREFERENTIAL_WEIGHTS = (
    "preferential sampling rejects sample_weight by design (ERR_PREFERENTIAL_WEIGHTS): "
    "which rows are duplicated or dropped depends on their rank, not on a weight"
)
EXPECTED_FAILURES["Resampling(preferential)"] = {
    "check_sample_weights_pandas_series": _PREFERENTIAL_WEIGHTS,
    "check_sample_weights_not_an_array": _PREFERENTIAL_WEIGHTS,
    "check_sample_weights_list": _PREFERENTIAL_WEIGHTS,
    "check_sample_weights_shape": _PREFERENTIAL_WEIGHTS,
    "check_sample_weights_not_overwritten": _PREFERENTIAL_WEIGHTS,
    "check_all_zero_sample_weights_error": _PREFERENTIAL_WEIGHTS,
    "check_classifiers_one_label_sample_weights": _PREFERENTIAL_WEIGHTS,
    "check_sample_weight_equivalence_on_dense_data": _PREFERENTIAL_WEIGHTS,
    "check_sample_weight_equivalence_on_sparse_data": _PREFERENTIAL_WEIGHTS,
}


def _expected(est):
    name = type(est).__mro__[1].__name__
    if name == "Resampling" and est.strategy == "preferential":
        name = "Resampling(preferential)"
    return EXPECTED_FAILURES.get(name, {})


#: Checks that cannot apply, left out of the run (not skipped) with the reason.
NOT_APPLICABLE = {
    "check_array_api_input": (
        "the mitigators compute with NumPy and pandas; array-API namespaces are not supported "
        "(and scikit-learn only runs this check when SCIPY_ARRAY_API is set before SciPy is "
        "imported, so it would merely skip)"
    ),
}

COMMON_CHECK_ESTIMATORS = [
    _CheckedReweighing(LogisticRegression()),
    _CheckedResampling(LogisticRegression(), random_state=0),
    _CheckedResampling(LogisticRegression(), strategy="preferential", random_state=0),
    _CheckedConstrained(LogisticRegression(), max_iter=2, random_state=0),
    _CheckedThreshold(LogisticRegression(), random_state=0),
    _CheckedThreshold(LogisticRegression(), mode="per_group_threshold"),
]


def _check_name(check) -> str:
    return getattr(check, "func", check).__name__


def _common_checks():
    for est in COMMON_CHECK_ESTIMATORS:
        for param in estimator_checks_generator(
            est, legacy=True, expected_failed_checks=_expected(est), mark="xfail"
        ):
            values = param.values if hasattr(param, "values") else param
            if _check_name(values[1]) in NOT_APPLICABLE:
                continue
            yield param


@pytest.mark.slow
@pytest.mark.parametrize("estimator, check", list(_common_checks()), ids=_get_check_estimator_ids)
def test_sklearn_common_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------------------
# Data shared by the routing tests: a group-dependent label, a numeric X.
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    n = 600
    s = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 3)) + 0.8 * s[:, None]
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n) > 0.6).astype(int)
    w = rng.uniform(0.5, 2.0, n)
    return X, y, s, w


def _lr():
    return LogisticRegression(max_iter=1000)


def test_clone_and_params_round_trip():
    est = ThresholdOptimizer(
        Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(C=2.0))]),
        constraint="demographic_parity",
        tolerance=0.02,
    )
    twin = clone(est)
    assert twin.get_params()["estimator__lr__C"] == 2.0
    assert twin.get_params()["tolerance"] == 0.02
    twin.set_params(estimator__lr__C=0.5, constraint="equal_opportunity")
    assert twin.estimator.named_steps["lr"].C == 0.5
    assert est.estimator.named_steps["lr"].C == 2.0  # the original is untouched
    assert twin.constraint == "equal_opportunity"


def test_missing_sensitive_features_is_a_clear_error(data):
    X, y, _, _ = data
    for est in (Reweighing(_lr()), Resampling(_lr()), ThresholdOptimizer(_lr())):
        with pytest.raises(ValueError) as err:
            est.fit(X, y)
        assert str(err.value) == ERR_SF_REQUIRED


def test_pipeline_step_params_without_routing(data):
    """Routing off: Pipeline's `step__param` convention reaches the mitigator."""
    X, y, s, _ = data
    pipe = Pipeline([("scale", StandardScaler()), ("mit", Reweighing(_lr()))])
    pipe.fit(X, y, mit__sensitive_features=s)
    manual = Reweighing(_lr()).fit(StandardScaler().fit_transform(X), y, sensitive_features=s)
    np.testing.assert_allclose(
        pipe.named_steps["mit"].estimator_.coef_, manual.estimator_.coef_, rtol=1e-10
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: Reweighing(_lr()),
        lambda: Resampling(_lr(), random_state=0),
        lambda: ConstrainedClassifier(_lr(), method="grid_search", grid_size=5, tolerance=0.2),
    ],
    ids=["Reweighing", "Resampling", "ConstrainedClassifier"],
)
def test_pipeline_with_metadata_routing(data, make):
    X, y, s, _ = data
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [("scale", StandardScaler()), ("mit", make().set_fit_request(sensitive_features=True))]
        )
        pipe.fit(X, y, sensitive_features=s)
        got = pipe.predict(X)
    manual = make().fit(StandardScaler().fit_transform(X), y, sensitive_features=s)
    np.testing.assert_array_equal(got, manual.predict(StandardScaler().fit_transform(X)))


def test_threshold_optimizer_in_pipeline_with_routing(data):
    X, y, s, _ = data
    with sklearn.config_context(enable_metadata_routing=True):
        mit = (
            ThresholdOptimizer(_lr(), random_state=3)
            .set_fit_request(sensitive_features=True)
            .set_predict_request(sensitive_features=True)
        )
        pipe = Pipeline([("scale", StandardScaler()), ("mit", mit)]).fit(X, y, sensitive_features=s)
        got = pipe.predict(X, sensitive_features=s)
    Xs = StandardScaler().fit_transform(X)
    manual = ThresholdOptimizer(_lr(), random_state=3).fit(Xs, y, sensitive_features=s)
    np.testing.assert_array_equal(got, manual.predict(Xs, sensitive_features=s))


def test_user_weights_routed_to_the_mitigator(data):
    X, y, s, w = data
    with sklearn.config_context(enable_metadata_routing=True):
        mit = Reweighing(_lr()).set_fit_request(sensitive_features=True, sample_weight=True)
        scale = StandardScaler().set_fit_request(sample_weight=False)
        pipe = Pipeline([("scale", scale), ("mit", mit)])
        pipe.fit(X, y, sensitive_features=s, sample_weight=w)
    np.testing.assert_allclose(
        pipe.named_steps["mit"].sample_weight_,
        reweighing_weights(y, sensitive_features=s, sample_weight=w),
        rtol=1e-12,
    )


def _manual_cv_score(make, X, y, s, cv, score):
    values = []
    for train, test in cv.split(X, y):
        est = make().fit(X[train], y[train], sensitive_features=s[train])
        values.append(score(est, X[test], y[test], s[test]))
    return float(np.mean(values))


def test_grid_search_over_reweighing_with_routing(data):
    X, y, s, _ = data
    cv = KFold(3, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            Reweighing(_lr()).set_fit_request(sensitive_features=True),
            {"estimator__C": [0.01, 1.0]},
            cv=cv,
        ).fit(X, y, sensitive_features=s)
    for i, C in enumerate([0.01, 1.0]):
        expected = _manual_cv_score(
            lambda C=C: Reweighing(LogisticRegression(C=C, max_iter=1000)),
            X,
            y,
            s,
            cv,
            lambda est, Xt, yt, st: est.score(Xt, yt),
        )
        assert search.cv_results_["mean_test_score"][i] == pytest.approx(expected, abs=1e-12)


def test_grid_search_over_threshold_optimizer_with_routing(data):
    """Sensitive features reach fit and, through score, predict on each held-out fold."""
    X, y, s, _ = data
    cv = KFold(3, shuffle=True, random_state=1)
    grid = ["demographic_parity", "equalized_odds"]
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            ThresholdOptimizer(_lr(), random_state=0)
            .set_fit_request(sensitive_features=True)
            .set_score_request(sensitive_features=True),
            {"constraint": grid},
            cv=cv,
        ).fit(X, y, sensitive_features=s)
    for i, c in enumerate(grid):
        expected = _manual_cv_score(
            lambda c=c: ThresholdOptimizer(_lr(), constraint=c, random_state=0),
            X,
            y,
            s,
            cv,
            lambda est, Xt, yt, st: est.score(Xt, yt, sensitive_features=st),
        )
        assert search.cv_results_["mean_test_score"][i] == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------------------
# The mitigator's weights reach the final step of an inner Pipeline.
# --------------------------------------------------------------------------------------
def _inner_pipe(request: bool = False):
    lr, scale = _lr(), StandardScaler()
    if request:  # routing on: the final step asks for the weights, the scaler declines
        lr = lr.set_fit_request(sample_weight=True)
        scale = scale.set_fit_request(sample_weight=False)
    return Pipeline([("scale", scale), ("lr", lr)])


def test_weights_reach_final_step_without_routing(data):
    X, y, s, w = data
    mit = Reweighing(_inner_pipe()).fit(X, y, sensitive_features=s, sample_weight=w)
    oracle = _lr().fit(StandardScaler().fit_transform(X), y, sample_weight=mit.sample_weight_)
    np.testing.assert_allclose(
        mit.estimator_.named_steps["lr"].coef_, oracle.coef_, rtol=1e-8, atol=1e-10
    )
    unweighted = _lr().fit(StandardScaler().fit_transform(X), y)
    assert not np.allclose(unweighted.coef_, oracle.coef_, rtol=1e-3)


def test_weights_reach_final_step_with_routing(data):
    X, y, s, w = data
    with sklearn.config_context(enable_metadata_routing=True):
        mit = Reweighing(_inner_pipe(request=True)).fit(X, y, sensitive_features=s, sample_weight=w)
        oracle = _lr().fit(StandardScaler().fit_transform(X), y, sample_weight=mit.sample_weight_)
    np.testing.assert_allclose(
        mit.estimator_.named_steps["lr"].coef_, oracle.coef_, rtol=1e-8, atol=1e-10
    )


def test_routing_without_weight_request_is_a_clear_error(data):
    X, y, s, _ = data
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(TypeError) as err:
            Reweighing(_inner_pipe()).fit(X, y, sensitive_features=s)
    assert str(err.value) == ERR_ROUTING_WEIGHTS.format(name="Pipeline", mitigator="Reweighing")


def test_estimator_without_weights_is_a_clear_error(data):
    X, y, s, _ = data
    with pytest.raises(TypeError) as err:
        Reweighing(KNeighborsClassifier()).fit(X, y, sensitive_features=s)
    assert str(err.value) == ERR_NO_WEIGHTS.format(
        name="KNeighborsClassifier", mitigator="Reweighing"
    )
    # Resampling needs no weights: the suggested alternative works
    Resampling(KNeighborsClassifier(), random_state=0).fit(X, y, sensitive_features=s)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ThresholdOptimizer(_lr(), random_state=0),
        lambda: ConstrainedClassifier(_lr(), max_iter=5, random_state=0),
    ],
    ids=["ThresholdOptimizer", "ConstrainedClassifier"],
)
def test_fitted_models_keep_no_training_rows(make):
    """A pickled model does not carry the training data or its sensitive features
    (fairlearn's reduction objects do; they are not kept)."""
    import pickle

    rng = np.random.default_rng(0)
    n = 8000
    s = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 3)) + s[:, None]
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    model = make().fit(X, y, sensitive_features=s)
    assert len(pickle.dumps(model)) < 20_000  # the sensitive column alone is 64 kB


def test_missing_or_infinite_labels_are_refused_before_any_cast():
    """NaN or inf in y is an error naming y and the mitigator, raised before scikit-learn's
    type_of_target would cast the values to integers (a RuntimeWarning)."""
    X = np.random.default_rng(0).normal(size=(10, 2))
    for value in (np.nan, np.inf):
        y = np.r_[np.zeros(5), np.ones(4), value]
        for est in (Reweighing(_lr()), Resampling(_lr()), ThresholdOptimizer(_lr())):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                with pytest.raises(
                    ValueError,
                    match=r"^y has 1 missing or infinite value\(s\); "
                    rf"{type(est).__name__} needs a finite target\.$",
                ):
                    est.fit(X, y, sensitive_features=np.arange(10) % 2)
