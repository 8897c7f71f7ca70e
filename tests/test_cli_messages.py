"""What a user sees when an input is not what the command expects, run through the installed
``fairaudit`` script: one line on stderr naming the option and the fix, exit code 2."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairaudit.cli import _gates, _read
from fairaudit.cli import audit as audit_command

SCRIPT = shutil.which("fairaudit", path=str(Path(sys.executable).parent))


def run(args, timeout=120):
    if SCRIPT is None:
        pytest.fail(f"the fairaudit script is not installed next to {sys.executable}")
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run(
        [SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env
    )


def one_line_error(proc, prog="fairaudit audit"):
    """The message of a one-line usage error (exit 2, nothing on stdout, no traceback)."""
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    prefix = f"{prog}: error: "
    assert proc.stderr.startswith(prefix), proc.stderr
    return proc.stderr[len(prefix) :].rstrip("\n")


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    d = tmp_path_factory.mktemp("messages")
    rng = np.random.default_rng(7)
    n = 600
    sex = rng.choice(["F", "M"], n)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, n) - 0.8 * (sex == "F"))))
    y = (rng.random(n) < score).astype(int)
    frame = pd.DataFrame(
        {
            "sex": sex,
            "score": score,
            "pred": (score >= 0.5).astype(int),
            "y": y,
            "outcome": np.where(y == 1, "hired", "rejected"),
        }
    )
    frame.to_csv(d / "data.csv", index=False)
    frame.to_csv(d / "semi.csv", index=False, sep=";")
    frame.to_json(d / "data.json", orient="records")
    (d / "records.csv").write_text(frame.head(3).to_json(orient="records"), encoding="utf-8")
    (d / "image.csv").write_bytes(bytes(range(256)) * 8)
    with gzip.open(d / "packed.csv.gz", "wb") as f:
        f.write(bytes(range(256)) * 8)
    (d / "folder").mkdir()
    frame.to_csv(d / "folder" / "part-1.csv", index=False)
    (d / "folder" / "part-2.csv").write_bytes(b"\x00\x01" * 500)
    return d


def audit(d, name="data.csv", *extra, prediction="pred"):
    return [
        "audit",
        d / name,
        "--target",
        "y",
        "--prediction",
        prediction,
        "--sensitive",
        "sex",
        "--n-bootstrap",
        "0",
        *extra,
    ]


# ----------------------------------------------------------------------------- the file itself
@pytest.mark.parametrize("in_memory", [[], ["--in-memory"]])
def test_a_json_file_is_named_json(d, in_memory):
    for name in ("data.json", "records.csv"):  # by its name, and by its content
        message = one_line_error(run(audit(d, name, *in_memory)))
        assert message == _read.ERR_JSON.format(arg="DATA", path=d / name)


@pytest.mark.parametrize("in_memory", [[], ["--in-memory"]])
def test_a_binary_file_is_named_binary(d, in_memory):
    for name in ("image.csv", "packed.csv.gz"):  # as stored, and once decompressed
        message = one_line_error(run(audit(d, name, *in_memory)))
        assert message == _read.ERR_BINARY.format(arg="DATA", path=d / name)


def test_a_folder(d):
    message = one_line_error(run(audit(d, "folder", "--in-memory")))
    assert message == _read.ERR_FOLDER_IN_MEMORY.format(
        arg="DATA",
        path=d / "folder",
        why="--in-memory",
        hint=", or leave out --in-memory to audit the folder",
    )
    # out of core the folder is read, and the file in it that is not CSV is named
    message = one_line_error(run(audit(d, "folder")))
    assert message == _read.ERR_BINARY.format(arg="DATA", path=d / "folder" / "part-2.csv")


@pytest.mark.parametrize("in_memory", [[], ["--in-memory"]])
def test_a_semicolon_separated_file_needs_sep(d, in_memory, tmp_path):
    message = one_line_error(run(audit(d, "semi.csv", *in_memory)))
    header = "sex;score;pred;y;outcome"
    assert message == _read.ERR_SEPARATOR.format(
        arg="DATA", path=d / "semi.csv", used=",", header=header, found=";"
    )
    # with --sep the file audits exactly as the same table written with commas
    outputs = []
    for name, sep in (("semi.csv", ["--sep", ";"]), ("data.csv", [])):
        js = tmp_path / f"{name}.json"
        proc = run(audit(d, name, *in_memory, *sep, "--json", js, "--quiet"))
        assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
        outputs.append(json.loads(js.read_text(encoding="utf-8")))
    assert outputs[0]["criteria"] == outputs[1]["criteria"]
    assert outputs[0]["overall"] == outputs[1]["overall"]


def test_ll144_takes_sep_too(d, tmp_path):
    frame = pd.read_csv(d / "data.csv").assign(race=lambda f: np.where(f["y"] == 1, "A", "B"))
    frame.to_csv(tmp_path / "semi.csv", sep=";", index=False)
    args = [
        "ll144",
        tmp_path / "semi.csv",
        "--sex",
        "sex",
        "--race-ethnicity",
        "race",
        "--selected",
        "pred",
    ]
    message = one_line_error(run(args), prog="fairaudit ll144")
    assert message.startswith(
        f"argument DATA: '{tmp_path / 'semi.csv'}' does not look separated by ','"
    )
    proc = run([*args, "--sep", ";", "--quiet"])
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


# ----------------------------------------------------------------------------- the options
def test_errors_name_the_options_of_the_command_line(d):
    message = one_line_error(run(audit(d, "data.csv", "--pos-label", "yes")))
    assert message == (
        "argument --pos-label: 'yes' does not occur in --target or "
        "--prediction (values: [1, 0]); pass one of the labels present."
    )
    for in_memory in ([], ["--in-memory"]):
        message = one_line_error(run(audit(d, "data.csv", "--reference", "X", *in_memory)))
        assert message == (
            "argument --reference: 'X' is not a group of sex; the groups are 'F', 'M'."
        )
    message = one_line_error(run(audit(d, "data.csv", prediction="outcome")))
    assert message == (
        "argument --prediction: has the labels ['hired', 'rejected']; pass "
        "--pos-label to say which one is the positive outcome."
    )
    proc = run(audit(d, "data.csv", "--seed", "-1"))
    assert proc.returncode == 2  # a usage error, not a failure inside the audit
    assert one_line_error(proc).startswith("argument --seed: must be a whole number >= 0; got '-1'")


def test_a_list_of_columns_in_one_argument_shows_the_option_repeated(d):
    for given in ("sex,y", "sex y", "sex; y"):
        args = [
            "audit",
            d / "data.csv",
            "--target",
            "y",
            "--prediction",
            "pred",
            "--sensitive",
            given,
            "--n-bootstrap",
            "0",
        ]
        message = one_line_error(run(args))
        assert message == (
            f"argument --sensitive: column '{given}' is not in data.csv, but "
            "'sex', 'y' are; --sensitive names one column: repeat it for "
            "several, --sensitive sex --sensitive y"
        )
    args = [
        "audit",
        d / "data.csv",
        "--target",
        "y,pred",
        "--prediction",
        "pred",
        "--sensitive",
        "sex",
        "--n-bootstrap",
        "0",
    ]
    assert one_line_error(run(args)).endswith("--target names one column: choose one of them")
    # a name that is not a list of known columns keeps the list of the file's columns
    args[3] = "y,nope"
    assert "its columns are: sex, score, pred, y, outcome" in one_line_error(run(args))


@pytest.mark.parametrize("in_memory", [[], ["--in-memory"]])
def test_probabilities_as_prediction_suggest_score_and_threshold(d, in_memory):
    message = one_line_error(run(audit(d, "data.csv", *in_memory, prediction="score")))
    frame = pd.read_csv(d / "data.csv")
    first = np.sort(frame["score"].unique())[:3]  # every score is a fraction
    assert message == audit_command.ERR_PROBABILITIES.format(
        column="score", examples=", ".join(f"{x:.3g}" for x in first)
    )
    assert "--score score --threshold 0.5" in message


def test_threshold_without_score_is_refused(d):
    message = one_line_error(run(audit(d, "data.csv", "--threshold", "0.5")))
    assert message == audit_command.ERR_THRESHOLD_NO_SCORE


# ----------------------------------------------------------------------------- gates
def test_an_attribute_prefix_says_which_names_it_takes(d):
    # DATA does not exist: the gate is read before anything else
    for gate, what in (
        ("group:accuracy<0.8", "an overall metric"),
        ("sex:verdict", "the overall verdict"),
    ):
        message = one_line_error(run(audit(d, "no-such-file.csv", "--fail-on", gate)))
        criteria = ", ".join(
            [*_gates.CRITERIA, *_gates.CRITERION_ALIASES, *_gates.REGRESSION_CRITERIA]
        )
        assert message == _gates.ERR_GATE_PREFIX.format(
            text=gate,
            criteria=criteria,
            name=gate.split(":")[1].split("<")[0],
            what=what,
            bare=gate.split(":")[1],
        )
        assert "demographic_parity_ratio" in message


def test_gate_names_are_checked_before_the_audit(d):
    proc = run(audit(d, "no-such-file.csv", "--fail-on", "demographic_parity_ration<0.8"))
    assert one_line_error(proc).startswith(
        "argument --fail-on: 'demographic_parity_ration' is neither a criterion"
    )


def test_a_failing_gate_under_quiet_still_says_why(d, tmp_path):
    js = tmp_path / "r.json"
    # a ratio is at most 1: the gate fails for sure, and the value it prints is the ratio
    proc = run(
        audit(
            d,
            "data.csv",
            "--fail-on",
            "demographic_parity_ratio<1.01",
            "--fail-on",
            "demographic_parity_difference>=0",
            "--json",
            js,
            "--quiet",
        )
    )
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1
    frame = pd.read_csv(d / "data.csv")
    rates = frame.groupby("sex")["pred"].mean()
    ratio = rates.min() / rates.max()
    assert re.fullmatch(
        r"gate 'demographic_parity_ratio<1\.01': FAIL \u2014 sex: "
        r"demographic_parity_ratio = ([0-9.]+) \(and 1 more failing\)",
        lines[0],
    )
    assert float(re.search(r"= ([0-9.]+)", lines[0]).group(1)) == pytest.approx(ratio, rel=1e-5)
    # check: the default gate (the verdict) too
    verdict = json.loads(js.read_text(encoding="utf-8"))["verdict"]
    proc = run(["check", js, "--quiet"])
    if verdict == "fail":
        assert proc.returncode == 1
        assert proc.stderr == "gate 'verdict': FAIL \u2014 overall verdict fail\n"
    else:
        assert proc.returncode == 0 and proc.stderr == ""


def test_a_failing_ll144_gate_under_quiet_still_says_why(d, tmp_path):
    frame = pd.read_csv(d / "data.csv").assign(race=lambda f: np.where(f["y"] == 1, "A", "B"))
    frame.to_csv(tmp_path / "t.csv", index=False)
    proc = run(
        [
            "ll144",
            tmp_path / "t.csv",
            "--sex",
            "sex",
            "--race-ethnicity",
            "race",
            "--selected",
            "pred",
            "--fail-on",
            "impact_ratio<1.01",
            "--quiet",
        ]
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1
    assert proc.stderr.startswith("gate 'impact_ratio<1.01': FAIL \u2014 ")


# ----------------------------------------------------------------------------- case studies
def summary_paragraphs(html: str) -> list[str]:
    """The paragraphs of the report's summary section (read with a regular expression)."""
    section = re.search(r'<section id="summary".*?</section>', html, flags=re.S).group(0)
    items = re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", section, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", t)).split()) for t in items]


@pytest.mark.slow
def test_a_case_study_says_what_it_does_and_what_it_found(tmp_path):
    proc = run(["case-study", "run", "compas", "--quick", "--out", tmp_path], timeout=300)
    assert proc.returncode == 0, proc.stderr
    # stderr is not a terminal here: a line when the stage starts and one when it ends
    assert proc.stderr.splitlines()[0] == "running case study compas (quick) ..."
    assert re.fullmatch(
        r"running case study compas \(quick\) done \([0-9.]+ s\)", proc.stderr.splitlines()[-1]
    )
    lines = proc.stdout.splitlines()
    assert lines[0] == "findings:" and lines[-1] == f"report written to {tmp_path / 'compas.html'}"
    printed: list[str] = []
    for line in lines[1:-1]:
        if line.startswith("  - "):
            printed.append(line[4:])
        else:
            assert line.startswith("    ") and printed, line
            printed[-1] += " " + line.strip()
    expected = summary_paragraphs((tmp_path / "compas.html").read_text(encoding="utf-8"))
    assert printed and printed == expected[: len(printed)]
    quiet = run(
        ["case-study", "run", "compas", "--quick", "--out", tmp_path, "--quiet"], timeout=300
    )
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
