"""ConstrainedRegressor: bounded group loss against fairlearn, the bound itself, conformance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from fairlearn.reductions import (
    AbsoluteLoss,
    BoundedGroupLoss,
    ExponentiatedGradient,
    GridSearch,
    SquareLoss,
)
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.estimator_checks import _get_check_estimator_ids, estimator_checks_generator

from fairaudit.mitigation import (
    ConstrainedClassifier,
    ConstrainedRegressor,
    Resampling,
    ResamplingSampler,
    Reweighing,
    ThresholdOptimizer,
)
from fairaudit.mitigation._base import ERR_BINARY, ERR_CONTINUOUS, ERR_Y_FINITE, ERR_Y_NUMERIC
from fairaudit.mitigation._loss_moments import WeightedBoundedGroupLoss
from fairaudit.mitigation._regression import (
    ERR_CLASSIFIER,
    ERR_SPARSE,
    ERR_TOLERANCE,
    ERR_UPPER_BOUND,
    ERR_Y_RANGE,
    ERR_ZERO_ONE_RANGE,
)


def draw(n: int, seed: int):
    """Three groups; the slope on x0 differs by group, so one linear fit serves the small
    group badly; the noise is the same, so a bound near the best worst-group loss is
    feasible."""
    rng = np.random.default_rng(seed)
    g = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    X = rng.normal(size=(n, 3))
    slope = np.array([0.0, 0.5, 2.0])[g]
    y = X @ np.array([1.0, 0.5, -0.3]) + slope * X[:, 0] + 0.5 * rng.normal(size=n)
    return X, y, g


def group_means(values, g, w=None):
    w = np.ones(len(values)) if w is None else w
    return np.bincount(g, w * values) / np.bincount(g, w)


LOSS = {
    "square": lambda r: r**2,
    "absolute": np.abs,
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("loss, bound", [("square", 1.6), ("absolute", 1.0)])
def test_worst_group_loss_is_within_the_bound(seed, loss, bound):
    """The unconstrained fit exceeds the bound on the small group; the constrained fit's
    every group is within bound + tolerance (losses computed here from the residuals)."""
    X, y, g = draw(2000, seed)
    base = LinearRegression().fit(X, y).predict(X)
    before = group_means(LOSS[loss](base - y), g)
    assert before.max() > bound + 0.3
    tol = 0.02
    model = ConstrainedRegressor(
        LinearRegression(), upper_bound=bound, loss=loss, tolerance=tol
    ).fit(X, y, sensitive_features=g)
    after = group_means(LOSS[loss](model.predict(X) - y), g)
    assert after.max() <= bound + tol
    np.testing.assert_allclose(model.group_loss_.to_numpy(), after, rtol=1e-10)
    assert model.worst_group_loss_ == pytest.approx(after.max(), rel=1e-10)
    # the cost of the bound: a higher overall loss than least squares, never lower
    assert LOSS[loss](model.predict(X) - y).mean() >= LOSS[loss](base - y).mean() - 1e-9
    # held-out data: the bound holds up to sampling error
    Xt, yt, gt = draw(20000, seed + 100)
    held = group_means(LOSS[loss](model.predict(Xt) - yt), gt)
    unconstrained = group_means(LOSS[loss](LinearRegression().fit(X, y).predict(Xt) - yt), gt)
    assert held.max() < unconstrained.max()


@pytest.mark.parametrize(
    "loss, fl_loss, y_range",
    [
        ("square", SquareLoss(-np.inf, np.inf), None),
        ("absolute", AbsoluteLoss(-3.0, 3.0), (-3.0, 3.0)),
    ],
)
@pytest.mark.parametrize("weights", [False, True])
def test_equals_fairlearn_exponentiated_gradient(loss, fl_loss, y_range, weights):
    """Same data, same settings: the expected prediction of fairlearn's mixture (its
    `_pmf_predict` columns, clipped to the loss's range, times its weights)."""
    X, y, g = draw(1500, 3)
    bound = 1.6 if loss == "square" else 1.0
    ours = ConstrainedRegressor(
        LinearRegression(), upper_bound=bound, loss=loss, y_range=y_range, tolerance=0.02
    ).fit(X, y, sensitive_features=g, sample_weight=np.ones(len(y)) if weights else None)
    theirs = ExponentiatedGradient(
        LinearRegression(),
        constraints=BoundedGroupLoss(fl_loss, upper_bound=bound),
        eps=0.02,
        max_iter=50,
    ).fit(X, y, sensitive_features=g)
    lo, hi = y_range or (-np.inf, np.inf)
    expected = np.clip(theirs._pmf_predict(X).to_numpy(), lo, hi) @ theirs.weights_.to_numpy()
    assert ours.n_iter_ == theirs.last_iter_ + 1
    np.testing.assert_allclose(ours.predict(X), expected, rtol=1e-9, atol=1e-9)


