"""FeatureRepairer: equal group distributions at level 1, order kept, the linear method
against fairlearn's CorrelationRemover, leakage on the hiring data, scikit-learn conformance."""

from __future__ import annotations

import fairlearn
import numpy as np
import pandas as pd
import pytest
import sklearn
from fairlearn.preprocessing import CorrelationRemover
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version
from scipy.stats import ks_2samp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import _get_check_estimator_ids, estimator_checks_generator
from sklearn.utils.validation import _num_samples

from fairaudit.datasets import make_hiring
from fairaudit.mitigation import FeatureRepairer
from fairaudit.mitigation._repair import ERR_SF_TRANSFORM, _on_even_grid, level_bounds


def _data(seed=0, sizes=(1500, 600, 150)):
    """Three groups of different sizes whose features differ in location, spread and shape."""
    rng = np.random.default_rng(seed)
    s = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(s)
    n = len(s)
    X = np.column_stack(
        [
            rng.normal(size=n) * (1 + s) + 2.0 * s,  # location and scale
            rng.exponential(size=n) ** (1 + 0.5 * s),  # shape
            rng.poisson(2.0 + 2.0 * s).astype(float),  # discrete: many ties
        ]
    )
    return X, s


# ---------------------------------------------------------------- quantile repair
@pytest.mark.parametrize("seed", [0, 1])
def test_full_quantile_repair_equalises_group_distributions(seed):
    X, s = _data(seed)
    Z = FeatureRepairer(random_state=seed).fit_transform(X, sensitive_features=s)
    sizes = np.bincount(s)
    for j in range(X.shape[1]):
        before = ks_2samp(X[s == 0, j], X[s == 2, j]).statistic
        assert before > 0.15  # the features did depend on the group
        for a, b in [(0, 1), (0, 2), (1, 2)]:
            # the resolution: each group's step in its levels, and the quantile grid's
            resolution = 1.0 / sizes[a] + 1.0 / sizes[b] + 2.0 / 1000
            ks = ks_2samp(Z[s == a, j], Z[s == b, j]).statistic
            assert ks <= resolution, (j, a, b, ks)


def test_quantile_repair_keeps_the_order_within_each_group():
    X, s = _data(3)
    for level in (1.0, 0.6):
        Z = FeatureRepairer(level, random_state=0).fit_transform(X, sensitive_features=s)
        for g in range(3):
            for j in range(X.shape[1]):
                x, z = X[s == g, j], Z[s == g, j]
                order = np.lexsort((z, x))  # by x; ties (discrete column) by z
                dz, dx = np.diff(z[order]), np.diff(x[order])
                assert (dz >= 0).all()  # never reversed
                if j < 2:  # continuous (no ties): strictly increasing at every step
                    assert (dz[dx > 0] > 0).all()


def test_level_zero_leaves_the_features_unchanged():
    X, s = _data(4)
    for method in ("quantile", "linear"):
        Z = FeatureRepairer(0.0, method, random_state=0).fit_transform(X, sensitive_features=s)
        np.testing.assert_array_equal(Z, X)
        assert not np.shares_memory(Z, X)  # a new array: the caller's data is never written


def test_partial_repair_is_the_interpolation():
    X, s = _data(5)
    full = FeatureRepairer(1.0, random_state=0).fit_transform(X[:, :2], sensitive_features=s)
    half = FeatureRepairer(0.3, random_state=0).fit_transform(X[:, :2], sensitive_features=s)
    np.testing.assert_allclose(half, 0.7 * X[:, :2] + 0.3 * full, rtol=0, atol=1e-12)


