"""Verdicts that cannot mislead: scores that are not probabilities, degenerate models, a PASS
only when something was evaluated, flags by denominator, each check counted once, the family
of the multiple-testing correction, and results that travel between processes."""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.svm import LinearSVC

import fairaudit
from fairaudit import _audit
from fairaudit.metrics import demographic_parity_ratio, four_fifths_ratio
from fairaudit.metrics._criteria import (
    CRITERIA,
    overall_verdict,
)


@pytest.fixture(scope="module")
def margins():
    """A linear SVM's margins (negative and positive) on two groups."""
    rng = np.random.default_rng(11)
    n = 1200
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    group = np.where(rng.random(n) < 0.4, "f", "m")
    y = (X["a"] + 0.5 * (group == "m") + rng.normal(size=n) > 0.3).astype(int)
    model = LinearSVC().fit(X, y)
    return model, X, y, group


# --------------------------------------------------------------- scores that are not probabilities
def test_audit_model_with_decision_function_scores(margins):
    model, X, y, group = margins
    result = fairaudit.audit_model(model, X, y, sensitive_features=group, random_state=0)
    margin = model.decision_function(X)
    assert margin.min() < 0 < margin.max()
    frame = pd.DataFrame({"g": group, "s": margin})
    means = frame.groupby("g")["s"].mean()
    assert result.by_group["mean_score"].to_dict() == pytest.approx(means.to_dict(), abs=1e-12)
    row = result.disparities.loc["mean_score"]
    assert row["difference"] == pytest.approx(means.max() - means.min(), abs=1e-12)
    # differences of margins mean something; their ratios do not
    for key in ("ratio", "ratio_to_overall", "ratio_to_reference", "ratio_lower", "ratio_upper"):
        assert np.isnan(row[key]), key
    assert np.isfinite(row["difference_lower"]) and np.isfinite(row["difference_upper"])
    ref = result.to_reference
    assert ref.loc[ref["metric"] == "mean_score", "ratio"].isna().all()
    # metrics that need probabilities are left out, each with its reason
    assert "brier_score" not in result.by_group
    undefined = result.undefined.set_index("metric")
    for metric in ("brier_score", "expected_calibration_error"):
        assert undefined.loc[metric, "group"] == "(all)"
        assert "not probabilities" in undefined.loc[metric, "reason"]
    # the AUC of margins is the AUC of any monotone transform of them
    from sklearn.metrics import roc_auc_score

    for g in ("f", "m"):
        sel = group == g
        assert result.by_group.loc[g, "roc_auc"] == pytest.approx(
            roc_auc_score(y[sel], margin[sel]), abs=1e-12
        )


def test_logits_with_threshold_zero(margins):
    model, X, y, group = margins
    logit = model.decision_function(X)
    result = fairaudit.audit(
        y, y_score=logit, threshold=0.0, sensitive_features=group, random_state=1
    )
    pred = (logit >= 0).astype(int)
    rates = pd.Series(pred).groupby(group).mean()
    assert result.by_group["selection_rate"].to_dict() == pytest.approx(rates.to_dict())
    assert result.verdict in ("pass", "fail", "inconclusive")


def test_positive_scores_outside_unit_interval_keep_their_ratios():
    rng = np.random.default_rng(3)
    n = 2000
    group = rng.choice(["a", "b"], n)
    score = rng.uniform(0, 100, n) + 10 * (group == "a")
    y = (rng.uniform(0, 110, n) < score).astype(int)
    result = fairaudit.audit(
        y, (score > 50).astype(int), y_score=score, sensitive_features=group, random_state=0
    )
    means = pd.Series(score).groupby(group).mean()
    row = result.disparities.loc["mean_score"]
    assert row["ratio"] == pytest.approx(means.min() / means.max(), abs=1e-12)


