"""``audit_table(..., task="regression")``: the regression audit computed where the data lives.

Oracles, none taken from the code under test:

* pandas ``groupby`` on the rows for the moment-based values (counts, weighted means of the
  prediction, the outcome, the error, the absolute and squared error);
* :func:`fairaudit.audit` with ``task="regression"`` on the rows in memory: every value from
  the moments and the intervals of the means (same ``random_state``), the verdicts resting
  on moments;
* scipy's two-sample Kolmogorov-Smirnov and Wasserstein distances of the rows, which the
  histogram-based distances must approach within the bounds computed here from numpy's
  histograms on the edges the in-memory audit chooses (one bin per distinct value up to
  200, else 200 bins between numpy's quantiles).
"""

from __future__ import annotations

import json
import re
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
import scipy.stats

import fairaudit
from fairaudit.metrics import regression_stats

sys.path.insert(0, str(Path(__file__).parent))
from test_cli_installed import run as run_installed
from test_table import as_engine

EXACT = [
    "count",
    "mean_prediction",
    "mean_outcome",
    "mean_error",
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "r2",
]
MEANS = EXACT[1:6]
#: The bootstrap of the means takes a square root of a difference of sums that the engine
#: adds in another order than numpy: intervals agree to rounding.
INTERVAL_TOL = 1e-6
MIN_ROWS = 30
FEATURES = ["region", "age_band"]


def frame_of(seed: int, n: int, *, weighted: bool, discrete: bool, missing: bool = False):
    """Rows with a string feature (optionally some missing) and an integer one, numeric
    outcomes and predictions (continuous, or a 1-10 score), and optional weights."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]).astype(object)
    if missing:
        region[rng.random(n) < 0.04] = None
    age = rng.integers(0, 2, n)
    if discrete:
        y_pred = rng.integers(1, 11, n).astype(float)
        y_true = y_pred + rng.integers(-2, 3, n)
    else:
        y_true = rng.lognormal(3, 0.5, n)
        y_pred = y_true * rng.lognormal(0, 0.2, n) + (region == "north") * 2.0
    frame = pd.DataFrame({"region": region, "age_band": age, "y": y_true, "yhat": y_pred})
    if weighted:
        frame["w"] = rng.uniform(0.2, 3.0, n)
    return frame


def in_memory(frame, features=FEATURES, **kwargs):
    return fairaudit.audit(
        frame["y"],
        frame["yhat"],
        sensitive_features=frame[features] if len(features) > 1 else frame[features[0]],
        sample_weight=frame["w"] if "w" in frame else None,
        task="regression",
        **kwargs,
    )


def on_table(data, weighted, features=FEATURES, **kwargs):
    return fairaudit.audit_table(
        data,
        y_true="y",
        y_pred="yhat",
        sensitive_features=features if len(features) > 1 else features[0],
        sample_weight="w" if weighted else None,
        task="regression",
        **kwargs,
    )


def oracle_edges(y_pred: np.ndarray) -> np.ndarray:
    """The edges the in-memory audit documents: one bin per distinct value (at most 200),
    else 200 bins between quantiles."""
    values = np.unique(y_pred)
    if len(values) <= 200:
        step = values[-1] - values[-2] if len(values) > 1 else 1.0
        return np.append(values, values[-1] + step)
    return np.unique(np.quantile(y_pred, np.linspace(0, 1, 201)))


def _close(a, b, tol, what=""):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, what
    assert np.array_equal(np.isnan(a), np.isnan(b)), (what, a, b)
    ok = ~np.isnan(a)
    scale = np.maximum(1.0, np.abs(b[ok]))
    assert np.all(np.abs(a[ok] - b[ok]) <= tol * scale), (what, np.abs(a[ok] - b[ok]).max())


def groupby_oracle(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Counts and weighted means per group, by pandas."""
    f = frame.copy()
    f["w_"] = f["w"] if "w" in f else 1.0
    e = f["yhat"] - f["y"]
    for name, x in (
        ("mean_prediction", f["yhat"]),
        ("mean_outcome", f["y"]),
        ("mean_error", e),
        ("mean_absolute_error", e.abs()),
        ("mean_squared_error", e * e),
    ):
        f[name] = x * f["w_"]
    keys = [f[c].fillna("(missing)") if f[c].isna().any() else f[c] for c in features]
    g = f.groupby(keys, sort=True)
    out = g[MEANS].sum().div(g["w_"].sum(), axis=0)
    out.insert(0, "count", g.size())
    return out