@given(
    n=st.integers(3, 40),
    k=st.integers(2, 3),
    seed=st.integers(0, 2**31 - 1),
)
@settings(max_examples=40, deadline=None)
def test_equal_sizes_repair_to_the_median_of_the_order_statistics(n, k, seed):
    # Feldman et al.'s closed form: k groups of n distinct values each; with n quantile
    # levels, the i-th smallest value of every group becomes the median of the i-th
    # smallest values of the groups.
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(k, n)) * rng.uniform(0.5, 3, (k, 1)) + rng.normal(0, 3, (k, 1))
    s = np.repeat(np.arange(k), n)
    x = values.ravel()
    perm = rng.permutation(k * n)
    Z = FeatureRepairer(n_quantiles=n).fit_transform(x[perm, None], sensitive_features=s[perm])
    z = np.empty(k * n)
    z[perm] = Z[:, 0]
    expected = np.median(np.sort(values, axis=1), axis=0)
    for g in range(k):
        got = z[s == g][np.argsort(values[g])]
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_new_rows_are_mapped_through_the_fitted_functions():
    X, s = _data(6)
    rep = FeatureRepairer(random_state=0).fit(X[:2000], sensitive_features=s[:2000])
    Z = rep.transform(X[2000:], sensitive_features=s[2000:])
    for j in range(2):
        assert ks_2samp(Z[s[2000:] == 0, j], Z[s[2000:] == 1, j]).pvalue > 0.001
    # a value beyond a group's fitted range gets that group's extreme level
    big = np.array([[1e6, 1e6, 1e6]])
    out = rep.transform(big, sensitive_features=[0])
    np.testing.assert_allclose(out[0], rep.target_quantiles_[-1])


# ------------------------------------------------------------------ linear repair
def _projection_residual(X_fit, s_fit, X, s, level, n_groups):
    """The closed form, from its definition: least-squares projection of each feature on the
    centered group indicators (fitted on ``X_fit``), residual blended with the original by
    ``level``: ``level * (x - (S - mean(S)) beta) + (1 - level) * x``."""
    S_fit = (s_fit[:, None] == np.arange(n_groups)).astype(float)
    center = S_fit.mean(axis=0)  # each indicator's own mean
    beta = np.linalg.lstsq(S_fit - center, X_fit, rcond=None)[0]
    S = (s[:, None] == np.arange(n_groups)).astype(float)
    return level * (X - (S - center) @ beta) + (1 - level) * X


@pytest.mark.parametrize("level", [1.0, 0.4])
def test_linear_is_the_least_squares_residual_on_the_group_indicators(level):
    X, s = _data(7)
    train, test = slice(0, 1800), slice(1800, None)
    rep = FeatureRepairer(level, "linear").fit(X[train], sensitive_features=s[train])
    for rows in (train, test):
        expected = _projection_residual(X[train], s[train], X[rows], s[rows], level, 3)
        got = rep.transform(X[rows], sensitive_features=s[rows])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


#: fairlearn 0.12-0.14's CorrelationRemover centers the sensitive columns by the mean of
#: all their entries (``X_sensitive.mean()``), not by each column's mean as its documented
#: definition says; 0.15 centers each column. The two agree for one sensitive column only.
FAIRLEARN_COLUMN_MEANS = Version(fairlearn.__version__) >= Version("0.15")


@pytest.mark.skipif(
    not FAIRLEARN_COLUMN_MEANS,
    reason="fairlearn < 0.15 centers several sensitive columns by one overall mean, not "
    "each column's mean (its documented definition); the closed-form test covers this case",
)
@pytest.mark.parametrize("level", [1.0, 0.4])
def test_linear_matches_fairlearn_correlation_remover_on_three_indicators(level):
    X, s = _data(7)
    onehot = (s[:, None] == np.arange(3)).astype(float)
    train, test = slice(0, 1800), slice(1800, None)
    cr = CorrelationRemover(sensitive_feature_ids=[3, 4, 5], alpha=level)
    cr.fit(np.hstack([X[train], onehot[train]]))
    rep = FeatureRepairer(level, "linear").fit(X[train], sensitive_features=s[train])
    for rows in (train, test):
        expected = cr.transform(np.hstack([X[rows], onehot[rows]]))
        got = rep.transform(X[rows], sensitive_features=s[rows])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("level", [1.0, 0.4])
def test_linear_matches_fairlearn_correlation_remover_on_one_indicator(level):
    # two groups: one indicator column, where every fairlearn version's centering is the
    # column's mean
    X, s = _data(9, sizes=(1500, 500))
    train, test = slice(0, 1500), slice(1500, None)
    indicator = (s == 1).astype(float)[:, None]
    cr = CorrelationRemover(sensitive_feature_ids=[3], alpha=level)
    cr.fit(np.hstack([X[train], indicator[train]]))
    rep = FeatureRepairer(level, "linear").fit(X[train], sensitive_features=s[train])
    for rows in (train, test):
        expected = cr.transform(np.hstack([X[rows], indicator[rows]]))
        got = rep.transform(X[rows], sensitive_features=s[rows])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


