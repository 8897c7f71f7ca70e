"""``audit_table(..., task="multiclass")``: the engine's GROUP BY over the sensitive columns,
y_true and y_pred returns each group's k x k counts, and the audit equals the in-memory
multiclass audit of the rows (DuckDB, polars, a Parquet file, a CSV file; the command line's
``--task multiclass`` on a Parquet file is aggregated out of core)."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fairaudit
from fairaudit.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from test_audit_from_stats import _assert_same

CLASSES = np.array(["low", "mid", "high", "very high"], dtype=object)


def frame_of(seed: int, n: int = 3000, weighted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2])
    sex = rng.choice(["f", "m"], n)
    yt = CLASSES[rng.choice(3, n, p=[0.5, 0.3, 0.2])]  # "very high" only predicted
    yp = np.where(rng.random(n) < 0.6, yt, CLASSES[rng.integers(0, 4, n)])
    frame = pd.DataFrame({"region": region, "sex": sex, "y": yt, "p": yp})
    if weighted:
        frame["w"] = rng.lognormal(0.0, 0.6, n)
    return frame


def in_memory(frame, features, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fairaudit.audit(
            frame["y"],
            frame["p"],
            sensitive_features=frame[features],
            sample_weight=frame["w"] if "w" in frame else None,
            task="multiclass",
            **kwargs,
        )


def on_table(data, features, weighted, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fairaudit.audit_table(
            data,
            y_true="y",
            y_pred="p",
            sensitive_features=features,
            sample_weight="w" if weighted else None,
            task="multiclass",
            **kwargs,
        )


def same_confusion(a, b):
    ca, cb = a.curves["confusion"], b.curves["confusion"]
    pd.testing.assert_frame_equal(
        ca.reset_index(drop=True), cb.reset_index(drop=True), check_exact=False, rtol=1e-12
    )


@pytest.mark.parametrize(
    ("engine", "weighted", "features"),
    [
        ("duckdb", False, ["region", "sex"]),
        ("polars", True, ["region", "sex"]),
        ("parquet", False, ["region"]),
        ("polars-lazy", False, ["sex"]),
    ],
)
def test_every_engine_audits_like_the_rows(engine, weighted, features, tmp_path):
    frame = frame_of(3, weighted=weighted)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    if engine == "duckdb":
        data = duckdb.from_arrow(arrow)
    elif engine == "polars":
        data = pl.from_pandas(frame)
    elif engine == "polars-lazy":
        data = pl.from_pandas(frame).lazy()
    else:
        data = str(tmp_path / "d.parquet")
        pq.write_table(arrow, data)
    reference = {"region": "south"} if features[0] == "region" else None
    rows = in_memory(frame, features, n_bootstrap=60, random_state=2, reference_group=reference)
    table = on_table(
        data, features, weighted, n_bootstrap=60, random_state=2, reference_group=reference
    )
    _assert_same(rows, table)
    same_confusion(rows, table)
    assert table.config["task"] == "multiclass"
    assert table.meta["n_samples"] == len(frame)
    assert any(n.startswith("Aggregated by") for n in table.meta["notes"])
    # the class that occurs only in y_pred is noted as in memory
    assert any("never occur in y_true" in n for n in table.meta["notes"])
    # the k x k counts are pandas' crosstab of the rows
    cells = table.curves["confusion"]
    for group, part in frame.groupby(features[0] if len(features) == 1 else features):
        shown = group if isinstance(group, str) else ", ".join(group)
        if isinstance(group, tuple) and len(group) == 1:
            shown = group[0]
        mine = cells[cells["group"] == shown].set_index(["y_true", "y_pred"])["count"]
        want = part.groupby(["y", "p"]).size()
        assert mine[mine > 0].sort_index().to_dict() == want.sort_index().to_dict()


def test_tolerances_and_the_bootstrap_off_carry_through():
    frame = frame_of(5)
    tol = {"demographic_parity_difference": 0.03}
    rows = in_memory(frame, ["region"], n_bootstrap=0, tolerances=tol)
    table = on_table(pl.from_pandas(frame), ["region"], False, n_bootstrap=0, tolerances=tol)
    _assert_same(rows, table)
    assert table.config["tolerances"]["demographic_parity_difference"] == 0.03


def test_validation_happens_in_the_engine_with_the_messages_of_audit():
    frame = frame_of(1, n=300)
    frame.loc[[3, 8, 9], "y"] = None
    with pytest.raises(ValueError, match=r"y_true contains 3 missing value"):
        on_table(pl.from_pandas(frame), ["sex"], False)
    frame = frame_of(1, n=300)
    frame["p"] = frame["p"].where(frame.index % 50 != 0, None)
    with pytest.raises(ValueError, match=r"y_pred contains 6 missing value"):
        on_table(duckdb.from_df(frame), ["sex"], False)
    with pytest.raises(ValueError, match=r"threshold has no meaning for a multiclass audit"):
        on_table(pl.from_pandas(frame_of(1, n=50)), ["sex"], False, threshold=0.5)
    with pytest.raises(ValueError, match=r"task must be 'binary', 'multiclass' or 'regression'"):
        fairaudit.audit_table(
            pl.from_pandas(frame_of(1, n=50)),
            y_true="y",
            y_pred="p",
            sensitive_features="sex",
            task="survival",
        )


def test_the_command_line_aggregates_a_parquet_file_out_of_core(tmp_path, monkeypatch):
    frame = frame_of(7)
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    seen = []
    original = fairaudit.audit_table

    def spy(*args, **kwargs):
        seen.append(kwargs.get("task"))
        return original(*args, **kwargs)

    monkeypatch.setattr(fairaudit, "audit_table", spy)
    out = tmp_path / "r.json"
    code = main(
        [
            "audit",
            str(path),
            "--target",
            "y",
            "--prediction",
            "p",
            "--sensitive",
            "region",
            "--task",
            "multiclass",
            "--seed",
            "0",
            "--n-bootstrap",
            "50",
            "--json",
            str(out),
            "-q",
            "--fail-on",
            "selection_rate[low]<0",
        ]
    )
    assert code == 0
    assert seen == ["multiclass"]
    document = json.loads(out.read_text())
    assert any("Aggregated by DuckDB" in n for n in document["meta"]["notes"])
    rows = in_memory(frame, ["region"], n_bootstrap=50, random_state=0)
    _assert_same(rows, fairaudit.AuditResult.from_dict(document))