def check_moments(table_result, rows_result, frame, features):
    """Moment values against pandas and the rows' audit, intervals against the rows'."""
    oracle = groupby_oracle(frame, features)
    got = table_result.by_group
    assert sorted(map(str, got.index)) == sorted(map(str, oracle.index))
    oracle = oracle.loc[got.index]
    for m in ["count", *MEANS]:
        _close(got[m], oracle[m], 1e-9, m)
    assert list(got.index) == list(rows_result.by_group.index)
    for m in EXACT:
        _close(got[m], rows_result.by_group[m], 1e-9, m)
    big = (rows_result.by_group["count"] >= MIN_ROWS).to_numpy()
    for m in MEANS:
        for side in ("lower", "upper"):
            _close(
                table_result.intervals[(m, side)][big],
                rows_result.intervals[(m, side)][big],
                INTERVAL_TOL,
                f"{m} {side}",
            )
    a = table_result.to_reference.set_index(["metric", "group"])
    b = rows_result.to_reference.set_index(["metric", "group"])
    for m in [*MEANS, "standardized_mean_difference"]:
        _close(a.loc[m, "value"], b.loc[m, "value"], 1e-9, m)
        _close(a.loc[m, "p_value"], b.loc[m, "p_value"], 1e-9, m)
    ca = table_result.criteria.set_index(["attribute", "criterion"])
    cb = rows_result.criteria.set_index(["attribute", "criterion"])
    for name in ("mean_difference", "smd", "max_group_error_ratio", "bounded_group_loss"):
        sel = ca.index.get_level_values(1) == name
        _close(ca.loc[sel, "value"], cb.loc[sel, "value"], 1e-9, name)
        assert list(ca.loc[sel, "verdict"]) == list(cb.loc[sel, "verdict"])


def check_distributions(result, frame, feature, reference):
    """KS and Wasserstein distances to the reference group within the histograms' bounds
    of scipy's (computed from the rows), and quantiles within the widest occupied bin."""
    y_pred = frame["yhat"].to_numpy()
    w = frame["w"].to_numpy() if "w" in frame else np.ones(len(frame))
    edges = oracle_edges(y_pred)
    widths = np.diff(edges)
    keys = frame[feature].to_numpy()
    ref = keys == reference
    table = result.to_reference.set_index(["metric", "group"])
    for label in result.by_group.index:
        sel = keys == label
        h = np.histogram(y_pred[sel], bins=edges, weights=w[sel])[0]
        share = h / h.sum()
        ks_bound = max(
            share.max(),
            (hr := np.histogram(y_pred[ref], edges, weights=w[ref])[0]).max() / hr.sum(),
        )
        w1_bound = 2 * max((share * widths).sum(), (hr / hr.sum() * widths).sum())
        occupied = np.histogram(y_pred, bins=edges)[0] > 0
        median = np.quantile(y_pred[sel], 0.5, weights=w[sel], method="inverted_cdf")
        assert abs(result.by_group.loc[label, "median_prediction"] - median) <= (
            widths[occupied].max() + 1e-9
        )
        if label == reference:
            continue
        w1 = scipy.stats.wasserstein_distance(y_pred[sel], y_pred[ref], w[sel], w[ref])
        got = table.loc[("wasserstein_distance", label), "value"]
        assert abs(got - w1) <= w1_bound + 1e-9
        if "w" not in frame:  # scipy's KS test takes no weights
            ks = scipy.stats.ks_2samp(y_pred[sel], y_pred[ref]).statistic
            got = table.loc[("ks_distance", label), "value"]
            assert got <= ks + 1e-12 and ks - got <= ks_bound + 1e-12


