"""Multiclass audits against independent oracles: scikit-learn's confusion matrices and
per-class scores per group, fairlearn's MetricFrame, and the criteria recomputed from them;
the statistics merge by label; bad input gets a clear error."""

from __future__ import annotations

import json
import warnings
from functools import partial

import fastjsonschema
import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)

import fairaudit
from fairaudit._audit_multiclass import resolve_multiclass_tolerances, run_multiclass
from fairaudit._engine import check_options
from fairaudit.metrics._multiclass_stats import count_multiclass

VALIDATE = fastjsonschema.compile(fairaudit.AuditResult.json_schema())
CLASSES = ("high", "low", "medium")


def _audit(yt, yp, sf, w=None, **kw):
    kw.setdefault("n_bootstrap", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # classes only predicted, one class predicted
        result = fairaudit.audit(
            yt, yp, sensitive_features=sf, sample_weight=w, task="multiclass", random_state=0, **kw
        )
    VALIDATE(result.to_dict())
    return result


@st.composite
def data(draw):
    n = draw(st.integers(12, 90))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    k = draw(st.integers(3, 4))
    classes = np.array(["a", "b", "c", "d"][:k], dtype=object)
    yt = classes[rng.integers(0, k, n)]
    yp = np.where(rng.random(n) < 0.5, yt, classes[rng.integers(0, k, n)])
    g = rng.choice(["F", "M", "X"], n, p=[0.5, 0.35, 0.15])
    if draw(st.booleans()):  # a class absent from one group's y_true
        yt = np.where((g == "X") & (yt == "a"), "b", yt)
    w = rng.uniform(0.2, 3.0, n) if draw(st.booleans()) else None
    return yt, yp, g, w


def _group_rows(g, value):
    return np.flatnonzero(np.asarray(g, dtype=object) == value)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data())
def test_per_group_rates_equal_scikit_learn_on_each_groups_rows(case):
    yt, yp, g, w = case
    result = _audit(yt, yp, g, w)
    classes = sorted(set(yt) | set(yp))
    bg = result.by_group
    ww = np.ones(len(yt)) if w is None else w
    for group in bg.index:
        rows = _group_rows(g, group)
        sw = ww[rows]
        cm = confusion_matrix(yt[rows], yp[rows], labels=classes, sample_weight=sw)
        mcm = multilabel_confusion_matrix(yt[rows], yp[rows], labels=classes, sample_weight=sw)
        matrix = result.curves["confusion"]
        mine = (
            matrix[matrix["group"] == group]
            .pivot(index="y_true", columns="y_pred", values="weight")
            .loc[classes, classes]
        )
        np.testing.assert_allclose(mine.to_numpy(), cm, rtol=1e-9, atol=1e-9)
        for c, m in zip(classes, mcm, strict=True):
            (tn, fp), (fn, tp) = m
            total = tn + fp + fn + tp
            expect = {
                "base_rate": (tp + fn) / total,
                "selection_rate": (tp + fp) / total,
                "true_positive_rate": tp / (tp + fn) if tp + fn > 0 else np.nan,
                "false_positive_rate": fp / (fp + tn) if fp + tn > 0 else np.nan,
                "positive_predictive_value": tp / (tp + fp) if tp + fp > 0 else np.nan,
            }
            for metric, value in expect.items():
                got = bg.loc[group, f"{metric}[{c}]"]
                np.testing.assert_allclose(
                    got, value, rtol=1e-9, atol=1e-12, err_msg=f"{metric}[{c}] of {group}"
                )
        assert bg.loc[group, "accuracy"] == pytest.approx(
            accuracy_score(yt[rows], yp[rows], sample_weight=sw), abs=1e-12
        )
        for average in ("macro", "weighted"):
            p, r, f, _ = precision_recall_fscore_support(
                yt[rows], yp[rows], average=average, sample_weight=sw, zero_division=0
            )
            assert bg.loc[group, f"{average}_precision"] == pytest.approx(p, abs=1e-9)
            assert bg.loc[group, f"{average}_recall"] == pytest.approx(r, abs=1e-9)
            assert bg.loc[group, f"{average}_f1"] == pytest.approx(f, abs=1e-9)


