"""Coverage of the audit's 95% intervals on small groups and rare events, against the truth
of simulated data (and, without weights, the exact binomial distribution).

Grid: group size n in {10, 30, 100}, true rate p in {0.02, 0.05, 0.2, 0.5}, sample weights
none or lognormal(sigma = 1) (independent of the outcome, so the weighted rate's truth is
p). Two rates: the selection rate of rows with y ~ Bernoulli(0.3) (a pair of cells over all
four) and the true positive rate of rows that are all actual positives (one cell over two).
Two reference groups: a large one (1000 rows, rate 0.2: the truth of the difference is
p - 0.2 and of the ratio p / 0.2) and one as small as the group with the same rate (truth
0 and 1). An interval that is undefined (NaN) counts as a miss; the true ratio is always
defined (the reference rate is positive), so an estimate of 0/0 still has to cover it.

Requirement: coverage >= 0.92 at every grid point. Monte-Carlo estimates are checked
against 0.92 minus three standard errors (sqrt(0.92 * 0.08 / R)); unweighted group-rate
coverage is exact (a sum over the binomial distribution) and checked against 0.92 itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

import fairaudit
from fairaudit.metrics._bootstrap import confusion_replicates, rate_intervals
from fairaudit.metrics._intervals import percentile_interval
from fairaudit.metrics._stats import count_confusion

SIZES = (10, 30, 100)
RATES = (0.02, 0.05, 0.2, 0.5)
REQUIRED = 0.92
DATA_SETS = 300
REPLICATES = 1000
METRICS = ("selection_rate", "true_positive_rate")


def _floor(r: int) -> float:
    return REQUIRED - 3.0 * np.sqrt(REQUIRED * (1 - REQUIRED) / r)


def _rows(rng, r: int, n: int, p: float, metric: str, weighted: bool):
    """``r`` data sets of ``n`` rows: outcomes, predictions (positive with probability p)."""
    pred = (rng.random((r, n)) < p).astype(np.int8)
    if metric == "selection_rate":
        y = (rng.random((r, n)) < 0.3).astype(np.int8)
    else:
        y = np.ones((r, n), dtype=np.int8)
    w = rng.lognormal(0.0, 1.0, (r, n)) if weighted else None
    return y, pred, w


def _stats(parts):
    """One group per data set (groups 0..r-1 first, then the reference groups)."""
    ys, preds, ws, codes = [], [], [], []
    start = 0
    for y, pred, w in parts:
        r, n = y.shape
        codes.append(np.repeat(np.arange(start, start + r), n))
        ys.append(y.ravel())
        preds.append(pred.ravel())
        ws.append(None if w is None else w.ravel())
        start += r
    weight = None if ws[0] is None else np.concatenate(ws)
    return count_confusion(
        np.concatenate(codes), start, np.concatenate(ys), np.concatenate(preds), weight
    )


@pytest.mark.parametrize("metric", METRICS)
def test_exact_coverage_of_group_rates_without_weights(metric):
    """The interval of x events out of n, for every x, weighted by Binomial(n, p)."""
    for n in SIZES:
        x = np.arange(n + 1)
        # a group per possible count: x positives predicted, all rows actual positives
        n_cells = np.zeros((n + 1, 4), dtype=np.int64)
        n_cells[:, 3], n_cells[:, 2] = x, n - x
        stats = fairaudit.metrics.ConfusionStats(
            n_cells, n_cells.astype(float), n_cells.astype(float)
        )
        lo, hi = rate_intervals(stats, metric, 0.95, weighted=False)
        for p in RATES:
            cover = float((binom.pmf(x, n, p) * ((lo <= p) & (p <= hi))).sum())
            assert cover >= REQUIRED, (metric, n, p, cover)


@pytest.mark.slow
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "lognormal"])
@pytest.mark.parametrize("metric", METRICS)
def test_bootstrap_coverage_of_rate_difference_and_ratio(metric, weighted):
    """Seeded simulation: each group's rate, and its difference and ratio to a large and to
    a small reference group (300 data sets per grid point, 1000 replicates each)."""
    rng = np.random.default_rng(20261201)
    floor = _floor(DATA_SETS)
    misses = []
    for n in SIZES:
        for p in RATES:
            group = _rows(rng, DATA_SETS, n, p, metric, weighted)
            for n_ref, p_ref in ((1000, 0.2), (n, p)):
                ref = _rows(rng, DATA_SETS, n_ref, p_ref, metric, weighted)
                stats = _stats([group, ref])
                reps, _ = confusion_replicates(stats, (metric,), REPLICATES, rng, weighted=weighted)
                g, r = reps[metric][:, :DATA_SETS], reps[metric][:, DATA_SETS:]
                lo, hi = rate_intervals(stats, metric, 0.95, weighted=weighted)
                checks = {
                    "rate": (lo[:DATA_SETS], hi[:DATA_SETS], p),
                    "difference": (*percentile_interval(g - r, 0.95), p - p_ref),
                    "ratio": (*percentile_interval(g / r, 0.95), p / p_ref),
                }
                for name, (low, high, truth) in checks.items():
                    cover = float(np.mean((low <= truth) & (truth <= high)))
                    if cover < floor:
                        misses.append((name, n, p, n_ref, p_ref, round(cover, 3)))
    assert not misses, f"coverage below {floor:.3f}: {misses}"


def _audit_groups(parts, **kwargs):
    """One audit in which every simulated data set is a group; per-group intervals."""
    y = np.concatenate([part[0].ravel() for part in parts])
    pred = np.concatenate([part[1].ravel() for part in parts])
    w = None if parts[0][2] is None else np.concatenate([part[2].ravel() for part in parts])
    sizes = np.concatenate([np.full(part[0].shape[0], part[0].shape[1]) for part in parts])
    codes = np.repeat(np.arange(len(sizes)), sizes)
    return fairaudit.audit(y, pred, sensitive_features=codes, sample_weight=w, **kwargs)


@pytest.mark.parametrize("sigma", [None, 1.5], ids=["unweighted", "lognormal-1.5"])
def test_audit_default_interval_of_a_rare_rate_in_a_group_of_30(sigma):
    """1000 groups of 30 rows with a true selection rate of 0.05, audited with the default
    options: each group's 95% interval covers 0.05 in at least 92% of the groups (minus
    three Monte-Carlo SEs). The multinomial bootstrap of the cells covered 77.6% (88.3%
    with lognormal weights of sigma 1.5): it gives 0 of 30 a zero-width interval."""
    rng = np.random.default_rng(30)
    r, n = 1000, 30
    pred = (rng.random((r, n)) < 0.05).astype(np.int8)
    y = (rng.random((r, n)) < 0.3).astype(np.int8)
    w = None if sigma is None else rng.lognormal(0.0, sigma, (r, n))
    res = _audit_groups([(y, pred, w)], metrics=["selection_rate"], random_state=1)
    iv = res.intervals["selection_rate"]
    cover = float(((iv["lower"] <= 0.05) & (0.05 <= iv["upper"])).mean())
    assert cover >= _floor(r), cover


def test_wilson_path_exact_coverage_without_weights():
    """The audit without bootstrap, on a group for every possible count x of n, weighted by
    Binomial(n, p): exact coverage at every grid point, for both kinds of rate."""
    for metric in METRICS:
        for n in SIZES:
            x = np.arange(n + 1)
            pred = (np.arange(n)[None, :] < x[:, None]).astype(np.int8)
            y = np.ones_like(pred)
            if metric == "selection_rate":
                y[:, ::3] = 0  # some actual negatives, among predicted positives and not
            res = _audit_groups([(y, pred, None)], metrics=[metric], n_bootstrap=0)
            lo = res.intervals[(metric, "lower")].to_numpy()
            hi = res.intervals[(metric, "upper")].to_numpy()
            for p in RATES:
                cover = float((binom.pmf(x, n, p) * ((lo <= p) & (p <= hi))).sum())
                assert cover >= REQUIRED, (metric, n, p, cover)


def test_wilson_path_coverage_with_weights():
    """The audit without bootstrap with lognormal(1) weights (Kish effective counts):
    2000 simulated groups per grid point, all in one audit."""
    rng = np.random.default_rng(7)
    r = 2000
    floor = _floor(r)
    misses = []
    for metric in METRICS:
        grid = [(n, p) for n in SIZES for p in RATES]
        parts = [_rows(rng, r, n, p, metric, True) for n, p in grid]
        res = _audit_groups(parts, metrics=[metric], n_bootstrap=0)
        low = res.intervals[(metric, "lower")].to_numpy()
        high = res.intervals[(metric, "upper")].to_numpy()
        for k, (n, p) in enumerate(grid):
            cover = float(
                ((low[k * r : (k + 1) * r] <= p) & (p <= high[k * r : (k + 1) * r])).mean()
            )
            if cover < floor:
                misses.append((metric, n, p, round(cover, 3)))
    assert not misses, f"coverage below {floor:.3f}: {misses}"


def test_no_zero_width_interval_for_0_of_k_or_k_of_k():
    """0 of 3 positives found allows a true positive rate of at least 0.5 (as the exact
    Clopper-Pearson limit 1 - 0.025**(1/3) = 0.71 does); k of k gets a width too."""
    y = np.r_[np.ones(3, int), np.ones(3, int), np.tile([0, 1], 100)]
    pred = np.r_[np.zeros(3, int), np.ones(3, int), np.tile([0, 1], 100)]
    g = np.r_[["none"] * 3, ["all"] * 3, ["big"] * 200]
    for kwargs in ({}, {"n_bootstrap": 0}, {"sample_weight": np.linspace(0.5, 2.0, 206)}):
        r = fairaudit.audit(y, pred, sensitive_features=g, random_state=0, **kwargs)
        iv = r.intervals["true_positive_rate"]
        assert iv.loc["none", "upper"] >= 0.5, kwargs
        assert iv.loc["all", "lower"] <= 0.5, kwargs
        assert (iv.loc[["none", "all"], "upper"] > iv.loc[["none", "all"], "lower"]).all()
        if kwargs.get("n_bootstrap", 1) > 0:
            tr = r.to_reference.set_index(["group", "metric"])
            row = tr.loc[("none", "true_positive_rate")]
            assert row["ratio_lower"] < row["ratio_upper"]
            assert row["difference_upper"] > row["difference_lower"]
