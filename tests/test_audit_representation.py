"""``audit(reference_shares=)``: the representation audit stored with the result, in its
JSON form and its report."""

from __future__ import annotations

import json
import time

import jsonschema
import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare

import fairaudit

SCHEMA = fairaudit.AuditResult.json_schema()
CENSUS = {"F": 0.5, "M": 0.5}


def _data(seed=0, n=900):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n, p=[0.35, 0.65])
    age = rng.choice(["<40", "40+"], n, p=[0.6, 0.4])
    y = rng.integers(0, 2, n)
    pred = (rng.random(n) < 0.3 + 0.2 * (sex == "M")).astype(int)
    w = rng.uniform(0.5, 2.0, n)
    return sex, age, y, pred, w


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.groups, b.groups, check_exact=False, rtol=1e-12)
    if a.labels is None:
        assert b.labels is None
    else:
        pd.testing.assert_frame_equal(a.labels, b.labels, check_exact=False, rtol=1e-12)
    assert (a.test, a.dof, a.n_rows, a.notes) == (b.test, b.dof, b.n_rows, b.notes)
    for x, y in [
        (a.statistic, b.statistic),
        (a.p_value, b.p_value),
        (a.effective_n, b.effective_n),
        (a.confidence_level, b.confidence_level),
    ]:
        assert x == pytest.approx(y, rel=1e-12, nan_ok=True)
    assert a.divergences == pytest.approx(b.divergences, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_the_stored_representation_is_the_one_computed_directly(weighted):
    sex, _, y, pred, w = _data()
    weight = w if weighted else None
    result = fairaudit.audit(
        y,
        pred,
        sensitive_features=sex,
        sample_weight=weight,
        reference_shares=CENSUS,
        confidence_level=0.9,
        n_bootstrap=50,
        random_state=0,
    )
    direct = fairaudit.representation(
        sex, reference=CENSUS, y_true=y, sample_weight=weight, confidence_level=0.9
    )
    assert isinstance(result.representation, fairaudit.Representation)
    _assert_same(result.representation, direct)
    if not weighted:  # and the test is Pearson's, as scipy computes it
        counts = np.array([(sex == "F").sum(), (sex == "M").sum()])
        expected = chisquare(counts, len(sex) * np.array([0.5, 0.5]))
        assert result.representation.statistic == pytest.approx(expected.statistic, rel=1e-10)
        assert result.representation.p_value == pytest.approx(expected.pvalue, rel=1e-8)


def test_several_features_take_shares_of_their_intersections():
    sex, age, y, pred, _ = _data(1)
    shares = {(s, a): 0.25 for s in ("F", "M") for a in ("<40", "40+")}
    features = {"sex": sex, "age": age}
    result = fairaudit.audit(
        y, pred, sensitive_features=features, reference_shares=shares, n_bootstrap=0
    )
    _assert_same(
        result.representation, fairaudit.representation(features, reference=shares, y_true=y)
    )
    assert list(result.representation.groups.index.names) == ["sex", "age"]


def test_string_labels_with_pos_label_give_the_label_measures():
    sex, _, y, pred, _ = _data(2)
    yes_no = np.where(y == 1, "hired", "rejected")
    pred_yes_no = np.where(pred == 1, "hired", "rejected")
    result = fairaudit.audit(
        yes_no,
        pred_yes_no,
        sensitive_features=sex,
        pos_label="hired",
        reference_shares=CENSUS,
        n_bootstrap=0,
    )
    direct = fairaudit.representation(sex, reference=CENSUS, y_true=y)
    _assert_same(result.representation, direct)


def test_json_round_trip_and_schema():
    sex, _, y, pred, w = _data(3)
    result = fairaudit.audit(
        y,
        pred,
        sensitive_features=sex,
        sample_weight=w,
        reference_shares=pd.Series(CENSUS),
        n_bootstrap=30,
        random_state=1,
    )
    document = json.loads(result.to_json())
    jsonschema.Draft7Validator(SCHEMA).validate(document)
    again = fairaudit.AuditResult.from_json(result.to_json())
    _assert_same(again.representation, result.representation)
    assert json.loads(again.to_json())["representation"] == document["representation"]
    broken = json.loads(result.to_json())
    broken["representation"].pop("groups")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)
    broken = json.loads(result.to_json())
    broken["representation"]["test"] = "t-test"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)