def _per_class(metric, c):
    """A metric of one class, one-vs-rest, as fairlearn's MetricFrame calls it."""

    def f(y_true, y_pred, sample_weight=None):
        t, p = np.asarray(y_true) == c, np.asarray(y_pred) == c
        sw = np.ones(len(t)) if sample_weight is None else np.asarray(sample_weight)
        num, den = {
            "selection_rate": (p, np.ones_like(p)),
            "true_positive_rate": (t & p, t),
            "false_positive_rate": (~t & p, ~t),
            "positive_predictive_value": (t & p, p),
        }[metric]
        d = float((sw * den).sum())
        return float((sw * num).sum()) / d if d > 0 else np.nan

    return f


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data())
def test_metricframe_with_the_same_per_class_functions_agrees_with_two_features(case):
    yt, yp, g, w = case
    rng = np.random.default_rng(len(yt))
    sf = pd.DataFrame({"sex": g, "age": rng.choice(["young", "old"], len(yt))})
    result = _audit(yt, yp, sf, w)
    classes = sorted(set(yt) | set(yp))
    metrics = {
        f"{m}[{c}]": _per_class(m, c)
        for c in classes
        for m in (
            "selection_rate",
            "true_positive_rate",
            "false_positive_rate",
            "positive_predictive_value",
        )
    }
    metrics["macro_f1"] = partial(_sklearn_average, "macro", 2)
    metrics["weighted_recall"] = partial(_sklearn_average, "weighted", 1)
    params = None if w is None else {m: {"sample_weight": w} for m in metrics}
    mf = MetricFrame(
        metrics=metrics, y_true=yt, y_pred=yp, sensitive_features=sf, sample_params=params
    )
    for view, expected in (
        (result, mf.by_group),
        (result.marginals["sex"], _marginal_frame(metrics, yt, yp, sf, w, "sex")),
    ):
        got = view.by_group
        for name in metrics:
            for group in got.index:
                e = expected.loc[group, name]
                np.testing.assert_allclose(
                    got.loc[group, name], e, rtol=1e-9, atol=1e-12, err_msg=f"{name} of {group}"
                )
    # the criteria from the same numbers: per class, and the worst case across classes
    crit = result.criteria
    crit = crit[crit["attribute"] == "sex × age"].set_index("criterion")
    by = mf.by_group
    dp = {
        c: np.nanmax(by[f"selection_rate[{c}]"]) - np.nanmin(by[f"selection_rate[{c}]"])
        for c in classes
    }
    for c in classes:
        assert crit.loc[f"demographic_parity_difference[{c}]", "value"] == pytest.approx(
            dp[c], abs=1e-12
        )
        tpr, fpr = by[f"true_positive_rate[{c}]"], by[f"false_positive_rate[{c}]"]
        eo = np.fmax(tpr.max() - tpr.min(), fpr.max() - fpr.min())
        value = crit.loc[f"equalized_odds_difference[{c}]", "value"]
        if np.isfinite(eo):
            assert value == pytest.approx(eo, abs=1e-12)
    assert crit.loc["demographic_parity_difference", "value"] == pytest.approx(
        max(dp.values()), abs=1e-12
    )


def _sklearn_average(average, which, y_true, y_pred, sample_weight=None):
    return precision_recall_fscore_support(
        y_true, y_pred, average=average, sample_weight=sample_weight, zero_division=0
    )[which]


def _marginal_frame(metrics, yt, yp, sf, w, feature):
    params = None if w is None else {m: {"sample_weight": w} for m in metrics}
    return MetricFrame(
        metrics=metrics, y_true=yt, y_pred=yp, sensitive_features=sf[feature], sample_params=params
    ).by_group


def test_a_class_absent_from_a_groups_y_true_is_nan_with_its_reason():
    yt = np.array(["a", "b", "c", "a", "b", "c", "b", "c", "b", "c"], dtype=object)
    yp = np.array(["a", "b", "c", "b", "b", "c", "a", "c", "b", "b"], dtype=object)
    g = np.array(["F"] * 6 + ["M"] * 4)
    result = _audit(yt, yp, g)
    assert np.isnan(result.by_group.loc["M", "true_positive_rate[a]"])
    u = result.undefined
    row = u[(u["group"] == "M") & (u["metric"] == "true_positive_rate[a]")]
    assert row["reason"].tolist() == ["class 'a' never occurs in the group's y_true"]
    # its criterion rests on one group: undefined, and left out of the worst case with why
    crit = result.criteria.set_index("criterion")
    assert crit.loc["equal_opportunity_difference[a]", "verdict"] == "n/a"
    assert "equal_opportunity_difference[a]" in crit.loc["equal_opportunity_difference", "reason"]


