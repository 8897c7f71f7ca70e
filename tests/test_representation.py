"""fairaudit.representation against textbook formulas computed independently with scipy,
and the goodness-of-fit test's rejection rate on simulated samples."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import binomtest, chisquare, entropy, multinomial

import fairaudit
from fairaudit._representation import ERR_REF_MISSING  # noqa: F401 (message constant exists)


def _sample(seed, n, shares, labels=("a", "b", "c")):
    rng = np.random.default_rng(seed)
    return rng.choice(np.array(labels, dtype=object), size=n, p=shares)


@given(seed=st.integers(0, 2**31 - 1), n=st.integers(60, 400))
@settings(max_examples=30, deadline=None)
def test_shares_test_and_divergences_against_scipy(seed, n):
    rng = np.random.default_rng(seed)
    q = rng.dirichlet([3, 3, 3, 3]) * 0.8 + 0.05  # every expected count >= 5 * 0.6
    q = q / q.sum()
    g = _sample(seed, n, rng.dirichlet([2, 2, 2, 2]), labels=list("abcd"))
    ref = dict(zip("abcd", q, strict=True))
    r = fairaudit.representation(g, reference=ref)
    counts = np.array([(g == c).sum() for c in "abcd"], dtype=float)
    p = counts / n
    # by label: a group of the reference absent from the sample is listed after the others
    shown = r.groups.reindex(list("abcd"))
    np.testing.assert_allclose(shown["share"].to_numpy(), p)
    np.testing.assert_allclose(shown["ratio"].to_numpy(), p / q)
    if (n * q).min() >= 5:
        expected = chisquare(counts, n * q)
        assert r.test == "chi-square"
        assert r.statistic == pytest.approx(expected.statistic, rel=1e-10)
        assert r.p_value == pytest.approx(expected.pvalue, rel=1e-8, abs=1e-300)
    assert r.divergences["kl"] == pytest.approx(entropy(p, q), rel=1e-10, abs=1e-15)
    assert r.divergences["js"] == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-8, abs=1e-15)
    assert r.divergences["tvd"] == pytest.approx(0.5 * np.abs(p - q).sum(), abs=1e-15)


@pytest.mark.parametrize("n, k_female", [(9, 1), (12, 6), (15, 2), (4, 0), (20, 9)])
def test_exact_test_with_two_groups_is_the_binomial_test(n, k_female):
    # expected count of women n * 0.2 < 5: the exact test
    g = np.array(["female"] * k_female + ["male"] * (n - k_female), dtype=object)
    r = fairaudit.representation(g, reference={"female": 0.2, "male": 0.8})
    assert r.test == "exact multinomial"
    assert r.p_value == pytest.approx(binomtest(k_female, n, 0.2).pvalue, rel=1e-9)


def test_exact_multinomial_by_enumeration_with_scipy():
    q = np.array([0.6, 0.25, 0.1, 0.05])
    counts = np.array([3, 5, 0, 2])
    n = int(counts.sum())
    g = np.repeat(np.array(list("abcd"), dtype=object), counts)
    r = fairaudit.representation(g, reference=dict(zip("abcd", q, strict=True)))
    outcomes = [c for c in itertools.product(range(n + 1), repeat=4) if sum(c) == n]
    pmf = multinomial.pmf(np.array(outcomes), n, q)
    observed = multinomial.pmf(counts, n, q)
    expected = pmf[pmf <= observed * (1 + 1e-7)].sum()
    assert r.test == "exact multinomial"
    assert r.p_value == pytest.approx(expected, rel=1e-9)
    assert r.groups.loc["c", "share"] == 0 and r.groups.loc["c", "share_upper"] > 0


@pytest.mark.slow
def test_flagged_at_the_nominal_rate_and_reliably_when_skewed():
    q = [0.5, 0.3, 0.2]
    ref = dict(zip("abc", q, strict=True))
    reps = 1000
    fair = np.mean(
        [
            fairaudit.representation(_sample(s, 400, q), reference=ref).flagged(0.05)
            for s in range(reps)
        ]
    )
    # binomial(1000, 0.05): 99.9% of the rejection rates lie in [0.029, 0.074]
    assert 0.029 <= fair <= 0.074, fair
    skewed = np.mean(
        [
            fairaudit.representation(_sample(s, 400, [0.6, 0.3, 0.1]), reference=ref).flagged(0.05)
            for s in range(100)
        ]
    )
    assert skewed >= 0.99, skewed


@pytest.mark.slow
def test_exact_test_never_exceeds_the_nominal_rate():
    q = [0.7, 0.2, 0.1]
    ref = dict(zip("abc", q, strict=True))
    rejected = [fairaudit.representation(_sample(s, 20, q), reference=ref) for s in range(400)]
    assert all(r.test == "exact multinomial" for r in rejected)
    rate = np.mean([r.flagged(0.05) for r in rejected])
    assert rate <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 400), rate


def test_label_measures_against_clarify_formulas():
    rng = np.random.default_rng(3)
    n = 900
    g = rng.choice(np.array(["x", "y", "z"], dtype=object), n, p=[0.5, 0.3, 0.2])
    dept = rng.integers(0, 4, n)
    y = (rng.random(n) < 0.2 + 0.15 * (g == "x") + 0.1 * dept).astype(int)
    r = fairaudit.representation(g, y_true=y, strata=dept)
    frame = pd.DataFrame({"g": g, "y": y, "dept": dept})
    for d in ["x", "y", "z"]:
        inside, outside = frame[frame.g == d], frame[frame.g != d]
        qd, qa = inside.y.mean(), outside.y.mean()
        row = r.labels.loc[d]
        assert row["ci"] == pytest.approx((len(outside) - len(inside)) / n)
        assert row["dpl"] == pytest.approx(qa - qd)
        assert row["kl"] == pytest.approx(entropy([qa, 1 - qa], [qd, 1 - qd]))
        assert row["js"] == pytest.approx(jensenshannon([qa, 1 - qa], [qd, 1 - qd]) ** 2)
        assert row["lp"] == pytest.approx(np.linalg.norm([qa - qd, (1 - qa) - (1 - qd)]))
        assert row["tvd"] == pytest.approx(0.5 * (abs(qa - qd) + abs(qd - qa)))
        assert row["ks"] == pytest.approx(max(abs(qa - qd), abs(qd - qa)))
        rejected, accepted = frame[frame.y == 0], frame[frame.y == 1]
        dd = (rejected.g == d).mean() - (accepted.g == d).mean()
        assert row["dd"] == pytest.approx(dd)
        cdd = (
            sum(
                len(part) * ((part[part.y == 0].g == d).mean() - (part[part.y == 1].g == d).mean())
                for _, part in frame.groupby("dept")
            )
            / n
        )
        assert row["cdd"] == pytest.approx(cdd)


def test_weights_give_the_shares_of_repeated_rows():
    rng = np.random.default_rng(4)
    g = rng.choice(np.array(["a", "b"], dtype=object), 300)
    w = rng.integers(1, 4, 300)
    r = fairaudit.representation(g, reference={"a": 0.4, "b": 0.6}, sample_weight=w)
    rep = fairaudit.representation(np.repeat(g, w), reference={"a": 0.4, "b": 0.6})
    np.testing.assert_allclose(r.groups["share"], rep.groups["share"])
    assert r.divergences == pytest.approx(rep.divergences)
    assert r.effective_n < w.sum() and any("effective" in note for note in r.notes)


def test_pandas_inputs_are_aligned_and_to_frame():
    g = pd.Series(["a", "b", "a", "a"], index=[3, 2, 1, 0])
    y = pd.Series([1, 0, 0, 1], index=[0, 1, 2, 3])  # rows paired by label
    r = fairaudit.representation(g, y_true=y)
    assert r.labels.loc["a", "positive_rate"] == pytest.approx(2 / 3)
    frame = r.to_frame()
    assert {"share", "label_dpl"} <= set(frame.columns) and r.test is None
    assert np.isnan(r.p_value)


def test_reference_errors():
    g = np.array(["a", "b", "b"], dtype=object)
    with pytest.raises(ValueError, match="not in reference"):
        fairaudit.representation(g, reference={"a": 1.0})
    with pytest.raises(ValueError, match="summing to 1"):
        fairaudit.representation(g, reference={"a": 0.5, "b": 0.6})
    with pytest.raises(ValueError, match="reference share 0"):
        fairaudit.representation(g, reference={"a": 0.0, "b": 1.0})
    with pytest.raises(TypeError, match="dict or a pandas Series"):
        fairaudit.representation(g, reference=[0.5, 0.5])
    with pytest.raises(ValueError, match="strata= needs y_true"):
        fairaudit.representation(g, strata=[0, 1, 1])


def test_intersectional_reference():
    sf = pd.DataFrame({"sex": ["f", "m", "f", "m"], "age": ["young", "young", "old", "old"]})
    ref = {("f", "old"): 0.3, ("f", "young"): 0.2, ("m", "old"): 0.3, ("m", "young"): 0.2}
    r = fairaudit.representation(sf, reference=ref)
    assert r.groups.loc[("f", "old"), "reference_share"] == 0.3
    assert r.groups["share"].sum() == pytest.approx(1.0)
