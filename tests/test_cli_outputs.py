"""What ``fairaudit`` writes: whole files or none, never over an input; its JSON and exit codes.

Write failures are real ones: the command runs with a file-size limit (``RLIMIT_FSIZE``),
so that the kernel refuses a write part-way through, as on a full disk.
"""

from __future__ import annotations

import copy
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit import _io
from fairaudit.cli import _finish, main
from fairaudit.cli import _outputs as _cli_outputs
from fairaudit.cli._errors import EXIT_INCONCLUSIVE, EXIT_NOTHING_EVALUATED

SCRIPT = shutil.which("fairaudit", path=str(Path(sys.executable).parent))
FILE_LIMIT = 40_000  # bytes: the JSON of the data below fits, its HTML report does not


def run_script(args, cwd=None, limit=None, timeout=300, script=True):
    """The installed command (or ``python -c``), optionally under a file-size limit."""
    assert SCRIPT is not None, f"the fairaudit script is not installed next to {sys.executable}"

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    cmd = [SCRIPT] if script else [sys.executable]
    env = {**os.environ, "PYTHONWARNINGS": "default", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [*cmd, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env,
        preexec_fn=limited if limit else None,
    )


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("outputs")
    rng = np.random.default_rng(2)
    n = 800
    sex = rng.choice(["F", "M"], n)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, n) - 1.2 * (sex == "F"))))
    y = (rng.random(n) < score).astype(int)
    pd.DataFrame({"sex": sex, "score": score, "pred": (score > 0.5).astype(int), "y": y}).to_csv(
        d / "data.csv", index=False
    )
    # a model that predicts one class for everyone: parity holds trivially
    pd.DataFrame({"sex": sex, "pred": 0, "y": y}).to_csv(d / "constant.csv", index=False)
    return d


def audit_argv(csv, *extra):
    return [
        "audit",
        csv,
        "--target",
        "y",
        "--prediction",
        "pred",
        "--sensitive",
        "sex",
        "--n-bootstrap",
        "20",
        *extra,
    ]


