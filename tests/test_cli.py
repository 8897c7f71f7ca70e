"""The ``fairaudit`` command, in-process through ``main(argv)``."""

from __future__ import annotations

import io
import json
import pickle
import re
import sys

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit.cli import _errors, _gates, _outputs, _progress, _read, case_study, main
from fairaudit.cli import audit as audit_command


def make_frame(n=1500, seed=5):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n)
    race = rng.choice(["A", "B"], n, p=[0.7, 0.3])
    x1 = rng.normal(0, 1, n)
    x2 = rng.normal(0, 1, n)
    latent = x1 + 0.5 * x2 - 1.0 * (sex == "F")
    score = 1 / (1 + np.exp(-latent))
    y = (rng.random(n) < score).astype(int)
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "sex": sex,
            "race": race,
            "score": score,
            "pred": (score >= 0.5).astype(int),
            "y": y,
            "w": rng.uniform(0.5, 2, n),
        }
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    frame = make_frame()
    frame.to_csv(d / "data.csv", index=False)
    frame.to_parquet(d / "data.parquet")
    no_pos = frame.assign(y=0)  # no actual positives: true positive rates are undefined
    no_pos.to_csv(d / "no_positives.csv", index=False)
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(frame[["x1", "x2"]], frame["y"])
    with open(d / "model.pkl", "wb") as fh:
        pickle.dump(model, fh)
    return d


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


AUDIT = [
    "audit",
    "{d}/data.csv",
    "--target",
    "y",
    "--prediction",
    "pred",
    "--sensitive",
    "sex",
    "--n-bootstrap",
    "30",
]


def audit_args(d, *extra):
    return [a.format(d=d) for a in AUDIT] + list(extra)


# ----------------------------------------------------------------------------- help
@pytest.mark.parametrize(
    "command",
    [[], ["audit"], ["check"], ["report"], ["case-study"], ["case-study", "run"], ["demo"]],
)
def test_help_everywhere_with_examples(command, capsys):
    code, out, _ = run([*command, "--help"], capsys)
    assert code == 0
    assert "usage: fairaudit" in out and "examples:" in out


def test_no_command_is_a_usage_error(capsys):
    code, _, err = run([], capsys)
    assert code == 2 and "usage:" in err


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"fairaudit {fairaudit.__version__}"


# ----------------------------------------------------------------------------- audit
def test_audit_writes_report_and_json(files, capsys, tmp_path):
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    code, out, err = run(
        audit_args(files, "--score", "score", "--sensitive", "race", "--out", html, "--json", js),
        capsys,
    )
    assert code == 0, err
    assert err == ""  # progress only on a terminal
    result = fairaudit.AuditResult.from_json(js)
    assert result.features == ("sex", "race")
    assert result.curves is not None
    assert "Disparities" in html.read_text(encoding="utf-8")
    assert out.splitlines()[0].split(":")[0] == result.verdict.upper()
    # the command computes what the library computes for the same arguments
    frame = pd.read_csv(files / "data.csv")
    direct = fairaudit.audit(
        frame["y"],
        frame["pred"],
        y_score=frame["score"],
        sensitive_features=frame[["sex", "race"]],
        n_bootstrap=30,
        random_state=0,
    )
    pd.testing.assert_frame_equal(result.criteria, direct.criteria)


def test_audit_reads_parquet_and_uses_options(files, capsys, tmp_path):
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "audit",
            files / "data.parquet",
            "--target",
            "y",
            "--score",
            "score",
            "--threshold",
            "0.3",
            "--sensitive",
            "sex",
            "--reference",
            "F",
            "--weight",
            "w",
            "--tolerance",
            "ratio=0.9",
            "--min-group-size",
            "50",
            "--seed",
            "3",
            "--n-bootstrap",
            "20",
            "--json",
            js,
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    result = fairaudit.AuditResult.from_json(js)
    assert result.reference_group == "F"
    assert result.meta["weighted"]
    assert result.config["threshold"] == 0.3 and result.config["random_state"] == 3
    crit = result.criteria.set_index("criterion")
    assert crit.loc["demographic_parity_ratio", "tolerance"] == 0.9
    assert crit.loc["demographic_parity_difference", "tolerance"] == 0.1


def test_audit_json_to_stdout_keeps_stdout_machine_readable(files, capsys):
    code, out, err = run(audit_args(files, "--json", "-"), capsys)
    assert code == 0
    assert json.loads(out)["schema_version"] == fairaudit.SCHEMA_VERSION
    assert "checks fail" in err  # the human summary moved to stderr