def test_grid_search_finds_fairlearn_grid_regressors():
    X, y, g = draw(1500, 4)
    ours = ConstrainedRegressor(
        LinearRegression(), upper_bound=1.6, method="grid_search", grid_size=8
    ).fit(X, y, sensitive_features=g)
    theirs = GridSearch(
        LinearRegression(),
        constraints=BoundedGroupLoss(SquareLoss(-np.inf, np.inf), upper_bound=1.6),
        grid_size=8,
    )
    theirs.fit(X, y, sensitive_features=g)  # fairlearn < 0.13's fit returns None
    assert len(ours.predictors_) == len(theirs.predictors_)
    for a, b in zip(ours.predictors_, theirs.predictors_, strict=True):
        np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-9, atol=1e-9)
    # the regressor kept: least overall loss among those meeting the bound (checked here
    # from each regressor's own residuals)
    res = [(p.predict(X) - y) ** 2 for p in theirs.predictors_]
    worst = np.array([group_means(r, g).max() for r in res])
    overall = np.array([r.mean() for r in res])
    ok = worst <= 1.6 + 0.01
    assert ok.any()
    assert ours.best_index_ == np.flatnonzero(ok)[np.argmin(overall[ok])]
    np.testing.assert_allclose(ours.predict(X), theirs.predictors_[ours.best_index_].predict(X))


def test_weighted_moment_equals_row_repetition():
    """Integer weights: group losses, group shares and costs equal fairlearn's moment on
    the data with each row repeated weight times (an independent oracle)."""
    X, y, g = draw(800, 5)
    k = np.random.default_rng(0).integers(0, 4, len(y))
    rep = np.repeat(np.arange(len(y)), k)
    n, n_rep = len(y), len(rep)
    loss = SquareLoss(-np.inf, np.inf)
    ours = WeightedBoundedGroupLoss(loss, upper_bound=1.0, row_factor=k * n / k.sum())
    ours.load_data(X, y, sensitive_features=g)
    plain = BoundedGroupLoss(loss, upper_bound=1.0)
    plain.load_data(X[rep], y[rep], sensitive_features=g[rep])

    def h(Z):
        return Z[:, 0] - 0.2 * Z[:, 2]

    np.testing.assert_allclose(ours.gamma(h).to_numpy(), plain.gamma(h).to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.prob_attr.to_numpy(), plain.prob_attr.to_numpy(), rtol=1e-12)
    lam = pd.Series([0.3, 1.2, 2.0], index=plain.index)
    sw = ours.signed_weights(lam).to_numpy() / (n / n_rep)
    np.testing.assert_allclose(
        sw, np.bincount(rep, plain.signed_weights(lam).to_numpy(), minlength=n), rtol=1e-10
    )
    obj = ours.default_objective()
    obj.load_data(X, y, sensitive_features=g)
    plain_obj = plain.default_objective()
    plain_obj.load_data(X[rep], y[rep], sensitive_features=g[rep])
    assert obj.gamma(h).iloc[0] == pytest.approx(plain_obj.gamma(h).iloc[0], rel=1e-10)


def test_user_weights_give_the_repeated_problem():
    X, y, g = draw(1200, 6)
    k = np.random.default_rng(1).integers(1, 4, len(y))
    rep = np.repeat(np.arange(len(y)), k)
    a = ConstrainedRegressor(LinearRegression(), upper_bound=1.6, method="grid_search")
    a.fit(X, y, sensitive_features=g, sample_weight=k)
    b = ConstrainedRegressor(LinearRegression(), upper_bound=1.6, method="grid_search")
    b.fit(X[rep], y[rep], sensitive_features=g[rep])
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(a.group_loss_, b.group_loss_, rtol=1e-8)


