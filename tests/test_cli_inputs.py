"""What ``fairaudit audit`` reads: group codes exactly as written, options passed on as given.

The oracle for every file is Python's own ``csv`` module (or the array the file was written
from): group labels and counts must be those of the text in the file, whatever pandas would
have guessed.
"""

from __future__ import annotations

import csv
import inspect
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit._validation import MISSING_GROUP
from fairaudit.cli import _read as _cli_read
from fairaudit.cli import audit as audit_command
from fairaudit.cli import main

SCRIPT = shutil.which("fairaudit", path=str(Path(sys.executable).parent))


def run_script(args, cwd=None, timeout=300):
    """The installed command, as a shell user runs it."""
    assert SCRIPT is not None, f"the fairaudit script is not installed next to {sys.executable}"
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run(
        [SCRIPT, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env
    )


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def group_counts(result_json: dict) -> dict:
    """{group label: count} from the JSON results (the groups table)."""
    groups = result_json["groups"]
    column = groups["columns"].index("count")
    return {label: row[column] for label, row in zip(groups["index"], groups["data"], strict=True)}


def csv_column(path: Path, name: str) -> list[str]:
    """A column's fields exactly as written, read by the csv module."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [row[name] for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    """Group codes that pandas merges or drops: 01 and 1, 002, NA, and empty fields."""
    d = tmp_path_factory.mktemp("coded")
    rng = np.random.default_rng(11)
    n = 900
    codes = np.array(["01", "1", "002", "NA", ""])[rng.choice(5, n, p=[0.3, 0.3, 0.2, 0.15, 0.05])]
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.8, y, 1 - y)
    path = d / "coded.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["region", "y", "pred"])
        writer.writerows(zip(codes, y, pred, strict=True))
    return path


def test_codes_are_groups_as_written(coded):
    proc = run_script(
        [
            "audit",
            coded,
            "--target",
            "y",
            "--prediction",
            "pred",
            "--sensitive",
            "region",
            "--n-bootstrap",
            "0",
            "--json",
            "-",
            "--quiet",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    written = Counter(csv_column(coded, "region"))
    expected = {(code if code else MISSING_GROUP): k for code, k in written.items()}
    assert expected.keys() == {"01", "1", "002", "NA", MISSING_GROUP}
    assert group_counts(json.loads(proc.stdout)) == expected


def test_an_empty_field_is_missing_and_warned_once_on_one_line(coded):
    args = [
        "audit",
        coded,
        "--target",
        "y",
        "--prediction",
        "pred",
        "--sensitive",
        "region",
        "--n-bootstrap",
        "0",
    ]
    proc = run_script(args)
    assert proc.returncode == 0
    k = csv_column(coded, "region").count("")
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fairaudit audit: warning: ")
    assert f"{k} missing value" in lines[0]
    assert ".py" not in lines[0]  # no file path or line number of the source
    quiet = run_script([*args, "--quiet"])
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""


def test_na_values_makes_a_code_missing(coded):
    proc = run_script(
        [
            "audit",
            coded,
            "--target",
            "y",
            "--prediction",
            "pred",
            "--sensitive",
            "region",
            "--na-values",
            "NA",
            "--n-bootstrap",
            "0",
            "--json",
            "-",
            "--quiet",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    written = Counter(csv_column(coded, "region"))
    expected = {
        "01": written["01"],
        "1": written["1"],
        "002": written["002"],
        MISSING_GROUP: written["NA"] + written[""],
    }
    assert group_counts(json.loads(proc.stdout)) == expected


def test_reference_is_matched_as_text(coded, capsys, tmp_path):
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "audit",
            coded,
            "--target",
            "y",
            "--prediction",
            "pred",
            "--sensitive",
            "region",
            "--reference",
            "01",
            "--n-bootstrap",
            "0",
            "--json",
            js,
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    result = fairaudit.AuditResult.from_json(js)
    assert result.reference_group == "01"
    # the audit is the library's audit of the text as written
    region = pd.Series(csv_column(coded, "region"), dtype=object).replace("", np.nan)
    frame = pd.read_csv(coded)
    with pytest.warns(UserWarning, match="missing"):
        direct = fairaudit.audit(
            frame["y"],
            frame["pred"],
            sensitive_features=region.rename("region"),
            reference_group="01",
            n_bootstrap=0,
            random_state=0,
        )
    pd.testing.assert_frame_equal(result.criteria, direct.criteria)


def test_a_stray_value_at_the_end_of_a_long_file_does_not_split_a_group(tmp_path):
    # pandas guesses types chunk by chunk: '1' in the first chunks is the number 1, '1'
    # after the stray text is the string '1'; two groups that both print as 1
    n = 600_000
    rng = np.random.default_rng(3)
    codes = np.where(rng.random(n) < 0.5, "1", "2").astype(object)
    codes[-1] = "unknown"
    path = tmp_path / "long.csv"
    pd.DataFrame({"site": codes, "y": rng.integers(0, 2, n), "pred": rng.integers(0, 2, n)}).to_csv(
        path, index=False
    )
    proc = run_script(
        [
            "audit",
            path,
            "--target",
            "y",
            "--prediction",
            "pred",
            "--sensitive",
            "site",
            "--n-bootstrap",
            "0",
            "--json",
            "-",
            "--quiet",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    labels, counts = np.unique(codes.astype(str), return_counts=True)
    assert group_counts(json.loads(proc.stdout)) == dict(
        zip(labels.tolist(), counts.tolist(), strict=True)
    )


def test_label_and_score_columns_are_parsed_as_before(tmp_path, capsys):
    rng = np.random.default_rng(4)
    n = 500
    frame = pd.DataFrame(
        {
            "team": rng.choice(["07", "7"], n),
            "outcome": rng.choice(["hired", "rejected"], n),
            "p": rng.random(n),
            "w": rng.uniform(0.5, 2, n),
        }
    )
    frame["decision"] = np.where(frame["p"] >= 0.5, "hired", "rejected")
    path = tmp_path / "labels.csv"
    frame.to_csv(path, index=False)
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "audit",
            path,
            "--target",
            "outcome",
            "--prediction",
            "decision",
            "--score",
            "p",
            "--weight",
            "w",
            "--pos-label",
            "hired",
            "--sensitive",
            "team",
            "--n-bootstrap",
            "0",
            "--json",
            js,
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    result = fairaudit.AuditResult.from_json(js)
    direct = fairaudit.audit(
        frame["outcome"],
        frame["decision"],
        y_score=frame["p"],
        sample_weight=frame["w"],
        pos_label="hired",
        sensitive_features=frame["team"].astype(object),
        n_bootstrap=0,
        random_state=0,
    )
    pd.testing.assert_frame_equal(result.criteria, direct.criteria)
    assert set(result.by_group.index) == {"07", "7"}


def test_a_sensitive_model_input_reaches_the_model_as_numbers(tmp_path, capsys):
    """A column both audited (as text) and used by the model (as parsed numbers)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(6)
    n = 1200
    band = rng.integers(1, 4, n)
    x = rng.normal(0, 1, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(x + 0.6 * band - 1.2)))).astype(int)
    frame = pd.DataFrame({"band": band, "x": x, "y": y})
    model = LogisticRegression().fit(frame[["band", "x"]], frame["y"])
    path, model_path = tmp_path / "bands.csv", tmp_path / "model.pkl"
    frame.to_csv(path, index=False)
    pd.to_pickle(model, model_path)
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "audit",
            path,
            "--target",
            "y",
            "--sensitive",
            "band",
            "--model",
            model_path,
            "--trust-model",
            "--n-bootstrap",
            "0",
            "--json",
            js,
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    result = fairaudit.AuditResult.from_json(js)
    direct = fairaudit.audit_model(
        model,
        frame[["band", "x"]],
        frame["y"],
        sensitive_features=frame["band"].astype(str),
        n_bootstrap=0,
        random_state=0,
    )
    pd.testing.assert_frame_equal(result.criteria, direct.criteria)


