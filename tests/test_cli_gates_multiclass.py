"""``--fail-on`` gates on one class of a multiclass audit (``selection_rate[B]<0.2``,
``demographic_parity_difference['very high']>0.1``), run through the installed ``fairaudit``
script; the values the gates compare are recomputed with pandas from the file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit import cli
from fairaudit.cli._gates import parse_gate

SCRIPT = shutil.which("fairaudit", path=str(Path(sys.executable).parent))
CLASSES = np.array(["low", "mid", "very high", "a]b"], dtype=object)


def run(args, timeout=180):
    if SCRIPT is None:
        pytest.fail(f"the fairaudit script is not installed next to {sys.executable}")
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run(
        [SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env
    )


def one_line_error(proc):
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    prefix = "fairaudit audit: error: "
    assert proc.stderr.startswith(prefix), proc.stderr
    return proc.stderr[len(prefix) :].rstrip("\n")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("mcgates")
    rng = np.random.default_rng(5)
    n = 3000
    sex = rng.choice(["f", "m"], n)
    yt = CLASSES[rng.integers(0, 4, n)]
    # class "very high" is predicted far more often for m
    yp = np.where(rng.random(n) < 0.6, yt, CLASSES[rng.integers(0, 4, n)])
    boost = (sex == "m") & (rng.random(n) < 0.25)
    yp = np.where(boost, "very high", yp)
    frame = pd.DataFrame({"sex": sex, "y": yt, "p": yp})
    frame.to_csv(d / "mc.csv", index=False)
    frame.assign(y=(yt == "low").astype(int), p=(yp == "low").astype(int)).to_csv(
        d / "binary.csv", index=False
    )
    return d, frame


def base(d, name="mc.csv"):
    return [
        "audit",
        d / name,
        "--target",
        "y",
        "--prediction",
        "p",
        "--sensitive",
        "sex",
        "--seed",
        "0",
        "--n-bootstrap",
        "100",
    ]


def pandas_dp(frame, cls):
    rate = (frame["p"] == cls).groupby(frame["sex"]).mean()
    return float(rate.max() - rate.min())


def test_a_class_criterion_and_a_class_metric_gate_on_pandas_values(data, tmp_path):
    d, frame = data
    dp = pandas_dp(frame, "very high")  # about 0.2
    share_b = float((frame["p"] == "a]b").mean())
    assert 0.1 < dp < 0.3 and 0.1 < share_b < 0.3
    out = tmp_path / "r.json"
    proc = run(
        [
            *base(d),
            "--task",
            "multiclass",
            "--json",
            out,
            "--fail-on",
            f"demographic_parity_difference['very high']>{dp - 0.01}",
            "--fail-on",
            f'selection_rate["a]b"]<{share_b + 0.01}',
        ]
    )
    assert proc.returncode == 1, proc.stderr
    assert "demographic_parity_difference[very high] = " in proc.stdout
    assert "overall selection_rate[a]b] = " in proc.stdout
    document = json.loads(out.read_text())
    crit = fairaudit.AuditResult.from_dict(document).criteria
    value = crit.loc[crit["criterion"] == "demographic_parity_difference[very high]", "value"]
    assert float(value.iloc[0]) == pytest.approx(dp, abs=1e-12)
    # just on the other side of the pandas values: both gates pass
    proc = run(
        [
            *base(d),
            "--task",
            "multiclass",
            "-q",
            "--fail-on",
            f"sex:demographic_parity_difference[very high]>{dp + 0.01}",
            "--fail-on",
            f"selection_rate[ 'a]b' ]<{share_b - 0.01}",
        ]
    )
    assert proc.returncode == 0, proc.stderr


def test_an_unknown_class_is_reported_with_the_classes(data):
    d, _ = data
    message = one_line_error(
        run([*base(d), "--task", "multiclass", "--fail-on", "selection_rate[high]<0.2"])
    )
    assert "'high' is not a class of this audit" in message
    for c in CLASSES:
        assert repr(str(c)) in message


def test_a_class_gate_on_a_binary_audit_names_the_fix_before_auditing(data, monkeypatch, capsys):
    d, _ = data
    message = one_line_error(
        run([*base(d, "binary.csv"), "--fail-on", "demographic_parity_difference[1]>0.1"])
    )
    assert "this is a binary audit" in message and "--task multiclass" in message
    assert "'demographic_parity_difference>0.1'" in message

    def must_not_run(*args, **kwargs):
        raise AssertionError("the audit ran before the gate was checked")

    monkeypatch.setattr(fairaudit, "audit", must_not_run)
    monkeypatch.setattr(fairaudit, "audit_table", must_not_run)
    for task, gate in (
        ("regression", "selection_rate[1]<0.5"),
        ("multiclass", "accuracy[low]<0.5"),
    ):
        code = cli.main([*map(str, base(d)), "--task", task, "--fail-on", gate])
        assert code == 2
        err = capsys.readouterr().err
        assert (
            ("regression audit" in err)
            if task == "regression"
            else ("'accuracy' has no value per class" in err)
        )


def test_a_number_class_matches_its_text_and_its_value(data, capsys):
    d, frame = data
    rng = np.random.default_rng(1)
    n = len(frame)
    yt = rng.integers(1, 4, n).astype(float)  # classes 1.0, 2.0, 3.0
    yp = np.where(rng.random(n) < 0.7, yt, rng.integers(1, 4, n))
    path = d / "numbers.csv"
    pd.DataFrame({"sex": frame["sex"], "y": yt, "p": yp}).to_csv(path, index=False)
    share = float((yp == 2).mean())
    for written in ("2", "2.0"):
        code = cli.main(
            [
                "audit",
                str(path),
                "--target",
                "y",
                "--prediction",
                "p",
                "--sensitive",
                "sex",
                "--task",
                "multiclass",
                "--n-bootstrap",
                "0",
                "--fail-on",
                f"selection_rate[{written}]>{share - 0.001}",
            ]
        )
        assert code == 1
        assert "overall selection_rate[" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "attribute", "name", "cls"),
    [
        ("selection_rate[<=50K]<0.2", None, "selection_rate", "<=50K"),
        ("sex:equalized_odds_ratio[ 'x:y' ]<0.8", "sex", "equalized_odds_ratio", "x:y"),
        ('demographic_parity_ratio["it\'s"]<0.8', None, "demographic_parity_ratio", "it's"),
        ("recall[B] < 0.5", None, "recall", "B"),
    ],
)
def test_class_labels_with_punctuation_parse(text, attribute, name, cls):
    gate = parse_gate(text)
    assert (gate.attribute, gate.name, gate.cls) == (attribute, name, cls)
