"""Benchmark: fairaudit.simulation.simulate_recommendation at the full size (100 runs x 1,000 users x 500 items x 100 steps).

Three things are measured in the same run, each as CPU and wall time:

1. the simulation of every recommender at ``--runs`` runs x 1,000 users x 500 items x 100
   steps (default 100 runs; the aim is well under a minute per recommender);
2. the one-pass floor: per run and step, what any implementation of the ``mf``
   recommender must do at least once (the users x items score product and a top-k
   selection of it, here ``np.partition``), timed on its own;
3. a plain per-user Python loop of the same model (the implementation one writes first;
   no maintained library simulates it), on a smaller size, as user-steps per second.

It prints the ratios of (1) to (2) and of (1) to (3). Usage::

    python bench/bench_recommendation.py            # full sizes
    python bench/bench_recommendation.py --quick    # smaller, for a smoke test
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from fairaudit.simulation import RecommendationParams, make_world, simulate_recommendation

CASES = (
    ("ideal", 0.0),
    ("popularity", 0.0),
    ("random", 0.0),
    ("mf", 0.0),
    ("mf", 0.1),
)


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def floor(params: RecommendationParams, n_runs: int) -> tuple[float, float]:
    """Wall and CPU time of one score product and one top-k selection per run and step."""
    rng = np.random.default_rng(0)
    f = params.mf_factors
    users = rng.standard_normal((params.n_users, f)).astype(np.float32)
    items = rng.standard_normal((params.n_items, f)).astype(np.float32)
    out = np.empty((params.n_users, params.n_items), dtype=np.float32)
    kth = params.n_items - params.slate_size
    reps = 50

    def work():
        for _ in range(reps):
            np.matmul(users, items.T, out=out)
            np.partition(out, kth, axis=1)

    with threadpool_limits(1, user_api="blas"):
        _, wall, cpu = timed(work)
    scale = n_runs * params.n_steps / reps
    return wall * scale, cpu * scale


def naive(params: RecommendationParams, seed: int = 0) -> np.ndarray:
    """One run, one user at a time; returns the final item counts."""
    rng = np.random.default_rng(seed)
    world = make_world(params, [rng])
    utility = world.utility[0].astype(np.float64)
    n_users, n_items, k = params.n_users, params.n_items, params.slate_size
    consumed = np.zeros((n_users, n_items), dtype=bool)
    counts = np.zeros(n_items)
    weight = np.arange(1, k + 1) ** -params.position_decay
    users = 0.1 * rng.standard_normal((n_users, params.mf_factors))
    lam = params.mf_regularisation * np.eye(params.mf_factors)
    for t in range(params.n_steps):
        warm = t < params.warmup
        if params.recommender == "mf" and not warm:
            p = consumed.astype(float)
            for _ in range(5 if t == params.warmup else 1):
                items = np.linalg.solve(users.T @ users + lam, users.T @ p).T
                users = np.linalg.solve(items.T @ items + lam, items.T @ p.T).T
        for u in range(n_users):
            free = np.flatnonzero(~consumed[u])
            if warm or params.recommender == "random":
                slate = rng.choice(free, size=k, replace=False)
            else:
                if params.recommender == "ideal":
                    score = utility[u, free]
                elif params.recommender == "popularity":
                    score = counts[free] + 0.5 * rng.random(free.size)
                else:
                    score = users[u] @ items[free].T
                slate = free[np.argsort(-score)[:k]]
            w = utility[u, slate] * weight
            item = slate[rng.choice(k, p=w / w.sum())]
            consumed[u, item] = True
            counts[item] += 1
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--runs", type=int, default=None, help="runs for the simulation")
    parser.add_argument(
        "--only", nargs="*", default=None, help="recommenders to simulate (default: all five cases)"
    )
    args = parser.parse_args(argv)
    runs = args.runs or (4 if args.quick else 100)
    size = dict(n_users=1000, n_items=500, n_steps=100)
    print(f"{runs} runs x 1,000 users x 500 items x 100 steps; one repetition each")
    print(
        f"{'recommender':22s} {'wall s':>8s} {'cpu s':>8s} {'user-steps/s (cpu)':>19s} "
        f"{'cpu / floor':>11s} {'mean Gini':>9s}"
    )
    params = RecommendationParams("mf", **size)
    floor_wall, floor_cpu = floor(params, runs)
    user_steps = runs * 1000 * 100
    throughput = {}
    for rec, eps in CASES:
        if args.only and rec not in args.only:
            continue
        p = RecommendationParams(rec, exploration=eps, **size)
        res, wall, cpu = timed(lambda p=p: simulate_recommendation(p, n_runs=runs, random_state=0))
        name = rec + (f" + {eps:.0%} explore" if eps else "")
        throughput[name] = user_steps / cpu
        print(
            f"{name:22s} {wall:8.1f} {cpu:8.1f} {user_steps / cpu:19,.0f} "
            f"{cpu / floor_cpu:11.2f} {np.mean(res.final('gini')):9.3f}"
        )
    print(f"{'floor (mf product + top-k)':22s} {floor_wall:8.1f} {floor_cpu:8.1f}")

    small = dict(n_users=200, n_items=150, n_steps=20 if args.quick else 40)
    print(f"\nper-user Python loop, one run of {small}:")
    for rec in ("popularity", "mf"):
        if rec not in throughput:
            continue
        p = RecommendationParams(rec, **small)
        counts, wall, cpu = timed(lambda p=p: naive(p))
        loop = small["n_users"] * small["n_steps"] / cpu
        vec, _, vcpu = timed(lambda p=p: simulate_recommendation(p, n_runs=1, random_state=0))
        vec_rate = small["n_users"] * small["n_steps"] / vcpu
        print(
            f"  {rec:11s} loop {loop:12,.0f} user-steps/s; vectorised at this size "
            f"{vec_rate:12,.0f} ({vec_rate / loop:5.1f}x); at full size "
            f"{throughput[rec] / loop:6.1f}x; Gini loop {gini(counts):.3f} vs "
            f"vectorised {vec.final('gini')[0]:.3f}"
        )
    return 0


def gini(counts: np.ndarray) -> float:
    x = np.sort(counts)
    n = x.size
    return float(((2 * np.arange(1, n + 1) - n - 1) * x).sum() / (n * x.sum()))


if __name__ == "__main__":
    raise SystemExit(main())
