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
from functools import lru_cache
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


#: The bisection of :func:`ratio_interval`: halvings of [-BOUND, BOUND] on the log scale
#: (44 halvings of [-40, 40]: a bracket below 5e-12).
_LOG_BOUND = 40.0
_HALVINGS = 44
#: Score evaluations per round of the search (several halvings are resolved per round).
_ROUND_SIZE = 1024
#: Margin on the log scale by which a bracket must clear a bound to settle a comparison.
_SLACK = 1e-9


class _Scores:
    """Pairs of a search, with the parts of the score that do not depend on theta
    (``x1 + x2 > 0`` for every pair), as columns (one row per pair)."""

    def __init__(self, x1, n1, x2, n2, target):
        self.x1, self.n1, self.x2, self.n2 = (v[:, None] for v in (x1, n1, x2, n2))
        self.target = target[:, None]
        self.total = self.n1 + self.n2
        self.c = self.x1 + self.x2
        self.two_c = 2.0 * self.c
        self.r1 = self.x1 / self.n1
        self.zero_above = 0.0 > self.target

    def take(self, rows: np.ndarray) -> _Scores:
        """The pairs ``rows``."""
        part = object.__new__(_Scores)
        part.__dict__.update({k: v[rows] for k, v in self.__dict__.items()})
        return part

    def above(self, theta: np.ndarray) -> np.ndarray:
        """``_ratio_score(theta, ...) > target`` (theta: one row per pair, any number of
        columns), operation for operation as :func:`_ratio_score` computes it, so that every
        comparison comes out the same."""
        t = self.n1 * theta  # t = -b
        t += self.x1
        t += self.n2
        t += self.x2 * theta
        a4 = self.total * theta
        a4 *= 4.0
        a4 *= self.c
        disc = t * t
        disc -= a4
        np.maximum(disc, 0.0, out=disc)
        np.sqrt(disc, out=disc)
        disc += t
        p2 = np.divide(self.two_c, disc)  # >= 0: the clip to [0, 1] is a minimum
        np.minimum(p2, 1.0, out=p2)
        p1 = theta * p2
        np.minimum(p1, 1.0, out=p1)
        var = 1.0 - p1
        var *= p1
        var /= self.n1
        v2 = theta * theta
        v2 *= p2
        v2 *= 1.0 - p2
        v2 /= self.n2
        var += v2
        num = self.x2 * theta
        num /= self.n2
        np.subtract(self.r1, num, out=num)
        positive = var > 0
        np.sqrt(var, out=var)
        z = np.divide(num, var, out=np.zeros_like(num), where=positive)
        # z where the variance is positive, +-inf (the sign of num) where not, 0 where num is
        out = np.where(positive, z > self.target, num > 0)
        return np.where(num == 0, self.zero_above, out)


def _search(
    scores: _Scores, settle=None, start: tuple[np.ndarray, int] | None = None
) -> tuple[np.ndarray, float, np.ndarray]:
    """The bisection of :func:`ratio_interval` for every pair of ``scores``: ``lo`` after
    every halving of [-40, 40] (the log of the limit is ``lo + width / 2``), the final width,
    and which pairs were followed to the end.

    Several halvings are resolved per round: the score is evaluated at every point the next
    ``k`` halvings could visit (``2**k - 1`` points of the bracket's grid) and the halvings
    then follow those comparisons, so ``lo`` is exactly what one halving at a time gives
    (every point is a multiple of ``80 / 2**44``, exact in floating point). ``settle``
    (positions of the pairs followed, their ``lo`` and the current width -> which to keep
    following) drops pairs whose outcome is known. ``start`` (``lo`` after the first
    ``done`` halvings, and ``done``) resumes a bisection whose first halvings are known.
    """
    size = len(scores.x1)
    lo = np.full(size, -_LOG_BOUND) if start is None else np.array(start[0], dtype=np.float64)
    live = np.arange(size)
    part = scores
    done = 0 if start is None else int(start[1])
    width = 2.0 * _LOG_BOUND / 2**done  # exact: a power of 2 apart
    while done < _HALVINGS and len(live):
        k = int(max(1, min(_HALVINGS - done, np.log2(_ROUND_SIZE / len(live) + 1.0))))
        step = width / 2**k
        points = lo[live][:, None] + np.arange(1, 2**k) * step
        up = part.above(np.exp(points)).ravel()
        # follow the k halvings through the comparisons: the flat position of each pair's
        # point j (1-based) is base + j - 1
        base = np.arange(len(live)) * (2**k - 1) - 1
        left = np.zeros(len(live), dtype=np.intp)
        for half in (2 ** np.arange(k - 1, -1, -1)).tolist():
            left += up[base + left + half] * half
        lo[live] += left * step
        width = step
        done += k
        if settle is not None and done < _HALVINGS:
            keep = settle(live, lo[live], width)
            if not keep.all():
                live = live[keep]
                part = part.take(keep)
    followed = np.zeros(size, dtype=bool)
    followed[live] = True
    return lo, width, followed


