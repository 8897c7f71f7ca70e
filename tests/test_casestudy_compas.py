"""Tests of the COMPAS case study against independent oracles.

Oracles: confusion counts tabulated here with pandas from the raw rows; the figures
published by ProPublica (notebook truth tables: 44.85% / 23.45% FPR, 27.99% / 47.72% FNR;
article: 44.9% / 23.5%, 28.0% / 47.7%); scipy's Wilson and relative-risk intervals;
Newcombe's (1998) worked example; a brute-force threshold search written here.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from scipy.stats.contingency import relative_risk

from fairaudit.casestudies import compas
from fairaudit.casestudies.compas import analysis as A
from fairaudit.datasets import load_compas, propublica_filter

ROOT = pathlib.Path(__file__).resolve().parents[1]
AA, WHITE = "African-American", "Caucasian"


@pytest.fixture(scope="module")
def res():
    return compas.results(quick=True, random_state=0)


@pytest.fixture(scope="module")
def raw():
    return load_compas()


def _counts(df: pd.DataFrame, outcome: str = "two_year_recid") -> pd.DataFrame:
    """Confusion counts per race computed directly with pandas (the test's own oracle)."""
    frame = pd.DataFrame(
        {
            "race": df["race"].astype(str),
            "y": df[outcome],
            "pred": (df["score_text"] != "Low").astype(int),
        }
    )
    return frame.groupby("race").apply(
        lambda g: pd.Series(
            {
                "fp": ((g.pred == 1) & (g.y == 0)).sum(),
                "tn": ((g.pred == 0) & (g.y == 0)).sum(),
                "fn": ((g.pred == 0) & (g.y == 1)).sum(),
                "tp": ((g.pred == 1) & (g.y == 1)).sum(),
            }
        ),
        include_groups=False,
    )


# --------------------------------------------------------------------------------------
# ProPublica's error rates
# --------------------------------------------------------------------------------------
def test_audited_error_rates_equal_direct_counts_on_filtered_rows(res, raw):
    counts = _counts(propublica_filter(raw))
    fpr = counts["fp"] / (counts["fp"] + counts["tn"])
    fnr = counts["fn"] / (counts["fn"] + counts["tp"])
    for audit, groups in (
        (res["audit_race"], [AA, WHITE]),
        (res["audit_race_all"], [AA, WHITE, "Hispanic", "Other"]),
    ):
        by_group = audit.by_group
        for g in groups:
            assert by_group.loc[g, "false_positive_rate"] == pytest.approx(fpr[g], abs=1e-12)
            assert by_group.loc[g, "false_negative_rate"] == pytest.approx(fnr[g], abs=1e-12)
            assert by_group.loc[g, "count"] == counts.loc[g].sum()
    # the numbers ProPublica's R analysis works with, as counts
    assert counts.loc[AA].to_dict() == {"fp": 641, "tn": 873, "fn": 473, "tp": 1188}
    assert counts.loc[WHITE].to_dict() == {"fp": 282, "tn": 999, "fn": 408, "tp": 414}
    # the direct table of the case study agrees too
    rates = res["error_rates"]
    np.testing.assert_allclose(rates.loc[fpr.index, "false_positive_rate"], fpr, atol=1e-12)
    np.testing.assert_allclose(rates.loc[fnr.index, "false_negative_rate"], fnr, atol=1e-12)


def test_audit_excludes_groups_too_small_for_stable_rates(res):
    groups = set(res["audit_race_all"].by_group.index)
    assert groups == {AA, WHITE, "Hispanic", "Other"}


def test_fpr_about_twice_and_fnr_the_other_way_with_intervals(res):
    fpr, fnr = res["fpr_ratio"], res["fnr_ratio"]
    assert 1.8 < fpr["value"] < 2.05
    assert 1.5 < fpr["lower"] < fpr["value"] < fpr["upper"] < 2.3
    assert 1.5 < fnr["lower"] < fnr["value"] < fnr["upper"]  # Caucasian FNR / African-American
    ref = res["audit_race"].to_reference
    row = ref[(ref["group"] == AA) & (ref["metric"] == "false_positive_rate")].iloc[0]
    assert row["ratio"] == pytest.approx(fpr["value"], rel=1e-12)
    assert row["ratio_lower"] > 1.5 and row["ratio_upper"] < 2.3  # bootstrap interval
    assert bool(row["significant"])


# --------------------------------------------------------------------------------------
# the published figures and the subset they come from
# --------------------------------------------------------------------------------------
NOTEBOOK = {"fpr": {AA: 44.85, WHITE: 23.45}, "fnr": {AA: 27.99, WHITE: 47.72}}
ARTICLE = {"fpr": {AA: 44.9, WHITE: 23.5}, "fnr": {AA: 28.0, WHITE: 47.7}}


def test_published_figures_reproduced_on_all_rows_with_two_year_outcome(res, raw):
    counts = _counts(raw)
    fpr = 100 * counts["fp"] / (counts["fp"] + counts["tn"])
    fnr = 100 * counts["fn"] / (counts["fn"] + counts["tp"])
    for g in (AA, WHITE):
        assert round(fpr[g], 2) == NOTEBOOK["fpr"][g]
        assert round(fnr[g], 2) == NOTEBOOK["fnr"][g]
    # the same through fairaudit.audit on the same rows
    by_group = res["audit_published"].by_group
    for g in (AA, WHITE):
        assert round(100 * by_group.loc[g, "false_positive_rate"], 2) == NOTEBOOK["fpr"][g]
        assert round(100 * by_group.loc[g, "false_negative_rate"], 2) == NOTEBOOK["fnr"][g]
        # the article's one-decimal figures: the notebook's, rounded half up
        for key, column in (("fpr", "false_positive_rate"), ("fnr", "false_negative_rate")):
            two = round(100 * by_group.loc[g, column], 2)
            assert np.floor(two * 10 + 0.5 + 1e-9) / 10 == pytest.approx(ARTICLE[key][g])
    # the notebook's population total: 2681 + 1282 + 1216 + 2035 defendants
    assert len(raw) == 2681 + 1282 + 1216 + 2035


def test_published_subset_is_identified_and_unique(res):
    subsets = res["published_subsets"]
    assert res["published_subset"] == "all rows"
    assert subsets["matches_published_2dp"].sum() == 1
    assert subsets["matches_published_1dp"].sum() == 1
    assert subsets.loc["all rows", "n_rows"] == 7214
    assert subsets.loc["ProPublica filter", "n_rows"] == 6172
    # the filtered rows give visibly different numbers
    filtered = subsets.loc["ProPublica filter"]
    assert round(100 * filtered["fpr_african_american"], 1) == 42.3
    assert round(100 * filtered["fnr_caucasian"], 1) == 49.6


def test_published_subsets_needs_the_unfiltered_rows(raw):
    with pytest.raises(ValueError) as err:
        A.published_subsets(propublica_filter(raw))
    assert str(err.value) == A.SUBSETS_ERROR.format(n=6172)


# --------------------------------------------------------------------------------------
# Northpointe's calibration
# --------------------------------------------------------------------------------------
def test_calibration_rates_match_a_direct_groupby(res, raw):
    f = propublica_filter(raw)
    f = f[f["race"].isin([AA, WHITE])]
    direct = f.groupby([f["decile_score"], f["race"].astype(str)])["two_year_recid"].agg(
        ["size", "mean"]
    )
    cal = res["calibration"].set_index(["decile", "race"])
    for (decile, race), row in direct.iterrows():
        assert cal.loc[(decile, race), "n"] == row["size"]
        assert cal.loc[(decile, race), "rate"] == pytest.approx(row["mean"], abs=1e-12)
    assert (cal["lower"] <= cal["rate"]).all() and (cal["rate"] <= cal["upper"]).all()


def test_calibrated_within_groups_while_fpr_ratio_near_two(res):
    diffs = res["calibration_differences"]
    enough = diffs[diffs["enough_data"]]
    assert list(enough.index) == [1, 2, 3, 4, 5, 6, 7]  # >= 100 defendants of each group
    assert enough["difference"].abs().max() < 0.08
    # every interval covers zero: no decile shows a detectable calibration gap
    assert ((enough["lower"] < 0) & (enough["upper"] > 0)).all()
    # and the intervals are informative, not vacuous
    assert (enough["upper"] - enough["lower"]).max() < 0.25
    # while the FPR ratio is near 2 with an interval far from 1
    assert 1.7 < res["fpr_ratio"]["lower"] and res["fpr_ratio"]["upper"] < 2.2


def test_wilson_interval_matches_scipy():
    k = np.array([0, 1, 17, 50, 99, 100])
    n = np.array([10, 10, 60, 100, 100, 100])
    lo, hi = A.wilson_interval(k, n, 0.95)
    for i in range(len(k)):
        ci = binomtest(int(k[i]), int(n[i])).proportion_ci(0.95, method="wilson")
        assert lo[i] == pytest.approx(ci.low, abs=1e-12)
        assert hi[i] == pytest.approx(ci.high, abs=1e-12)
    lo, hi = A.wilson_interval([0], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_newcombe_interval_matches_the_published_example():
    # Newcombe (1998), example 56/70 - 48/80, method 10: 0.0524 to 0.3339
    lo, hi = A.newcombe_interval(56, 70, 48, 80)
    assert round(float(lo), 4) == 0.0524
    assert round(float(hi), 4) == 0.3339


def test_ratio_interval_matches_scipy_relative_risk():
    value, lo, hi = A.ratio_interval(641, 1514, 282, 1281, 0.95)
    rr = relative_risk(641, 1514, 282, 1281)
    ci = rr.confidence_interval(0.95)
    assert value == pytest.approx(rr.relative_risk, rel=1e-12)
    assert lo == pytest.approx(ci.low, rel=1e-9)
    assert hi == pytest.approx(ci.high, rel=1e-9)


def test_confidence_level_is_checked():
    for bad in (0, 1, 1.5, "0.95"):
        with pytest.raises(ValueError) as err:
            A.wilson_interval(1, 2, bad)
        assert str(err.value) == A.CONFIDENCE_ERROR.format(value=bad)


# --------------------------------------------------------------------------------------
# the impossibility identity
# --------------------------------------------------------------------------------------
def test_identity_holds_on_the_audited_numbers(res):
    for key in ("audit_race", "audit_race_all", "audit_sex", "audit_published"):
        bg = res[key].by_group
        p = bg["base_rate"]
        ppv = bg["positive_predictive_value"]
        fnr = bg["false_negative_rate"]
        implied = p / (1 - p) * (1 - ppv) / ppv * (1 - fnr)
        np.testing.assert_allclose(implied, bg["false_positive_rate"], rtol=0, atol=1e-12)
    assert res["identity_max_error"] <= 1e-12
    table = res["impossibility"]
    assert set(table.index) == {AA, WHITE}
    # equal-ish PPV, unequal base rates -> unequal FPR: the mechanism, in numbers
    assert (
        abs(
            table.loc[AA, "positive_predictive_value"]
            - table.loc[WHITE, "positive_predictive_value"]
        )
        < 0.08
    )
    assert table.loc[AA, "base_rate"] - table.loc[WHITE, "base_rate"] > 0.1


# --------------------------------------------------------------------------------------
# threshold adjustment for equalized odds
# --------------------------------------------------------------------------------------
def _rates_at(df, group, t):
    g = df[df["race"] == group]
    pred = g["decile_score"] >= t
    y = g["two_year_recid"] == 1
    return {
        "fpr": (pred & ~y).sum() / (~y).sum(),
        "tpr": (pred & y).sum() / y.sum(),
        "ppv": (pred & y).sum() / pred.sum(),
        "correct": ((pred & y) | (~pred & ~y)).sum(),
    }


def test_equalized_odds_thresholds_match_brute_force_and_break_calibration(res, raw):
    f = propublica_filter(raw)
    f = f[f["race"].isin([AA, WHITE])]
    best = None
    for ta in range(2, 11):
        for tc in range(2, 11):
            a, c = _rates_at(f, AA, ta), _rates_at(f, WHITE, tc)
            gap = max(abs(a["fpr"] - c["fpr"]), abs(a["tpr"] - c["tpr"]))
            acc = (a["correct"] + c["correct"]) / len(f)
            if gap <= A.EO_TOLERANCE and (best is None or acc > best[0]):
                best = (acc, ta, tc, gap, a["ppv"] - c["ppv"])
    table = res["thresholds"]
    single = table.loc["single threshold (decile >= 5)"]
    eo = table.loc["group thresholds for equalized odds"]
    assert (eo["threshold_african_american"], eo["threshold_caucasian"]) == best[1:3]
    assert eo["accuracy"] == pytest.approx(best[0], abs=1e-12)
    assert eo["equalized_odds_difference"] == pytest.approx(best[3], abs=1e-12)
    assert single["equalized_odds_difference"] > 0.2
    # calibration of the label breaks: the PPV gap grows (here it doubles)
    assert eo["ppv_difference"] == pytest.approx(best[4], abs=1e-12)
    assert eo["ppv_difference"] > 1.8 * single["ppv_difference"] > 0
    assert abs(eo["npv_difference"]) > abs(single["npv_difference"])


def test_decile_scorer_reads_the_decile():
    X = np.array([[1.0], [5.0], [10.0]])
    est = A.DecileScorer().fit(X, [0, 1, 1])
    np.testing.assert_array_equal(est.predict(X), [0, 1, 1])
    np.testing.assert_allclose(est.predict_proba(X)[:, 1], [0.1, 0.5, 1.0])


# --------------------------------------------------------------------------------------
# the report and the script
# --------------------------------------------------------------------------------------
def test_run_writes_a_self_contained_report(tmp_path, res, monkeypatch):
    monkeypatch.setattr(compas, "results", lambda *, quick=False: res if quick else None)
    path = compas.run(tmp_path / "out", quick=True)
    assert path == tmp_path / "out" / "compas.html"
    html = path.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    for needle in (
        "Why both are true",
        "What an auditor should and should not conclude",
        "42.3%",
        "22.0%",
        "44.85%",
        "<svg",
    ):
        assert needle in html, needle
    assert "Race: African-American vs Caucasian (6,172 filtered rows)" in html
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html.replace("https://doi.org", "")


def test_threshold_optimizer_equalizes_odds_and_widens_the_ppv_gap(res, raw):
    table = res["thresholds"]
    opt = table.loc["ThresholdOptimizer (equalized odds, randomized)"]
    single = table.loc["single threshold (decile >= 5)"]
    # expected rates of the randomized rule, computed here from its rules and the counts
    rules = res["threshold_optimizer_rules"]
    f = propublica_filter(raw)
    for group, key in ((AA, "african_american"), (WHITE, "caucasian")):
        part = rules[rules["group"] == group]
        g = f[f["race"] == group]
        # probability of a positive decision at each decile: sum of the mixing
        # probabilities of the thresholds at or below it (scores are decile / 10)
        p_pos = sum(
            prob * (g["decile_score"] / 10 >= thr - 1e-12)
            for thr, prob in zip(part["threshold"], part["probability"], strict=True)
        )
        y = g["two_year_recid"] == 1
        expected_fpr = p_pos[~y].mean()
        n_neg = int((~y).sum())
        se = np.sqrt(expected_fpr * (1 - expected_fpr) / n_neg)
        assert abs(opt[f"fpr_{key}"] - expected_fpr) < 4 * se + 1e-12
    assert opt["equalized_odds_difference"] < 0.03
    assert opt["ppv_difference"] > 1.8 * single["ppv_difference"]
    assert "ThresholdOptimizer" in res["threshold_method"]


def test_documented_numbers_match_the_results(res):
    """docs/case_studies/compas.md quotes the case study's numbers; keep them in sync."""
    doc = (ROOT / "docs" / "case_studies" / "compas.md").read_text(encoding="utf-8")

    def pct(x, d=1):
        return f"{100 * x:.{d}f}%"

    rates = res["error_rates"]
    thresholds = res["thresholds"]
    opt = thresholds.loc["ThresholdOptimizer (equalized odds, randomized)"]
    eo = thresholds.loc["group thresholds for equalized odds"]
    sex = res["audit_sex"].by_group
    quoted = [
        f"{pct(rates.loc[AA, 'false_positive_rate'])} ({100 * rates.loc[AA, 'false_positive_rate_lower']:.1f}",
        f"{pct(rates.loc[WHITE, 'false_negative_rate'])} ({100 * rates.loc[WHITE, 'false_negative_rate_lower']:.1f}",
        f"{res['fpr_ratio']['value']:.2f} ({res['fpr_ratio']['lower']:.2f}–{res['fpr_ratio']['upper']:.2f})",
        f"{res['fnr_ratio']['value']:.2f} ({res['fnr_ratio']['lower']:.2f}–{res['fnr_ratio']['upper']:.2f})",
        f"{pct(eo['fpr_african_american'])} / {pct(eo['fpr_caucasian'])}",
        f"{pct(opt['fpr_african_american'])} / {pct(opt['fpr_caucasian'])}",
        f"{pct(opt['ppv_african_american'])} / {pct(opt['ppv_caucasian'])}",
        f"{100 * opt['ppv_difference']:.1f} pp",
        f"{100 * eo['ppv_difference']:.1f} pp",
        f"{pct(sex.loc['Female', 'positive_predictive_value'])} of the women",
        f"{pct(sex.loc['Female', 'base_rate'])} against {pct(sex.loc['Male', 'base_rate'])}",
    ]
    for text in quoted:
        assert text in doc, text
    subsets = res["published_subsets"]
    for column in (
        "fpr_african_american",
        "fpr_caucasian",
        "fnr_african_american",
        "fnr_caucasian",
    ):
        for subset in subsets.index:
            assert pct(subsets.loc[subset, column], 2) in doc, (subset, column)


def test_every_post_processing_constraint_widens_the_ppv_gap(res):
    table = res["thresholds"]
    single = table.loc["single threshold (decile >= 5)", "ppv_difference"]
    labels = list(compas.OPTIMIZER_CONSTRAINTS.values())
    assert set(labels) <= set(table.index)
    for label in labels:
        assert table.loc[label, "ppv_difference"] > 2 * single, label
    rules = res["threshold_optimizer_all_rules"]
    sums = rules.groupby(["constraint", "group"])["probability"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)


def test_documented_optimizer_rows_match(res):
    doc = (ROOT / "docs" / "case_studies" / "compas.md").read_text(encoding="utf-8")
    table = res["thresholds"]
    for label in list(compas.OPTIMIZER_CONSTRAINTS.values())[1:]:
        row = table.loc[label]
        text = (
            f"{100 * row['fpr_african_american']:.1f}% / {100 * row['fpr_caucasian']:.1f}% | "
            f"{100 * row['fnr_african_american']:.1f}% / {100 * row['fnr_caucasian']:.1f}% | "
            f"{100 * row['ppv_african_american']:.1f}% / {100 * row['ppv_caucasian']:.1f}% | "
            f"{100 * row['ppv_difference']:.1f} pp | {100 * row['accuracy']:.1f}%"
        )
        assert text in doc, (label, text)
