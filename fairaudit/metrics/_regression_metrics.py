"""The metrics of a regression audit: what they are called, and how they are computed.

Mean-based metrics are functions of the moments of :mod:`._regression_stats` (they broadcast
over leading axes such as bootstrap replicates). Distribution metrics (quantiles, the share
above the overall median, Kolmogorov-Smirnov and Wasserstein-1 distances) are computed
exactly from the sorted rows, and from point masses of the histogram in the bootstrap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._regression_stats import (
    ABS_ERROR,
    ERROR,
    ERROR2,
    ERROR4,
    PRED,
    PRED2,
    PRED2_C,
    PRED3_C,
    PRED4_C,
    PRED_C,
    TRUE,
    TRUE2,
    W2,
    W,
)


@dataclass(frozen=True)
class RegressionMetric:
    """A group metric of a regression audit.

    ``family`` is ``"moments"`` (a function of the weighted moments) or ``"distribution"``
    (of the distribution of the predictions); ``nonnegative`` says whether a ratio of two
    groups' values means something; ``test`` names the test against the reference group
    (``"welch"`` on the rows' values, or ``""`` for none).
    """

    name: str
    label: str
    description: str
    family: str
    nonnegative: bool = False
    test: str = ""


REGRESSION_METRICS: dict[str, RegressionMetric] = {
    m.name: m
    for m in [
        RegressionMetric("count", "Count", "number of rows", "moments"),
        RegressionMetric(
            "mean_prediction", "Mean prediction", "weighted mean of ŷ", "moments", test="welch"
        ),
        RegressionMetric(
            "mean_outcome", "Mean outcome", "weighted mean of y", "moments", test="welch"
        ),
        RegressionMetric(
            "mean_error",
            "Mean error (ŷ − y)",
            "weighted mean of ŷ − y: positive when the group is over-predicted",
            "moments",
            test="welch",
        ),
        RegressionMetric(
            "mean_absolute_error",
            "Mean absolute error",
            "weighted mean of |ŷ − y|",
            "moments",
            nonnegative=True,
            test="welch",
        ),
        RegressionMetric(
            "mean_squared_error",
            "Mean squared error",
            "weighted mean of (ŷ − y)²",
            "moments",
            nonnegative=True,
            test="welch",
        ),
        RegressionMetric(
            "root_mean_squared_error",
            "Root mean squared error",
            "square root of the mean squared error",
            "moments",
            nonnegative=True,
        ),
        RegressionMetric(
            "r2", "R²", "1 − squared error / variance of y within the group", "moments"
        ),
        RegressionMetric(
            "prediction_q10", "Prediction, 10th percentile", "10th percentile of ŷ", "distribution"
        ),
        RegressionMetric("median_prediction", "Median prediction", "median of ŷ", "distribution"),
        RegressionMetric(
            "prediction_q90", "Prediction, 90th percentile", "90th percentile of ŷ", "distribution"
        ),
        RegressionMetric(
            "share_above_median",
            "Share above the median (scoring rate)",
            "share of the group's predictions strictly above the overall median of "
            "the predictions (the NYC Local Law 144 scoring rate)",
            "distribution",
            nonnegative=True,
        ),
    ]
}

#: Distances between the distributions of two groups' predictions (to_reference and
#: disparities rows besides the group metrics).
DISTANCES: dict[str, RegressionMetric] = {
    m.name: m
    for m in [
        RegressionMetric(
            "standardized_mean_difference",
            "Standardized mean difference (d)",
            "difference of mean predictions over the pooled standard deviation (Cohen's d)",
            "moments",
            test="welch",
        ),
        RegressionMetric(
            "ks_distance",
            "Kolmogorov–Smirnov distance",
            "largest gap between the two groups' distribution functions of ŷ",
            "distribution",
            nonnegative=True,
            test="ks",
        ),
        RegressionMetric(
            "wasserstein_distance",
            "Wasserstein-1 distance",
            "area between the two groups' distribution functions of ŷ (in units of ŷ)",
            "distribution",
            nonnegative=True,
        ),
    ]
}

QUANTILES = {"prediction_q10": 0.1, "median_prediction": 0.5, "prediction_q90": 0.9}
MOMENT_METRICS = tuple(m for m, d in REGRESSION_METRICS.items() if d.family == "moments")


def regression_label(name: str) -> str:
    """Readable label of a regression metric or distance (the name as words otherwise)."""
    found = REGRESSION_METRICS.get(name) or DISTANCES.get(name)
    return found.label if found else name.replace("_", " ").capitalize()


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def effective_n(m: np.ndarray) -> np.ndarray:
    """Kish effective number of rows, W² / Σw² (the rows without weights)."""
    return _div(m[..., W] ** 2, m[..., W2])


def outcome_ss(m: np.ndarray) -> np.ndarray:
    """Weighted sum of squares of y about its group mean (R²'s denominator)."""
    return np.maximum(m[..., TRUE2] - _div(m[..., TRUE] ** 2, m[..., W]), 0.0)


#: The weighted means among the metrics of :func:`moment_metrics`: the moment each one
#: divides by the total weight.
_MEANS = {
    "mean_prediction": PRED,
    "mean_outcome": TRUE,
    "mean_error": ERROR,
    "mean_absolute_error": ABS_ERROR,
    "mean_squared_error": ERROR2,
}


def moment_metrics(m: np.ndarray, n: np.ndarray) -> dict[str, np.ndarray]:
    """Every mean-based metric from moments of shape (..., n_moments) and row counts."""
    w = m[..., W]
    means = {name: _div(m[..., k], w) for name, k in _MEANS.items()}
    ss = outcome_ss(m)
    # R² needs outcomes that vary: a sum of squares at rounding level counts as zero
    varies = ss > 1e-12 * np.maximum(m[..., TRUE2], np.finfo(float).tiny)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(varies, 1.0 - m[..., ERROR2] / np.where(varies, ss, 1.0), np.nan)
    return {
        "count": np.broadcast_to(np.asarray(n, dtype=np.float64), w.shape).copy(),
        **means,
        "root_mean_squared_error": np.sqrt(means["mean_squared_error"]),
        "r2": r2,
    }


def moment_metric(m: np.ndarray, name: str) -> np.ndarray:
    """One metric of :func:`moment_metrics` (``count`` aside), the same values, without
    computing the others."""
    if name in _MEANS:
        return _div(m[..., _MEANS[name]], m[..., W])
    return moment_metrics(m, np.ones(m.shape[:-1]))[name]


#: Per Welch-tested metric: the moments of the row value x (sum w x, sum w x²).
_WELCH_MOMENTS = {
    "mean_prediction": (PRED, PRED2),
    "mean_outcome": (TRUE, TRUE2),
    "mean_error": (ERROR, ERROR2),
    "mean_absolute_error": (ABS_ERROR, ERROR2),
    "mean_squared_error": (ERROR2, ERROR4),
}


def mean_and_variance(m: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted mean, unbiased variance (on the Kish effective size) and effective size of the
    row values behind a Welch-tested metric."""
    first, second = _WELCH_MOMENTS[metric]
    w = m[..., W]
    mean = _div(m[..., first], w)
    biased = np.maximum(_div(m[..., second], w) - mean**2, 0.0)
    n_eff = effective_n(m)
    var = np.where(n_eff > 1, biased * _div(n_eff, n_eff - 1), np.nan)
    return mean, var, n_eff


def smd_matrix(m: np.ndarray) -> np.ndarray:
    """Cohen's d of every pair of groups (row group minus column group), moments (..., G, k).

    d = (mean_i - mean_j) / s_pooled with s²_pooled = ((n_i-1)s²_i + (n_j-1)s²_j) /
    (n_i + n_j - 2), the sample variances and sizes taken on Kish effective sizes.
    """
    mean, var, n_eff = mean_and_variance(m, "mean_prediction")
    ss = np.where(n_eff > 1, (n_eff - 1) * var, 0.0)  # (n - 1) s² = n × biased variance
    num = ss[..., :, None] + ss[..., None, :]
    den = n_eff[..., :, None] + n_eff[..., None, :] - 2.0
    pooled = _div(num, den)
    diff = mean[..., :, None] - mean[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pooled > 0, diff / np.sqrt(np.where(pooled > 0, pooled, 1.0)), np.nan)


def mean_se(m: np.ndarray, metric: str) -> np.ndarray:
    """Standard error of the weighted mean behind a Welch-tested metric (Kish sizes)."""
    _, var, n_eff = mean_and_variance(m, metric)
    return np.sqrt(_div(var, n_eff))


def group_variance(m: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`mean_and_variance` of each group (moments ``(..., G, k)``), where a group
    whose values do not vary takes the variance of all its groups' rows pooled.

    A group of a few rows that are all equal (a small group predicted without error, say)
    shows no spread, but that is no evidence that its values cannot vary: a variance of 0
    would make its intervals a single point and its tests certain. The pooled variance
    (which also holds the differences between the groups' means) stands in for it. Where
    no row varies at all (every prediction exact), nothing estimates the spread: the
    variance is unknown (NaN), and so are the intervals and tests that rest on it.
    """
    mean, var, n_eff = mean_and_variance(m, metric)
    _, pooled, _ = mean_and_variance(m.sum(axis=-2, keepdims=True), metric)
    pooled = np.where(pooled > 0, pooled, np.nan)
    return mean, np.where(var == 0, np.broadcast_to(pooled, var.shape), var), n_eff


def group_se(m: np.ndarray, metric: str) -> np.ndarray:
    """Standard error of each group's mean, with :func:`group_variance`."""
    _, var, n_eff = group_variance(m, metric)
    return np.sqrt(_div(var, n_eff))


def central_moments(m: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weighted mean, variance (biased), third and fourth central moments of ŷ, from the
    powers of ŷ - c (``c`` cancels)."""
    w = m[..., W]
    m1, m2, m3, m4 = (_div(m[..., j], w) for j in (PRED_C, PRED2_C, PRED3_C, PRED4_C))
    var = np.maximum(m2 - m1**2, 0.0)
    mu3 = m3 - 3 * m1 * m2 + 2 * m1**3
    mu4 = np.maximum(m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4, 0.0)
    return m1, var, mu3, mu4


def smd_se_matrix(m: np.ndarray) -> np.ndarray:
    """Standard error of Cohen's d of every pair of groups (as :func:`smd_matrix`), by the
    delta method with the groups' skewness and kurtosis (no normality assumed):
    ``Var d = Var Δ / s² - Δ Cov(Δ, s²) / s⁴ + Δ² Var s² / (4 s⁶)`` with
    ``Var Δ = s²_i / n_i + s²_j / n_j``, ``Cov(Δ, s²) = (μ3_i - μ3_j) / N`` and
    ``Var s² = (n_i (μ4_i - σ⁴_i) + n_j (μ4_j - σ⁴_j)) / N²`` (``N = n_i + n_j``). For normal
    predictions this is the familiar ``1/n_i + 1/n_j + d² / (2N)``."""
    _, var_b, mu3, mu4 = central_moments(m)
    mean, var, n_eff = mean_and_variance(m, "mean_prediction")
    ss = np.where(n_eff > 1, (n_eff - 1) * var, 0.0)
    big_n = n_eff[..., :, None] + n_eff[..., None, :]
    s2 = _div(ss[..., :, None] + ss[..., None, :], big_n - 2.0)
    diff = mean[..., :, None] - mean[..., None, :]
    se2 = _div(var, n_eff)
    var_diff = se2[..., :, None] + se2[..., None, :]
    cov = _div(mu3[..., :, None] - mu3[..., None, :], big_n)
    extra = n_eff * np.maximum(mu4 - var_b**2, 0.0)
    var_s2 = _div(extra[..., :, None] + extra[..., None, :], big_n**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = var_diff / s2 - diff * cov / s2**2 + diff**2 * var_s2 / (4 * s2**3)
        return np.where(s2 > 0, np.sqrt(np.maximum(v, 0.0)), np.nan)


def welch_pvalues(m: np.ndarray, metric: str, ref: int) -> np.ndarray:
    """Two-sided Welch t-test p-values of each group's mean against the reference's."""
    from scipy import stats

    mean, var, n_eff = group_variance(m, metric)
    se2 = _div(var, n_eff)
    s = se2 + se2[ref]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (mean - mean[ref]) / np.sqrt(s)
        dof = s**2 / (_div(se2**2, n_eff - 1) + _div(se2[ref] ** 2, n_eff[ref] - 1))
    p = 2.0 * stats.t.sf(np.abs(t), dof)
    # no spread in any row (group_variance: NaN) leaves the test undefined
    p = np.where(np.isfinite(t) & np.isfinite(dof) & (s > 0), p, np.nan)
    p[ref] = np.nan
    return p


# ------------------------------------------------------------------ exact, from the rows
@dataclass(frozen=True)
class ValueOrder:
    """The predictions sorted once (``x``; ``w`` their weights, ``order`` the rows): the
    same for every attribute of an audit, since it does not depend on the groups."""

    order: np.ndarray
    x: np.ndarray
    w: np.ndarray
    weighted: bool

    @classmethod
    def of(cls, y_pred: np.ndarray, weight: np.ndarray | None) -> ValueOrder:
        order = np.argsort(y_pred, kind="stable")
        w = np.ones(len(y_pred)) if weight is None else weight[order]
        # weights that vary change the definition of the quantiles (numpy's inverted_cdf)
        weighted = weight is not None and not np.all(weight == weight[0])
        return cls(order, y_pred[order], w, weighted)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of all predictions (:func:`weighted_quantile`)."""
        return weighted_quantile(self.x, self.w, q, self.weighted)

    def share_above(self, cut: float) -> float:
        """Weighted share of all predictions strictly above ``cut``."""
        return float(
            _div(
                np.einsum("i,i->", self.w, (self.x > cut).astype(np.float64)),
                np.asarray(self.w.sum()),
            )
        )


@dataclass(frozen=True)
class SortedRows:
    """The rows sorted by prediction (``vx``, ``vc``, ``vw``: value, group, weight), and by
    group then prediction (``codes``, ``pred``, ``weight``; ``gpos`` their positions in the
    value order): what the exact distribution metrics need. One sort of the predictions and
    one stable radix sort of the small group codes, not a sort by two keys."""

    codes: np.ndarray
    pred: np.ndarray
    weight: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    weighted: bool
    vx: np.ndarray
    vc: np.ndarray
    vw: np.ndarray
    gpos: np.ndarray

    @classmethod
    def build(
        cls, codes: np.ndarray, n_groups: int, y_pred: np.ndarray, weight: np.ndarray | None
    ) -> SortedRows:
        return cls.from_values(codes, n_groups, ValueOrder.of(y_pred, weight))

    @classmethod
    def from_values(cls, codes: np.ndarray, n_groups: int, values: ValueOrder) -> SortedRows:
        """The rows of ``values`` by group (``codes`` per row; rows coded -1 are left out)."""
        vc = codes[values.order]
        vx, vw = values.x, values.w
        if len(vc) and vc.min() < 0:
            keep = vc >= 0
            vc, vx, vw = vc[keep], vx[keep], vw[keep]
        small = np.int16 if n_groups < 2**15 else np.int64
        # stable: within a group the rows stay in the order of their predictions
        gpos = np.argsort(vc.astype(small, copy=False), kind="stable")
        sizes = np.bincount(vc, minlength=n_groups)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        return cls(vc[gpos], vx[gpos], vw[gpos], starts, sizes, values.weighted, vx, vc, vw, gpos)

    def group(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        sl = slice(self.starts[g], self.starts[g] + self.sizes[g])
        return self.pred[sl], self.weight[sl]

    def positions(self, g: int) -> np.ndarray:
        """The positions of group ``g``'s rows in the value order, increasing."""
        return self.gpos[self.starts[g] : self.starts[g] + self.sizes[g]]


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float, weighted: bool) -> float:
    """Quantile of sorted values: numpy's default (linear) without weights, numpy's
    ``inverted_cdf`` with weights that vary (the smallest value whose cumulative weight
    reaches ``q`` of the total). NaN when there is no weight."""
    if len(x) == 0:
        return np.nan
    if not weighted:
        h = (len(x) - 1) * q
        lo = int(np.floor(h))
        hi = min(lo + 1, len(x) - 1)
        return float(x[lo] + (h - lo) * (x[hi] - x[lo]))
    cum = np.cumsum(w)
    if not cum[-1] > 0:
        return np.nan
    k = int(np.searchsorted(cum / cum[-1], q, side="left"))
    # rows of zero weight at the start carry no probability
    return float(x[min(k, len(x) - 1)])


def group_quantiles(rows: SortedRows, q: float) -> np.ndarray:
    """The ``q`` quantile of each group's predictions (a loop over groups, not rows)."""
    return np.array(
        [weighted_quantile(*rows.group(g), q, rows.weighted) for g in range(len(rows.sizes))]
    )


def share_above(rows: SortedRows, cut: float) -> np.ndarray:
    """Weighted share of each group's predictions strictly above ``cut``."""
    g = len(rows.sizes)
    above = np.bincount(rows.codes, weights=rows.weight * (rows.pred > cut), minlength=g)
    total = np.bincount(rows.codes, weights=rows.weight, minlength=g)
    return _div(above, total)


def distance_tables(
    rows: SortedRows, ref: int, *, pairwise_limit: int = 60, chunk: int | None = None
) -> dict[str, np.ndarray]:
    """Exact Kolmogorov-Smirnov and Wasserstein-1 distances between distribution functions of
    the predictions, weighted: each group to the reference and to all rows pooled, and the
    largest between any two groups (Wasserstein pairs only up to ``pairwise_limit`` groups;
    NaN beyond).

    The distribution functions of every group are evaluated on the sorted predictions in
    chunks, as a (groups x values) array: one cumulative sum per chunk gives the distances to
    the reference and to all rows and the largest KS distance between two groups (the spread
    of the groups' distribution functions at each value). The largest Wasserstein distance
    between two groups is exact without computing every pair: a pair is merged (cost of its
    two groups' rows) only while its upper bound by the triangle inequality (through the
    reference or through all rows) exceeds the largest distance found so far.
    """
    g = len(rows.sizes)
    chunk = chunk or max(1024, (1 << 19) // max(g, 1))
    x, codes, w = rows.vx, rows.vc, rows.vw
    totals = np.bincount(codes, weights=w, minlength=g)
    present = totals > 0
    inv = np.where(present, 1.0 / np.where(present, totals, 1.0), 0.0)
    grand = totals.sum()
    n = len(x)
    last = np.ones(n, dtype=bool)
    last[:-1] = x[1:] != x[:-1]  # the last row of each distinct value
    all_distinct = bool(last.all())
    gap = np.zeros(n)
    gap[:-1] = np.diff(x)
    ks_ref, ks_all, w1_ref, w1_all = (np.zeros(g) for _ in range(4))
    ks_pairs = 0.0
    carry = np.zeros((g, 1))
    carry_all = 0.0
    cols = np.flatnonzero(present)
    for s in range(0, n, chunk):
        e = min(s + chunk, n)
        m = e - s
        cc = codes[s:e]
        f = np.zeros((g, m))
        f[cc, np.arange(m)] = w[s:e] * inv[cc]
        np.cumsum(f, axis=1, out=f)
        f += carry
        carry = f[:, -1:].copy()
        f_all = np.cumsum(w[s:e]) / grand + carry_all
        carry_all = float(f_all[-1])
        dx = gap[s:e]
        if not all_distinct:  # between tied rows the functions are not yet complete
            keep = last[s:e]
            f, f_all, dx = f[:, keep], f_all[keep], dx[keep]
        d = f - f[ref]
        np.abs(d, out=d)
        np.maximum(ks_ref, d.max(axis=1, initial=0.0), out=ks_ref)
        # einsum, not BLAS: a threaded dot product stalls on a busy machine
        w1_ref += np.einsum("gk,k->g", d, dx)
        np.subtract(f, f_all, out=d)
        np.abs(d, out=d)
        np.maximum(ks_all, d.max(axis=1, initial=0.0), out=ks_all)
        w1_all += np.einsum("gk,k->g", d, dx)
        fp = f if len(cols) == g else f[cols]
        if fp.shape[0] > 1 and fp.shape[1]:
            ks_pairs = max(ks_pairs, float((fp.max(axis=0) - fp.min(axis=0)).max()))
    empty = ~present
    for arr in (ks_ref, ks_all, w1_ref, w1_all):
        arr[empty] = np.nan
    if empty[ref]:
        ks_ref[:] = np.nan
        w1_ref[:] = np.nan
    enough = present.sum() >= 2
    w1_between = np.nan
    if enough and g <= pairwise_limit:
        w1_between = _largest_wasserstein(rows, w1_ref, w1_all)
    return {
        "ks_to_reference": ks_ref,
        "ks_to_overall": ks_all,
        "wasserstein_to_reference": w1_ref,
        "wasserstein_to_overall": w1_all,
        "ks_between": np.array(ks_pairs if enough else np.nan),
        "wasserstein_between": np.array(w1_between),
    }


def _largest_wasserstein(rows: SortedRows, to_ref: np.ndarray, to_all: np.ndarray) -> float:
    """The largest exact Wasserstein-1 distance between two groups with weight, by branch and
    bound: pairs in decreasing order of their upper bound ``min(W(i, r) + W(r, j),
    W(i, all) + W(all, j))``; the search stops once no remaining bound exceeds the best."""
    groups = np.flatnonzero(np.isfinite(to_all))
    i, j = np.triu_indices(len(groups), k=1)
    i, j = groups[i], groups[j]
    with np.errstate(invalid="ignore"):
        upper = np.fmin(to_ref[i] + to_ref[j], to_all[i] + to_all[j])
    upper = np.where(np.isfinite(upper), upper, np.inf)
    order = np.argsort(-upper, kind="stable")
    best = -np.inf
    for k in order:
        if upper[k] <= best:
            break
        best = max(best, _wasserstein_pair(rows, int(i[k]), int(j[k])))
    return float(best) if np.isfinite(best) else np.nan


def _wasserstein_pair(rows: SortedRows, i: int, j: int) -> float:
    """Wasserstein-1 distance of two groups: the area between their distribution functions,
    on the union of their values (merged from their positions in the value order: a merge of
    two increasing runs, cost of the two groups only)."""
    pi, pj = rows.positions(i), rows.positions(j)
    wi, wj = rows.vw[pi], rows.vw[pj]
    si, sj = wi.sum(), wj.sum()
    if not (si > 0 and sj > 0):
        return np.nan
    both = np.concatenate([pi, pj])
    order = np.argsort(both, kind="stable")  # timsort: one merge of the two runs
    xs = rows.vx[both[order]]
    # the difference of the two distribution functions after each value (between tied
    # values the gap dx is 0, so the order of ties does not matter)
    step = np.concatenate([wi / si, -wj / sj])[order]
    return float(np.einsum("i,i->", np.abs(np.cumsum(step[:-1])), np.diff(xs)))


def ks_pvalues(rows: SortedRows, ks: np.ndarray, ref: int) -> np.ndarray:
    """Two-sided Kolmogorov-Smirnov test of each group's predictions against the reference's:
    scipy's ``ks_2samp`` (exact for small groups) without weights, and for large pairs its
    asymptotic p-value ``kstwo.sf(d, round(n m / (n + m)))`` from the exact distance, in one
    call; with weights, the asymptotic distribution of the distance on Kish effective
    sizes."""
    from scipy import stats

    g = len(rows.sizes)
    p = np.full(g, np.nan)
    xr, wr = rows.group(ref)
    n_ref = len(xr)
    ok = (np.arange(g) != ref) & (rows.sizes > 0) & (n_ref > 0) & np.isfinite(ks)
    if not rows.weighted:
        sizes = rows.sizes.astype(np.float64)
        large = ok & (sizes * n_ref > 1_000_000)
        if large.any():
            en = sizes[large] * n_ref / (sizes[large] + n_ref)
            p[large] = np.clip(stats.kstwo.sf(ks[large], np.round(en)), 0.0, 1.0)
        with warnings.catch_warnings():
            # where the exact distribution fails scipy uses the asymptotic one, as it says
            warnings.filterwarnings(
                "ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning
            )
            for j in np.flatnonzero(ok & ~large):
                p[j] = float(stats.ks_2samp(rows.group(j)[0], xr, method="auto").pvalue)
        return p
    wsum = np.bincount(rows.codes, weights=rows.weight, minlength=g)
    w2sum = np.bincount(rows.codes, weights=rows.weight**2, minlength=g)
    ok &= (wsum > 0) & (wsum[ref] > 0)
    if ok.any():
        n1 = wsum[ok] ** 2 / w2sum[ok]
        n2 = wsum[ref] ** 2 / w2sum[ref]
        en = n1 * n2 / (n1 + n2)
        p[ok] = stats.kstwo.sf(ks[ok], np.maximum(1, np.round(en)))
    return p


# ------------------------------------------------------------------ from point masses
def mass_quantile(cum: np.ndarray, support: np.ndarray, q: float) -> np.ndarray:
    """Quantile (inverted cdf) of point masses with cumulative weights ``cum`` (..., K)."""
    total = cum[..., -1:]
    k = (cum < q * total).sum(axis=-1)
    out = support[np.minimum(k, len(support) - 1)]
    return np.where(total[..., 0] > 0, out, np.nan)


def mass_distances(
    cdf: np.ndarray, support: np.ndarray, ref: int, pairwise: bool
) -> dict[str, np.ndarray]:
    """The distances of :func:`distance_tables` from distribution functions on point masses,
    ``cdf`` of shape (B, G, K) (NaN rows for groups without weight), pooled cdf last."""
    dx = np.append(np.diff(support), 0.0)
    groups, pooled = cdf[:, :-1, :], cdf[:, -1:, :]
    d_ref = np.abs(groups - groups[:, ref : ref + 1, :])
    d_all = np.abs(groups - pooled)
    out = {
        "ks_to_reference": d_ref.max(axis=-1),
        "ks_to_overall": d_all.max(axis=-1),
        "wasserstein_to_reference": np.einsum("...k,k->...", d_ref, dx),
        "wasserstein_to_overall": np.einsum("...k,k->...", d_all, dx),
    }
    with np.errstate(invalid="ignore"):
        hi = np.fmax.reduce(groups, axis=1)
        lo = np.fmin.reduce(groups, axis=1)
    out["ks_between"] = (hi - lo).max(axis=-1)
    if pairwise:
        out["wasserstein_between"] = _largest_mass_wasserstein(
            groups, dx, out["wasserstein_to_reference"], out["wasserstein_to_overall"]
        )
    else:
        out["wasserstein_between"] = np.full(cdf.shape[0], np.nan)
    return out


def _largest_mass_wasserstein(
    groups: np.ndarray, dx: np.ndarray, to_ref: np.ndarray, to_all: np.ndarray
) -> np.ndarray:
    """The largest Wasserstein-1 distance between two groups of each replicate, exact, by
    branch and bound as :func:`_largest_wasserstein`: every replicate's pairs in decreasing
    order of their bound ``min(W(i, r) + W(r, j), W(i, all) + W(all, j))`` (the triangle
    inequality), one pair of every replicate still open per round, until no remaining bound
    of a replicate exceeds its largest distance. ``groups``: the distribution functions
    (B, G, K), NaN for a group without weight (its pairs are left out); ``to_ref``,
    ``to_all``: the distances to the reference and to all rows (B, G). A few rounds of B
    pairs replace the G (G - 1) / 2 pairs of every replicate."""
    b, g, _ = groups.shape
    i, j = np.triu_indices(g, k=1)
    best = np.full(b, -np.inf)
    if len(i):
        with np.errstate(invalid="ignore"):
            upper = np.fmin(to_ref[:, i] + to_ref[:, j], to_all[:, i] + to_all[:, j])
        upper = np.where(np.isfinite(upper), upper, -np.inf)  # a group without weight
        order = np.argsort(-upper, axis=1, kind="stable")
        bound = np.take_along_axis(upper, order, axis=1)
        open_ = bound[:, 0] > -np.inf
        for r in range(len(i)):
            rep = np.flatnonzero(open_)
            if not len(rep):
                break
            pair = order[rep, r]
            d = np.abs(groups[rep, i[pair]] - groups[rep, j[pair]])
            best[rep] = np.fmax(best[rep], np.einsum("ak,k->a", d, dx))
            if r + 1 < len(i):
                open_[rep] = bound[rep, r + 1] > best[rep]
    return np.where(np.isfinite(best), best, np.nan)
