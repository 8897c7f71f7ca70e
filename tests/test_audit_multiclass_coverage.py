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

Each group's own intervals of the averages and of accuracy are checked on groups of 20, 50
and 200 rows with 3 and 4 classes (1,000 groups per case, each a data set), against 0.94;
their small-sample correction (a jackknife of the k x k counts) against scikit-learn.

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
    a reference of 200 rows with Q, 200 independent data sets. The per-group interval, the
    interval of the difference to the reference (``to_reference``) and the simultaneous one
    of the largest difference to the reference (``disparities``) cover the true values in at
    least 92% of them (minus three Monte-Carlo standard errors), for every average."""
    from fairaudit.metrics._multiclass import analyse_multiclass

    rng = np.random.default_rng(size + 1)
    avg_p, avg_q = true_averages(P), true_averages(Q)
    labels = pd.Index(np.array(["p", "ref"], dtype=object), name="g", dtype=object)
    tolerances = resolve_multiclass_tolerances(None)
    runs = 200
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


# -- each group's averages and accuracy on small groups -------------------------------------

#: A four-class matrix with a rare class (10% of the rows: two of 20) that is often confused.
P4 = np.array(
    [
        [0.30, 0.05, 0.03, 0.02],
        [0.05, 0.20, 0.03, 0.02],
        [0.02, 0.03, 0.12, 0.03],
        [0.01, 0.01, 0.02, 0.06],
    ]
)
SMALL_GROUPS = 1000
GROUP_REQUIRED = 0.94


def _truth_of(m: np.ndarray) -> dict[str, float]:
    """Macro and weighted recall, precision and F1 and accuracy of cell probabilities."""
    diag, support, predicted = np.diag(m), m.sum(axis=1), m.sum(axis=0)
    out = {}
    for name, v in (
        ("recall", diag / support),
        ("precision", diag / predicted),
        ("f1", 2 * diag / (support + predicted)),
    ):
        out[f"macro_{name}"] = float(v.mean())
        out[f"weighted_{name}"] = float((v * support).sum())
    out["accuracy"] = float(diag.sum())
    return out


def _many_groups(m: np.ndarray, size: int, seed: int) -> dict[str, tuple[np.ndarray, ...]]:
    """(value, lower, upper) of each average and accuracy of SMALL_GROUPS groups of ``size``
    rows, each a data set, from the bootstrap of the averages (accuracy takes the weighted
    recall's interval: see the test that the audit's tables agree)."""
    from dataclasses import replace

    from fairaudit.metrics._multiclass_averages import average_bootstrap
    from fairaudit.metrics._multiclass_stats import averaged_scores

    k = m.shape[0]
    rng = np.random.default_rng(seed)
    n = rng.multinomial(size, m.ravel(), SMALL_GROUPS).reshape(SMALL_GROUPS, k, k)
    stats = MulticlassStats(tuple("wxyz"[:k]), n, n.astype(float), n.astype(float))
    config = replace(check_options(n_bootstrap=1000, random_state=seed), weighted=False)
    kept = np.ones(SMALL_GROUPS, dtype=bool)
    boot = average_bootstrap(stats, kept, 0, config, np.random.default_rng(seed))
    values = averaged_scores(stats.w, stats.n)
    out = {name: (values[name], boot.lower[name], boot.upper[name]) for name in AVERAGES}
    out["accuracy"] = (np.trace(n, axis1=1, axis2=2) / size, *out["weighted_recall"][1:])
    return out


@pytest.mark.parametrize("size", (20, 50, 200))
@pytest.mark.parametrize("k", (3, 4))
def test_each_groups_averages_and_accuracy_keep_their_coverage_on_small_groups(k, size):
    """1,000 groups of ``size`` rows from a k-class matrix (P, or P4 with a rare class), each
    a data set: every group's 95% interval of each average and of accuracy covers the
    population value (that of the cell probabilities; the average over every class) in at
    least 94% of the groups, minus three Monte-Carlo standard errors (0.917) for each
    metric, and at least 94% pooled over the seven. The percentile intervals of the
    bootstrap alone covered 0.80 to 0.90 of the time at 20 rows (0.89 to 0.92 at 50 with
    four classes), so this fails without the small-sample correction. Every interval holds
    its value. At 200 rows the intervals are not much wider than the normal one from the
    standard deviation of the values across the groups (an oracle of the sampling spread):
    their mean width is at most 1.2 times 2 z SD."""
    m = P if k == 3 else P4
    found = _many_groups(m, size, seed=size * 10 + k)
    truth = _truth_of(m)
    floor = GROUP_REQUIRED - 3.0 * np.sqrt(GROUP_REQUIRED * (1 - GROUP_REQUIRED) / SMALL_GROUPS)
    lines, hits, total = [], 0, 0
    for name, true in truth.items():
        v, lo, hi = found[name]
        assert np.isfinite(v).all() and np.isfinite(lo).all() and np.isfinite(hi).all(), name
        assert ((lo <= v) & (v <= hi)).all(), f"{name}: an interval without its value"
        covered = (lo <= true) & (true <= hi)
        width = float(np.mean(hi - lo))
        normal = 2 * 1.959964 * float(np.std(v, ddof=1))
        lines.append(
            f"k={k} n={size:>3} {name:<20} coverage {covered.mean():.3f} "
            f"mean width {width:.3f} (2 z SD of the values {normal:.3f})"
        )
        hits += int(covered.sum())
        total += covered.size
        assert covered.mean() >= floor, "\n".join(lines)
        if size == 200:
            assert width <= 1.2 * normal, "\n".join(lines)
    print("\n".join(lines))
    assert hits / total >= GROUP_REQUIRED, "\n".join(lines)


def test_accuracy_takes_the_weighted_recalls_interval_and_every_interval_holds_its_value():
    """Accuracy is the weighted recall (the correct rows' share): the audit reports one
    interval for both, per group and pooled. In groups of 3 to 40 rows, with a class absent
    from some and weights, every interval of an average or of accuracy holds its value (an
    accuracy of 0 or 1 included), per group and for all rows pooled."""
    from fairaudit.metrics._multiclass import analyse_multiclass

    rng = np.random.default_rng(3)
    g = 12
    sizes = np.r_[3, 4, 5, 6, rng.integers(8, 40, g - 4)]
    n = np.stack([rng.multinomial(s, P4.ravel()).reshape(4, 4) for s in sizes])
    n[0] = np.diag([3, 0, 0, 0])  # all correct: accuracy 1
    n[1] = 0
    n[1, 0, 1], n[1, 2, 3] = 2, 2  # none correct: accuracy 0
    labels = pd.Index(np.array([f"g{i:02d}" for i in range(g)], dtype=object), name="g")
    for weights in (None, rng.lognormal(0.0, 0.7, n.shape)):
        w = n.astype(float) if weights is None else n * weights
        w2 = n.astype(float) if weights is None else n * weights**2
        stats = MulticlassStats(tuple("wxyz"), n, w, w2, labels)
        t = analyse_multiclass(
            stats,
            attribute="g",
            ref_index=g - 1,
            config=check_options(n_bootstrap=400, random_state=1, min_group_size=0),
            tolerances=resolve_multiclass_tolerances(None),
            rng=np.random.default_rng(1),
        )
        for name in (*AVERAGES, "accuracy"):
            v, lo, hi = (t.by_group[name], t.lower[name], t.upper[name])
            assert np.isfinite(lo).all() and np.isfinite(hi).all(), name
            assert ((lo <= v) & (v <= hi)).all(), (name, pd.concat([v, lo, hi], axis=1))
            ov, (olo, ohi) = t.overall[name], t.overall_intervals.loc[name]
            assert olo <= ov <= ohi, name
        np.testing.assert_array_equal(t.lower["accuracy"], t.lower["weighted_recall"])
        np.testing.assert_array_equal(t.upper["accuracy"], t.upper["weighted_recall"])
        np.testing.assert_allclose(t.by_group["accuracy"], t.by_group["weighted_recall"])
        assert t.by_group["accuracy"].iloc[0] == 1.0 and t.upper["accuracy"].iloc[0] == 1.0
        assert t.by_group["accuracy"].iloc[1] == 0.0 and t.lower["accuracy"].iloc[1] == 0.0


def test_the_jackknife_of_the_averages_is_scikit_learns_on_the_rows_left_out_one_at_a_time():
    """The closed-form jackknife (SE and bias) of the six averages against its definition:
    scikit-learn's averages (zero_division=0, over the classes present) of the rows with
    each row left out in turn, on small random matrices with absent classes and weights."""
    from sklearn.metrics import precision_recall_fscore_support

    from fairaudit.metrics._multiclass_averages import jackknife_averages

    rng = np.random.default_rng(11)
    for trial in range(30):
        k = int(rng.integers(2, 5))
        n = rng.poisson(rng.uniform(0.2, 2.5), (1, k, k))
        if n.sum() < 3:
            continue
        yt = np.repeat(np.arange(k), n[0].sum(axis=1))
        yp = np.concatenate([np.repeat(np.arange(k), n[0, i]) for i in range(k)])
        cell_w = rng.uniform(0.5, 2.0, (k, k)) if trial % 2 else np.ones((k, k))
        sw = cell_w[yt, yp]
        jack = jackknife_averages((n * cell_w)[None, 0], n)
        full = {}
        loo = {m: [] for m in AVERAGES}
        for i in range(-1, len(yt)):
            keep = np.arange(len(yt)) != i
            for avg in ("macro", "weighted"):
                p, r, f, _ = precision_recall_fscore_support(
                    yt[keep], yp[keep], average=avg, zero_division=0, sample_weight=sw[keep]
                )
                for name, x in (("precision", p), ("recall", r), ("f1", f)):
                    if i < 0:
                        full[f"{avg}_{name}"] = x
                    else:
                        loo[f"{avg}_{name}"].append(x)
        big_n = len(yt)
        for m in AVERAGES:
            theta = np.asarray(loo[m])
            se = np.sqrt((big_n - 1) / big_n * np.sum((theta - theta.mean()) ** 2))
            bias = (big_n - 1) * (theta.mean() - full[m])
            np.testing.assert_allclose(jack[m].se[0], se, atol=1e-12, err_msg=f"{trial} {m}")
            np.testing.assert_allclose(jack[m].bias[0], bias, atol=1e-10, err_msg=f"{trial} {m}")
