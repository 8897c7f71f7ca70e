"""``fairaudit ll144``: outputs, gates and exit codes (in-process and as a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fairaudit.cli import main
from fairaudit.cli.ll144 import ERR_GATE, MSG_NOTHING


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ll144")
    rng = np.random.default_rng(4)
    n = 900
    sex = rng.choice(["Male", "Female", ""], n, p=[0.5, 0.46, 0.04])
    race = rng.choice(
        ["Hispanic or Latino", "White", "Black or African American", "Asian", "Declined"], n
    )
    p = np.where(sex == "Female", 0.25, 0.4)
    hired = (rng.random(n) < p).astype(int)
    score = np.round(rng.normal(0, 1, n) + (sex == "Male"), 1)
    pd.DataFrame({"gender": sex, "race": race, "hired": hired, "score": score}).to_csv(
        d / "data.csv", index=False
    )
    pd.DataFrame({"gender": sex, "race": race, "hired": 0}).to_csv(d / "none.csv", index=False)
    return d


def args(d, *extra, name="data.csv", tool=("--selected", "hired")):
    return ["ll144", str(d / name), "--sex", "gender", "--race-ethnicity", "race", *tool, *extra]


def test_writes_the_summary_files_and_exits_0(files, tmp_path, capsys):
    html, js, md = tmp_path / "a.html", tmp_path / "a.json", tmp_path / "a.md"
    code = main(
        args(
            files,
            "--out",
            str(html),
            "--json",
            str(js),
            "--markdown",
            str(md),
            "--date",
            "2026-02-01",
            "--source",
            "test data",
        )
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("LL144 bias audit (selection tool): 900 applicants")
    assert f"summary written to {html}" in out
    page = html.read_text(encoding="utf-8")
    assert "2026-02-01" in page and "test data" in page and "<script" not in page
    data = json.loads(js.read_text())
    assert data["meta"]["kind"] == "selection" and data["meta"]["applicants"] == 900
    frame = pd.read_csv(files / "data.csv", keep_default_na=False)
    known = frame[frame["gender"] != ""]
    by_sex = {r["category"]: r for r in data["tables"]["sex"]}
    for sex, g in known.groupby("gender"):
        assert by_sex[sex]["applicants"] == len(g)
        assert by_sex[sex]["rate"] == pytest.approx(g["hired"].mean())
    assert "## Sex categories" in md.read_text()


def test_scoring_tool_and_json_on_stdout(files, capsys):
    code = main(args(files, "--json", "-", "--exclude-below", "0.02", tool=("--score", "score")))
    captured = capsys.readouterr()
    assert code == 0
    data = json.loads(captured.out)
    assert data["meta"]["kind"] == "scoring" and data["meta"]["exclude_below"] == 0.02
    frame = pd.read_csv(files / "data.csv")
    assert data["meta"]["median_score"] == pytest.approx(float(np.median(frame["score"])))
    assert captured.err.startswith("LL144 bias audit (scoring tool)")


def test_gates_fail_with_exit_1(files, capsys):
    assert main(args(files, "--fail-on", "sex:impact_ratio<0.8")) == 1
    out = capsys.readouterr().out
    assert "gate 'sex:impact_ratio<0.8': FAIL \u2014 sex: Female = " in out
    assert main(args(files, "--fail-on", "significant")) == 1
    assert "gate 'significant': FAIL" in capsys.readouterr().out
    assert main(args(files, "--fail-on", "sex:impact_ratio<0.1")) == 0
    assert "gate 'sex:impact_ratio<0.1': pass" in capsys.readouterr().out


def test_usage_errors_exit_2_with_one_line(files, capsys):
    cases = [
        (args(files, "--fail-on", "ratio<1"), ERR_GATE.format(text="ratio<1")),
        (
            [
                "ll144",
                str(files / "data.csv"),
                "--sex",
                "nope",
                "--race-ethnicity",
                "race",
                "--selected",
                "hired",
            ],
            "argument --sex: column 'nope' is not in",
        ),
        (args(files, "--exclude-below", "2"), "argument --exclude-below: a share in [0, 1)"),
        (args(files, "--score", "score"), "not allowed with argument"),
        (args(files, tool=("--selected", "race")), "argument --selected: must hold 0/1"),
        (args(files, name="missing.csv"), "does not exist"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_nothing_evaluated_exits_4(files, capsys):
    assert main(args(files, name="none.csv")) == 4
    assert MSG_NOTHING in capsys.readouterr().err


def test_the_command_runs_as_a_module(files, tmp_path):
    out = tmp_path / "s.html"
    proc = subprocess.run(
        [sys.executable, "-m", "fairaudit", *args(files, "--out", str(out), "--quiet")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and out.is_file()
    help_ = subprocess.run(
        [sys.executable, "-m", "fairaudit", "ll144", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert help_.returncode == 0 and "--race-ethnicity COL" in help_.stdout
