"""The audit of one attribute's multiclass decisions: per-class one-vs-rest tables, accuracy,
macro and weighted averages, and the criteria per class with their worst case.

Each class ``c`` is audited as the binary decision "predicted c" against the outcome "is c"
(:meth:`MulticlassStats.one_vs_rest`) by the binary engine (:func:`._analysis.analyse_parts`), so
every per-class value, interval, comparison and verdict follows the binary rules exactly;
its metric columns are renamed ``metric[c]`` (see :func:`class_column`). The one-vs-rest
counts of a class are sums of the k x k cells, and the binary Bayesian bootstrap's gamma
cell totals of those sums have the same distribution as sums of gamma totals of the k x k
cells: each class's intervals are those of a bootstrap of the k x k counts.

The worst case of a criterion across classes (``demographic_parity_difference`` without a
class) is the largest per-class difference (the smallest ratio). Its interval joins the
per-class intervals computed at the Bonferroni level ``1 - (1 - confidence_level) / k``:
``[max lower, max upper]`` for a difference (``[min lower, min upper]`` for a ratio), which
covers the worst case whenever every per-class interval covers its class, so with
probability at least ``confidence_level``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ._analysis import (
    CRITERIA_COLUMNS,
    REFERENCE_COLUMNS,
    analyse_parts,
    float_frame,
    group_display,
)
from ._config import AuditConfig
from ._criteria import CRITERIA, verdict
from ._multiclass_averages import AVERAGED_METRICS, average_bootstrap, average_disparities
from ._multiclass_stats import MulticlassStats, averaged_scores
from ._significance import adjust_family
from ._tables import AttributeTables

#: One-vs-rest metrics reported per class (``base_rate[c]``: the share of rows of class c).
PER_CLASS_METRICS = (
    "base_rate",
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "positive_predictive_value",
)
#: The criteria of a multiclass audit: each per class (``name[c]``) and its worst case.
MULTICLASS_CRITERIA = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "predictive_parity_difference",
)

#: What the binary texts of undefined values say, and what they say of one class.
_REASON_WORDS = (
    (
        "no actual positives in the group (TP + FN = 0)",
        "class {c} never occurs in the group's y_true",
    ),
    (
        "no actual negatives in the group (TN + FP = 0)",
        "every row of the group is of class {c} in y_true",
    ),
    (
        "no predicted positives in the group (TP + FP = 0)",
        "class {c} is never predicted for the group",
    ),
    (
        "no predicted negatives in the group (TN + FN = 0)",
        "class {c} is predicted for every row of the group",
    ),
)


def class_column(metric: str, cls: Any) -> str:
    """The name of a per-class metric or criterion: ``"selection_rate[High]"``."""
    return f"{metric}[{cls}]"


def split_class_column(name: str) -> tuple[str, str] | None:
    """``("selection_rate", "High")`` for ``"selection_rate[High]"``; None for a name
    without a class (the inverse of :func:`class_column`, classes shown as text)."""
    name = str(name)
    if not name.endswith("]") or "[" not in name:
        return None
    base, _, cls = name[:-1].partition("[")
    return (base, cls) if base else None


def _reason(text: str, cls: Any) -> str:
    for binary, words in _REASON_WORDS:
        if text == binary:
            return words.format(c=repr(cls) if isinstance(cls, str) else cls)
    return text


def _worst_row(
    rows: list[pd.Series], kind: str, tolerance: float, name: str, n_bootstrap: int
) -> dict:
    """The worst case of one criterion across classes (rows at the Bonferroni level)."""
    values = np.array([r["value"] for r in rows], dtype=float)
    base = {"criterion": name, "kind": kind, "tolerance": tolerance}
    finite = np.isfinite(values)
    if not finite.any():
        return {
            **base,
            "attribute": rows[0]["attribute"],
            "metric": rows[0]["metric"],
            "value": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "verdict": "n/a",
            "worst_group": None,
            "best_group": None,
            "reason": "undefined for every class: "
            + "; ".join(str(r["reason"]) for r in rows if r["reason"])[:400],
        }
    pick = int(np.nanargmax(values) if kind == "difference" else np.nanargmin(values))
    lows = np.array([r["lower"] for r in rows], dtype=float)[finite]
    highs = np.array([r["upper"] for r in rows], dtype=float)[finite]
    agg = np.max if kind == "difference" else np.min
    lo, hi = float(agg(lows)), float(agg(highs))  # NaN when any class lacks an interval
    value = float(values[pick])
    reason = ""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo = hi = np.nan
        reason = (
            "no interval (bootstrap off): the verdict compares the point estimate"
            if n_bootstrap == 0
            else "no interval: a class's value is undefined in the resamples"
        )
    undefined = [str(r["criterion"]) for r, ok in zip(rows, finite, strict=True) if not ok]
    if undefined:
        reason = (reason + "; " if reason else "") + (
            f"undefined for {', '.join(undefined)} (left out of the worst case)"
        )
    row = rows[pick]
    return {
        **base,
        "attribute": row["attribute"],
        "metric": row["metric"],
        "value": value,
        "lower": lo,
        "upper": hi,
        "verdict": verdict(kind, value, lo, hi, tolerance, interval_expected=n_bootstrap > 0),
        "worst_group": row["worst_group"],
        "best_group": row["best_group"],
        "reason": reason,
    }


_NO_BOUNDS = (float("nan"), float("nan"))


def accuracy_interval(
    value: np.ndarray,
    jeffreys: tuple[np.ndarray, np.ndarray],
    weighted_recall: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The interval of each group's accuracy.

    Accuracy equals the weighted recall (the correct rows' share, weighted by support), so
    it takes that average's small-sample interval where the bootstrap gives one. Otherwise
    (bootstrap off) it keeps the binary interval of a rate, widened to hold its value: the
    equal-tailed Jeffreys interval of 0 (or all) correct of m rows stops short of 0 (of 1),
    so there its lower (upper) limit becomes 0 (1), the modification of Brown, Cai and
    DasGupta (2001). Undefined limits stay undefined.
    """
    value = np.asarray(value, dtype=np.float64)
    lower, upper = (np.asarray(x, dtype=np.float64) for x in jeffreys)
    ok = np.isfinite(value) & np.isfinite(lower) & np.isfinite(upper)
    lower = np.where(ok, np.minimum(lower, value), lower)
    upper = np.where(ok, np.maximum(upper, value), upper)
    wlo, whi = (np.asarray(x, dtype=np.float64) for x in weighted_recall)
    use = np.isfinite(wlo) & np.isfinite(whi)
    return np.where(use, wlo, lower), np.where(use, whi, upper)


