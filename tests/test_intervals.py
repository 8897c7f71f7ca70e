"""Uncertainty: bootstrap coverage on simulated data with known truth, Wilson intervals against
scipy, the Bayesian bootstrap of the statistics against a row bootstrap, and the
multiple-comparison adjustments against their definitions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest, fisher_exact

import fairaudit
from fairaudit.metrics._bootstrap import confusion_replicates
from fairaudit.metrics._intervals import percentile_interval, range_interval, wilson_interval
from fairaudit.metrics._registry import count_metrics
from fairaudit.metrics._significance import adjust_pvalues, two_proportion_pvalues
from fairaudit.metrics._stats import count_confusion


def _simulate(rng, n, p_y, p_pred_given_y, n_groups=1):
    codes = rng.integers(0, n_groups, n)
    y = (rng.random(n) < p_y).astype(np.int8)
    pred = (rng.random(n) < np.where(y == 1, p_pred_given_y[1], p_pred_given_y[0])).astype(np.int8)
    return codes, y, pred


def test_bootstrap_interval_covers_true_rate_about_95_percent():
    """Seed 20240601; 1000 simulated data sets of 400 rows; true TPR 0.7, selection 0.44."""
    rng = np.random.default_rng(20240601)
    true_tpr = 0.7
    true_sel = 0.4 * 0.7 + 0.6 * 0.2667
    hits_tpr = hits_sel = 0
    reps = 1000
    for _ in range(reps):
        codes, y, pred = _simulate(rng, 400, 0.4, (0.2667, 0.7))
        stats = count_confusion(codes, 1, y, pred)
        vals, _ = confusion_replicates(
            stats, ("true_positive_rate", "selection_rate"), 1000, rng, weighted=False
        )
        lo, hi = percentile_interval(vals["true_positive_rate"], 0.95)
        hits_tpr += lo[0] <= true_tpr <= hi[0]
        lo, hi = percentile_interval(vals["selection_rate"], 0.95)
        hits_sel += lo[0] <= true_sel <= hi[0]
    assert 0.93 <= hits_tpr / reps <= 0.97
    assert 0.93 <= hits_sel / reps <= 0.97


def test_audit_interval_is_the_statistics_bootstrap():
    """The public intervals are those of the statistics-level bootstrap (same generator):
    a rate's interval is the exact Jeffreys interval that its replicates are drawn from
    (scipy's beta quantiles), other metrics take the replicates' percentiles."""
    from scipy.stats import beta

    rng = np.random.default_rng(1)
    codes, y, pred = _simulate(rng, 2000, 0.3, (0.1, 0.8), n_groups=3)
    r = fairaudit.audit(y, pred, sensitive_features=codes, n_bootstrap=300, random_state=11)
    stats = count_confusion(codes.astype(np.int64), 3, y, pred)
    correct = stats.n[:, 0] + stats.n[:, 3]
    lo = beta.ppf(0.025, correct + 0.5, stats.n.sum(axis=1) - correct + 0.5)
    hi = beta.ppf(0.975, correct + 0.5, stats.n.sum(axis=1) - correct + 0.5)
    np.testing.assert_allclose(r.intervals[("accuracy", "lower")].to_numpy(), lo, rtol=1e-12)
    np.testing.assert_allclose(r.intervals[("accuracy", "upper")].to_numpy(), hi, rtol=1e-12)
    # the audit's generator for a single feature is the first child of its seed; the
    # reference group (the largest) is drawn first
    child = np.random.default_rng(np.random.SeedSequence(11).spawn(1)[0])
    ref = int(np.argmax(stats.n.sum(axis=1)))
    order = np.r_[ref, np.delete(np.arange(3), ref)]
    perm = type(stats)(stats.n[order], stats.w[order], stats.w2[order])
    reps, _ = confusion_replicates(perm, ("balanced_accuracy",), 300, child, weighted=False)
    lo, hi = percentile_interval(reps["balanced_accuracy"], 0.95)
    back = np.argsort(order)
    np.testing.assert_allclose(
        r.intervals[("balanced_accuracy", "lower")].to_numpy(), lo[back], atol=1e-15
    )
    np.testing.assert_allclose(
        r.intervals[("balanced_accuracy", "upper")].to_numpy(), hi[back], atol=1e-15
    )


def test_statistics_bootstrap_matches_row_bootstrap_in_distribution():
    """The Bayesian bootstrap of the counts spreads like resampling the rows: compare the
    replicate mean and sd of a group's FPR with an explicit row-level bootstrap (2000
    replicates each; tolerance 3 MC SEs for the mean, 10% for the sd)."""
    rng = np.random.default_rng(5)
    codes, y, pred = _simulate(rng, 600, 0.5, (0.3, 0.8))
    stats = count_confusion(codes, 1, y, pred)
    reps, _ = confusion_replicates(stats, ("false_positive_rate",), 2000, rng, weighted=False)
    ours = reps["false_positive_rate"][:, 0]
    idx = rng.integers(0, 600, size=(2000, 600))
    yy, pp = y[idx], pred[idx]
    rows = ((pp == 1) & (yy == 0)).sum(axis=1) / (yy == 0).sum(axis=1)
    se_mean = rows.std() / np.sqrt(2000)
    assert abs(ours.mean() - rows.mean()) < 3 * np.sqrt(2) * se_mean
    assert ours.std() == pytest.approx(rows.std(), rel=0.1)


def test_weighted_bootstrap_matches_row_bootstrap_sd():
    rng = np.random.default_rng(9)
    n = 800
    codes, y, pred = _simulate(rng, n, 0.5, (0.3, 0.7))
    w = rng.gamma(2.0, 1.0, n)
    stats = count_confusion(codes, 1, y, pred, w)
    reps, _ = confusion_replicates(stats, ("selection_rate",), 2000, rng, weighted=True)
    ours = reps["selection_rate"][:, 0]
    idx = rng.integers(0, n, size=(2000, n))
    rows = (w[idx] * pred[idx]).sum(axis=1) / w[idx].sum(axis=1)
    assert ours.std() == pytest.approx(rows.std(), rel=0.1)
    assert abs(ours.mean() - rows.mean()) < 4 * rows.std() / np.sqrt(1000)


def test_wilson_matches_scipy():
    for k, n in [(0, 10), (3, 10), (10, 10), (57, 300), (1, 2)]:
        lo, hi = wilson_interval(np.array([k]), np.array([n]), 0.95)
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert lo[0] == pytest.approx(ci.low, abs=1e-12)
        assert hi[0] == pytest.approx(ci.high, abs=1e-12)
    lo, hi = wilson_interval(np.array([0.0]), np.array([0.0]), 0.95)
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_wilson_option_in_audit():
    y = np.array([1] * 30 + [0] * 70)
    pred = np.array([1] * 20 + [0] * 10 + [1] * 7 + [0] * 63)
    r = fairaudit.audit(
        y, pred, sensitive_features=np.zeros(100), ci_method="wilson", n_bootstrap=0
    )
    ci = binomtest(20, 30).proportion_ci(method="wilson")
    assert r.intervals[("true_positive_rate", "lower")].iloc[0] == pytest.approx(ci.low)
    assert r.intervals[("true_positive_rate", "upper")].iloc[0] == pytest.approx(ci.high)
    assert r.config["ci_method"] == "wilson"
    crit = r.criteria
    assert crit["lower"].isna().all()
    assert (crit.loc[crit.verdict != "n/a", "reason"].str.contains("point estimate")).all()


@pytest.mark.parametrize("true_gap", [0.0, 0.08])
def test_disparity_interval_covers_true_difference(true_gap):
    """Three groups; the simultaneous interval for max - min covers the truth >= 93%
    (it is conservative by construction) without being vacuous: its mean width stays below
    that of the Bonferroni envelope 2 z(1 - 0.05/6) SE of the widest pairwise difference
    of proportions (closed form). Seed 77, 1500 repetitions (a Monte-Carlo SE of 0.006)."""
    from scipy.stats import norm

    rng = np.random.default_rng(77)
    rates = np.array([0.3, 0.3 + true_gap / 2, 0.3 + true_gap])
    hits = 0
    widths = []
    reps = 1500
    for _ in range(reps):
        codes = np.repeat(np.arange(3), 300)
        y = np.ones(900, dtype=np.int8)
        pred = (rng.random(900) < rates[codes]).astype(np.int8)
        stats = count_confusion(codes, 3, y, pred)
        est = count_metrics(stats.n, stats.w, ("selection_rate",))["selection_rate"]
        rep = confusion_replicates(stats, ("selection_rate",), 500, rng, weighted=False)[0][
            "selection_rate"
        ]
        lo, hi = range_interval([est], [rep], 0.95)
        hits += lo <= true_gap <= hi
        widths.append(float(hi - lo))
    assert hits / reps >= 0.93
    se_pair = np.sqrt((rates[0] * (1 - rates[0]) + rates[2] * (1 - rates[2])) / 300)
    envelope = 2 * norm.ppf(1 - 0.05 / 6) * se_pair
    assert np.mean(widths) < envelope
    assert max(widths) < 1.5 * envelope


def test_ratio_interval_brackets_estimate():
    rng = np.random.default_rng(3)
    g = rng.choice(["a", "b"], 4000)
    pred = (rng.random(4000) < np.where(g == "a", 0.3, 0.5)).astype(int)
    r = fairaudit.audit(pred, pred, sensitive_features=g, n_bootstrap=500, random_state=0)
    row = r.criteria.set_index("criterion").loc["demographic_parity_ratio"]
    assert row["lower"] <= row["value"] <= row["upper"]
    assert row["value"] == pytest.approx(0.6, abs=0.05)
    assert row["verdict"] == "fail"


def test_two_proportion_test_matches_closed_form_and_fisher():
    # z-test: (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2))
    from scipy.stats import norm

    p = two_proportion_pvalues(np.array([40.0]), np.array([100.0]), 25.0, 100.0, exact=False)
    pooled = 65 / 200
    z = (0.40 - 0.25) / np.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert p[0] == pytest.approx(2 * norm.sf(z), rel=1e-12)
    # small counts: Fisher's exact test
    p = two_proportion_pvalues(np.array([1.0]), np.array([8.0]), 6.0, 9.0, exact=True)
    assert p[0] == pytest.approx(fisher_exact([[1, 7], [6, 3]]).pvalue, rel=1e-12)


def test_holm_and_bh_match_their_definitions():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.2])
    holm = adjust_pvalues(p, "holm")
    # sorted: 0.01, 0.03, 0.04, 0.2 (m = 4): 4*0.01, max(.04, 3*.03), max(.09, 2*.04), max(., .2)
    np.testing.assert_allclose(holm, [0.04, 0.09, 0.09, np.nan, 0.2])
    bh = adjust_pvalues(p, "bh")
    # BH: p_(i) * m / i, then running minimum from the top
    # sorted 0.01, 0.03, 0.04, 0.2 -> 0.04, 0.06, 0.0533, 0.2 -> min from the top
    np.testing.assert_allclose(bh, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, np.nan, 0.2])
    assert np.array_equal(adjust_pvalues(p, "none")[[0, 1, 2, 4]], p[[0, 1, 2, 4]])


def test_significance_flags_a_real_difference_only():
    rng = np.random.default_rng(0)
    g = np.repeat(["ref", "same", "diff"], [3000, 1000, 1000])
    rate = np.select([g == "diff"], [0.6], 0.4)
    pred = (rng.random(len(g)) < rate).astype(int)
    r = fairaudit.audit(pred, pred, sensitive_features=g, reference_group="ref", n_bootstrap=0)
    tr = r.to_reference.set_index(["group", "metric"])
    assert tr.loc[("diff", "selection_rate"), "significant"]
    assert tr.loc[("diff", "selection_rate"), "p_adjusted"] < 1e-10
    assert tr.loc[("same", "selection_rate"), "p_value"] > 0.001


def test_ratio_with_a_zero_rate_uses_the_exact_upper_limit():
    """One group selects nobody (0 of 100), the other half of 400: the ratio is 0 and its
    upper bound is the Clopper-Pearson limit 1 - 0.025**(1/100) over the other group's
    lower percentile, well below the four-fifths line: a clear fail, not inconclusive."""
    g = np.array(["a"] * 100 + ["b"] * 400)
    pred = np.r_[np.zeros(100, int), np.tile([0, 1], 200)]
    r = fairaudit.audit(pred, pred, sensitive_features=g, n_bootstrap=500, random_state=0)
    row = r.criteria.set_index("criterion").loc["demographic_parity_ratio"]
    assert row["value"] == 0.0
    assert row["lower"] == 0.0
    cp_upper = 1 - 0.025 ** (1 / 100)
    assert cp_upper / 0.5 < row["upper"] < cp_upper / 0.4
    assert row["verdict"] == "fail"
    # a tiny group with no selections cannot be told apart from the others
    small = fairaudit.audit(
        np.r_[np.zeros(3, int), pred[100:]],
        np.r_[np.zeros(3, int), pred[100:]],
        sensitive_features=np.r_[["a"] * 3, ["b"] * 400],
        n_bootstrap=500,
        random_state=0,
    )
    assert small.criteria.set_index("criterion").loc["demographic_parity_ratio", "verdict"] == (
        "inconclusive"
    )


def test_jeffreys_interval_is_closed_at_zero_and_one():
    """scipy's beta quantiles, except a lower limit of 0 with no successes and an upper
    limit of 1 with no failures; exact binomial coverage never below the equal-tailed one."""
    from scipy.stats import beta, binom

    from fairaudit.metrics._intervals import jeffreys_interval

    n = np.full(11, 10.0)
    x = np.arange(11.0)
    lo, hi = jeffreys_interval(x, n, 0.95)
    lo_eq, hi_eq = beta.ppf(0.025, x + 0.5, n - x + 0.5), beta.ppf(0.975, x + 0.5, n - x + 0.5)
    assert lo[0] == 0.0 and hi[-1] == 1.0
    assert lo_eq[0] > 0.0 and hi_eq[-1] < 1.0  # the equal-tailed limits do not reach them
    np.testing.assert_allclose(lo[1:], lo_eq[1:], rtol=1e-12)
    np.testing.assert_allclose(hi[:-1], hi_eq[:-1], rtol=1e-12)
    for p in (1e-4, 0.001, 0.01, 0.3, 0.999):
        pmf = binom.pmf(x, 10, p)
        ours = pmf[(lo <= p) & (p <= hi)].sum()
        equal_tailed = pmf[(lo_eq <= p) & (p <= hi_eq)].sum()
        assert ours >= equal_tailed - 1e-15
    assert pmf[(lo <= 0.999) & (0.999 <= hi)].sum() > 0.99  # a rate near 1 is covered
    assert np.isnan(jeffreys_interval(np.array([0.0]), np.array([0.0]), 0.95)[0][0])


def test_a_group_rate_of_zero_lies_inside_its_interval():
    """A group with no positive decisions: selection rate 0, interval [0, upper > 0]."""
    rng = np.random.default_rng(3)
    group = np.repeat(np.array(["a", "b"]), [200, 12])
    y = rng.integers(0, 2, size=212)
    pred = np.where(group == "a", rng.integers(0, 2, size=212), 0)
    r = fairaudit.audit(y, pred, sensitive_features=group, n_bootstrap=200, random_state=0)
    assert r.by_group.loc["b", "selection_rate"] == 0.0
    assert r.intervals.loc["b", ("selection_rate", "lower")] == 0.0
    assert 0.0 < r.intervals.loc["b", ("selection_rate", "upper")] < 1.0


def test_percentile_intervals_hold_values_at_the_edge_of_their_range():
    """A group with no positive decisions and one with perfect decisions.

    The ratio of the first group's selection rate to the reference's is exactly 0, and
    the second group's balanced accuracy is exactly 1. The smoothed bootstrap never
    reaches either edge, so a plain percentile interval would exclude both values.
    """
    rng = np.random.default_rng(4)
    group = np.repeat(np.array(["a", "b", "c"]), [300, 15, 25])
    y = rng.integers(0, 2, size=340)
    pred = np.where(group == "a", rng.integers(0, 2, size=340), np.where(group == "b", 0, y))
    r = fairaudit.audit(
        y, pred, sensitive_features=group, reference_group="a", n_bootstrap=300, random_state=0
    )
    t = r.to_reference.set_index(["group", "metric"])
    assert t.loc[("b", "selection_rate"), "ratio"] == 0.0
    assert t.loc[("b", "selection_rate"), "ratio_lower"] == 0.0
    assert t.loc[("b", "selection_rate"), "ratio_upper"] > 0.0
    assert r.by_group.loc["c", "balanced_accuracy"] == 1.0
    assert r.intervals.loc["c", ("balanced_accuracy", "upper")] == 1.0
    assert r.intervals.loc["c", ("balanced_accuracy", "lower")] < 1.0


@pytest.mark.parametrize("seed", [0, 9, 26])
def test_the_overall_calibration_error_lies_inside_its_interval(seed):
    """Calibrated scores: the calibration error of all rows is small and biased upwards in
    the resamples, so that its percentile interval can lie wholly above it; the reported
    interval is extended to hold it (these seeds' plain percentile intervals do not)."""
    rng = np.random.default_rng(seed)
    n = 3000
    g = rng.choice(["a", "b", "c"], n)
    s = rng.random(n)
    y = (rng.random(n) < s).astype(int)
    r = fairaudit.audit(
        y,
        (s > 0.5).astype(int),
        y_score=s,
        sensitive_features=g,
        n_bootstrap=200,
        random_state=seed,
    )
    value = r.overall["expected_calibration_error"]
    lo, hi = r.overall_intervals.loc["expected_calibration_error", ["lower", "upper"]]
    assert lo <= value <= hi
    assert lo < hi
