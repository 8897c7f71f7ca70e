"""How ``task="auto"`` chooses the kind of audit, and how the choice is recorded."""

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit._task import MAX_AUTO_CLASSES, check_task, infer_task


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 1, 1, 0], "binary"),
        ([True, False], "binary"),
        (["yes", "no", "no"], "binary"),
        ([0.0, 1.0, np.nan], "binary"),
        ([3, 3, 3], "binary"),
        ([0.5, 1.0, 2.25], "regression"),
        (list(range(MAX_AUTO_CLASSES + 1)), "regression"),
        (list(range(MAX_AUTO_CLASSES)), "multiclass"),
        (["a", "b", "c"], "multiclass"),
        (pd.Categorical(["low", "mid", "high", "mid"]), "multiclass"),
        (pd.array([1, 2, None, 3], dtype="Int64"), "multiclass"),
    ],
)
def test_auto_chooses_from_the_outcomes(values, expected):
    from fairaudit._validation import check_1d

    assert infer_task(check_1d(values, "y_true"))[0] == expected


@pytest.mark.parametrize("bad", ["Binary", "classification", None, 1])
def test_an_unknown_task_names_the_choices(bad):
    with pytest.raises(ValueError, match="task must be one of 'auto', 'binary'"):
        check_task(bad)
    with pytest.raises(ValueError, match="task must be one of"):
        fairaudit.audit([0, 1], [0, 1], sensitive_features=["a", "b"], task=bad)


def test_a_binary_audit_records_its_task_and_an_older_file_reads_as_binary():
    r = fairaudit.audit(
        [0, 1, 1, 0] * 10,
        [0, 1, 0, 0] * 10,
        sensitive_features=["a", "b"] * 20,
        random_state=0,
        n_bootstrap=0,
    )
    assert r.config["task"] == "binary"
    assert not any("task" in note for note in r.meta["notes"])
    d = r.to_dict()
    assert d["schema_version"] == fairaudit.SCHEMA_VERSION == "1.3"
    old = dict(
        d, schema_version="1.2", config={k: v for k, v in d["config"].items() if k != "task"}
    )
    assert fairaudit.AuditResult.from_dict(old).settings.task == "binary"
