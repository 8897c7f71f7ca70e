"""Bayesian bootstrap of the confusion cells, drawn and summarised one chunk of groups at a time.

Every replicate gives each cell ``c`` of each group ``g`` a random total

    T_gc = s_g * (G_gc + prior_gc),    G_gc ~ Gamma(k_gc, 1),

where ``k_gc`` is the cell's row count without weights, and with weights its weight in units
of the group's effective row weight ``s_g = sum w^2 / sum w`` (so the group's ``k`` add up to
its Kish effective size ``(sum w)^2 / sum w^2``); ``s_g = 1`` without weights. The prior part
puts half a pseudo-row on each side of every rate, from one standard normal ``Z_gc`` per cell
and replicate: ``Z_gc^2 / 2 ~ Gamma(1/2)`` for a rate of one cell over two (TP / (TP + FN)),
and ``(Z_gi + Z_gj)^2 / 4 ~ Gamma(1/2)`` for a pair of cells (FP + TP over all four). So the
replicates of every rate are exactly draws from its Jeffreys posterior
``Beta(x + 1/2, m - x + 1/2)`` (``x`` of ``m`` rows; effective counts with weights): a cell
with no rows still varies, and a group with 0 of 3 positives found gets an interval up to
0.54 for its true positive rate. This is Rubin's (1981) Bayesian bootstrap of the rows,
stratified by group, with a Jeffreys prior; its intervals are the equal-tailed Jeffreys
intervals (Brown, Cai and DasGupta, 2001).

The overall replicate is the sum of the groups' data parts ``s_g G_gc`` plus one prior part
of its own, so many small groups do not add up to a large prior.

Replicates are never stored for all groups at once. Groups are drawn in chunks (the
reference group first, then the others in order), and each chunk is reduced to what the
audit reports: per-group percentile intervals, intervals of each group's difference and
ratio to the reference, and, per replicate, the largest and smallest centred deviation of
any group (from which the simultaneous intervals of spreads are computed). The data parts
(exponential draws for one-row cells, gamma draws for the others) and the prior normals
come from three generators spawned from the audit's, each consumed group by group, so the
results are identical whatever the chunk size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._intervals import (
    hold_value,
    jeffreys_interval,
    ratio_zero_upper,
    row_percentiles,
    sorted_percentiles,
    spread_bounds,
    spread_quantile,
)
from ._registry import RATES, rate_parts
from ._stats import ConfusionStats

#: Replicate values (groups x replicates) held in memory per chunk, per array.
CHUNK_VALUES = 1 << 16


def cell_shapes(stats: ConfusionStats, weighted: bool) -> tuple[np.ndarray, np.ndarray]:
    """Gamma shapes ``k`` of the cells, shape (G, 4), and each group's scale ``s``, shape (G,).

    Without weights ``k`` is the row count and ``s`` is 1. With weights, ``s`` is the group's
    effective row weight ``sum w^2 / sum w`` and ``k = w_c / s`` (1 and 0 for a group whose
    weights sum to 0: its rates are undefined).
    """
    if not weighted:
        return stats.n.astype(np.float64), np.ones(stats.n_groups)
    w = stats.w.sum(axis=1)
    w2 = stats.w2.sum(axis=1)
    ok = (w > 0) & (w2 > 0)
    scale = np.where(ok, w2 / np.where(ok, w, 1.0), 1.0)
    shape = np.where(ok[:, None], stats.w / scale[:, None], 0.0)
    return np.maximum(shape, 0.0), scale


def rate_intervals(
    stats: ConfusionStats, metric: str, confidence_level: float, *, weighted: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Each group's interval for a rate: the exact quantiles of its replicates' distribution,
    the Jeffreys posterior ``Beta(x + 1/2, m - x + 1/2)`` in (effective) counts."""
    shape, _ = cell_shapes(stats, weighted)
    num, den = rate_parts(shape, metric)
    return jeffreys_interval(num, den, confidence_level)


def overall_scale(stats: ConfusionStats, weighted: bool) -> float:
    """Effective row weight of all rows pooled (the scale of the overall prior part)."""
    if not weighted:
        return 1.0
    w, w2 = float(stats.w.sum()), float(stats.w2.sum())
    return w2 / w if w > 0 and w2 > 0 else 1.0


