"""The JSON Schema of audit results: valid itself, shipped with the package, and strict
enough to refuse documents that are not results."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import fastjsonschema
import jsonschema
import numpy as np
import pandas as pd
import pytest

import fairaudit

SCHEMA = fairaudit.AuditResult.json_schema()


@pytest.fixture(scope="module")
def document():
    rng = np.random.default_rng(4)
    n = 800
    result = fairaudit.audit(
        rng.integers(0, 2, n),
        rng.integers(0, 2, n),
        y_score=rng.random(n),
        sensitive_features={"sex": rng.choice(["F", "M"], n), "age": rng.choice(["<40", "40+"], n)},
        sample_weight=rng.uniform(0.5, 2, n),
        n_bootstrap=30,
        random_state=0,
    )
    return json.loads(result.to_json())


def test_the_schema_is_a_valid_draft_7_schema():
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_a_result_validates_with_both_validators(document):
    jsonschema.Draft7Validator(SCHEMA).validate(document)
    fastjsonschema.compile(SCHEMA)(document)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("verdict"),
        lambda d: d.update(verdict="n/a"),
        lambda d: d.update(schema_version="2.0"),
        lambda d: d["config"].update(correction="bonferroni"),
        lambda d: d["meta"].pop("n_samples"),
        lambda d: d["by_group"].pop("columns"),
        lambda d: d["criteria"].update(columns=["value"]),
        lambda d: d["marginals"]["sex"].pop("criteria"),
        lambda d: d.update(extra=1),
        lambda d: d["verdict_counts"].update(fail=-1),
    ],
)
def test_documents_that_are_not_results_are_refused(document, mutate):
    bad = copy.deepcopy(document)
    mutate(bad)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(bad)


def test_the_schema_travels_with_the_installed_package():
    import fairaudit as pkg

    path = Path(pkg.__file__).parent / "schema" / "audit-result.schema.json"
    assert json.loads(path.read_text(encoding="utf-8")) == SCHEMA


def test_a_schema_1_0_file_validates_once_read_again():
    data = Path(__file__).parent / "data" / "audit-schema-1.0.json.gz"
    old = fairaudit.AuditResult.from_json(gzip.decompress(data.read_bytes()).decode("utf-8"))
    jsonschema.Draft7Validator(SCHEMA).validate(json.loads(old.to_json()))


def test_binned_groups_are_written_as_their_text():
    """Groups from pd.cut are Interval objects; JSON holds their text."""
    import pandas as pd

    rng = np.random.default_rng(2)
    age = pd.Series(pd.cut(rng.uniform(18, 80, 400), bins=[18, 40, 60, 80]), name="age")
    y = rng.integers(0, 2, 400)
    result = fairaudit.audit(y, rng.integers(0, 2, 400), sensitive_features=age, n_bootstrap=0)
    document = json.loads(result.to_json())
    jsonschema.Draft7Validator(SCHEMA).validate(document)
    assert document["by_group"]["index"] == ["(18, 40]", "(40, 60]", "(60, 80]"]
    assert document["reference_group"] == str(result.reference_group)


@pytest.fixture(scope="module")
def regression_document():
    rng = np.random.default_rng(5)
    n = 600
    y = rng.normal(40, 10, n)
    result = fairaudit.audit(
        y,
        y + rng.normal(0, 5, n),
        sensitive_features={"sex": rng.choice(["F", "M"], n), "age": rng.choice(["<40", "40+"], n)},
        sample_weight=rng.uniform(0.5, 2, n),
        task="regression",
        n_bootstrap=30,
        random_state=0,
        tolerances={"bounded_group_loss": 30.0},
    )
    return json.loads(result.to_json())


def test_a_regression_result_validates_and_reads_back(regression_document):
    jsonschema.Draft7Validator(SCHEMA).validate(regression_document)
    fastjsonschema.compile(SCHEMA)(regression_document)
    assert regression_document["config"]["task"] == "regression"
    back = fairaudit.AuditResult.from_dict(copy.deepcopy(regression_document))
    assert json.loads(back.to_json()) == regression_document


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["config"].update(task="ordinal"),
        lambda d: d["criteria"].update(columns=["value"]),
        lambda d: d["marginals"]["sex"].pop("to_reference"),
    ],
)
def test_regression_documents_that_are_not_results_are_refused(regression_document, mutate):
    bad = copy.deepcopy(regression_document)
    mutate(bad)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(bad)


@pytest.fixture(scope="module")
def multiclass_document():
    rng = np.random.default_rng(5)
    n = 600
    classes = np.array(["low", "medium", "high"], dtype=object)
    yt = classes[rng.integers(0, 3, n)]
    yp = np.where(rng.random(n) < 0.6, yt, classes[rng.integers(0, 3, n)])
    result = fairaudit.audit(
        yt,
        yp,
        task="multiclass",
        sample_weight=rng.uniform(0.5, 2, n),
        n_bootstrap=30,
        sensitive_features={"sex": rng.choice(["F", "M"], n), "age": rng.choice(["<40", "40+"], n)},
        random_state=0,
    )
    return json.loads(result.to_json())


def test_a_multiclass_result_validates_and_reads_back(multiclass_document):
    jsonschema.Draft7Validator(SCHEMA).validate(multiclass_document)
    fastjsonschema.compile(SCHEMA)(multiclass_document)
    assert multiclass_document["config"]["task"] == "multiclass"
    assert "confusion" in multiclass_document["curves"]
    back = fairaudit.AuditResult.from_dict(multiclass_document)
    jsonschema.Draft7Validator(SCHEMA).validate(json.loads(back.to_json()))
    # the disparities of the averages over the classes are rows of the same tables
    for m in ("accuracy", "macro_f1", "weighted_recall"):
        assert m in multiclass_document["disparities"]["index"]
        assert m in set(back.to_reference["metric"])
    pd.testing.assert_frame_equal(
        back.disparities.loc[["macro_f1"]],
        fairaudit.AuditResult.from_dict(json.loads(back.to_json())).disparities.loc[["macro_f1"]],
    )


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["config"].update(task="ordinal"),
        lambda d: d["curves"]["confusion"].pop("data"),
        lambda d: d["marginals"]["age"]["criteria"].update(columns=["value"]),
    ],
)
def test_broken_multiclass_documents_are_refused(multiclass_document, mutate):
    bad = copy.deepcopy(multiclass_document)
    mutate(bad)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(bad)


@pytest.mark.parametrize(
    ("document", "found"),
    [
        ({"x": 1}, "its keys: 'x'"),
        ({}, "it is empty"),
        ([1, 2], "it holds a list, not an object"),
        ({f"k{i}": i for i in range(7)}, "its keys: 'k0', 'k1', 'k2', 'k3', 'k4', ..."),
    ],
)
def test_a_document_that_is_not_a_result_is_named_so(document, found):
    read = (
        fairaudit.AuditResult.from_json
        if isinstance(document, dict)
        else (fairaudit.AuditResult.from_dict)
    )
    with pytest.raises(ValueError) as err:
        read(json.dumps(document) if isinstance(document, dict) else document)
    assert str(err.value) == (
        f"not an audit result: it has no schema_version ({found}); write one with "
        "AuditResult.to_json or fairaudit audit --json."
    )