def test_linear_repair_equalises_the_group_means():
    X, s = _data(8)
    Z = FeatureRepairer(method="linear").fit_transform(X, sensitive_features=s)
    means = np.array([Z[s == g].mean(axis=0) for g in range(3)])
    np.testing.assert_allclose(means, np.broadcast_to(X.mean(axis=0), means.shape), atol=1e-10)


# ----------------------------------------------------------------- hiring leakage
def _leakage_and_ratio(method, level):
    train, test = make_hiring(3000, random_state=11), make_hiring(3000, random_state=12)
    rep = FeatureRepairer(level, method, random_state=0)
    A = rep.fit_transform(train.X, sensitive_features=train.sensitive_features)
    B = rep.transform(test.X, sensitive_features=test.sensitive_features)
    female_tr = (train.sensitive_features == "female").to_numpy()
    female = (test.sensitive_features == "female").to_numpy()
    spy = make_pipeline(StandardScaler(), LogisticRegression()).fit(A, female_tr)
    auc = roc_auc_score(female, spy.predict_proba(B)[:, 1])
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(A, train.y)
    hired = model.predict(B)
    return auc, hired[female].mean() / hired[~female].mean()


@pytest.mark.parametrize("method", ["quantile", "linear"])
def test_hiring_leakage_falls_to_chance_and_selection_ratio_moves_to_one(method):
    auc0, ratio0 = _leakage_and_ratio(method, 0.0)
    auc1, ratio1 = _leakage_and_ratio(method, 1.0)
    assert auc0 > 0.85 and ratio0 < 0.75  # the proxies carry gender; women selected less
    assert abs(auc1 - 0.5) < 0.04
    assert abs(ratio1 - 1) < abs(ratio0 - 1) / 2


# ---------------------------------------------------------------- inputs and rules
def test_dataframe_columns_names_and_passthrough():
    data = make_hiring(500, random_state=0)
    X = data.X.assign(gender=data.sensitive_features.to_numpy(), city="x")
    before = X.copy()
    rep = FeatureRepairer(random_state=0).fit(X, sensitive_features="gender")
    assert "gender" not in rep.columns_ and "city" not in rep.columns_
    out = rep.transform(X)  # the sensitive column is read from X again
    pd.testing.assert_frame_equal(X, before)  # the caller's data is untouched
    assert list(out.columns) == list(X.columns) and out.index.equals(X.index)
    assert (out["city"] == "x").all() and (out["gender"] == X["gender"]).all()
    with pytest.raises(TypeError, match="'city' is not numeric"):
        FeatureRepairer(columns=["city"]).fit(X, sensitive_features="gender")
    with pytest.raises(ValueError, match="sensitive column"):
        FeatureRepairer(columns=["gender"]).fit(X, sensitive_features="gender")
    with pytest.raises(ValueError, match="does not have"):
        FeatureRepairer(columns=["nope"]).fit(X, sensitive_features="gender")


def test_pandas_sensitive_features_are_aligned_by_index():
    X, s = _data(9)
    frame = pd.DataFrame(X, index=np.arange(len(s))[::-1])
    sf = pd.Series(s, index=frame.index)
    expected = FeatureRepairer(random_state=0).fit_transform(X, sensitive_features=s)
    got = FeatureRepairer(random_state=0).fit_transform(frame, sensitive_features=sf.sort_index())
    np.testing.assert_allclose(got.to_numpy(), expected)


def test_errors_name_the_argument():
    X, s = _data(10)
    rep = FeatureRepairer().fit(X, sensitive_features=s)
    with pytest.raises(ValueError, match="not seen in fit"):
        rep.transform(X[:5], sensitive_features=[0, 1, 2, 3, 0])
    with pytest.raises(ValueError, match="required by transform"):
        rep.transform(X)
    assert "set_transform_request" in ERR_SF_TRANSFORM
    with pytest.raises(ValueError, match="sensitive_features is required"):
        FeatureRepairer().fit(X)
    for bad in (1.5, -0.1, "1", True):
        with pytest.raises(ValueError, match="repair_level"):
            FeatureRepairer(bad).fit(X, sensitive_features=s)
    with pytest.raises(ValueError, match="method"):
        FeatureRepairer(method="optimal").fit(X, sensitive_features=s)
    with pytest.raises(ValueError, match="n_quantiles"):
        FeatureRepairer(n_quantiles=1).fit(X, sensitive_features=s)
    X2 = X.copy()
    X2[s == 2, 0] = np.nan
    with pytest.raises(ValueError, match="no non-missing value in group"):
        FeatureRepairer().fit(X2, sensitive_features=s)