def test_statistics_of_chunks_merge_to_those_of_all_rows_and_audit_alike():
    rng = np.random.default_rng(3)
    n = 2000
    classes = ("x", "y", "z")
    yt = rng.integers(0, 3, n)
    yp = np.where(rng.random(n) < 0.6, yt, rng.integers(0, 3, n))
    codes = rng.integers(0, 4, n)
    w = rng.uniform(0.5, 2, n)
    labels = pd.Index(np.array(["g0", "g1", "g2", "g3"], dtype=object), name="g", dtype=object)
    whole = count_multiclass(codes, 4, yt, yp, classes, w, labels)
    parts = None
    for chunk in np.array_split(np.arange(n), 5):
        # each chunk holds only the groups and classes it sees, in its own order
        present = np.unique(codes[chunk])[::-1]
        remap = {c: i for i, c in enumerate(present)}
        cls_present = sorted(set(yt[chunk]) | set(yp[chunk]))
        cremap = {c: i for i, c in enumerate(cls_present)}
        part = count_multiclass(
            np.array([remap[c] for c in codes[chunk]]),
            len(present),
            np.array([cremap[c] for c in yt[chunk]]),
            np.array([cremap[c] for c in yp[chunk]]),
            tuple(classes[c] for c in cls_present),
            w[chunk],
            pd.Index(labels[present], name="g", dtype=object),
        )
        parts = part if parts is None else parts.merge(part)
    assert parts.classes == whole.classes
    assert list(parts.labels) == list(whole.labels)
    np.testing.assert_array_equal(parts.n, whole.n)
    np.testing.assert_allclose(parts.w, whole.w, rtol=1e-12)
    np.testing.assert_allclose(parts.w2, whole.w2, rtol=1e-12)
    options = check_options(n_bootstrap=200, random_state=5)
    meta = {"n_samples": n, "weighted": True, "n_missing": {"g": 0}, "data_hash": "x"}
    tol = resolve_multiclass_tolerances(None)
    a = run_multiclass(whole, options=options, tolerances=tol, meta=meta)
    b = run_multiclass(parts, options=options, tolerances=tol, meta=meta)
    pd.testing.assert_frame_equal(a.by_group, b.by_group, rtol=1e-12)
    pd.testing.assert_frame_equal(a.criteria, b.criteria, rtol=1e-9)
    # and the marginal of a feature of an intersection sums its groups
    rows = fairaudit.audit(
        np.asarray(classes, dtype=object)[yt],
        np.asarray(classes, dtype=object)[yp],
        sensitive_features=labels.to_numpy()[codes],
        sample_weight=w,
        task="multiclass",
        n_bootstrap=200,
        random_state=5,
    )
    pd.testing.assert_frame_equal(
        rows.by_group, a.by_group, rtol=1e-12, check_names=False, check_index_type=False
    )


def test_the_worst_case_joins_the_bonferroni_level_intervals_of_the_classes():
    rng = np.random.default_rng(0)
    n = 3000
    yt = rng.choice(list(CLASSES), n)
    yp = np.where(rng.random(n) < 0.7, yt, rng.choice(list(CLASSES), n))
    g = rng.choice(["a", "b"], n)
    result = _audit(yt, yp, g, n_bootstrap=300)
    crit = result.criteria.set_index("criterion")
    worst = crit.loc["demographic_parity_difference"]
    per = crit.loc[[f"demographic_parity_difference[{c}]" for c in CLASSES]]
    assert worst["value"] == pytest.approx(per["value"].max())
    # wider than each class's own interval at the audit's level, never narrower
    assert worst["upper"] >= per["upper"].max()
    assert worst["lower"] <= per["lower"].max() + 1e-12
    assert worst["metric"] == per.loc[per["value"].idxmax(), "metric"]
    # the verdicts follow the binary rule on the interval
    for name, row in crit.iterrows():
        lo, hi, tol = row["lower"], row["upper"], row["tolerance"]
        if row["kind"] == "difference":
            want = "pass" if hi <= tol else "fail" if lo > tol else "inconclusive"
        else:
            want = "pass" if lo >= tol else "fail" if hi < tol else "inconclusive"
        assert row["verdict"] == want, name


