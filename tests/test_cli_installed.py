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
        pytest.fail(
            f"the fairaudit script is not installed next to {sys.executable}; "
            "run 'pip install -e .'"
        )
    return [SCRIPT]


def run(args, cwd=None, module=False, timeout=120):
    cmd = [sys.executable, "-m", "fairaudit"] if module else fairaudit_cmd()
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run(
        [*cmd, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("installed")
    rng = np.random.default_rng(2)
    n = 800
    sex = rng.choice(["F", "M"], n)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, n) - 1.2 * (sex == "F"))))
    y = (rng.random(n) < score).astype(int)
    pd.DataFrame({"sex": sex, "score": score, "pred": (score > 0.5).astype(int), "y": y}).to_csv(
        d / "data.csv", index=False
    )
    pd.DataFrame({"sex": sex, "pred": 0, "y": 0}).to_csv(d / "flat.csv", index=False)
    return d


def base(d, name="data.csv"):
    return [
        "audit",
        d / name,
        "--target",
        "y",
        "--prediction",
        "pred",
        "--sensitive",
        "sex",
        "--n-bootstrap",
        "20",
    ]


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
    fairaudit.audit(
        frame["y"], frame["pred"], sensitive_features=frame["sex"], n_bootstrap=0
    ).to_json(js)
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
    assert {line.split()[0] for line in proc.stdout.splitlines()} >= {
        "compas",
        "hiring",
        "policing",
    }


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


@pytest.mark.parametrize(
    "gate, code", [([], 0), (["--fail-on", "demographic_parity_ratio<1.01"], 1)]
)
@pytest.mark.parametrize("to_stdout", [[], ["--json", "-"]])
def test_a_closed_pipe_exits_quietly_with_the_gates_code(data, gate, code, to_stdout):
    """``fairaudit audit ... | head``: the reader is gone before anything is written; the
    command ends without a message and with the gates' exit code (a ratio is at most 1, so
    'demographic_parity_ratio<1.01' fails)."""
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    proc = subprocess.Popen(
        [*fairaudit_cmd(), *map(str, [*base(data), *gate, *to_stdout])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    proc.stdout.close()  # as `head` does once it has read what it wanted
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == code, err
    assert "error" not in err.lower() and "Traceback" not in err and "Broken" not in err
    if not to_stdout:  # the summary went to the closed pipe; nothing else was to be said
        assert err == ""


def test_a_bug_is_exit_3_and_says_so(data, tmp_path):
    """An exception that fairaudit's validation did not raise is a bug: exit 3, one line
    naming it a bug and how to report it; FAIRAUDIT_DEBUG=1 adds the traceback. (The bug is
    provoked by a module shadowing numpy's bincount with one that fails.)"""
    (tmp_path / "sitecustomize.py").write_text(
        "import numpy\n"
        "def broken(*args, **kwargs):\n"
        "    raise ValueError('bincount exploded')\n"
        "numpy.bincount = broken\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
    }
    args = [*fairaudit_cmd(), *map(str, base(data))]
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith("fairaudit audit: internal error: ValueError: bincount exploded")
    assert "this is a bug in fairaudit" in lines[0] and "--debug" in lines[0]
    proc = subprocess.run(
        args, capture_output=True, text=True, timeout=120, env={**env, "FAIRAUDIT_DEBUG": "1"}
    )
    assert proc.returncode == 3 and "Traceback" in proc.stderr