def test_audit_with_a_trusted_model(files, capsys, tmp_path):
    js = tmp_path / "m.json"
    args = [
        "audit",
        files / "data.csv",
        "--target",
        "y",
        "--sensitive",
        "sex",
        "--model",
        files / "model.pkl",
        "--n-bootstrap",
        "10",
        "--json",
        js,
        "--quiet",
    ]
    code, _, err = run(args, capsys)
    assert code == 2
    assert err.strip() == (
        "fairaudit audit: error: " + audit_command.ERR_TRUST.format(path=files / "model.pkl")
    )
    code, _, err = run([*args, "--trust-model"], capsys)
    assert code == 0, err
    result = fairaudit.AuditResult.from_json(js)
    assert result.curves is not None  # scores came from predict_proba


# ----------------------------------------------------------------------------- gates
def test_gate_fails_with_exit_1(files, capsys):
    code, out, _ = run(audit_args(files, "--fail-on", "demographic_parity_ratio<0.8"), capsys)
    assert code == 1
    assert "gate 'demographic_parity_ratio<0.8': FAIL" in out


def test_gates_that_hold_exit_0(files, capsys):
    code, out, _ = run(
        audit_args(
            files,
            "--fail-on",
            "demographic_parity_ratio<0.0001",
            "--fail-on",
            "sex:equalized_odds_difference>0.99",
            "--fail-on",
            "accuracy<0.01",
        ),
        capsys,
    )
    assert code == 0, out
    assert out.count(": ok") == 3


def test_gate_compares_unrounded_values(files, capsys, tmp_path):
    js = tmp_path / "g.json"
    assert run(audit_args(files, "--json", js, "--quiet"), capsys)[0] == 0
    result = fairaudit.AuditResult.from_json(js)
    value = float(result.criteria.set_index("criterion").loc["demographic_parity_ratio", "value"])
    just_above = float(np.nextafter(value, np.inf))
    assert (
        run(["check", js, "--fail-on", f"demographic_parity_ratio<{just_above!r}"], capsys)[0] == 1
    )
    assert run(["check", js, "--fail-on", f"demographic_parity_ratio<{value!r}"], capsys)[0] == 0


def test_undefined_gate_exits_4(files, capsys):
    args = [
        "audit",
        files / "no_positives.csv",
        "--target",
        "y",
        "--prediction",
        "pred",
        "--sensitive",
        "sex",
        "--n-bootstrap",
        "0",
        "--fail-on",
        "equal_opportunity_difference>0.1",
    ]
    code, out, _ = run(args, capsys)
    assert code == 4
    assert "NOT EVALUATED" in out


def test_check_uses_the_verdict_without_gates(files, capsys, tmp_path):
    js = tmp_path / "c.json"
    run(audit_args(files, "--json", js, "--quiet"), capsys)
    result = fairaudit.AuditResult.from_json(js)
    code, _, _ = run(["check", js], capsys)
    assert code == (1 if result.verdict == "fail" else 0)
    assert result.verdict == "fail"  # the data are built so
    code, out, _ = run(["check", js, "--fail-on", "four_fifths_rule<0.01"], capsys)
    assert code == 0