def test_a_clear_disparity_fails_and_parity_passes_with_many_rows():
    rng = np.random.default_rng(1)
    n = 40000
    g = rng.choice(["a", "b"], n)
    yt = rng.choice(list(CLASSES), n)
    fair = np.where(rng.random(n) < 0.9, yt, rng.choice(list(CLASSES), n))
    result = _audit(yt, fair, g, n_bootstrap=200)
    worst = result.criteria.set_index("criterion")
    assert worst.loc["demographic_parity_difference", "verdict"] == "pass"
    assert worst.loc["equalized_odds_difference", "verdict"] == "pass"
    unfair = np.where((g == "b") & (rng.random(n) < 0.3), "low", fair)
    result = _audit(yt, unfair, g, n_bootstrap=200)
    worst = result.criteria.set_index("criterion")
    assert worst.loc["demographic_parity_difference", "verdict"] == "fail"
    assert worst.loc["demographic_parity_difference", "metric"] == "selection_rate[low]"
    assert result.verdict == "fail"


def test_the_result_round_trips_through_json_and_validates():
    rng = np.random.default_rng(2)
    n = 500
    yt = rng.choice([1, 2, 3], n)
    yp = np.where(rng.random(n) < 0.6, yt, rng.choice([1, 2, 3], n))
    sf = {"sex": rng.choice(["F", "M"], n), "age": rng.choice(["<40", "40+"], n)}
    result = _audit(yt, yp, sf, rng.uniform(0.5, 2, n), n_bootstrap=50)
    text = result.to_json()
    VALIDATE(json.loads(text))
    back = fairaudit.AuditResult.from_json(text)
    assert back.config["task"] == "multiclass"
    assert back.verdict == result.verdict
    pd.testing.assert_frame_equal(
        back.by_group, result.by_group, check_dtype=False, check_index_type=False
    )
    pd.testing.assert_frame_equal(back.criteria, result.criteria, check_dtype=False)
    assert set(back.marginals) == {"sex", "age"}
    assert "selection_rate[2]" in back.by_group.columns
    confusion = back.curves["confusion"]
    assert len(confusion) == 4 * 9
    assert "AuditResult: verdict" in repr(back)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"y_score": np.linspace(0, 1, 30)}, "y_score has no meaning for a multiclass audit"),
        ({"threshold": 0.5}, "threshold has no meaning"),
        ({"pos_label": "a"}, "pos_label has no meaning"),
        ({"metrics": ["selection_rate"]}, "metrics has no meaning"),
        (
            {"tolerances": {"four_fifths_rule": 0.8}},
            "unknown criterion 'four_fifths_rule' for a multiclass audit",
        ),
        ({"tolerances": {"demographic_parity_difference": -1}}, "finite number >= 0"),
    ],
)
def test_options_that_mean_nothing_here_are_refused(kwargs, message):
    yt = np.array(["a", "b", "c"] * 10)
    with pytest.raises(ValueError, match=message):
        fairaudit.audit(
            yt, yt[::-1], sensitive_features=np.repeat(["F", "M"], 15), task="multiclass", **kwargs
        )


def test_tolerances_apply_to_each_class_and_the_worst_case():
    yt = np.array(["a", "b", "c"] * 20)
    r = _audit(
        yt,
        np.roll(yt, 1),
        np.repeat(["F", "M"], 30),
        tolerances={"demographic_parity_difference": 0.05},
    )
    crit = r.criteria.set_index("criterion")
    assert crit.loc["demographic_parity_difference", "tolerance"] == 0.05
    assert crit.loc["demographic_parity_difference[b]", "tolerance"] == 0.05
    assert r.config["tolerances"]["demographic_parity_difference"] == 0.05


