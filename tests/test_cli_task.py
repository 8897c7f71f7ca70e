"""``fairaudit audit --task``: regression and multiclass audits from the command line, their
gates, and the hint a binary audit of numbers or classes gives."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("task")
    rng = np.random.default_rng(0)
    n = 1200
    sex = rng.choice(["f", "m"], n)
    y = rng.normal(50, 10, n)
    offer = y + rng.normal(0, 5, n) + (sex == "m") * 6
    pd.DataFrame({"sex": sex, "income": y, "offer": offer}).to_csv(d / "reg.csv", index=False)
    classes = np.array(["low", "mid", "high"])
    yt = classes[rng.integers(0, 3, n)]
    yp = np.where(rng.random(n) < 0.7, yt, classes[rng.integers(0, 3, n)])
    pd.DataFrame({"sex": sex, "y": yt, "p": yp}).to_csv(d / "mc.csv", index=False)
    return d


def test_a_regression_audit_gates_on_smd_and_matches_the_library(files, capsys):
    out = files / "reg.json"
    code = main(
        [
            "audit",
            str(files / "reg.csv"),
            "--target",
            "income",
            "--prediction",
            "offer",
            "--sensitive",
            "sex",
            "--task",
            "regression",
            "--seed",
            "0",
            "--n-bootstrap",
            "200",
            "--json",
            str(out),
            "--fail-on",
            "smd>0.2",
            "-q",
        ]
    )
    # the offer is 6 points higher for m: about 0.5 pooled SD, so the gate fails
    assert code == 1
    document = json.loads(out.read_text())
    assert document["config"]["task"] == "regression"
    data = pd.read_csv(files / "reg.csv")
    direct = fairaudit.audit(
        data["income"],
        data["offer"],
        sensitive_features=data["sex"],
        task="regression",
        n_bootstrap=200,
        random_state=0,
    )
    smd = direct.criteria.set_index("criterion").loc["smd", "value"]
    assert smd > 0.2
    back = fairaudit.AuditResult.from_dict(document).criteria.set_index("criterion")
    assert back.loc["smd", "value"] == pytest.approx(smd, rel=1e-12)
    assert "smd" in capsys.readouterr().err


def test_a_multiclass_audit_runs_and_its_worst_case_gates(files, capsys):
    code = main(
        [
            "audit",
            str(files / "mc.csv"),
            "--target",
            "y",
            "--prediction",
            "p",
            "--sensitive",
            "sex",
            "--task",
            "multiclass",
            "--seed",
            "0",
            "--n-bootstrap",
            "100",
            "--fail-on",
            "demographic_parity_difference>0.5",
        ]
    )
    assert code == 0
    assert "demographic_parity_difference" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "target", "prediction"), [("reg.csv", "income", "offer"), ("mc.csv", "y", "p")]
)
def test_a_binary_audit_of_numbers_or_classes_names_the_task_option(
    files, capsys, name, target, prediction
):
    code = main(
        [
            "audit",
            str(files / name),
            "--target",
            target,
            "--prediction",
            prediction,
            "--sensitive",
            "sex",
            "-q",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "--task regression" in err and "--task multiclass" in err


def test_task_with_a_model_is_refused(files, tmp_path, capsys):
    model = tmp_path / "m.pkl"
    model.write_bytes(b"not read")
    code = main(
        [
            "audit",
            str(files / "reg.csv"),
            "--target",
            "income",
            "--model",
            str(model),
            "--sensitive",
            "sex",
            "--task",
            "regression",
        ]
    )
    assert code == 2
    assert "argument --task" in capsys.readouterr().err