def _limit(lo: np.ndarray, width: float) -> np.ndarray:
    """The limit a bisection that ended on ``[lo, lo + width]`` reports."""
    return np.exp(0.5 * (lo + (lo + width)))


def _koopman_pairs(x1, n1, x2, n2, zc):
    """The pairs of :func:`ratio_interval` as flat arrays: the counts (placeholders where a
    pair has no trials or no selection on either side), which pairs have an interval, and
    the search of both limits (lower limits first, then upper)."""
    x1, n1, x2, n2, zc = (np.ravel(v) for v in np.broadcast_arrays(x1, n1, x2, n2, zc))
    ok = (n1 > 0) & (n2 > 0) & (x1 + x2 > 0)
    s1 = np.where(ok, n1, 1.0)
    s2 = np.where(ok, n2, 1.0)
    t1 = np.where(ok, x1, 0.0)
    t2 = np.where(ok, x2, 1.0)
    two = lambda v: np.concatenate([v, v])  # noqa: E731
    scores = _Scores(two(t1), two(s1), two(t2), two(s2), np.concatenate([zc, -zc]))
    return ok, t1, t2, scores


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
    shape = np.broadcast_shapes(*(np.shape(v) for v in (x1, n1, x2, n2, confidence_level)))
    arrays = [np.asarray(v, dtype=np.float64) for v in (x1, n1, x2, n2)]
    ok, t1, t2, scores = _koopman_pairs(*arrays, _z_crit(confidence_level))
    size = len(ok)
    # the score falls through +z at the lower limit and through -z at the upper one; only
    # the limits that are reported are searched
    rows = np.flatnonzero(np.concatenate([ok & (t1 > 0), ok & (t2 > 0)]))
    lo, width, _ = _search(scores.take(rows))
    found = np.full(2 * size, np.nan)
    found[rows] = _limit(lo, width)
    lower = np.where(t1 > 0, found[:size], 0.0)
    upper = np.where(t2 > 0, found[size:], np.inf)
    return (np.where(ok, lower, np.nan).reshape(shape), np.where(ok, upper, np.nan).reshape(shape))


#: Pairs (category, candidate top) above which no impact-ratio interval is computed.
MAX_PAIRS = 250_000
NO_INTERVAL = (
    "no impact-ratio interval: {g} categories compared, too many candidate tops for the "
    "pairwise intervals"
)


def _candidate_pairs(x: np.ndarray, n: np.ndarray, confidence_level: float):
    """The categories whose candidacy needs a search (against the observed top), and the
    arrays of those searches (the upper limits: target ``-z``)."""
    g = len(x)
    top = int(np.argmax(x / n))
    x_top, n_top = np.full(g, x[top]), np.full(g, n[top])
    ok = (n > 0) & (n_top > 0) & (x + x_top > 0) & (x_top > 0)
    ok[top] = False
    rows = np.flatnonzero(ok)
    zc = np.broadcast_to(_z_crit(confidence_level), (g,))[rows]
    return rows, (x[rows], n[rows], x_top[rows], n_top[rows], -zc)


