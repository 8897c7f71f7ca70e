"""The engine against independent oracles: fairlearn's MetricFrame (group splitting) with
scikit-learn's metric functions, on random data drawn by hypothesis."""

from __future__ import annotations

import warnings

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    brier_score_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

import fairaudit
from fairaudit import metrics as fm
from fairaudit.metrics._registry import count_metrics

TOL = 1e-12


@pytest.fixture(scope="module", autouse=True)
def _sklearn_metrics_without_argument_checks():
    """The oracles call scikit-learn's metric functions thousands of times; their argument
    checks (types and allowed values, not the data) cost a third of each call and are
    skipped here. The computed values are the same."""
    with sklearn.config_context(skip_parameter_validation=True):
        yield


# shrinking MetricFrame-based examples takes minutes; the failing example is printed as is
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


def _w(sample_weight):
    return {} if sample_weight is None else {"sample_weight": sample_weight}


def _both_classes(y):
    return len(np.unique(y)) == 2


# Oracles: each takes (y_true, y_pred[, sample_weight]) of one group.
def o_selection_rate(y, p, sample_weight=None):
    return flm.selection_rate(y, p, **_w(sample_weight))


def o_base_rate(y, p, sample_weight=None):
    return float(np.average(y, weights=sample_weight))


def o_tpr(y, p, sample_weight=None):
    return recall_score(y, p, pos_label=1, zero_division=np.nan, **_w(sample_weight))


def o_tnr(y, p, sample_weight=None):
    return recall_score(y, p, pos_label=0, zero_division=np.nan, **_w(sample_weight))


def o_ppv(y, p, sample_weight=None):
    return precision_score(y, p, pos_label=1, zero_division=np.nan, **_w(sample_weight))


def o_npv(y, p, sample_weight=None):
    return precision_score(y, p, pos_label=0, zero_division=np.nan, **_w(sample_weight))


def o_acc(y, p, sample_weight=None):
    return accuracy_score(y, p, **_w(sample_weight))


def o_bal(y, p, sample_weight=None):
    if not _both_classes(y):
        return np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return balanced_accuracy_score(y, p, **_w(sample_weight))


def _without_zero_weights(fn):
    """A row of weight 0 counts for nothing: the oracle sees the group without it (and the
    rate is undefined when no row has weight)."""

    def oracle(y, p, sample_weight=None):
        if sample_weight is None:
            return fn(y, p)
        keep = np.asarray(sample_weight) > 0
        if not keep.any():
            return np.nan
        return fn(np.asarray(y)[keep], np.asarray(p)[keep], np.asarray(sample_weight)[keep])

    oracle.__name__ = fn.__name__
    return oracle


o_selection_rate, o_base_rate, o_tpr, o_tnr, o_ppv, o_npv, o_acc, o_bal = map(
    _without_zero_weights,
    (o_selection_rate, o_base_rate, o_tpr, o_tnr, o_ppv, o_npv, o_acc, o_bal),
)

ORACLES = {
    "selection_rate": (o_selection_rate, lambda x: x),
    "base_rate": (o_base_rate, lambda x: x),
    "true_positive_rate": (o_tpr, lambda x: x),
    "false_negative_rate": (o_tpr, lambda x: 1 - x),
    "true_negative_rate": (o_tnr, lambda x: x),
    "false_positive_rate": (o_tnr, lambda x: 1 - x),
    "positive_predictive_value": (o_ppv, lambda x: x),
    "false_discovery_rate": (o_ppv, lambda x: 1 - x),
    "negative_predictive_value": (o_npv, lambda x: x),
    "false_omission_rate": (o_npv, lambda x: 1 - x),
    "accuracy": (o_acc, lambda x: x),
    "error_rate": (o_acc, lambda x: 1 - x),
    "balanced_accuracy": (o_bal, lambda x: x),
}