@pytest.mark.parametrize(
    "engine", ["pandas", "polars", "polars-lazy", "pyarrow", "pyarrow-dataset", "duckdb", "parquet"]
)
@pytest.mark.parametrize(("weighted", "discrete"), [(True, False), (False, True)])
def test_every_engine_audits_like_the_rows(engine, weighted, discrete, tmp_path):
    frame = frame_of(3, 2500, weighted=weighted, discrete=discrete, missing=True)
    kw = dict(n_bootstrap=60, random_state=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the missing region's group, warned by both
        rows = in_memory(frame, **kw)
        table = on_table(as_engine(frame, engine, tmp_path), weighted, **kw)
    check_moments(table, rows, frame, FEATURES)
    for f in FEATURES:
        check_moments(table.marginals[f], rows.marginals[f], frame, [f])
    assert table.meta["n_missing"] == rows.meta["n_missing"]
    assert table.meta["n_missing"]["region"] == int(frame["region"].isna().sum()) > 0
    assert table.meta["weighted"] is weighted
    assert table.meta["source"] == "statistics"
    cells = int(re.search(r"reduced to ([\d,]+) cells", table.meta["notes"][0])[1].replace(",", ""))
    assert cells <= 7 * 200  # groups x bins, not rows


@pytest.mark.parametrize("weighted", [False, True])
def test_distribution_metrics_within_the_histogram_bounds_of_scipy(weighted):
    frame = frame_of(11, 4000, weighted=weighted, discrete=False)
    kw = dict(n_bootstrap=0, reference_group="south")
    table = on_table(pa.Table.from_pandas(frame), weighted, features=["region"], **kw)
    check_distributions(table, frame, "region", "south")
    # a discrete score: one bin per value, so the distances are the rows' exactly
    frame = frame_of(12, 3000, weighted=False, discrete=True)
    table = on_table(pl.from_pandas(frame), False, features=["region"], **kw)
    ref = frame["region"] == "south"
    got = table.to_reference.set_index(["metric", "group"])
    for label in ("north", "east"):
        sel = frame["region"] == label
        ks = scipy.stats.ks_2samp(frame["yhat"][sel], frame["yhat"][ref]).statistic
        w1 = scipy.stats.wasserstein_distance(frame["yhat"][sel], frame["yhat"][ref])
        assert got.loc[("ks_distance", label), "value"] == pytest.approx(ks, abs=1e-12)
        assert got.loc[("wasserstein_distance", label), "value"] == pytest.approx(w1, abs=1e-9)


@pytest.mark.parametrize("discrete", [False, True])
def test_the_table_equals_the_audit_of_merged_statistics_on_the_same_edges(discrete):
    """Every number, distribution metrics included, equals ``audit_from_stats`` of
    ``regression_stats`` on the rows with the edges numpy's quantiles give."""
    frame = frame_of(5, 3000, weighted=True, discrete=discrete)
    edges = oracle_edges(frame["yhat"].to_numpy())
    stats = regression_stats(
        frame["y"],
        frame["yhat"],
        sensitive_features=frame[FEATURES],
        sample_weight=frame["w"],
        bins=edges,
    )
    kw = dict(n_bootstrap=50, random_state=3)
    expected = fairaudit.audit_from_stats(stats, **kw)
    got = on_table(duckdb.from_df(frame), True, **kw)
    for a, b in [(got, expected), *((got.marginals[f], expected.marginals[f]) for f in FEATURES)]:
        _close(a.by_group.to_numpy(float), b.by_group.to_numpy(float), 1e-9, "by_group")
        _close(a.intervals.to_numpy(float), b.intervals.to_numpy(float), 1e-6, "intervals")
        ra, rb = a.to_reference, b.to_reference
        cols = ra.select_dtypes("number").columns
        _close(ra[cols].to_numpy(float), rb[cols].to_numpy(float), 1e-6, "to_reference")
    assert got.criteria["verdict"].tolist() == expected.criteria["verdict"].tolist()
    assert got.verdict == expected.verdict


def test_declared_edges_and_no_bootstrap_carry_through(tmp_path):
    frame = frame_of(8, 1500, weighted=False, discrete=False)
    edges = np.linspace(0, frame["yhat"].max() + 1, 51)
    rows = in_memory(frame, score_bins=edges, n_bootstrap=0)
    table = on_table(duckdb.from_df(frame), False, score_bins=edges, n_bootstrap=0)
    check_moments(table, rows, frame, FEATURES)
    assert "(50 bins)" in table.meta["notes"][-1]
    # without a bootstrap the same intervals are given, or left out, as from the rows
    assert table.intervals.isna().equals(rows.intervals.isna())
    narrow = np.linspace(0, 10, 11)
    with pytest.raises(ValueError) as caught:
        in_memory(frame, score_bins=narrow)
    with pytest.raises(ValueError, match=re.escape(str(caught.value))):
        on_table(duckdb.from_df(frame), False, score_bins=narrow)
    with pytest.raises(ValueError, match="score_bins must be at least two"):
        on_table(duckdb.from_df(frame), False, score_bins="range")


def test_missing_or_infinite_numbers_are_refused_naming_the_column():
    frame = frame_of(1, 300, weighted=False, discrete=False)
    bad = frame.copy()
    bad.loc[[3, 7], "yhat"] = np.nan
    bad.loc[9, "yhat"] = np.inf
    for data in (
        pl.from_pandas(bad, nan_to_null=True),
        duckdb.from_df(bad),
        pa.Table.from_pandas(bad),
    ):
        with pytest.raises(
            ValueError, match=r"y_pred: the column 'yhat' has 3 missing or infinite"
        ):
            on_table(data, False)
    with pytest.raises(ValueError, match="y_pred has 3 missing or infinite"):
        in_memory(bad)  # the rows are refused too: neither drops rows silently
    bad = frame.copy()
    bad.loc[0, "y"] = None
    with pytest.raises(ValueError, match=r"y_true: the column 'y' has 1 missing .* drop or impute"):
        on_table(pa.Table.from_pandas(bad), False)


def test_columns_that_are_not_numbers_are_refused_with_the_fix():
    frame = frame_of(2, 200, weighted=True, discrete=False)
    text = frame.assign(yhat=frame["yhat"].map(lambda x: f"{x:.2f} EUR"))
    for data in (pl.from_pandas(text), duckdb.from_df(text), pa.Table.from_pandas(text)):
        with pytest.raises(
            TypeError, match=r"y_pred: the column 'yhat' holds .*CAST\(yhat AS DOUBLE\)"
        ):
            on_table(data, True)
    with pytest.raises(TypeError, match="y_true holds booleans"):
        on_table(pl.from_pandas(frame.assign(y=frame["y"] > 20)), True)
    with pytest.raises(TypeError, match="sample_weight must be numeric"):
        on_table(pl.from_pandas(frame.assign(w="a")), True)
    with pytest.raises(ValueError, match="there is no column 'nope'"):
        fairaudit.audit_table(
            frame, y_true="y", y_pred="nope", sensitive_features="region", task="regression"
        )


def test_bad_weights_and_options_get_the_messages_of_audit():
    frame = frame_of(4, 200, weighted=True, discrete=False)
    bad = frame.assign(w=frame["w"].where(frame.index != 5, -1.0))
    with pytest.raises(ValueError) as caught:
        in_memory(bad)
    with pytest.raises(ValueError, match=re.escape(str(caught.value))):
        on_table(duckdb.from_df(bad), True)
    binary = frame.assign(y=(frame["y"] > 20).astype(float), yhat=(frame["yhat"] > 20) * 1.0)
    with pytest.raises(ValueError, match="look like yes/no decisions"):
        on_table(pl.from_pandas(binary), True)
    for option, value, message in (
        ("y_score", "yhat", "y_score is for binary audits"),
        ("threshold", 0.5, "threshold has no meaning"),
        ("pos_label", 1, "pos_label has no meaning"),
        ("ci_method", "wilson", "ci_method='wilson'"),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            on_table(frame, True, **{option: value})
    with pytest.raises(ValueError, match="y_pred is required"):
        fairaudit.audit_table(frame, y_true="y", sensitive_features="region", task="regression")
    with pytest.raises(ValueError, match="task must be 'binary', 'multiclass' or 'regression'"):
        fairaudit.audit_table(
            frame, y_true="y", y_pred="yhat", sensitive_features="region", task="survival"
        )


def test_an_identifier_as_a_feature_is_refused_before_the_group_by():
    frame = frame_of(6, 2000, weighted=False, discrete=False).reset_index(names="id")
    with pytest.raises(ValueError) as caught:
        in_memory(frame, features=["id"])
    with pytest.raises(ValueError, match=re.escape(str(caught.value))):
        on_table(duckdb.from_df(frame), False, features=["id"])


def test_a_constant_prediction_is_degenerate_as_in_memory():
    frame = frame_of(9, 400, weighted=False, discrete=False).assign(yhat=3.0)
    with pytest.warns(UserWarning, match="same number") as rec:
        rows = in_memory(frame, n_bootstrap=0)
    with pytest.warns(UserWarning, match="same number") as rec_table:
        table = on_table(pl.from_pandas(frame), False, n_bootstrap=0)
    assert rec_table[0].filename == __file__  # warned at the caller's line
    assert len(rec) and table.degenerate == rows.degenerate and table.degenerate
    assert table.verdict == rows.verdict != "pass"


def test_the_quantile_edges_are_numpys():
    import narwhals.stable.v2 as nw

    from fairaudit._table_regression import _data_edges

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({'y "hat"': np.round(rng.normal(size=5001), 4)})
    expected = oracle_edges(frame['y "hat"'].to_numpy())
    natives = {
        "duckdb": duckdb.from_df(frame),
        "polars": pl.from_pandas(frame).lazy(),
        "polars-eager": pl.from_pandas(frame),
        "pyarrow": pa.Table.from_pandas(frame),
        "pandas": frame,
    }
    for engine, native in natives.items():
        got = _data_edges(nw.from_native(native), 'y "hat"', len(frame))
        if engine.startswith("polars") or engine == "pandas":  # numpy's interpolation
            np.testing.assert_array_equal(got, expected)
        else:  # the engine's interpolation: to the last bit or two
            np.testing.assert_allclose(got, expected, rtol=4e-16, atol=0)


def test_a_csv_file_audits_like_its_rows(tmp_path):
    frame = frame_of(10, 900, weighted=True, discrete=False, missing=True)
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    read = pd.read_csv(path, dtype={"region": str}, keep_default_na=False, na_values=[""])
    read["region"] = read["region"].replace("", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = in_memory(
            read.assign(region=read["region"].astype(object)), n_bootstrap=30, random_state=1
        )
        table = on_table(str(path), True, n_bootstrap=30, random_state=1)
    for m in EXACT:
        _close(table.by_group[m].to_numpy(float), rows.by_group[m].to_numpy(float), 1e-9, m)
    bad = frame.astype({"yhat": object})
    bad.loc[4, "yhat"] = "n/a?"
    bad.to_csv(path, index=False)
    with pytest.raises(TypeError, match=r"y_pred: the column 'yhat' of the CSV file holds a value"):
        on_table(str(path), True)


def test_the_installed_command_audits_a_parquet_file_out_of_core(tmp_path):
    frame = frame_of(13, 1500, weighted=False, discrete=False)
    path = tmp_path / "data.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    out = tmp_path / "audit.json"
    proc = run_installed(
        [
            "audit",
            path,
            "--target",
            "y",
            "--prediction",
            "yhat",
            "--sensitive",
            "region",
            "--task",
            "regression",
            "--seed",
            "0",
            "--n-bootstrap",
            "50",
            "--json",
            out,
            "-q",
        ]
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    document = json.loads(out.read_text())
    assert document["config"]["task"] == "regression"
    notes = document["meta"]["notes"]
    assert any("Aggregated by DuckDB: 1,500 rows" in note for note in notes), notes
    back = fairaudit.AuditResult.from_dict(document)
    rows = in_memory(frame, features=["region"], n_bootstrap=50, random_state=0)
    for m in EXACT:
        _close(back.by_group[m].to_numpy(float), rows.by_group[m].to_numpy(float), 1e-9, m)
    smd = back.criteria.set_index("criterion").loc["smd", "value"]
    assert smd == pytest.approx(rows.criteria.set_index("criterion").loc["smd", "value"], rel=1e-9)


@pytest.mark.parametrize("discrete", [False, True])
def test_only_per_cell_aggregates_leave_the_engine(monkeypatch, discrete):
    """Everything brought back to Python is a table of at most groups x bins rows."""
    from fairaudit import _table_regression

    sizes = []
    collect = _table_regression._collect

    def spy(frame):
        out = collect(frame)
        sizes.append(len(out))
        return out

    monkeypatch.setattr(_table_regression, "_collect", spy)
    frame = frame_of(15, 50_000, weighted=True, discrete=discrete)
    result = on_table(pl.from_pandas(frame), True, n_bootstrap=0)
    assert sizes and max(sizes) <= 6 * 200 < len(frame) // 40
    assert result.by_group["count"].sum() == len(frame)
