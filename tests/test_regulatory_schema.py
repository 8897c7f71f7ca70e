"""The LL144 JSON document against its shipped JSON Schema: every kind of audit validates, the
version is the one the schema describes, and the schema rejects documents that break it."""

from __future__ import annotations

import copy
import json

import jsonschema
import numpy as np
import pytest

from fairaudit.regulatory import LL144Audit, ll144
from fairaudit.regulatory._ll144 import SCHEMA_VERSION

RACES = ["White", "Black or African American", "Asian", "Hispanic or Latino"]


def _audits():
    rng = np.random.default_rng(3)
    n = 600
    sex = rng.choice(["Male", "Female", "Unknown"], n, p=[0.5, 0.45, 0.05])
    race = rng.choice(RACES, n, p=[0.55, 0.25, 0.19, 0.01])
    selected = rng.integers(0, 2, n)
    score = np.round(rng.normal(size=n), 1)  # ties at the median
    yield "selection, holm", ll144(sex=sex, race_ethnicity=race, selected=selected)
    yield (
        "selection, none",
        ll144(sex=sex, race_ethnicity=race, selected=selected, correction="none"),
    )
    yield (
        "scoring, bh, 2% rule",
        ll144(sex=sex, race_ethnicity=race, score=score, correction="bh", exclude_below=0.02),
    )


@pytest.fixture(scope="module")
def validator():
    schema = LL144Audit.json_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize(
    "name,audit", list(_audits()), ids=lambda x: x if isinstance(x, str) else ""
)
def test_every_kind_of_audit_validates(validator, name, audit):
    doc = json.loads(audit.to_json())
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}"
    assert doc["schema_version"] == SCHEMA_VERSION == "1.1"
    for name in ("sex", "race_ethnicity", "intersectional"):
        frame = audit.tables[name]
        rows = doc["tables"][name]
        for (_, r), d in zip(frame.iterrows(), rows, strict=True):
            # a category excluded by the 2% rule or without applicants has no shortfall
            assert (d["shortfall"] is None) == (r["verdict"] == "excluded" or r["applicants"] == 0)


def test_the_schema_rejects_broken_documents(validator):
    doc = json.loads(next(iter(_audits()))[1].to_json())
    broken = []
    d = copy.deepcopy(doc)
    d["schema_version"] = "1.0"
    broken.append(d)
    d = copy.deepcopy(doc)
    d["tables"]["sex"][0]["rate"] = 1.5
    broken.append(d)
    d = copy.deepcopy(doc)
    del d["tables"]["race_ethnicity"][0]["p_adjusted"]
    broken.append(d)
    d = copy.deepcopy(doc)
    d["meta"]["correction"] = "bonferroni"
    broken.append(d)
    d = copy.deepcopy(doc)
    d["tables"]["intersectional"][0]["verdict"] = "PASS"
    broken.append(d)
    for d in broken:
        assert not validator.is_valid(d)