# --------------------------------------------------------------- degenerate models
def _two_groups(n=400, seed=0):
    rng = np.random.default_rng(seed)
    group = np.repeat(["a", "b"], n // 2)
    y = rng.integers(0, 2, n)
    return y, group


@pytest.mark.parametrize("label", [0, 1])
def test_one_class_for_everyone_is_never_a_pass(label):
    y, group = _two_groups()
    pred = np.full(len(y), label)
    with pytest.warns(UserWarning) as record:
        result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0)
    word = "positive" if label else "negative"
    expected = _audit.WARN_ONE_CLASS.format(label=word)
    assert expected in [str(w.message) for w in record]
    # every selection rate is equal, so the parity criteria all "pass" on their own ...
    crit = result.criteria.set_index("criterion")
    assert crit.loc["demographic_parity_difference", "verdict"] == "pass"
    assert "fail" not in set(crit["verdict"])
    # ... but the audit does not
    assert result.verdict == "inconclusive"
    assert result.degenerate == [expected]
    assert result.to_dict()["verdict"] == "inconclusive"


def test_one_class_in_every_group_is_named():
    y, group = _two_groups()
    pred = (group == "a").astype(int)
    with pytest.warns(UserWarning, match="every group receives a single prediction"):
        result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0)
    assert result.degenerate == [_audit.WARN_ONE_CLASS_PER_GROUP]
    assert result.verdict == "fail"  # selection rates 1 and 0: a clear failure stays one


def test_threshold_given_in_percent():
    rng = np.random.default_rng(5)
    n = 500
    group = rng.choice(["a", "b"], n)
    score = rng.random(n)
    y = (rng.random(n) < score).astype(int)
    with pytest.warns(UserWarning) as record:
        result = fairaudit.audit(
            y, y_score=score, threshold=50, sensitive_features=group, n_bootstrap=0
        )
    expected = _audit.WARN_THRESHOLD_OUTSIDE.format(
        threshold=50,
        side="above",
        lo=score.min(),
        hi=score.max(),
        label="negative",
        hint=" (a threshold given in percent? 0.5 is the same on a 0-1 scale)",
    )
    assert [str(w.message) for w in record] == [expected]
    assert result.verdict != "pass"
    assert result.by_group["selection_rate"].eq(0).all()


def test_threshold_below_every_score():
    rng = np.random.default_rng(6)
    score = rng.uniform(0.2, 0.9, 300)
    y = rng.integers(0, 2, 300)
    group = rng.choice(["a", "b"], 300)
    with pytest.warns(UserWarning, match="at or below every score"):
        result = fairaudit.audit(
            y, y_score=score, threshold=0.1, sensitive_features=group, n_bootstrap=0
        )
    assert result.verdict == "inconclusive"


def test_an_ordinary_model_is_not_called_degenerate():
    y, group = _two_groups()
    pred = y.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0)
    assert result.degenerate == []


def test_pass_needs_an_evaluated_criterion():
    # one group: no criterion can be evaluated (every disparity needs two groups)
    y, _ = _two_groups()
    result = fairaudit.audit(y, y, sensitive_features=["all"] * len(y), n_bootstrap=0)
    counts = result.verdict_counts
    assert counts["n/a"] == len(result.criteria) and counts["pass"] == 0
    assert result.verdict == "inconclusive"
    assert overall_verdict([]) == "inconclusive"
    assert overall_verdict(["n/a", "pass"]) == "pass"
    assert overall_verdict(["pass", "pass"], degenerate=True) == "inconclusive"
    assert overall_verdict(["pass", "fail"], degenerate=True) == "fail"
    assert overall_verdict(["pass", "inconclusive"]) == "inconclusive"


# --------------------------------------------------------------- flags by denominator
def test_denominators_count_the_rows_each_rate_rests_on():
    rng = np.random.default_rng(8)
    n = 3000
    group = rng.choice(["a", "b", "c"], n, p=[0.6, 0.38, 0.02])
    y = (rng.random(n) < np.where(group == "c", 0.2, 0.5)).astype(int)
    pred = (rng.random(n) < 0.4).astype(int)
    result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0)
    frame = pd.DataFrame({"g": group, "y": y, "p": pred})
    rows = frame.groupby("g").size()
    positives = frame.groupby("g")["y"].sum()
    predicted = frame.groupby("g")["p"].sum()
    negatives = rows - positives
    den = result.denominators
    assert den["selection_rate"].to_dict() == rows.astype(float).to_dict()
    assert den["true_positive_rate"].to_dict() == positives.astype(float).to_dict()
    assert den["false_negative_rate"].to_dict() == positives.astype(float).to_dict()
    assert den["false_positive_rate"].to_dict() == negatives.astype(float).to_dict()
    assert den["positive_predictive_value"].to_dict() == predicted.astype(float).to_dict()
    assert den["negative_predictive_value"].to_dict() == (rows - predicted).astype(float).to_dict()
    assert (
        den["balanced_accuracy"].to_dict()
        == np.minimum(positives, negatives).astype(float).to_dict()
    )
    assert den["count"].isna().all()
    few = result.few_observations
    assert few.to_dict() == ((den < 30) & den.notna()).to_dict()
    # group c has about 60 rows (not a small group) but only about 12 actual positives
    assert not result.groups.loc["c", "small"]
    assert few.loc["c", "true_positive_rate"] and not few.loc["c", "selection_rate"]
    assert not few.loc["a"].any()