def _clear_of_one(lo: np.ndarray, width: float) -> np.ndarray:
    """Brackets of log limits that are sure to end on one side of log 1 = 0."""
    return (lo >= _SLACK) | (lo + width <= -_SLACK)


#: Margin by which a score must clear its target for a bracket's end to be certain: far
#: above the rounding error of the score (relative 1e-15, absolute 1e-12 at most).
_SCORE_MARGIN = 1e-7


def _certain_brackets(x1, n1, x2, n2, target) -> tuple[np.ndarray, np.ndarray]:
    """Log values ``a < b`` between which each pair's limit surely lies (``-inf`` or
    ``inf`` where not shown), without a bisection.

    Around the Katz estimate ``log(p1 / p2) - target * se`` of the log limit, the score is
    evaluated at two points per side; an end is certain when its score clears the target by
    :data:`_SCORE_MARGIN` (the score decreases in theta, so every point below ``a`` scores
    above the target and every point above ``b`` below it, in floating point too). The
    bisection's comparisons outside ``[a, b]`` are therefore known, and a pair whose ``a``
    lies above another's ``b`` cannot hold the smaller limit.
    """
    x1, n1, x2, n2, target = (np.asarray(v, dtype=np.float64) for v in (x1, n1, x2, n2, target))
    a = np.full(x1.shape, -np.inf)
    b = np.full(x1.shape, np.inf)
    ok = (x1 > 0) & (x2 > 0)
    if not ok.any():
        return a, b
    x1, n1, x2, n2, target = (v[ok] for v in (x1, n1, x2, n2, target))
    se = np.sqrt(np.maximum(1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2, 0.0))
    guess = np.log(x1 / n1) - np.log(x2 / n2) - target * se
    spread = (se + 1e-3) * (1.0 + np.abs(target))
    m = len(x1)
    got = np.concatenate([np.full(m, -np.inf), np.full(m, np.inf)])  # a, then b
    sign = np.repeat([1.0, -1.0], m)  # the score must be above the target at a, below at b
    every = (np.concatenate((v, v)) for v in (x1, n1, x2, n2, target, guess, spread))
    x1, n1, x2, n2, target, guess, spread = every
    todo = np.arange(2 * m)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for factor in (0.05, 1.0):  # a tight bracket, then a wide one where it failed
            at = guess[todo] - sign[todo] * (factor * spread[todo])
            z = _ratio_score(np.exp(at), x1[todo], n1[todo], x2[todo], n2[todo])
            sure = np.isfinite(z) & (sign[todo] * (z - target[todo]) > _SCORE_MARGIN)
            got[todo[sure]] = at[sure]
            todo = todo[~sure]
            if not len(todo):
                break
    a[ok], b[ok] = got[:m], got[m:]
    return a, b


#: Width of the bisection's brackets after every halving.
_WIDTHS = 2.0 * _LOG_BOUND / 2.0 ** np.arange(_HALVINGS + 1)


