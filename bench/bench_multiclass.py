"""Benchmark: a multiclass audit against fairlearn's MetricFrame with the same per-class
metrics.

1,000,000 rows, 4 classes, two sensitive features (5 x 8 = 40 intersectional groups). The
peer computes, per group, each class's selection rate, true and false positive rates and
precision (one-vs-rest, 16 metric functions) and accuracy, with MetricFrame over the
intersection. fairaudit computes the same (and intervals, comparisons, criteria per class
and their worst case, each feature on its own) from one ``np.bincount`` of the k x k cells.
Printed: both times without the bootstrap, their ratio, the audit with a 1,000-replicate
bootstrap, and the one-pass floor (the bincount alone over precomputed codes).

    python bench/bench_multiclass.py [--rows 1000000] [--repeat 3]
    python bench/bench_multiclass.py --coverage [--data-sets 4000]

With ``--coverage``: the coverage table of docs/auditing.md (multiclass section) instead.
Groups of 20, 50 and 200 rows, multinomial over the k x k cells of a 3-class and a 4-class
matrix (the 4-class one with a rare class of 10% of the rows), each group a data set: the
share whose 95% interval covers the population value of the macro and weighted averages
and of accuracy, and the mean width, for the bootstrap's percentile intervals (with the
Jeffreys interval for accuracy) and for the audit's small-sample intervals. Seeded.

A smaller size (``--rows 200000``) shows the fixed cost of the tables, which does not grow
with the rows. Timings on a loaded machine are inflated: read the ratios of one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import warnings

import numpy as np
import pandas as pd
from _timing import best_of

CLASSES = np.array(["a", "b", "c", "d"], dtype=object)


def make_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sf = pd.DataFrame(
        {
            "region": rng.choice([f"r{i}" for i in range(5)], n),
            "age": rng.choice([f"a{i}" for i in range(8)], n),
        }
    )
    yt = rng.integers(0, 4, n)
    yp = np.where(rng.random(n) < 0.6, yt, rng.integers(0, 4, n))
    return CLASSES[yt], CLASSES[yp], sf


def per_class(metric: str, c: str):
    def f(y_true, y_pred):
        t, p = np.asarray(y_true) == c, np.asarray(y_pred) == c
        num, den = {
            "selection_rate": (p, None),
            "true_positive_rate": (t & p, t),
            "false_positive_rate": (~t & p, ~t),
            "positive_predictive_value": (t & p, p),
        }[metric]
        d = len(t) if den is None else den.sum()
        return num.sum() / d if d else np.nan

    return f


COVERAGE_MATRICES = {
    3: np.array([[0.34, 0.10, 0.06], [0.06, 0.18, 0.06], [0.03, 0.05, 0.12]]),
    4: np.array(
        [
            [0.30, 0.05, 0.03, 0.02],
            [0.05, 0.20, 0.03, 0.02],
            [0.02, 0.03, 0.12, 0.03],
            [0.01, 0.01, 0.02, 0.06],
        ]
    ),
}


def coverage(data_sets: int) -> None:
    """Print the coverage table (see the module's docstring)."""
    from dataclasses import replace

    from fairaudit._engine import check_options
    from fairaudit.metrics._bootstrap import rate_intervals
    from fairaudit.metrics._multiclass_averages import AVERAGED_METRICS, average_bootstrap
    from fairaudit.metrics._multiclass_stats import MulticlassStats, averaged_scores

    print("k  rows  family     coverage: percentile -> audit   mean width: percentile -> audit")
    for k, m in COVERAGE_MATRICES.items():
        diag, support, predicted = np.diag(m), m.sum(axis=1), m.sum(axis=0)
        truth = {"accuracy": diag.sum()}
        for name, v in (
            ("recall", diag / support),
            ("precision", diag / predicted),
            ("f1", 2 * diag / (support + predicted)),
        ):
            truth[f"macro_{name}"] = v.mean()
            truth[f"weighted_{name}"] = (v * support).sum()
        for size in (20, 50, 200):
            rng = np.random.default_rng(size + k)
            n = rng.multinomial(size, m.ravel(), data_sets).reshape(data_sets, k, k)
            stats = MulticlassStats(tuple("abcd"[:k]), n, n.astype(float), n.astype(float))
            config = replace(check_options(n_bootstrap=1000, random_state=size), weighted=False)
            boot = average_bootstrap(
                stats, np.ones(data_sets, bool), 0, config, np.random.default_rng(size)
            )
            values = averaged_scores(stats.w, stats.n)
            found = {}
            for name in AVERAGED_METRICS:
                found[name] = (
                    values[name],
                    boot.summary.group_interval(name),
                    (boot.lower[name], boot.upper[name]),
                )
            found["accuracy"] = (
                np.trace(n, axis1=1, axis2=2) / size,
                rate_intervals(stats.correct(), "selection_rate", 0.95, weighted=False),
                found["weighted_recall"][2],
            )
            for family in ("macro", "weighted", "accuracy"):
                names = [x for x in found if x.startswith(family)]
                cov = [
                    [np.mean((lo <= truth[x]) & (truth[x] <= hi)) for lo, hi in found[x][1:]]
                    for x in names
                ]
                wid = [[np.mean(hi - lo) for lo, hi in found[x][1:]] for x in names]
                c0, c1 = min(c[0] for c in cov), min(c[1] for c in cov)
                w0, w1 = np.mean([w[0] for w in wid]), np.mean([w[1] for w in wid])
                print(
                    f"{k}  {size:4d}  {family:<9}  {c0:.3f} -> {c1:.3f} (lowest)"
                    f"          {w0:.3f} -> {w1:.3f}",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--coverage", action="store_true")
    parser.add_argument("--data-sets", type=int, default=4000)
    args = parser.parse_args()
    if args.coverage:
        coverage(args.data_sets)
        return

    import fairlearn
    from fairlearn.metrics import MetricFrame
    from sklearn.metrics import accuracy_score

    import fairaudit
    from fairaudit.metrics._multiclass_stats import count_multiclass

    yt, yp, sf = make_data(args.rows)
    metrics = {
        f"{m}[{c}]": per_class(m, c)
        for c in CLASSES
        for m in (
            "selection_rate",
            "true_positive_rate",
            "false_positive_rate",
            "positive_predictive_value",
        )
    }
    metrics["accuracy"] = accuracy_score

    def peer():
        return MetricFrame(metrics=metrics, y_true=yt, y_pred=yp, sensitive_features=sf)

    def ours(b: int):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fairaudit.audit(
                yt, yp, sensitive_features=sf, task="multiclass", n_bootstrap=b, random_state=0
            )

    # the numbers agree before they are timed
    mf, res = peer(), ours(0)
    for name in metrics:
        got = res.by_group[name].to_numpy(float)
        want = mf.by_group[name].reindex(res.by_group.index).to_numpy(float)
        assert np.allclose(got, want, equal_nan=True), name

    codes = pd.MultiIndex.from_frame(sf).codes
    group = (np.asarray(codes[0]) * 8 + np.asarray(codes[1])).astype(np.int64)
    tc = pd.Index(CLASSES).get_indexer(yt)
    pc = pd.Index(CLASSES).get_indexer(yp)
    t_floor = best_of(lambda: count_multiclass(group, 40, tc, pc, tuple(CLASSES)), args.repeat)
    t_peer = best_of(peer, args.repeat)
    t_ours = best_of(lambda: ours(0), args.repeat)
    t_boot = best_of(lambda: ours(1000), max(1, args.repeat - 1))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"rows={args.rows:,} groups=40 classes=4  python {platform.python_version()}  "
        f"fairlearn {fairlearn.__version__}  load {load:.1f}"
    )
    print(f"MetricFrame (17 per-class metrics)     {t_peer:8.3f} s")
    print(
        f"fairaudit.audit, no bootstrap          {t_ours:8.3f} s  "
        f"({t_peer / t_ours:.1f}x faster than MetricFrame)"
    )
    print(
        f"fairaudit.audit, 1,000 replicates      {t_boot:8.3f} s  "
        f"({t_peer / t_boot:.1f}x faster than MetricFrame)"
    )
    print(
        f"one-pass floor (k x k bincount)        {t_floor:8.3f} s  "
        f"(audit = {t_ours / t_floor:.1f}x the floor)"
    )


if __name__ == "__main__":
    main()
