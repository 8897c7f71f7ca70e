"""Tests of the synthetic hiring generator: causal structure by construction.

Statistical checks use fixed seeds and a tolerance of a few standard errors (``Z``
standard errors), with expected values from the documented parameters (closed forms),
never from the generator's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from fairaudit.datasets._hiring import (
    ERR_N_SAMPLES,
    ERR_OPEN_UNIT,
    ERR_PROXY_STRENGTH,
    ERR_RANDOM_STATE,
    ERR_UNIT_SWITCH,
    make_hiring,
)

N = 40_000
Z = 4.0  # tolerance in standard errors
OFF = dict(label_bias=0.0, selection_bias=0.0, measurement_bias=0.0, framing=0.0)
FEATURES = [
    "experience_years",
    "skills_score",
    "education_level",
    "womens_org_member",
    "gendered_wording",
    "career_gap_months",
]
PROXIES = ["womens_org_member", "gendered_wording", "career_gap_months"]
LEGIT = ["experience_years", "skills_score", "education_level"]


def _se_prop(p: float, n: int) -> float:
    return float(np.sqrt(p * (1 - p) / n))


def _diff_of_means_z(a: np.ndarray, b: np.ndarray) -> float:
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return float(abs(a.mean() - b.mean()) / se)


@pytest.fixture(scope="module")
def unbiased() -> object:
    return make_hiring(N, random_state=11, **OFF)


@pytest.fixture(scope="module")
def default() -> object:
    return make_hiring(N, random_state=11)


# ----------------------------------------------------------------------------- shape
def test_bunch_contents(default):
    d = default
    assert list(d.X.columns) == FEATURES
    assert "gender" not in d.X.columns
    assert d.y.name == "hired" and d.y_true.name == "suitable"
    assert d.sensitive_features.name == "gender"
    assert set(d.sensitive_features.unique()) == {"female", "male"}
    assert set(np.unique(d.y)) == {0, 1} and set(np.unique(d.y_true)) == {0, 1}
    assert set(d.feature_descriptions) == set(FEATURES)
    assert all(len(v) > 20 for v in d.feature_descriptions.values())
    assert "qualification" in d.DESCR and "proxy" in d.DESCR
    assert list(d.latent.columns) == ["qualification", "experience_years_true", "interrupted"]
    assert d.frame.shape == (N, len(FEATURES) + 3)
    assert d.params["label_bias"] == 0.5 and d.params["proxy_strength"] == 1.0
    for part in (d.X, d.y, d.y_true, d.sensitive_features, d.latent):
        assert len(part) == N
        assert part.index.equals(pd.RangeIndex(N))
    assert not d.X.isna().any().any()
    # Value ranges documented in the feature descriptions.
    assert d.X["skills_score"].between(0, 100).all()
    assert set(np.unique(d.X["education_level"])) <= {0, 1, 2, 3}
    assert set(np.unique(d.X["womens_org_member"])) == {0, 1}
    assert (d.X["career_gap_months"] >= 0).all() and (d.X["experience_years"] >= 0).all()


@pytest.mark.parametrize("n", [1, 2, 17, 4095, 4096, 4097, 9000])
def test_any_n_samples(n):
    d = make_hiring(n, random_state=3, selection_bias=0.7)
    assert len(d.X) == len(d.y) == len(d.y_true) == len(d.sensitive_features) == n


# ----------------------------------------------------------------------- determinism
def test_deterministic_per_seed():
    a = make_hiring(3000, random_state=5)
    b = make_hiring(3000, random_state=5)
    c = make_hiring(3000, random_state=6)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.latent, b.latent)
    assert not a.frame.equals(c.frame)
    g1 = make_hiring(500, random_state=np.random.default_rng(9))
    g2 = make_hiring(500, random_state=np.random.default_rng(9))
    pd.testing.assert_frame_equal(g1.frame, g2.frame)
    r1 = make_hiring(500, random_state=np.random.RandomState(9))
    r2 = make_hiring(500, random_state=np.random.RandomState(9))
    pd.testing.assert_frame_equal(r1.frame, r2.frame)


def test_prefix_property():
    """With one seed the first rows do not depend on n_samples."""
    small = make_hiring(1000, random_state=8, selection_bias=0.5)
    large = make_hiring(10_000, random_state=8, selection_bias=0.5)
    pd.testing.assert_frame_equal(small.frame, large.frame.iloc[:1000])


# ------------------------------------------------------------ all switches off: control
def test_no_bias_label_equals_truth(unbiased):
    np.testing.assert_array_equal(unbiased.y.to_numpy(), unbiased.y_true.to_numpy())
    assert not unbiased.latent["interrupted"].any()


def test_no_bias_label_independent_of_gender(unbiased):
    g = unbiased.sensitive_features.to_numpy()
    y = unbiased.y.to_numpy()
    f, m = y[g == "female"], y[g == "male"]
    se = np.sqrt(f.var() / f.size + m.var() / m.size)
    assert abs(f.mean() - m.mean()) < Z * se
    # Closed form: the documented base rate and female share.
    assert abs(y.mean() - 0.35) < Z * _se_prop(0.35, N)
    assert abs((g == "female").mean() - 0.5) < Z * _se_prop(0.5, N)


def test_legitimate_features_independent_of_gender(unbiased):
    g = unbiased.sensitive_features.to_numpy()
    for col in [*LEGIT, "qualification"]:
        values = (unbiased.X if col in LEGIT else unbiased.latent)[col].to_numpy(float)
        assert _diff_of_means_z(values[g == "female"], values[g == "male"]) < Z, col


def test_features_track_latent_qualification(unbiased):
    """Each legitimate feature is 0.7 * qualification + noise (documented loading)."""
    q = unbiased.latent["qualification"].to_numpy()
    corr = np.corrcoef(q, unbiased.X["skills_score"])[0, 1]
    assert abs(corr - 0.7) < 0.02  # clipping at 0/100 is negligible at these values
    for col in ["experience_years", "education_level"]:
        assert np.corrcoef(q, unbiased.X[col])[0, 1] > 0.55
    # True suitability depends on qualification only.
    assert roc_auc_score(unbiased.y_true, q) > 0.95


# ------------------------------------------------------------------------ proxies
def test_proxies_independent_of_gender_at_strength_zero():
    d = make_hiring(N, random_state=12, proxy_strength=0.0)
    g = d.sensitive_features.to_numpy()
    is_f = g == "female"
    for col in PROXIES:
        v = d.X[col].to_numpy(float)
        assert _diff_of_means_z(v[is_f], v[~is_f]) < Z, col
        auc = roc_auc_score(is_f, v)
        assert abs(auc - 0.5) < 0.02, col


def test_proxy_rates_match_documentation(default):
    g = default.sensitive_features.to_numpy()
    is_f = g == "female"
    org = default.X["womens_org_member"].to_numpy()
    gap = default.X["career_gap_months"].to_numpy() > 0
    word = default.X["gendered_wording"].to_numpy()
    nf, nm = is_f.sum(), (~is_f).sum()
    # Documented: 50% of women and 8% of men list a women's organisation ...
    assert abs(org[is_f].mean() - 0.5) < Z * _se_prop(0.5, nf)
    assert abs(org[~is_f].mean() - expit(-2.5)) < Z * _se_prop(0.076, nm)
    # ... 33% of women and 10% of men have a career gap ...
    assert abs(gap[is_f].mean() - expit(-0.7)) < Z * _se_prop(0.332, nf)
    assert abs(gap[~is_f].mean() - expit(-2.2)) < Z * _se_prop(0.1, nm)
    # ... and wording scores differ by 1.5 standard deviations (unit-variance noise).
    assert abs(word[is_f].mean() - word[~is_f].mean() - 1.5) < Z * np.sqrt(1 / nf + 1 / nm)
    # Together the proxies predict gender well (leakage), each with no effect on truth.
    assert roc_auc_score(is_f, word) > 0.8


def test_proxies_have_no_effect_on_truth(default):
    """Within each gender, y_true is independent of every proxy."""
    g = default.sensitive_features.to_numpy()
    yt = default.y_true.to_numpy()
    for col in PROXIES:
        v = default.X[col].to_numpy(float)
        for grp in ("female", "male"):
            mask = g == grp
            assert abs(roc_auc_score(yt[mask], v[mask]) - 0.5) < 0.025, (col, grp)


def test_proxy_strength_changes_only_proxies():
    a = make_hiring(5000, random_state=4, proxy_strength=0.0)
    b = make_hiring(5000, random_state=4, proxy_strength=2.0)
    pd.testing.assert_frame_equal(a.X[LEGIT], b.X[LEGIT])
    pd.testing.assert_series_equal(a.y, b.y)
    pd.testing.assert_series_equal(a.y_true, b.y_true)
    pd.testing.assert_series_equal(a.sensitive_features, b.sensitive_features)
    is_f = b.sensitive_features.to_numpy() == "female"
    # Proxies of men are unchanged except wording, which shifts symmetrically.
    np.testing.assert_array_equal(
        a.X["womens_org_member"].to_numpy()[~is_f], b.X["womens_org_member"].to_numpy()[~is_f]
    )
    assert b.X["womens_org_member"][is_f].mean() > a.X["womens_org_member"][is_f].mean() + 0.5


# ---------------------------------------------------------------- one switch at a time
def test_label_bias_flips_only_qualified_women():
    base = make_hiring(N, random_state=21, **OFF)
    biased = make_hiring(N, random_state=21, **{**OFF, "label_bias": 0.4})
    pd.testing.assert_frame_equal(base.X, biased.X)
    pd.testing.assert_series_equal(base.y_true, biased.y_true)
    pd.testing.assert_series_equal(base.sensitive_features, biased.sensitive_features)
    is_f = biased.sensitive_features.to_numpy() == "female"
    y0, y1 = base.y.to_numpy(), biased.y.to_numpy()
    changed = y0 != y1
    assert changed.any()
    assert (is_f[changed]).all()  # only women
    assert (y0[changed] == 1).all() and (y1[changed] == 0).all()  # only 1 -> 0
    pos_f = is_f & (y0 == 1)
    assert abs(changed[pos_f].mean() - 0.4) < Z * _se_prop(0.4, pos_f.sum())


def test_label_bias_one_removes_all_women_hired():
    d = make_hiring(3000, random_state=1, **{**OFF, "label_bias": 1.0})
    assert d.y[d.sensitive_features == "female"].sum() == 0
    assert d.y_true[d.sensitive_features == "female"].sum() > 0


def test_selection_bias_drops_only_women_hired():
    s = 0.6
    pop = make_hiring(2 * N, random_state=31, **OFF)
    samp = make_hiring(N, random_state=31, **{**OFF, "selection_bias": s})
    assert len(samp.X) == N

    def untouched(d):
        mask = ~((d.sensitive_features == "female") & (d.y == 1))
        return d.frame[mask.to_numpy()].reset_index(drop=True)

    # Every row that is not a woman hired appears, in order, exactly as in the population.
    kept, full = untouched(samp), untouched(pop)
    pd.testing.assert_frame_equal(kept, full.iloc[: len(kept)])
    # Closed form: P(hired | female, sample) = p (1 - s) / (p (1 - s) + 1 - p), p = 0.35.
    p = 0.35
    expected = p * (1 - s) / (p * (1 - s) + 1 - p)
    is_f = samp.sensitive_features == "female"
    got = samp.y[is_f].mean()
    assert abs(got - expected) < Z * _se_prop(expected, int(is_f.sum()))
    # Men are not selected on: their base rate stays 0.35.
    m = samp.y[~is_f]
    assert abs(m.mean() - p) < Z * _se_prop(p, m.size)
    np.testing.assert_array_equal(samp.y, samp.y_true)  # the labels themselves are not biased


def test_measurement_bias_lowers_only_womens_experience():
    mb = 0.3
    base = make_hiring(N, random_state=41, **OFF)
    biased = make_hiring(N, random_state=41, **{**OFF, "measurement_bias": mb})
    is_f = biased.sensitive_features.to_numpy() == "female"
    other = [c for c in FEATURES if c != "experience_years"]
    pd.testing.assert_frame_equal(base.X[other], biased.X[other])
    pd.testing.assert_series_equal(base.y, biased.y)
    pd.testing.assert_series_equal(base.y_true, biased.y_true)
    e0, e1 = base.X["experience_years"].to_numpy(), biased.X["experience_years"].to_numpy()
    np.testing.assert_array_equal(e0[~is_f], e1[~is_f])
    # Women's recorded years are (1 - mb) times the true years, to the recorded 0.1 year.
    true_f = biased.latent["experience_years_true"].to_numpy()[is_f]
    np.testing.assert_allclose(e1[is_f], true_f * (1 - mb), atol=0.05 + 1e-9)
    np.testing.assert_array_equal(e0, biased.latent["experience_years_true"].to_numpy())
    # Recorded experience now differs by gender although true experience does not.
    assert _diff_of_means_z(e1[is_f], e1[~is_f]) > 20
    assert _diff_of_means_z(true_f, e0[~is_f]) < Z


def test_framing_changes_only_the_recorded_target():
    base = make_hiring(N, random_state=51, **OFF)
    framed = make_hiring(N, random_state=51, **{**OFF, "framing": 1.0})
    pd.testing.assert_frame_equal(base.X, framed.X)
    pd.testing.assert_series_equal(base.y_true, framed.y_true)
    y, yt = framed.y.to_numpy(), framed.y_true.to_numpy()
    assert (y <= yt).all()
    is_f = framed.sensitive_features.to_numpy() == "female"
    gap = framed.X["career_gap_months"].to_numpy() > 0
    # Closed form per cell from the documented rates: 0.45 (women) / 0.10 (men), x1.6 after a gap.
    for grp_mask, rate in [(is_f, 0.45), (~is_f, 0.10)]:
        for gap_mask, factor in [(gap, 1.6), (~gap, 1.0)]:
            cell = grp_mask & gap_mask & (yt == 1)
            lost = 1 - y[cell].mean()
            p = rate * factor
            assert abs(lost - p) < Z * _se_prop(p, cell.sum())
    # Both genders are affected, women more: it is not the same as label bias.
    assert (y[~is_f] < yt[~is_f]).any()


def test_framing_partial_scales_linearly():
    d = make_hiring(N, random_state=52, **{**OFF, "framing": 0.5, "proxy_strength": 0.0})
    is_f = d.sensitive_features.to_numpy() == "female"
    yt, y = d.y_true.to_numpy(), d.y.to_numpy()
    gap = d.X["career_gap_months"].to_numpy() > 0
    cell = ~is_f & ~gap & (yt == 1)
    assert abs((1 - y[cell].mean()) - 0.05) < Z * _se_prop(0.05, cell.sum())


# ------------------------------------------------------------------------ validation
@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", None, True])
def test_bad_n_samples(bad):
    with pytest.raises(ValueError) as err:
        make_hiring(bad)
    assert str(err.value) == ERR_N_SAMPLES.format(value=bad)


@pytest.mark.parametrize("name", ["label_bias", "selection_bias", "measurement_bias", "framing"])
@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "0.2", None, True])
def test_bad_switch(name, bad):
    with pytest.raises(ValueError) as err:
        make_hiring(10, **{name: bad})
    assert str(err.value) == ERR_UNIT_SWITCH.format(name=name, value=bad)


@pytest.mark.parametrize("bad", [-1.0, float("inf"), "strong", None])
def test_bad_proxy_strength(bad):
    with pytest.raises(ValueError) as err:
        make_hiring(10, proxy_strength=bad)
    assert str(err.value) == ERR_PROXY_STRENGTH.format(value=bad)


@pytest.mark.parametrize("name", ["female_share", "base_rate"])
@pytest.mark.parametrize("bad", [0.0, 1.0, -0.3, float("nan")])
def test_bad_shares(name, bad):
    with pytest.raises(ValueError) as err:
        make_hiring(10, **{name: bad})
    assert str(err.value) == ERR_OPEN_UNIT.format(name=name, value=bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "seed", [1, 2]])
def test_bad_random_state(bad):
    with pytest.raises(TypeError) as err:
        make_hiring(10, random_state=bad)
    assert str(err.value) == ERR_RANDOM_STATE.format(value=bad)


def test_numpy_integer_arguments_accepted():
    d = make_hiring(np.int64(50), random_state=np.int32(3), label_bias=np.float32(0.25))
    assert len(d.X) == 50


def test_shares_are_respected():
    d = make_hiring(N, random_state=61, female_share=0.2, base_rate=0.1, **OFF)
    is_f = d.sensitive_features.to_numpy() == "female"
    assert abs(is_f.mean() - 0.2) < Z * _se_prop(0.2, N)
    assert abs(d.y_true.mean() - 0.1) < Z * _se_prop(0.1, N)