def test_best_single_mode_and_determinism():
    X, y, g = draw(1500, 7)
    model = ConstrainedRegressor(
        LinearRegression(), upper_bound=1.6, tolerance=0.02, mode="best_single"
    ).fit(X, y, sensitive_features=g)
    res = [(p.predict(X) - y) ** 2 for p in model.predictors_]
    worst = np.array([group_means(r, g).max() for r in res])
    np.testing.assert_allclose(model.candidates_["worst_group_loss"], worst, rtol=1e-10)
    np.testing.assert_allclose(model.predict(X), model.predictors_[model.best_index_].predict(X))
    # a randomized estimator: reproducible with random_state, which seeds it
    tree = DecisionTreeRegressor(max_depth=4, max_features=1)
    fits = [
        ConstrainedRegressor(tree, upper_bound=1.6, max_iter=5, random_state=0)
        .fit(X, y, sensitive_features=g)
        .predict(X)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0], fits[1])
    other = ConstrainedRegressor(tree, upper_bound=1.6, max_iter=5, random_state=1)
    assert not np.array_equal(fits[0], other.fit(X, y, sensitive_features=g).predict(X))
    assert tree.random_state is None  # the caller's estimator is untouched


def test_errors():
    X, y, g = draw(300, 8)

    def fit(model, yy=y, XX=X):
        return model.fit(XX, yy, sensitive_features=g)

    with pytest.raises(TypeError) as err:
        fit(ConstrainedRegressor(LogisticRegression(), upper_bound=1.0), yy=(y > 0).astype(int))
    assert str(err.value) == ERR_CLASSIFIER.format(name="LogisticRegression")
    for bad in (None, 0, -1.0, np.nan, "1"):
        with pytest.raises(ValueError) as err:
            fit(ConstrainedRegressor(LinearRegression(), upper_bound=bad))
        assert str(err.value) == ERR_UPPER_BOUND.format(value=bad)
    with pytest.raises(ValueError) as err:
        fit(ConstrainedRegressor(LinearRegression(), upper_bound=1.0, tolerance=0))
    assert str(err.value) == ERR_TOLERANCE.format(value=0)
    for bad in ((1.0, 0.0), (0.0,), "ab"):
        with pytest.raises(ValueError) as err:
            fit(ConstrainedRegressor(LinearRegression(), upper_bound=1.0, y_range=bad))
        assert str(err.value) == ERR_Y_RANGE.format(value=bad)
    with pytest.raises(ValueError) as err:
        fit(ConstrainedRegressor(LinearRegression(), upper_bound=0.2, loss="zero_one"))
    assert str(err.value) == ERR_ZERO_ONE_RANGE.format(lo=y.min(), hi=y.max())
    with pytest.raises(ValueError, match="loss='hinge' is not valid"):
        fit(ConstrainedRegressor(LinearRegression(), upper_bound=1.0, loss="hinge"))
    labels = np.where(y > 0, "high", "low")
    with pytest.raises(ValueError) as err:
        fit(ConstrainedRegressor(LinearRegression(), upper_bound=1.0), yy=labels)
    assert str(err.value) == ERR_Y_NUMERIC.format(
        mitigator="ConstrainedRegressor", dtype=labels.dtype
    )
    y_nan = y.copy()
    y_nan[[3, 7]] = np.nan
    with pytest.raises(ValueError) as err:
        fit(ConstrainedRegressor(LinearRegression(), upper_bound=1.0), yy=y_nan)
    assert str(err.value) == ERR_Y_FINITE.format(k=2, mitigator="ConstrainedRegressor")
    with pytest.raises(TypeError) as err:
        fit(ConstrainedRegressor(LinearRegression(), upper_bound=1.0), XX=sp.csr_matrix(X))
    assert str(err.value) == ERR_SPARSE
    assert y_nan[0] == y[0]  # inputs are not modified (y itself was copied above)