def _column_frame(columns: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    """A frame of numeric columns: the float ones built as one block (much cheaper than
    column by column), the others (``count``) then set with their own dtype."""
    frame = float_frame(columns, index)
    for name, values in columns.items():
        if np.asarray(values).dtype != np.float64:
            frame[name] = values
    return frame


def _reference_rows(table: pd.DataFrame, renamed: dict[str, str]) -> dict[str, np.ndarray]:
    """The rows of a binary ``to_reference`` table whose metric is a key of ``renamed``, the
    metric renamed as it says: arrays by column (those of ``REFERENCE_COLUMNS``)."""
    metric = table["metric"].to_numpy(dtype=object)
    keep = np.array([m in renamed for m in metric], dtype=bool)
    out = {c: table[c].to_numpy()[keep] for c in REFERENCE_COLUMNS if c != "metric"}
    out["metric"] = np.array([renamed[m] for m in metric[keep]], dtype=object)
    return out


def _criteria_by_name(rows: list[tuple]) -> dict[str, dict]:
    """Rows of a binary criteria table (in the order of ``CRITERIA_COLUMNS``) as dicts, by
    criterion name."""
    return {row[1]: dict(zip(CRITERIA_COLUMNS, row, strict=True)) for row in rows}


def analyse_multiclass(
    stats: MulticlassStats,
    *,
    attribute: str,
    ref_index: int,
    config: AuditConfig,
    tolerances: dict[str, float],
    rng: np.random.Generator,
) -> AttributeTables:
    """All tables of the multiclass audit of one attribute.

    Parameters
    ----------
    stats : MulticlassStats
        Labelled k x k matrices of the attribute's groups.
    attribute : str
    ref_index : int
        The reference group.
    config : AuditConfig
        The checked options (``metrics`` is ignored: every per-class metric is reported).
    tolerances : dict
        Tolerance of every name of :data:`MULTICLASS_CRITERIA`.
    rng : numpy.random.Generator

    Returns
    -------
    AttributeTables
    """
    classes = stats.classes
    k = len(classes)
    rngs = rng.spawn(2 * k + 2)
    binary_tol = {**{n: c.tolerance for n, c in CRITERIA.items()}, **tolerances}
    cfg = replace(config, metrics=("count", *PER_CLASS_METRICS), tolerances=binary_tol)
    labels = stats.labels
    ovr = [stats.one_vs_rest(j) for j in range(k)]

    def binary(
        conf: Any,
        config: AuditConfig,
        rng: np.random.Generator,
        *,
        tables: bool = True,
        criteria: tuple[str, ...] = MULTICLASS_CRITERIA,
    ) -> tuple[dict, list[tuple]]:
        return analyse_parts(
            conf,
            None,
            np.nan,
            labels,
            attribute=attribute,
            ref_index=ref_index,
            config=config,
            rng=rng,
            tables=tables,
            criteria=criteria,
        )

    parts = [binary(ovr[j], cfg, rngs[j]) for j in range(k)]
    per_class = [t for t, _ in parts]
    per_class_criteria = [_criteria_by_name(rows) for _, rows in parts]
    # accuracy: no criterion
    acc, _ = binary(
        stats.correct(), replace(cfg, metrics=("count", "selection_rate")), rngs[k], criteria=()
    )
    if config.n_bootstrap == 0:
        # no interval at any level: the criteria at the Bonferroni level are the same rows
        adjusted = per_class_criteria
    else:
        # only the criteria's intervals are needed at that level: no table is built
        level = 1.0 - (1.0 - config.confidence_level) / k
        wide_cfg = replace(cfg, metrics=("count",), confidence_level=level)
        adjusted = [
            _criteria_by_name(binary(ovr[j], wide_cfg, rngs[k + 1 + j], tables=False)[1])
            for j in range(k)
        ]

    index = acc["by_group"].index

    def frames(attr: str) -> pd.DataFrame:
        a = acc[attr]
        cols = {"count": a["count"].to_numpy()}
        # each class's table as one block of floats (its metrics are floats), read by position
        blocks = [(t[attr].to_numpy(dtype=np.float64), t[attr].columns) for t in per_class]
        for m in PER_CLASS_METRICS:
            for (block, names), c in zip(blocks, classes, strict=True):
                cols[class_column(m, c)] = block[:, names.get_loc(m)]
        cols["accuracy"] = a["selection_rate"].to_numpy()
        return cols

    kept = labels.get_indexer(index)
    kept_mask = np.zeros(stats.n_groups, dtype=bool)
    kept_mask[kept] = True
    by_group, lower, upper, den = (
        frames(a) for a in ("by_group", "lower", "upper", "denominators")
    )
    by_group["count"] = by_group["count"].astype(np.int64)
    avg = averaged_scores(stats.w[kept], stats.n[kept])
    ref_k = int(np.flatnonzero(kept == ref_index)[0])
    avg_boot = average_bootstrap(stats, kept_mask, ref_index, config, rngs[2 * k + 1])
    avg_lo, avg_hi = avg_boot.lower, avg_boot.upper
    acc_den = acc["denominators"]["selection_rate"].to_numpy()
    for m in AVERAGED_METRICS:
        by_group[m] = avg[m]
        lower[m], upper[m] = avg_lo[m], avg_hi[m]
        den[m] = acc_den
    # accuracy is the weighted recall (the correct rows' share): one number, one interval
    lower["accuracy"], upper["accuracy"] = accuracy_interval(
        by_group["accuracy"],
        (lower["accuracy"], upper["accuracy"]),
        (avg_lo["weighted_recall"], avg_hi["weighted_recall"]),
    )
    by_group, lower, upper, den = (_column_frame(f, index) for f in (by_group, lower, upper, den))

    # all rows pooled
    pooled = MulticlassStats(
        classes,
        stats.n.sum(axis=0, keepdims=True),
        stats.w.sum(axis=0, keepdims=True),
        stats.w2.sum(axis=0, keepdims=True),
    )
    ov_names, ov_values, ov_lo, ov_hi = ["count"], [acc["overall"]["count"]], [], []
    a_iv = acc["overall_intervals"]
    ov_lo.append(a_iv.at["count", "lower"])
    ov_hi.append(a_iv.at["count", "upper"])
    for m in PER_CLASS_METRICS:
        for t, c in zip(per_class, classes, strict=True):
            ov_names.append(class_column(m, c))
            ov_values.append(t["overall"][m])
            ov_lo.append(t["overall_intervals"].at[m, "lower"])
            ov_hi.append(t["overall_intervals"].at[m, "upper"])
    ov_names.append("accuracy")
    ov_values.append(acc["overall"]["selection_rate"])
    a_lo, a_hi = accuracy_interval(
        np.array([acc["overall"]["selection_rate"]]),
        (
            np.array([a_iv.at["selection_rate", "lower"]]),
            np.array([a_iv.at["selection_rate", "upper"]]),
        ),
        tuple(np.array([x]) for x in avg_boot.overall.get("weighted_recall", _NO_BOUNDS)),
    )
    ov_lo.append(float(a_lo[0]))
    ov_hi.append(float(a_hi[0]))
    pooled_avg = averaged_scores(pooled.w, pooled.n)
    for m in AVERAGED_METRICS:
        ov_names.append(m)
        ov_values.append(float(pooled_avg[m][0]))
        lo, hi = avg_boot.overall.get(m, _NO_BOUNDS)
        ov_lo.append(lo)
        ov_hi.append(hi)
    overall = pd.Series(ov_values, index=ov_names, dtype=float)
    overall_intervals = pd.DataFrame(
        {
            "lower": np.asarray(ov_lo, dtype=np.float64),
            "upper": np.asarray(ov_hi, dtype=np.float64),
        },
        index=pd.Index(ov_names, name="metric"),
    )

    # disparities and comparisons with the reference: per class, accuracy, the averages
    shown_kept = [group_display(x) for x in index]
    disp_rows, disp_names, ref_parts, undefined = [], [], [], []
    for t, c in zip(per_class, classes, strict=True):
        names = {m: class_column(m, c) for m in PER_CLASS_METRICS}
        d = t["disparities"]
        present = [m for m in PER_CLASS_METRICS if m in d.index]
        disp_rows.append(d.loc[present].to_numpy())
        disp_names += [names[m] for m in present]
        ref_parts.append(_reference_rows(t["to_reference"], names))
        u = t["undefined"][t["undefined"]["metric"].isin(PER_CLASS_METRICS)].copy()
        u["reason"] = [_reason(r, c) for r in u["reason"]]
        u["metric"] = u["metric"].map(names)
        undefined.append(u)
    d = acc["disparities"]
    disp_rows.append(d.loc[["selection_rate"]].to_numpy())
    disp_names.append("accuracy")
    ref_parts.append(_reference_rows(acc["to_reference"], {"selection_rate": "accuracy"}))
    # the averages: from their own bootstrap of the k x k counts
    avg_disp, avg_ref = average_disparities(
        avg,
        {m: overall[m] for m in AVERAGED_METRICS},
        avg_boot,
        ref_k,
        acc["denominators"]["selection_rate"].to_numpy(),
        shown_kept,
        d.columns,
    )
    disp_rows.append(avg_disp.to_numpy())
    disp_names += list(avg_disp.index)
    disparities = pd.DataFrame(
        np.concatenate(disp_rows), columns=d.columns, index=pd.Index(disp_names, name="metric")
    )
    ref_parts.append(avg_ref)
    u = acc["undefined"][acc["undefined"]["metric"] == "selection_rate"].copy()
    u["metric"] = "accuracy"
    undefined.append(u)
    for m in AVERAGED_METRICS:
        bad = np.flatnonzero(~np.isfinite(avg[m]))
        undefined.append(
            pd.DataFrame(
                {
                    "group": [shown_kept[i] for i in bad],
                    "metric": m,
                    "reason": "the group's sample weights sum to 0",
                }
            )
        )
    to_reference = pd.DataFrame(
        {c: np.concatenate([part[c] for part in ref_parts]) for c in REFERENCE_COLUMNS}
    )
    # the metric names are text even when no group is compared (an empty column)
    to_reference["metric"] = to_reference["metric"].astype(str)
    to_reference["p_adjusted"] = adjust_family(
        to_reference["p_value"].to_numpy(dtype=np.float64),
        to_reference["metric"].to_numpy(dtype=object),
        to_reference["group"].to_numpy(dtype=object),
        config.correction,
        config.correction_scope,
    )
    p_adj = to_reference["p_adjusted"].to_numpy(dtype=np.float64)
    to_reference["significant"] = np.isfinite(p_adj) & (p_adj < 1.0 - config.confidence_level)

    # criteria: the worst case across classes first, then each class
    worst, each = [], []
    for name in MULTICLASS_CRITERIA:
        crit = CRITERIA[name]
        rows = []
        for t_adj, t, c in zip(adjusted, per_class_criteria, classes, strict=True):
            r = dict(t[name])
            r["criterion"] = class_column(name, c)
            r["metric"] = class_column(r["metric"], c)
            each.append(r)
            ra = dict(t_adj[name])
            ra["criterion"] = class_column(name, c)
            ra["metric"] = class_column(ra["metric"], c)
            rows.append(ra)
        worst.append(_worst_row(rows, crit.kind, tolerances[name], name, config.n_bootstrap))
    columns = list(CRITERIA_COLUMNS)
    criteria = pd.DataFrame([*worst, *each], columns=columns).reset_index(drop=True)
    criteria["reason"] = criteria["reason"].fillna("")

    groups = acc["groups"].copy()
    groups["base_rate"] = np.nan  # one base rate per class: by_group's base_rate[c]
    undefined_frame = pd.concat(undefined, ignore_index=True)
    return AttributeTables(
        overall=overall,
        overall_intervals=overall_intervals,
        by_group=by_group,
        lower=lower,
        upper=upper,
        disparities=disparities,
        to_reference=to_reference,
        criteria=criteria,
        groups=groups,
        undefined=undefined_frame,
        denominators=den,
        curves={"confusion": confusion_frame(stats, kept)},
        reference_group=acc["reference_group"],
        suppressed=acc["suppressed"],
    )


def confusion_frame(stats: MulticlassStats, kept: np.ndarray | None = None) -> pd.DataFrame:
    """The k x k matrix of every (kept) group as a long table: ``group`` (as displayed),
    ``y_true``, ``y_pred`` (class labels as text), ``count`` (rows) and ``weight``."""
    idx = np.arange(stats.n_groups) if kept is None else np.asarray(kept)
    k = stats.n_classes
    shown = np.asarray([group_display(x) for x in stats.labels[idx]], dtype=object)
    cls = np.asarray([str(c) for c in stats.classes], dtype=object)
    cells = np.tile(np.arange(k * k), len(idx))
    return pd.DataFrame(
        {
            "group": np.repeat(shown, k * k),
            "y_true": cls[cells // k],
            "y_pred": cls[cells % k],
            "count": stats.n[idx].reshape(-1).astype(np.int64),
            "weight": stats.w[idx].reshape(-1),
        }
    )
