"""``audit_table``: the audit computed where the data lives equals the audit of the rows.

The oracle is :func:`fairaudit.audit` on the same rows in memory: every count metric,
interval (same seed) and verdict must agree, on every engine; the AUC, which comes from a
fine histogram, must lie within the bound the audit states, and within the bound computed
here independently from the rows. Bad input must be refused with the message ``audit``
gives for the same rows. (PySpark: tests/test_table_spark.py.)
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings

import fairaudit
from fairaudit import _table_engine

sys.path.insert(0, str(Path(__file__).parent))
from test_audit_from_stats import _assert_same

ENGINES = ("pandas", "polars", "polars-lazy", "pyarrow", "pyarrow-dataset", "duckdb", "parquet")


def random_frame(rng: np.random.Generator, n: int, *, weighted: bool, missing: bool = True):
    """Rows with string, integer and boolean features (some values missing, some groups
    tiny), labels, predictions, probability scores and optional weights."""
    k = int(rng.integers(2, 5))
    p = rng.dirichlet(np.full(k, 0.7))
    region = rng.choice([f"r{i}" for i in range(k)], n, p=p).astype(object)
    if missing:
        region[rng.random(n) < 0.05] = None
    frame = pd.DataFrame(
        {
            "region": region,
            "age_band": rng.integers(0, 3, n),
            "flag": rng.random(n) < 0.3,
        }
    )
    logit = rng.normal(size=n) + (frame["age_band"].to_numpy() - 1) * 0.5
    score = 1 / (1 + np.exp(-logit))
    frame["y"] = (rng.random(n) < score).astype(int)
    frame["score"] = score
    frame["pred"] = (rng.random(n) < 0.5).astype(int)
    if weighted:
        w = rng.lognormal(0.0, 0.7, n)
        w[rng.random(n) < 0.05] = 0.0
        frame["w"] = w
    return frame


def as_engine(frame: pd.DataFrame, engine: str, tmp_path: Path):
    if engine == "pandas":
        return frame
    if engine == "polars":
        return pl.from_pandas(frame)
    if engine == "polars-lazy":
        return pl.from_pandas(frame).lazy()
    if engine == "pyarrow":
        return pa.Table.from_pandas(frame, preserve_index=False)
    if engine == "duckdb":
        return duckdb.from_arrow(pa.Table.from_pandas(frame, preserve_index=False))
    path = tmp_path / f"data-{engine}.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    if engine == "pyarrow-dataset":
        return pads.dataset(path)
    return str(path)


def exact_bound(frame, groups_of_rows, n_fine=2000):
    """Independent bound on the histogram AUC's error, from the rows: half the weight of
    positive-negative pairs sharing one of ``n_fine`` equal bins on [0, 1]."""
    w = frame["w"].to_numpy() if "w" in frame else np.ones(len(frame))
    bins = np.clip(np.floor(frame["score"].to_numpy() * n_fine), 0, n_fine - 1).astype(int)
    y = frame["y"].to_numpy()
    out = {}
    for g, idx in groups_of_rows.items():
        pos = np.bincount(bins[idx], weights=w[idx] * (y[idx] == 1), minlength=n_fine)
        neg = np.bincount(bins[idx], weights=w[idx] * (y[idx] == 0), minlength=n_fine)
        den = pos.sum() * neg.sum()
        out[g] = 0.5 * (pos * neg).sum() / den if den > 0 else 0.0
    return out


def stated_bound(result) -> float:
    note = next(n for n in result.meta["notes"] if n.startswith("AUCs come from"))
    return float(re.search(r"within ([0-9.e+-]+) of", note).group(1))


def _audit_rows(frame, features, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fairaudit.audit(
            frame["y"],
            frame["pred"],
            y_score=frame["score"],
            sensitive_features=frame[features],
            sample_weight=frame["w"] if "w" in frame else None,
            **kwargs,
        )


def _audit_table(data, features, weighted, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fairaudit.audit_table(
            data,
            y_true="y",
            y_pred="pred",
            y_score="score",
            sensitive_features=features,
            sample_weight="w" if weighted else None,
            **kwargs,
        )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(40, 400),
    weighted=st.booleans(),
    n_features=st.integers(1, 3),
    engine=st.sampled_from(ENGINES),
)
def test_every_engine_audits_like_the_rows(tmp_path, seed, n, weighted, n_features, engine):
    rng = np.random.default_rng(seed)
    frame = random_frame(rng, n, weighted=weighted)
    features = ["region", "age_band", "flag"][:n_features]
    rows = _audit_rows(frame, features, n_bootstrap=40, random_state=seed % 1000)
    table = _audit_table(
        as_engine(frame, engine, tmp_path),
        features,
        weighted,
        n_bootstrap=40,
        random_state=seed % 1000,
    )
    _assert_same(rows, table, skip_metrics=("roc_auc",))
    assert table.meta["n_samples"] == n
    assert table.meta["n_missing"] == rows.meta["n_missing"]
    # the AUC: within the bound computed here from the rows, and within the stated one
    key = frame[features].astype(object).where(frame[features].notna(), "(missing)")
    idx = {
        g if len(features) > 1 else g[0]: np.flatnonzero(
            (key == pd.Series(g, index=features)).all(axis=1)
        )
        for g in set(map(tuple, key.values))
    }
    bounds = exact_bound(frame, idx)
    stated = stated_bound(table)
    for g, exact in rows.by_group["roc_auc"].items():
        got = table.by_group.loc[g, "roc_auc"]
        if np.isnan(exact):
            assert np.isnan(got)
            continue
        assert abs(got - exact) <= bounds[g] + 1e-12
        assert bounds[g] <= stated * 1.05 + 1e-12  # the note rounds to two digits
    overall = exact_bound(frame, {"all": np.arange(n)})["all"]
    assert abs(table.overall["roc_auc"] - rows.overall["roc_auc"]) <= overall + 1e-12


def test_the_auc_bound_is_small_for_continuous_scores():
    # 2,000 bins: pairs sharing a bin are about 1/2000 of all pairs for smooth scores
    rng = np.random.default_rng(3)
    frame = random_frame(rng, 50_000, weighted=True, missing=False)
    table = _audit_table(frame, ["region"], True, n_bootstrap=0)
    rows = _audit_rows(frame, ["region"], n_bootstrap=0)
    assert stated_bound(table) < 1e-3
    err = (table.by_group["roc_auc"] - rows.by_group["roc_auc"]).abs().max()
    assert err <= stated_bound(table)


def test_declared_edges_and_a_threshold_audit_like_the_rows():
    rng = np.random.default_rng(7)
    frame = random_frame(rng, 600, weighted=True, missing=False)
    frame["logit"] = np.log(frame["score"] / (1 - frame["score"]))
    edges = np.concatenate([[-30.0], np.linspace(-6, 6, 97), [30.0]])  # uneven widths
    rows = fairaudit.audit(
        frame["y"],
        y_score=frame["logit"],
        threshold=0.2,
        sensitive_features=frame[["region", "flag"]],
        sample_weight=frame["w"],
        score_bins=edges,
        n_bootstrap=30,
        random_state=2,
    )
    for data in (frame, duckdb.from_df(frame)):
        table = fairaudit.audit_table(
            data,
            y_true="y",
            y_score="logit",
            threshold=0.2,
            sensitive_features=["region", "flag"],
            sample_weight="w",
            score_bins=edges,
            n_bootstrap=30,
            random_state=2,
        )
        _assert_same(rows, table, skip_metrics=("roc_auc",))


def test_group_labels_keep_types_and_the_missing_label():
    # a feature already holding "(missing)": the missing values are renamed, as in audit
    frame = pd.DataFrame(
        {
            "g": ["(missing)", None, "a", "b"] * 25,
            "y": [0, 1] * 50,
            "pred": [1, 1, 0, 0] * 25,
            "score": np.linspace(0, 1, 100),
        }
    )
    with pytest.warns(UserWarning, match=r"labelled '\(missing 2\)'"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="every group receives a single")
        table = fairaudit.audit_table(
            duckdb.from_df(frame), y_true="y", y_pred="pred", sensitive_features="g", n_bootstrap=0
        )
    assert list(table.by_group.index) == ["(missing)", "a", "b", "(missing 2)"]


def _same_error(frame, kwargs_rows, kwargs_table, exc=ValueError):
    with pytest.raises(exc) as rows:
        fairaudit.audit(**kwargs_rows)
    for data in (frame, duckdb.from_df(frame), pl.from_pandas(frame).lazy()):
        with pytest.raises(exc) as table:
            fairaudit.audit_table(data, **kwargs_table)
        assert _unordered(str(table.value)) == _unordered(str(rows.value))
    return str(rows.value)


def _unordered(message: str) -> str:
    """A message with the values it lists in sorted order (rows come in an order, the cells
    of a GROUP BY do not: the same values may be listed in another order)."""
    return re.sub(
        r"\[([^\]]*)\]", lambda m: "[" + ", ".join(sorted(m.group(1).split(", "))) + "]", message
    )


def test_validation_in_the_engine_gives_the_messages_of_audit():
    n = 200
    rng = np.random.default_rng(0)
    base = pd.DataFrame(
        {
            "g": rng.choice(["a", "b"], n),
            "y": rng.integers(0, 2, n),
            "pred": rng.integers(0, 2, n),
            "score": rng.random(n),
            "w": rng.random(n),
        }
    )
    # nulls in the label, with their count
    f = base.assign(y=base["y"].astype(float).where(np.arange(n) % 17 != 0))
    msg = _same_error(
        f,
        dict(y_true=f["y"], y_pred=f["pred"], sensitive_features=f["g"]),
        dict(y_true="y", y_pred="pred", sensitive_features="g"),
    )
    assert "12 missing" in msg
    # nulls in the prediction
    f = base.assign(pred=base["pred"].astype(float).where(np.arange(n) % 50 != 0))
    msg = _same_error(
        f,
        dict(y_true=f["y"], y_pred=f["pred"], sensitive_features=f["g"]),
        dict(y_true="y", y_pred="pred", sensitive_features="g"),
    )
    assert "y_pred contains 4 missing" in msg
    # non-binary labels (audit_table audits binary decisions; audit would choose multiclass)
    f = base.assign(y=np.arange(n) % 3)
    _same_error(
        f,
        dict(y_true=f["y"], y_pred=f["pred"], sensitive_features=f["g"], task="binary"),
        dict(y_true="y", y_pred="pred", sensitive_features="g"),
    )
    # string labels without pos_label, and with it
    f = base.assign(
        y=np.where(base["y"] == 1, "yes", "no"), pred=np.where(base["pred"] == 1, "yes", "no")
    )
    _same_error(
        f,
        dict(y_true=f["y"], y_pred=f["pred"], sensitive_features=f["g"]),
        dict(y_true="y", y_pred="pred", sensitive_features="g"),
    )
    rows = fairaudit.audit(
        f["y"],
        f["pred"],
        sensitive_features=f["g"],
        pos_label="yes",
        n_bootstrap=20,
        random_state=0,
    )
    table = fairaudit.audit_table(
        duckdb.from_df(f),
        y_true="y",
        y_pred="pred",
        sensitive_features="g",
        pos_label="yes",
        n_bootstrap=20,
        random_state=0,
    )
    _assert_same(rows, table)
    # negative weights, with their count; missing weights
    f = base.assign(w=np.where(np.arange(n) % 40 == 0, -1.0, base["w"]))
    msg = _same_error(
        f,
        dict(y_true=f["y"], y_pred=f["pred"], sensitive_features=f["g"], sample_weight=f["w"]),
        dict(y_true="y", y_pred="pred", sensitive_features="g", sample_weight="w"),
    )
    assert "5 negative" in msg
    f = base.assign(w=base["w"].where(np.arange(n) % 100 != 0))
    _same_error(
        f,
        dict(y_true=f["y"], y_pred=f["pred"], sensitive_features=f["g"], sample_weight=f["w"]),
        dict(y_true="y", y_pred="pred", sensitive_features="g", sample_weight="w"),
    )
    f = base.assign(w=0.0)
    _same_error(
        f,
        dict(y_true=f["y"], y_pred=f["pred"], sensitive_features=f["g"], sample_weight=f["w"]),
        dict(y_true="y", y_pred="pred", sensitive_features="g", sample_weight="w"),
    )
    # missing or infinite scores
    f = base.assign(score=np.where(np.arange(n) % 25 == 0, np.inf, base["score"]))
    _same_error(
        f,
        dict(y_true=f["y"], y_pred=f["pred"], y_score=f["score"], sensitive_features=f["g"]),
        dict(y_true="y", y_pred="pred", y_score="score", sensitive_features="g"),
    )


def test_a_missing_column_is_named_with_the_columns():
    frame = pd.DataFrame({"g": ["a", "b"], "y": [0, 1], "pred": [1, 0]})
    for data in (frame, duckdb.from_df(frame)):
        with pytest.raises(
            ValueError,
            match=r"y_pred: there is no column 'p' in the data; its "
            r"columns are \['g', 'y', 'pred'\]",
        ):
            fairaudit.audit_table(data, y_true="y", y_pred="p", sensitive_features="g")
        with pytest.raises(
            ValueError, match=r"sensitive_features: there is no column \['s', 't'\]"
        ):
            fairaudit.audit_table(data, y_true="y", y_pred="pred", sensitive_features=["s", "t"])
    with pytest.raises(TypeError, match="y_true must be a column name"):
        fairaudit.audit_table(frame, y_true=frame["y"], y_pred="pred", sensitive_features="g")


def test_scores_off_the_grid_need_declared_edges():
    frame = pd.DataFrame(
        {
            "g": ["a", "b"] * 10,
            "y": [0, 1] * 10,
            "pred": [1, 0] * 10,
            "score": np.linspace(-2, 2, 20),
        }
    )
    with pytest.raises(ValueError, match="declare score_bins="):
        fairaudit.audit_table(
            frame, y_true="y", y_pred="pred", y_score="score", sensitive_features="g"
        )
    with pytest.raises(ValueError, match=r"outside the bin edges \[-1, 1\]"):
        fairaudit.audit_table(
            frame,
            y_true="y",
            y_pred="pred",
            y_score="score",
            sensitive_features="g",
            score_bins=np.linspace(-1, 1, 11),
        )


def test_csv_sensitive_columns_are_text_and_globs_merge(tmp_path):
    rng = np.random.default_rng(5)
    n = 300
    codes = rng.choice(["01", "1", "NA", "007"], n)
    frame = pd.DataFrame({"zip": codes, "y": rng.integers(0, 2, n), "pred": rng.integers(0, 2, n)})
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    table = fairaudit.audit_table(
        str(path),
        y_true="y",
        y_pred="pred",
        sensitive_features="zip",
        n_bootstrap=20,
        random_state=1,
    )
    rows = fairaudit.audit(
        frame["y"], frame["pred"], sensitive_features=frame["zip"], n_bootstrap=20, random_state=1
    )
    _assert_same(rows, table)
    assert sorted(table.by_group.index) == ["007", "01", "1", "NA"]
    # several Parquet files through a glob: the audit of all their rows
    for i, part in enumerate(np.array_split(np.arange(n), 3)):
        frame.iloc[part].to_parquet(tmp_path / f"part-{i}.parquet", index=False)
    globbed = fairaudit.audit_table(
        str(tmp_path / "part-*.parquet"),
        y_true="y",
        y_pred="pred",
        sensitive_features="zip",
        n_bootstrap=20,
        random_state=1,
    )
    _assert_same(rows, globbed)
    folder = fairaudit.audit_table(
        tmp_path,
        y_true="y",
        y_pred="pred",
        sensitive_features="zip",
        n_bootstrap=20,
        random_state=1,
    )
    _assert_same(rows, folder)
    with pytest.raises(FileNotFoundError, match="no file matches"):
        fairaudit.audit_table(
            str(tmp_path / "none-*.parquet"), y_true="y", y_pred="pred", sensitive_features="zip"
        )


def test_only_the_aggregate_table_comes_back(monkeypatch):
    # 3 million rows generated inside DuckDB: what reaches Python is a few cells per group
    con = duckdb.connect()
    rel = con.sql(
        "SELECT (i % 5)::VARCHAR AS g, (hash(i) % 2)::INT AS y, (hash(i + 7) % 2)::INT AS pred, "
        "(hash(i + 3) % 1000) / 1000.0 AS score FROM range(3000000) t(i)"
    )
    seen = []
    real = _table_engine.aggregate

    def spy(frame, spec):
        out = real(frame, spec)
        seen.append(len(out))
        return out

    monkeypatch.setattr("fairaudit._table.aggregate", spy)
    result = fairaudit.audit_table(
        rel, y_true="y", y_pred="pred", y_score="score", sensitive_features="g", n_bootstrap=0
    )
    assert result.meta["n_samples"] == 3_000_000
    # 5 groups x 2 labels x 2 predictions x 1,000 distinct scores
    assert seen == [5 * 2 * 2 * 1000]


def test_a_missing_engine_names_the_extra(monkeypatch, tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"g": ["a"], "y": [1], "pred": [1]}).to_parquet(path)
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(ImportError, match=re.escape('pip install "fairaudit[duckdb]"')):
        fairaudit.audit_table(str(path), y_true="y", y_pred="pred", sensitive_features="g")


def test_unsupported_data_is_refused():
    with pytest.raises(TypeError, match="data must be a pandas or polars DataFrame"):
        fairaudit.audit_table([[0, 1]], y_true="y", y_pred="pred", sensitive_features="g")


def test_categorical_features_list_only_the_groups_present():
    rng = np.random.default_rng(2)
    n = 300
    cats = pd.Categorical(rng.choice(["b", "a"], n), categories=["c", "b", "a", "unused"])
    frame = pd.DataFrame({"g": cats, "y": rng.integers(0, 2, n), "pred": rng.integers(0, 2, n)})
    rows = fairaudit.audit(
        frame["y"], frame["pred"], sensitive_features=frame["g"], n_bootstrap=20, random_state=3
    )
    for data in (frame, pl.from_pandas(frame), duckdb.from_df(frame)):
        table = fairaudit.audit_table(
            data, y_true="y", y_pred="pred", sensitive_features="g", n_bootstrap=20, random_state=3
        )
        _assert_same(rows, table)
