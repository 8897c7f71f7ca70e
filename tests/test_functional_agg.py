"""``agg=`` of the functional equalized-odds forms, against fairlearn on random data."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn import metrics as flm

from fairaudit.metrics import equalized_odds_difference, equalized_odds_ratio

FORMS = [
    (equalized_odds_difference, flm.equalized_odds_difference),
    (equalized_odds_ratio, flm.equalized_odds_ratio),
]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ours, theirs", FORMS)
@pytest.mark.parametrize("agg", ["worst_case", "mean"])
@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
def test_agg_matches_fairlearn(seed, ours, theirs, agg, method):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    g = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    y = rng.integers(0, 2, n)
    p = (rng.uniform(size=n) < 0.3 + 0.4 * y - 0.1 * (g == "c")).astype(int)
    w = rng.uniform(0.2, 3.0, n) if seed % 2 else None
    kw = {"sensitive_features": g, "method": method, "sample_weight": w, "agg": agg}
    assert ours(y, p, **kw) == pytest.approx(theirs(y, p, **kw), abs=1e-12)


def test_mean_and_worst_case_differ_as_defined():
    # group a: TPR 1, FPR 0; group b: TPR 0.5, FPR 0.25 -> differences 0.5 and 0.25
    y = np.array([1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0])
    p = np.array([1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0])
    g = np.array(["a"] * 6 + ["b"] * 6)
    assert equalized_odds_difference(y, p, sensitive_features=g) == pytest.approx(0.5)
    assert equalized_odds_difference(y, p, sensitive_features=g, agg="mean") == pytest.approx(0.375)
    # ratios 0.5 (TPR) and 0 (FPR: 0 / 0.25)
    assert equalized_odds_ratio(y, p, sensitive_features=g) == pytest.approx(0.0)
    assert equalized_odds_ratio(y, p, sensitive_features=g, agg="mean") == pytest.approx(0.25)


def test_undefined_rate_is_left_out_of_the_mean():
    # group b has no negatives: its FPR is undefined, so is the FPR difference with 2 groups
    y = np.array([1, 1, 0, 0, 1, 1])
    p = np.array([1, 0, 1, 0, 1, 1])
    g = np.array(["a", "a", "a", "a", "b", "b"])
    ours = equalized_odds_difference(y, p, sensitive_features=g, agg="mean")
    assert ours == pytest.approx(0.5)  # the TPR difference alone
    assert ours == pytest.approx(
        flm.equalized_odds_difference(y, p, sensitive_features=g, agg="mean")
    )


def test_bad_agg_is_refused_by_name():
    with pytest.raises(ValueError, match="agg must be one of 'worst_case' or 'mean'"):
        equalized_odds_difference([0, 1], [0, 1], sensitive_features=["a", "b"], agg="max")