def test_weighted_denominators_are_kish_effective_sizes():
    rng = np.random.default_rng(9)
    n = 800
    group = rng.choice(["a", "b"], n)
    y = rng.integers(0, 2, n)
    pred = rng.integers(0, 2, n)
    w = rng.lognormal(0.0, 1.0, n)
    result = fairaudit.audit(y, pred, sensitive_features=group, sample_weight=w, n_bootstrap=0)
    frame = pd.DataFrame({"g": group, "w": w, "w2": w * w})
    pos = frame[y == 1].groupby("g")[["w", "w2"]].sum()
    kish = pos["w"] ** 2 / pos["w2"]
    assert result.denominators["true_positive_rate"].to_dict() == pytest.approx(kish.to_dict())


def test_denominators_survive_the_json_round_trip_and_old_files_load():
    y, group = _two_groups()
    pred = np.r_[y[:300], 1 - y[300:]]
    result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0)
    back = fairaudit.AuditResult.from_json(result.to_json())
    pd.testing.assert_frame_equal(back.denominators, result.denominators, check_dtype=False)
    old = json.loads(result.to_json())
    old["schema_version"] = "1.0"
    for key in ("denominators", "verdict", "verdict_counts"):
        old.pop(key)
    legacy = fairaudit.AuditResult.from_dict(old)
    assert legacy.denominators.isna().all().all()
    assert not legacy.few_observations.any().any()
    assert legacy.verdict == result.verdict


# --------------------------------------------------------------- counted once
def test_four_fifths_rule_is_a_criterion_of_its_own():
    """The four-fifths rule compares each group with the highest selection rate and fails
    only on a significant difference; it is one row, next to the demographic parity ratio.
    (It used to be another name of that ratio.)"""
    y, group = _two_groups()
    pred = np.r_[np.ones(60, int), np.zeros(140, int), np.ones(120, int), np.zeros(80, int)]
    result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0)
    names = result.criteria["criterion"].tolist()
    assert names.count("four_fifths_rule") == 1 and names.count("demographic_parity_ratio") == 1
    assert len(names) == len(set(names)) == len(CRITERIA)
    counts = result.verdict_counts
    assert sum(counts.values()) == len(names)
    crit = result.criteria.set_index("criterion")
    # selection rates 0.3 and 0.6: ratio 0.5; z = 6.0 standard deviations (by hand:
    # pooled 0.45, se = sqrt(0.45 * 0.55 * 2 / 200) = 0.04975, (0.6 - 0.3) / se = 6.03)
    ff = crit.loc["four_fifths_rule"]
    assert ff["value"] == pytest.approx(0.5) == crit.loc["demographic_parity_ratio", "value"]
    assert ff["verdict"] == "fail" and ff["tolerance"] == 0.8
    assert ff["worst_group"] == "a" and ff["best_group"] == "b"
    assert "below 4/5 and significant: a (ratio 0.500, z = 6.03 SD)" in ff["reason"]
    assert 0 < ff["lower"] < 0.5 < ff["upper"] < 0.8
    assert four_fifths_ratio(y, pred, sensitive_features=group) == demographic_parity_ratio(
        y, pred, sensitive_features=group
    )


def test_four_fifths_rule_takes_the_highest_group_not_the_reference():
    y, group = _two_groups()
    pred = np.r_[np.ones(60, int), np.zeros(140, int), np.ones(120, int), np.zeros(80, int)]
    result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0, reference_group="a")
    ff = result.criteria.set_index("criterion").loc["four_fifths_rule"]
    assert ff["best_group"] == "b" and ff["value"] == pytest.approx(0.5)