def test_a_result_without_it_round_trips_as_before():
    sex, _, y, pred, _ = _data(4)
    result = fairaudit.audit(y, pred, sensitive_features=sex, n_bootstrap=20, random_state=0)
    assert result.representation is None and result.generalization is None
    document = result.to_dict()
    assert "representation" not in document and "generalization" not in document
    again = fairaudit.AuditResult.from_dict(json.loads(json.dumps(document)))
    assert again.representation is None
    assert json.loads(again.to_json()) == json.loads(json.dumps(document))


def test_the_report_shows_who_is_in_the_data_from_the_result():
    sex, _, y, pred, _ = _data(5)
    result = fairaudit.audit(
        y, pred, sensitive_features=sex, reference_shares=CENSUS, n_bootstrap=20, random_state=0
    )
    html = result.to_html()
    assert html.count('id="who-is-in-the-data"') == 1
    assert "Who is in the data" in html
    # the sentence built from the stored numbers: F's share against its reference share
    share = result.representation.groups.loc["F", "share"]
    assert f"{100 * share:.1f}% of the data" in html
    plain = fairaudit.audit(y, pred, sensitive_features=sex, n_bootstrap=20, random_state=0)
    assert 'id="who-is-in-the-data"' not in plain.to_html()
    # two audits: one section each, named
    two = fairaudit.report.render(result, result)
    assert 'id="who-is-in-the-data"' in two and 'id="who-is-in-the-data-2"' in two
    assert "Who is in the data: Audit 2" in two


def test_suppressed_groups_keep_only_their_reference_share():
    rng = np.random.default_rng(6)
    g = np.array(["a"] * 400 + ["b"] * 300 + ["c"] * 6, dtype=object)
    y, pred = rng.integers(0, 2, len(g)), rng.integers(0, 2, len(g))
    ref = {"a": 0.5, "b": 0.45, "c": 0.05}
    result = fairaudit.audit(
        y, pred, sensitive_features=g, reference_shares=ref, suppress_below=10, n_bootstrap=0
    )
    rep = result.representation
    assert rep.groups.loc["c", ["n", "share", "ratio"]].isna().all()
    assert rep.groups.loc["c", "reference_share"] == 0.05
    assert rep.labels.loc["c"].isna().all()
    assert rep.groups.loc["a", "n"] == 400
    assert any("suppress_below=10" in note for note in rep.notes)
    # the test still uses every row
    direct = fairaudit.representation(g, reference=ref, y_true=y)
    assert rep.p_value == pytest.approx(direct.p_value, rel=1e-12)


def test_wrong_shares_are_refused_by_name_and_early():
    sex, _, y, pred, _ = _data(7)
    start = time.perf_counter()
    with pytest.raises(TypeError, match="reference_shares must be a dict or a pandas Series"):
        fairaudit.audit(y, pred, sensitive_features=sex, reference_shares=[0.5, 0.5])
    with pytest.raises(ValueError, match="not in reference_shares"):
        fairaudit.audit(
            y, pred, sensitive_features=sex, reference_shares={"F": 1.0}, n_bootstrap=5000
        )
    with pytest.raises(ValueError, match="reference_shares: the shares must be"):
        fairaudit.audit(
            y, pred, sensitive_features=sex, reference_shares={"F": 0.5, "M": 0.6}, n_bootstrap=5000
        )
    # refused before the bootstrap of 5000 replicates runs
    assert time.perf_counter() - start < 5


def test_the_result_refuses_other_objects_in_the_typed_fields():
    from dataclasses import replace

    sex, _, y, pred, _ = _data(8)
    result = fairaudit.audit(y, pred, sensitive_features=sex, n_bootstrap=0)
    with pytest.raises(TypeError, match="representation must be a fairaudit.Representation"):
        replace(result, representation={"F": 0.5})


def test_copies_and_pickles_keep_the_optional_parts():
    import copy
    import pickle

    sex, _, y, pred, _ = _data(9)
    result = fairaudit.audit(
        y, pred, sensitive_features=sex, reference_shares=CENSUS, n_bootstrap=0
    )
    for again in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
        _assert_same(again.representation, result.representation)
