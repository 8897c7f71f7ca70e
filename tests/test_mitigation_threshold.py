"""ThresholdOptimizer against fairlearn's on the same scores, and its own guarantees."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.postprocessing import ThresholdOptimizer as FairlearnThresholdOptimizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from fairaudit.mitigation import ThresholdOptimizer
from fairaudit.mitigation._base import ERR_UNSEEN_GROUP
from fairaudit.mitigation._constraints import CONSTRAINTS, ERR_CONSTRAINT, group_rates
from fairaudit.mitigation._threshold import ERR_NO_SCORES


def _make(n, seed):
    """Three groups whose score distributions and base rates differ (known biased process)."""
    rng = np.random.default_rng(seed)
    g = rng.choice(3, size=n, p=[0.55, 0.3, 0.15])
    X = rng.normal(size=(n, 3)) + np.array([0.6, 0.0, -0.6])[g][:, None]
    logit = 1.2 * X[:, 0] + 0.6 * X[:, 1] - 0.4 + np.array([0.5, 0.0, -0.5])[g]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y, g


@pytest.fixture(scope="module")
def model_and_data():
    X, y, g = _make(40_000, 1)
    Xt, yt, gt = _make(40_000, 2)
    model = LogisticRegression().fit(X, y)
    return model, (X, y, g), (Xt, yt, gt)


FAIRLEARN_NAME = {
    "demographic_parity": "demographic_parity",
    "equalized_odds": "equalized_odds",
    "equal_opportunity": "true_positive_rate_parity",
    "false_positive_rate_parity": "false_positive_rate_parity",
}


def _fairlearn(model, X, y, g, constraint, objective="accuracy_score"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FairlearnThresholdOptimizer(
            estimator=model,
            constraints=FAIRLEARN_NAME[constraint],
            objective=objective,
            prefit=True,
            predict_method="predict_proba",
        ).fit(X, y, sensitive_features=g)


def _expected_accuracy(p, y):
    """Accuracy of randomized decisions in expectation (no decision noise)."""
    return float(np.mean(y * p + (1 - y) * (1 - p)))


@pytest.mark.parametrize("constraint", list(FAIRLEARN_NAME))
def test_at_least_as_accurate_as_fairlearn(model_and_data, constraint):
    model, (X, y, g), (Xt, yt, gt) = model_and_data
    ours = ThresholdOptimizer(model, constraint=constraint, prefit=True, random_state=0)
    ours.fit(X, y, sensitive_features=g)
    theirs = _fairlearn(model, X, y, g, constraint)
    # training objective, in expectation: ours solves the LP exactly, theirs on a grid
    p_ours = ours.decision_probability(X, sensitive_features=g)
    p_theirs = theirs._pmf_predict(X, sensitive_features=g)[:, 1]
    assert _expected_accuracy(p_ours, y) >= _expected_accuracy(p_theirs, y) - 1e-4
    assert ours.objective_value_ == pytest.approx(_expected_accuracy(p_ours, y), abs=1e-9)
    # held-out accuracy of actual decisions
    acc_ours = accuracy_score(yt, ours.predict(Xt, sensitive_features=gt))
    acc_theirs = accuracy_score(yt, theirs.predict(Xt, sensitive_features=gt, random_state=0))
    assert acc_ours >= acc_theirs - 0.005


def test_balanced_accuracy_objective_matches_fairlearn(model_and_data):
    model, (X, y, g), _ = model_and_data
    ours = ThresholdOptimizer(
        model, constraint="equalized_odds", objective="balanced_accuracy", prefit=True
    ).fit(X, y, sensitive_features=g)
    theirs = _fairlearn(model, X, y, g, "equalized_odds", "balanced_accuracy_score")
    p_ours = ours.decision_probability(X, sensitive_features=g)
    p_theirs = theirs._pmf_predict(X, sensitive_features=g)[:, 1]

    def bal(p):
        return 0.5 * (p[y == 1].mean() + (1 - p[y == 0]).mean())

    assert bal(p_ours) >= bal(p_theirs) - 1e-4
    assert ours.objective_value_ == pytest.approx(bal(p_ours), abs=1e-9)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_constraint_holds_in_training_and_on_held_out_data(model_and_data, constraint):
    model, (X, y, g), (Xt, yt, gt) = model_and_data
    mit = ThresholdOptimizer(model, constraint=constraint, prefit=True, random_state=4)
    mit.fit(X, y, sensitive_features=g)
    from fairaudit.mitigation._constraints import CONSTRAINED_RATES

    # training: expected rates (no decision noise) are equal up to rounding
    train = group_rates(y, mit.decision_probability(X, sensitive_features=g), g, 3)
    for rate in CONSTRAINED_RATES[constraint]:
        assert np.ptp(train[rate]) < 1e-6
    assert mit.disparity_ < 1e-6
    # held out: within sampling noise (4 standard errors of a difference of proportions)
    pred = mit.predict(Xt, sensitive_features=gt)
    test = group_rates(yt, pred, gt, 3)
    base = group_rates(yt, model.predict(Xt), gt, 3)
    for rate in CONSTRAINED_RATES[constraint]:
        den = {
            "selection_rate": np.bincount(gt),
            "error_rate": np.bincount(gt),
            "true_positive_rate": np.bincount(gt, yt),
            "false_positive_rate": np.bincount(gt, 1 - yt),
        }[rate]
        v = test[rate].to_numpy()
        i, j = np.argmax(v), np.argmin(v)
        se = np.sqrt(v[i] * (1 - v[i]) / den[i] + v[j] * (1 - v[j]) / den[j])
        assert v[i] - v[j] < 4 * se
        assert np.ptp(base[rate]) > 8 * se  # the unmitigated model is far from parity


def test_tolerance_bounds_the_training_disparity(model_and_data):
    model, (X, y, g), _ = model_and_data
    strict = ThresholdOptimizer(model, constraint="demographic_parity", prefit=True)
    loose = ThresholdOptimizer(model, constraint="demographic_parity", prefit=True, tolerance=0.05)
    strict.fit(X, y, sensitive_features=g)
    loose.fit(X, y, sensitive_features=g)
    assert loose.disparity_ <= 0.05 + 1e-9
    assert loose.disparity_ > 0.04  # the bound is used: it buys accuracy
    assert loose.objective_value_ > strict.objective_value_


def test_per_group_threshold_mode_is_deterministic_and_close(model_and_data):
    model, (X, y, g), (Xt, yt, gt) = model_and_data
    det = ThresholdOptimizer(
        model, constraint="demographic_parity", prefit=True, mode="per_group_threshold"
    ).fit(X, y, sensitive_features=g)
    rnd = ThresholdOptimizer(model, constraint="demographic_parity", prefit=True).fit(
        X, y, sensitive_features=g
    )
    p = det.decision_probability(Xt, sensitive_features=gt)
    assert set(np.unique(p)) <= {0.0, 1.0}
    assert det.rules_.groupby("group").size().max() == 1
    # one score threshold per group: a higher score is never decided lower within a group
    s = model.predict_proba(Xt)[:, 1]
    for k in range(3):
        m = gt == k
        order = np.argsort(s[m])
        assert np.all(np.diff(p[m][order]) >= 0)
    assert det.disparity_ < 3 / np.bincount(g).min()
    assert det.objective_value_ > rnd.objective_value_ - 0.002


def test_randomized_decisions_are_reproducible_and_batch_independent(model_and_data):
    model, (X, y, g), (Xt, yt, gt) = model_and_data
    mit = ThresholdOptimizer(model, prefit=True, random_state=12).fit(X, y, sensitive_features=g)
    full = mit.predict(Xt, sensitive_features=gt)
    np.testing.assert_array_equal(full, mit.predict(Xt, sensitive_features=gt))
    perm = np.random.default_rng(0).permutation(len(yt))
    np.testing.assert_array_equal(full[perm], mit.predict(Xt[perm], sensitive_features=gt[perm]))
    np.testing.assert_array_equal(full[:500], mit.predict(Xt[:500], sensitive_features=gt[:500]))
    twin = ThresholdOptimizer(model, prefit=True, random_state=12).fit(X, y, sensitive_features=g)
    np.testing.assert_array_equal(full, twin.predict(Xt, sensitive_features=gt))
    other = mit.predict(Xt, sensitive_features=gt, random_state=13)
    p = mit.decision_probability(Xt, sensitive_features=gt)
    band = (p > 0) & (p < 1)
    assert band.sum() > 1000
    # another key redraws the band independently: P(differ) = 2 p (1 - p) per row
    q = 2 * p[band] * (1 - p[band])
    differ = (other != full)[band]
    assert abs(differ.sum() - q.sum()) < 4 * np.sqrt(np.sum(q * (1 - q)))
    np.testing.assert_array_equal(other[~band], full[~band])  # and nothing else


def test_randomized_band_is_decided_at_its_probability(model_and_data):
    """Hash-based draws behave as independent uniforms: the positive share matches p."""
    model, (X, y, g), (Xt, yt, gt) = model_and_data
    mit = ThresholdOptimizer(model, prefit=True, random_state=0).fit(X, y, sensitive_features=g)
    p = mit.decision_probability(Xt, sensitive_features=gt)
    pred = mit.predict(Xt, sensitive_features=gt)
    band = (p > 0) & (p < 1)
    se = np.sqrt(np.sum(p[band] * (1 - p[band]))) / band.sum()
    assert abs(pred[band].mean() - p[band].mean()) < 4 * se


def test_groups_as_column_names_and_string_labels(model_and_data):
    model, (X, y, g), (Xt, yt, gt) = model_and_data
    names = np.array(["north", "south", "west"])
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(region=names[g])
    labels = np.where(y == 1, "yes", "no")
    mit = ThresholdOptimizer(
        LogisticRegression(),
        constraint="equal_opportunity",
        drop_sensitive=True,
        random_state=0,
    ).fit(frame, labels, sensitive_features="region")
    test = pd.DataFrame(Xt, columns=["a", "b", "c"]).assign(region=names[gt])
    pred = mit.predict(test, sensitive_features="region")
    assert set(np.unique(pred)) == {"no", "yes"}
    assert list(mit.groups_) == ["north", "south", "west"]
    with pytest.raises(ValueError) as err:
        mit.predict(test.assign(region="east"), sensitive_features="region")
    assert str(err.value) == ERR_UNSEEN_GROUP.format(groups=["east"])


def test_threshold_optimizer_errors(model_and_data):
    model, (X, y, g), _ = model_and_data
    from sklearn.svm import LinearSVC
    from sklearn.tree import DecisionTreeClassifier

    with pytest.raises(ValueError) as err:
        ThresholdOptimizer(model, constraint="fairness", prefit=True).fit(
            X, y, sensitive_features=g
        )
    assert str(err.value) == ERR_CONSTRAINT.format(value="fairness", allowed=list(CONSTRAINTS))

    class NoScores(DecisionTreeClassifier):
        predict_proba = property()  # hide the method

    with pytest.raises(TypeError) as err:
        ThresholdOptimizer(NoScores(max_depth=2), response_method="predict_proba").fit(
            X, y, sensitive_features=g
        )
    assert str(err.value) == ERR_NO_SCORES.format(name="NoScores", what="predict_proba")
    # decision_function scores work
    ThresholdOptimizer(LinearSVC()).fit(X[:2000], y[:2000], sensitive_features=g[:2000])


def test_scores_with_ties_are_handled_exactly():
    """A coarse scorer (few distinct scores): randomization at a tie block hits parity."""
    rng = np.random.default_rng(3)
    n = 20_000
    g = rng.integers(0, 2, n)
    X = rng.integers(0, 4, size=(n, 1)).astype(float) + g[:, None]
    y = (rng.uniform(size=n) < (X[:, 0] + 1) / 7).astype(int)
    from sklearn.tree import DecisionTreeClassifier

    mit = ThresholdOptimizer(
        DecisionTreeClassifier(max_depth=3), constraint="demographic_parity", random_state=0
    ).fit(X, y, sensitive_features=g)
    p = mit.decision_probability(X, sensitive_features=g)
    rates = pd.Series(p).groupby(g).mean()
    assert rates.max() - rates.min() < 1e-9


def test_intersectional_groups_from_a_dataframe(model_and_data):
    """Several sensitive features: every intersection present is constrained."""
    model, (X, y, g), (Xt, yt, gt) = model_and_data
    rng = np.random.default_rng(9)
    b, bt = rng.integers(0, 2, len(y)), rng.integers(0, 2, len(yt))
    sf = pd.DataFrame({"region": g, "band": b})
    mit = ThresholdOptimizer(model, constraint="equal_opportunity", prefit=True, random_state=0)
    mit.fit(X, y, sensitive_features=sf)
    assert mit.groups_.names == ["region", "band"] and len(mit.groups_) == 6
    codes = g * 2 + b
    rates = group_rates(y, mit.decision_probability(X, sensitive_features=sf), codes, 6)
    assert np.ptp(rates["true_positive_rate"]) < 1e-6
    # prediction takes the features in another container (a dict), same groups
    pred = mit.predict(Xt, sensitive_features={"region": gt, "band": bt})
    assert set(np.unique(pred)) == {0, 1}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_hulls_match_scipy_convex_hull(seed):
    """The vectorized pruning finds exactly qhull's hull vertices."""
    from scipy.spatial import ConvexHull

    from fairaudit.mitigation._roc import group_rocs, hulls

    rng = np.random.default_rng(seed)
    n = 5000
    s = np.round(rng.normal(size=n), 2)  # ties included
    y = (s + rng.normal(scale=1.5, size=n) > 0).astype(int)
    roc = group_rocs(s, y, np.zeros(n, dtype=np.int64), 1, None)[0]
    up, lo = hulls(roc)
    pts = np.column_stack([roc.fpr, roc.tpr])
    vertices = {tuple(np.round(p, 12)) for p in pts[ConvexHull(pts).vertices]}
    ours = {tuple(np.round(p, 12)) for p in pts[np.r_[up, lo]]}
    assert ours == vertices
    assert np.all(np.diff(roc.fpr[up]) > 0) and np.all(
        np.diff(np.diff(roc.tpr[up]) / np.diff(roc.fpr[up])) < 0
    )