def replicate_rates(
    data: np.ndarray, z: np.ndarray, scale: float | np.ndarray, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Replicates of count metrics from data parts and prior normals, both (..., 4, B).

    ``data`` is in weight units (``s * G``); ``scale`` is ``s`` (broadcast over the leading
    axes). Returns arrays of shape (..., B).
    """
    s = np.asarray(scale, dtype=np.float64)
    if s.ndim:
        s = s[..., None]  # one scale per group, broadcast over the replicates
    half, quarter = 0.5 * s, 0.25 * s
    single: dict[int, np.ndarray] = {}
    pairs: dict[tuple[int, ...], np.ndarray] = {}

    def cell(c: int) -> np.ndarray:
        if c not in single:
            v = np.square(z[..., c, :])
            v *= half
            v += data[..., c, :]
            single[c] = v
        return single[c]

    def side(cells: tuple[int, ...]) -> np.ndarray:
        if len(cells) == 1:
            return cell(cells[0])
        if len(cells) != 2:
            raise ValueError(f"a rate side of {len(cells)} cells has no Jeffreys prior here")
        key = tuple(sorted(cells))
        if key not in pairs:
            i, j = key
            v = np.add(z[..., i, :], z[..., j, :])
            np.square(v, out=v)
            v *= quarter
            v += data[..., i, :]
            v += data[..., j, :]
            pairs[key] = v
        return pairs[key]

    def share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.add(a, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(a, out, out=out)
        return out

    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "balanced_accuracy":
            v = share(side((3,)), side((2,)))
            v += share(side((0,)), side((1,)))
            v *= 0.5
            out[name] = v
        elif name in RATES:
            r = RATES[name]
            comp = tuple(c for c in r.denominator if c not in r.numerator)
            out[name] = share(side(r.numerator), side(comp))
    return out


@dataclass
class _Extremes:
    """Per replicate, the largest and smallest value seen so far (NaN: none yet)."""

    hi: np.ndarray
    lo: np.ndarray

    @classmethod
    def empty(cls, b: int) -> _Extremes:
        return cls(np.full(b, np.nan), np.full(b, np.nan))

    def update(self, d: np.ndarray) -> None:
        """Fold in deviations ``d`` of shape (groups, B); NaN and empty are ignored."""
        if d.shape[0] == 0:
            return
        self.hi = np.fmax(self.hi, np.fmax.reduce(d, axis=0))
        self.lo = np.fmin(self.lo, np.fmin.reduce(d, axis=0))

    def with_row(self, d: np.ndarray | None) -> _Extremes:
        if d is None:
            return self
        return _Extremes(np.fmax(self.hi, d), np.fmin(self.lo, d))


def _logs(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


def _data_parts(shape: np.ndarray, b: int, rngs: list[np.random.Generator]) -> np.ndarray:
    """Gamma(shape) draws, shape (*shape.shape, b): 0 for empty cells, exponential draws
    (from ``rngs[0]``) for cells of exactly one row, single-precision gamma draws
    (``rngs[1]``) otherwise. Each generator is consumed in group order, whatever the chunk.
    """
    out = np.zeros((*shape.shape, b))
    one = shape == 1.0
    rest = (shape > 0) & ~one
    if one.any():
        out[one] = rngs[0].standard_exponential((int(one.sum()), b))
    if rest.any():
        # single precision: over twice as fast, and its rounding (6e-8 of the value) is far
        # below the spread of any gamma variable (1 / sqrt(shape) of its value)
        k = shape[rest].astype(np.float32)
        out[rest] = rngs[1].standard_gamma(
            np.broadcast_to(k[:, None], (len(k), b)), dtype=np.float32
        )
    return out


def _ratio_to(values: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """values / ref, 1 where both are 0, NaN where only ref is 0 (as ``to_reference``)."""
    if (ref > 0).all():
        return values / ref
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(ref != 0, values / np.where(ref != 0, ref, 1.0), np.nan)
    return np.where((values == 0) & (ref == 0), 1.0, r)


@dataclass
class _MetricSummary:
    """What the audit needs from one metric's replicates (groups in kept order)."""

    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    ref_diff: tuple[np.ndarray, np.ndarray]
    ref_ratio: tuple[np.ndarray, np.ndarray]
    others: _Extremes
    others_log: _Extremes
    ref_dev: np.ndarray | None = None
    ref_logdev: np.ndarray | None = None
    overall: np.ndarray | None = None
    overall_estimate: float = float("nan")
    overall_dev: np.ndarray | None = None
    overall_logdev: np.ndarray | None = None
    overall_exact: tuple[float, float] | None = None
    top_low: float = float("nan")
    zero_top: int = -1


@dataclass
class BootstrapSummary:
    """Bootstrap results of one attribute, without the replicates.

    Per-group arrays are indexed like the kept groups; ``ref`` is the reference group's
    position among them.
    """

    confidence_level: float
    ref: int
    metrics: dict[str, _MetricSummary] = field(default_factory=dict)

    def __contains__(self, metric: str) -> bool:
        return metric in self.metrics

    def group_interval(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of every kept group's value."""
        s = self.metrics[metric]
        return s.lower, s.upper

    def overall_interval(self, metric: str) -> tuple[float, float]:
        """Interval of the value of all rows pooled."""
        s = self.metrics[metric]
        if s.overall_exact is not None:
            return s.overall_exact
        lo, hi = row_percentiles(s.overall[None, :], self.confidence_level)
        lo, hi = hold_value(lo[0], hi[0], s.overall_estimate)
        return float(lo), float(hi)

    def reference_intervals(
        self, metric: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Percentile intervals of each group's difference and ratio to the reference."""
        s = self.metrics[metric]
        return (*s.ref_diff, *s.ref_ratio)

    def _all(self, s: _MetricSummary, log: bool) -> _Extremes:
        """Deviations over every kept group with a defined value (the reference included)."""
        return (s.others_log if log else s.others).with_row(s.ref_logdev if log else s.ref_dev)

    def spread_interval(
        self,
        metrics: list[str] | tuple[str, ...],
        *,
        ratio: bool = False,
        upper_bound: float = np.inf,
        trials: list[np.ndarray] | None = None,
    ) -> tuple[float, float]:
        """Simultaneous interval of the spread across groups (see
        :func:`fairaudit.metrics._intervals.range_interval`); several metrics: the worst.
        """
        spreads: list[float] = []
        devs: list[np.ndarray] = []
        for k, m in enumerate(metrics):
            s = self.metrics[m]
            e = s.estimate[np.isfinite(s.estimate)]
            if len(e) < 2:
                continue
            if ratio:
                if not (e > 0).all():
                    n = None if trials is None else np.asarray(trials[k])[np.isfinite(s.estimate)]
                    return ratio_zero_upper(e, n, s.top_low, self.confidence_level)
                e = np.log(e)
            ext = self._all(s, ratio)
            spreads.append(float(e.max() - e.min()))
            with np.errstate(invalid="ignore"):  # inf - inf: an undefined replicate (NaN)
                devs.append(ext.hi - ext.lo)
        if not spreads:
            return float("nan"), float("nan")
        worst = np.fmax.reduce(np.stack(devs), axis=0)
        c = spread_quantile(worst, self.confidence_level)
        return spread_bounds(max(spreads), c, ratio, upper_bound)

    def target_interval(
        self,
        metric: str,
        *,
        to: str,
        ratio: bool = False,
        upper_bound: float = np.inf,
    ) -> tuple[float, float]:
        """Simultaneous interval of the largest deviation from the overall value
        (``to="overall"``) or from the reference group (``to="reference"``); see
        :func:`fairaudit.metrics._intervals.target_interval`.
        """
        s = self.metrics[metric]
        est = s.estimate
        if to == "reference":
            others = np.ones(len(est), dtype=bool)
            others[self.ref] = False
            e, t = est[others], float(est[self.ref])
            ext = s.others_log if ratio else s.others
            shift = s.ref_logdev if ratio else s.ref_dev
        else:
            e, t = est, s.overall_estimate
            ext = self._all(s, ratio)
            shift = s.overall_logdev if ratio else s.overall_dev
        e = e[np.isfinite(e)]
        if len(e) == 0 or not np.isfinite(t) or shift is None:
            return float("nan"), float("nan")
        if ratio:
            if not ((e > 0).all() and t > 0):
                return 0.0, 1.0  # a rate of exactly 0: the whole range (see range_interval)
            e, t = np.log(e), float(np.log(t))
        stat = float(np.abs(e - t).max())
        with np.errstate(invalid="ignore"):
            worst = np.fmax(ext.hi - shift, shift - ext.lo)
        c = spread_quantile(worst, self.confidence_level)
        return spread_bounds(stat, c, ratio, upper_bound)


def _chunks(order: np.ndarray, b: int) -> list[np.ndarray]:
    size = max(1, CHUNK_VALUES // max(b, 1))
    first = [order[:1]]
    rest = order[1:]
    return first + [rest[i : i + size] for i in range(0, len(rest), size)]


def summarise_bootstrap(
    stats: ConfusionStats,
    values: dict[str, np.ndarray],
    overall: dict[str, float],
    *,
    names: tuple[str, ...],
    interval_names: tuple[str, ...],
    kept: np.ndarray,
    ref_index: int,
    n_bootstrap: int,
    confidence_level: float,
    rng: np.random.Generator,
    weighted: bool,
    extra_replicates: dict[str, np.ndarray] | None = None,
    extra_overall: dict[str, np.ndarray] | None = None,
) -> BootstrapSummary:
    """Draw the Bayesian bootstrap chunk by chunk and keep only its summaries.

    Parameters
    ----------
    stats : ConfusionStats
        All groups (the overall replicate sums them, suppressed groups included).
    values, overall : dict
        Point values per metric for every group, and for all rows.
    names : tuple of str
        Count metrics to bootstrap (``count`` is ignored).
    interval_names : tuple of str
        Metrics that get per-group and to-reference intervals.
    kept : ndarray of bool, shape (G,)
        Groups that take part in intervals and disparities.
    ref_index : int
        The reference group (an index of all groups; it must be kept).
    extra_replicates, extra_overall : dict, optional
        Replicates computed elsewhere (score metrics), shape (B, G) and (B,), summarised
        in the same way.

    Returns
    -------
    BootstrapSummary
    """
    b = int(n_bootstrap)
    extra_replicates = extra_replicates or {}
    extra_overall = extra_overall or {}
    rate_names = tuple(m for m in names if m != "count")
    all_names = rate_names + tuple(m for m in extra_replicates if m not in rate_names)
    shape, scale = cell_shapes(stats, weighted)
    *data_rngs, prior_rng = rng.spawn(3)

    kept_pos = np.cumsum(kept) - 1  # position of each kept group among the kept
    ref_k = int(kept_pos[ref_index])
    n_kept = int(kept.sum())
    order = np.r_[ref_index, np.delete(np.arange(stats.n_groups), ref_index)]

    pooled_shape = stats.w.sum(axis=0) / overall_scale(stats, weighted)
    if not weighted:
        pooled_shape = stats.n.sum(axis=0).astype(np.float64)
    summary = BootstrapSummary(confidence_level, ref_k)
    # the replicates of a rate are exactly Beta(x + 1/2, m - x + 1/2) draws: report the exact
    # quantiles of that distribution (no Monte-Carlo error), of every rate at once
    exact = [m for m in all_names if m in RATES and m in interval_names]
    exact_lo, exact_hi = _exact_rate_intervals(shape, pooled_shape, exact, confidence_level)
    for m in all_names:
        est = values[m][kept]
        nan = np.full(n_kept, np.nan)
        summary.metrics[m] = _MetricSummary(
            estimate=est,
            lower=nan.copy(),
            upper=nan.copy(),
            ref_diff=(nan.copy(), nan.copy()),
            ref_ratio=(nan.copy(), nan.copy()),
            others=_Extremes.empty(b),
            others_log=_Extremes.empty(b),
        )
        if m in exact:
            i = exact.index(m)
            lo, hi = exact_lo[i], exact_hi[i]  # the groups, then all rows pooled
            summary.metrics[m].lower, summary.metrics[m].upper = lo[:-1][kept], hi[:-1][kept]
            summary.metrics[m].overall_exact = (float(lo[-1]), float(hi[-1]))
        finite = np.isfinite(est)
        if finite.any() and not (est[finite] > 0).all():
            summary.metrics[m].zero_top = int(np.flatnonzero(finite)[np.argmax(est[finite])])
    ref_reps: dict[str, np.ndarray] = {}
    ref_ok: dict[str, bool] = {}
    acc = np.zeros((4, b))

    for first, idx in enumerate(_chunks(order, b)):
        g = len(idx)
        u = _data_parts(shape[idx], b, data_rngs)
        z = prior_rng.standard_normal((g, 4, b))
        data = u * scale[idx][:, None, None] if weighted else u
        acc = np.concatenate([acc[None], data]).sum(axis=0)  # in group order, as one pass
        reps = replicate_rates(data, z, scale[idx], rate_names)
        del u, z, data
        for m, full in extra_replicates.items():
            reps[m] = full[:, idx].T
        keep = kept[idx]
        if not keep.any():
            continue
        pos = kept_pos[idx][keep]
        for m in all_names:
            s = summary.metrics[m]
            r = reps.pop(m)
            if not keep.all():
                r = r[keep]
            e = s.estimate[pos]
            if m in interval_names and m not in RATES:
                lo, hi = row_percentiles(r, confidence_level)
                s.lower[pos], s.upper[pos] = lo, hi
            if 0 <= s.zero_top and s.zero_top in pos:
                top = r[int(np.flatnonzero(pos == s.zero_top)[0])]
                s.top_low = _higher_quantile(top, (1.0 - confidence_level) / 2.0)
            ok = np.isfinite(e)
            pos_log = ok & (e > 0)
            rok = r if ok.all() else r[ok]
            rlog = r if pos_log.all() else r[pos_log]
            with np.errstate(invalid="ignore", divide="ignore"):
                d = rok - e[ok, None]
                q = rlog / e[pos_log, None]  # log-scale deviations are logs of these ratios
            if first == 0:  # the reference group alone
                ref_reps[m] = r[0]
                ref_ok[m] = bool(ok[0])
                s.ref_dev = d[0] if ok[0] else None
                s.ref_logdev = _logs(q[0]) if pos_log[0] else None
                continue
            s.others.update(d)
            s.others_log.update(q)
            if m in interval_names and ref_ok[m] and ok.any():
                # an undefined difference (the group's value is undefined) has no interval
                rr = ref_reps[m]
                buf = np.empty(rok.shape, dtype=np.float32)
                np.subtract(rok, rr, out=buf, casting="same_kind")
                at = pos[ok]
                s.ref_diff[0][at], s.ref_diff[1][at] = sorted_percentiles(buf, confidence_level)
                if (rr > 0).all():
                    np.divide(rok, rr, out=buf, casting="same_kind")
                else:
                    buf[...] = _ratio_to(rok, rr)
                s.ref_ratio[0][at], s.ref_ratio[1][at] = sorted_percentiles(buf, confidence_level)
    for s in summary.metrics.values():
        s.others_log = _Extremes(_logs(s.others_log.hi), _logs(s.others_log.lo))
        _hold_values(s, ref_k)

    z_all = prior_rng.standard_normal((4, b))
    overall_reps = replicate_rates(acc, z_all, overall_scale(stats, weighted), rate_names)
    overall_reps.update(extra_overall)
    for m in all_names:
        s = summary.metrics[m]
        s.overall = overall_reps[m]
        t = float(overall[m])
        s.overall_estimate = t
        with np.errstate(invalid="ignore", divide="ignore"):
            s.overall_dev = s.overall - t
            s.overall_logdev = _logs(s.overall) - np.log(t) if t > 0 else None
    return summary


def _exact_rate_intervals(
    shape: np.ndarray, pooled_shape: np.ndarray, names: list[str], confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Jeffreys intervals of the rates ``names`` from the gamma shapes of the groups' cells
    (G, 4) and of all rows pooled (4,): one row per rate, the groups then all rows, shape
    (len(names), G + 1). One vectorised call for all of them (as :func:`rate_intervals`,
    rate by rate)."""
    if not names:
        empty = np.empty((0, shape.shape[0] + 1))
        return empty, empty.copy()
    parts = [rate_parts(shape, m) for m in names]
    pooled = [rate_parts(pooled_shape, m) for m in names]
    num = np.column_stack([np.stack([p[0] for p in parts]), [q[0] for q in pooled]])
    den = np.column_stack([np.stack([p[1] for p in parts]), [q[1] for q in pooled]])
    return jeffreys_interval(num, den, confidence_level)


def _hold_values(s: _MetricSummary, ref_k: int) -> None:
    """Every percentile interval of one metric holds its point value (:func:`hold_value`):
    a balanced accuracy of 1 or a group rate of 0 in a ratio to the reference, which the
    smoothed replicates never reach, and the biased calibration error. The exact Jeffreys
    limits of rates already hold their value."""
    est = s.estimate
    ref = est[ref_k]
    s.lower, s.upper = hold_value(s.lower, s.upper, est)
    with np.errstate(invalid="ignore"):
        s.ref_diff = hold_value(*s.ref_diff, est - ref)
    s.ref_ratio = hold_value(*s.ref_ratio, _ratio_to(est, np.full_like(est, ref)))


def _higher_quantile(x: np.ndarray, q: float) -> float:
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan")
    return float(np.quantile(x, q, method="higher"))


def confusion_replicates(
    stats: ConfusionStats,
    names: tuple[str, ...],
    n_bootstrap: int,
    rng: np.random.Generator,
    *,
    weighted: bool,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """All replicates at once, shape (B, G) per metric and (B,) for all rows pooled.

    The same draws as :func:`summarise_bootstrap` with the reference group 0 (for tests and
    small problems: memory grows with groups x replicates).
    """
    b = int(n_bootstrap)
    shape, scale = cell_shapes(stats, weighted)
    *data_rngs, prior_rng = rng.spawn(3)
    g = stats.n_groups
    u = _data_parts(shape, b, data_rngs)
    z = prior_rng.standard_normal((g, 4, b))
    data = u * scale[:, None, None]
    acc = np.concatenate([np.zeros((1, 4, b)), data]).sum(axis=0)
    reps = replicate_rates(data, z, scale, names)
    z_all = prior_rng.standard_normal((4, b))
    overall = replicate_rates(acc, z_all, overall_scale(stats, weighted), names)
    return {m: v.T for m, v in reps.items()}, overall
