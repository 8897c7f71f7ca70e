"""Benchmark the mitigators against their peers, in the same run, printing ratios.

- ThresholdOptimizer vs fairlearn's ThresholdOptimizer (both prefit on the same logistic
  regression, so only the post-processing is timed), fit and predict, for equalized odds
  and demographic parity; also the held-out accuracy of both.
- ConstrainedClassifier vs fairlearn's ExponentiatedGradient (same estimator, same number
  of iterations, same tolerance), fit and predict, for demographic parity and equalized
  odds, on ``--seeds`` draws of the data: the default method
  (``"exponentiated_gradient_lp"``: one best response per iteration, column generation, an
  exact final mixture) and optionally ``"exponentiated_gradient"`` (fairlearn's loop with
  warm-started refits and vectorized moments); the held-out expected accuracy and
  constraint violation of each (the audit's between-group difference and fairlearn's
  distance from the overall rate) on the same held-out rows, and over the seeds the mean,
  standard deviation and standard error of each difference from fairlearn.
- Reweighing vs AIF360's Reweighing when AIF360 is importable (skipped with a note if not).

Usage::

    python bench/bench_mitigation.py                 # 100,000 and 1,000,000 rows
    python bench/bench_mitigation.py --sizes 20000   # quicker
    python bench/bench_mitigation.py --sizes 100000 --only reductions --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two groups with different score distributions and base rates."""
    rng = np.random.default_rng(seed)
    g = (rng.uniform(size=n) < 0.35).astype(int)
    X = rng.normal(size=(n, 4)) + 0.6 * g[:, None]
    logit = 1.1 * X[:, 0] + 0.5 * X[:, 1] - 0.3 * X[:, 2] - 0.8 + 0.6 * g
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y, g


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def line(label: str, ours: float, theirs: float, extra: str = "") -> None:
    print(
        f"  {label:<44s} ours {ours:8.3f}s  peer {theirs:8.3f}s  "
        f"speed-up x{theirs / ours:7.1f} {extra}"
    )


