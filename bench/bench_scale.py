"""Benchmark: auditing a Parquet data set larger than memory, where it lies.

Generates a Parquet data set in a temporary folder (deleted afterwards): three sensitive
features (2 x 5 x 4 = 40 intersectional groups), an outcome, a probability score and a
weight per row, written in chunks with pyarrow so that generating it needs little memory.
Then, each case in a fresh child process (time is wall-clock; peak memory is the largest
resident set of the child and all its descendants, sampled from /proc every 50 ms, and the
child's own ``ru_maxrss``):

* ``cli``: ``fairaudit audit 'data/*.parquet' ...`` on all the rows (DuckDB, out of core);
* at ``--compare-rows`` rows (a prefix of the files): the same command; the pandas path
  (``pandas.read_parquet`` + ``fairaudit.audit``); and Spark ``local[2]``
  (``spark.read.parquet`` + ``fairaudit.audit_table``), with their ratios.

    python bench/bench_scale.py [--rows 200000000] [--compare-rows 20000000]
                                [--no-spark] [--n-bootstrap 200] [--dir /tmp]

Not a timed test: run it by hand and copy the figures into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROWS_PER_FILE = 10_000_000
CHUNK = 2_500_000
GiB = 1024**3

PANDAS_CHILD = r"""
import json, sys, time, warnings
import pandas as pd
import fairaudit
files = sys.argv[1].split(",")
nb = int(sys.argv[2])
t = time.perf_counter()
frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
t_read = time.perf_counter() - t
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    r = fairaudit.audit(frame["y"], y_score=frame["score"], threshold=0.5,
                        sensitive_features=frame[["sex", "race", "age"]],
                        sample_weight=frame["w"], n_bootstrap=nb, random_state=0)
print(json.dumps({"inner_seconds": time.perf_counter() - t, "read_seconds": t_read,
                  "verdict": r.verdict, "n": int(r.meta["n_samples"]),
                  "auc": float(r.overall["roc_auc"])}))
"""

SPARK_CHILD = r"""
import json, os, sys, time, warnings
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
from pyspark.sql import SparkSession
import fairaudit
files = sys.argv[1].split(",")
nb = int(sys.argv[2])
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "1g")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
t = time.perf_counter()
sdf = spark.read.parquet(*files)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    r = fairaudit.audit_table(sdf, y_true="y", y_score="score", threshold=0.5,
                              sensitive_features=["sex", "race", "age"], sample_weight="w",
                              n_bootstrap=nb, random_state=0)
print(json.dumps({"inner_seconds": time.perf_counter() - t, "verdict": r.verdict,
                  "n": int(r.meta["n_samples"]), "auc": float(r.overall["roc_auc"])}))
