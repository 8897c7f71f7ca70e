"""The installed ``fairaudit`` command and ``python -m fairaudit``, run as subprocesses.

An entry point that is not installed, or that prints a traceback, is invisible to the
in-process tests of test_cli.py.
"""

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

SCRIPT = shutil.which("fairaudit", path=str(Path(sys.executable).parent))


def fairaudit_cmd():
    if SCRIPT is None:
        pytest.fail(f"the fairaudit script is not installed next to {sys.executable}; "
                    "run 'pip install -e .'")
    return [SCRIPT]


def run(args, cwd=None, module=False, timeout=120):
    cmd = [sys.executable, "-m", "fairaudit"] if module else fairaudit_cmd()
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=env)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("installed")
    rng = np.random.default_rng(2)
    n = 800
    sex = rng.choice(["F", "M"], n)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, n) - 1.2 * (sex == "F"))))
    y = (rng.random(n) < score).astype(int)
    pd.DataFrame({"sex": sex, "score": score, "pred": (score > 0.5).astype(int), "y": y}).to_csv(
        d / "data.csv", index=False)
    pd.DataFrame({"sex": sex, "pred": 0, "y": 0}).to_csv(d / "flat.csv", index=False)
    return d


def base(d, name="data.csv"):
    return ["audit", d / name, "--target", "y", "--prediction", "pred", "--sensitive", "sex",
            "--n-bootstrap", "20"]


def test_help_through_the_script_and_the_module():
    for module in (False, True):
        proc = run(["--help"], module=module)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("usage: fairaudit")
        assert "exit codes:" in proc.stdout


def test_exit_0_report_file_and_json_on_stdout(data, tmp_path):
    out = tmp_path / "report.html"
    proc = run([*base(data), "--score", "score", "--out", out, "--json", "-", "--quiet"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # stderr is a pipe: no progress, and no warnings leak
    assert json.loads(proc.stdout)["schema_version"]  # stdout carries only the JSON
    assert out.stat().st_size > 10_000


def test_exit_1_when_a_gate_fails(data):
    proc = run([*base(data), "--fail-on", "four_fifths_rule<0.8"])
    assert proc.returncode == 1
    assert "gate 'four_fifths_rule<0.8': FAIL" in proc.stdout


def test_exit_2_one_line_no_traceback(data):
    proc = run([*base(data), "--fail-on", "four_fifths_rule<<0.8"])
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fairaudit audit: error: argument --fail-on")
    assert "Traceback" not in proc.stderr


def test_exit_3_on_an_unexpected_failure(data, tmp_path):
    import fairaudit

    frame = pd.read_csv(data / "data.csv")
    js = tmp_path / "r.json"
    fairaudit.audit(frame["y"], frame["pred"], sensitive_features=frame["sex"],
                    n_bootstrap=0).to_json(js)
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full to provoke a write failure")
    proc = run(["report", js, "--out", "/dev/full"])
    assert proc.returncode == 3
    assert proc.stderr.startswith("fairaudit report: internal error: OSError")
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_exit_4_when_a_gate_cannot_be_evaluated(data):
    proc = run([*base(data, "flat.csv"), "--fail-on", "equal_opportunity_ratio<0.8"])
    assert proc.returncode == 4
    assert "NOT EVALUATED" in proc.stdout


def test_case_study_list_through_the_script():
    proc = run(["case-study", "list"])
    assert proc.returncode == 0
    assert {line.split()[0] for line in proc.stdout.splitlines()} >= {"compas", "hiring",
                                                                       "policing"}


@pytest.mark.slow
def test_demo_writes_report_html(tmp_path):
    proc = run(["demo"], cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = tmp_path / "report.html"
    html = report.read_text(encoding="utf-8")
    assert "fairaudit demo" in html and "Disparities" in html
    assert len(html.encode()) < 1_000_000
    assert "report written to report.html" in proc.stdout
    first = proc.stdout.splitlines()[0]
    assert first.split(":")[0] in {"PASS", "FAIL", "INCONCLUSIVE"}
