"""Overfitting by group: values against scikit-learn per group, the gap interval against
Newcombe's published values and by exact coverage, and a simulated small group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score
from sklearn.model_selection import StratifiedKFold, learning_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

import fairaudit
from fairaudit._generalization import OVERALL, newcombe_interval


def _task(seed, n_big=2000, n_small=200, d=8):
    """A large group whose label follows one feature and a small group whose label follows
    an oblique combination of all of them (hard for a tree to learn from few rows)."""
    rng = np.random.default_rng(seed)
    g = np.r_[np.zeros(n_big, int), np.ones(n_small, int)]
    X = rng.normal(size=(len(g), d))
    w_big = np.eye(d)[0]
    w_small = np.ones(d) / np.sqrt(d)
    logit = np.where(g == 0, X @ w_big, X @ w_small) * 6
    y = (rng.random(len(g)) < 1 / (1 + np.exp(-logit))).astype(int)
    return np.c_[X, g], y, g


def _with_interactions(Z):
    return np.c_[Z, Z[:, :-1] * Z[:, -1:]]


def _gap(model, train, test):
    (Xtr, ytr, gtr), (Xte, yte, gte) = train, test
    return fairaudit.generalization_gap(
        model,
        Xtr,
        ytr,
        Xte,
        yte,
        sensitive_features_train=gtr,
        sensitive_features_test=gte,
        metrics="accuracy",
    )


def test_deep_tree_overfits_the_small_group_and_the_intervals_say_so():
    train, test = _task(0), _task(1)
    tree = DecisionTreeClassifier(random_state=0).fit(*train[:2])
    regular = make_pipeline(FunctionTransformer(_with_interactions), LogisticRegression(C=0.1)).fit(
        *train[:2]
    )
    t = _gap(tree, train, test).table.xs("accuracy", level="metric")
    r = _gap(regular, train, test).table.xs("accuracy", level="metric")
    # the tree: larger gap for the small group than for the large one, beyond the noise
    assert t.loc[1, "gap_lower"] > t.loc[0, "gap_upper"]
    # and larger than the regularised model's gap for the small group, beyond the noise
    assert t.loc[1, "gap_lower"] > r.loc[1, "gap_upper"]
    assert r.loc[1, "gap_lower"] < 0 < r.loc[1, "gap_upper"]  # no evidence of overfitting
    result = _gap(tree, train, test)
    assert result.most_overfit().index[0] == 1
    assert 1 in result.overfit_groups()
    assert _gap(regular, train, test).overfit_groups() == []


def test_values_match_scikit_learn_per_group():
    rng = np.random.default_rng(2)
    n = 600
    X = rng.normal(size=(n, 3))
    g = rng.choice(np.array(["a", "b", "c"], dtype=object), n)
    y = np.where(X[:, 0] + rng.normal(size=n) > 0, "yes", "no")
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X[:400], y[:400])
    result = fairaudit.generalization_gap(
        model,
        X[:400],
        y[:400],
        X[400:],
        y[400:],
        sensitive_features_train=g[:400],
        sensitive_features_test=g[400:],
        metrics=["accuracy", "recall"],
    )
    table = result.table
    for rows, col in ((slice(0, 400), "train"), (slice(400, None), "test")):
        Xs, ys, gs = X[rows], y[rows], g[rows]
        pred = model.predict(Xs)
        for grp in ["a", "b", "c"]:
            m = gs == grp
            acc = accuracy_score(ys[m], pred[m])
            rec = recall_score(ys[m], pred[m], pos_label="yes")
            assert table.loc[(grp, "accuracy"), col] == pytest.approx(acc)
            assert table.loc[(grp, "true_positive_rate"), col] == pytest.approx(rec)
        assert table.loc[(OVERALL, "accuracy"), col] == pytest.approx(accuracy_score(ys, pred))
    gap = table["train"] - table["test"]
    np.testing.assert_allclose(table["gap"], gap)


def test_newcombe_interval_reproduces_the_published_examples():
    # Newcombe (1998), Statistics in Medicine 17, 873-890, Table II, method 10
    for modified in (True, False):  # no count near 0 or n: the modification is inactive
        lo, hi = newcombe_interval(56, 70, 48, 80, 0.95, modified=modified)
        assert (round(float(lo), 4), round(float(hi), 4)) == (0.0524, 0.3339)
    lo, hi = newcombe_interval(9, 10, 3, 10, 0.95, modified=False)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.1705, 0.8090)


@pytest.mark.parametrize("n1", [10, 30, 100])
def test_gap_interval_keeps_coverage_on_small_groups(n1):
    # exact coverage: the sum of the binomial probabilities of the outcomes whose interval
    # holds the true difference
    worst = 1.0
    for n2 in (10, 100, 1000):
        x1 = np.arange(n1 + 1)[:, None] + np.zeros((1, n2 + 1))
        x2 = np.zeros((n1 + 1, 1)) + np.arange(n2 + 1)[None, :]
        lo, hi = newcombe_interval(x1, n1, x2, n2, 0.95)
        for p1 in (0.02, 0.2, 0.5, 0.9, 1.0):
            for p2 in (0.05, 0.5, 0.98):
                d = p1 - p2
                hold = (lo <= d + 1e-12) & (d - 1e-12 <= hi)
                prob = binom.pmf(x1, n1, p1) * binom.pmf(x2, n2, p2)
                worst = min(worst, float((prob * hold).sum()))
    assert worst >= 0.925, worst


def test_learning_curve_uses_scikit_learn_splits():
    X, y, g = _task(3, n_big=600, n_small=90)
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    model = DecisionTreeClassifier(max_depth=4, random_state=0)
    result = fairaudit.learning_curve_by_group(
        model,
        X,
        y,
        sensitive_features=g,
        train_sizes=[0.2, 0.6, 1.0],
        cv=cv,
        shuffle=True,
        random_state=0,
    )
    sizes, _, test_scores = learning_curve(
        model,
        X,
        y,
        train_sizes=[0.2, 0.6, 1.0],
        cv=cv,
        scoring="accuracy",
        shuffle=True,
        random_state=0,
    )
    overall = result.scores[result.scores.group == OVERALL]
    got = overall.pivot(index="train_size", columns="fold", values="test")
    np.testing.assert_array_equal(got.index.to_numpy(), sizes)
    np.testing.assert_allclose(got.to_numpy(), test_scores)
    # per group: the held-out accuracy of the same fit, recomputed
    train, test = next(cv.split(X, y))
    train = np.random.RandomState(0).permutation(train)  # scikit-learn's shuffle
    first = int(sizes[0])
    fit = DecisionTreeClassifier(max_depth=4, random_state=0).fit(
        X[train[:first]], y[train[:first]]
    )
    small = test[g[test] == 1]
    expected = accuracy_score(y[small], fit.predict(X[small]))
    scores = result.scores
    row = scores[(scores.train_size == first) & (scores.fold == 0) & (scores.group == "1")]
    assert float(row["test"].iloc[0]) == pytest.approx(expected)
    summary = result.to_frame()
    assert {"test_mean", "test_std"} <= set(summary.columns)


def test_errors():
    X, y, g = _task(4, n_big=100, n_small=20)
    model = LogisticRegression().fit(X, y)
    kw = {"sensitive_features_train": g, "sensitive_features_test": g}
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        fairaudit.generalization_gap(model, X, y, X, y, metrics="auc", **kw)
    with pytest.raises(ValueError, match="confidence_level"):
        fairaudit.generalization_gap(model, X, y, X, y, confidence_level=95, **kw)
    with pytest.raises(ValueError, match="train_sizes"):
        fairaudit.learning_curve_by_group(model, X, y, sensitive_features=g, train_sizes=[1.5])
    with pytest.raises(ValueError, match="sensitive_features has 5 rows"):
        fairaudit.generalization_gap(
            model, X, y, X, y, sensitive_features_train=g[:5], sensitive_features_test=g
        )


def test_a_group_missing_from_the_test_rows_has_nan_with_counts_zero():
    X, y, g = _task(5, n_big=300, n_small=40)
    model = LogisticRegression().fit(X, y)
    keep = g == 0
    result = fairaudit.generalization_gap(
        model,
        X,
        y,
        X[keep],
        y[keep],
        sensitive_features_train=pd.Series(g),
        sensitive_features_test=pd.Series(g[keep]),
        metrics="accuracy",
    )
    row = result.table.loc[(1, "accuracy")]
    assert row["n_test"] == 0 and np.isnan(row["test"]) and np.isnan(row["gap_lower"])


def test_importing_fairaudit_loads_neither_scikit_learn_nor_scipy_stats():
    import subprocess
    import sys

    code = (
        "import sys, fairaudit; "
        "assert fairaudit.generalization_gap and fairaudit.representation; "
        "print([m for m in ('sklearn', 'scipy.stats') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr


def test_learning_curve_shows_more_data_helping_the_small_group():
    # the small group's pattern is learnable (a model with group interactions) but it has
    # few rows: its held-out accuracy rises with the training size, the large group's barely
    X, y, g = _task(6, n_big=1500, n_small=150)
    model = make_pipeline(FunctionTransformer(_with_interactions), LogisticRegression(C=0.1))
    curve = fairaudit.learning_curve_by_group(
        model,
        X,
        y,
        sensitive_features=g,
        train_sizes=[0.1, 1.0],
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
        shuffle=True,
        random_state=0,
    )
    mean = curve.to_frame()["test_mean"].unstack("group")
    gain = mean.iloc[-1] - mean.iloc[0]
    assert gain["1"] > 0.1 and gain["1"] > 3 * gain["0"]