def test_prefit_errors_and_pickle(model_and_data, tmp_path):
    import pickle

    from fairaudit.mitigation._threshold import ERR_CLASSES, ERR_NOT_PREFITTED

    model, (X, y, g), (Xt, yt, gt) = model_and_data
    with pytest.raises(ValueError) as err:
        ThresholdOptimizer(LogisticRegression(), prefit=True).fit(X, y, sensitive_features=g)
    assert str(err.value) == ERR_NOT_PREFITTED
    with pytest.raises(ValueError) as err:
        ThresholdOptimizer(model, prefit=True).fit(X, y + 1, sensitive_features=g)
    assert str(err.value) == ERR_CLASSES.format(fitted=[0, 1], got=[1, 2])
    mit = ThresholdOptimizer(model, prefit=True, random_state=0).fit(X, y, sensitive_features=g)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(mit))
    again = pickle.loads(path.read_bytes())
    np.testing.assert_array_equal(
        again.predict(Xt, sensitive_features=gt), mit.predict(Xt, sensitive_features=gt)
    )


def test_operating_points_lie_in_the_hulls(model_and_data):
    """Each group's chosen (FPR, TPR) is inside its hull: under the upper chain, above the
    lower one; for equalized odds the points coincide."""
    model, (X, y, g), _ = model_and_data
    mit = ThresholdOptimizer(model, prefit=True).fit(X, y, sensitive_features=g)
    ops = mit.operating_points_
    for k, label in enumerate(mit.groups_):
        h = mit.hulls_[mit.hulls_["group"] == str(label)]
        up, lo = h[h.side == "upper"], h[h.side == "lower"]
        f, t = ops.iloc[k]["false_positive_rate"], ops.iloc[k]["true_positive_rate"]
        assert t <= np.interp(f, up.false_positive_rate, up.true_positive_rate) + 1e-9
        assert t >= np.interp(f, lo.false_positive_rate, lo.true_positive_rate) - 1e-9
    assert np.ptp(ops["false_positive_rate"]) < 1e-9
    assert np.ptp(ops["true_positive_rate"]) < 1e-9