def test_four_fifths_rule_on_small_numbers_is_inconclusive_not_fail():
    # 3 of 10 against 6 of 10: below 4/5 (0.5) but Fisher's exact p = 0.37
    group = np.repeat(["a", "b"], 10)
    pred = np.r_[np.ones(3, int), np.zeros(7, int), np.ones(6, int), np.zeros(4, int)]
    y = np.tile([0, 1], 10)
    result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0)
    ff = result.criteria.set_index("criterion").loc["four_fifths_rule"]
    assert ff["value"] == pytest.approx(0.5)
    assert ff["verdict"] == "inconclusive"
    assert "not significant (small numbers)" in ff["reason"] and "Fisher p = 0.37" in ff["reason"]
    # not below 4/5 by the estimate (5/10 vs 6/10: 0.83), but ten people per group cannot
    # show it is not: inconclusive, not a pass
    pred2 = np.r_[np.ones(5, int), np.zeros(5, int), np.ones(6, int), np.zeros(4, int)]
    ff2 = fairaudit.audit(y, pred2, sensitive_features=group, n_bootstrap=0).criteria
    row2 = ff2.set_index("criterion").loc["four_fifths_rule"]
    assert row2["value"] == pytest.approx(5 / 6) and row2["lower"] < 0.8
    assert row2["verdict"] == "inconclusive" and "too few observations" in row2["reason"]
    # the same rates on 1,000 people per group: 540/1000 vs 600/1000 (ratio 0.9), whose
    # interval stays above 4/5: a pass
    big = np.repeat(["a", "b"], 1000)
    pred3 = np.r_[np.ones(540, int), np.zeros(460, int), np.ones(600, int), np.zeros(400, int)]
    ff3 = (
        fairaudit.audit(np.tile([0, 1], 1000), pred3, sensitive_features=big, n_bootstrap=0)
        .criteria.set_index("criterion")
        .loc["four_fifths_rule"]
    )
    assert ff3["lower"] >= 0.8 and ff3["verdict"] == "pass"


def test_four_fifths_rule_has_its_own_tolerance():
    y, group = _two_groups()
    pred = np.r_[np.ones(85, int), np.zeros(115, int), np.ones(100, int), np.zeros(100, int)]
    result = fairaudit.audit(
        y, pred, sensitive_features=group, n_bootstrap=0, tolerances={"four_fifths_rule": 0.9}
    )
    crit = result.criteria.set_index("criterion")
    row = crit.loc["four_fifths_rule"]
    assert row["tolerance"] == 0.9 and row["value"] == pytest.approx(0.85)
    # 0.425 vs 0.5: below 0.9 of the top, but z = 1.50 SD < 2: not significant
    assert row["verdict"] == "inconclusive"
    assert crit.loc["demographic_parity_ratio", "tolerance"] == 0.8
    both = fairaudit.audit(
        y,
        pred,
        sensitive_features=group,
        n_bootstrap=0,
        tolerances={"demographic_parity_ratio": 0.8, "four_fifths_rule": 0.9},
    )
    assert both.criteria.set_index("criterion").loc["four_fifths_rule", "tolerance"] == 0.9


