"""The classes section of a multiclass audit's report: a grid of per-class rates (groups x
classes, one panel per rate), each group's confusion matrix, and the per-class estimates.

Like the rest of the report it only reads the result: the rates come from ``by_group`` and
the matrices from ``curves["confusion"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from ..metrics._multiclass import PER_CLASS_METRICS, split_class_column
from ..metrics._multiclass_averages import AVERAGED_METRICS
from ._blocks import MAX_CHART_GROUPS, Named, each_audit, estimates, section
from ._charts import metric_label, short
from ._document import Block, IdRegistry, RenderedSection
from ._elements import figure, h, p
from ._format import fmt_interval, fmt_number
from ._model import Figure
from ._svg import PRINT_FIGURE_IN, figure_to_svg, new_figure, plain, style
from ._views import attribute_views, confidence, group_labels

#: The rates drawn in the grid, in panel order.
GRID_METRICS = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "positive_predictive_value",
)
#: At most this many groups get a confusion matrix drawn.
MAX_MATRICES = 12

INTRO = (
    "A multiclass audit treats each class as its own yes/no decision (predicted as the class "
    "or not, against being of the class or not): every rate is reported per class, as "
    "\u201crate, class c\u201d, and every criterion per class. A criterion named without a "
    "class is its worst case across classes (the largest difference, the smallest ratio), "
    "with an interval that covers all classes at once."
)
WORST_CASE_NOTE = (
    "Multiclass audit: a criterion named with a class compares that class's rates across "
    "groups (one-vs-rest); a criterion named without one is its worst case across classes."
)
MATRIX_TEXT = (
    "Confusion matrices: each row is an observed class and shows how that class's rows "
    "(weighted) were classified; rows add up to 1. The diagonal holds each class's true "
    "positive rate (recall)."
)


AVERAGES_HEAD = (
    "Accuracy and the averages over the classes: the largest difference and the ratio "
    "furthest from 1 between a group and the reference group ({level:.0%} simultaneous "
    "intervals):"
)


def averages_markdown(audit: Any, escape: Any) -> list[str]:
    """Markdown lines of the disparities of accuracy and the averages over the classes of
    every attribute of a multiclass audit (none for another audit); ``escape`` escapes
    text from the data."""
    if not is_multiclass(audit):
        return []
    lines = [
        "",
        AVERAGES_HEAD.format(level=confidence(audit)),
        "",
        "| attribute | metric | largest difference | CI | ratio furthest from 1 | CI |",
        "|---|---|---:|---|---:|---|",
    ]
    for view in attribute_views(audit):
        d = view.result.disparities
        for m in ("accuracy", *AVERAGED_METRICS):
            if m not in d.index:
                continue
            r = d.loc[m]
            cells = [escape(view.name), m]
            for key in ("difference_to_reference", "ratio_to_reference"):
                cells += [fmt_number(r[key]), fmt_interval(r[key + "_lower"], r[key + "_upper"])]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def is_multiclass(audit: Any) -> bool:
    """Whether a result is a multiclass audit (``config["task"]``)."""
    return getattr(getattr(audit, "settings", None), "task", "binary") == "multiclass"


def class_names(by_group: pd.DataFrame) -> list[str]:
    """The classes of a multiclass result, in the order of its columns."""
    out: list[str] = []
    for col in by_group.columns:
        parts = split_class_column(col)
        if parts is not None and parts[0] == "selection_rate":
            out.append(parts[1])
    return out


def _heat(ax: Any, values: np.ndarray) -> None:
    """Cells coloured by value on [0, 1] (vector paths, no embedded image); row 0 on top;
    undefined cells are left blank and hatched."""
    rows, cols = values.shape
    ax.pcolormesh(
        np.arange(cols + 1) - 0.5,
        np.arange(rows + 1) - 0.5,
        np.ma.masked_invalid(values),
        cmap="Blues",
        vmin=0.0,
        vmax=1.0,
        edgecolors="white",
        linewidth=1.0,
    )
    for i, j in zip(*np.nonzero(~np.isfinite(values)), strict=True):
        ax.add_patch(
            Rectangle(
                (j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#bbbbbb", linewidth=0
            )
        )
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)


def rate_grid(
    by_group: pd.DataFrame, *, groups: Sequence[str], classes: Sequence[str], attribute: str
) -> Figure:
    """A heat map per rate: groups (rows) by classes (columns), the value in each cell."""
    n_g, n_c = len(groups), len(classes)
    label_w = min(2.6, 0.09 * max(len(short(g)) for g in groups) + 0.5)
    panel_w = min(0.62 * n_c + 0.4, (PRINT_FIGURE_IN - label_w - 0.9) / 2)
    width = label_w + 2 * panel_w + 0.9
    height = 2 * (0.34 * n_g + 1.0)
    with style():
        fig, axes = new_figure(width, height, nrows=2, ncols=2, squeeze=False)
        for ax, metric in zip(axes.ravel(), GRID_METRICS, strict=True):
            cols = [f"{metric}[{c}]" for c in classes]
            values = (
                by_group[cols].to_numpy(dtype=float)
                if set(cols) <= set(by_group.columns)
                else np.full((n_g, n_c), np.nan)
            )
            _heat(ax, values)
            for i in range(n_g):
                for j in range(n_c):
                    v = values[i, j]
                    text = fmt_number(v, 2) if np.isfinite(v) else "n/a"
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if np.isfinite(v) and v > 0.6 else "black",
                    )
            ax.set_title(metric_label(metric), fontsize=9)
            ax.set_xticks(range(n_c))
            ax.set_xticklabels([plain(short(c, 12)) for c in classes], fontsize=8)
            ax.set_yticks(range(n_g))
            ax.set_yticklabels([plain(short(g, 24)) for g in groups], fontsize=8)
            ax.grid(False)
            ax.tick_params(length=0)
        fig.tight_layout()
    alt = (
        f"Heat maps for {attribute}: selection rate, true positive rate, false positive rate "
        f"and precision of each class (columns: {', '.join(classes)}) in each group (rows), "
        "with the value written in each cell; darker is higher. The same numbers, with "
        "intervals, are in the tables below."
    )
    return Figure(figure_to_svg(fig, tight=False), alt=alt)


def matrix_grid(
    confusion: pd.DataFrame, *, groups: Sequence[str], classes: Sequence[str], attribute: str
) -> Figure:
    """Row-normalised confusion matrices, one small panel per group."""
    n = len(groups)
    ncols = min(3, n)
    nrows = int(np.ceil(n / ncols))
    k = len(classes)
    size = min(0.42 * k + 0.9, (PRINT_FIGURE_IN - 0.6) / ncols)
    with style():
        fig, axes = new_figure(
            ncols * size + 0.6, nrows * (size + 0.35), nrows=nrows, ncols=ncols, squeeze=False
        )
        frame = confusion.assign(
            y_true=confusion["y_true"].astype(str), y_pred=confusion["y_pred"].astype(str)
        )
        for ax, group in zip(axes.ravel(), groups, strict=False):
            cells = frame[frame["group"].astype(str) == group].pivot_table(
                index="y_true", columns="y_pred", values="weight", aggfunc="sum"
            )
            m = cells.reindex(index=list(classes), columns=list(classes)).to_numpy(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = m / m.sum(axis=1, keepdims=True)
            _heat(ax, share)
            for i in range(k):
                for j in range(k):
                    v = share[i, j]
                    ax.text(
                        j,
                        i,
                        fmt_number(v, 2) if np.isfinite(v) else "\u2013",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if np.isfinite(v) and v > 0.6 else "black",
                    )
            ax.set_title(plain(short(group, 24)), fontsize=8)
            ax.set_xticks(range(k))
            ax.set_xticklabels([plain(short(c, 8)) for c in classes], fontsize=7)
            ax.set_yticks(range(k))
            ax.set_yticklabels([plain(short(c, 8)) for c in classes], fontsize=7)
            ax.set_xlabel("predicted", fontsize=7)
            ax.set_ylabel("observed", fontsize=7)
            ax.grid(False)
            ax.tick_params(length=0)
        for ax in axes.ravel()[n:]:
            ax.set_visible(False)
        fig.tight_layout()
    alt = (
        f"Confusion matrices of each group of {attribute}: for each observed class (rows), "
        f"the share of its rows predicted as each class (columns: {', '.join(classes)})."
    )
    return Figure(figure_to_svg(fig, tight=False), alt=alt)


def classes_section(named: Named, ids: IdRegistry) -> RenderedSection | None:
    """The classes section, or None when no audit is a multiclass audit."""
    if not any(is_multiclass(a) for _, a in named):
        return None
    blocks: list[Block] = [p(INTRO)]
    for _, audit in each_audit(named, blocks):
        if not is_multiclass(audit):
            continue
        for view in attribute_views(audit):
            res = view.result
            labels = group_labels(res)
            classes = class_names(res.by_group)
            blocks.append(h(view.name, 3))
            if len(labels) <= MAX_CHART_GROUPS and classes:
                blocks.append(
                    figure(
                        rate_grid(res.by_group, groups=labels, classes=classes, attribute=view.name)
                    )
                )
            confusion = (res.curves or {}).get("confusion")
            if confusion is not None and len(labels) <= MAX_MATRICES:
                blocks.append(p(MATRIX_TEXT))
                blocks.append(
                    figure(
                        matrix_grid(confusion, groups=labels, classes=classes, attribute=view.name)
                    )
                )
            for metric in PER_CLASS_METRICS:
                wanted = [f"{metric}[{c}]" for c in classes]
                blocks.append(
                    estimates(
                        view,
                        wanted,
                        metric_label(metric),
                        overall=audit if not view.intersection else None,
                    )
                )
            blocks.append(
                estimates(
                    view,
                    [
                        "accuracy",
                        "macro_recall",
                        "macro_precision",
                        "macro_f1",
                        "weighted_recall",
                        "weighted_precision",
                        "weighted_f1",
                    ],
                    "Accuracy and averages over classes",
                )
            )
    return section(ids, "Classes", blocks)