spark.stop()
"""


def generate(folder: Path, rows: int, seed: int = 0) -> list[str]:
    """Write ``rows`` rows as Parquet files of ROWS_PER_FILE rows, in chunks."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    sexes = pa.array(["female", "male"])
    races = pa.array(["asian", "black", "hispanic", "other", "white"])
    ages = pa.array(["18-29", "30-44", "45-64", "65+"])
    files, written, writer = [], 0, None
    while written < rows:
        if written % ROWS_PER_FILE == 0:
            if writer is not None:
                writer.close()
            files.append(str(folder / f"part-{len(files):04d}.parquet"))
            writer = None
        m = min(CHUNK, rows - written, ROWS_PER_FILE - written % ROWS_PER_FILE)
        sex = rng.integers(0, 2, m, dtype=np.int8)
        race = rng.choice(5, m, p=[0.06, 0.13, 0.18, 0.03, 0.60]).astype(np.int8)
        age = rng.choice(4, m, p=[0.2, 0.3, 0.35, 0.15]).astype(np.int8)
        logit = rng.normal(-0.4, 1.2, m) + 0.15 * sex - 0.1 * (race == 1) + 0.05 * age
        score = 1.0 / (1.0 + np.exp(-logit))
        y = (rng.random(m) < score).astype(np.int8)
        w = rng.lognormal(0.0, 0.5, m)
        table = pa.table(
            {
                "sex": sexes.take(pa.array(sex)),
                "race": races.take(pa.array(race)),
                "age": ages.take(pa.array(age)),
                "y": pa.array(y),
                "score": pa.array(score),
                "w": pa.array(w),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(files[-1], table.schema)
        writer.write_table(table, row_group_size=1_000_000)
        written += m
    if writer is not None:
        writer.close()
    return files


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for child, parent in parents.items():
            if parent == p and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def measure(argv: list[str]) -> dict:
    """Run a child; its wall time, peak tree RSS, own ru_maxrss and its stdout."""
    out = tempfile.TemporaryFile(mode="w+")
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    stdout = out.read()
    if proc.returncode not in (0, 1):  # 1: the audit's verdict FAIL
        raise RuntimeError(f"{argv[:4]} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return {
        "seconds": seconds,
        "peak_tree_rss": peak[0],
        "maxrss": usage.ru_maxrss * 1024,
        "stdout": stdout,
    }


def cli_case(files_glob: str, n_bootstrap: int, json_path: Path) -> dict:
    argv = [
        sys.executable,
        "-m",
        "fairaudit",
        "audit",
        files_glob,
        "--target",
        "y",
        "--score",
        "score",
        "--threshold",
        "0.5",
        "--sensitive",
        "sex",
        "--sensitive",
        "race",
        "--sensitive",
        "age",
        "--weight",
        "w",
        "--n-bootstrap",
        str(n_bootstrap),
        "--json",
        str(json_path),
        "--quiet",
    ]
    m = measure(argv)
    result = json.loads(json_path.read_text())
    m["n"] = result["meta"]["n_samples"]
    m["verdict"] = result["verdict"]
    return m


def fmt(m: dict, rows: int) -> str:
    return (
        f"{m['seconds']:8.1f} s  {rows / m['seconds'] / 1e6:7.2f} M rows/s  "
        f"peak RSS {m['peak_tree_rss'] / GiB:5.2f} GiB (ru_maxrss {m['maxrss'] / GiB:5.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000_000)
    parser.add_argument("--compare-rows", type=int, default=20_000_000)
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--dir", default=None, help="where the temporary folder goes")
    args = parser.parse_args()
    if args.compare_rows % ROWS_PER_FILE and args.compare_rows < args.rows:
        parser.error(f"--compare-rows must be a multiple of {ROWS_PER_FILE:,}")
    env = os.environ.copy()
    env["PYTHONPATH"] = (
        str(Path(__file__).resolve().parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    )
    os.environ.update(env)
    folder = Path(tempfile.mkdtemp(prefix="fairaudit-scale-", dir=args.dir))
    report: dict = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "rows": args.rows,
        "compare_rows": args.compare_rows,
    }
    try:
        t = time.perf_counter()
        files = generate(folder, args.rows)
        size = sum(Path(f).stat().st_size for f in files)
        print(
            f"generated {args.rows:,} rows in {len(files)} files ({size / GiB:.2f} GiB) "
            f"in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
        n_cmp = min(args.compare_rows, args.rows)
        cmp_files = files[: max(1, n_cmp // ROWS_PER_FILE)]
        cmp_glob = str(folder / "cmp" / "*.parquet")
        (folder / "cmp").mkdir()
        for f in cmp_files:
            os.link(f, folder / "cmp" / Path(f).name)

        full = cli_case(str(folder / "part-*.parquet"), args.n_bootstrap, folder / "full.json")
        print(f"CLI (DuckDB), {args.rows:,} rows: {fmt(full, args.rows)}", flush=True)
        report["cli_full"] = full
        small = cli_case(cmp_glob, args.n_bootstrap, folder / "small.json")
        print(f"CLI (DuckDB), {n_cmp:,} rows: {fmt(small, n_cmp)}", flush=True)
        report["cli_compare"] = small
        pandas = measure(
            [sys.executable, "-c", PANDAS_CHILD, ",".join(cmp_files), str(args.n_bootstrap)]
        )
        pandas.update(json.loads(pandas.pop("stdout")))
        print(f"pandas (read_parquet + audit), {n_cmp:,} rows: {fmt(pandas, n_cmp)}", flush=True)
        report["pandas_compare"] = pandas
        print(
            f"  ratios pandas / CLI at {n_cmp:,} rows: time "
            f"{pandas['seconds'] / small['seconds']:.2f}, peak memory "
            f"{pandas['peak_tree_rss'] / small['peak_tree_rss']:.2f}",
            flush=True,
        )
        if not args.no_spark:
            spark = measure(
                [sys.executable, "-c", SPARK_CHILD, ",".join(cmp_files), str(args.n_bootstrap)]
            )
            spark.update(json.loads(spark.pop("stdout").strip().splitlines()[-1]))
            print(
                f"Spark local[2] (read.parquet + audit_table), {n_cmp:,} rows: "
                f"{fmt(spark, n_cmp)} (audit {spark['inner_seconds']:.1f} s after start-up)",
                flush=True,
            )
            report["spark_compare"] = spark
            print(
                f"  ratio Spark / CLI at {n_cmp:,} rows: time "
                f"{spark['seconds'] / small['seconds']:.2f}",
                flush=True,
            )
        limit_ok = full["peak_tree_rss"] < 2 * GiB
        print(f"peak memory at {args.rows:,} rows under 2 GiB: {limit_ok}")
        for m in report.values():
            if isinstance(m, dict):
                m.pop("stdout", None)
        print(json.dumps(report, default=str))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
