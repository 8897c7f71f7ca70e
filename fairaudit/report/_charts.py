"""The audit report's charts, drawn with matplotlib and returned as :class:`Figure`.

Every chart reads numbers it is given; none computes a metric. Colours come from the
Okabe-Ito palette, and meaning is also carried by marker shape, line style and text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from ..metrics._multiclass import split_class_column
from ..metrics._multiclass_averages import AVERAGE_LABELS
from ..metrics._registry import LABELS
from ..metrics._regression_metrics import DISTANCES, REGRESSION_METRICS, regression_label
from ._format import fmt_number
from ._model import Figure
from ._svg import (
    BAND_COLOR,
    FAIL_COLOR,
    LINESTYLES,
    MARKERS,
    NEUTRAL_COLOR,
    PALETTE,
    PASS_COLOR,
    PRINT_FIGURE_IN,
    figure_to_svg,
    new_figure,
    plain,
    style,
)

#: How each metric is named, from the engine's registries (decisions, classes, numbers).
METRIC_LABELS = {
    **LABELS,
    **AVERAGE_LABELS,
    **{m: regression_label(m) for m in (*REGRESSION_METRICS, *DISTANCES)},
}
MAX_LABEL = 36


def metric_label(name: str) -> str:
    per_class = split_class_column(name)  # a multiclass audit's "metric[class]"
    if per_class is not None:
        return f"{metric_label(per_class[0])}, class {per_class[1]}"
    return METRIC_LABELS.get(name, str(name).replace("_", " ").capitalize())


def in_sentence(name: str) -> str:
    """A label inside a sentence: first letter in lower case unless it starts an acronym."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def short(text: str, limit: int = MAX_LABEL) -> str:
    """One line of at most ``limit`` characters (line breaks and runs of spaces flattened)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _finite(values: Sequence[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr[np.isfinite(arr)]


def _log_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Round ticks on a log axis, at most ``most`` of them (the band edges are named in the
    legend, not as ticks, so that narrow panels never print overlapping labels): 1 is kept,
    and every second, third, ... tick away from it, as few steps as keep within ``most``."""
    candidates = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
    ticks = [c for c in candidates if lo <= c <= hi]
    i = ticks.index(1.0)
    step = 1
    while len([t for k, t in enumerate(ticks) if (k - i) % step == 0]) > max(most, 1):
        step += 1
    return [t for k, t in enumerate(ticks) if (k - i) % step == 0]


