"""Is a group's rate different from the reference group's? Tests and multiple comparisons."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

CORRECTIONS = ("holm", "bh", "none")
#: Families of p-values adjusted together: the groups of one metric, or every group and
#: metric of an attribute.
CORRECTION_SCOPES = ("all", "metric")
#: Rates whose test against the reference is the same test as another rate's (a complement:
#: 1 - p in both groups); in the family of every metric each such pair counts once.
_SAME_TEST = {
    "true_negative_rate": "false_positive_rate",
    "false_negative_rate": "true_positive_rate",
    "false_discovery_rate": "positive_predictive_value",
    "false_omission_rate": "negative_predictive_value",
    "error_rate": "accuracy",
}
_erfc = np.frompyfunc(math.erfc, 1, 1)


def two_proportion_pvalues(
    success: np.ndarray,
    trials: np.ndarray,
    ref_success: float,
    ref_trials: float,
    *,
    exact: bool,
) -> np.ndarray:
    """Two-sided p-values of H0: p_group = p_reference, one per group.

    Uses the pooled two-proportion z-test, or Fisher's exact test when ``exact`` is true and
    some expected cell count is below 5 (integer counts only). NaN where either side has no
    trials. The reference's counts may be arrays broadcasting against the groups' (several
    metrics at once, one row each).
    """
    success = np.asarray(success, dtype=np.float64)
    trials = np.asarray(trials, dtype=np.float64)
    scalar_ref = np.ndim(ref_success) == 0 and np.ndim(ref_trials) == 0
    if scalar_ref and not (ref_trials > 0):
        return np.full(success.shape, np.nan)
    if not scalar_ref:
        ref_success, ref_trials, success, trials = np.broadcast_arrays(
            np.asarray(ref_success, dtype=np.float64),
            np.asarray(ref_trials, dtype=np.float64),
            success,
            trials,
        )
    ok = (trials > 0) & (ref_trials > 0)
    n1 = np.where(ok, trials, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (success + ref_success) / (n1 + ref_trials)
        var = pooled * (1 - pooled) * (1.0 / n1 + 1.0 / ref_trials)
        diff = success / n1 - ref_success / ref_trials
        z = np.where(var > 0, diff / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
        # two-sided normal tail, 2 * Phi(-|z|) = erfc(|z| / sqrt(2))
        p = _erfc(np.abs(z) / math.sqrt(2.0)).astype(np.float64)
    out = np.where(ok, p, np.nan)
    if exact:
        expected_small = (
            np.minimum.reduce(
                [
                    pooled * n1,
                    (1 - pooled) * n1,
                    pooled * ref_trials,
                    (1 - pooled) * ref_trials,
                ]
            )
            < 5
        )
        small = np.nonzero(ok & expected_small)
        if len(small[0]):
            a = np.round(success[small]).astype(np.int64)
            b = np.round(trials[small] - success[small]).astype(np.int64)
            if scalar_ref:
                c = np.full(len(a), int(round(ref_success)), dtype=np.int64)
                d = np.full(len(a), int(round(ref_trials - ref_success)), dtype=np.int64)
            else:  # numpy rounds halves to even, as round() does
                c = np.round(ref_success[small]).astype(np.int64)
                d = np.round(ref_trials[small] - ref_success[small]).astype(np.int64)
            out[small] = fisher_exact_pvalues(a, b, c, d)
    return out


#: Relative tolerance under which two tables count as equally probable (as R's fisher.test).
_TIE = 1e-7
#: Tables whose support is longer than this go to scipy one by one (rounding in the sums).
_LONG_SUPPORT = 4096
#: Table cells (tables x support points) handled at once.
_BATCH_CELLS = 1 << 20


def fisher_exact_pvalues(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Two-sided p-values of Fisher's exact test for many 2 x 2 tables ``[[a, b], [c, d]]``.

    Vectorised equivalent of ``scipy.stats.fisher_exact(table).pvalue``: the probability,
    under the hypergeometric distribution of ``a`` given the margins, of every table at most
    as probable as the observed one (up to a relative tolerance of 1e-7 for ties). Log
    probabilities relative to the support's first point come from a cumulative sum of the
    log ratios of consecutive probabilities, which loses no precision to large margins. A
    table with an empty row or column has p-value 1.
    """
    a, b, c, d = (np.asarray(v, dtype=np.int64).ravel() for v in (a, b, c, d))
    out = np.ones(len(a))
    r1, r2, c1 = a + b, c + d, a + c
    lo = np.maximum(0, c1 - r2)
    length = np.minimum(r1, c1) - lo + 1
    busy = (r1 > 0) & (r2 > 0) & (c1 > 0) & (b + d > 0) & (length > 1)
    long = busy & (length > _LONG_SUPPORT)
    if long.any():
        from scipy.stats import fisher_exact  # heavy import, only when needed

        for i in np.flatnonzero(long):
            out[i] = fisher_exact([[a[i], b[i]], [c[i], d[i]]]).pvalue
    todo = np.flatnonzero(busy & ~long)
    if len(todo) == 0:
        return out
    # tables of similar support length together, to pad little
    width = 1 << np.ceil(np.log2(length[todo])).astype(np.int64)
    for w in np.unique(width):
        rows = todo[width == w]
        per = max(1, _BATCH_CELLS // int(w))
        for start in range(0, len(rows), per):
            i = rows[start : start + per]
            out[i] = _fisher_batch(a[i], r1[i], r2[i], c1[i], lo[i], length[i], int(w))
    return out


def _fisher_batch(
    a: np.ndarray,
    r1: np.ndarray,
    r2: np.ndarray,
    c1: np.ndarray,
    lo: np.ndarray,
    length: np.ndarray,
    width: int,
) -> np.ndarray:
    """p-values of tables whose supports fit in ``width`` points (one row per table)."""
    k = np.arange(width)[None, :]
    valid = k < length[:, None]
    x = (lo[:, None] + k).astype(np.float64)
    f1, f2, f3 = r1[:, None].astype(np.float64), c1[:, None].astype(np.float64), r2[:, None]
    # P(x + 1) / P(x) = (r1 - x)(c1 - x) / ((x + 1)(r2 - c1 + x + 1)), for x + 1 in the support
    step_ok = k < (length[:, None] - 1)
    num = np.where(step_ok, (f1 - x) * (f2 - x), 1.0)
    den = np.where(step_ok, (x + 1.0) * (f3 - f2 + x + 1.0), 1.0)
    steps = np.log(num / den)
    logp = np.concatenate([np.zeros((len(a), 1)), np.cumsum(steps[:, :-1], axis=1)], axis=1)
    logp = np.where(valid, logp, -np.inf)
    observed = np.take_along_axis(logp, (a - lo)[:, None], axis=1)
    as_rare = valid & (logp <= observed + _TIE)
    return np.minimum(1.0, np.exp(_logsumexp(np.where(as_rare, logp, -np.inf)) - _logsumexp(logp)))


def _logsumexp(x: np.ndarray) -> np.ndarray:
    """log(sum(exp(x))) over the last axis, for rows with at least one finite value."""
    top = x.max(axis=1, keepdims=True)
    return np.log(np.exp(x - top).sum(axis=1)) + top[:, 0]


def adjust_pvalues(p: np.ndarray, method: str) -> np.ndarray:
    """Holm (family-wise error) or Benjamini-Hochberg (false discovery rate) adjustment.

    NaN p-values are left NaN and do not count in the family.
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m == 0:
        return out
    if method == "none":
        return p.copy()
    vals = p[ok]
    order = np.argsort(vals, kind="stable")
    ranked = vals[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "bh":
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    else:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}; got {method!r}.")
    adj = np.minimum(adj, 1.0)
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def adjust_family(
    p: np.ndarray, metric: np.ndarray, group: np.ndarray, method: str, scope: str
) -> np.ndarray:
    """Adjust p-values (one per group and metric) for multiple comparisons.

    Parameters
    ----------
    p : ndarray of float
        Unadjusted p-values; NaN where no test was made (they do not count in the family).
    metric, group : ndarray, same shape
        The metric and the group of each p-value.
    method : {"holm", "bh", "none"}
    scope : {"all", "metric"}
        ``"metric"`` adjusts across the groups of each metric separately; ``"all"`` across
        every group and metric together. In ``"all"``, a rate and its complement (true
        positive and false negative rate, ...) test the same hypothesis for a group, so the
        pair counts once in the family and both get the same adjusted p-value.

    Returns
    -------
    ndarray of float
    """
    p = np.asarray(p, dtype=np.float64)
    metric = np.asarray(metric, dtype=object)
    if len(p) == 0:
        return p.copy()
    if scope == "metric":
        out = np.full(p.shape, np.nan)
        for m in dict.fromkeys(metric.tolist()):
            sel = metric == m
            out[sel] = adjust_pvalues(p[sel], method)
        return out
    if scope != "all":
        raise ValueError(
            f"correction_scope must be one of {', '.join(CORRECTION_SCOPES)}; got {scope!r}."
        )
    metric_codes, metric_names = pd.factorize(metric)
    canonical = np.array([_SAME_TEST.get(m, m) for m in metric_names], dtype=object)
    hypothesis = pd.factorize(canonical)[0][metric_codes]
    group_codes, group_names = pd.factorize(np.asarray(group, dtype=object))
    codes = hypothesis.astype(np.int64) * max(len(group_names), 1) + group_codes
    finite = np.isfinite(p)
    # the first tested p-value of each (hypothesis, group) stands for the family member
    _, rep = np.unique(np.where(finite, codes, -1), return_index=True)
    rep = rep[finite[rep]]
    adjusted = np.full(p.shape, np.nan)
    adjusted[rep] = adjust_pvalues(p[rep], method)
    source = np.full(codes.max() + 1 if len(codes) else 0, -1, dtype=np.int64)
    source[codes[rep]] = rep
    source = source[codes]
    return np.where(source >= 0, adjusted[np.maximum(source, 0)], np.nan)
