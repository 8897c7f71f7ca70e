"""Randomized decisions stay random when many rows are identical (a coarse score)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fairaudit.mitigation import ThresholdOptimizer
from fairaudit.mitigation._hashing import row_uniforms


def _decile_data(rng, n):
    g = rng.choice(["a", "b"], n)
    decile = rng.integers(1, 11, n)
    # the same score means more risk in group b: equal odds needs group-specific randomization
    p = 1 / (1 + np.exp(-(decile - 5.5) / 2 - 0.8 * (g == "b")))
    y = (rng.random(n) < p).astype(int)
    return decile.reshape(-1, 1).astype(float), y, g


def test_identical_rows_get_independent_numbers_and_unique_rows_are_batch_invariant():
    X = np.zeros((20_000, 1))
    u = row_uniforms(X, None, 7)
    assert len(np.unique(u)) == len(u)
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / len(u))
    Y = np.arange(50, dtype=float).reshape(-1, 1)
    full = row_uniforms(Y, None, 7)
    np.testing.assert_array_equal(row_uniforms(Y[::-1], None, 7), full[::-1])
    np.testing.assert_array_equal(row_uniforms(Y[10:20], None, 7), full[10:20])


def test_equalized_odds_holds_held_out_with_a_ten_level_score():
    rng = np.random.default_rng(2024)
    X, y, g = _decile_data(rng, 20_000)
    Xt, yt, gt = _decile_data(rng, 40_000)
    model = LogisticRegression().fit(X, y)
    opt = ThresholdOptimizer(model, constraint="equalized_odds", prefit=True, random_state=0)
    opt.fit(X, y, sensitive_features=g)
    pred = opt.predict(Xt, sensitive_features=gt)
    tpr = [pred[(gt == k) & (yt == 1)].mean() for k in ("a", "b")]
    fpr = [pred[(gt == k) & (yt == 0)].mean() for k in ("a", "b")]
    # within 4 standard errors of a difference of two proportions (about 10,000 rows each)
    se = np.sqrt(2 * 0.25 / 8_000)
    assert abs(tpr[0] - tpr[1]) < 4 * se + 0.01
    assert abs(fpr[0] - fpr[1]) < 4 * se + 0.01
    # and some score level is decided both ways within one group (randomization happened)
    mixed = [
        0 < pred[(gt == k) & (Xt[:, 0] == d)].mean() < 1 for k in ("a", "b") for d in range(1, 11)
    ]
    assert any(mixed)


@pytest.mark.parametrize("seed", [0, 1])
def test_predictions_are_reproducible_for_a_random_state(seed):
    rng = np.random.default_rng(5)
    X, y, g = _decile_data(rng, 5_000)
    model = LogisticRegression().fit(X, y)
    a = ThresholdOptimizer(model, prefit=True, random_state=seed).fit(X, y, sensitive_features=g)
    b = ThresholdOptimizer(model, prefit=True, random_state=seed).fit(X, y, sensitive_features=g)
    np.testing.assert_array_equal(
        a.predict(X, sensitive_features=g), b.predict(X, sensitive_features=g)
    )


def test_hashing_only_the_randomized_rows_gives_the_same_decisions():
    """Rows with p in {0, 1} need no random number; hashing only the others (duplicates
    included) gives exactly the decisions of comparing every row's number."""
    from fairaudit.mitigation._hashing import randomized_decisions, row_uniforms

    rng = np.random.default_rng(4)
    base = rng.normal(size=(300, 3)).round(1)
    X = base[rng.integers(0, 300, 5000)]  # many identical rows
    codes = (X[:, 0] > 0).astype(np.int64)
    p = np.clip(np.round(X[:, 1] + 0.5, 1), 0.0, 1.0)  # 0, 1 and values between
    assert ((p > 0) & (p < 1)).mean() > 0.2 and (p == 0).any() and (p == 1).any()
    for key in (0, 12345):
        full = row_uniforms(X, codes, key) < p
        np.testing.assert_array_equal(randomized_decisions(X, codes, key, p), full)
        np.testing.assert_array_equal(
            randomized_decisions(X, None, key, p), row_uniforms(X, None, key) < p
        )