@st.composite
def audit_inputs(draw):
    n = draw(st.integers(min_value=1, max_value=80))
    n_features = draw(st.integers(min_value=1, max_value=2))
    features = {}
    for j in range(n_features):
        k = draw(st.integers(min_value=1, max_value=7))
        features[f"f{j}"] = np.array(
            draw(st.lists(st.sampled_from([f"g{i}" for i in range(k)]), min_size=n, max_size=n))
        )
    mode = draw(st.sampled_from(["random", "all0", "all1", "skewed"]))
    if mode == "random":
        y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    elif mode == "all0":
        y = np.zeros(n, dtype=int)
    elif mode == "all1":
        y = np.ones(n, dtype=int)
    else:
        y = np.array(draw(st.lists(st.sampled_from([0, 0, 0, 0, 1]), min_size=n, max_size=n)))
    p = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    weights = draw(st.sampled_from(["none", "positive", "with zeros"]))
    w = None
    if weights == "positive":
        w = np.array(draw(st.lists(st.floats(0.1, 5.0, allow_nan=False), min_size=n, max_size=n)))
    elif weights == "with zeros":
        # rows (and whole groups, or all of a group's positives) of weight 0
        w = np.array(
            draw(st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0, 3.0]), min_size=n, max_size=n))
        )
        if w.sum() == 0:  # an all-zero weight vector is an input error, tested elsewhere
            w[draw(st.integers(0, n - 1))] = 1.0
    score = np.array(
        draw(
            st.lists(
                st.sampled_from(np.linspace(0, 1, 11).tolist() + [0.37, 0.91]),
                min_size=n,
                max_size=n,
            )
        )
    )
    return features, y, p, w, score