def test_parsed_is_what_pandas_reads():
    text = pd.Series(["1", "2", "NA", "3"], dtype=object)
    pd.testing.assert_series_equal(_cli_read.parsed(text), pd.Series([1.0, 2.0, np.nan, 3.0]))
    flags = pd.Series(["True", "false", "TRUE"], dtype=object)
    assert _cli_read.parsed(flags).tolist() == [True, False, True]
    words = pd.Series(["a", "", "b"], dtype=object)
    assert _cli_read.parsed(words).isna().tolist() == [False, True, False]


# ----------------------------------------------------------------------------- Parquet
def test_parquet_keeps_its_types(tmp_path, capsys):
    rng = np.random.default_rng(8)
    n = 600
    frame = pd.DataFrame(
        {
            "code": pd.Categorical(rng.choice(["01", "1", "NA"], n)),
            "size": rng.choice([1, 10], n),
            "y": rng.integers(0, 2, n),
            "pred": rng.integers(0, 2, n),
        }
    )
    frame.loc[:4, "code"] = None
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path)
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "audit",
            path,
            "--target",
            "y",
            "--prediction",
            "pred",
            "--sensitive",
            "code",
            "--sensitive",
            "size",
            "--reference",
            "01",
            "--reference",
            "10",
            "--n-bootstrap",
            "0",
            "--json",
            js,
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    result = fairaudit.AuditResult.from_json(js)
    assert result.reference_group == ("01", 10)
    counts = result.marginals["code"].groups["count"].to_dict()
    expected = frame["code"].astype(object).fillna(MISSING_GROUP).value_counts().to_dict()
    assert counts == expected
    assert sorted(result.marginals["size"].groups.index) == [1, 10]