def disparity_chart(
    rows: pd.DataFrame,
    *,
    metrics: Sequence[str],
    groups: Sequence[str],
    reference: str,
    tolerance: float,
    attribute: str,
    confidence: float,
) -> Figure:
    """Dot-and-whisker chart of each group's ratio to the reference group (log axis).

    ``rows`` is a slice of ``AuditResult.to_reference`` (columns group, metric, ratio,
    ratio_lower, ratio_upper). The tolerance band ``[tolerance, 1/tolerance]`` is shaded.
    """
    metrics = list(metrics)
    groups = list(groups)
    n_g = len(groups)
    # a multiclass audit's chart of one class: "rate[class]" for every metric
    split = {m: split_class_column(m) for m in metrics}
    one_class = all(split.values()) and len({c for _, c in split.values()}) == 1
    band = (tolerance, 1.0 / tolerance) if 0 < tolerance < 1 else (np.nan, np.nan)
    bounds = _finite(
        np.concatenate([rows["ratio_lower"], rows["ratio_upper"], rows["ratio"], [*band, 1.0]])
    )
    bounds = bounds[bounds > 0]
    lo = max(float(bounds.min()) / 1.25, 0.01) if bounds.size else 0.5
    hi = min(float(bounds.max()) * 1.25, 100.0) if bounds.size else 2.0
    lo, hi = min(lo, 0.6), max(hi, 1.6)
    width = min(2.4 * len(metrics) + 1.6, PRINT_FIGURE_IN)
    # about one tick label per third of an inch of a panel (the first also holds the names)
    ticks = max(3, int((width - 1.6) / len(metrics) / 0.33))
    height = 0.3 * n_g + 1.45
    with style():
        fig, axes = new_figure(width, height, ncols=len(metrics), sharey=True, squeeze=False)
        ypos = np.arange(n_g)[::-1]
        lookup = rows.set_index(["group", "metric"])
        for ax, metric in zip(axes[0], metrics, strict=True):
            ax.set_xscale("log")
            if np.isfinite(band[0]):
                ax.axvspan(band[0], band[1], color=BAND_COLOR, alpha=0.22, lw=0, zorder=0)
                for edge in band:
                    ax.axvline(edge, color=BAND_COLOR, lw=0.9, ls="--", zorder=1)
            ax.axvline(1.0, color=NEUTRAL_COLOR, lw=0.9, zorder=1)
            ys, rs, lows, highs = [], [], [], []
            for y, group in zip(ypos, groups, strict=True):
                if group == reference or (group, metric) not in lookup.index:
                    continue
                rec = lookup.loc[(group, metric)]
                if isinstance(rec, pd.DataFrame):
                    rec = rec.iloc[0]
                ys.append(y)
                rs.append(float(rec["ratio"]))
                lows.append(float(rec["ratio_lower"]))
                highs.append(float(rec["ratio_upper"]))
            ys_a, r_a = np.asarray(ys, dtype=float), np.asarray(rs, dtype=float)
            lo_a, hi_a = np.asarray(lows, dtype=float), np.asarray(highs, dtype=float)
            defined = np.isfinite(r_a) & (r_a > 0)
            inside = defined & (r_a >= band[0]) & (r_a <= band[1])
            outside = defined & ~inside
            has_ci = defined & np.isfinite(lo_a) & np.isfinite(hi_a)
            left = np.where(lo_a > 0, np.clip(lo_a, lo, hi), lo)
            right = np.clip(hi_a, lo, hi)
            for mask, color in ((has_ci & inside, PASS_COLOR), (has_ci & outside, FAIL_COLOR)):
                if mask.any():
                    ax.hlines(ys_a[mask], left[mask], right[mask], colors=color, lw=1.6, zorder=2)
            clipped = np.clip(r_a, lo, hi)
            # inside the band: round dots; outside: larger diamonds (shape as well as colour)
            for mask, marker, size, color, edge in (
                (inside, "o", 5.5, PASS_COLOR, "white"),
                (outside, "D", 6.5, FAIL_COLOR, "black"),
            ):
                if mask.any():
                    ax.plot(
                        clipped[mask],
                        ys_a[mask],
                        ls="",
                        marker=marker,
                        ms=size,
                        color=color,
                        mec=edge,
                        mew=0.6,
                        zorder=3,
                    )
            zero = r_a == 0  # defined but off a log axis: an arrow at the left edge
            if zero.any():
                ax.plot(
                    np.full(zero.sum(), lo),
                    ys_a[zero],
                    ls="",
                    marker="<",
                    ms=7,
                    color=FAIL_COLOR,
                    mec="black",
                    mew=0.6,
                    zorder=3,
                    clip_on=False,
                )
                for y in ys_a[zero]:
                    ax.text(lo, y, "  0", va="center", ha="left", fontsize=7, color=FAIL_COLOR)
            for y in ys_a[~defined & ~zero]:
                ax.text(1.0, y, " n/a", va="center", ha="left", fontsize=7, color=NEUTRAL_COLOR)
            if reference in groups:
                ax.plot(
                    [1.0],
                    [ypos[groups.index(reference)]],
                    marker="s",
                    ms=6,
                    mfc="white",
                    mec="black",
                    ls="",
                    zorder=4,
                )
            ax.set_xlim(lo, hi)
            ax.xaxis.set_major_locator(FixedLocator(_log_ticks(lo, hi, most=ticks)))
            ax.xaxis.set_major_formatter(
                lambda v, _pos: f"{v:g}" if v >= 0.1 or v == 0 else f"{v:.2g}"
            )
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_title(metric_label(split[metric][0] if one_class else metric))
            ax.grid(axis="y", visible=False)
            ax.set_xlabel(
                "ratio (log scale)" if len(metrics) > 2 else "ratio to reference (log scale)"
            )
        if one_class:  # the class once, beside the groups, not in every panel's title
            axes[0][0].set_ylabel(f"class {split[metrics[0]][1]}")
        axes[0][0].set_yticks(ypos)
        axes[0][0].set_yticklabels(
            [plain(short(g)) + (" (reference)" if g == reference else "") for g in groups]
        )
        axes[0][0].set_ylim(-0.7, n_g - 0.3)
        handles = [
            Patch(
                color=BAND_COLOR,
                alpha=0.35,
                label=f"tolerance band {fmt_number(band[0], 2)}\u2013{fmt_number(band[1], 2)}",
            ),
            Line2D([], [], marker="o", color=PASS_COLOR, mec="white", ls="-", label="inside band"),
            Line2D([], [], marker="D", color=FAIL_COLOR, mec="black", ls="-", label="outside band"),
            Line2D([], [], marker="s", mfc="white", mec="black", ls="", label="reference group"),
        ]
        fig.legend(
            handles=handles, loc="upper center", ncol=4, bbox_to_anchor=(0.5, 1.0), fontsize=7.5
        )
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / height))
    pct = f"{confidence:.0%}"
    alt = (
        f"Dot-and-whisker chart for {attribute}: the ratio of each group's "
        f"{', '.join(in_sentence(metric_label(m)) for m in metrics)} to the reference group "
        f"{reference!s} on a log axis with {pct} confidence intervals; the shaded band is the "
        f"tolerance. The same numbers are in the table below."
    )
    return Figure(figure_to_svg(fig, tight=False), alt=alt)