def _assert_close_or_both_nan(ours: pd.Series, theirs: pd.Series, name: str) -> None:
    ours = ours.astype(float)
    theirs = theirs.astype(float).reindex(ours.index)
    nan_ours = np.isnan(ours.to_numpy())
    nan_theirs = np.isnan(theirs.to_numpy())
    assert (nan_ours == nan_theirs).all(), f"{name}: NaN pattern differs\n{ours}\n{theirs}"
    np.testing.assert_allclose(
        ours.to_numpy()[~nan_ours],
        theirs.to_numpy()[~nan_theirs],
        rtol=0,
        atol=TOL,
        err_msg=name,
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK
)
@given(audit_inputs())
def test_group_metrics_equal_metricframe(data):
    features, y, p, w, _ = data
    sf = pd.DataFrame(features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fairaudit.audit(y, p, sensitive_features=sf, sample_weight=w, n_bootstrap=0)
        oracle_metrics = {name: fn for name, (fn, _) in ORACLES.items()}
        mf = flm.MetricFrame(
            metrics=oracle_metrics,
            y_true=y,
            y_pred=p,
            sensitive_features=sf,
            sample_params=None if w is None else {k: {"sample_weight": w} for k in ORACLES},
        )
    by_group = result.by_group
    theirs_all = mf.by_group
    # fairlearn lists every combination of levels; ours only those present
    theirs_all = theirs_all.loc[by_group.index] if len(features) > 1 else theirs_all
    if len(features) == 1:
        theirs_all.index = pd.Index(theirs_all.index.tolist(), name=by_group.index.name)
    for name, (_, transform) in ORACLES.items():
        _assert_close_or_both_nan(by_group[name], transform(theirs_all[name]), name)
        overall = transform(mf.overall[name])
        if np.isnan(overall):
            assert np.isnan(result.overall[name])
        else:
            assert result.overall[name] == pytest.approx(overall, abs=TOL)
    counts = pd.Series(sf.groupby(list(sf.columns)).size())
    if len(features) == 1:
        counts.index = pd.Index(counts.index.tolist(), name=by_group.index.name)
    assert (by_group["count"] == counts.reindex(by_group.index)).all()


@settings(max_examples=40, deadline=None, phases=NO_SHRINK)
@given(audit_inputs())
def test_score_metrics_equal_sklearn(data):
    features, y, p, w, score = data
    g = features["f0"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fairaudit.audit(
            y,
            p,
            sensitive_features=pd.Series(g, name="g"),
            y_score=score,
            sample_weight=w,
            n_bootstrap=0,
        )
    bg = result.by_group
    for label in bg.index:
        m = g == label
        if w is not None:
            if not np.any(w[m] > 0):  # the group has no weight: nothing is defined
                assert (
                    bg.loc[
                        label,
                        ["roc_auc", "brier_score", "mean_score", "expected_calibration_error"],
                    ]
                    .isna()
                    .all()
                )
                continue
            m = m & (w > 0)  # a row of weight 0 counts for nothing
        yw = None if w is None else w[m]
        if _both_classes(y[m]):
            expected = roc_auc_score(y[m], score[m], sample_weight=yw)
            assert bg.loc[label, "roc_auc"] == pytest.approx(expected, abs=TOL)
        else:
            assert np.isnan(bg.loc[label, "roc_auc"])
        assert bg.loc[label, "brier_score"] == pytest.approx(
            brier_score_loss(y[m], score[m], sample_weight=yw), abs=TOL
        )
        assert bg.loc[label, "mean_score"] == pytest.approx(
            np.average(score[m], weights=yw), abs=TOL
        )
        # expected calibration error, 10 equal-width bins, written out as a loop
        ww = np.ones(m.sum()) if yw is None else yw
        ece = 0.0
        for b in range(10):
            in_bin = (np.minimum(np.floor(score[m] * 200).astype(int), 199) // 20) == b
            if in_bin.any():
                ece += abs(
                    np.sum(ww[in_bin] * y[m][in_bin]) - np.sum(ww[in_bin] * score[m][in_bin])
                )
        assert bg.loc[label, "expected_calibration_error"] == pytest.approx(ece / ww.sum(), abs=TOL)


def test_ece_bins_match_floor_times_ten_on_random_scores():
    rng = np.random.default_rng(3)
    s = rng.random(5000)
    y = (rng.random(5000) < s).astype(int)
    r = fairaudit.audit(y, y, sensitive_features=np.zeros(5000), y_score=s, n_bootstrap=0)
    bins = np.floor(s * 10).astype(int)
    ece = sum(abs(y[bins == b].sum() - s[bins == b].sum()) for b in range(10)) / 5000
    assert r.overall["expected_calibration_error"] == pytest.approx(ece, abs=1e-12)


@settings(max_examples=40, deadline=None, phases=NO_SHRINK)
@given(audit_inputs(), st.sampled_from(["between_groups", "to_overall"]))
def test_functional_forms_equal_fairlearn(data, method):
    features, y, p, w, _ = data
    sf = pd.DataFrame(features)
    pairs = [
        (fm.demographic_parity_difference, flm.demographic_parity_difference),
        (fm.demographic_parity_ratio, flm.demographic_parity_ratio),
        (fm.equalized_odds_difference, flm.equalized_odds_difference),
        (fm.equalized_odds_ratio, flm.equalized_odds_ratio),
        (fm.equal_opportunity_difference, flm.equal_opportunity_difference),
        (fm.equal_opportunity_ratio, flm.equal_opportunity_ratio),
    ]
    for ours, theirs in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = ours(y, p, sensitive_features=sf, sample_weight=w, method=method)
            try:
                b = theirs(y, p, sensitive_features=sf, sample_weight=w, method=method)
            except (ValueError, ZeroDivisionError):
                continue
        if np.isnan(a) and not np.isnan(b):
            # ours is undefined only when too few groups have a defined value (fairlearn
            # reports 0 there, which would pass any tolerance)
            # or when every defined value is 0 and the criterion is a ratio (0 / 0)
            stats, _ = fm.group_confusion_stats(y, p, sensitive_features=sf, sample_weight=w)
            crit = fm.CRITERIA[ours.__name__]
            need = 2 if method == "between_groups" else 1
            usable = []
            for m in crit.metrics:
                vals = count_metrics(stats.n, stats.w, (m,))[m]
                vals = vals[np.isfinite(vals)]
                usable.append(
                    len(vals) >= need and not (crit.kind == "ratio" and (vals == 0).all())
                )
            assert not any(usable), (ours.__name__, usable, b)
            continue
        if np.isnan(b):
            # fairlearn propagates NaN from an undefined group; we leave that group out
            continue
        stats, _ = fm.group_confusion_stats(y, p, sensitive_features=sf, sample_weight=w)
        crit = fm.CRITERIA[ours.__name__]
        if any(np.isnan(count_metrics(stats.n, stats.w, (m,))[m]).any() for m in crit.metrics):
            # a group where the rate is undefined: fairlearn counts it as 0 (e.g. the TPR of a
            # group without positives), we leave it out; the values are not comparable
            continue
        assert a == pytest.approx(b, abs=TOL), (ours.__name__, method)


# Criterion -> (metrics, kind); the definitions of the documented criteria, written out.
CRITERION_DEFS = {
    "demographic_parity_difference": (("selection_rate",), "difference"),
    "demographic_parity_ratio": (("selection_rate",), "ratio"),
    "equalized_odds_difference": (("true_positive_rate", "false_positive_rate"), "difference"),
    "equalized_odds_ratio": (("true_positive_rate", "false_positive_rate"), "ratio"),
    "equal_opportunity_difference": (("true_positive_rate",), "difference"),
    "equal_opportunity_ratio": (("true_positive_rate",), "ratio"),
    "predictive_parity_difference": (("positive_predictive_value",), "difference"),
}
# (numerator, denominator) of each rate as per-row weights: the rate of a group is the sum
# of the numerator over its rows divided by the sum of the denominator
GROUP_RATE = {
    "selection_rate": lambda y, p: (p, np.ones_like(p)),
    "true_positive_rate": lambda y, p: (p * y, y),
    "false_positive_rate": lambda y, p: (p * (1 - y), 1 - y),
    "positive_predictive_value": lambda y, p: (p * y, p),
}
DEFAULT_TOLERANCE = {"difference": 0.1, "ratio": 0.8}


def _oracle_criterion(y, p, w, groups: pd.DataFrame, metrics, kind):
    """Per-group rates from weighted counts of each group's rows; groups whose rate is
    undefined (denominator 0) are left out; max - min (or min / max) needs two defined
    groups, and with two metrics the worst defined one counts."""
    codes = groups.groupby(list(groups.columns), sort=False).ngroup().to_numpy()
    weight = np.ones(len(y)) if w is None else w
    parts = []
    for metric in metrics:
        num, den = GROUP_RATE[metric](y.astype(float), p.astype(float))
        num = np.bincount(codes, weight * num)
        den = np.bincount(codes, weight * den)
        rates = num[den > 0] / den[den > 0]
        if len(rates) < 2:
            continue
        hi, lo = rates.max(), rates.min()
        if kind == "difference":
            parts.append(hi - lo)
        elif hi > 0:
            parts.append(lo / hi)
    if not parts:
        return np.nan
    return max(parts) if kind == "difference" else min(parts)


@settings(max_examples=40, deadline=None, phases=NO_SHRINK)
@given(audit_inputs())
def test_audit_disparities_agree_with_functional_forms(data):
    features, y, p, w, _ = data
    sf = pd.DataFrame(features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = fairaudit.audit(y, p, sensitive_features=sf, sample_weight=w, n_bootstrap=0)
        mf = flm.MetricFrame(
            metrics={"sr": o_selection_rate},
            y_true=y,
            y_pred=p,
            sensitive_features=sf,
            sample_params=None if w is None else {"sr": {"sample_weight": w}},
        )
    d = r.disparities.loc["selection_rate"]
    present = mf.by_group["sr"].loc[r.by_group.index] if len(features) > 1 else mf.by_group["sr"]
    present = present.dropna()  # groups without weight have no selection rate
    if len(present) >= 2:
        assert d["difference"] == pytest.approx(present.max() - present.min(), abs=TOL)
    else:
        assert np.isnan(d["difference"])
    assert d["difference_to_overall"] == pytest.approx(
        (present - mf.overall["sr"]).abs().max(), abs=TOL
    )
    # every criterion of every attribute (each feature and the intersection) against the
    # definition evaluated here on the raw rows, including groups with undefined rates
    crit = r.criteria.set_index(["attribute", "criterion"])
    attributes = {" × ".join(sf.columns): list(sf.columns)}
    if len(features) > 1:
        attributes.update({name: [name] for name in sf.columns})
    for attr, columns in attributes.items():
        for name, (metrics, kind) in CRITERION_DEFS.items():
            expected = _oracle_criterion(y, p, w, sf[columns], metrics, kind)
            row = crit.loc[(attr, name)]
            if np.isnan(expected):
                assert np.isnan(row["value"]) and row["verdict"] == "n/a", (attr, name, row)
                continue
            assert row["value"] == pytest.approx(expected, abs=TOL), (attr, name)
            tol = DEFAULT_TOLERANCE[kind]
            passes = expected <= tol if kind == "difference" else expected >= tol
            if abs(expected - tol) > 1e-9:  # no bootstrap: the point estimate decides
                assert row["verdict"] == ("pass" if passes else "fail"), (attr, name, row)
