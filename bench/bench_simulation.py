"""Benchmark: fairaudit.simulation.simulate_policing against a naive per-run Python loop.

No maintained library simulates this model, so the peer is the straightforward
implementation one would write first: one run at a time, one step at a time, drawing
each step's incidents and splitting them into reported and discovered ones. Both
implement the same model; the script prints each one's throughput (run-steps per second),
the ratio, and the mean final share of both so that one can see they agree.

Usage::

    python bench/bench_simulation.py            # full sizes
    python bench/bench_simulation.py --quick    # smaller, for a smoke test
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from fairaudit.simulation import simulate_policing


def naive_policing(rates, prior, n_steps, n_runs, reported_fraction=0.0, correction=None, seed=0):
    """One run at a time, one step at a time; returns final allocation shares."""
    rng = np.random.default_rng(seed)
    rates = np.asarray(rates, dtype=float)
    k = len(rates)
    finals = np.empty((n_runs, k))
    for run in range(n_runs):
        belief = np.array(prior, dtype=float) * np.ones(k)
        incidents_total = np.zeros(k)
        recorded_total = np.zeros(k)
        for _ in range(n_steps):
            p = belief / belief.sum()
            incidents = rng.poisson(rates)
            reported = rng.binomial(incidents, reported_fraction)
            discovered = rng.binomial(incidents - reported, p)
            if correction == "weight":
                added = discovered * (p.min() / p)
            else:
                added = discovered
            recorded = reported + added
            belief += recorded
            incidents_total += incidents
            recorded_total += recorded
        finals[run] = belief / belief.sum()
    return finals


CASES = [
    # name, model keyword arguments, runs for the vectorised version, runs for the naive one
    ("2 regions, urn", dict(rates=[2.0, 1.0], prior=[50, 50]), 500, 4),
    (
        "5 regions, half reported, weighted correction",
        dict(rates=[1.0, 2.0, 3.0, 4.0, 5.0], prior=20, reported_fraction=0.5, correction="weight"),
        200,
        4,
    ),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--steps", type=int, default=None, help="steps per run")
    args = parser.parse_args(argv)
    n_steps = args.steps or (2000 if args.quick else 20_000)
    print(f"steps per run: {n_steps}; one repetition each; run-steps/s from CPU time")
    print(
        f"{'case':48s} {'impl':11s} {'runs':>5s} {'wall s':>7s} {'cpu s':>7s} "
        f"{'run-steps/s':>12s} {'mean share 1':>12s}"
    )
    for name, kw, runs_vec, runs_naive in CASES:
        if args.quick:
            runs_vec, runs_naive = max(runs_vec // 5, 2), 2
        w0, t0 = time.perf_counter(), time.process_time()
        res = simulate_policing(n_steps=n_steps, n_runs=runs_vec, random_state=0, **kw)
        w_vec, t_vec = time.perf_counter() - w0, time.process_time() - t0
        w0, t0 = time.perf_counter(), time.process_time()
        naive = naive_policing(
            kw["rates"],
            kw["prior"],
            n_steps,
            runs_naive,
            kw.get("reported_fraction", 0.0),
            kw.get("correction"),
        )
        w_naive, t_naive = time.perf_counter() - w0, time.process_time() - t0
        speed_vec = runs_vec * n_steps / t_vec
        speed_naive = runs_naive * n_steps / t_naive
        print(
            f"{name:48s} {'vectorised':11s} {runs_vec:5d} {w_vec:7.2f} {t_vec:7.2f} "
            f"{speed_vec:12.3g} {res.final_shares[:, 0].mean():12.4f}"
        )
        print(
            f"{'':48s} {'naive loop':11s} {runs_naive:5d} {w_naive:7.2f} {t_naive:7.2f} "
            f"{speed_naive:12.3g} {naive[:, 0].mean():12.4f}"
        )
        print(
            f"{'':48s} ratio (vectorised / naive run-steps per second): "
            f"{speed_vec / speed_naive:.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
