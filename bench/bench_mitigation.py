"""Benchmark the mitigators against their peers, in the same run, printing ratios.

- ThresholdOptimizer vs fairlearn's ThresholdOptimizer (both prefit on the same logistic
  regression, so only the post-processing is timed), fit and predict, for equalized odds
  and demographic parity; also the held-out accuracy of both.
- ConstrainedClassifier vs fairlearn's ExponentiatedGradient (same estimator, same number
  of iterations), fit and predict, for demographic parity and equalized odds: the default
  (fairlearn's algorithm, warm-started refits, vectorized moments), ``warm_start=False``
  (fairlearn's refits exactly) and its own loop (``"exponentiated_gradient_lp"``: one best
  response per iteration and an exact final mixture); also the held-out expected accuracy
  and constraint violation of each, on the same held-out rows.
- Reweighing vs AIF360's Reweighing when AIF360 is importable (skipped with a note if not).

Usage::

    python bench/bench_mitigation.py                 # 100,000 and 1,000,000 rows
    python bench/bench_mitigation.py --sizes 20000   # quicker
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
            peer_pred_t, p_peer = best_of(
                lambda m=peer: m.predict(Xt, sensitive_features=gt, random_state=0), 1
            )
        acc = f"(held-out accuracy ours {np.mean(p_ours == yt):.4f}, peer {np.mean(p_peer == yt):.4f})"
        line(f"ThresholdOptimizer {constraint} fit", ours_fit, peer_fit, acc)
        line(f"ThresholdOptimizer {constraint} predict", ours_pred_t, peer_pred_t)


def bench_reductions(n: int, max_iter: int, repeat: int = 1) -> None:
    from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient

    from fairaudit.mitigation import ConstrainedClassifier
    from fairaudit.mitigation._constraints import disparity

    X, y, g = make_data(n, 0)
    Xt, yt, gt = make_data(n, 1)
    peers = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}

    for constraint, moment in peers.items():

        def quality(p, c=constraint):
            acc = float(np.mean(yt * p + (1 - yt) * (1 - p)))
            return acc, disparity(c, yt, p, gt, 2)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer_fit, peer = best_of(
                lambda m=moment: ExponentiatedGradient(
                    LogisticRegression(),
                    constraints=m(difference_bound=0.01),
                    eps=0.01,
                    max_iter=max_iter,
                ).fit(X, y, sensitive_features=g),
                repeat,
            )
            peer_pred, _ = best_of(lambda m=peer: m.predict(Xt, random_state=0), repeat)
            peer_q = quality(peer._pmf_predict(Xt)[:, 1])
            # fairlearn's training constraint value: the largest distance of a group's
            # rate from the overall rate (its moment's gamma), as a tolerance (x 2)
            gamma = peer.constraints_.gamma(lambda Z, m=peer: m._pmf_predict(Z)[:, 1])
            matched = 2 * float(gamma.max())
        for label, kw in (
            ("exponentiated_gradient_lp", {"method": "exponentiated_gradient_lp"}),
            ("fairlearn's loop", {"method": "exponentiated_gradient"}),
            (
                f"tolerance {matched:.4f} (fairlearn's training value)",
                {"tolerance": matched, "method": "exponentiated_gradient_lp"},
            ),
        ):
            ours_fit, ours = best_of(
                lambda c=constraint, kw=kw: ConstrainedClassifier(
                    LogisticRegression(),
                    constraint=c,
                    **{"tolerance": 0.02, **kw},
                    max_iter=max_iter,
                    random_state=0,
                ).fit(X, y, sensitive_features=g),
                repeat,
            )
            ours_pred, _ = best_of(lambda m=ours: m.predict(Xt), repeat)
            q = quality(ours.decision_probability(Xt))
            extra = (
                f"(held-out expected accuracy ours {q[0]:.4f}, peer {peer_q[0]:.4f}; "
                f"violation ours {q[1]:.4f}, peer {peer_q[1]:.4f}; tolerance 0.02)"
            )
            line(f"CC {constraint} {label} ({max_iter} it) fit", ours_fit, peer_fit, extra)
            line(f"CC {constraint} {label} predict", ours_pred, peer_pred)


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
        "--only", choices=["threshold", "reductions", "reweighing"], nargs="+",
        default=["threshold", "reductions", "reweighing"],
    )
    args = parser.parse_args(argv)
    for n in args.sizes:
        print(f"n = {n:,} rows")
        if "threshold" in args.only:
            bench_threshold(n, args.repeat)
        if "reductions" in args.only:
            bench_reductions(n, args.eg_iter, 1 if n >= 1_000_000 else args.repeat)
        if "reweighing" in args.only:
            bench_reweighing(n, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