def test_parse_gate_forms():
    g = _gates.parse_gate("sex:demographic_parity_ratio <= 0.8")
    assert (g.attribute, g.name, g.op, g.value) == ("sex", "demographic_parity_ratio", "<=", 0.8)
    g = _gates.parse_gate("four_fifths_rule")
    assert (g.op, g.value) == (None, None)
    for bad in ["", "x<", "<0.8", "a<b", "dp ratio<0.8", "x<0.8<0.9"]:
        with pytest.raises(
            _errors.CLIError, match=re.escape(_gates.ERR_GATE_SYNTAX.format(text=bad))
        ):
            _gates.parse_gate(bad)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["audit", "{d}/nope.csv", "--target", "y", "--prediction", "pred", "--sensitive", "s"],
            _errors.ERR_FILE_MISSING.format(arg="DATA", path="{d}/nope.csv"),
        ),
        (
            [
                "audit",
                "{d}/data.csv",
                "--target",
                "outcome",
                "--prediction",
                "pred",
                "--sensitive",
                "sex",
            ],
            "argument --target: column 'outcome' is not in data.csv; its columns are: x1, x2, "
            "sex, race, score, pred, y, w",
        ),
        (
            ["audit", "{d}/data.csv", "--target", "y", "--sensitive", "sex"],
            audit_command.ERR_NO_PREDICTION,
        ),
        (
            [
                "audit",
                "{d}/data.csv",
                "--target",
                "y",
                "--prediction",
                "pred",
                "--sensitive",
                "sex",
                "--fail-on",
                "dp<>1",
            ],
            _gates.ERR_GATE_SYNTAX.format(text="dp<>1"),
        ),
        (
            [
                "audit",
                "{d}/data.csv",
                "--target",
                "y",
                "--prediction",
                "pred",
                "--sensitive",
                "sex",
                "--tolerance",
                "ratio:0.9",
            ],
            audit_command.ERR_TOLERANCE.format(text="ratio:0.9"),
        ),
        (
            [
                "audit",
                "{d}/data.csv",
                "--target",
                "y",
                "--prediction",
                "pred",
                "--sensitive",
                "sex",
                "--reference",
                "F",
                "--reference",
                "M",
            ],
            audit_command.ERR_REFERENCE_COUNT.format(n=1),
        ),
        (
            ["check", "{d}/data.csv"],
            _read.ERR_RESULTS.format(
                path="{d}/data.csv", reason="Expecting value: line 1 column 1 (char 0)"
            ),
        ),
        (
            ["audit", "{d}/data.csv", "--prediction", "pred", "--sensitive", "sex"],
            "the following arguments are required: --target (see 'fairaudit audit --help')",
        ),
        (
            [
                "audit",
                "{d}/data.csv",
                "--target",
                "y",
                "--prediction",
                "pred",
                "--sensitive",
                "sex",
                "--n-bootstrap",
                "many",
            ],
            "argument --n-bootstrap: invalid int value: 'many' (see 'fairaudit audit --help')",
        ),
        (
            ["case-study", "run", "no-such-study"],
            case_study.ERR_CASE_UNKNOWN.format(
                name="no-such-study", known="compas, credit, hiring, policing, recommendation"
            ),
        ),
    ],
)
def test_usage_errors_are_one_line_exit_2(files, capsys, argv, message):
    argv = [a.format(d=files) for a in argv]
    code, out, err = run(argv, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("fairaudit ")
    assert err.strip().endswith("error: " + message.format(d=files))


# the documented criterion and metric names, in their documented order
CRITERION_NAMES = [
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "predictive_parity_difference",
    "four_fifths_rule",
]
#: The criteria and overall metrics of a regression audit, which gates also take.
REGRESSION_CRITERION_NAMES = [
    "mean_difference",
    "smd",
    "ks_distance",
    "max_group_error_ratio",
    "bounded_group_loss",
    "scoring_rate_ratio",
]
REGRESSION_METRIC_NAMES = [
    "mean_prediction",
    "mean_outcome",
    "mean_error",
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "r2",
    "prediction_q10",
    "median_prediction",
    "prediction_q90",
    "share_above_median",
]
METRIC_NAMES = [
    "count",
    "base_rate",
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "true_negative_rate",
    "false_negative_rate",
    "positive_predictive_value",
    "negative_predictive_value",
    "false_discovery_rate",
    "false_omission_rate",
    "accuracy",
    "error_rate",
    "balanced_accuracy",
    "roc_auc",
    "brier_score",
    "expected_calibration_error",
    "mean_score",
]


def test_gate_on_an_unknown_attribute(files, capsys):
    code, _, err = run(audit_args(files, "--fail-on", "age:four_fifths_rule<0.8"), capsys)
    assert code == 2
    assert err.strip() == "fairaudit audit: error: " + _gates.ERR_GATE_ATTRIBUTE.format(
        attribute="age", known="sex"
    )


def test_library_value_errors_are_usage_errors(files, capsys):
    code, _, err = run(audit_args(files, "--tolerance", "no_such_criterion=0.5"), capsys)
    assert code == 2
    # the library's message on one line, in the command line's words
    assert err == (
        "fairaudit audit: error: argument --tolerance: unknown criterion 'no_such_criterion'; known "
        "criteria are " + ", ".join(CRITERION_NAMES) + ".\n"
    )


def test_unknown_gate_name_lists_the_known_ones(files, capsys):
    code, _, err = run(audit_args(files, "--fail-on", "fairness<0.5"), capsys)
    assert code == 2
    assert err.strip() == "fairaudit audit: error: " + _gates.ERR_GATE_NAME.format(
        name="fairness",
        criteria=", ".join([*CRITERION_NAMES, *REGRESSION_CRITERION_NAMES]),
        metrics=", ".join([*METRIC_NAMES, *REGRESSION_METRIC_NAMES]),
    ).replace(" of this result", "")


def test_internal_error_exit_3_without_traceback(files, capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(fairaudit, "audit", boom)
    monkeypatch.setattr(fairaudit, "audit_table", boom)
    code, _, err = run(audit_args(files), capsys)
    assert code == 3
    assert err.strip() == (
        f"fairaudit audit: internal error: RuntimeError: engine exploded -- this is a bug in "
        f"fairaudit {fairaudit.__version__}; please report it with the command line and the "
        "output of the same command with --debug"
    )
    code, _, err = run([*audit_args(files), "--debug"], capsys)
    assert code == 3 and "Traceback" in err


# ----------------------------------------------------------------------------- report
def test_report_renders_without_recomputing(files, capsys, tmp_path, monkeypatch):
    js = tmp_path / "r.json"
    run(audit_args(files, "--json", js, "--quiet"), capsys)

    def forbidden(*args, **kwargs):
        raise AssertionError("report must not recompute")

    monkeypatch.setattr(fairaudit, "audit", forbidden)
    out = tmp_path / "r.html"
    code, _, err = run(["report", js, js, "--out", out, "--title", "Two <b>"], capsys)
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert "Two &lt;b&gt;" in html and "Audit 2" in html


def test_report_rejects_a_bad_results_file(files, capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "99.0"}', encoding="utf-8")
    code, _, err = run(["report", bad, "--out", tmp_path / "x.html"], capsys)
    assert code == 2
    assert err.startswith(f"fairaudit report: error: argument RESULTS.json: cannot read '{bad}'")


# ----------------------------------------------------------------------------- case studies
def test_case_study_list(capsys):
    code, out, _ = run(["case-study", "list"], capsys)
    assert code == 0
    from fairaudit.casestudies import CASE_STUDIES

    assert [line.split()[0] for line in out.splitlines()] == sorted(CASE_STUDIES)


def test_case_study_run_calls_the_module(capsys, tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "tiny_case.py").write_text(
        "def run(out_dir, *, quick=False):\n"
        "    path = out_dir / 'tiny_case.html'\n"
        "    path.write_text('quick' if quick else 'full')\n"
        "    return path\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(pkg))
    from fairaudit import casestudies

    monkeypatch.setitem(casestudies.CASE_STUDIES, "tiny", ("tiny_case", "A tiny study."))
    out = tmp_path / "out" / "nested"
    code, stdout, err = run(["case-study", "run", "tiny", "--out", out, "--quick"], capsys)
    assert code == 0, err
    assert (out / "tiny_case.html").read_text() == "quick"
    assert stdout.strip() == f"report written to {out / 'tiny_case.html'}"
    monkeypatch.setitem(casestudies.CASE_STUDIES, "ghost", ("no_such_module_xyz", "Gone."))
    code, _, err = run(["case-study", "run", "ghost"], capsys)
    assert code == 2 and case_study.ERR_CASE_MISSING.format(name="ghost") in err


# ----------------------------------------------------------------------------- progress
def test_progress_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    quiet, loud = io.StringIO(), Tty()
    with _progress.Progress(quiet).step("working"):
        pass
    with _progress.Progress(loud).step("working"):
        pass
    assert quiet.getvalue() == ""
    assert "working done" in loud.getvalue()


def test_python_dash_m_entry_is_the_cli():
    import fairaudit.__main__ as entry

    assert entry.main is main
    assert sys.modules["fairaudit.cli"].main is main


# ----------------------------------------------------------------------------- markdown
def test_markdown_summary_for_ci(files, capsys, tmp_path):
    js, summary = tmp_path / "r.json", tmp_path / "summary.md"
    summary.write_text("previous step\n", encoding="utf-8")
    code, out, err = run(audit_args(files, "--json", js, "--markdown", summary), capsys)
    assert code == 0, err
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("previous step\n# Fairness audit")  # appended, not overwritten
    result = fairaudit.AuditResult.from_json(js)
    assert text.count("\n| sex | ") == len(result.criteria)
    code, out, err = run(["check", js, "--markdown", "-"], capsys)
    assert code == 1
    assert out.startswith("# Fairness audit\n\n**\u2717 FAIL**")
    assert "checks fail" in err  # the human summary moved to stderr
    code, _, err = run(audit_args(files, "--json", "-", "--markdown", "-"), capsys)
    assert code == 2 and _outputs.ERR_TWO_STDOUT in err


def test_audit_of_logits_with_threshold_zero(files, capsys, tmp_path):
    """Margins and logits are scores too: --score logit --threshold 0 audits them, leaving
    out the metrics that need probabilities (with their reason)."""
    frame = pd.read_csv(files / "data.csv")
    frame["logit"] = np.log(frame["score"] / (1 - frame["score"]))
    path = tmp_path / "logits.csv"
    frame.to_csv(path, index=False)
    js = tmp_path / "logits.json"
    code, _, err = run(
        [
            "audit",
            path,
            "--target",
            "y",
            "--score",
            "logit",
            "--threshold",
            "0",
            "--sensitive",
            "sex",
            "--n-bootstrap",
            "20",
            "--json",
            js,
            "--quiet",
        ],
        capsys,
    )
    assert code in (0, 1), err
    result = fairaudit.AuditResult.from_json(js)
    expected = (frame["logit"] >= 0).groupby(frame["sex"]).mean()
    assert result.by_group["selection_rate"].to_dict() == pytest.approx(expected.to_dict())
    undefined = result.undefined.set_index("metric")
    assert "not probabilities" in undefined.loc["brier_score", "reason"]