@pytest.mark.parametrize("method", ["quantile", "linear"])
def test_missing_values_are_ignored_in_fit_and_kept_in_transform(method):
    X, s = _data(12)
    X2 = X.copy()
    holes = np.random.default_rng(0).random(X.shape) < 0.1
    X2[holes] = np.nan
    Z = FeatureRepairer(method=method, random_state=0).fit_transform(X2, sensitive_features=s)
    np.testing.assert_array_equal(np.isnan(Z), holes)
    if method == "linear":
        for g in range(3):
            np.testing.assert_allclose(
                np.nanmean(Z[s == g], axis=0), np.nanmean(X2, axis=0), atol=1e-10
            )


def test_pipeline_with_metadata_routing():
    X, s = _data(13)
    y = (X[:, 0] + np.random.default_rng(0).normal(size=len(s)) > 2).astype(int)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [
                (
                    "repair",
                    FeatureRepairer(random_state=0)
                    .set_fit_request(sensitive_features=True)
                    .set_transform_request(sensitive_features=True),
                ),
                ("lr", LogisticRegression()),
            ]
        )
        pipe.fit(X[:2000], y[:2000], sensitive_features=s[:2000])
        got = pipe.predict_proba(X[2000:], sensitive_features=s[2000:])
    rep = FeatureRepairer(random_state=0).fit(X[:2000], sensitive_features=s[:2000])
    lr = LogisticRegression().fit(rep.transform(X[:2000], sensitive_features=s[:2000]), y[:2000])
    expected = lr.predict_proba(rep.transform(X[2000:], sensitive_features=s[2000:]))
    np.testing.assert_allclose(got, expected)


# ---------------------------------------------------------------- common checks
class _CheckedRepairer(FeatureRepairer):
    """sensitive_features derived from the first column of X (see test_mitigation_sklearn)."""

    def fit(self, X, y=None):
        return super().fit(X, y, sensitive_features=_sf(X))

    def transform(self, X):
        return super().transform(X, sensitive_features=_sf(X))

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)


def _sf(X):
    # one group: the checks transform rows of their own making, whose groups a rule on X
    # could leave unseen in fit; the group logic is tested above
    try:
        return np.zeros(_num_samples(X), dtype=int)
    except TypeError:  # malformed X: let the transformer report it
        return np.zeros(0, dtype=int)


def _common_checks():
    for est in (_CheckedRepairer(random_state=0), _CheckedRepairer(method="linear")):
        for param in estimator_checks_generator(est, legacy=True, mark="xfail"):
            check = param.values[1] if hasattr(param, "values") else param[1]
            # array-API namespaces are not supported (and the check only runs when
            # SCIPY_ARRAY_API is set before SciPy is imported): left out, not skipped
            if getattr(check, "func", check).__name__ != "check_array_api_input":
                yield param


@pytest.mark.parametrize(
    "estimator, check",
    list(_common_checks()),
    ids=_get_check_estimator_ids,
)
def test_sklearn_common_checks(estimator, check):
    check(estimator)


@given(
    grid=st.lists(st.integers(-5, 5), min_size=2, max_size=30),
    x=st.lists(st.floats(-7, 7) | st.integers(-6, 6).map(float), min_size=1, max_size=50),
)
@settings(max_examples=200, deadline=None)
def test_level_bounds_are_numpy_interp_from_both_sides(grid, x):
    # the oracle: np.interp gives the highest level of a value tied with several grid
    # points, and, on the mirrored grid, the lowest
    grid = np.sort(np.asarray(grid, dtype=float))
    levels = np.linspace(0, 1, len(grid))
    x = np.asarray(x)
    lo, hi = level_bounds(x, grid, levels)
    np.testing.assert_allclose(hi, np.interp(x, grid, levels), atol=1e-12)
    np.testing.assert_allclose(lo, -np.interp(-x, -grid[::-1], -levels[::-1]), atol=1e-12)
    u = np.r_[np.linspace(0, 1, 17), [0.0, 1.0]]
    np.testing.assert_allclose(_on_even_grid(u, grid), np.interp(u, levels, grid), atol=1e-12)
