"""The scripts in case_studies/ run their case study through one shared command line."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from fairaudit import casestudies

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(casestudies.CASE_STUDIES))
def test_script_main_passes_out_and_quick_to_run(name, tmp_path, monkeypatch, capsys):
    module = casestudies.load_case_study(name)
    calls = []

    def fake_run(out_dir, *, quick=False):
        calls.append((out_dir, quick))
        return out_dir / f"{name}.html"

    monkeypatch.setattr(module, "run", fake_run)
    assert casestudies.script_main(name, ["--out", str(tmp_path), "--quick"]) == 0
    assert calls == [(tmp_path, True)]
    assert f"{name}.html" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        casestudies.script_main(name, ["--bogus"])
    assert exc.value.code == 2


@pytest.mark.parametrize("name", sorted(casestudies.CASE_STUDIES))
def test_each_script_exists_and_answers_help(name):
    script = ROOT / "case_studies" / f"{name}.py"
    out = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert f"fairaudit case-study run {name}" in out.stdout


def test_unknown_case_study_is_a_clear_error():
    with pytest.raises(ValueError) as err:
        casestudies.load_case_study("nope")
    assert str(err.value) == (
        "case study 'nope' is unknown; choose one of: compas, credit, hiring, "
        "policing, recommendation"
    )


@pytest.mark.parametrize("name", sorted(casestudies.CASE_STUDIES))
def test_each_study_runs_as_a_module(name):
    out = subprocess.run(
        [sys.executable, "-m", f"fairaudit.casestudies.{name}", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert f"fairaudit case-study run {name}" in out.stdout and "--quick" in out.stdout


@pytest.mark.parametrize("name", sorted(casestudies.CASE_STUDIES))
def test_each_study_is_a_subpackage_with_the_same_layout(name):
    """study (results, run) and report in every study, its public run function re-exported;
    no flat module of a study left beside the subpackages."""
    import importlib

    package = casestudies.load_case_study(name)
    folder = pathlib.Path(package.__file__).parent
    assert folder.name == name
    assert {"__init__.py", "__main__.py", "study.py", "report.py"} <= {
        p.name for p in folder.glob("*.py")
    }
    study = importlib.import_module(f"fairaudit.casestudies.{name}.study")
    assert package.run is study.run and package.results is study.results
    assert set(package.__all__) == set(study.__all__)
    flat = [p.name for p in folder.parent.glob("*.py") if p.name != "__init__.py"]
    assert flat == []


def test_size_reaches_the_hiring_study_and_only_studies_with_a_size(tmp_path, monkeypatch):
    module = casestudies.load_case_study("hiring")
    calls = []

    def fake_run(out_dir, *, quick=False, **kwargs):
        calls.append((out_dir, quick, kwargs))
        return out_dir / "hiring.html"

    monkeypatch.setattr(module, "run", fake_run)
    assert casestudies.script_main("hiring", ["--out", str(tmp_path), "--size", "600"]) == 0
    assert calls == [(tmp_path, False, {"n_applicants": 600})]
    casestudies.script_main("hiring", ["--out", str(tmp_path)])
    assert calls[-1] == (tmp_path, False, {})
    with pytest.raises(SystemExit) as exc:
        casestudies.script_main("credit", ["--size", "600"])
    assert exc.value.code == 2


def test_write_report_creates_the_folder_and_names_the_file(tmp_path):
    from fairaudit.report import Section

    path = casestudies.write_report(
        tmp_path / "a" / "b", "demo", "A title", [Section("Summary", "Text.")], subtitle="Sub"
    )
    assert path == tmp_path / "a" / "b" / "demo.html"
    html = path.read_text(encoding="utf-8")
    assert "A title" in html and "Sub" in html and "Text." in html


def test_help_does_not_load_the_studies():
    """A study's ``--help`` answers without importing scikit-learn, matplotlib or the
    study's own modules: its package loads them on first use of one of its names."""
    names = sorted(casestudies.CASE_STUDIES)
    code = (
        "import sys\n"
        "from fairaudit import casestudies\n"
        f"for name in {names!r}:\n"
        "    try:\n"
        "        casestudies.script_main(name, ['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'matplotlib')\n"
        "          or m.endswith('.study')]\n"
        "print('LOADED', loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert out.splitlines()[-1] == "LOADED []"
    assert out.count("usage: case_studies/") == len(names) and "--size N" in out


def test_a_study_package_loads_its_names_on_first_use():
    import importlib

    package = casestudies.load_case_study("policing")
    study = importlib.import_module("fairaudit.casestudies.policing.study")
    assert package.__all__ == list(study.__all__) and package.results is study.results
    assert set(study.__all__) <= set(dir(package))
    namespace: dict = {}
    exec("from fairaudit.casestudies.policing import *", namespace)
    assert {n for n in namespace if not n.startswith("__")} == set(study.__all__)
    assert importlib.import_module("fairaudit.casestudies.policing.study") is package.study
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        package.nope


@pytest.mark.parametrize("size", ["10", "199", "x", "2.5"])
def test_a_size_below_the_smallest_study_is_a_usage_error(size, capsys):
    with pytest.raises(SystemExit) as exc:
        casestudies.script_main("hiring", ["--size", size])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"case_studies/hiring.py: error: argument --size: must be a whole number of at "
        f"least 200; got {size!r}"
    )
