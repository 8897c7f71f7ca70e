"""``fairaudit audit`` on files, folders and globs: aggregated by DuckDB by default, with the
result of the audit of the rows (``--in-memory``, or ``fairaudit.audit`` on the rows)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit import cli

sys.path.insert(0, str(Path(__file__).parent))
from test_audit_from_stats import _assert_same


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def frame():
    rng = np.random.default_rng(11)
    n = 900
    score = rng.random(n)
    return pd.DataFrame(
        {
            "zip": rng.choice(["01", "1", "NA", "007"], n),
            "sex": rng.choice(["f", "m"], n),
            "y": (rng.random(n) < score).astype(int),
            "score": score,
            "w": rng.lognormal(0, 0.5, n),
        }
    )


def _argv(data, js, *extra):
    return [
        "audit",
        data,
        "--target",
        "y",
        "--score",
        "score",
        "--threshold",
        "0.5",
        "--sensitive",
        "zip",
        "--sensitive",
        "sex",
        "--weight",
        "w",
        "--n-bootstrap",
        "30",
        "--json",
        js,
        "--quiet",
        *extra,
    ]


def _rows(frame):
    return fairaudit.audit(
        frame["y"],
        y_score=frame["score"],
        threshold=0.5,
        sensitive_features=frame[["zip", "sex"]],
        sample_weight=frame["w"],
        n_bootstrap=30,
        random_state=0,
    )


def test_a_glob_of_parquet_files_audits_like_the_rows(frame, tmp_path, capsys):
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[rows].to_parquet(folder / f"p{i}.parquet", index=False)
    js = tmp_path / "r.json"
    code, _, err = run(_argv(folder / "*.parquet", js), capsys)
    assert code in (0, 1, 5), err
    result = fairaudit.AuditResult.from_json(js)
    _assert_same(_rows(frame), result, skip_metrics=("roc_auc",))
    assert result.meta["n_samples"] == len(frame)
    # a folder is the same data
    js2 = tmp_path / "r2.json"
    run(_argv(folder, js2), capsys)
    # (DuckDB sums in parallel: the last bits of sums of weights may differ between runs)
    _assert_same(result, fairaudit.AuditResult.from_json(js2))


def test_csv_codes_stay_text_out_of_core_as_in_memory(frame, tmp_path, capsys):
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    js, js_mem = tmp_path / "a.json", tmp_path / "b.json"
    code, _, err = run(_argv(path, js), capsys)
    assert code in (0, 1, 5), err
    code, _, err = run(_argv(path, js_mem, "--in-memory"), capsys)
    assert code in (0, 1, 5), err
    table = fairaudit.AuditResult.from_json(js)
    memory = fairaudit.AuditResult.from_json(js_mem)
    _assert_same(memory, table, skip_metrics=("roc_auc",))
    zips = sorted({g[0] for g in table.by_group.index})
    assert zips == ["007", "01", "1", "NA"]
    assert memory.meta["source"] == "rows" and table.meta["source"] == "statistics"


def test_reference_and_pos_label_are_typed_like_the_column(frame, tmp_path, capsys):
    frame = frame.assign(y=np.where(frame["y"] == 1, "yes", "no"))
    path = tmp_path / "d.parquet"
    frame.to_parquet(path, index=False)
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "audit",
            path,
            "--target",
            "y",
            "--score",
            "score",
            "--threshold",
            "0.5",
            "--sensitive",
            "zip",
            "--pos-label",
            "yes",
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
    assert code in (0, 1, 5), err
    result = fairaudit.AuditResult.from_json(js)
    assert result.reference_group == "01"
    expected = (frame["score"] >= 0.5).groupby(frame["zip"]).mean()
    assert result.by_group["selection_rate"].to_dict() == pytest.approx(expected.to_dict())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--score-bins", "1:0:10"], "argument --score-bins: expected LO:HI:N"),
        (["--score-bins", "0:1"], "argument --score-bins: expected LO:HI:N"),
    ],
)
def test_bad_score_bins_are_refused(frame, tmp_path, capsys, argv, message):
    path = tmp_path / "d.parquet"
    frame.to_parquet(path, index=False)
    code, _, err = run(_argv(path, tmp_path / "r.json", *argv), capsys)
    assert code == 2
    assert message in err


def test_declared_score_bins_reach_the_audit(frame, tmp_path, capsys):
    frame = frame.assign(score=frame["score"] * 10 - 5)  # not probabilities
    path = tmp_path / "d.parquet"
    frame.to_parquet(path, index=False)
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "audit",
            path,
            "--target",
            "y",
            "--score",
            "score",
            "--threshold",
            "0",
            "--sensitive",
            "sex",
            "--score-bins=-5:5:100",  # a value starting with "-" needs "="
            "--n-bootstrap",
            "0",
            "--json",
            js,
            "--quiet",
        ],
        capsys,
    )
    assert code in (0, 1, 5), err
    rows = fairaudit.audit(
        frame["y"],
        y_score=frame["score"],
        threshold=0.0,
        sensitive_features=frame["sex"],
        n_bootstrap=0,
        score_bins=np.linspace(-5, 5, 101),
    )
    _assert_same(rows, fairaudit.AuditResult.from_json(js), skip_metrics=("roc_auc",))


def test_a_glob_matching_nothing(tmp_path, capsys):
    code, _, err = run(
        [
            "audit",
            tmp_path / "none-*.parquet",
            "--target",
            "y",
            "--prediction",
            "p",
            "--sensitive",
            "g",
        ],
        capsys,
    )
    assert code == 2
    assert "no file matches" in err


def test_without_duckdb_one_file_is_read_into_memory_and_a_glob_is_refused(
    frame, tmp_path, capsys, monkeypatch
):
    import importlib.util

    from fairaudit.cli.audit import ERR_NO_DUCKDB, NOTE_NO_DUCKDB

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "duckdb" else real(name, *a)
    )
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    js = tmp_path / "a.json"
    argv = [a for a in _argv(path, js) if a != "--quiet"]
    code, out, err = run(argv, capsys)
    assert code in (0, 1, 5), err
    assert NOTE_NO_DUCKDB.format(name="d.csv") in err
    result = fairaudit.AuditResult.from_json(js)
    assert result.meta["source"] == "rows"
    _assert_same(_rows(frame), result)
    code, _, err = run(_argv(tmp_path / "*.csv", tmp_path / "b.json"), capsys)
    assert code == 2 and ERR_NO_DUCKDB in err
