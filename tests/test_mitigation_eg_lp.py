"""ConstrainedClassifier(method="exponentiated_gradient_lp"): warm-started best responses and
an exact mixture, against fairlearn's ExponentiatedGradient and a brute-force check."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from fairaudit.mitigation import ConstrainedClassifier
from fairaudit.mitigation._constraints import disparity
from fairaudit.mitigation._eg import _warm, best_mixture, group_rate_matrices


def _make(n, seed):
    rng = np.random.default_rng(seed)
    g = (rng.uniform(size=n) < 0.35).astype(int)
    X = rng.normal(size=(n, 4)) + 0.6 * g[:, None]
    logit = 1.1 * X[:, 0] + 0.5 * X[:, 1] - 0.3 * X[:, 2] - 0.8 + 0.6 * g
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y, g


@pytest.mark.parametrize(
    "constraint, moment",
    [("demographic_parity", DemographicParity), ("equalized_odds", EqualizedOdds)],
)
def test_as_accurate_as_fairlearn_within_the_tolerance(constraint, moment):
    X, y, g = _make(20_000, 0)
    Xt, yt, gt = _make(20_000, 1)
    tol = 0.04
    ours = ConstrainedClassifier(
        LogisticRegression(),
        constraint=constraint,
        tolerance=tol,
        max_iter=8,
        method="exponentiated_gradient_lp",
        random_state=0,
    ).fit(X, y, sensitive_features=g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ExponentiatedGradient(
            LogisticRegression(),
            constraints=moment(difference_bound=tol / 2),
            eps=tol / 2,
            max_iter=8,
        ).fit(X, y, sensitive_features=g)
    p_ours = ours.decision_probability(Xt)
    p_theirs = theirs._pmf_predict(Xt)[:, 1]

    def acc(p):
        return float(np.mean(yt * p + (1 - yt) * (1 - p)))

    # training: the exact mixture meets the tolerance; held out: close to it, and as accurate
    assert ours.disparity_ <= tol + 1e-9
    assert disparity(constraint, yt, p_ours, gt, 2) <= tol + 0.015
    assert acc(p_ours) >= acc(p_theirs) - 0.005


def test_mixture_beats_every_feasible_single_classifier():
    X, y, g = _make(5_000, 3)
    tol = 0.03
    model = ConstrainedClassifier(
        LogisticRegression(),
        tolerance=tol,
        max_iter=6,
        method="exponentiated_gradient_lp",
        random_state=0,
    ).fit(X, y, sensitive_features=g)
    H = np.column_stack([p.predict(X) for p in model.predictors_]).astype(float)
    errors = np.mean(np.abs(H - y[:, None]), axis=0)
    disp = np.array([disparity("demographic_parity", y, H[:, j], g, 2) for j in range(H.shape[1])])
    np.testing.assert_allclose(model.candidates_["error"], errors, atol=1e-12)
    np.testing.assert_allclose(model.candidates_["disparity"], disp, atol=1e-12)
    p = H @ model.weights_

    def in_band(q):
        """Every group's selection rate within tol / 2 of the overall rate (the moment's
        constraint with difference_bound = tol / 2)."""
        overall = q.mean()
        return all(abs(q[g == k].mean() - overall) <= tol / 2 + 1e-12 for k in (0, 1))

    assert in_band(p)
    assert disparity("demographic_parity", y, p, g, 2) <= tol + 1e-9
    mixture_error = float(np.mean(np.abs(p - y)))
    feasible = np.array([in_band(H[:, j]) for j in range(H.shape[1])])

    def distance(q):
        return max(abs(q[g == k].mean() - q.mean()) for k in (0, 1))

    # brute force over mixtures of every pair of candidates (a vertex solution of the first
    # program mixes at most two classifiers when one constraint binds)
    grid = [
        (float(np.mean(np.abs(q - y))), distance(q))
        for i in range(len(errors))
        for j in range(len(errors))
        for q in (a * H[:, i] + (1 - a) * H[:, j] for a in np.linspace(0, 1, 41))
    ]
    best = min(e for e, d in grid if d <= tol / 2 + 1e-12)
    # the least error of the first program: at most the brute force's and any feasible
    # single classifier's
    rates = group_rate_matrices(H, y, g, 2, None)
    least = float(errors @ best_mixture(rates, "demographic_parity", tol))
    assert least <= best + 1e-9
    if feasible.any():
        assert least <= errors[feasible].min() + 1e-12
    # the returned mixture: within half a standard error of that least error (binomial
    # standard error on 5,000 rows; fairlearn's nu), and no pair mixture that close to it is
    # farther inside the constraint
    cap = least + 0.5 * np.sqrt(least * (1 - least) / len(y))
    assert least - 1e-12 <= mixture_error <= cap + 1e-12
    assert distance(p) <= min(d for e, d in grid if e <= cap) + 1e-9
    assert distance(p) < tol / 2 - 1e-4  # strictly inside the bound here


def test_warm_starts_only_for_linear_classifiers():
    """An ensemble's warm_start adds members (it would change the model): never set."""
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import SGDClassifier

    from fairaudit.mitigation._eg import _linear_warm_keys

    assert _linear_warm_keys(LogisticRegression()) == ["warm_start"]
    assert _linear_warm_keys(SGDClassifier()) == ["warm_start"]
    assert _linear_warm_keys(RandomForestClassifier()) == []
    assert _linear_warm_keys(GradientBoostingClassifier()) == []
    pipe = Pipeline([("s", StandardScaler()), ("lr", LogisticRegression())])
    assert _linear_warm_keys(pipe) == ["lr__warm_start"]
    forest = Pipeline([("s", StandardScaler()), ("rf", RandomForestClassifier())])
    assert _linear_warm_keys(forest) == []
    assert _warm(forest).named_steps["rf"].warm_start is False


