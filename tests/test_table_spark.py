"""``audit_table`` on a PySpark DataFrame (Spark in local mode) equals the audit of the rows.

One SparkSession for the module (its start-up, several seconds, is paid once; the module
stays in one xdist worker with ``--dist loadscope``). These tests need Java and pyspark,
which ``.ci/run`` installs: they run in CI, they are not skipped there.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fairaudit

sys.path.insert(0, str(Path(__file__).parent))
from test_audit_from_stats import _assert_same
from test_table import _audit_rows, _audit_table, exact_bound, random_frame
from test_table_regression import FEATURES, check_moments, frame_of, in_memory, on_table

pytestmark = pytest.mark.slow  # a JVM starts: tens of seconds in all


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession  # the [test] extra installs it: never skipped

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("fairaudit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        # a JVM for a few small queries: the client compiler only and the serial collector
        # start it seconds sooner and leave the machine's other cores to the other tests
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # no call sites in the context of Spark's error messages: recording them costs
        # several round trips to the JVM per column expression, and the audits build
        # thousands (a regression audit's histogram bins and moment terms)
        .config("spark.python.sql.dataFrameDebugging.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _spark_frame(spark, frame: pd.DataFrame):
    # through Arrow, so that missing strings stay null and the types are those of the frame
    return spark.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False).to_pandas())


@pytest.mark.parametrize("seed, weighted, n_features", [(0, True, 3), (1, False, 2), (2, True, 1)])
def test_spark_audits_like_the_rows(spark, seed, weighted, n_features):
    rng = np.random.default_rng(seed)
    frame = random_frame(rng, 500, weighted=weighted)
    features = ["region", "age_band", "flag"][:n_features]
    rows = _audit_rows(frame, features, n_bootstrap=40, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sdf = _spark_frame(spark, frame)
    table = _audit_table(sdf, features, weighted, n_bootstrap=40, random_state=seed)
    _assert_same(rows, table, skip_metrics=("roc_auc",))
    assert table.meta["n_missing"] == rows.meta["n_missing"]
    assert any("Spark" in n for n in table.meta["notes"])
    overall = exact_bound(frame, {"all": np.arange(len(frame))})["all"]
    assert abs(table.overall["roc_auc"] - rows.overall["roc_auc"]) <= overall + 1e-12


def test_spark_reads_a_parquet_file_like_the_rows(spark, tmp_path):
    rng = np.random.default_rng(9)
    frame = random_frame(rng, 400, weighted=True, missing=False)
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    rows = _audit_rows(frame, ["region", "flag"], n_bootstrap=30, random_state=4)
    table = _audit_table(
        spark.read.parquet(str(path)), ["region", "flag"], True, n_bootstrap=30, random_state=4
    )
    _assert_same(rows, table, skip_metrics=("roc_auc",))


def test_spark_validation_counts_in_the_engine(spark):
    n = 120
    frame = pd.DataFrame(
        {
            "g": ["a", "b", "c"] * 40,
            "y": np.arange(n) % 2,
            "pred": (np.arange(n) // 2) % 2,
            "w": np.ones(n),
        }
    )
    frame["w"] = frame["w"].where(np.arange(n) % 30 != 0, -2.0)
    frame["y"] = frame["y"].astype(float).where(np.arange(n) % 40 != 1)
    sdf = _spark_frame(spark, frame)
    with pytest.raises(ValueError, match=r"y_true contains 3 missing value"):
        fairaudit.audit_table(sdf, y_true="y", y_pred="pred", sensitive_features="g")
    with pytest.raises(ValueError, match=r"sample_weight contains 4 negative value"):
        fairaudit.audit_table(
            sdf.fillna({"y": 0.0}),
            y_true="y",
            y_pred="pred",
            sensitive_features="g",
            sample_weight="w",
        )
    with pytest.raises(
        ValueError,
        match=r"there is no column 'label' in the data; its columns "
        r"are \['g', 'y', 'pred', 'w'\]",
    ):
        fairaudit.audit_table(sdf, y_true="label", y_pred="pred", sensitive_features="g")


def test_spark_audits_multiclass_decisions_like_the_rows(spark):
    rng = np.random.default_rng(11)
    n = 600
    classes = np.array(["low", "mid", "high"], dtype=object)
    frame = pd.DataFrame(
        {
            "region": rng.choice(["n", "s", "e"], n),
            "flag": rng.choice(["a", "b"], n),
            "y": classes[rng.integers(0, 3, n)],
            "w": rng.lognormal(0, 0.5, n),
        }
    )
    frame["p"] = np.where(rng.random(n) < 0.6, frame["y"], classes[rng.integers(0, 3, n)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = fairaudit.audit(
            frame["y"],
            frame["p"],
            sensitive_features=frame[["region", "flag"]],
            sample_weight=frame["w"],
            task="multiclass",
            n_bootstrap=40,
            random_state=3,
        )
        table = fairaudit.audit_table(
            _spark_frame(spark, frame),
            y_true="y",
            y_pred="p",
            sensitive_features=["region", "flag"],
            sample_weight="w",
            task="multiclass",
            n_bootstrap=40,
            random_state=3,
        )
    _assert_same(rows, table)
    assert any("Spark" in n for n in table.meta["notes"])


# ------------------------------------------------ regression audits, in the same session
def test_spark_regression_audits_like_the_rows(spark):
    """``audit_table(..., task="regression")`` on Spark (its oracles: see test_table_regression)."""
    frame = frame_of(14, 1200, weighted=True, discrete=False, missing=True)
    data = spark.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False).to_pandas())
    kw = dict(n_bootstrap=40, random_state=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = in_memory(frame, **kw)
        table = on_table(data, True, **kw)
    check_moments(table, rows, frame, FEATURES)
    assert "Aggregated by Spark" in table.meta["notes"][0]
    assert table.meta["n_missing"] == rows.meta["n_missing"]
    # the quantile edges: Spark's exact percentile, numpy's to the last bit
    import narwhals.stable.v2 as nw

    from fairaudit._table_regression import quantiles

    qs = np.linspace(0, 1, 201)
    named = data.withColumnRenamed("yhat", "y `hat`")
    got = quantiles(nw.from_native(named), "y `hat`", qs, len(frame))
    np.testing.assert_array_equal(got, np.quantile(frame["yhat"], qs))


def test_the_bins_written_in_sql_are_the_bisection_trees(spark):
    """The prediction's bin as one SQL CASE tree on Spark against the narwhals tree of
    ``when`` it replaces and numpy's ``bin_index``: on the edges themselves, next to
    them, outside the range, and for NaN and null predictions."""
    import narwhals.stable.v2 as nw

    from fairaudit._table_regression import _bin_tree, _spark_bin
    from fairaudit.metrics._regression_stats import bin_index

    rng = np.random.default_rng(0)
    edges = np.unique(np.round(rng.normal(size=201), 3))
    x = np.concatenate(
        [
            rng.normal(size=500),
            edges,
            edges - 1e-12,
            edges + 1e-12,
            [np.nan, -50.0, 50.0, 0.1, 1 / 3],
        ]
    )
    rows = [(None if i == 5 else float(v),) for i, v in enumerate(x)]
    frame = nw.from_native(spark.createDataFrame(rows, "`y hat` double"))
    tree = _bin_tree(nw.col("y hat").cast(nw.Float64), edges, 0, len(edges) - 1)
    old = nw.to_native(frame.select(tree.cast(nw.Int64).alias("bin"), nw.col("y hat")))
    new = nw.to_native(_spark_bin(frame, "y hat", edges, "b").select(nw.col("b")))
    # collected as rows: PySpark's toPandas warns on pandas 3
    old_bins = np.array([r["bin"] for r in old.collect()])
    values = np.array([np.nan if r["y hat"] is None else r["y hat"] for r in old.collect()])
    new_bins = np.array([r["b"] for r in new.collect()])
    np.testing.assert_array_equal(new_bins, old_bins)
    finite = np.isfinite(values)
    assert (~finite).sum() == 2  # the NaN and the null
    np.testing.assert_array_equal(new_bins[finite], bin_index(values[finite], edges))