def bench_threshold(n: int, repeat: int) -> None:
    from fairlearn.postprocessing import ThresholdOptimizer as FTO

    from fairaudit.mitigation import ThresholdOptimizer

    X, y, g = make_data(n, 0)
    Xt, yt, gt = make_data(n, 1)
    model = LogisticRegression().fit(X, y)
    names = {"equalized_odds": "equalized_odds", "demographic_parity": "demographic_parity"}
    for constraint, fl_name in names.items():
        ours_fit, ours = best_of(
            lambda c=constraint: ThresholdOptimizer(
                model, constraint=c, prefit=True, random_state=0
            ).fit(X, y, sensitive_features=g),
            repeat,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer_fit, peer = best_of(
                lambda c=fl_name: FTO(
                    estimator=model, constraints=c, prefit=True, predict_method="predict_proba"
                ).fit(X, y, sensitive_features=g),
                1 if n >= 1_000_000 else repeat,
            )
        ours_pred_t, p_ours = best_of(lambda m=ours: m.predict(Xt, sensitive_features=gt), repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # best of the same number of runs as ours
            peer_pred_t, p_peer = best_of(
                lambda m=peer: m.predict(Xt, sensitive_features=gt, random_state=0), repeat
            )
        acc = f"(held-out accuracy ours {np.mean(p_ours == yt):.4f}, peer {np.mean(p_peer == yt):.4f})"
        line(f"ThresholdOptimizer {constraint} fit", ours_fit, peer_fit, acc)
        line(f"ThresholdOptimizer {constraint} predict", ours_pred_t, peer_pred_t)


def _held_out(constraint: str, y: np.ndarray, p: np.ndarray, g: np.ndarray) -> dict:
    """Expected accuracy of the decision probabilities ``p``, and the constraint violation
    both ways: the audit's (largest difference of a constrained rate between two groups)
    and fairlearn's (its moment's largest distance of a group's rate from the overall rate,
    times 2 to read as the same tolerance)."""
    from fairaudit.mitigation._constraints import CONSTRAINED_RATES, disparity, group_rates

    rates = group_rates(y, p, g, 2)
    weight = {
        "selection_rate": rates["weight"].to_numpy(),
        "true_positive_rate": np.bincount(g, y, 2),
        "false_positive_rate": np.bincount(g, 1 - y, 2),
        "error_rate": rates["weight"].to_numpy(),
    }
    moment = 0.0
    for name in CONSTRAINED_RATES[constraint]:
        r = rates[name].to_numpy()
        overall = weight[name] @ r / weight[name].sum()
        moment = max(moment, 2 * float(np.abs(r - overall).max()))
    return {
        "accuracy": float(np.mean(y * p + (1 - y) * (1 - p))),
        "violation": disparity(constraint, y, p, g, 2),
        "moment_violation": moment,
    }


def bench_reductions(
    n: int,
    max_iter: int,
    seeds: list[int],
    methods: list[str],
    repeat: int = 1,
    constraints: tuple[str, ...] = ("demographic_parity", "equalized_odds"),
) -> None:
    """ConstrainedClassifier against ExponentiatedGradient on several draws of the data
    (seed ``k``: training rows from ``make_data(n, 2k)``, held-out rows from
    ``make_data(n, 2k + 1)``): per seed the times and the held-out quality, then the mean
    and standard deviation over the seeds of each difference (ours minus fairlearn's), with
    its standard error (sd / sqrt(seeds))."""
    from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient

    from fairaudit.mitigation import ConstrainedClassifier

    peers = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}
    tol = 0.02
    for constraint in constraints:
        moment = peers[constraint]
        diffs: dict[str, dict[str, list[float]]] = {m: {} for m in methods}
        times: dict[str, dict[str, list[float]]] = {m: {} for m in methods}
        for seed in seeds:
            X, y, g = make_data(n, 2 * seed)
            Xt, yt, gt = make_data(n, 2 * seed + 1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                peer_fit, peer = best_of(
                    lambda m=moment, X=X, y=y, g=g: ExponentiatedGradient(
                        LogisticRegression(),
                        constraints=m(difference_bound=tol / 2),
                        eps=tol / 2,
                        max_iter=max_iter,
                    ).fit(X, y, sensitive_features=g),
                    repeat,
                )
                peer_pred, _ = best_of(lambda m=peer, Z=Xt: m.predict(Z, random_state=0), repeat)
            peer_q = _held_out(constraint, yt, peer._pmf_predict(Xt)[:, 1], gt)
            for method in methods:
                ours_fit, ours = best_of(
                    lambda c=constraint, m=method, X=X, y=y, g=g: ConstrainedClassifier(
                        LogisticRegression(),
                        constraint=c,
                        tolerance=tol,
                        method=m,
                        max_iter=max_iter,
                        random_state=0,
                    ).fit(X, y, sensitive_features=g),
                    repeat,
                )
                ours_pred, _ = best_of(lambda m=ours, Z=Xt: m.predict(Z), repeat)
                q = _held_out(constraint, yt, ours.decision_probability(Xt), gt)
                for key in q:
                    diffs[method].setdefault(key, []).append(q[key] - peer_q[key])
                times[method].setdefault("fit", []).append(peer_fit / ours_fit)
                times[method].setdefault("predict", []).append(peer_pred / ours_pred)
                extra = (
                    f"(held-out accuracy ours {q['accuracy']:.4f}, peer "
                    f"{peer_q['accuracy']:.4f}; violation ours {q['violation']:.4f}, peer "
                    f"{peer_q['violation']:.4f}; fairlearn's form ours "
                    f"{q['moment_violation']:.4f}, peer {peer_q['moment_violation']:.4f}; "
                    f"tolerance {tol})"
                )
                label = f"CC {constraint} {method} seed {seed} ({max_iter} it)"
                line(f"{label} fit", ours_fit, peer_fit, extra)
                line(f"{label} predict", ours_pred, peer_pred)
        k = len(seeds)
        for method in methods:
            print(f"  CC {constraint} {method}: over {k} seed(s), ours minus fairlearn's")
            for key, values in diffs[method].items():
                v = np.array(values)
                sd = float(v.std(ddof=1)) if k > 1 else float("nan")
                print(
                    f"    held-out {key:<17s} mean {v.mean():+.5f}  sd {sd:.5f}  "
                    f"standard error {sd / np.sqrt(k):.5f}"
                )
            for key, values in times[method].items():
                r = np.array(values)
                print(
                    f"    {key} speed-up x{r.min():.1f} to x{r.max():.1f} (median x{np.median(r):.1f})"
                )


def bench_reweighing(n: int, repeat: int) -> None:
    try:
        from aif360.algorithms.preprocessing import Reweighing as AifReweighing
        from aif360.datasets import BinaryLabelDataset
    except ImportError:
        print("  Reweighing vs AIF360: skipped (aif360 is not installed)")
        return
    import pandas as pd

    from fairaudit.mitigation import reweighing_weights

    X, y, g = make_data(n, 0)
    ours_t, w = best_of(lambda: reweighing_weights(y, sensitive_features=g), repeat)
    df = pd.DataFrame({"x": X[:, 0], "g": g, "y": y})
    ds = BinaryLabelDataset(df=df, label_names=["y"], protected_attribute_names=["g"])
    peer_t, out = best_of(lambda: AifReweighing([{"g": 0}], [{"g": 1}]).fit_transform(ds), repeat)
    agree = np.allclose(w, out.instance_weights)
    line("Reweighing weights", ours_t, peer_t, f"(same weights: {agree})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--eg-iter", type=int, default=5, help="exponentiated gradient iterations")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0], help="data draws of the reductions bench"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=["exponentiated_gradient_lp"],
        choices=["exponentiated_gradient_lp", "exponentiated_gradient"],
        help="ConstrainedClassifier methods of the reductions bench",
    )
    parser.add_argument(
        "--constraints",
        nargs="+",
        default=["demographic_parity", "equalized_odds"],
        choices=["demographic_parity", "equalized_odds"],
        help="constraints of the reductions bench",
    )
    parser.add_argument(
        "--only",
        choices=["threshold", "reductions", "reweighing"],
        nargs="+",
        default=["threshold", "reductions", "reweighing"],
    )
    args = parser.parse_args(argv)
    for n in args.sizes:
        print(f"n = {n:,} rows")
        if "threshold" in args.only:
            bench_threshold(n, args.repeat)
        if "reductions" in args.only:
            bench_reductions(
                n,
                args.eg_iter,
                args.seeds,
                args.methods,
                1 if n >= 1_000_000 else args.repeat,
                tuple(args.constraints),
            )
        if "reweighing" in args.only:
            bench_reweighing(n, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
