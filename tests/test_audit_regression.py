"""Regression audits against independent oracles: scikit-learn's error metrics, scipy's
Kolmogorov-Smirnov and Wasserstein distances and tests, numpy's quantiles and fairlearn's
MetricFrame, on random data (weights, small groups, several features and intersections)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

import fairaudit
from fairaudit.metrics._regression_stats import regression_stats

TOL = 1e-9


def _data(seed: int, n: int, n_a: int, n_b: int, weights: str, discrete: bool):
    rng = np.random.default_rng(seed)
    a = rng.choice([f"a{i}" for i in range(n_a)], n)
    b = rng.choice([f"b{i}" for i in range(n_b)], n)
    if discrete:  # a 1-10 score: ties everywhere
        y_pred = rng.integers(1, 11, n).astype(float)
        y_true = y_pred + rng.integers(-2, 3, n)
    else:
        y_true = rng.normal(50, 10, n)
        y_pred = y_true + rng.normal(0, 5, n) + (a == "a0") * 3
    w = {
        "none": None,
        "int": rng.integers(1, 4, n).astype(float),
        "float": rng.uniform(0.2, 3.0, n),
    }[weights]
    return y_true, y_pred, a, b, w


def _quantile(x, w, q, weighted):
    if weighted:
        return float(np.quantile(x, q, weights=w, method="inverted_cdf"))
    return float(np.quantile(x, q))


def _check_group_metrics(result, y_true, y_pred, keys, w):
    """Every value of by_group against scikit-learn / numpy on the group's rows."""
    varying = w is not None and not np.all(w == w[0])
    ww = np.ones(len(y_true)) if w is None else w
    median = _quantile(y_pred, ww, 0.5, varying)
    bg = result.by_group
    for label, row in bg.iterrows():
        sel = np.all(
            [
                k == v
                for k, v in zip(keys, label if isinstance(label, tuple) else (label,), strict=True)
            ],
            axis=0,
        )
        yt, yp, wg = y_true[sel], y_pred[sel], ww[sel]
        assert row["count"] == sel.sum()
        assert row["mean_prediction"] == pytest.approx(np.average(yp, weights=wg), abs=TOL)
        assert row["mean_outcome"] == pytest.approx(np.average(yt, weights=wg), abs=TOL)
        assert row["mean_error"] == pytest.approx(np.average(yp - yt, weights=wg), abs=TOL)
        assert row["mean_absolute_error"] == pytest.approx(
            mean_absolute_error(yt, yp, sample_weight=wg), abs=TOL
        )
        assert row["mean_squared_error"] == pytest.approx(
            mean_squared_error(yt, yp, sample_weight=wg), rel=TOL, abs=TOL
        )
        assert row["root_mean_squared_error"] == pytest.approx(
            np.sqrt(mean_squared_error(yt, yp, sample_weight=wg)), rel=TOL, abs=TOL
        )
        if len(yt) > 1 and np.ptp(yt) > 0:
            # R² far below 0 (outcomes that barely vary) is ill-conditioned: relative precision
            assert row["r2"] == pytest.approx(
                r2_score(yt, yp, sample_weight=wg), rel=1e-9, abs=1e-8
            )
        else:
            assert np.isnan(row["r2"])
        for name, q in (
            ("prediction_q10", 0.1),
            ("median_prediction", 0.5),
            ("prediction_q90", 0.9),
        ):
            assert row[name] == pytest.approx(_quantile(yp, wg, q, varying), abs=TOL)
        assert row["share_above_median"] == pytest.approx(wg[yp > median].sum() / wg.sum(), abs=TOL)


# a group whose outcomes barely vary: R² = -1189
@example(seed=24, n=24, n_a=3, n_b=2, weights="none", discrete=False)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(8, 300),
    n_a=st.integers(1, 3),
    n_b=st.integers(1, 3),
    weights=st.sampled_from(["none", "int", "float"]),
    discrete=st.booleans(),
)
def test_group_values_match_sklearn_and_numpy(seed, n, n_a, n_b, weights, discrete):
    y_true, y_pred, a, b, w = _data(seed, n, n_a, n_b, weights, discrete)
    r = fairaudit.audit(
        y_true,
        y_pred,
        sensitive_features={"a": a, "b": b},
        sample_weight=w,
        task="regression",
        n_bootstrap=0,
        random_state=0,
    )
    _check_group_metrics(r, y_true, y_pred, (a, b), w)
    for feature, keys in (("a", a), ("b", b)):
        _check_group_metrics(r.marginals[feature], y_true, y_pred, (keys,), w)