@pytest.mark.parametrize(
    "yt, yp, message",
    [
        (np.linspace(0, 3, 30), np.linspace(0, 3, 30), "task='regression'"),
        (np.array(["a"] * 30), np.array(["a"] * 30), "a single class"),
        (np.array(["a", None, "c"] * 10, dtype=object), np.array(["a", "b", "c"] * 10), "y_true"),
        (np.arange(60) % 55, np.arange(60) % 55, "more than the 50"),
    ],
)
def test_bad_labels_get_a_message_naming_the_fix(yt, yp, message):
    with pytest.raises(ValueError, match=message):
        fairaudit.audit(yt, yp, sensitive_features=np.arange(len(yt)) % 2, task="multiclass")


def test_a_class_only_predicted_warns_and_its_rates_are_explained():
    yt = np.array(["a", "b", "c"] * 10)
    yp = yt.copy()
    yp[::7] = "C"  # a misspelt class
    with pytest.warns(UserWarning, match="never occur in y_true: 'C'"):
        r = fairaudit.audit(
            yt, yp, sensitive_features=np.arange(30) % 2, task="multiclass", n_bootstrap=0
        )
    assert r.by_group["true_positive_rate[C]"].isna().all()
    assert any("never occur in y_true" in note for note in r.meta["notes"])


def test_one_class_predicted_for_everyone_cannot_pass():
    yt = np.array(["a", "b", "c"] * 20)
    with pytest.warns(UserWarning, match="predicts one class"):
        r = fairaudit.audit(
            yt,
            np.array(["a"] * 60),
            sensitive_features=np.arange(60) % 2,
            task="multiclass",
            n_bootstrap=0,
        )
    assert r.verdict != "pass"


def test_auto_chooses_multiclass_for_three_labels_and_the_callers_data_is_untouched():
    yt = pd.Series(["a", "b", "c"] * 20)
    yp = pd.Series(["a", "b", "b"] * 20)
    before = yt.copy(), yp.copy()
    r = fairaudit.audit(
        yt, yp, sensitive_features=pd.Series(np.arange(60) % 2), n_bootstrap=20, random_state=1
    )
    assert r.config["task"] == "multiclass"
    assert any("task 'multiclass' chosen" in note for note in r.meta["notes"])
    pd.testing.assert_series_equal(yt, before[0])
    pd.testing.assert_series_equal(yp, before[1])


def test_the_same_random_state_gives_the_same_intervals():
    rng = np.random.default_rng(9)
    yt = rng.choice(list(CLASSES), 400)
    yp = rng.choice(list(CLASSES), 400)
    g = rng.choice(["a", "b", "c"], 400)
    a = _audit(yt, yp, g, n_bootstrap=100)
    b = _audit(yt, yp, g, n_bootstrap=100)
    pd.testing.assert_frame_equal(a.criteria, b.criteria)
    pd.testing.assert_frame_equal(a.tables.lower, b.tables.lower)


def test_audit_from_stats_of_merged_chunks_equals_the_audit_of_the_rows():
    from fairaudit.metrics import multiclass_stats

    rng = np.random.default_rng(11)
    n = 1500
    yt = rng.choice(list(CLASSES), n)
    yp = np.where(rng.random(n) < 0.6, yt, rng.choice(list(CLASSES), n))
    sf = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "age": rng.choice(["<40", "40+"], n)})
    w = rng.uniform(0.5, 2.0, n)
    merged = None
    for chunk in np.array_split(np.arange(n), 3):
        part = multiclass_stats(
            yt[chunk], yp[chunk], sensitive_features=sf.iloc[chunk], sample_weight=w[chunk]
        )
        merged = part if merged is None else merged.merge(part)
    kw = {"n_bootstrap": 100, "random_state": 4, "tolerances": {"equalized_odds_difference": 0.2}}
    from_stats = fairaudit.audit_from_stats(merged, **kw)
    rows = fairaudit.audit(yt, yp, sensitive_features=sf, sample_weight=w, task="multiclass", **kw)
    assert from_stats.meta["source"] == "statistics"
    pd.testing.assert_frame_equal(from_stats.by_group, rows.by_group, rtol=1e-12)
    pd.testing.assert_frame_equal(from_stats.criteria, rows.criteria, rtol=1e-9)
    pd.testing.assert_frame_equal(
        from_stats.marginals["age"].by_group, rows.marginals["age"].by_group, rtol=1e-12
    )
    VALIDATE(from_stats.to_dict())
    assert merged.to_frame()["n"].sum() == n


