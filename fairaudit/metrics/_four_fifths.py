"""The EEOC four-fifths rule as practised: impact ratios to the highest rate of a table, with
their statistical and practical significance (29 CFR 1607.4(D)).

Pure functions of counts (selected and applicants per category). The impact ratio of a
category is its rate divided by the highest rate among the categories compared; adverse
impact is a ratio below 4/5. As the rule itself qualifies it, a ratio below 4/5 resting on
small numbers may not be evidence of adverse impact, and a ratio above it may be when the
difference is statistically and practically significant: this module reports both sides.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ._significance import CORRECTIONS, adjust_pvalues, fisher_exact_pvalues

#: The rule's threshold.
FOUR_FIFTHS = 0.8
#: The courts' "two or three standard deviations": a difference of at least this many
#: standard deviations (pooled two-proportion z) counts as statistically significant.
Z_SIGNIFICANT = 2.0
#: Categories with fewer applicants than this, or whose table against the top category has
#: an expected cell count below 5, rest on small numbers: Fisher's exact test decides.
MIN_COUNT = 30
_MIN_EXPECTED = 5.0

#: Verdict codes and their wording.
VERDICTS = {
    "below_significant": "below 4/5 and significant",
    "below_not_significant": "below 4/5 but not significant",
    "not_below": "not below 4/5",
    "excluded": "excluded from the impact ratios",
    "n/a": "not evaluated",
}
#: The audit criterion's verdict for each code (pass / fail / inconclusive / n/a).
AUDIT_VERDICT = {
    "below_significant": "fail",
    "below_not_significant": "inconclusive",
    "not_below": "pass",
    "excluded": "n/a",
    "n/a": "n/a",
}

ERR_COUNTS = (
    "{name} must be counts >= 0 with selected <= applicants in every category; "
    "got selected={selected!r}, applicants={applicants!r}."
)
ERR_THRESHOLD = "threshold must be a number in (0, 1]; got {value!r}."
ERR_LEVEL = "confidence_level must be a number in (0, 1); got {value!r}."
ERR_CORRECTION = "correction must be one of {choices}; got {value!r}."

COLUMNS = [
    "applicants",
    "selected",
    "rate",
    "rate_lower",
    "rate_upper",
    "impact_ratio",
    "impact_ratio_lower",
    "impact_ratio_upper",
    "top",
    "z",
    "z_p_value",
    "fisher_p_value",
    "small_numbers",
    "test",
    "significant",
    "p_value",
    "p_adjusted",
    "significant_adjusted",
    "shortfall",
    "one_selection_flips",
    "verdict",
    "verdict_text",
    "reason",
]


def _z_crit(confidence_level: Any) -> np.ndarray:
    """Two-sided standard-normal quantiles of confidence levels (arrays welcome)."""
    from scipy.special import ndtri

    return ndtri(0.5 + np.asarray(confidence_level, dtype=np.float64) / 2.0)


def clopper_pearson(
    successes: np.ndarray, trials: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) interval of a proportion; NaN without trials."""
    from scipy.special import betaincinv

    alpha = 1.0 - confidence_level
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    ok = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(x > 0, betaincinv(np.maximum(x, 1e-300), n - x + 1, alpha / 2), 0.0)
        hi = np.where(x < n, betaincinv(x + 1, np.maximum(n - x, 1e-300), 1 - alpha / 2), 1.0)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def _ratio_score(
    theta: np.ndarray, x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray
) -> np.ndarray:
    """Koopman's score statistic of H0: p1 / p2 = theta (decreasing in theta).

    The proportions under H0 are the constrained maximum-likelihood estimates, the smaller
    root of ``N theta p^2 - (n1 theta + x1 + n2 + x2 theta) p + (x1 + x2) = 0`` for ``p2``.
    """
    a = (n1 + n2) * theta
    b = -(n1 * theta + x1 + n2 + x2 * theta)
    c = x1 + x2
    disc = np.sqrt(np.maximum(b * b - 4.0 * a * c, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        p2 = np.where(c > 0, 2.0 * c / (-b + disc), 0.0)  # the smaller root, stably
        p2 = np.clip(p2, 0.0, 1.0)
        p1 = np.clip(theta * p2, 0.0, 1.0)
        var = p1 * (1 - p1) / n1 + theta * theta * p2 * (1 - p2) / n2
        num = x1 / n1 - theta * x2 / n2
        z = np.where(var > 0, num / np.sqrt(np.where(var > 0, var, 1.0)), np.sign(num) * np.inf)
    return np.where(num == 0, 0.0, z)


def ratio_interval(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Koopman (1984) score interval of the ratio of two binomial proportions p1 / p2.

    The set of ratios ``theta`` not rejected by the score test, found by bisection on
    ``log theta`` (vectorised over the pairs). Lower limit 0 when ``x1 = 0``; upper limit
    infinite when ``x2 = 0`` and ``x1 > 0``; NaN without trials or when both counts are 0.
    Its coverage stays close to the nominal level for a few dozen trials (checked by
    simulation in the tests and in docs/regulatory.md).
    """
    x1, n1, x2, n2, zc = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (x1, n1, x2, n2)), _z_crit(confidence_level)
    )
    ok = (n1 > 0) & (n2 > 0) & (x1 + x2 > 0)
    s1 = np.where(ok, n1, 1.0)
    s2 = np.where(ok, n2, 1.0)
    t1 = np.where(ok, x1, 0.0)
    t2 = np.where(ok, x2, 1.0)

    # both limits in one bisection: the score falls through +z at the lower limit and
    # through -z at the upper one (stacked on a new leading axis)
    target = np.stack([zc, -zc])
    a1, b1, a2, b2 = (np.broadcast_to(v, target.shape) for v in (t1, s1, t2, s2))
    lo = np.full(target.shape, -40.0)
    hi = np.full(target.shape, 40.0)
    for _ in range(44):  # 44 halvings of [-40, 40] on the log scale: below 5e-12
        mid = 0.5 * (lo + hi)
        above = _ratio_score(np.exp(mid), a1, b1, a2, b2) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    found = np.exp(0.5 * (lo + hi))
    lower = np.where(t1 > 0, found[0], 0.0)
    upper = np.where(t2 > 0, found[1], np.inf)
    return np.where(ok, lower, np.nan), np.where(ok, upper, np.nan)


#: Pairs (category, candidate top) above which no impact-ratio interval is computed.
MAX_PAIRS = 250_000
NO_INTERVAL = (
    "no impact-ratio interval: {g} categories compared, too many candidate tops for the "
    "pairwise intervals"
)


def candidate_count(x: np.ndarray, n: np.ndarray, confidence_level: float) -> int:
    """How many categories could be the top (see :func:`impact_ratio_intervals`)."""
    x = np.asarray(x, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    top = int(np.argmax(x / n))
    _, up = ratio_interval(x, n, np.full(len(x), x[top]), np.full(len(x), n[top]), confidence_level)
    return int(((np.nan_to_num(up, nan=np.inf) >= 1.0) | (np.arange(len(x)) == top)).sum())


def impact_ratio_intervals(
    x: np.ndarray, n: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Intervals of each category's impact ratio ``p_i / max_j p_j`` (the true top unknown).

    The impact ratio is ``min(1, min_j p_i / p_j)``. The categories that could be the top
    are those whose rate is not significantly below the observed top's (the upper limit of
    their Koopman interval against it reaches 1). With ``m`` such candidates other than
    ``i``, the interval of category ``i`` is ``[min(1, min_j L_ij), min(1, min_j U_ij)]``
    over the candidates ``j``, each pairwise Koopman interval at level ``1 - alpha / m``
    (Bonferroni): if every pairwise interval covers, the ratio is covered, whichever
    candidate is the true top. The observed top's own interval is ``[L, 1]``. A pair with
    no selection on either side constrains nothing (``[0, inf)``).

    Parameters
    ----------
    x, n : array, shape (..., G)
        Selected and applicants per category (leading axes: independent tables, e.g. the
        replicates of a simulation). Every category must have applicants and some category
        a selection.
    confidence_level : float

    Returns
    -------
    lower, upper : arrays shaped like ``x``
    """
    x = np.asarray(x, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    x, n = np.broadcast_arrays(x, n)
    g = x.shape[-1]
    alpha = 1.0 - confidence_level
    top = np.argmax(x / n, axis=-1)[..., None]
    x_top = np.take_along_axis(x, top, axis=-1)
    n_top = np.take_along_axis(n, top, axis=-1)
    _, up = ratio_interval(x, n, x_top, n_top, confidence_level)
    cand = (np.nan_to_num(up, nan=np.inf) >= 1.0) | (np.arange(g) == top)
    m = cand.sum(axis=-1, keepdims=True) - cand  # candidates other than i
    level = 1.0 - alpha / np.maximum(m, 1)
    if x.ndim == 1:  # one table: only the pairs with a candidate top (often a few)
        j = np.flatnonzero(cand)
        lo, hi = ratio_interval(x[:, None], n[:, None], x[None, j], n[None, j], level[:, None])
        use = np.arange(g)[:, None] != j[None, :]
        lo = np.where(use, np.nan_to_num(lo, nan=0.0), np.inf)
        hi = np.where(use, np.nan_to_num(hi, nan=np.inf), np.inf)
        return np.minimum(1.0, lo.min(axis=-1)), np.minimum(1.0, hi.min(axis=-1))
    # pairs (i, j): axis -2 is i, axis -1 is j
    lo, hi = ratio_interval(
        x[..., :, None], n[..., :, None], x[..., None, :], n[..., None, :], level[..., :, None]
    )
    use = cand[..., None, :] & ~np.eye(g, dtype=bool)
    lo = np.where(use, np.nan_to_num(lo, nan=0.0), np.inf)
    hi = np.where(use, np.nan_to_num(hi, nan=np.inf), np.inf)
    return np.minimum(1.0, lo.min(axis=-1)), np.minimum(1.0, hi.min(axis=-1))


def two_proportion_z(
    x: np.ndarray, n: np.ndarray, x_top: float, n_top: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z of the top rate minus each rate (positive: below the top),
    and its two-sided p-value. 0 when the pooled variance is 0; NaN without applicants."""
    x = np.asarray(x, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    ok = (n > 0) & (n_top > 0)
    m = np.where(ok, n, 1.0)
    pooled = (x + x_top) / (m + n_top)
    var = pooled * (1 - pooled) * (1.0 / m + 1.0 / max(n_top, 1.0))
    diff = x_top / max(n_top, 1.0) - x / m
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, diff / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    p = np.array([math.erfc(abs(v) / math.sqrt(2.0)) for v in z.ravel()]).reshape(z.shape)
    return np.where(ok, z, np.nan), np.where(ok, p, np.nan)


def _fraction(threshold: float) -> Fraction:
    return Fraction(threshold).limit_denominator(10**6)


def shortfall(
    x: np.ndarray, n: np.ndarray, x_top: int, n_top: int, threshold: float = FOUR_FIFTHS
) -> np.ndarray:
    """More selections each category needs for its rate to reach ``threshold`` times the top
    rate: the smallest ``k >= 0`` with ``(x + k) / n >= threshold * x_top / n_top``, in exact
    integer arithmetic (no rounding at the boundary). -1 without applicants."""
    f = _fraction(threshold)
    x = np.asarray(x, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    out = np.full(x.shape, -1, dtype=np.int64)
    for i in range(x.size):
        if n.flat[i] <= 0 or n_top <= 0:
            continue
        need = f.numerator * int(x_top) * int(n.flat[i])
        den = f.denominator * int(n_top)
        out.flat[i] = max(0, -(-need // den) - int(x.flat[i]))
    return out


def _below(x: int, n: int, x_top: int, n_top: int, f: Fraction) -> bool:
    """x / n < f * x_top / n_top, exactly."""
    return x * n_top * f.denominator < f.numerator * x_top * n


def four_fifths_table(
    selected: np.ndarray,
    applicants: np.ndarray,
    categories: list | pd.Index,
    *,
    include: np.ndarray | None = None,
    threshold: float = FOUR_FIFTHS,
    confidence_level: float = 0.95,
    z_threshold: float = Z_SIGNIFICANT,
    min_count: int = MIN_COUNT,
    excluded_reason: str = "excluded from the impact ratios",
    fisher_all: bool = True,
    correction: str = "holm",
) -> pd.DataFrame:
    """One row per category: rate, impact ratio to the top category, intervals, tests, flags.

    Parameters
    ----------
    selected, applicants : array of int
        Per category: how many were selected (or scored above the median) and how many
        applied.
    categories : list
        Labels, in display order.
    include : array of bool, optional
        Categories that take part in the impact ratios (the others keep their rate and are
        marked ``"excluded"``, e.g. by the 2% rule). Default: all.
    threshold : float, default 0.8
    confidence_level : float, default 0.95
        For the exact (Clopper-Pearson) rate intervals, the Koopman score intervals of the
        impact ratios and the level of Fisher's exact test (p < 1 - level).
    z_threshold : float, default 2.0
        Standard deviations of the two-proportion z test that count as significant.
    min_count : int, default 30
        Fewer applicants than this, in the category or in the top category it is compared
        with, flag small numbers (as does an expected cell count below 5).
    fisher_all : bool, default True
        Compute Fisher's exact test for every comparison (the published tables report it);
        False: only where it decides, the comparisons on small numbers (NaN elsewhere).
    correction : {"holm", "bh", "none"}, default "holm"
        Multiple-comparison adjustment of the p-values of the table's comparisons with the
        top category (one per category compared): Holm's step-down method (family-wise
        error), Benjamini-Hochberg (false discovery rate) or none. It adds ``p_value`` (the
        p-value of the test that decides, Fisher's or the z test's), ``p_adjusted`` and
        ``significant_adjusted`` (``p_adjusted < 1 - confidence_level``); every other
        column, the verdict included, is unchanged, as the rule's tables are computed
        category by category.

    Returns
    -------
    pandas.DataFrame
        Indexed by category, with the columns of :data:`COLUMNS`. ``verdict`` is one of the
        keys of :data:`VERDICTS`.
    """
    t = float(threshold)
    if not (math.isfinite(t) and 0 < t <= 1):
        raise ValueError(ERR_THRESHOLD.format(value=threshold))
    level = float(confidence_level)
    if not (0 < level < 1):
        raise ValueError(ERR_LEVEL.format(value=confidence_level))
    if correction not in CORRECTIONS:
        raise ValueError(ERR_CORRECTION.format(choices=", ".join(CORRECTIONS), value=correction))
    x = np.asarray(selected)
    n = np.asarray(applicants)
    if (
        x.shape != n.shape
        or x.ndim != 1
        or not (np.issubdtype(x.dtype, np.integer) or np.all(np.mod(x, 1) == 0))
        or not (np.issubdtype(n.dtype, np.integer) or np.all(np.mod(n, 1) == 0))
        or np.any(x < 0)
        or np.any(x > n)
    ):
        raise ValueError(
            ERR_COUNTS.format(name="counts", selected=x.tolist(), applicants=n.tolist())
        )
    x = x.astype(np.int64)
    n = n.astype(np.int64)
    g = len(x)
    inc = np.ones(g, dtype=bool) if include is None else np.asarray(include, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)
    r_lo, r_hi = clopper_pearson(x, n, level)
    comparable = inc & (n > 0)
    index = pd.Index(list(categories), name="category")
    out: dict[str, Any] = {"applicants": n, "selected": x, "rate": rate,
                           "rate_lower": r_lo, "rate_upper": r_hi}
    nan = np.full(g, np.nan)
    cols = {
        c: nan.copy()
        for c in (
            "impact_ratio",
            "impact_ratio_lower",
            "impact_ratio_upper",
            "z",
            "z_p_value",
            "fisher_p_value",
            "p_value",
            "p_adjusted",
        )
    }
    top = np.zeros(g, dtype=bool)
    small = np.zeros(g, dtype=bool)
    test = np.full(g, "", dtype=object)
    significant = np.zeros(g, dtype=bool)
    short = np.full(g, -1, dtype=np.int64)
    flips = np.zeros(g, dtype=bool)
    verdict = np.full(g, "n/a", dtype=object)
    reason = np.full(g, "", dtype=object)
    verdict[~inc] = "excluded"
    reason[~inc] = excluded_reason
    reason[inc & (n == 0)] = "no applicants in this category"
    f = _fraction(t)
    if comparable.any():
        candidates = np.where(comparable, rate, -np.inf)
        k = int(np.argmax(candidates))  # the first of tied top categories
        x_top, n_top = int(x[k]), int(n[k])
        if x_top == 0:
            reason[comparable] = "no one was selected in any category compared (ratio 0/0)"
        else:
            idx = np.flatnonzero(comparable)
            top[idx] = rate[idx] == rate[k]
            cols["impact_ratio"][idx] = rate[idx] / rate[k]
            others = idx[idx != k]
            if len(idx) * candidate_count(x[idx], n[idx], level) <= MAX_PAIRS:
                lo, hi = impact_ratio_intervals(x[idx], n[idx], level)
                cols["impact_ratio_lower"][idx] = lo
                cols["impact_ratio_upper"][idx] = hi
            else:  # memory and time grow with categories x candidate tops
                reason[idx] = np.where(
                    reason[idx] == "", NO_INTERVAL.format(g=len(idx)), reason[idx]
                )
            z, zp = two_proportion_z(x[others], n[others], x_top, n_top)
            cols["z"][others], cols["z_p_value"][others] = z, zp
            pooled = (x[others] + x_top) / (n[others] + n_top)
            expected = np.minimum.reduce(
                [pooled * n[others], (1 - pooled) * n[others], pooled * n_top, (1 - pooled) * n_top]
            )
            # a comparison rests on small numbers when either side does
            small[others] = (
                (n[others] < min_count) | (n_top < min_count) | (expected < _MIN_EXPECTED)
            )
            exact = others if fisher_all else others[small[others]]
            cols["fisher_p_value"][exact] = fisher_exact_pvalues(
                x[exact],
                n[exact] - x[exact],
                np.full(len(exact), x_top),
                np.full(len(exact), n_top - x_top),
            )
            small[k] = n_top < min_count
            alpha = 1.0 - level
            fisher = small[others]
            test[others] = np.where(fisher, "fisher", "z")
            significant[others] = np.where(
                fisher,
                cols["fisher_p_value"][others] < alpha,
                np.nan_to_num(z, nan=0.0) >= z_threshold,
            )
            cols["p_value"][others] = np.where(
                fisher, cols["fisher_p_value"][others], cols["z_p_value"][others]
            )
            cols["p_adjusted"][others] = adjust_pvalues(cols["p_value"][others], correction)
            short[idx] = shortfall(x[idx], n[idx], x_top, n_top, t)
            for i in idx:
                below = _below(int(x[i]), int(n[i]), x_top, n_top, f)
                if i == k:
                    verdict[i] = "not_below"
                    reason[i] = "the highest rate of the table: the impact ratios' denominator"
                    continue
                if below:
                    flips[i] = short[i] == 1
                    if significant[i]:
                        verdict[i] = "below_significant"
                    else:
                        verdict[i] = "below_not_significant"
                        if small[i]:
                            reason[i] = "; ".join(
                                r
                                for r in (
                                    "small numbers: the difference is not significant",
                                    reason[i],
                                )
                                if r
                            )
                else:
                    verdict[i] = "not_below"
                    flips[i] = x[i] > 0 and _below(int(x[i]) - 1, int(n[i]), x_top, n_top, f)
    for c, v in cols.items():
        out[c] = v
    out["top"] = top
    out["small_numbers"] = small
    out["test"] = test
    out["significant"] = significant
    with np.errstate(invalid="ignore"):
        out["significant_adjusted"] = cols["p_adjusted"] < 1.0 - level
    out["shortfall"] = short
    out["one_selection_flips"] = flips
    out["verdict"] = verdict
    out["verdict_text"] = [
        VERDICTS[v] + (" (small numbers)" if v == "below_not_significant" and s else "")
        for v, s in zip(verdict, small, strict=True)
    ]
    out["reason"] = reason
    # one frame from all the columns (setting them one by one costs more than the tests)
    return pd.DataFrame({c: out[c] for c in COLUMNS}, index=index)