def _pairs(r, y_pred, keys, w, ref):
    groups = list(r.by_group.index)
    ww = np.ones(len(y_pred)) if w is None else w
    sel = {g: keys == g for g in groups}
    return groups, sel, ww


def _ks_2samp(a, b):
    """scipy's two-sample KS test, the oracle. Where its exact distribution fails it says so
    with a RuntimeWarning and uses the asymptotic one (as the audit does): that notice is
    scipy's own, about its own method, so it is silenced here and only here."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning
        )
        return stats.ks_2samp(a, b)


@example(seed=738, n=11, n_a=2, weights="none", discrete=True)  # a group without spread
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(10, 300),
    n_a=st.integers(2, 4),
    weights=st.sampled_from(["none", "int", "float"]),
    discrete=st.booleans(),
)
def test_distances_match_scipy(seed, n, n_a, weights, discrete):
    y_true, y_pred, a, _, w = _data(seed, n, n_a, 1, weights, discrete)
    r = fairaudit.audit(
        y_true,
        y_pred,
        sensitive_features=pd.Series(a, name="a"),
        sample_weight=w,
        task="regression",
        n_bootstrap=0,
        random_state=0,
    )
    ww = np.ones(n) if w is None else w
    groups = list(r.by_group.index)
    ref = r.reference_group
    tr = r.to_reference.set_index(["metric", "group"])
    x = {g: y_pred[a == g] for g in groups}
    wg = {g: ww[a == g] for g in groups}

    def ks(g, h):
        if w is None:
            return _ks_2samp(x[g], x[h]).statistic
        if weights == "int":  # integer weights are repeated rows
            return _ks_2samp(
                np.repeat(x[g], wg[g].astype(int)), np.repeat(x[h], wg[h].astype(int))
            ).statistic
        return None

    def w1(g, h):
        return stats.wasserstein_distance(x[g], x[h], u_weights=wg[g], v_weights=wg[h])

    for g in groups:
        if g == ref:
            continue
        expected = ks(g, ref)
        if expected is not None:
            assert tr.loc[("ks_distance", g), "value"] == pytest.approx(expected, abs=TOL)
        assert tr.loc[("wasserstein_distance", g), "value"] == pytest.approx(w1(g, ref), abs=1e-8)
        if w is None:
            assert tr.loc[("ks_distance", g), "p_value"] == pytest.approx(
                _ks_2samp(x[g], x[ref]).pvalue, abs=TOL
            )
            if len(x[g]) > 1 and len(x[ref]) > 1 and (np.ptp(x[g]) + np.ptp(x[ref])) > 0:
                # Welch's test; a group whose predictions do not vary takes the variance
                # of all rows instead of 0
                sd = {
                    h: np.std(x[h], ddof=1) if np.ptp(x[h]) > 0 else np.std(y_pred, ddof=1)
                    for h in (g, ref)
                }
                welch = stats.ttest_ind_from_stats(
                    x[g].mean(),
                    sd[g],
                    len(x[g]),
                    x[ref].mean(),
                    sd[ref],
                    len(x[ref]),
                    equal_var=False,
                )
                assert tr.loc[("mean_prediction", g), "p_value"] == pytest.approx(
                    welch.pvalue, abs=1e-8
                )
                n1, n2 = len(x[g]), len(x[ref])
                pooled = ((n1 - 1) * np.var(x[g], ddof=1) + (n2 - 1) * np.var(x[ref], ddof=1)) / (
                    n1 + n2 - 2
                )
                assert tr.loc[("standardized_mean_difference", g), "value"] == pytest.approx(
                    (x[g].mean() - x[ref].mean()) / np.sqrt(pooled), abs=1e-8
                )
    pairs = [(g, h) for i, g in enumerate(groups) for h in groups[i + 1 :]]
    d = r.disparities
    assert d.loc["wasserstein_distance", "difference"] == pytest.approx(
        max(w1(g, h) for g, h in pairs), abs=1e-8
    )
    assert d.loc["wasserstein_distance", "difference_to_overall"] == pytest.approx(
        max(
            stats.wasserstein_distance(x[g], y_pred, u_weights=wg[g], v_weights=ww) for g in groups
        ),
        abs=1e-8,
    )
    if ks(groups[0], groups[1]) is not None:
        assert d.loc["ks_distance", "difference"] == pytest.approx(
            max(ks(g, h) for g, h in pairs), abs=TOL
        )
    crit = r.criteria.set_index("criterion")
    assert crit.loc["ks_distance", "value"] == d.loc["ks_distance", "difference"]
    mae = r.by_group["mean_absolute_error"]
    with np.errstate(divide="ignore"):  # a group without error: the ratio is infinite
        assert crit.loc["max_group_error_ratio", "value"] == pytest.approx(mae.max() / mae.min())
    share = r.by_group["share_above_median"]
    if share.max() > 0:
        assert crit.loc["scoring_rate_ratio", "value"] == pytest.approx(share.min() / share.max())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000), n=st.integers(10, 200), weights=st.sampled_from(["none", "float"])
)
def test_by_group_matches_fairlearn_metricframe(seed, n, weights):
    y_true, y_pred, a, b, w = _data(seed, n, 2, 2, weights, False)
    sf = pd.DataFrame({"a": a, "b": b})
    fns = {"mean_absolute_error": mean_absolute_error, "mean_squared_error": mean_squared_error}
    params = None if w is None else {k: {"sample_weight": w} for k in fns}
    mf = MetricFrame(
        metrics=fns, y_true=y_true, y_pred=y_pred, sensitive_features=sf, sample_params=params
    )
    r = fairaudit.audit(
        y_true,
        y_pred,
        sensitive_features=sf,
        sample_weight=w,
        task="regression",
        n_bootstrap=0,
        random_state=0,
    )
    ours = r.by_group[list(fns)]
    theirs = mf.by_group.loc[ours.index]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(dtype=float), atol=TOL)
    for k in fns:
        assert r.overall[k] == pytest.approx(mf.overall[k], abs=TOL)


def test_statistics_merge_by_label_and_sum_to_marginals():
    rng = np.random.default_rng(3)
    n = 500
    yt, yp = rng.normal(size=n), rng.normal(size=n)
    w = rng.uniform(0.5, 2, n)
    g = rng.integers(0, 4, n)
    edges = np.linspace(-5, 5, 21)
    labels = pd.Index(np.arange(4), name="g", dtype=object)
    whole = regression_stats(g, 4, yt, yp, w, edges, labels)
    first, second = slice(0, 200), slice(200, n)
    # the second chunk lacks group 3, the first is given its groups in another order
    keep = g[second] != 3
    s1 = regression_stats(g[first], 4, yt[first], yp[first], w[first], edges, labels)
    codes2 = g[second][keep]
    s2 = regression_stats(
        codes2, 3, yt[second][keep], yp[second][keep], w[second][keep], edges, labels[:3]
    )
    merged = s1.merge(s2)
    rest = regression_stats(
        g[second][~keep], 4, yt[second][~keep], yp[second][~keep], w[second][~keep], edges, labels
    )
    merged = merged.merge(rest)
    np.testing.assert_allclose(merged.moments, whole.moments, rtol=1e-12)
    np.testing.assert_array_equal(merged.hist_n, whole.hist_n)
    with pytest.raises(ValueError, match="edges agree"):
        s1.merge(regression_stats(g, 4, yt, yp, w, np.linspace(-6, 6, 5), labels))


def test_tolerances_use_the_regression_criteria():
    rng = np.random.default_rng(0)
    y = rng.normal(size=300)
    g = rng.choice(["x", "y"], 300)
    base = dict(sensitive_features=g, task="regression", n_bootstrap=50, random_state=0)
    r = fairaudit.audit(y, y + rng.normal(size=300), **base)
    crit = r.criteria.set_index("criterion")
    for name in ("bounded_group_loss", "mean_difference"):
        assert crit.loc[name, "verdict"] == "n/a"
        assert "tolerances=" in crit.loc[name, "reason"]
    assert crit.loc["smd", "tolerance"] == 0.2
    r = fairaudit.audit(
        y, y + rng.normal(size=300), tolerances={"smd": 0.5, "bounded_group_loss": 100.0}, **base
    )
    crit = r.criteria.set_index("criterion")
    assert crit.loc["smd", "tolerance"] == 0.5
    assert crit.loc["bounded_group_loss", "verdict"] == "pass"
    assert r.config["tolerances"]["bounded_group_loss"] == 100.0
    with pytest.raises(ValueError, match="known criteria are mean_difference, smd"):
        fairaudit.audit(y, y, tolerances={"demographic_parity_difference": 0.1}, **base)
    with pytest.raises(ValueError, match="unknown criterion 'smd'"):
        fairaudit.audit(
            [0, 1] * 20, [0, 1] * 20, sensitive_features=["a", "b"] * 20, tolerances={"smd": 0.1}
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            dict(y_true=["a", "b", "c"], y_pred=[1.0, 2.0, 3.0]),
            TypeError,
            "y_true must hold numbers.*task='binary'",
        ),
        (
            dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, np.inf, 3.0]),
            ValueError,
            "y_pred has 1 missing or infinite value",
        ),
        (
            dict(y_true=[1.0, 2.0, np.nan], y_pred=[1.0, 2.0, 3.0]),
            ValueError,
            "y_true has 1 missing or infinite",
        ),
        (dict(y_true=[1.0, 2.0, 3.0], y_pred=None), ValueError, "y_pred is required"),
        (dict(y_true=[0, 1, 1], y_pred=[1, 0, 1]), ValueError, "look like yes/no decisions"),
        (dict(y_true=[1.0, 2.0, 3.0], y_pred=[True, False, True]), TypeError, "booleans"),
        (
            dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, 2.0, 3.0], pos_label=1),
            ValueError,
            "pos_label has no meaning",
        ),
        (
            dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, 2.0, 3.0], threshold=0.5),
            ValueError,
            "threshold has no meaning",
        ),
        (
            dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, 2.0, 3.0], y_score=[0.1, 0.2, 0.3]),
            ValueError,
            "y_score is for binary audits",
        ),
        (dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, 2.0]), ValueError, "y_pred"),
        (
            dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, 2.0, 3.0], metrics=["selection_rate"]),
            ValueError,
            "unknown regression metric 'selection_rate'",
        ),
        (
            dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, 2.0, 3.0], score_bins=[3, 2]),
            ValueError,
            "score_bins must be",
        ),
        (
            dict(y_true=[1.0, 2.0, 3.0], y_pred=[1.0, 2.0, 3.0], score_bins=[0, 2]),
            ValueError,
            "outside the declared score_bins",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, error, match):
    kwargs = dict(kwargs)
    with pytest.raises(error, match=match):
        fairaudit.audit(
            kwargs.pop("y_true"),
            kwargs.pop("y_pred"),
            sensitive_features=["a", "b", "a"],
            task="regression",
            **kwargs,
        )


def test_undefined_values_have_reasons_and_the_caller_data_is_unchanged():
    y_true = np.array([1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    y_pred = np.array([1.5, 0.5, 1.0, 2.5, 2.0, 4.5, 6.0])
    g = np.array(["const", "const", "const", "one", "big", "big", "big"])
    before = (y_true.copy(), y_pred.copy(), g.copy())
    r = fairaudit.audit(
        y_true, y_pred, sensitive_features=g, task="regression", n_bootstrap=20, random_state=0
    )
    und = r.undefined.set_index(["group", "metric"])["reason"]
    assert "do not vary" in und[("const", "r2")]
    assert "group of one row" in und[("one", "r2")]
    for a, b in zip(before, (y_true, y_pred, g), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_same_random_state_gives_the_same_result_and_json_round_trips():
    jsonschema = pytest.importorskip("jsonschema")
    rng = np.random.default_rng(1)
    n = 400
    y = rng.normal(size=n)
    sf = {"a": rng.choice(["p", "q"], n), "b": rng.choice(["r", "s"], n)}
    kw = dict(
        sensitive_features=sf,
        sample_weight=rng.uniform(0.5, 2, n),
        task="regression",
        n_bootstrap=60,
        random_state=5,
    )
    y_pred = y + rng.normal(size=n)
    r1 = fairaudit.audit(y, y_pred, **kw)
    assert r1.config["task"] == "regression"
    doc = json.loads(r1.to_json())
    jsonschema.Draft7Validator(fairaudit.AuditResult.json_schema()).validate(doc)
    back = fairaudit.AuditResult.from_dict(doc)
    pd.testing.assert_frame_equal(back.by_group, r1.by_group, check_dtype=False)
    pd.testing.assert_frame_equal(back.criteria, r1.criteria, check_dtype=False)
    assert back.verdict == r1.verdict and back.settings.task == "regression"
    again = fairaudit.audit(y, y_pred, **kw)
    pd.testing.assert_frame_equal(again.intervals, r1.intervals)
    pd.testing.assert_frame_equal(again.criteria, r1.criteria)
    other = fairaudit.audit(y, y_pred, **dict(kw, random_state=6))
    assert not other.intervals.equals(r1.intervals)


def test_auto_chooses_regression_and_resolves_its_tolerances():
    rng = np.random.default_rng(2)
    y = rng.normal(size=200)
    g = rng.choice(["x", "y"], 200)
    r = fairaudit.audit(
        y,
        y + rng.normal(size=200),
        sensitive_features=g,
        tolerances={"smd": 0.5},
        n_bootstrap=0,
        random_state=0,
    )
    assert r.config["task"] == "regression"
    assert any("task 'regression' chosen from the data" in note for note in r.meta["notes"])
    assert r.criteria.set_index("criterion").loc["smd", "tolerance"] == 0.5
    # binary outcomes under "auto" keep the binary criteria and their tolerances
    b = fairaudit.audit(
        rng.integers(0, 2, 200),
        rng.integers(0, 2, 200),
        sensitive_features=g,
        tolerances={"demographic_parity_difference": 0.05},
        n_bootstrap=0,
    )
    assert b.config["tolerances"]["demographic_parity_difference"] == 0.05
    with pytest.raises(ValueError, match="unknown criterion 'smd'"):
        fairaudit.audit(
            rng.integers(0, 2, 200),
            rng.integers(0, 2, 200),
            sensitive_features=g,
            tolerances={"smd": 0.5},
            n_bootstrap=0,
        )


def test_one_group_compares_nothing_so_no_comparison_passes():
    # a group against itself is not a comparison: smd was 0 [0, 0] and PASS before
    rng = np.random.default_rng(3)
    y = rng.normal(size=80)
    r = fairaudit.audit(
        y,
        y + rng.normal(size=80),
        sensitive_features=["a"] * 80,
        task="regression",
        random_state=0,
        n_bootstrap=50,
    )
    crit = r.criteria.set_index("criterion")
    for name in ("smd", "ks_distance", "max_group_error_ratio", "scoring_rate_ratio"):
        assert np.isnan(crit.loc[name, "value"]), name
        assert crit.loc[name, "verdict"] == "n/a", name
        assert "fewer than two groups" in crit.loc[name, "reason"], name


def test_two_groups_gap_intervals_are_those_of_the_one_comparison():
    """With two groups the criteria mean_difference and smd and the disparities' gaps are
    |Δ| and |d| of the one pair: their intervals hold exactly the absolute values of the
    to-reference interval (covering the same truth), and they shrink with more rows."""
    rng = np.random.default_rng(4)
    widths = []
    for n in (60, 600):
        g = np.repeat(["a", "b"], [n, 4 * n])
        yp = rng.lognormal(0, 0.75, 5 * n) + (g == "a") * 1.0
        yt = yp + rng.normal(size=5 * n)
        r = fairaudit.audit(
            yt,
            yp,
            sensitive_features=g,
            task="regression",
            reference_group="b",
            n_bootstrap=300,
            random_state=0,
        )
        t = r.to_reference.set_index("metric")
        crit = r.criteria.set_index("criterion")
        for name, metric in (
            ("mean_difference", "mean_prediction"),
            ("smd", "standardized_mean_difference"),
        ):
            lo, hi = t.loc[metric, "difference_lower"], t.loc[metric, "difference_upper"]
            assert lo > 0  # a clear gap: |θ| has the same interval as θ
            assert crit.loc[name, "lower"] == pytest.approx(lo, abs=1e-12)
            assert crit.loc[name, "upper"] == pytest.approx(hi, abs=1e-12)
            d = r.disparities.loc[metric]
            assert d["difference_lower"] == pytest.approx(lo, abs=1e-12)
            assert d["difference_upper"] == pytest.approx(hi, abs=1e-12)
            assert lo <= abs(t.loc[metric, "difference"]) <= hi
        widths.append(crit.loc["smd", "upper"] - crit.loc["smd", "lower"])
    assert widths[1] < 0.5 * widths[0]


def test_a_small_group_without_errors_is_not_reported_as_certain():
    """Four rows predicted exactly: no spread in the group's errors, which is no evidence
    that they cannot vary. Its error intervals have width (the pooled variance stands in
    for the group's), its test against the reference is not significant, and the bounded
    group loss cannot pass a tolerance that the large group alone would meet."""
    rng = np.random.default_rng(0)
    g = np.repeat(np.array(["a", "b"]), [200, 4])
    y = rng.normal(size=204)
    pred = y + rng.normal(0.0, 0.5, size=204)
    pred[200:] = y[200:]
    r = fairaudit.audit(
        y,
        pred,
        sensitive_features=g,
        task="regression",
        n_bootstrap=300,
        random_state=0,
        tolerances={"bounded_group_loss": 0.4},
    )
    mse_a = mean_squared_error(y[:200], pred[:200])
    assert r.by_group.loc["b", "mean_squared_error"] == 0.0
    for m in ("mean_absolute_error", "mean_squared_error", "root_mean_squared_error"):
        assert r.intervals.loc["b", (m, "lower")] == 0.0
        assert r.intervals.loc["b", (m, "upper")] > 0.1, m
    np.testing.assert_allclose(
        r.intervals.loc["b", ("root_mean_squared_error", "upper")],
        np.sqrt(r.intervals.loc["b", ("mean_squared_error", "upper")]),
    )
    t = r.to_reference.set_index(["group", "metric"]).loc[("b", "mean_squared_error")]
    assert t["difference_lower"] < 0.0 < t["difference_upper"]
    assert t["ratio_lower"] == 0.0 and t["ratio_upper"] > 1.0
    assert not t["significant"]
    crit = r.criteria.set_index("criterion").loc["bounded_group_loss"]
    assert crit["value"] == pytest.approx(mse_a)
    assert crit["value"] < 0.4 < crit["upper"]
    assert crit["verdict"] == "inconclusive"


def test_predictions_that_are_all_exact_cannot_pass_a_loss_bound():
    """Twelve rows, every prediction exact: no row's error varies, in any group, so nothing
    estimates how far the groups' errors could be from 0. The bounded group loss is
    inconclusive with that reason (a point interval [0, 0] would PASS any tolerance), the
    error intervals and the Welch tests of the errors are undefined, not certain."""
    rng = np.random.default_rng(0)
    g = np.array(["a", "b"] * 6)
    y = rng.normal(size=12)
    r = fairaudit.audit(
        y,
        y.copy(),
        sensitive_features=g,
        task="regression",
        n_bootstrap=200,
        random_state=0,
        tolerances={"bounded_group_loss": 0.1},
    )
    crit = r.criteria.set_index("criterion").loc["bounded_group_loss"]
    assert crit["value"] == 0.0
    assert crit["verdict"] == "inconclusive"
    assert "every row has the same squared error" in crit["reason"]
    for m in ("mean_absolute_error", "mean_squared_error", "mean_error"):
        assert r.intervals[(m, "lower")].isna().all() and r.intervals[(m, "upper")].isna().all()
        row = r.to_reference.set_index("metric").loc[m]
        assert np.isnan(row["p_value"]) and not row["significant"], m
        assert np.isnan(row["difference_lower"]) and np.isnan(row["difference_upper"]), m
    row = r.to_reference.set_index("metric").loc["mean_squared_error"]
    assert np.isnan(row["ratio_lower"]) and np.isnan(row["ratio_upper"])
