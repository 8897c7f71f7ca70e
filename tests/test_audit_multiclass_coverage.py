"""Coverage of a multiclass audit's 95% intervals against the truth of simulated data.

Truth: every group's rows are multinomial over the 3 x 3 cells (observed class, predicted
class) with known cell probabilities, so every per-class rate (selection rate, true and false
positive rates, precision) and every difference between groups has a known value. Small
groups of n in {20, 60, 200} rows share one matrix ``P``; the reference group has 200 rows
and another matrix ``Q``, so the true differences are not 0. Each audit holds 50 simulated
groups (each one data set) and one reference; four audits per size, each with its own
reference draw: 200 data sets per size.

The macro and weighted averages of recall, precision and F1 have true values too, those of
the cell probabilities; their differences to the reference are checked on independent data
sets (one group and the reference per data set; see the last test).

Requirement: coverage >= 0.92 for every rate (pooled over the 3 classes: 600 intervals) and
every difference to the reference, checked against 0.92 minus three Monte-Carlo standard
errors. An interval that is undefined while its value is defined counts as a miss; a value
that is undefined (a class absent from a group's y_true, never predicted) makes no claim and
is left out (their share is printed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairaudit._audit_multiclass import resolve_multiclass_tolerances, run_multiclass
from fairaudit._engine import check_options
from fairaudit.metrics._multiclass_stats import MulticlassStats

CLASSES = ("x", "y", "z")
P = np.array([[0.34, 0.10, 0.06], [0.06, 0.18, 0.06], [0.03, 0.05, 0.12]])
Q = np.array([[0.30, 0.12, 0.08], [0.04, 0.22, 0.04], [0.02, 0.04, 0.14]])
SIZES = (20, 60, 200)
GROUPS = 50
AUDITS = 4
REQUIRED = 0.92
AVERAGES = (
    "macro_recall",
    "macro_precision",
    "macro_f1",
    "weighted_recall",
    "weighted_precision",
    "weighted_f1",
)
METRICS = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "positive_predictive_value",
)


def true_rates(m: np.ndarray) -> dict[str, float]:
    out = {}
    for j, c in enumerate(CLASSES):
        tp = m[j, j]
        row, col = m[j].sum(), m[:, j].sum()
        out[f"selection_rate[{c}]"] = col
        out[f"true_positive_rate[{c}]"] = tp / row
        out[f"false_positive_rate[{c}]"] = (col - tp) / (1 - row)
        out[f"positive_predictive_value[{c}]"] = tp / col
    return out


def true_averages(m: np.ndarray) -> dict[str, float]:
    """Macro and weighted recall, precision and F1 of the cell probabilities ``m`` (every
    class occurs): the values the averages of a group of many rows tend to."""
    diag, support, predicted = np.diag(m), m.sum(axis=1), m.sum(axis=0)
    parts = {
        "recall": diag / support,
        "precision": diag / predicted,
        "f1": 2 * diag / (support + predicted),
    }
    out = {}
    for name, v in parts.items():
        out[f"macro_{name}"] = float(v.mean())
        out[f"weighted_{name}"] = float((v * support).sum())
    return out


def _floor(r: int) -> float:
    return REQUIRED - 3.0 * np.sqrt(REQUIRED * (1 - REQUIRED) / r)


def simulate(size: int, seed: int) -> dict[str, tuple[int, int, int]]:
    """(covered, intervals, undefined values) per metric family and kind."""
    rng = np.random.default_rng(seed)
    truth_p, truth_q = true_rates(P), true_rates(Q)
    tally: dict[str, list[int]] = {}
    options = check_options(n_bootstrap=1000, random_state=seed, reference_group="ref")
    tolerances = resolve_multiclass_tolerances(None)
    for a in range(AUDITS):
        small = rng.multinomial(size, P.ravel(), GROUPS).reshape(GROUPS, 3, 3)
        ref = rng.multinomial(200, Q.ravel(), 1).reshape(1, 3, 3)
        n = np.concatenate([small, ref])
        labels = pd.Index(
            np.array([f"g{i:02d}" for i in range(GROUPS)] + ["ref"], dtype=object),
            name="g",
            dtype=object,
        )
        stats = MulticlassStats(CLASSES, n, n.astype(float), n.astype(float), labels)
        meta = {
            "n_samples": int(n.sum()),
            "weighted": False,
            "n_missing": {"g": 0},
            "data_hash": "sim",
        }
        result = run_multiclass(
            stats, options=replace_seed(options, seed * 10 + a), tolerances=tolerances, meta=meta
        )
        t = result.tables
        small_rows = [g for g in t.by_group.index if g != "ref"]
        for metric in METRICS:
            for c in CLASSES:
                col = f"{metric}[{c}]"
                v = t.by_group.loc[small_rows, col].to_numpy(dtype=float)
                lo = t.lower.loc[small_rows, col].to_numpy(dtype=float)
                hi = t.upper.loc[small_rows, col].to_numpy(dtype=float)
                _count(tally, f"{metric} rate", v, lo, hi, truth_p[col])
                tr = t.to_reference[t.to_reference["metric"] == col]
                _count(
                    tally,
                    f"{metric} difference",
                    tr["difference"].to_numpy(float),
                    tr["difference_lower"].to_numpy(float),
                    tr["difference_upper"].to_numpy(float),
                    truth_p[col] - truth_q[col],
                )
    return {k: tuple(v) for k, v in tally.items()}


def replace_seed(options, seed):
    from dataclasses import replace

    return replace(options, seed=seed, random_state=seed)


def _count(tally, key, value, lo, hi, truth):
    defined = np.isfinite(value)
    ok = defined & np.isfinite(lo) & np.isfinite(hi) & (lo <= truth) & (truth <= hi)
    t = tally.setdefault(key, [0, 0, 0])
    t[0] += int(ok.sum())
    t[1] += int(defined.sum())
    t[2] += int((~defined).sum())


@pytest.mark.parametrize("size", SIZES)
def test_per_class_rates_and_differences_keep_their_coverage(size):
    tally = simulate(size, seed=size)
    lines = []
    for key, (covered, total, undefined) in sorted(tally.items()):
        coverage = covered / total
        lines.append(
            f"n={size:>3} {key:<38} {coverage:.3f} of {total} ({undefined} undefined values)"
        )
        assert total >= 0.9 * GROUPS * AUDITS * len(CLASSES), key
        assert coverage >= _floor(total), "\n".join(lines)
    print("\n".join(lines))


@pytest.mark.slow
def test_the_worst_case_across_classes_keeps_its_coverage():
    """The worst case of demographic parity and equalized odds across the 3 classes, two
    groups (60 rows with P, 200 with Q): its interval (the per-class intervals at the
    Bonferroni level, joined) covers the true worst case in at least 92% of 100 data sets
    minus three Monte-Carlo standard errors, 3 * sqrt(0.92 * 0.08 / 100) = 0.081: the floor
    is 0.839. Each data set is one audit, whose cost does not depend on the bootstrap, so the
    number of data sets sets the time. Power (normal approximation to the binomial): a true
    coverage of 0.80 fails with probability 0.84, one of 0.75 with probability 0.98."""
    rng = np.random.default_rng(7)
    truth_p, truth_q = true_rates(P), true_rates(Q)
    worst = {
        "demographic_parity_difference": max(
            abs(truth_p[f"selection_rate[{c}]"] - truth_q[f"selection_rate[{c}]"]) for c in CLASSES
        ),
        "equalized_odds_difference": max(
            abs(truth_p[f"{m}[{c}]"] - truth_q[f"{m}[{c}]"])
            for c in CLASSES
            for m in ("true_positive_rate", "false_positive_rate")
        ),
    }
    tolerances = resolve_multiclass_tolerances(None)
    labels = pd.Index(np.array(["p", "q"], dtype=object), name="g", dtype=object)
    covered = dict.fromkeys(worst, 0)
    runs = 100
    for r in range(runs):
        n = np.concatenate(
            [rng.multinomial(60, P.ravel(), 1), rng.multinomial(200, Q.ravel(), 1)]
        ).reshape(2, 3, 3)
        stats = MulticlassStats(CLASSES, n, n.astype(float), n.astype(float), labels)
        options = check_options(n_bootstrap=1000, random_state=r)
        result = run_multiclass(
            stats,
            options=options,
            tolerances=tolerances,
            meta={
                "n_samples": int(n.sum()),
                "weighted": False,
                "n_missing": {"g": 0},
                "data_hash": "sim",
            },
        )
        crit = result.criteria.set_index("criterion")
        for name, truth in worst.items():
            lo, hi = crit.loc[name, "lower"], crit.loc[name, "upper"]
            covered[name] += int(lo <= truth <= hi)
    for name, hits in covered.items():
        print(f"{name} (worst case): coverage {hits / runs:.3f} of {runs}")
        assert hits / runs >= _floor(runs), name


@pytest.mark.parametrize("size", (60, 200))
def test_the_averages_and_their_differences_to_the_reference_keep_their_coverage(size):
    """Macro and weighted recall, precision and F1: a group of ``size`` rows with P against
    a reference of 200 rows with Q, 300 independent data sets. The per-group interval, the
    interval of the difference to the reference (``to_reference``) and the simultaneous one
    of the largest difference to the reference (``disparities``) cover the true values in at
    least 92% of them (minus three Monte-Carlo standard errors), for every average."""
    from fairaudit.metrics._multiclass import analyse_multiclass

    rng = np.random.default_rng(size + 1)
    avg_p, avg_q = true_averages(P), true_averages(Q)
    labels = pd.Index(np.array(["p", "ref"], dtype=object), name="g", dtype=object)
    tolerances = resolve_multiclass_tolerances(None)
    runs = 300
    hits = {(m, kind): 0 for m in AVERAGES for kind in ("value", "difference", "largest")}
    for r in range(runs):
        n = np.concatenate(
            [rng.multinomial(size, P.ravel(), 1), rng.multinomial(200, Q.ravel(), 1)]
        ).reshape(2, 3, 3)
        stats = MulticlassStats(CLASSES, n, n.astype(float), n.astype(float), labels)
        t = analyse_multiclass(
            stats,
            attribute="g",
            ref_index=1,
            config=check_options(n_bootstrap=1000, random_state=r),
            tolerances=tolerances,
            rng=np.random.default_rng(r),
        )
        for m in AVERAGES:
            lo, hi = t.lower.loc["p", m], t.upper.loc["p", m]
            hits[(m, "value")] += int(lo <= avg_p[m] <= hi)
            row = t.to_reference[t.to_reference["metric"] == m].iloc[0]
            truth = avg_p[m] - avg_q[m]
            hits[(m, "difference")] += int(
                row["difference_lower"] <= truth <= row["difference_upper"]
            )
            d = t.disparities.loc[m]
            hits[(m, "largest")] += int(
                d["difference_to_reference_lower"]
                <= abs(truth)
                <= d["difference_to_reference_upper"]
            )
    lines = [
        f"n={size} {m:<20} {kind:<10} {h / runs:.3f} of {runs}" for (m, kind), h in hits.items()
    ]
    print("\n".join(lines))
    for h in hits.values():
        assert h / runs >= _floor(runs), "\n".join(lines)