def _bracketed_search(arrays, a: np.ndarray, b: np.ndarray, settle=None):
    """:func:`_search` of the pairs of ``arrays``, resumed where their certain brackets
    ``[a, b]`` place them: a bracket inside one cell of the bisection's grid after ``h``
    halvings decides those halvings (every midpoint so far lies below ``a`` or above
    ``b``), so the bisection resumes in that cell. ``settle`` takes positions in
    ``arrays``. Returns ``lo``, the final width and which pairs were followed."""
    size = len(arrays[0])
    lo = np.full(size, -_LOG_BOUND)
    followed = np.zeros(size, dtype=bool)
    sure = np.isfinite(a) & np.isfinite(b)
    fa, fb = np.where(sure, a, 0.0), np.where(sure, b, 0.0)
    cell = -_LOG_BOUND + np.floor((fa[:, None] + _LOG_BOUND) / _WIDTHS) * _WIDTHS
    inside = (cell <= fa[:, None]) & (fb[:, None] <= cell + _WIDTHS) & sure[:, None]
    inside[:, 0] = True
    cell[:, 0] = -_LOG_BOUND
    halvings = np.where(inside.all(axis=1), _HALVINGS, np.argmin(inside, axis=1) - 1)
    for rows in (np.flatnonzero(halvings > 0), np.flatnonzero(halvings == 0)):
        if not len(rows):
            continue
        done = int(halvings[rows].min())
        part_settle = (
            None
            if settle is None
            else (lambda live, lo_, width, rows=rows: settle(rows[live], lo_, width))
        )
        lo[rows], _, followed[rows] = _search(
            _Scores(*(v[rows] for v in arrays)), part_settle, start=(cell[rows, done], done)
        )
    return lo, _WIDTHS[-1], followed


def _candidates(x: np.ndarray, n: np.ndarray, confidence_level: float) -> np.ndarray:
    """Which categories of one table could be the top: the observed top, and those whose
    Koopman interval against it reaches 1 (or that have none). ``x``, ``n``: float arrays.

    The same comparisons as ``ratio_interval(x, n, x_top, n_top, level)[1] >= 1``; a
    category's search stops once its bracket is clear of 1.
    """
    cand = np.ones(len(x), dtype=bool)
    rows, arrays = _candidate_pairs(x, n, confidence_level)
    # a limit surely clear of 1 needs no search (as the search would stop there)
    a, b = _certain_brackets(*arrays)
    cand[rows[a >= _SLACK]] = True
    cand[rows[b <= -_SLACK]] = False
    open_ = (a < _SLACK) & (b > -_SLACK)
    if open_.any():
        lo, width, followed = _bracketed_search(
            [v[open_] for v in arrays],
            a[open_],
            b[open_],
            lambda live, lo, width: ~_clear_of_one(lo, width),
        )
        cand[rows[open_]] = np.where(followed, _limit(lo, width) >= 1.0, lo >= _SLACK)
    return cand


def _bonferroni_levels(cand: np.ndarray, confidence_level: float) -> np.ndarray:
    """Level of each category's pairwise intervals: Bonferroni over the other candidates."""
    m = cand.sum(axis=-1, keepdims=True) - cand  # candidates other than i
    return 1.0 - (1.0 - confidence_level) / np.maximum(m, 1)


