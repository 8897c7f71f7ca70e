"""Audits from regression statistics: random chunks of rows (some lacking groups) summarised
by ``fairaudit.metrics.regression_stats``, merged, and audited with
``fairaudit.audit_from_stats`` give what ``fairaudit.audit(task="regression")`` gives on the
rows — exactly for the values of the moments and their intervals, and within the stated
bounds (recomputed here from ``numpy.histogram``) for the values from histograms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import fairaudit
from fairaudit.metrics import RegressionStats, regression_stats

EXACT = [
    "count",
    "mean_prediction",
    "mean_outcome",
    "mean_error",
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "r2",
]
#: Intervals agree to rounding: their bootstrap takes a square root of the rows' spread
#: within bins, a difference of sums that merged chunks round differently.
INTERVAL_TOL = 1e-4
#: ... in groups of at least this many rows: in smaller ones a resample can sit at the edge
#: of a degenerate case (a resample without spread, a spread at rounding level) and tip
#: either way.
MIN_ROWS = 30
MEAN_TESTED = [
    "mean_prediction",
    "mean_outcome",
    "mean_error",
    "mean_absolute_error",
    "mean_squared_error",
    "standardized_mean_difference",
]


def _data(seed, n, weights, discrete):
    rng = np.random.default_rng(seed)
    a = rng.choice(["a0", "a1", "a2"], n, p=[0.5, 0.3, 0.2])
    b = rng.choice(["b0", "b1"], n)
    if discrete:
        y_pred = rng.integers(1, 11, n).astype(float)
        y_true = y_pred + rng.integers(-2, 3, n)
    else:
        y_true = rng.lognormal(3, 0.5, n)
        y_pred = y_true * rng.lognormal(0, 0.2, n) + (a == "a0") * 2
    w = None if weights == "none" else rng.uniform(0.2, 3.0, n)
    return y_true, y_pred, pd.DataFrame({"a": a, "b": b}), w


def _chunks(rng, n, k, groups):
    """Row positions of ``k`` random chunks; the first lacks the rows of group a2."""
    order = rng.permutation(n)
    cuts = np.sort(rng.choice(np.arange(1, n), k - 1, replace=False))
    parts = [p for p in np.split(order, cuts) if len(p)]
    lacking = groups[parts[0]] == "a2"
    parts.append(parts[0][lacking])
    parts[0] = parts[0][~lacking]
    return [p for p in parts if len(p)]


def _close(a, b, tol):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert np.array_equal(np.isnan(a), np.isnan(b)), (a, b)
    ok = ~np.isnan(a)
    scale = np.maximum(1.0, np.abs(b[ok]))
    assert np.all(np.abs(a[ok] - b[ok]) <= tol * scale), np.max(np.abs(a[ok] - b[ok]))


# no shrinking: each example is a whole audit, and a failure prints its parameters
@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(40, 500),
    k=st.integers(2, 5),
    weights=st.sampled_from(["none", "float"]),
    discrete=st.booleans(),
)
def test_merged_chunks_audit_like_the_rows(seed, n, k, weights, discrete):
    y_true, y_pred, sf, w = _data(seed, n, weights, discrete)
    edges = np.linspace(y_pred.min() - 0.5, y_pred.max() + 0.5, 41)
    kw = dict(n_bootstrap=150, random_state=seed)
    rows = fairaudit.audit(
        y_true,
        y_pred,
        sensitive_features=sf,
        sample_weight=w,
        task="regression",
        score_bins=edges,
        **kw,
    )
    rng = np.random.default_rng(seed + 1)
    merged = None
    for part in _chunks(rng, n, k, sf["a"].to_numpy()):
        s = regression_stats(
            y_true[part],
            y_pred[part],
            sensitive_features=sf.iloc[part],
            sample_weight=None if w is None else w[part],
            bins=edges,
        )
        merged = s if merged is None else merged.merge(s)
    assert isinstance(merged, RegressionStats)
    stats = fairaudit.audit_from_stats(merged, **kw)
    assert stats.meta["source"] == "statistics"
    assert "come from the histograms" in stats.meta["notes"][-1]
    for ours, theirs in [
        (stats, rows),
        *((stats.marginals[f], rows.marginals[f]) for f in ("a", "b")),
    ]:
        assert list(ours.by_group.index) == list(theirs.by_group.index)
        for m in EXACT:
            _close(ours.by_group[m], theirs.by_group[m], 1e-12)
        big = (theirs.by_group["count"] >= MIN_ROWS).to_numpy()
        for m in EXACT[1:-2]:  # the intervals of the means: from the moments alone
            for side in ("lower", "upper"):
                _close(
                    ours.intervals[(m, side)][big], theirs.intervals[(m, side)][big], INTERVAL_TOL
                )
        a = ours.to_reference.set_index(["metric", "group"])
        b = theirs.to_reference.set_index(["metric", "group"])
        counts = theirs.by_group["count"]
        counts.index = [str(x) for x in counts.index]
        for m in MEAN_TESTED:
            _close(a.loc[m, "value"], b.loc[m, "value"], 1e-12)
            _close(a.loc[m, "p_value"], b.loc[m, "p_value"], 1e-12)
            rows_ok = np.array([counts.get(str(g), 0) >= MIN_ROWS for g in a.loc[m].index])
            if theirs.by_group["count"].min() >= MIN_ROWS:
                for c in ("difference_lower", "difference_upper"):
                    _close(a.loc[m, c][rows_ok], b.loc[m, c][rows_ok], INTERVAL_TOL)
        _check_binned(ours, theirs, y_pred, sf, w, edges)
    # the verdicts that rest on moments agree
    ca, cb = (
        stats.criteria.set_index(["attribute", "criterion"]),
        rows.criteria.set_index(["attribute", "criterion"]),
    )
    for name in ("mean_difference", "smd", "max_group_error_ratio", "bounded_group_loss"):
        sel = ca.index.get_level_values(1) == name
        _close(ca.loc[sel, "value"], cb.loc[sel, "value"], 1e-12)
        if rows.by_group["count"].min() >= MIN_ROWS:
            assert list(ca.loc[sel, "verdict"]) == list(cb.loc[sel, "verdict"])


def _check_binned(ours, theirs, y_pred, sf, w, edges):
    """Quantiles, shares above the median, KS and Wasserstein distances within the bounds
    stated for values from histograms (recomputed from numpy's histograms of the rows)."""
    ww = np.ones(len(y_pred)) if w is None else w
    feats = list(ours.features)
    keys = sf[feats].astype(str).agg("|".join, axis=1).to_numpy()
    widths = np.diff(edges)
    hists = {}
    for label in ours.by_group.index:
        key = "|".join(str(x) for x in (label if isinstance(label, tuple) else (label,)))
        sel = keys == key
        h = np.histogram(y_pred[sel], bins=edges, weights=ww[sel])[0]
        hists[label] = h / h.sum()
        for name, q in (
            ("prediction_q10", 0.1),
            ("median_prediction", 0.5),
            ("prediction_q90", 0.9),
        ):
            exact = np.quantile(y_pred[sel], q, weights=ww[sel], method="inverted_cdf")
            occupied = np.histogram(y_pred, bins=edges)[0] > 0
            assert abs(ours.by_group.loc[label, name] - exact) <= widths[occupied].max() + 1e-9
    share = np.array(list(hists.values()))
    ks_bound = share.max()
    w1_bound = 2 * (share * widths).sum(axis=1).max()
    a = ours.to_reference.set_index(["metric", "group"])
    b = theirs.to_reference.set_index(["metric", "group"])
    ks_a, ks_b = a.loc["ks_distance", "value"], b.loc["ks_distance", "value"]
    assert np.all(ks_a <= ks_b + 1e-12) and np.all(ks_b - ks_a <= ks_bound + 1e-12)
    w1_a, w1_b = a.loc["wasserstein_distance", "value"], b.loc["wasserstein_distance", "value"]
    assert np.all(np.abs(w1_a - w1_b) <= w1_bound + 1e-9)
    s_a, s_b = ours.by_group["share_above_median"], theirs.by_group["share_above_median"]
    if ours.by_group["median_prediction"].notna().all():
        assert np.all(np.abs(s_a - s_b) <= ks_bound + 1e-12)


def test_regression_stats_refuse_bad_input_and_mismatched_chunks():
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    g = rng.choice(["x", "y"], 50)
    with pytest.raises(TypeError, match="y_pred must hold numbers"):
        regression_stats(y, np.array(["a"] * 50), sensitive_features=g)
    s1 = regression_stats(y, y + 1, sensitive_features=g, bins=np.linspace(-9, 9, 11))
    s2 = regression_stats(y, y + 1, sensitive_features=g, bins=np.linspace(-9, 9, 21))
    with pytest.raises(ValueError, match="same score_bins"):
        s1.merge(s2)
    with pytest.raises(ValueError, match="look like yes/no decisions"):
        fairaudit.audit_from_stats(
            regression_stats((y > 0).astype(float), (y > 0.5).astype(float), sensitive_features=g)
        )