def test_default_is_as_accurate_as_fairlearn_at_the_same_constraint_value():
    """Training rows: fairlearn's mixture sits at the bound; the least-error mixture over the
    column-generated classifiers sits there too and is at least as accurate. The returned
    mixture gives up at most half a standard error of training error (fairlearn's nu) for a
    smaller distance."""
    X, y, g = _make(20_000, 5)
    tol = 0.04
    ours = ConstrainedClassifier(LogisticRegression(), tolerance=tol, max_iter=8).fit(
        X, y, sensitive_features=g
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ExponentiatedGradient(
            LogisticRegression(),
            constraints=DemographicParity(difference_bound=tol / 2),
            eps=tol / 2,
            max_iter=8,
        ).fit(X, y, sensitive_features=g)
    H = np.column_stack([m.predict(X) for m in ours.predictors_]).astype(float)
    least_q = best_mixture(group_rate_matrices(H, y, g, 2, None), "demographic_parity", tol)
    p_least = H @ least_q
    p_ours = ours.decision_probability(X)
    np.testing.assert_allclose(p_ours, H @ ours.weights_, atol=1e-12)
    p_theirs = theirs._pmf_predict(X)[:, 1]

    def dist(p):  # largest distance of a group's selection rate from the overall rate
        return max(abs(p[g == k].mean() - p.mean()) for k in (0, 1))

    def acc(p):
        return float(np.mean(y * p + (1 - y) * (1 - p)))

    assert dist(p_least) <= tol / 2 + 1e-9
    assert dist(p_least) <= dist(p_theirs) + 1e-6
    assert acc(p_least) >= acc(p_theirs) - 1e-4
    se = 0.5 * np.sqrt(acc(p_least) * (1 - acc(p_least)) / len(y))
    assert acc(p_least) - se - 1e-12 <= acc(p_ours) <= acc(p_least) + 1e-12
    assert dist(p_ours) < dist(p_least) - 1e-4
    assert ours.n_iter_ <= 8 < theirs.n_oracle_calls_