# --------------------------------------------------------------- the family of the correction
def _holm(p):
    """Holm's step-down adjustment from its definition (NaN left out)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


COMPLEMENT = {
    "true_negative_rate": "false_positive_rate",
    "false_negative_rate": "true_positive_rate",
    "false_discovery_rate": "positive_predictive_value",
    "false_omission_rate": "negative_predictive_value",
    "error_rate": "accuracy",
}


def test_correction_scopes_match_holm_on_their_families():
    rng = np.random.default_rng(12)
    n = 1500
    group = rng.choice(["a", "b", "c", "d"], n)
    y = rng.integers(0, 2, n)
    pred = (rng.random(n) < np.where(group == "d", 0.6, 0.45)).astype(int)
    by_metric = fairaudit.audit(
        y, pred, sensitive_features=group, n_bootstrap=0, correction_scope="metric"
    ).to_reference
    for _, part in by_metric.groupby("metric"):
        np.testing.assert_allclose(part["p_adjusted"], _holm(part["p_value"]), rtol=1e-12)
    result = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=0)
    assert result.config["correction_scope"] == "all"
    ref = result.to_reference
    tested = ref[ref["p_value"].notna() & ~ref["metric"].isin(list(COMPLEMENT))]
    expected = pd.Series(_holm(tested["p_value"]), index=tested.index)
    np.testing.assert_allclose(ref.loc[tested.index, "p_adjusted"], expected, rtol=1e-12)
    # a complement has its partner's adjusted p-value
    for metric, partner in COMPLEMENT.items():
        a = ref[ref["metric"] == metric].set_index("group")["p_adjusted"]
        b = ref[ref["metric"] == partner].set_index("group")["p_adjusted"]
        np.testing.assert_allclose(a, b.loc[a.index], rtol=1e-12)
    with pytest.raises(ValueError, match="correction_scope must be one of all, metric"):
        fairaudit.audit(y, pred, sensitive_features=group, correction_scope="groups")


def test_identical_groups_are_rarely_flagged_with_the_whole_family():
    """Two groups drawn from one distribution: with the whole family adjusted, the chance of
    any 'significant' flag is at most alpha (Holm controls the family-wise error); per metric
    it is several times larger."""
    rng = np.random.default_rng(2024)
    n_sets, n = 300, 400
    flagged = {"all": 0, "metric": 0}
    group = np.repeat(["a", "b"], n // 2)
    for _ in range(n_sets):
        y = rng.integers(0, 2, n)
        pred = (rng.random(n) < 0.3 + 0.4 * y).astype(int)
        for scope in flagged:
            r = fairaudit.audit(
                y, pred, sensitive_features=group, n_bootstrap=0, correction_scope=scope
            )
            flagged[scope] += bool(r.to_reference["significant"].any())
    se = np.sqrt(0.05 * 0.95 / n_sets)
    assert flagged["all"] / n_sets <= 0.05 + 3 * se
    assert flagged["metric"] / n_sets > 0.05 + 3 * se


# --------------------------------------------------------------- results travel
def _audit_seeded(seed):
    rng = np.random.default_rng(seed)
    n = 600
    group = rng.choice(["a", "b"], n)
    y = rng.integers(0, 2, n)
    return fairaudit.audit(
        y, rng.integers(0, 2, n), sensitive_features=group, n_bootstrap=50, random_state=seed
    )


def test_result_pickles_and_copies():
    result = _audit_seeded(0)
    for clone in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result), copy.copy(result)):
        assert isinstance(clone, fairaudit.AuditResult)
        assert clone.to_dict() == result.to_dict()
        with pytest.raises(AttributeError):
            clone.verdict = "pass"


def test_results_come_back_from_worker_processes():
    results = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(_audit_seeded)(seed) for seed in range(3)
    )
    for seed, r in enumerate(results):
        assert r.to_dict()["by_group"] == _audit_seeded(seed).to_dict()["by_group"]


def test_json_has_the_verdict_at_the_top():
    result = _audit_seeded(1)
    d = json.loads(result.to_json())
    assert d["verdict"] == result.verdict
    assert d["verdict_counts"] == result.verdict_counts
    assert sum(d["verdict_counts"].values()) == len(result.criteria)


def test_auc_intervals_stay_between_0_and_1():
    """Perfect separation, but some positives and negatives share a histogram bin: the exact
    AUC is 1 and the replicates, shifted by the binning error, must not rise above 1."""
    rng = np.random.default_rng(21)
    k = 40
    neg = np.r_[rng.uniform(0.1, 0.5, k), np.full(6, 0.602)]
    pos = np.r_[rng.uniform(0.7, 0.95, k), np.full(6, 0.603)]  # bin [0.600, 0.605) shared
    score = np.r_[neg, pos]
    y = np.r_[np.zeros(len(neg), int), np.ones(len(pos), int)]
    group = np.tile(["a", "b"], len(y) // 2)
    result = fairaudit.audit(
        y,
        (score > 0.6).astype(int),
        y_score=score,
        sensitive_features=group,
        n_bootstrap=300,
        random_state=0,
    )
    assert result.by_group["roc_auc"].eq(1.0).all()
    bounds = result.intervals["roc_auc"].to_numpy()
    assert (bounds >= 0).all() and (bounds <= 1).all()
    assert result.overall_intervals.loc["roc_auc", "upper"] <= 1
