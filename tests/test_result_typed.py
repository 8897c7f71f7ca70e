"""The typed result: frozen parts with documented fields, copies from its properties, a
JSON round trip that keeps every part, and files of earlier schema versions still read."""

from __future__ import annotations

import copy
import json
import pickle
from dataclasses import FrozenInstanceError, fields

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit._meta import AuditMeta
from fairaudit.metrics._config import AuditConfig
from fairaudit.metrics._tables import AttributeTables


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(11)
    n = 1500
    with pytest.warns(UserWarning, match="missing value"):
        return fairaudit.audit(
            rng.integers(0, 2, n),
            rng.integers(0, 2, n),
            y_score=rng.random(n),
            sensitive_features={
                "sex": rng.choice(["F", "M"], n),
                "age": rng.choice(["<40", "40+", None], n),
            },
            sample_weight=rng.uniform(0.5, 2, n),
            n_bootstrap=40,
            random_state=3,
            name="model A",
        )


def test_the_parts_are_typed_and_frozen(result):
    assert isinstance(result.settings, AuditConfig)
    assert isinstance(result.info, AuditMeta)
    assert isinstance(result.tables, AttributeTables)
    assert result.features == ("sex", "age")
    assert result.info.name == result.settings.name == "model A"
    assert result.info.n_samples == 1500 and result.info.weighted
    assert result.info.n_missing["sex"] == 0 and result.info.n_missing["age"] > 0
    assert result.marginals["age"].info.n_missing == {"age": result.info.n_missing["age"]}
    for obj, name in (
        (result, "attribute"),
        (result.settings, "n_bootstrap"),
        (result.info, "n_samples"),
        (result.tables, "by_group"),
    ):
        with pytest.raises(FrozenInstanceError):
            setattr(obj, name, None)
    with pytest.raises(TypeError):
        result.marginals["sex"] = result  # a read-only mapping
    with pytest.raises(TypeError):
        result.info.n_missing["age"] = 0


def test_every_field_is_documented():
    for cls in (fairaudit.AuditResult, AuditMeta, AttributeTables, fairaudit.Comparison):
        doc = cls.__doc__ or ""
        for f in fields(cls):
            assert f"{f.name} :" in doc or f"{f.name}, " in doc, (cls.__name__, f.name)


def test_properties_return_copies(result):
    before = result.tables.by_group.copy()
    shown = result.by_group
    shown.iloc[0, 0] = -1
    shown["extra"] = 1
    pd.testing.assert_frame_equal(result.by_group, before)
    crit = result.criteria
    crit["verdict"] = "pass"
    assert (result.criteria["verdict"] != "pass").any() or result.verdict == "pass"
    config = result.config
    config["n_bootstrap"] = 0
    assert result.config["n_bootstrap"] == 40
    meta = result.meta
    meta["notes"].append("x")
    assert "x" not in result.meta["notes"]


def test_the_json_form_is_derived_from_the_typed_parts(result):
    assert result.config == result.settings.to_dict()
    assert result.meta == result.info.to_dict()
    assert result.config["weighted"] is True and result.config["probabilistic"] is True
    assert result.settings.interval_method == "bootstrap"


def test_round_trips_keep_every_part(result):
    d = result.to_dict()
    back = fairaudit.AuditResult.from_dict(json.loads(json.dumps(d)))
    assert back.to_dict() == d
    assert back.settings == result.settings.__class__.from_dict(
        d["config"], name="model A", weighted=True
    )
    assert back.info == result.info
    for other in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
        assert other.to_dict() == d
        assert isinstance(other.marginals["sex"], fairaudit.AuditResult)


def test_a_schema_1_1_file_still_loads(result):
    d = json.loads(result.to_json())
    d["schema_version"] = "1.1"
    for key in ("weighted", "probabilistic", "nonnegative_scores", "left_out"):
        del d["config"][key]
    for part in (d, *d["marginals"].values()):
        for key in ("weighted", "probabilistic", "nonnegative_scores", "left_out"):
            part["config"].pop(key, None)
    old = fairaudit.AuditResult.from_dict(d)
    # what the data decided comes from meta (weights) and the defaults of that version
    assert old.settings.weighted and old.settings.probabilistic
    assert old.settings.correction_scope == result.settings.correction_scope
    pd.testing.assert_frame_equal(
        old.criteria, fairaudit.AuditResult.from_dict(result.to_dict()).criteria
    )
    assert old.verdict == result.verdict
    assert json.loads(old.to_json())["schema_version"] == fairaudit.SCHEMA_VERSION


def test_scores_that_are_not_probabilities_are_recorded_in_the_settings():
    rng = np.random.default_rng(0)
    n = 600
    r = fairaudit.audit(
        rng.integers(0, 2, n),
        rng.integers(0, 2, n),
        y_score=rng.normal(size=n),
        sensitive_features=rng.choice(["a", "b"], n),
        n_bootstrap=0,
        random_state=0,
    )
    assert not r.settings.probabilistic and not r.settings.nonnegative_scores
    assert {m for m, _ in r.settings.left_out} == {"brier_score", "expected_calibration_error"}
    assert r.settings.interval_method == "wilson" and r.config["ci_method"] == "wilson"
    back = fairaudit.AuditResult.from_dict(r.to_dict())
    assert back.settings.left_out == r.settings.left_out
