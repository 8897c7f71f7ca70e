"""Benchmark: the regression audit against fairlearn's MetricFrame on the same job.

1,000,000 rows, one sensitive feature of 40 groups, the metrics mean absolute error, mean
squared error, R² and mean prediction (MetricFrame computes only these; the audit computes
every regression metric, the quantiles, the share above the median, the KS and Wasserstein
distances between every pair of groups, the tests and the criteria). Prints both times and
their ratio, with the bootstrap off and with 1,000 replicates, and the one-pass floor (the
15 moments of every group by ``np.bincount`` over precomputed group codes), with the load
average of the machine.

    python bench/bench_regression.py [--rows 1000000] [--groups 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import pandas as pd
from _timing import best_of


def make_data(n: int, groups: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    y = rng.normal(50, 10, n) + g * 0.05
    pred = y + rng.normal(0, 5, n) + (g % 3) * 0.5
    return y, pred, pd.Series(np.char.add("g", g.astype(str)), name="group")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from fairlearn.metrics import MetricFrame
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    import fairaudit
    from fairaudit.metrics._regression_stats import row_moments, sum_by

    y, pred, sf = make_data(args.rows, args.groups)
    metrics = {
        "mean_absolute_error": mean_absolute_error,
        "mean_squared_error": mean_squared_error,
        "r2": r2_score,
        "mean_prediction": lambda yt, yp: float(np.mean(yp)),
    }

    def metricframe():
        return MetricFrame(metrics=metrics, y_true=y, y_pred=pred, sensitive_features=sf)

    def audit(n_bootstrap):
        return lambda: fairaudit.audit(
            y,
            pred,
            sensitive_features=sf,
            task="regression",
            n_bootstrap=n_bootstrap,
            random_state=0,
        )

    codes = pd.factorize(sf)[0]

    def floor():
        return sum_by(codes, args.groups, row_moments(y, pred, np.ones(len(y))))

    # the same numbers, before timing them
    mf, res = metricframe(), audit(0)()
    ours = res.by_group[list(metrics)]
    np.testing.assert_allclose(
        ours.to_numpy(), mf.by_group.loc[ours.index].to_numpy(float), rtol=1e-9, atol=1e-9
    )

    t_mf = best_of(metricframe, args.repeat)
    t_floor = best_of(floor, args.repeat)
    t_audit = best_of(audit(0), args.repeat)
    t_boot = best_of(audit(1000), max(1, args.repeat - 1))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{args.rows:,} rows, {args.groups} groups; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load {load:.1f}"
    )
    print(f"MetricFrame (mae, mse, r2, mean prediction)   {t_mf:8.3f} s")
    print(f"one-pass floor (moments by bincount)          {t_floor:8.3f} s")
    print(
        f"fairaudit.audit, task='regression', no bootstrap {t_audit:8.3f} s "
        f"(ratio to MetricFrame {t_audit / t_mf:.3f}: {t_mf / t_audit:.1f}x faster; "
        f"to the floor {t_audit / t_floor:.1f})"
    )
    print(
        f"fairaudit.audit, 1,000 bootstrap replicates   {t_boot:8.3f} s "
        f"(ratio to MetricFrame {t_boot / t_mf:.3f}: {t_mf / t_boot:.1f}x faster; "
        f"to the floor {t_boot / t_floor:.1f})"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average after the runs {load:.1f}")


if __name__ == "__main__":
    main()
