"""ThresholdOptimizer's objectives, group-blind rule and score distributions, against an
independent linear program.

The oracle knows nothing of ROC hulls: a group's rule is a mixture of *all* its threshold
classifiers (one per distinct score, plus "select none"), written as one probability per
threshold, and every rate and the objective are sums over the rows, linear in these
probabilities. The constraint is written pairwise (``|rate_g - rate_h| <= tolerance`` for
every pair of groups) rather than as a band. scipy's ``linprog`` solves it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from sklearn.base import BaseEstimator, ClassifierMixin

from fairaudit.mitigation import ThresholdOptimizer
from fairaudit.mitigation._constraints import CONSTRAINED_RATES, CONSTRAINTS

UTILITY = {"true_positive": 0.18, "false_positive": -0.82}
OBJECTIVES = [
    "accuracy",
    "balanced_accuracy",
    UTILITY,
    {"true_negative": 1.0, "false_negative": -3.0},
]


class Identity(ClassifierMixin, BaseEstimator):
    """A prefit 'model' whose score is column 0 of X."""

    classes_ = np.array([0, 1])

    def fit(self, X, y):  # pragma: no cover - never called (prefit)
        return self

    def decision_function(self, X):
        return np.asarray(X, dtype=float)[:, 0]

    def __sklearn_is_fitted__(self):
        return True


def _problem(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 80))
    g = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    g[:3] = [0, 1, 2]
    s = rng.integers(0, 7, size=n) + 0.5 * g  # ties inside groups, shared values across
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(s - 3) + 0.4 * g))).astype(int)
    y[:6] = [0, 1, 0, 1, 0, 1]
    g[3:6] = [0, 1, 2]
    w = rng.uniform(0.5, 2.0, size=n)
    X = np.column_stack([s, np.arange(n)])  # the row id keeps randomized decisions distinct
    return X, y, g, w


def _utilities(objective, y, w):
    """Per-row utility of deciding positive and of deciding negative (per unit weight)."""
    W = w.sum()
    if objective == "accuracy":
        return y * w / W, (1 - y) * w / W
    if objective == "balanced_accuracy":
        P, N = (w * y).sum(), (w * (1 - y)).sum()
        return y * w / (2 * P), (1 - y) * w / (2 * N)
    u = {
        k: objective.get(k, 0.0)
        for k in ("true_positive", "false_positive", "true_negative", "false_negative")
    }
    yes = np.where(y == 1, u["true_positive"], u["false_positive"]) * w / W
    no = np.where(y == 1, u["false_negative"], u["true_negative"]) * w / W
    return yes, no


def _oracle(X, y, g, w, objective, constraint, tol, blind):
    """Optimal objective over mixtures of threshold classifiers (per group, or shared)."""
    s = X[:, 0]
    groups = np.unique(g)
    if blind:
        thr = [np.concatenate([[np.inf], np.unique(s)])] * len(groups)
    else:
        thr = [np.concatenate([[np.inf], np.unique(s[g == k])]) for k in groups]
    # variable blocks: one block for all groups (blind) or one per group
    blocks = [0] * len(groups) if blind else list(range(len(groups)))
    offsets = np.cumsum([0] + [len(thr[b]) for b in sorted(set(blocks))])
    n_var = offsets[-1]
    yes, no = _utilities(objective, y, w)
    # row i's probability of a positive decision: sum_k p[block, k] [s_i >= thr_k]
    D = np.zeros((len(s), n_var))
    for i in range(len(s)):
        b = blocks[int(np.searchsorted(groups, g[i]))]
        t = thr[b] if blind else thr[int(np.searchsorted(groups, g[i]))]
        D[i, offsets[b] : offsets[b + 1]] = s[i] >= t
    value = (yes - no) @ D  # the constant sum(no) does not move the optimum
    const = no.sum()

    def rate_row(rate, k):
        m = g == groups[k]
        if rate == "selection_rate":
            return (w[m] @ D[m]) / w[m].sum(), 0.0
        if rate == "true_positive_rate":
            mm = m & (y == 1)
            return (w[mm] @ D[mm]) / w[mm].sum(), 0.0
        if rate == "false_positive_rate":
            mm = m & (y == 0)
            return (w[mm] @ D[mm]) / w[mm].sum(), 0.0
        # error rate: positives wrong when not selected, negatives when selected
        sign = np.where(y[m] == 1, -1.0, 1.0)
        return ((w[m] * sign) @ D[m]) / w[m].sum(), (w[m] * y[m]).sum() / w[m].sum()

    A, b = [], []
    for rate in CONSTRAINED_RATES.get(constraint, ()):
        for j, k in itertools.combinations(range(len(groups)), 2):
            (aj, cj), (ak, ck) = rate_row(rate, j), rate_row(rate, k)
            A += [aj - ak, ak - aj]
            b += [tol - (cj - ck), tol - (ck - cj)]
    A_eq = np.zeros((len(set(blocks)), n_var))
    for r, blk in enumerate(sorted(set(blocks))):
        A_eq[r, offsets[blk] : offsets[blk + 1]] = 1.0
    res = linprog(
        -value,
        A_ub=np.array(A) if A else None,
        b_ub=np.array(b) if b else None,
        A_eq=A_eq,
        b_eq=np.ones(len(A_eq)),
        bounds=(0, 1),
        method="highs",
    )
    assert res.status == 0
    return -res.fun + const


def _realized(model, X, y, g, w, objective):
    p = model.decision_probability(X, sensitive_features=g)
    yes, no = _utilities(objective, y, w)
    return float(yes @ p + no @ (1 - p)), p


def _disparity(constraint, p, y, g, w):
    worst = 0.0
    for rate in CONSTRAINED_RATES.get(constraint, ()):
        vals = []
        for k in np.unique(g):
            m = g == k
            if rate == "selection_rate":
                vals.append(w[m] @ p[m] / w[m].sum())
            elif rate == "true_positive_rate":
                mm = m & (y == 1)
                vals.append(w[mm] @ p[mm] / w[mm].sum())
            elif rate == "false_positive_rate":
                mm = m & (y == 0)
                vals.append(w[mm] @ p[mm] / w[mm].sum())
            else:
                err = np.where(y[m] == 1, 1 - p[m], p[m])
                vals.append(w[m] @ err / w[m].sum())
        worst = max(worst, max(vals) - min(vals))
    return worst


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("blind", [False, True])
def test_optimum_equals_the_independent_linear_program(seed, blind):
    X, y, g, w = _problem(seed)
    rng = np.random.default_rng(100 + seed)
    for constraint in [None, *CONSTRAINTS]:
        objective = OBJECTIVES[int(rng.integers(len(OBJECTIVES)))]
        tol = float(rng.choice([0.0, 0.05]))
        model = ThresholdOptimizer(
            Identity(),
            constraint=constraint,
            objective=objective,
            tolerance=tol,
            group_blind=blind,
            prefit=True,
            response_method="decision_function",
        ).fit(X, y, sensitive_features=g, sample_weight=w)
        best = _oracle(X, y, g, w, objective, constraint, tol, blind)
        realized, p = _realized(model, X, y, g, w, objective)
        label = (constraint, objective, tol)
        assert model.objective_value_ == pytest.approx(best, abs=1e-7), label
        assert realized == pytest.approx(best, abs=1e-7), label
        assert _disparity(constraint, p, y, g, w) <= tol + 1e-7, label
        assert model.disparity_ == pytest.approx(_disparity(constraint, p, y, g, w), abs=1e-7)
        assert model.operating_points_["objective"].sum() == pytest.approx(realized, abs=1e-9)
        if blind:  # the same rule for every group: no group needed to decide
            assert (model.rules_["group"] == "(all groups)").all()
            np.testing.assert_allclose(model.decision_probability(X), p)


@pytest.mark.parametrize("seed", range(4))
def test_blind_deterministic_threshold_is_the_best_single_threshold(seed):
    X, y, g, w = _problem(seed)
    yes, no = _utilities(UTILITY, y, w)
    s = X[:, 0]
    candidates = np.concatenate([[np.inf], np.unique(s)])
    best = max(float(yes @ (s >= t) + no @ (s < t)) for t in candidates)
    model = ThresholdOptimizer(
        Identity(),
        constraint=None,
        objective=UTILITY,
        group_blind=True,
        mode="per_group_threshold",
        prefit=True,
    ).fit(X, y, sensitive_features=g, sample_weight=w)
    assert len(model.rules_) == 1
    assert model.objective_value_ == pytest.approx(best, abs=1e-12)
    pred = model.predict(X)
    assert set(np.unique(pred)) <= {0, 1}
    assert float(yes @ pred + no @ (1 - pred)) == pytest.approx(best, abs=1e-12)


def test_demographic_parity_under_profit_beats_what_weights_can_express():
    """Profit as a utility: demographic parity holds on the unweighted selection rates."""
    X, y, g, w = _problem(3)
    model = ThresholdOptimizer(
        Identity(), constraint="demographic_parity", objective=UTILITY, prefit=True
    ).fit(X, y, sensitive_features=g)
    p = model.decision_probability(X, sensitive_features=g)
    sel = pd.Series(p).groupby(g).mean()
    assert sel.max() - sel.min() < 1e-9
    assert model.objective_value_ == pytest.approx(
        _oracle(X, y, g, np.ones(len(y)), UTILITY, "demographic_parity", 0.0, False), abs=1e-9
    )


def test_fit_distribution_equals_fit_on_the_rows_it_describes():
    rng = np.random.default_rng(5)
    grid = np.arange(0, 10, 0.5)
    frames = []
    for grp, shift in (("a", 0.0), ("b", -1.5)):
        counts = rng.integers(0, 30, size=len(grid))
        rate = 1 / (1 + np.exp(-(grid - 5 - shift)))
        positives = np.round(counts * rate)
        frames.append(
            pd.DataFrame(
                {
                    "who": grp,
                    "s": grid,
                    "n": counts,
                    "rate": np.divide(positives, counts, out=np.zeros(len(grid)), where=counts > 0),
                }
            )
        )
    dist = pd.concat(frames, ignore_index=True)
    # the rows these counts describe
    rows_s, rows_y, rows_g = [], [], []
    for r in dist.itertuples():
        k = int(round(r.n * r.rate))
        rows_s += [r.s] * r.n
        rows_y += [1] * k + [0] * (r.n - k)
        rows_g += [r.who] * r.n
    X = np.column_stack([rows_s, np.arange(len(rows_s))])
    y, g = np.array(rows_y), np.array(rows_g)
    for constraint in ("demographic_parity", "equal_opportunity", None):
        params = dict(constraint=constraint, objective=UTILITY)
        from_dist = ThresholdOptimizer(**params).fit_distribution(
            dist, group="who", score="s", count="n", positive_rate="rate"
        )
        from_rows = ThresholdOptimizer(Identity(), prefit=True, **params).fit(
            X, y, sensitive_features=g
        )
        assert from_dist.objective_value_ == pytest.approx(from_rows.objective_value_, abs=1e-9)
        pd.testing.assert_frame_equal(
            from_dist.operating_points_, from_rows.operating_points_, atol=1e-9, check_names=False
        )
        # the fitted rule decides scores given as one column
        p_dist = from_dist.decision_probability(X[:, :1], sensitive_features=g)
        p_rows = from_rows.decision_probability(X, sensitive_features=g)
        np.testing.assert_allclose(p_dist, p_rows, atol=1e-9)


def test_objective_and_distribution_errors():
    X, y, g, w = _problem(0)
    for bad in ("profit", {"true_pos": 1.0}, {"true_positive": float("nan")}, {}, 3):
        with pytest.raises(ValueError, match="objective"):
            ThresholdOptimizer(Identity(), objective=bad, prefit=True).fit(
                X, y, sensitive_features=g
            )
    with pytest.raises(TypeError, match="group_blind"):
        ThresholdOptimizer(Identity(), group_blind="yes", prefit=True).fit(
            X, y, sensitive_features=g
        )
    dist = pd.DataFrame(
        {"group": ["a", "b"], "score": [1.0, 2.0], "count": [3, 4], "positive_rate": [0.5, 0.5]}
    )
    with pytest.raises(ValueError, match="no column"):
        ThresholdOptimizer().fit_distribution(dist, count="people")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ThresholdOptimizer().fit_distribution(dist.assign(positive_rate=[50.0, 40.0]))
    with pytest.raises(ValueError, match="counts"):
        ThresholdOptimizer().fit_distribution(dist.assign(count=[-1, 4]))
    with pytest.raises(TypeError, match="DataFrame"):
        ThresholdOptimizer().fit_distribution(dist.to_numpy())
    fitted = ThresholdOptimizer(constraint=None).fit_distribution(dist)
    with pytest.raises(ValueError, match="expecting 1 features"):
        fitted.predict(np.ones((2, 2)), sensitive_features=["a", "b"])