def candidate_count(x: np.ndarray, n: np.ndarray, confidence_level: float) -> int:
    """How many categories could be the top (see :func:`impact_ratio_intervals`)."""
    x = np.asarray(x, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    return int(_candidates(x, n, confidence_level).sum())


def _lowest_pairs(x: np.ndarray, n: np.ndarray, confidence_level: float, cand: np.ndarray):
    """The searches that decide the smallest limits of :func:`impact_ratio_intervals`:
    whether some pair's lower limit is 0 (then no lower limit is searched), the arrays of
    the searches and their side (0: lower limit, 1: upper limit)."""
    g = len(x)
    zc_i = _z_crit(_bonferroni_levels(cand, confidence_level))
    j = np.flatnonzero(cand)
    i_of = np.repeat(np.arange(g), len(j))
    j_of = np.tile(j, g)
    use = i_of != j_of
    i_of, j_of = i_of[use], j_of[use]
    x1, n1, x2, n2 = x[i_of], n[i_of], x[j_of], n[j_of]
    ok = (n1 > 0) & (n2 > 0) & (x1 + x2 > 0)
    # a pair without an interval or without a selection in i has the lower limit 0
    low_found = ok & (x1 > 0)
    lowest_zero = bool((~low_found).any())
    high = np.flatnonzero(ok & (x2 > 0))  # the others have no upper limit
    pick = high if lowest_zero else np.concatenate([np.flatnonzero(low_found), high])
    side = np.zeros(len(pick), dtype=np.intp)
    side[len(pick) - len(high) :] = 1
    zc = zc_i[i_of[pick]]
    arrays = (x1[pick], n1[pick], x2[pick], n2[pick], np.where(side == 0, zc, -zc))
    return lowest_zero, arrays, side


def _not_above_lowest(side: np.ndarray, lo: np.ndarray, width: float) -> np.ndarray:
    """Brackets that may still hold the smallest limit of their side (or one below 1)."""
    bound = np.zeros(2)  # min(1, ...): log 1 = 0 bounds both sides
    np.minimum.at(bound, side, lo + width)
    return lo <= bound[side] + _SLACK


def _lowest_of(
    lowest_zero: bool, side: np.ndarray, lo: np.ndarray, width: float, followed: np.ndarray
) -> tuple[float, float]:
    out = [0.0 if lowest_zero else 1.0, 1.0]
    for k in (0, 1):
        done = followed & (side == k)
        if done.any():
            out[k] = min(1.0, float(_limit(lo[done], width).min()))
    return out[0], out[1]


def lowest_impact_ratio_bounds(
    x: np.ndarray, n: np.ndarray, confidence_level: float, cand: np.ndarray | None = None
) -> tuple[float, float]:
    """The smallest lower and the smallest upper limit of :func:`impact_ratio_intervals` of
    one table (``lower.min()``, ``upper.min()``), computed without every pairwise interval:
    a pair's search stops once its bracket lies above a limit another pair is sure to stay
    below (or above 1); the limits that decide are searched to the end, exactly as there.
    """
    x = np.asarray(x, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    if cand is None:
        cand, lowest = _candidates_and_lowest(x, n, confidence_level)
        return lowest
    lowest_zero, arrays, side = _lowest_pairs(x, n, confidence_level, cand)
    # pairs whose limit surely lies above another's (or above 1) cannot be the smallest:
    # the search would drop them too, and they never bound the others
    a, b = _certain_brackets(*arrays)
    bound = np.zeros(2)  # min(1, ...): log 1 = 0 bounds both sides
    np.minimum.at(bound, side, b)
    keep = a <= bound[side] + _SLACK
    side = side[keep]
    lo, width, followed = _bracketed_search(
        [v[keep] for v in arrays],
        a[keep],
        b[keep],
        lambda live, lo, width: _not_above_lowest(side[live], lo, width),
    )
    return _lowest_of(lowest_zero, side, lo, width, followed)


def _candidates_and_lowest(
    x: np.ndarray, n: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, tuple[float, float]]:
    """:func:`_candidates` and :func:`lowest_impact_ratio_bounds` of one table."""
    cand = _candidates(x, n, confidence_level)
    return cand, lowest_impact_ratio_bounds(x, n, confidence_level, cand)


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
    if x.ndim == 1:  # one table: only the pairs with a candidate top (often a few)
        return _table_intervals(x, n, confidence_level, _candidates(x, n, confidence_level))
    top = np.argmax(x / n, axis=-1)[..., None]
    x_top = np.take_along_axis(x, top, axis=-1)
    n_top = np.take_along_axis(n, top, axis=-1)
    _, up = ratio_interval(x, n, x_top, n_top, confidence_level)
    cand = (np.nan_to_num(up, nan=np.inf) >= 1.0) | (np.arange(g) == top)
    level = 1.0 - alpha / np.maximum(cand.sum(axis=-1, keepdims=True) - cand, 1)
    # pairs (i, j): axis -2 is i, axis -1 is j
    lo, hi = ratio_interval(
        x[..., :, None], n[..., :, None], x[..., None, :], n[..., None, :], level[..., :, None]
    )
    use = cand[..., None, :] & ~np.eye(g, dtype=bool)
    lo = np.where(use, np.nan_to_num(lo, nan=0.0), np.inf)
    hi = np.where(use, np.nan_to_num(hi, nan=np.inf), np.inf)
    return np.minimum(1.0, lo.min(axis=-1)), np.minimum(1.0, hi.min(axis=-1))


def _table_intervals(
    x: np.ndarray, n: np.ndarray, confidence_level: float, cand: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`impact_ratio_intervals` of one table whose candidate tops are known."""
    g = len(x)
    level = _bonferroni_levels(cand, confidence_level)
    j = np.flatnonzero(cand)
    lo, hi = ratio_interval(x[:, None], n[:, None], x[None, j], n[None, j], level[:, None])
    use = np.arange(g)[:, None] != j[None, :]
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


@lru_cache(maxsize=64)
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
    out, _ = _four_fifths_columns(
        selected,
        applicants,
        include=include,
        threshold=threshold,
        confidence_level=confidence_level,
        z_threshold=z_threshold,
        min_count=min_count,
        excluded_reason=excluded_reason,
        fisher_all=fisher_all,
        correction=correction,
    )
    # one frame from all the columns (setting them one by one costs more than the tests)
    return pd.DataFrame(
        {c: out[c] for c in COLUMNS}, index=pd.Index(list(categories), name="category")
    )


def _four_fifths_columns(
    selected: np.ndarray,
    applicants: np.ndarray,
    *,
    include: np.ndarray | None = None,
    threshold: float = FOUR_FIFTHS,
    confidence_level: float = 0.95,
    z_threshold: float = Z_SIGNIFICANT,
    min_count: int = MIN_COUNT,
    excluded_reason: str = "excluded from the impact ratios",
    fisher_all: bool = True,
    lowest_only: bool = False,
    correction: str = "holm",
) -> tuple[dict[str, Any], tuple[float, float] | None]:
    """The columns of :func:`four_fifths_table` (arrays by name), and, with
    ``lowest_only``, instead of each category's impact-ratio interval (left NaN) the
    smallest lower and upper limits (:func:`lowest_impact_ratio_bounds`; None when the
    intervals are not computed). ``lowest_only`` (the audit's criterion, which reads the
    verdicts, ratios and tests) also leaves out the exact rate intervals (NaN), the
    shortfalls (-1) and the one-selection flips (False)."""
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
    r_lo, r_hi = (
        (np.full(g, np.nan), np.full(g, np.nan)) if lowest_only else clopper_pearson(x, n, level)
    )
    comparable = inc & (n > 0)
    out: dict[str, Any] = {
        "applicants": n,
        "selected": x,
        "rate": rate,
        "rate_lower": r_lo,
        "rate_upper": r_hi,
    }
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
    lowest = None
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
            xf, nf = x[idx].astype(np.float64), n[idx].astype(np.float64)
            if lowest_only and len(idx) ** 2 <= MAX_PAIRS:
                cand, lowest = _candidates_and_lowest(xf, nf, level)
            else:
                cand = _candidates(xf, nf, level)
            if len(idx) * int(cand.sum()) <= MAX_PAIRS:
                if lowest_only and lowest is None:
                    lowest = lowest_impact_ratio_bounds(xf, nf, level, cand)
                elif not lowest_only:
                    lo, hi = _table_intervals(xf, nf, level, cand)
                    cols["impact_ratio_lower"][idx] = lo
                    cols["impact_ratio_upper"][idx] = hi
            else:  # memory and time grow with categories x candidate tops
                lowest = None
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
            if not lowest_only:
                short[idx] = shortfall(x[idx], n[idx], x_top, n_top, t)
            for i in idx:
                below = _below(int(x[i]), int(n[i]), x_top, n_top, f)
                if i == k:
                    verdict[i] = "not_below"
                    reason[i] = "the highest rate of the table: the impact ratios' denominator"
                    continue
                if below:
                    flips[i] = short[i] == 1  # False without shortfalls (lowest_only)
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
                    flips[i] = (
                        not lowest_only
                        and x[i] > 0
                        and _below(int(x[i]) - 1, int(n[i]), x_top, n_top, f)
                    )
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
    return out, lowest