def error_chart(
    by_group: pd.DataFrame,
    intervals: pd.DataFrame | None,
    *,
    groups: Sequence[str],
    attribute: str,
) -> Figure:
    """False positive and false negative rate per group, with intervals."""
    metrics = [
        ("false_positive_rate", "o", PALETTE[0], -0.14),
        ("false_negative_rate", "s", PALETTE[1], 0.14),
    ]
    n_g = len(groups)
    height = 0.36 * n_g + 1.3
    with style():
        fig, ax = new_figure(6.4, height)
        ypos = np.arange(n_g)[::-1]
        for metric, marker, color, dy in metrics:
            if metric not in by_group.columns:
                continue
            vals = by_group[metric].to_numpy(dtype=float)
            ax.plot(
                vals,
                ypos + dy,
                ls="",
                marker=marker,
                color=color,
                ms=6,
                label=metric_label(metric),
                zorder=3,
            )
            if intervals is not None and (metric, "lower") in intervals.columns:
                lo = intervals[(metric, "lower")].to_numpy(dtype=float)
                hi = intervals[(metric, "upper")].to_numpy(dtype=float)
                ok = np.isfinite(lo) & np.isfinite(hi)
                ax.hlines((ypos + dy)[ok], lo[ok], hi[ok], color=color, lw=1.4, zorder=2)
        ax.set_yticks(ypos)
        ax.set_yticklabels([plain(short(g)) for g in groups])
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.7, n_g - 0.3)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("rate")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
        fig.tight_layout()
    alt = (
        f"Dot chart for {attribute}: false positive rate (circles) and false negative rate "
        "(squares) of each group with confidence intervals. The same numbers are in the table "
        "below."
    )
    return Figure(figure_to_svg(fig, tight=False), alt=alt)


def _thin(frame: pd.DataFrame, n: int = 100) -> pd.DataFrame:
    """At most about ``n`` points per curve, keeping both ends (for small SVGs)."""
    if len(frame) <= n:
        return frame
    idx = np.unique(np.linspace(0, len(frame) - 1, n).round().astype(int))
    return frame.iloc[idx]


def _style(i: int) -> dict:
    return {
        "color": PALETTE[i % 7],
        "ls": LINESTYLES[i % len(LINESTYLES)],
        "marker": MARKERS[i % len(MARKERS)],
    }


def _draw_roc(ax, roc, groups, legend, operating) -> None:
    ax.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls=":")
    for i, g in enumerate(groups):
        st = _style(i)
        cur = _thin(roc[roc["group"].astype(str) == g].sort_values(["fpr", "tpr"]))
        ax.plot(
            cur["fpr"],
            cur["tpr"],
            color=st["color"],
            ls=st["ls"],
            lw=1.5,
            label=plain(short(legend.get(g, g), 60)),
        )
        if g in operating and all(np.isfinite(operating[g])):
            ax.plot(
                *operating[g],
                marker=st["marker"],
                color=st["color"],
                mec="black",
                mew=0.7,
                ms=7,
                ls="",
                zorder=4,
            )
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_title("ROC")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right", fontsize=7)