def test_a_categorical_of_integers_converts_like_its_categories():
    column = pd.Series(pd.Categorical([1, 10, 1]))
    assert _cli_read.convert_like("10", column) == 10
    assert isinstance(_cli_read.convert_like("10", column), int)
    flags = pd.Series(pd.Categorical([True, False]))
    assert _cli_read.convert_like("true", flags) is True


def test_na_values_is_refused_for_parquet(tmp_path, capsys):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"g": ["a", "b"], "y": [0, 1], "p": [0, 1]}).to_parquet(path)
    code, _, err = run(
        [
            "audit",
            path,
            "--target",
            "y",
            "--prediction",
            "p",
            "--sensitive",
            "g",
            "--na-values",
            "NA",
        ],
        capsys,
    )
    assert code == 2
    assert err == f"fairaudit audit: error: {_cli_read.ERR_NA_PARQUET}\n"


# ----------------------------------------------------------------------------- new options
@pytest.fixture()
def small(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "small.csv"
    pd.DataFrame(
        {
            "y": rng.integers(0, 2, 300),
            "p": rng.integers(0, 2, 300),
            "sex": rng.choice(["f", "m"], 300),
        }
    ).to_csv(path, index=False)
    return path


UNSET = object()


def recording(monkeypatch, name):
    """Replace fairaudit.<name> by a function that takes max_groups and correction_scope,
    records the keyword arguments it got, and calls the real function with them (without
    the two while the real audit does not have them yet)."""
    real = getattr(fairaudit, name)
    accepted = inspect.signature(fairaudit.audit).parameters
    calls: list[dict] = []

    def recorder(*args, max_groups=UNSET, correction_scope=UNSET, **kwargs):
        given = {"max_groups": max_groups, "correction_scope": correction_scope}
        given = {k: v for k, v in given.items() if v is not UNSET}
        calls.append({**kwargs, **given})
        kwargs.update({k: v for k, v in given.items() if k in accepted})
        return real(*args, **kwargs)

    monkeypatch.setattr(fairaudit, name, recorder)
    return calls


def test_max_groups_and_correction_scope_are_passed_when_given(small, monkeypatch, capsys):
    calls = recording(monkeypatch, "audit_table")  # the default, out-of-core path
    base = [
        "audit",
        small,
        "--target",
        "y",
        "--prediction",
        "p",
        "--sensitive",
        "sex",
        "--n-bootstrap",
        "0",
        "--quiet",
    ]
    code, _, err = run([*base, "--max-groups", "7", "--correction-scope", "all"], capsys)
    assert code == 0, err
    assert calls[-1]["max_groups"] == 7 and calls[-1]["correction_scope"] == "all"
    code, _, err = run([*base, "--correction-scope", "metric"], capsys)
    assert code == 0, err
    assert calls[-1]["correction_scope"] == "metric" and "max_groups" not in calls[-1]
    code, _, err = run(base, capsys)
    assert code == 0, err
    assert not {"max_groups", "correction_scope"} & set(calls[-1])


def test_max_groups_reaches_audit_model(small, monkeypatch, capsys, tmp_path):
    from sklearn.dummy import DummyClassifier

    frame = pd.read_csv(small)
    model = DummyClassifier(strategy="stratified", random_state=0).fit(frame[["p"]], frame["y"])
    model_path = tmp_path / "m.pkl"
    pd.to_pickle(model, model_path)
    calls = recording(monkeypatch, "audit_model")
    code, _, err = run(
        [
            "audit",
            small,
            "--target",
            "y",
            "--sensitive",
            "sex",
            "--model",
            model_path,
            "--trust-model",
            "--features",
            "p",
            "--max-groups",
            "3",
            "--n-bootstrap",
            "0",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    assert calls[-1]["max_groups"] == 3 and "correction_scope" not in calls[-1]


def test_an_audit_without_the_parameter_gets_a_clear_error(small, monkeypatch, capsys):
    def older_audit(y_true, y_pred=None, *, sensitive_features, n_bootstrap=1000):
        raise AssertionError("must not be called")

    monkeypatch.setattr(fairaudit, "audit", older_audit)
    monkeypatch.setattr(fairaudit, "audit_table", older_audit)
    code, _, err = run(
        [
            "audit",
            small,
            "--target",
            "y",
            "--prediction",
            "p",
            "--sensitive",
            "sex",
            "--max-groups",
            "5",
        ],
        capsys,
    )
    assert code == 2
    assert (
        err
        == "fairaudit audit: error: "
        + audit_command.ERR_UNSUPPORTED.format(arg="--max-groups", param="max_groups")
        + "\n"
    )


# ----------------------------------------------------------------------------- wrong arguments
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--max-groups", "0"],
            "argument --max-groups: " + audit_command.ERR_POSITIVE_INT.format(text="0"),
        ),
        (
            ["--max-groups", "many"],
            "argument --max-groups: " + audit_command.ERR_POSITIVE_INT.format(text="many"),
        ),
        (
            ["--correction-scope", "everything"],
            "argument --correction-scope: invalid choice: 'everything' (choose from ",
        ),
        (["--na-values"], "argument --na-values: expected one argument"),
        (
            ["--na-values", "?", "--sensitive", "regoin"],
            "argument --sensitive: column 'regoin' is not in small.csv; its columns are: y, p, sex",
        ),
    ],
)
def test_wrong_arguments_are_one_line_exit_2(small, capsys, monkeypatch, extra, message):
    def must_not_run(*args, **kwargs):
        raise AssertionError("the audit ran")

    monkeypatch.setattr(fairaudit, "audit", must_not_run)
    code, out, err = run(
        ["audit", small, "--target", "y", "--prediction", "p", "--sensitive", "sex", *extra], capsys
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("fairaudit audit: error: " + message)


def test_data_that_is_a_folder(tmp_path, capsys):
    code, _, err = run(
        ["audit", tmp_path, "--target", "y", "--prediction", "p", "--sensitive", "g"], capsys
    )
    assert code == 2
    assert (
        err
        == "fairaudit audit: error: "
        + _cli_read.ERR_DATA_FOLDER.format(arg="DATA", path=tmp_path)
        + "\n"
    )
