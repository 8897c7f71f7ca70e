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
    sf = pd.DataFrame({"region": rng.choice([f"r{i}" for i in range(5)], n),
                       "age": rng.choice([f"a{i}" for i in range(8)], n)})
    yt = rng.integers(0, 4, n)
    yp = np.where(rng.random(n) < 0.6, yt, rng.integers(0, 4, n))
    return CLASSES[yt], CLASSES[yp], sf


def per_class(metric: str, c: str):
    def f(y_true, y_pred):
        t, p = np.asarray(y_true) == c, np.asarray(y_pred) == c
        num, den = {"selection_rate": (p, None), "true_positive_rate": (t & p, t),
                    "false_positive_rate": (~t & p, ~t),
                    "positive_predictive_value": (t & p, p)}[metric]
        d = len(t) if den is None else den.sum()
        return num.sum() / d if d else np.nan
    return f


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import fairlearn
    from fairlearn.metrics import MetricFrame
    from sklearn.metrics import accuracy_score

    import fairaudit
    from fairaudit.metrics._multiclass_stats import count_multiclass

    yt, yp, sf = make_data(args.rows)
    metrics = {f"{m}[{c}]": per_class(m, c) for c in CLASSES for m in (
        "selection_rate", "true_positive_rate", "false_positive_rate",
        "positive_predictive_value")}
    metrics["accuracy"] = accuracy_score

    def peer():
        return MetricFrame(metrics=metrics, y_true=yt, y_pred=yp, sensitive_features=sf)

    def ours(b: int):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fairaudit.audit(yt, yp, sensitive_features=sf, task="multiclass",
                                   n_bootstrap=b, random_state=0)

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
    t_floor = best_of(lambda: count_multiclass(group, 40, tc, pc, tuple(CLASSES)),
                      args.repeat)
    t_peer = best_of(peer, args.repeat)
    t_ours = best_of(lambda: ours(0), args.repeat)
    t_boot = best_of(lambda: ours(1000), max(1, args.repeat - 1))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"rows={args.rows:,} groups=40 classes=4  python {platform.python_version()}  "
          f"fairlearn {fairlearn.__version__}  load {load:.1f}")
    print(f"MetricFrame (17 per-class metrics)     {t_peer:8.3f} s")
    print(f"fairaudit.audit, no bootstrap          {t_ours:8.3f} s  "
          f"({t_peer / t_ours:.1f}x faster than MetricFrame)")
    print(f"fairaudit.audit, 1,000 replicates      {t_boot:8.3f} s  "
          f"({t_peer / t_boot:.1f}x MetricFrame's time)")
    print(f"one-pass floor (k x k bincount)        {t_floor:8.3f} s  "
          f"(audit = {t_ours / t_floor:.1f}x the floor)")


if __name__ == "__main__":
    main()