def _draw_calibration(ax, cal, groups) -> None:
    ax.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls=":", label="perfect calibration")
    for i, g in enumerate(groups):
        st = _style(i)
        cur = cal[cal["group"].astype(str) == g].sort_values("mean_score")
        ax.plot(
            cur["mean_score"],
            cur["observed_rate"],
            color=st["color"],
            ls=st["ls"],
            marker=st["marker"],
            ms=4,
            lw=1.3,
            label=plain(short(g)),
        )
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_title("Calibration")
    ax.set_xlabel("mean predicted score in bin")
    ax.set_ylabel("observed positive rate")
    ax.legend(loc="upper left", fontsize=7)


def score_chart(
    roc: pd.DataFrame | None,
    cal: pd.DataFrame | None,
    *,
    groups: Sequence[str],
    legend: dict[str, str],
    operating: dict[str, tuple[float, float]],
    attribute: str,
) -> Figure:
    """ROC curve per group (operating points marked) beside calibration curves per group."""
    panels = [k for k, f in (("roc", roc), ("cal", cal)) if f is not None and not f.empty]
    with style():
        width = min(4.4 * len(panels) + 0.4, PRINT_FIGURE_IN)
        fig, axes = new_figure(
            width, (width - 0.4) / len(panels) + 0.4, ncols=len(panels), squeeze=False
        )
        for ax, kind in zip(axes[0], panels, strict=True):
            if kind == "roc":
                _draw_roc(ax, roc, groups, legend, operating)
            else:
                _draw_calibration(ax, cal, groups)
        fig.tight_layout()
    parts = []
    if "roc" in panels:
        parts.append(
            "ROC curves (true against false positive rate) with each group's "
            "operating point marked and its AUC in the legend"
        )
    if "cal" in panels:
        parts.append(
            "calibration curves (observed positive rate against mean score per "
            "bin; the dotted diagonal is perfect calibration)"
        )
    alt = f"For each group of {attribute}: " + "; ".join(parts) + "."
    return Figure(figure_to_svg(fig, tight=False), alt=alt)


def threshold_chart(
    thr: pd.DataFrame, *, groups: Sequence[str], threshold: float | None, attribute: str
) -> Figure:
    """Selection rate, TPR and FPR against the decision threshold, per group."""
    panels = [
        m
        for m in ("selection_rate", "true_positive_rate", "false_positive_rate")
        if m in thr.columns
    ]
    with style():
        fig, axes = new_figure(
            min(3.0 * len(panels) + 0.4, PRINT_FIGURE_IN),
            3.0,
            ncols=len(panels),
            squeeze=False,
            sharey=True,
        )
        for ax, metric in zip(axes[0], panels, strict=True):
            for i, g in enumerate(groups):
                st = _style(i)
                cur = _thin(thr[thr["group"] == g].sort_values("threshold"))
                ax.plot(
                    cur["threshold"],
                    cur[metric],
                    color=st["color"],
                    ls=st["ls"],
                    lw=1.4,
                    label=plain(short(g)),
                )
            if threshold is not None and np.isfinite(threshold):
                ax.axvline(threshold, color="black", lw=1.0, ls="--")
                ax.text(
                    threshold,
                    1.02,
                    f" operating point {threshold:g}",
                    fontsize=7,
                    transform=ax.get_xaxis_transform(),
                    ha="left",
                    va="bottom",
                )
            ax.set_title(metric_label(metric), pad=12)
            ax.set_xlabel("threshold")
            ax.set_xlim(0, 1)
            ax.set_ylim(-0.01, 1.01)
        handles, labels = axes[0][0].get_legend_handles_labels()
        ncol = min(len(labels), 4)
        rows = -(-len(labels) // ncol) if labels else 0
        fig.legend(
            handles, labels, loc="upper center", ncol=ncol, fontsize=7, bbox_to_anchor=(0.5, 1.0)
        )
        fig.tight_layout(rect=(0, 0, 1, 1 - (0.16 * rows + 0.05) / 3.0))
    alt = (
        f"Selection rate, true positive rate and false positive rate against the decision "
        f"threshold for each group of {attribute}"
        + (
            f"; the dashed line marks the operating threshold {threshold:g}."
            if threshold is not None and np.isfinite(threshold)
            else "."
        )
    )
    return Figure(figure_to_svg(fig, tight=False), alt=alt)
