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
    trials.
    """
    success = np.asarray(success, dtype=np.float64)
    trials = np.asarray(trials, dtype=np.float64)
    out = np.full(success.shape, np.nan)
    if not (ref_trials > 0):
        return out
    ok = trials > 0
    n1 = np.where(ok, trials, 1.0)
    pooled = (success + ref_success) / (n1 + ref_trials)
    var = pooled * (1 - pooled) * (1.0 / n1 + 1.0 / ref_trials)
    diff = success / n1 - ref_success / ref_trials
    with np.errstate(invalid="ignore", divide="ignore"):
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
        small = np.flatnonzero(ok & expected_small)
        if len(small):
            from scipy.stats import fisher_exact  # heavy import, only when needed
        for i in small:
            table = [
                [int(round(success[i])), int(round(trials[i] - success[i]))],
                [int(round(ref_success)), int(round(ref_trials - ref_success))],
            ]
            out[i] = fisher_exact(table).pvalue
    return out


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
    canonical = pd.Series(metric).replace(_SAME_TEST).to_numpy(dtype=object)
    key = pd.MultiIndex.from_arrays([canonical, np.asarray(group, dtype=object)])
    codes = pd.factorize(key)[0]
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