def test_the_averages_have_disparities_like_scikit_learns_per_group_values():
    """Macro and weighted recall, precision and F1 get disparities and comparisons with the
    reference, whose values are scikit-learn's per-group scores subtracted and divided."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    rng = np.random.default_rng(4)
    n = 4000
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    yt = rng.choice(["x", "y", "z"], n)
    right = rng.random(n) < np.where(group == "c", 0.45, 0.75)
    yp = np.where(right, yt, rng.choice(["x", "y", "z"], n))
    res = fairaudit.audit(
        yt,
        yp,
        sensitive_features=pd.Series(group, name="g"),
        task="multiclass",
        n_bootstrap=300,
        random_state=0,
        reference_group="a",
    )
    funcs = {"recall": recall_score, "precision": precision_score, "f1": f1_score}
    for average in ("macro", "weighted"):
        for name, f in funcs.items():
            m = f"{average}_{name}"
            want = {
                g: f(yt[group == g], yp[group == g], average=average, zero_division=0)
                for g in ("a", "b", "c")
            }
            row = res.disparities.loc[m]
            assert row["difference"] == pytest.approx(
                max(want.values()) - min(want.values()), abs=1e-12
            )
            assert row["ratio"] == pytest.approx(min(want.values()) / max(want.values()), abs=1e-12)
            assert row["difference_to_reference"] == pytest.approx(
                max(abs(want[g] - want["a"]) for g in "bc"), abs=1e-12
            )
            assert row["difference_lower"] <= row["difference"] <= row["difference_upper"]
            tr = res.to_reference[res.to_reference["metric"] == m].set_index("group")
            for g in "bc":
                assert tr.loc[g, "difference"] == pytest.approx(want[g] - want["a"], abs=1e-12)
                assert tr.loc[g, "ratio"] == pytest.approx(want[g] / want["a"], abs=1e-12)
                assert tr.loc[g, "difference_lower"] < tr.loc[g, "difference_upper"]
            # c is 30 points less accurate on 800 rows: clearly significant; b is not
            assert bool(tr.loc["c", "significant"]) and tr.loc["c", "p_adjusted"] < 1e-6
            assert tr.loc["b", "p_value"] > 0.001
    off = fairaudit.audit(
        yt, yp, sensitive_features=pd.Series(group, name="g"), task="multiclass", n_bootstrap=0
    )
    row = off.disparities.loc["macro_f1"]
    assert np.isfinite(row["difference"]) and np.isnan(row["difference_lower"])
    assert off.to_reference.loc[off.to_reference["metric"] == "macro_f1", "p_value"].isna().all()


def test_a_rate_of_no_weighted_rows_is_undefined_not_zero():
    """A group whose rows are all of class b has no negatives for b: its false positive rate
    of b is 0 / 0, undefined. With weights whose sums leave a rounding residue when the
    negatives are computed as total minus the rest (+1.8e-15 for these), the rate came out
    as 0 (fairlearn's MetricFrame: NaN)."""
    rng = np.random.default_rng(6)
    w = np.concatenate([rng.uniform(0.2, 3.0, 6), np.ones(6)])
    yt = np.array(["b"] * 6 + ["a", "b", "c", "a", "b", "c"], dtype=object)
    yp = np.array(["a", "b", "c", "b", "a", "c"] * 2, dtype=object)
    g = np.array(["X"] * 6 + ["Y"] * 6)
    result = fairaudit.audit(
        yt,
        yp,
        sensitive_features=pd.Series(g, name="g"),
        sample_weight=w,
        task="multiclass",
        n_bootstrap=0,
    )
    x = result.by_group.loc["X"]
    assert np.isnan(x["false_positive_rate[b]"]) and np.isnan(x["true_positive_rate[a]"])
    assert x["selection_rate[b]"] == pytest.approx(w[[1, 3]].sum() / w[:6].sum())
    why = result.undefined
    assert len(why[(why["group"] == "X") & (why["metric"] == "false_positive_rate[b]")]) == 1
