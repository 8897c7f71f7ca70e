"""The shape of AuditResult, input handling, bad input, and immutability."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit import _validation as v
from fairaudit._audit import ERR_NO_PRED, ERR_REFERENCE, ERR_REFERENCE_SHAPE


@pytest.fixture()
def data():
    rng = np.random.default_rng(7)
    n = 3000
    sex = rng.choice(["female", "male"], n, p=[0.4, 0.6])
    race = rng.choice(["A", "B", "C"], n)
    y = rng.integers(0, 2, n)
    score = np.clip(0.5 * y + 0.5 * rng.random(n) - 0.1 * (sex == "female"), 0, 1)
    pred = (score >= 0.5).astype(int)
    return y, pred, score, pd.DataFrame({"sex": sex, "race": race})


def test_result_tables_have_the_documented_shape(data):
    y, pred, score, sf = data
    r = fairaudit.audit(
        y, pred, sensitive_features=sf, y_score=score, random_state=0, n_bootstrap=200
    )
    assert isinstance(r.by_group.index, pd.MultiIndex)
    assert list(r.by_group.index.names) == ["sex", "race"]
    assert r.by_group.shape[0] == 6
    assert "count" in r.by_group and r.by_group["count"].sum() == len(y)
    for m in ("roc_auc", "brier_score", "expected_calibration_error", "mean_score"):
        assert m in r.by_group.columns
    iv = r.intervals
    assert iv.columns.names == ["metric", "bound"]
    lo, hi = iv[("selection_rate", "lower")], iv[("selection_rate", "upper")]
    sr = r.by_group["selection_rate"]
    assert ((lo <= sr) & (sr <= hi)).all()
    assert set(r.marginals) == {"sex", "race"}
    assert r.marginals["sex"].by_group.index.tolist() == ["female", "male"]
    # criteria for each feature and the intersection
    assert set(r.criteria["attribute"]) == {"sex", "race", "sex × race"}
    assert set(r.criteria["verdict"]) <= {"pass", "fail", "inconclusive", "n/a"}
    assert r.verdict in {"pass", "fail", "inconclusive"}
    # the default reference is the largest intersection, counted here from the raw rows
    assert r.reference_group == sf.value_counts().idxmax()
    assert r.marginals["sex"].reference_group == "male"
    assert "largest" in r.reference_reason
    assert set(r.curves) == {"roc", "threshold", "calibration"}
    d = r.disparities
    assert {"difference", "ratio", "difference_to_reference_lower"} <= set(d.columns)
    assert "count" not in d.index


def test_marginal_equals_separate_audit(data):
    y, pred, score, sf = data
    r = fairaudit.audit(y, pred, sensitive_features=sf, n_bootstrap=0)
    alone = fairaudit.audit(y, pred, sensitive_features=sf["sex"], n_bootstrap=0)
    pd.testing.assert_frame_equal(r.marginals["sex"].by_group, alone.by_group)


def test_sensitive_feature_forms_agree(data):
    y, pred, _, sf = data
    as_series = fairaudit.audit(y, pred, sensitive_features=sf["sex"], n_bootstrap=0).by_group
    as_array = fairaudit.audit(
        y, pred, sensitive_features=sf["sex"].to_numpy(), n_bootstrap=0
    ).by_group
    as_list = fairaudit.audit(
        list(y), list(pred), sensitive_features=list(sf["sex"]), n_bootstrap=0
    ).by_group
    as_dict = fairaudit.audit(y, pred, sensitive_features={"sex": sf["sex"]}, n_bootstrap=0)
    np.testing.assert_array_equal(as_series.to_numpy(), as_array.to_numpy())
    np.testing.assert_array_equal(as_series.to_numpy(), as_list.to_numpy())
    np.testing.assert_array_equal(as_series.to_numpy(), as_dict.by_group.to_numpy())


def test_labels_booleans_strings_and_pos_label(data):
    y, pred, _, sf = data
    base = fairaudit.audit(y, pred, sensitive_features=sf["sex"], n_bootstrap=0).by_group
    as_bool = fairaudit.audit(
        y.astype(bool), pred.astype(bool), sensitive_features=sf["sex"], n_bootstrap=0
    ).by_group
    names = np.array(["no", "yes"])
    as_str = fairaudit.audit(
        names[y], names[pred], sensitive_features=sf["sex"], pos_label="yes", n_bootstrap=0
    ).by_group
    pd.testing.assert_frame_equal(base, as_bool)
    pd.testing.assert_frame_equal(base, as_str)
    flipped = fairaudit.audit(
        names[y], names[pred], sensitive_features=sf["sex"], pos_label="no", n_bootstrap=0
    ).by_group
    np.testing.assert_allclose(flipped["base_rate"], 1 - base["base_rate"])


def test_polars_input_if_available(data):
    pl = pytest.importorskip("polars")
    y, pred, _, sf = data
    r = fairaudit.audit(
        pl.Series(y), pl.Series(pred), sensitive_features=pl.from_pandas(sf), n_bootstrap=0
    )
    base = fairaudit.audit(y, pred, sensitive_features=sf, n_bootstrap=0)
    pd.testing.assert_frame_equal(r.by_group, base.by_group)


def test_missing_sensitive_values_form_their_own_group():
    g = pd.Series(["a", None, "b", "a", np.nan, "b"], name="g")
    with pytest.warns(UserWarning, match="missing value"):
        r = fairaudit.audit(
            [0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 1], sensitive_features=g, n_bootstrap=0
        )
    assert v.MISSING_GROUP in r.by_group.index
    assert r.by_group.loc[v.MISSING_GROUP, "count"] == 2
    assert r.meta["n_missing"] == {"g": 2}


def test_nan_has_a_reason():
    y = [1, 1, 0, 0, 1]
    p = [1, 0, 0, 1, 1]
    g = ["a", "a", "b", "b", "a"]  # group b has no actual positives
    r = fairaudit.audit(y, p, sensitive_features=g, n_bootstrap=0, min_group_size=1)
    assert np.isnan(r.by_group.loc["b", "true_positive_rate"])
    reasons = r.undefined.set_index(["group", "metric"])["reason"]
    assert reasons[("b", "true_positive_rate")] == (
        "no actual positives in the group (TP + FN = 0)"
    )


def test_inputs_are_not_modified(data):
    y, pred, score, sf = data
    copies = [a.copy() for a in (y, pred, score)]
    sf_copy = sf.copy()
    w = np.ones(len(y))
    fairaudit.audit(
        y,
        pred,
        sensitive_features=sf,
        y_score=score,
        sample_weight=w,
        n_bootstrap=50,
        random_state=0,
    )
    for a, c in zip((y, pred, score), copies, strict=True):
        np.testing.assert_array_equal(a, c)
    pd.testing.assert_frame_equal(sf, sf_copy)
    np.testing.assert_array_equal(w, np.ones(len(y)))


def test_result_is_immutable(data):
    y, pred, _, sf = data
    r = fairaudit.audit(y, pred, sensitive_features=sf["sex"], n_bootstrap=0)
    with pytest.raises(AttributeError):
        r.foo = 1
    t = r.by_group
    t.iloc[0, 0] = -99
    assert r.by_group.iloc[0, 0] != -99


def test_json_round_trip(data):
    y, pred, score, sf = data
    r = fairaudit.audit(
        y, pred, sensitive_features=sf, y_score=score, random_state=1, n_bootstrap=100
    )
    text = r.to_json()
    parsed = json.loads(text)  # valid JSON: no NaN tokens
    assert parsed["schema_version"] == fairaudit.SCHEMA_VERSION
    assert "NaN" not in text
    back = fairaudit.AuditResult.from_json(text)
    pd.testing.assert_frame_equal(
        back.by_group, r.by_group, check_dtype=False, check_index_type=False
    )
    pd.testing.assert_frame_equal(back.criteria, r.criteria, check_dtype=False)
    pd.testing.assert_frame_equal(back.disparities, r.disparities, check_dtype=False)
    pd.testing.assert_frame_equal(back.to_reference, r.to_reference, check_dtype=False)
    assert back.reference_group == r.reference_group
    assert back.verdict == r.verdict
    assert set(back.marginals) == set(r.marginals)


def test_json_writes_null_for_nan(tmp_path):
    r = fairaudit.audit(
        [1, 1, 0, 0], [1, 0, 0, 1], sensitive_features=["a", "a", "b", "b"], n_bootstrap=0
    )
    path = tmp_path / "r.json"
    r.to_json(path)
    d = json.loads(path.read_text())
    i = d["by_group"]["columns"].index("true_positive_rate")
    assert d["by_group"]["data"][1][i] is None


def test_deterministic_for_a_seed(data):
    y, pred, score, sf = data
    a = fairaudit.audit(
        y, pred, sensitive_features=sf, y_score=score, random_state=5, n_bootstrap=100
    )
    b = fairaudit.audit(
        y, pred, sensitive_features=sf, y_score=score, random_state=5, n_bootstrap=100
    )
    pd.testing.assert_frame_equal(a.criteria, b.criteria)
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    # and the seed matters: another seed resamples differently (the check can fail)
    e = fairaudit.audit(
        y, pred, sensitive_features=sf, y_score=score, random_state=6, n_bootstrap=100
    )
    assert not e.intervals.equals(a.intervals)
    pd.testing.assert_frame_equal(e.by_group, a.by_group)  # point estimates do not depend on it
    c = fairaudit.audit(y, pred, sensitive_features=sf, y_score=score, n_bootstrap=100)
    seed = c.config["seed"]
    d = fairaudit.audit(
        y, pred, sensitive_features=sf, y_score=score, n_bootstrap=100, random_state=seed
    )
    pd.testing.assert_frame_equal(c.intervals, d.intervals)


def test_reference_group_named_by_user(data):
    y, pred, _, sf = data
    r = fairaudit.audit(
        y,
        pred,
        sensitive_features=sf,
        n_bootstrap=0,
        reference_group={"sex": "female", "race": "B"},
    )
    assert r.reference_group == ("female", "B")
    assert r.marginals["sex"].reference_group == "female"
    assert r.reference_reason == "named by the user"
    tr = r.marginals["sex"].to_reference
    row = tr[(tr.metric == "selection_rate")].iloc[0]
    bg = r.marginals["sex"].by_group["selection_rate"]
    assert row["group"] == "male"
    assert row["ratio"] == pytest.approx(bg["male"] / bg["female"], rel=1e-12)
    assert row["difference"] == pytest.approx(bg["male"] - bg["female"], rel=1e-12)


def test_suppress_below_drops_small_groups():
    rng = np.random.default_rng(0)
    g = np.array(["big"] * 200 + ["small"] * 5 + ["mid"] * 50)
    y = rng.integers(0, 2, len(g))
    r = fairaudit.audit(y, y, sensitive_features=g, n_bootstrap=0, suppress_below=10)
    assert "small" not in r.by_group.index
    assert r.suppressed_groups == ["small"]
    assert r.overall["count"] == len(g)
    flagged = fairaudit.audit(y, y, sensitive_features=g, n_bootstrap=0, min_group_size=60)
    assert sorted(flagged.small_groups) == ["mid", "small"]


def test_y_pred_from_score_and_threshold():
    # a score equal to the threshold is predicted positive ("at least the threshold")
    s = np.array([0.1, 0.5, 0.8, 0.3, 0.45, 0.9])
    y = [0, 1, 1, 0, 1, 0]
    r = fairaudit.audit(
        y,
        sensitive_features=["a", "a", "b", "b", "c", "c"],
        y_score=s,
        threshold=0.5,
        n_bootstrap=0,
        min_group_size=1,
    )
    pred = [0, 1, 1, 0, 0, 1]  # written out by hand
    assert r.overall["accuracy"] == pytest.approx(4 / 6, abs=1e-15)
    assert r.by_group["selection_rate"].tolist() == [0.5, 0.5, 0.5]
    assert r.by_group["accuracy"].tolist() == [1.0, 1.0, 0.0]
    direct = fairaudit.audit(
        y, pred, sensitive_features=["a", "a", "b", "b", "c", "c"], n_bootstrap=0, min_group_size=1
    )
    pd.testing.assert_frame_equal(
        r.by_group.drop(
            columns=[c for c in r.by_group.columns if c not in direct.by_group.columns]
        ),
        direct.by_group,
    )
    assert r.config["threshold"] == 0.5


def test_decision_scores_drop_probability_metrics():
    s = np.array([-2.0, 1.5, 3.0, -0.5])
    r = fairaudit.audit(
        [0, 1, 1, 0],
        [0, 1, 1, 0],
        sensitive_features=["a", "a", "b", "b"],
        y_score=s,
        n_bootstrap=0,
    )
    assert "roc_auc" in r.by_group and "brier_score" not in r.by_group
    with pytest.raises(ValueError, match=r"y_score must be probabilities in \[0, 1\]"):
        fairaudit.audit(
            [0, 1, 1, 0],
            [0, 1, 1, 0],
            sensitive_features=["a", "a", "b", "b"],
            y_score=s,
            metrics=["brier_score"],
        )


def test_audit_model_uses_predict_proba():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=400), "g": rng.choice(["a", "b"], 400)})
    y = (X["x"] + rng.normal(size=400) > 0).astype(int)
    model = LogisticRegression().fit(X[["x"]], y)
    r = fairaudit.audit_model(model, X[["x"]], y, sensitive_features=X["g"], n_bootstrap=0)
    direct = fairaudit.audit(
        y,
        model.predict(X[["x"]]),
        sensitive_features=X["g"],
        y_score=model.predict_proba(X[["x"]])[:, 1],
        n_bootstrap=0,
    )
    pd.testing.assert_frame_equal(r.by_group, direct.by_group)
    t = fairaudit.audit_model(
        model, X[["x"]], y, sensitive_features=X["g"], threshold=0.7, n_bootstrap=0
    )
    expected = (model.predict_proba(X[["x"]])[:, 1] >= 0.7).mean()
    assert t.overall["selection_rate"] == pytest.approx(expected)


def test_audit_model_string_classes_and_column_names():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.normal(size=300), "g": rng.choice([0, 1], 300)})
    y = np.where(X["x"] > 0, "hired", "rejected")
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    r = fairaudit.audit_model(model, X, y, sensitive_features="g", n_bootstrap=0)
    # classes_ sorted: ["hired", "rejected"] -> positive is classes_[1] = "rejected"
    assert r.overall["base_rate"] == pytest.approx(np.mean(y == "rejected"))
    assert list(r.by_group.index) == [0, 1]


# ------------------------------------------------------------------ bad input
BAD = [
    (
        dict(y_true=[], y_pred=[], sensitive_features=[]),
        ValueError,
        v.ERR_EMPTY.format(name="y_true"),
    ),
    (
        dict(y_true=[0, 1], y_pred=[0], sensitive_features=["a", "b"]),
        ValueError,
        v.ERR_LENGTH.format(name="y_pred", got=1, ref_name="y_true", n=2),
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a"]),
        ValueError,
        v.ERR_LENGTH.format(name="sensitive_features", got=1, ref_name="y_true", n=2),
    ),
    (
        dict(y_true=[0, np.nan], y_pred=[0, 1], sensitive_features=["a", "b"]),
        ValueError,
        v.ERR_NAN_LABEL.format(name="y_true", k=1),
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, None], sensitive_features=["a", "b"]),
        ValueError,
        v.ERR_NAN_LABEL.format(name="y_pred", k=1),
    ),
    (
        dict(y_true=[0, 2], y_pred=[0, 1], sensitive_features=["a", "b"]),
        ValueError,
        v.ERR_NON_BINARY.format(name="y_true", values="[0, 2]"),
    ),
    (
        dict(y_true=["x", "y"], y_pred=["x", "y"], sensitive_features=["a", "b"]),
        ValueError,
        v.ERR_NEED_POS_LABEL.format(name="y_true", values="['x', 'y']"),
    ),
    (
        dict(
            y_true=[0, 1],
            y_pred=[0, 1],
            sensitive_features=["a", "b"],
            y_score=[0.2, 1.4],
            metrics=["brier_score"],
        ),
        ValueError,
        v.ERR_SCORE_RANGE.format(metrics="brier_score", lo=0.2, hi=1.4),
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], sample_weight=[1, -1]),
        ValueError,
        v.ERR_WEIGHT_NEG.format(k=1),
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], sample_weight=[0, 0]),
        ValueError,
        v.ERR_WEIGHT_ZERO,
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], metrics=["bogus"]),
        ValueError,
        "metrics: unknown metric 'bogus'; known metrics are count, base_rate, "
        "selection_rate, true_positive_rate, false_positive_rate, true_negative_rate, "
        "false_negative_rate, positive_predictive_value, negative_predictive_value, "
        "false_discovery_rate, false_omission_rate, accuracy, error_rate, balanced_accuracy, "
        "roc_auc, brier_score, expected_calibration_error, mean_score, precision, recall.",
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], metrics=["roc_auc"]),
        ValueError,
        "metrics: 'roc_auc' needs scores; pass y_score= (e.g. predict_proba[:, 1]).",
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], reference_group="z"),
        ValueError,
        ERR_REFERENCE.format(ref="z", attribute="sensitive_feature", groups="'a', 'b'"),
    ),
    (
        dict(
            y_true=[0, 1],
            y_pred=[0, 1],
            sensitive_features={"f": ["a", "b"], "g": [1, 2]},
            reference_group="a",
        ),
        ValueError,
        ERR_REFERENCE_SHAPE.format(names=["f", "g"], ref="a"),
    ),
    (dict(y_true=[0, 1], sensitive_features=["a", "b"]), ValueError, ERR_NO_PRED),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], n_bootstrap=-1),
        ValueError,
        "n_bootstrap must be a whole number >= 0 (0 turns the bootstrap off); got -1.",
    ),
    *[
        (
            dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], random_state=bad),
            ValueError,
            "random_state must be None, a whole number >= 0 or a numpy.random.Generator; "
            f"got {bad!r}.",
        )
        for bad in (-1, 1.5, True, "3")
    ],
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], confidence_level=95),
        ValueError,
        "confidence_level must be a number strictly between 0 and 1, e.g. 0.95; got 95.",
    ),
    (
        dict(
            y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], y_score=[0.1, float("nan")]
        ),
        ValueError,
        v.ERR_SCORE_NAN.format(k=1),
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=object()),
        TypeError,
        v.ERR_SF_TYPE.format(type="object"),
    ),
    (
        dict(y_true=[0, 1], y_pred=[0, 1], sensitive_features=["a", "b"], tolerances={"nope": 0.1}),
        ValueError,
        "tolerances: unknown criterion 'nope'; known criteria are demographic_parity_difference, "
        "demographic_parity_ratio, equalized_odds_difference, equalized_odds_ratio, "
        "equal_opportunity_difference, equal_opportunity_ratio, predictive_parity_difference, "
        "four_fifths_rule.",
    ),
]


@pytest.mark.parametrize(("kwargs", "exc", "message"), BAD)
def test_bad_input_gets_a_clear_error(kwargs, exc, message):
    with pytest.raises(exc) as info:
        fairaudit.audit(**kwargs)
    text = str(info.value)
    assert text == message
    # every message names an argument of audit
    assert any(
        arg in text
        for arg in (
            "y_true",
            "y_pred",
            "y_score",
            "sample_weight",
            "sensitive_features",
            "metrics",
            "reference_group",
            "n_bootstrap",
            "confidence_level",
            "tolerances",
            "random_state",
        )
    )


def test_unknown_reference_lists_the_groups():
    with pytest.raises(ValueError) as info:
        fairaudit.audit([0, 1], [0, 1], sensitive_features=["a", "b"], reference_group="z")
    assert "'a', 'b'" in str(info.value)


def test_no_warning_for_clean_input(data):
    y, pred, score, sf = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fairaudit.audit(
            y, pred, sensitive_features=sf, y_score=score, n_bootstrap=20, random_state=0
        )


def test_repr_and_html_repr(data):
    y, pred, _, sf = data
    r = fairaudit.audit(y, pred, sensitive_features=sf["sex"], n_bootstrap=0)
    text = repr(r)
    assert text.startswith("AuditResult: verdict")
    assert "demographic_parity_ratio" in text
    html = r._repr_html_()
    assert "<table" in html and "demographic_parity_ratio" in html


def test_html_repr_escapes_group_names():
    g = ["<script>alert(1)</script>"] * 3 + ["b"] * 3
    r = fairaudit.audit([0, 1, 0, 1, 0, 1], [0, 1, 1, 1, 0, 0], sensitive_features=g, n_bootstrap=0)
    assert "<script>" not in r._repr_html_()


def test_config_keeps_reference_and_pos_label_types():
    r = fairaudit.audit(
        [0, 1, 1, 0],
        [0, 1, 0, 0],
        sensitive_features=["a", "a", "b", "b"],
        pos_label=1,
        reference_group="b",
        n_bootstrap=0,
    )
    assert r.config["pos_label"] == 1 and isinstance(r.config["pos_label"], int)
    assert r.config["reference_group"] == "b"
    m = fairaudit.audit(
        [0, 1, 1, 0],
        [0, 1, 0, 0],
        sensitive_features={"f": ["a", "a", "b", "b"], "g": [1, 1, 2, 2]},
        reference_group=("b", 2),
        n_bootstrap=0,
    )
    assert m.config["reference_group"] == ["b", 2]
    json.loads(m.to_json())


def test_audit_model_passes_groups_to_postprocessing_mitigators():
    from sklearn.linear_model import LogisticRegression

    from fairaudit.mitigation import ThresholdOptimizer

    rng = np.random.default_rng(3)
    n = 4000
    X = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b"], n)})
    y = (X["x"] + 0.8 * (X["g"] == "a") + rng.normal(size=n) > 0.5).astype(int)
    opt = ThresholdOptimizer(
        LogisticRegression(), constraint="demographic_parity", random_state=0
    ).fit(X[["x"]], y, sensitive_features=X["g"])
    r = fairaudit.audit_model(opt, X[["x"]], y, sensitive_features=X["g"], n_bootstrap=0)
    expected = opt.predict(X[["x"]], sensitive_features=X["g"])
    direct = fairaudit.audit(y, expected, sensitive_features=X["g"], n_bootstrap=0)
    pd.testing.assert_frame_equal(r.by_group, direct.by_group)
    assert r.meta["name"] == "ThresholdOptimizer"
    assert r.disparities.loc["selection_rate", "difference"] < 0.05


def test_zero_weight_rows_give_their_own_reason_and_no_warning():
    y = np.array([1, 0, 1, 0, 1, 1, 0, 0])
    p = np.array([1, 1, 0, 0, 1, 0, 1, 0])
    g = np.array(list("aaaabbbb"))
    w = np.array([1, 1, 1, 1, 0, 0, 0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = fairaudit.audit(
            y,
            p,
            sensitive_features=g,
            sample_weight=w,
            n_bootstrap=50,
            random_state=0,
            min_group_size=1,
        )
    reasons = r.undefined.set_index(["group", "metric"])["reason"]
    assert reasons[("b", "true_positive_rate")] == (
        "only zero-weight actual positives in the group (2 row(s), all with sample_weight 0)"
    )
    assert reasons[("b", "selection_rate")].startswith("the group's sample weights sum to 0")
    # a group without positive rows at all keeps the plain reason
    r2 = fairaudit.audit(
        [0, 0, 1, 0],
        [0, 1, 1, 0],
        sensitive_features=["a", "a", "b", "b"],
        n_bootstrap=0,
        min_group_size=1,
    )
    assert (
        r2.undefined.set_index(["group", "metric"])["reason"][("a", "true_positive_rate")]
        == "no actual positives in the group (TP + FN = 0)"
    )


def test_subpackages_load_on_first_use():
    import importlib
    import subprocess
    import sys

    code = (
        "import sys, fairaudit; assert 'fairaudit.mitigation' not in sys.modules; "
        "assert fairaudit.mitigation.Reweighing.__name__ == 'Reweighing'; "
        "assert fairaudit.simulation.simulate_policing; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        importlib.import_module("fairaudit").nope


def test_an_audit_of_predictions_does_not_import_scikit_learn_and_records_its_version():
    """Auditing decisions, numbers or classes needs no estimator: scikit-learn (over half a
    second of a command-line audit's start) is not imported, and the version the result
    records is the installed one (the oracle: scikit-learn itself, in the parent)."""
    import subprocess
    import sys

    import sklearn

    code = (
        "import sys, json, numpy as np, fairaudit\n"
        "rng = np.random.default_rng(0); n = 300; g = rng.choice(['a', 'b'], n)\n"
        "y = rng.integers(0, 2, n); s = rng.random(n)\n"
        "r = [fairaudit.audit(y, (s > .5).astype(int), y_score=s, sensitive_features=g,\n"
        "                     n_bootstrap=20, random_state=0),\n"
        "     fairaudit.audit(rng.normal(size=n), rng.normal(size=n), sensitive_features=g,\n"
        "                     task='regression', n_bootstrap=20, random_state=0),\n"
        "     fairaudit.audit(rng.integers(0, 3, n), rng.integers(0, 3, n),\n"
        "                     sensitive_features=g, task='multiclass', n_bootstrap=20,\n"
        "                     random_state=0)]\n"
        "print(json.dumps(['sklearn' in sys.modules,\n"
        "                  [x.to_dict()['meta']['versions']['scikit-learn'] for x in r]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    imported, versions = json.loads(out.stdout)
    assert imported is False
    assert versions == [sklearn.__version__] * 3