# ----------------------------------------------------------------------------- atomic writes
def test_a_failed_write_leaves_every_previous_output_whole(data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = {
        "report.html": b"<html>the good report</html>",
        "results.json": b'{"old": true}',
        "summary.md": b"# previous step\n",
    }
    for name, content in old.items():
        (out / name).write_bytes(content)
    proc = run_script(
        audit_argv(
            data / "data.csv",
            "--out",
            out / "report.html",
            "--json",
            out / "results.json",
            "--markdown",
            out / "summary.md",
            "--quiet",
        ),
        limit=FILE_LIMIT,
    )
    assert proc.returncode == 3, proc.stderr  # the write failed: an I/O error, one line
    assert len(proc.stderr.strip().splitlines()) == 1 and "File too large" in proc.stderr
    assert snapshot(out) == old  # all old, none truncated, no temporary file left


def test_without_a_failure_all_outputs_are_new(data, tmp_path):
    (tmp_path / "summary.md").write_text("# previous step\n", encoding="utf-8")
    proc = run_script(
        audit_argv(
            data / "data.csv",
            "--out",
            tmp_path / "report.html",
            "--json",
            tmp_path / "results.json",
            "--markdown",
            tmp_path / "summary.md",
            "--quiet",
        )
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(snapshot(tmp_path)) == ["report.html", "results.json", "summary.md"]
    assert (
        (tmp_path / "summary.md")
        .read_text(encoding="utf-8")
        .startswith("# previous step\n# Fairness audit")
    )
    json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert (tmp_path / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    # what the failure test above relies on: the limit lets the JSON through, not the HTML
    assert (tmp_path / "results.json").stat().st_size < FILE_LIMIT
    assert (tmp_path / "report.html").stat().st_size > FILE_LIMIT


@pytest.mark.parametrize(
    "call",
    [
        "r.to_json(out)",
        "render(r, path=out)",
        "render_document('t', [Section('s', paragraphs=['x' * 60_000])], path=out)",
    ],
)
def test_library_writes_are_atomic(data, tmp_path, call):
    target = tmp_path / "target"
    target.write_bytes(b"previous")
    code = (
        "import pandas as pd, fairaudit\n"
        "from fairaudit.report import render, render_document, Section\n"
        f"f = pd.read_csv({str(data / 'data.csv')!r})\n"
        "r = fairaudit.audit(f['y'], f['pred'], sensitive_features=f['sex'], n_bootstrap=20)\n"
        f"out = {str(target)!r}\n"
        "try:\n"
        f"    {call}\n"
        "except OSError as exc:\n"
        "    print(exc.errno)\n"
    )
    proc = run_script(["-c", code], limit=4_000, script=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(27)  # EFBIG: the write was refused part-way
    assert snapshot(tmp_path) == {"target": b"previous"}


def test_write_files_replaces_none_when_one_cannot_be_written(tmp_path):
    first = tmp_path / "a.txt"
    first.write_bytes(b"old")
    with pytest.raises(FileNotFoundError):
        _io.write_files([(first, b"new"), (tmp_path / "missing" / "b.txt", b"new")])
    assert snapshot(tmp_path) == {"a.txt": b"old"}


def test_permissions_of_new_and_replaced_files(tmp_path):
    previous = os.umask(0o027)
    try:
        new = tmp_path / "new.html"
        _io.write_text(new, "x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o640  # 0o666 less the umask
        kept = tmp_path / "kept.html"
        kept.write_text("old", encoding="utf-8")
        kept.chmod(0o604)
        _io.write_text(kept, "new")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_text() == "new"
    finally:
        os.umask(previous)


def test_a_symbolic_link_is_written_through(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    _io.write_text(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_a_special_file_is_written_directly():
    _io.write_text(os.devnull, "discarded")  # cannot be replaced; must not be
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_dev_stdout_is_written_in_place(data):
    # /dev/stdout leads to a pipe here: it cannot be replaced, only written
    proc = run_script(audit_argv(data / "data.csv", "--json", "/dev/stdout", "--quiet"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema_version"] == fairaudit.SCHEMA_VERSION


# ----------------------------------------------------------------------------- output paths
def unwritable_folder(tmp_path: Path) -> Path:
    """A folder where this process cannot create a file (a read-only one for a user; /sys,
    which the kernel keeps read-only, for root)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    for folder in (locked, Path("/sys")):
        try:
            fd = os.open(folder / "probe", os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o666)
        except OSError:
            return folder
        os.close(fd)
        os.unlink(folder / "probe")
    pytest.fail("no folder found where file creation fails")


@pytest.fixture()
def no_audit(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("the audit ran before the output paths were checked")

    monkeypatch.setattr(fairaudit, "audit", must_not_run)


def test_output_path_problems_are_one_line_before_any_work(data, tmp_path, capsys, no_audit):
    csv = data / "data.csv"
    missing = tmp_path / "no" / "such" / "r.html"
    locked = unwritable_folder(tmp_path) / "r.json"
    cases = [
        (
            ["--out", tmp_path],
            _cli_outputs.ERR_OUT_FOLDER.format(
                arg="--out", path=tmp_path, example=tmp_path / "report.html"
            ),
        ),
        (
            ["--json", tmp_path],
            _cli_outputs.ERR_OUT_FOLDER.format(
                arg="--json", path=tmp_path, example=tmp_path / "results.json"
            ),
        ),
        (
            ["--out", missing],
            _cli_outputs.ERR_OUT_NO_FOLDER.format(arg="--out", path=missing, folder=missing.parent),
        ),
        (
            ["--json", locked],
            _cli_outputs.ERR_OUT_DENIED.format(arg="--json", path=locked, reason=os.strerror(13)),
        ),
        (
            ["--out", tmp_path / "x.html", "--json", tmp_path / "x.html"],
            _cli_outputs.ERR_OUT_TWICE.format(
                first="--out", second="--json", path=tmp_path / "x.html"
            ),
        ),
    ]
    for extra, message in cases:
        code, out, err = run(audit_argv(csv, *extra), capsys)
        assert (code, out) == (2, ""), err
        assert err == f"fairaudit audit: error: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked"]


def test_an_unwritable_place_through_the_installed_command(data, tmp_path):
    target = unwritable_folder(tmp_path) / "report.html"
    proc = run_script(audit_argv(data / "data.csv", "--out", target))
    assert proc.returncode == 2
    assert (
        proc.stderr
        == "fairaudit audit: error: "
        + _cli_outputs.ERR_OUT_DENIED.format(arg="--out", path=target, reason=os.strerror(13))
        + "\n"
    )


def test_an_output_that_is_the_input_is_refused(data, tmp_path):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    csv = work / "data.csv"
    shutil.copy(data / "data.csv", csv)
    (work / "link.html").symlink_to(csv)
    os.link(csv, work / "hard.json")
    before = csv.read_bytes()
    for arg, given in [
        ("--out", "data.csv"),
        ("--json", "sub/../data.csv"),
        ("--out", "link.html"),
        ("--json", "hard.json"),
        ("--markdown", str(csv)),
    ]:
        proc = run_script(
            [
                "audit",
                "data.csv",
                "--target",
                "y",
                "--prediction",
                "pred",
                "--sensitive",
                "sex",
                arg,
                given,
            ],
            cwd=work,
        )
        assert proc.returncode == 2, (arg, given, proc.stderr)
        assert (
            proc.stderr
            == "fairaudit audit: error: "
            + _cli_outputs.ERR_OUT_IS_INPUT.format(
                arg=arg, path=given, source="DATA", source_path="data.csv"
            )
            + "\n"
        )
    assert csv.read_bytes() == before


def test_check_and_report_refuse_to_overwrite_their_results(data, tmp_path, capsys):
    js = tmp_path / "r.json"
    assert run(audit_argv(data / "data.csv", "--json", js, "--quiet"), capsys)[0] == 0
    before = js.read_bytes()
    for argv, prog, arg in [
        (["check", js, "--markdown", js], "check", "--markdown"),
        (["report", js, "--out", js], "report", "--out"),
    ]:
        code, _, err = run(argv, capsys)
        assert code == 2
        assert (
            err
            == f"fairaudit {prog}: error: "
            + _cli_outputs.ERR_OUT_IS_INPUT.format(
                arg=arg, path=js, source="RESULTS.json", source_path=js
            )
            + "\n"
        )
    assert js.read_bytes() == before


def test_case_study_out_must_be_a_folder(tmp_path, capsys):
    afile = tmp_path / "a.html"
    afile.write_text("x", encoding="utf-8")
    code, _, err = run(["case-study", "run", "hiring", "--out", afile], capsys)
    assert code == 2
    assert (
        err
        == "fairaudit case-study: error: "
        + _cli_outputs.ERR_OUT_NOT_FOLDER.format(arg="--out", path=afile)
        + "\n"
    )


def test_the_report_on_stdout(data, capsys):
    code, out, err = run(audit_argv(data / "data.csv", "--out", "-"), capsys)
    assert code == 0, err
    assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    assert "checks fail" in err  # the summary moved to stderr
    code, out, err = run(audit_argv(data / "data.csv", "--out", "-", "--json", "-"), capsys)
    assert (code, out) == (2, "")
    assert (
        err
        == "fairaudit audit: error: " + _cli_outputs.ERR_STDOUT_REPORT.format(other="--json") + "\n"
    )


# ----------------------------------------------------------------------------- the JSON
def test_json_on_stdout_carries_the_verdict(data):
    """``fairaudit audit ... --json - | jq .verdict`` prints the verdict."""
    proc = run_script(audit_argv(data / "data.csv", "--json", "-", "--quiet"))
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_csv(data / "data.csv")
    direct = fairaudit.audit(
        frame["y"], frame["pred"], sensitive_features=frame["sex"], n_bootstrap=20, random_state=0
    )
    assert json.loads(proc.stdout)["verdict"] == direct.verdict


def test_json_file_is_the_library_json(data, tmp_path, capsys):
    js = tmp_path / "r.json"
    code, _, err = run(
        audit_argv(data / "data.csv", "--json", js, "--name", "model A", "--quiet"), capsys
    )
    assert code == 0, err
    frame = pd.read_csv(data / "data.csv")
    direct = fairaudit.audit(
        frame["y"],
        frame["pred"],
        sensitive_features=frame["sex"],
        n_bootstrap=20,
        random_state=0,
        name="model A",
    )
    table = fairaudit.audit_table(
        data / "data.csv",
        y_true="y",
        y_pred="pred",
        sensitive_features="sex",
        n_bootstrap=20,
        random_state=0,
        name="model A",
    )
    written = json.loads(js.read_text(encoding="utf-8"))
    for volatile in ("created", "timestamp", "time"):  # when the audit ran, if recorded
        written["meta"].pop(volatile, None)
    # the command aggregates the file where it lies (audit_table): its JSON exactly
    expected = json.loads(table.to_json())
    for volatile in ("created", "timestamp", "time"):
        expected["meta"].pop(volatile, None)
    assert written == expected
    # and that of the audit of the rows in memory, but for what says how it was computed
    rows = json.loads(direct.to_json())
    for key in ("created", "timestamp", "time", "data_hash", "source", "notes"):
        written["meta"].pop(key, None)
        rows["meta"].pop(key, None)
    assert written == rows


# ----------------------------------------------------------------------------- check --strict
def edited(result, verdicts: list[str], degenerate: list[str] | None = None):
    """The result with its criteria verdicts (and degenerate causes) replaced."""
    d = copy.deepcopy(result.to_dict())
    crit = d["criteria"]
    col = crit["columns"].index("verdict")
    for row, verdict in zip(crit["data"], verdicts, strict=True):
        row[col] = verdict
    if degenerate is not None:
        d["meta"]["degenerate"] = degenerate
    overall = (
        "fail"
        if "fail" in verdicts
        else "inconclusive"
        if "inconclusive" in verdicts
        else "pass"
        if "pass" in verdicts
        else "n/a"
    )
    if "verdict" in d:
        d["verdict"] = overall
    if "verdict_counts" in d:
        d["verdict_counts"] = {v: verdicts.count(v) for v in set(verdicts)}
    return fairaudit.AuditResult.from_dict(d)


@pytest.fixture(scope="module")
def saved(data, tmp_path_factory):
    d = tmp_path_factory.mktemp("strict")
    frame = pd.read_csv(data / "data.csv")
    result = fairaudit.audit(
        frame["y"], frame["pred"], sensitive_features=frame["sex"], n_bootstrap=20, random_state=0
    )
    n = len(result.criteria)
    causes = ["the model predicts one class (0) for every row"]
    paths = {}
    for name, verdicts, degenerate in [
        ("pass", ["pass"] * n, None),
        ("inconclusive", ["pass"] * (n - 1) + ["inconclusive"], causes),
        ("open", ["pass"] * (n - 1) + ["inconclusive"], None),
        ("na", ["n/a"] * n, None),
    ]:
        paths[name] = d / f"{name}.json"
        edited(result, verdicts, degenerate).to_json(paths[name])
    return paths, result


def test_strict_fails_an_inconclusive_verdict_with_its_own_code(saved, capsys):
    paths, result = saved
    code, _, err = run(["check", paths["inconclusive"], "--quiet"], capsys)
    assert code == 0  # not FAIL
    code, _, err = run(["check", paths["inconclusive"], "--strict", "--quiet"], capsys)
    assert code == EXIT_INCONCLUSIVE == 5
    assert err.splitlines() == [
        _finish.MSG_STRICT.format(verdict="INCONCLUSIVE"),
        _finish.MSG_CAUSE.format(cause="the model predicts one class (0) for every row"),
    ]
    last = result.criteria.iloc[-1]
    code, _, err = run(["check", paths["open"], "--strict", "--quiet"], capsys)
    assert code == 5
    assert err.splitlines()[1:] == [
        _finish.MSG_CAUSE.format(cause=f"{last['attribute']}: {last['criterion']} is INCONCLUSIVE")
    ]


def test_strict_with_gates(saved, capsys):
    paths, _ = saved
    code, out, _ = run(
        ["check", paths["inconclusive"], "--strict", "--fail-on", "accuracy<0.01"], capsys
    )
    assert code == 5 and ": ok" in out  # the gate held; the verdict is still not PASS
    code, _, _ = run(
        ["check", paths["inconclusive"], "--strict", "--fail-on", "accuracy<0.99"], capsys
    )
    assert code == 1  # a failed gate is reported as such
    assert run(["check", paths["pass"], "--strict"], capsys)[0] == 0
    code, _, err = run(["check", paths["na"], "--strict", "--quiet"], capsys)
    assert code == EXIT_NOTHING_EVALUATED
    assert err.splitlines()[0] == _finish.MSG_NOTHING_EVALUATED


def test_strict_fails_a_model_that_predicts_one_class(data, tmp_path):
    js = tmp_path / "constant.json"
    proc = run_script(audit_argv(data / "constant.csv", "--json", js, "--quiet"))
    assert proc.returncode == 0, proc.stderr
    result = fairaudit.AuditResult.from_json(js)
    causes = result.meta.get("degenerate", [])
    proc = run_script(["check", js, "--strict", "--quiet"])
    assert proc.returncode == EXIT_INCONCLUSIVE, proc.stderr
    assert causes, "the result records why it is degenerate"
    assert proc.stderr.splitlines() == [
        _finish.MSG_STRICT.format(verdict="INCONCLUSIVE"),
        *(_finish.MSG_CAUSE.format(cause=_finish.cause_text(c)) for c in causes),
    ]
