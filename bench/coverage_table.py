"""The coverage table of docs/auditing.md ("How intervals are computed"), by simulation.

For each group size n, true rate p and weighting (none, lognormal sigma = 1): the share of
simulated data sets whose 95% interval covers the truth, for the group's rate (bootstrap
path: exact Jeffreys; Wilson path: modified Wilson with Kish effective counts), and for its
difference and ratio to a reference group of 1000 rows with rate 0.2 and to one as small as
the group with the same rate. The rate is the selection rate of rows with y ~ Bernoulli(0.3).
Seeded; about a minute on two cores.

With ``--regression``: the table of the regression section instead (coverage of the 95%
intervals for the difference of mean predictions and Cohen's d, normal and lognormal
predictions, by :func:`fairaudit.simulation._regression_coverage.core_coverage`, the audit's
interval against the expanded percentile interval of the same replicates).

    python bench/coverage_table.py [--data-sets 1000] [--replicates 1000] [--regression]
"""

from __future__ import annotations

import argparse

import numpy as np

from fairaudit.metrics._bootstrap import confusion_replicates, rate_intervals
from fairaudit.metrics._intervals import effective_size, modified_wilson_interval
from fairaudit.metrics._registry import rate_parts
from fairaudit.metrics._stats import count_confusion

SIZES = (10, 30, 100)
RATES = (0.02, 0.05, 0.2, 0.5)
METRIC = "selection_rate"


def simulate(rng, r, n, p, weighted):
    pred = (rng.random((r, n)) < p).astype(np.int8)
    y = (rng.random((r, n)) < 0.3).astype(np.int8)
    w = rng.lognormal(0.0, 1.0, (r, n)) if weighted else np.ones((r, n))
    return y, pred, w


def stats_of(parts):
    codes, ys, preds, ws, start = [], [], [], [], 0
    for y, pred, w in parts:
        r, n = y.shape
        codes.append(np.repeat(np.arange(start, start + r), n))
        ys.append(y.ravel())
        preds.append(pred.ravel())
        ws.append(w.ravel())
        start += r
    return count_confusion(
        np.concatenate(codes), start, np.concatenate(ys), np.concatenate(preds), np.concatenate(ws)
    )


def covers(lo, hi, truth):
    return float(np.mean((lo <= truth) & (truth <= hi)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-sets", type=int, default=1000)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--regression", action="store_true")
    args = parser.parse_args()
    if args.regression:
        regression_table(args.data_sets, min(args.replicates, 400))
        return
    r, b = args.data_sets, args.replicates
    rng = np.random.default_rng(20261201)
    print(
        "| weights | n | p | rate (bootstrap) | rate (Wilson path) | difference, ref 1000 "
        "at 0.2 | ratio, ref 1000 at 0.2 | difference, ref n at p | ratio, ref n at p |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for weighted in (False, True):
        for n in SIZES:
            for p in RATES:
                group = simulate(rng, r, n, p, weighted)
                row = []
                for n_ref, p_ref in ((1000, 0.2), (n, p)):
                    stats = stats_of([group, simulate(rng, r, n_ref, p_ref, weighted)])
                    reps, _ = confusion_replicates(stats, (METRIC,), b, rng, weighted=weighted)
                    g, ref = reps[METRIC][:, :r], reps[METRIC][:, r:]
                    d = np.quantile(g - ref, [0.025, 0.975], axis=0)
                    q = np.quantile(g / ref, [0.025, 0.975], axis=0)
                    row += [covers(d[0], d[1], p - p_ref), covers(q[0], q[1], p / p_ref)]
                lo, hi = rate_intervals(stats, METRIC, 0.95, weighted=weighted)
                num, den = rate_parts(stats.w[:r], METRIC)
                _, den2 = rate_parts(stats.w2[:r], METRIC)
                n_eff = effective_size(den, den2)
                wl, wh = modified_wilson_interval(num / den * n_eff, n_eff, 0.95)
                cells = [covers(lo[:r], hi[:r], p), covers(wl, wh, p), *row]
                label = "lognormal(1)" if weighted else "none"
                print(
                    f"| {label} | {n} | {p} | " + " | ".join(f"{c:.3f}" for c in cells) + " |",
                    flush=True,
                )


def regression_table(n_sim: int, n_bootstrap: int) -> None:
    """The coverage table of the regression section of docs/auditing.md."""
    from fairaudit.simulation._regression_coverage import core_coverage

    print(
        "| predictions | group / reference rows | mean difference | d | percentile: mean "
        "difference | percentile: d |"
    )
    print("|---|---|---|---|---|---|")
    for shape in ("normal", "lognormal"):
        for n_group, n_ref in ((20, 500), (100, 100), (500, 500)):
            cells = []
            for method in ("studentized", "percentile"):
                cov = core_coverage(
                    shape,
                    n_group,
                    n_ref,
                    n_sim=n_sim,
                    n_bootstrap=n_bootstrap,
                    method=method,
                    random_state=20261202,
                )
                cells += [cov["mean_difference"], cov["smd"]]
            print(
                f"| {shape} | {n_group} / {n_ref} | "
                + " | ".join(f"{c:.3f}" for c in cells)
                + " |",
                flush=True,
            )


if __name__ == "__main__":
    main()