def test_zero_one_loss_on_a_unit_target():
    """loss="zero_one" is fairlearn's ZeroOneLoss (absolute loss on [0, 1]): predictions are
    clipped to [0, 1] and the bound holds on the clipped predictions."""
    X, y, g = draw(2000, 9)
    t = 1 / (1 + np.exp(-y))
    model = ConstrainedRegressor(
        LinearRegression(), upper_bound=0.12, loss="zero_one", tolerance=0.01
    ).fit(X, t, sensitive_features=g)
    p = model.predict(X)
    assert p.min() >= 0 and p.max() <= 1
    assert group_means(np.abs(p - t), g).max() <= 0.12 + 0.01
    base = np.clip(LinearRegression().fit(X, t).predict(X), 0, 1)
    assert group_means(np.abs(base - t), g).max() > 0.13


# --------------------------------------------------------------------------------------
# scikit-learn conformance, Pipeline, GridSearchCV and metadata routing
# --------------------------------------------------------------------------------------
class _CheckedRegressor(ConstrainedRegressor):
    """sensitive_features from the first column of X (the checks never pass it)."""

    def fit(self, X, y, sample_weight=None):
        from test_mitigation_sklearn import _sf_from_X

        return super().fit(X, y, sensitive_features=_sf_from_X(X, y), sample_weight=sample_weight)


EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": "exponentiated gradient's stopping "
    "tolerance depends on the row count, which repetition changes (the weighted problem "
    "equals the repeated one: test_weighted_moment_equals_row_repetition)",
}


def _common_checks():
    est = _CheckedRegressor(Ridge(), upper_bound=10.0, max_iter=3)
    for param in estimator_checks_generator(
        est, legacy=True, expected_failed_checks=EXPECTED_FAILURES, mark="xfail"
    ):
        values = param.values if hasattr(param, "values") else param
        if getattr(values[1], "func", values[1]).__name__ == "check_array_api_input":
            continue  # NumPy only (see test_mitigation_sklearn.NOT_APPLICABLE)
        yield param


@pytest.mark.slow
@pytest.mark.parametrize("estimator, check", list(_common_checks()), ids=_get_check_estimator_ids)
def test_sklearn_common_checks(estimator, check):
    check(estimator)


def test_clone_keeps_parameters_unchanged():
    model = ConstrainedRegressor(Ridge(alpha=2.0), upper_bound=1.5, y_range=(0, 5))
    twin = clone(model)
    assert twin.get_params()["estimator__alpha"] == 2.0
    assert twin.y_range == (0, 5) and twin.upper_bound == 1.5


def test_pipeline_and_grid_search_with_routing():
    X, y, g = draw(900, 10)
    cv = KFold(3, shuffle=True, random_state=0)

    def make(alpha=1.0):
        return ConstrainedRegressor(Ridge(alpha=alpha), upper_bound=1.6, max_iter=10)

    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [("scale", StandardScaler()), ("fair", make().set_fit_request(sensitive_features=True))]
        ).fit(X, y, sensitive_features=g)
        search = GridSearchCV(
            make().set_fit_request(sensitive_features=True),
            {"estimator__alpha": [0.1, 100.0]},
            cv=cv,
        ).fit(X, y, sensitive_features=g)
    Xs = StandardScaler().fit_transform(X)
    manual = make().fit(Xs, y, sensitive_features=g)
    np.testing.assert_allclose(pipe.predict(X), manual.predict(Xs), rtol=1e-10)
    for i, alpha in enumerate([0.1, 100.0]):
        scores = [
            make(alpha).fit(X[tr], y[tr], sensitive_features=g[tr]).score(X[te], y[te])
            for tr, te in cv.split(X)
        ]
        assert search.cv_results_["mean_test_score"][i] == pytest.approx(np.mean(scores), abs=1e-12)


class _Tagger(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None, *, tag=None):
        self.tag_ = None if tag is None else np.asarray(tag).copy()
        return self

    def transform(self, X):
        return X


def test_custom_metadata_reaches_every_refit_of_an_inner_step():
    X, y, g = draw(400, 11)
    tag = np.arange(len(y)) * 10
    with sklearn.config_context(enable_metadata_routing=True):
        inner = Pipeline(
            [
                ("tag", _Tagger().set_fit_request(tag=True)),
                ("ridge", Ridge().set_fit_request(sample_weight=True)),
            ]
        )
        model = ConstrainedRegressor(inner, upper_bound=1.6, max_iter=4)
        model.set_fit_request(sensitive_features=True).fit(X, y, sensitive_features=g, tag=tag)
        with pytest.raises(Exception, match="tag"):  # nobody requested it
            ConstrainedRegressor(
                Pipeline(
                    [("tag", _Tagger()), ("ridge", Ridge().set_fit_request(sample_weight=True))]
                ),
                upper_bound=1.6,
            ).set_fit_request(sensitive_features=True).fit(X, y, sensitive_features=g, tag=tag)
    for p in model.predictors_:
        np.testing.assert_array_equal(p.estimator_.named_steps["tag"].tag_, tag)
    # routing off: step__key as in a Pipeline's fit
    plain = ConstrainedRegressor(
        Pipeline([("tag", _Tagger()), ("ridge", Ridge())]), upper_bound=1.6, max_iter=4
    ).fit(X, y, sensitive_features=g, tag__tag=tag)
    for p in plain.predictors_:
        np.testing.assert_array_equal(p.estimator_.named_steps["tag"].tag_, tag)


# --------------------------------------------------------------------------------------
# The classification mitigators name the task when y is not what they support
# --------------------------------------------------------------------------------------
CLASSIFICATION = {
    "Reweighing": lambda: Reweighing(LogisticRegression()),
    "Resampling": lambda: Resampling(LogisticRegression(), random_state=0),
    "ResamplingSampler": lambda: ResamplingSampler(random_state=0),
    "ThresholdOptimizer": lambda: ThresholdOptimizer(LogisticRegression()),
    "ConstrainedClassifier": lambda: ConstrainedClassifier(LogisticRegression(), max_iter=2),
}


def _fit(model, X, y, g):
    if isinstance(model, ResamplingSampler):
        model.fit_resample(X, y, sensitive_features=g)
        return model
    return model.fit(X, y, sensitive_features=g)


@pytest.mark.parametrize("name", list(CLASSIFICATION))
def test_continuous_target_is_an_error_naming_the_task(name):
    X, y, g = draw(300, 12)
    with pytest.raises(ValueError) as err:
        _fit(CLASSIFICATION[name](), X, y, g)
    assert str(err.value) == ERR_CONTINUOUS.format(mitigator=name)


@pytest.mark.parametrize(
    "name, who",
    [
        ("ThresholdOptimizer", "ThresholdOptimizer"),
        ("ConstrainedClassifier", "ConstrainedClassifier"),
        ("Resampling(preferential)", "Resampling(strategy='preferential')"),
    ],
)
def test_binary_only_mitigators_reject_three_classes(name, who):
    X, y, g = draw(300, 13)
    y3 = np.digitize(y, [-0.5, 0.5])
    make = {
        "Resampling(preferential)": lambda: Resampling(
            LogisticRegression(), strategy="preferential", random_state=0
        ),
        **CLASSIFICATION,
    }[name]
    with pytest.raises(ValueError) as err:
        _fit(make(), X, y3, g)
    assert str(err.value) == ERR_BINARY.format(mitigator=who, k=3, classes=[0, 1, 2])


@pytest.mark.parametrize("name", ["Reweighing", "Resampling", "ResamplingSampler"])
def test_multiclass_preprocessing_equalizes_every_class_share(name):
    """Reweighing and uniform resampling are defined for any number of classes (Kamiran &
    Calders): every group gets each class's overall share."""
    X, y, g = draw(3000, 14)
    y3 = np.digitize(y + 0.8 * g, [-0.5, 0.5])
    model = _fit(CLASSIFICATION[name](), X, y3, g)
    if name == "Reweighing":
        w, yy, gg = model.sample_weight_, y3, g
    else:
        idx = model.sample_indices_
        w, yy, gg = np.ones(len(idx)), y3[idx], g[idx]
    overall = np.bincount(y3, minlength=3) / len(y3)
    for k in range(3):
        share = np.bincount(yy[gg == k], w[gg == k], 3) / w[gg == k].sum()
        np.testing.assert_allclose(share, overall, atol=0.01)
