"""Model comparison: table and performance-versus-disparity scatter with the Pareto front.

Reads a :class:`~fairaudit.Comparison` (from ``fairaudit.mitigation.compare``: its table and
the fields naming the performance and criterion columns) and, generically, any frame with a
model column, a performance column and criterion columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from .._comparison import Comparison
from ..metrics._criteria import CRITERIA, canonical_criterion
from ._charts import metric_label, short
from ._document import Block
from ._elements import figure, note, p, table
from ._format import (
    Cell,
    TableView,
    exact,
    fmt_interval,
    is_missing,
    label,
    value_cell,
    verdict_badge,
)
from ._model import Figure
from ._svg import (
    MARKERS,
    NEUTRAL_COLOR,
    PALETTE,
    PRINT_FIGURE_IN,
    figure_to_svg,
    new_figure,
    plain,
    style,
)
from ._text import CRITERIA_TEXT, OLD_NAMES, criterion_label

PERFORMANCE_COLUMNS = ("accuracy", "balanced_accuracy", "roc_auc", "f1", "f1_score")
NAME_COLUMNS = ("model", "name", "mitigator", "method", "estimator")
MAX_PANELS = 3
SUFFIXES = ("_lower", "_upper", "_verdict")
#: Columns left out of the report's table (they stay in ``Comparison.table``): wall-clock
#: times, which say nothing about fairness, differ from run to run and widen the table.
TIMING_SUFFIX = "_seconds"


def shown_columns(frame: pd.DataFrame, name_col) -> list:
    """The columns of ``frame`` that the comparison table shows, in order: all but the
    model names, the interval bounds and verdicts (shown inside their estimate's cell) and
    the wall-clock times (names ending in ``_seconds``)."""
    return [
        c
        for c in frame.columns
        if c != name_col and not str(c).endswith(SUFFIXES) and not str(c).endswith(TIMING_SUFFIX)
    ]


def model_names(frame: pd.DataFrame) -> tuple[list[str], str | None]:
    """Names of the compared models and the column they come from (None: the index)."""
    index = frame.index
    if index.name is not None or not isinstance(index, pd.RangeIndex):
        return [label(v) for v in index], None
    for col in frame.columns:
        if str(col).lower() in NAME_COLUMNS:
            return [label(v) for v in frame[col]], col
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]):
            return [label(v) for v in frame[col]], col
    return [label(v) for v in index], None


def _numeric(frame: pd.DataFrame, col) -> bool:
    return pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])


def performance_column(frame: pd.DataFrame):
    """The performance column of a generic comparison frame (a Comparison names its own)."""
    names = {str(c).lower(): c for c in frame.columns}
    for want in PERFORMANCE_COLUMNS:
        if want in names and _numeric(frame, names[want]):
            return names[want]
    for c in frame.columns:
        if "accuracy" in str(c).lower() and _numeric(frame, c) and not str(c).endswith(SUFFIXES):
            return c
    return None


def _kind(name: str) -> str:
    """Kind of a column recognised by its name in a generic frame."""
    return "ratio" if ("ratio" in name or "four_fifths" in name) else "difference"


def criterion_kind(name: str) -> str:
    """Kind of a named criterion of the audit engine: "difference" or "ratio"."""
    return CRITERIA[canonical_criterion(name)].kind


def criterion_columns(frame: pd.DataFrame) -> list[tuple[object, str]]:
    """(column, kind) of disparity columns of a generic frame in display order; kind:
    difference or ratio."""
    found = []
    for c in frame.columns:
        name = str(c).lower()
        if not _numeric(frame, c) or name.endswith(SUFFIXES):
            continue
        if any(k in name for k in CRITERIA_TEXT) or name.endswith(("_difference", "_ratio")):
            found.append((c, _kind(name)))
    return sorted(found, key=lambda ck: ck[1] != "difference")


def pareto_mask(perf: np.ndarray, disparity: np.ndarray, kind: str) -> np.ndarray:
    """True for models that no other model beats on both axes (higher performance; lower
    difference or higher ratio) with at least one strict improvement."""
    cost = disparity if kind == "difference" else -disparity
    ok = np.isfinite(perf) & np.isfinite(cost)
    better_perf = perf[None, :] >= perf[:, None]
    better_cost = cost[None, :] <= cost[:, None]
    strict = (perf[None, :] > perf[:, None]) | (cost[None, :] < cost[:, None])
    dominated = (better_perf & better_cost & strict & ok[None, :]).any(axis=1)
    return ok & ~dominated


def _nice(col: object) -> str:
    name = str(col)
    known = name in CRITERIA_TEXT or name in OLD_NAMES
    return criterion_label(name) if known else metric_label(name)


def _bounds(frame: pd.DataFrame, col) -> tuple[np.ndarray, np.ndarray] | None:
    lo, hi = f"{col}_lower", f"{col}_upper"
    if lo in frame.columns and hi in frame.columns:
        return (
            pd.to_numeric(frame[lo], errors="coerce").to_numpy(dtype=float),
            pd.to_numeric(frame[hi], errors="coerce").to_numpy(dtype=float),
        )
    return None


def pareto_chart(frame: pd.DataFrame, names: list[str], perf_col, crit_cols) -> Figure:
    perf = pd.to_numeric(frame[perf_col], errors="coerce").to_numpy(dtype=float)
    perf_ci = _bounds(frame, perf_col)
    n = len(crit_cols)
    with style():
        width = min(3.5 * n + 0.6, PRINT_FIGURE_IN)
        fig, axes = new_figure(width, 3.7, ncols=n, squeeze=False, sharey=True)
        for ax, (col, kind) in zip(axes[0], crit_cols, strict=True):
            disp = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            disp_ci = _bounds(frame, col)
            front = pareto_mask(perf, disp, kind)
            order = np.argsort(disp[front])
            if front.sum() > 1:
                ax.plot(
                    disp[front][order],
                    perf[front][order],
                    color=NEUTRAL_COLOR,
                    lw=1.2,
                    ls="--",
                    zorder=1,
                )
            for i, name in enumerate(names):
                if not (np.isfinite(perf[i]) and np.isfinite(disp[i])):
                    continue
                color = PALETTE[i % 7]
                if disp_ci is not None and np.isfinite(disp_ci[0][i]):
                    ax.plot(
                        [disp_ci[0][i], disp_ci[1][i]],
                        [perf[i], perf[i]],
                        color=color,
                        lw=1,
                        alpha=0.7,
                        zorder=2,
                    )
                if perf_ci is not None and np.isfinite(perf_ci[0][i]):
                    ax.plot(
                        [disp[i], disp[i]],
                        [perf_ci[0][i], perf_ci[1][i]],
                        color=color,
                        lw=1,
                        alpha=0.7,
                        zorder=2,
                    )
                ax.plot(
                    disp[i],
                    perf[i],
                    ls="",
                    marker=MARKERS[i % len(MARKERS)],
                    color=color,
                    ms=8 if front[i] else 6,
                    mec="black" if front[i] else "white",
                    mew=1.3 if front[i] else 0.5,
                    zorder=3,
                    label=plain(short(name, 40)),
                )
            ax.set_xlabel(
                plain(_nice(col))
                + ("\n(lower is fairer)" if kind == "difference" else "\n(higher is fairer)")
            )
            ax.margins(0.12)
        axes[0][0].set_ylabel(plain(_nice(perf_col)))
        handles, labels = axes[0][0].get_legend_handles_labels()
        handles += [
            Line2D([], [], color=NEUTRAL_COLOR, ls="--", label="Pareto front"),
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                mfc="white",
                mec="black",
                mew=1.3,
                label="on the front (black outline)",
            ),
        ]
        ncol = min(len(handles), 3)  # three columns of long model names fit the width
        rows = -(-len(handles) // ncol)
        fig.legend(
            handles=handles, loc="upper center", ncol=ncol, fontsize=7, bbox_to_anchor=(0.5, 1.0)
        )
        fig.tight_layout(rect=(0, 0, 1, 1 - (0.17 * rows + 0.05) / 3.7))
    alt = (
        f"Scatter of {_nice(perf_col)} against "
        f"{', '.join(_nice(c) for c, _ in crit_cols)} for each compared model with "
        "confidence intervals, and the Pareto front (models not beaten on both axes) "
        "joined by a dashed line. The same numbers are in the table."
    )
    return Figure(
        figure_to_svg(fig, tight=False),
        alt=alt,
        caption=(
            "Performance against disparity, with confidence intervals. Models on the dashed "
            "Pareto front are not beaten on both performance and fairness by another model."
        ),
    )


#: How a model's ``kind`` reads under its name in the table: "pre-processing", like the
#: other two, so that it may wrap at its hyphen.
KIND_TEXT = {"preprocessing": "pre-processing"}


def comparison_view(
    frame: pd.DataFrame, names: list[str], name_col, front: np.ndarray | None, front_label: str
) -> TableView:
    """One row per model, its kind (pre-, in- or post-processing) under its name; an
    estimate with its interval under it, verdicts as badges (the other columns of
    :func:`shown_columns`)."""
    columns = shown_columns(frame, name_col)
    kinds = frame["kind"] if "kind" in columns else None
    if kinds is not None:  # under each model's name: one column less to print
        columns.remove("kind")
    head = [
        [Cell(text="model", header=True, cls="index")]
        + [
            Cell(
                text=_nice(c)
                if str(c) in CRITERIA_TEXT or str(c) in PERFORMANCE_COLUMNS
                else str(c).replace("_", " "),
                header=True,
            )
            for c in columns
        ]
    ]
    if front is not None:
        head[0].append(Cell(text=front_label, header=True))
    body = []
    for i, name in enumerate(names):
        kind = "" if kinds is None or is_missing(kinds.iloc[i]) else str(kinds.iloc[i])
        kind = KIND_TEXT.get(kind, kind) if kind != name else ""
        row = [Cell(text=name, header=True, cls="index", sub=kind)]
        for c in columns:
            v = frame[c].iloc[i]
            cell = value_cell(v, 3)
            bounds = _bounds(frame, c)
            sub = ""
            if bounds is not None and not (is_missing(bounds[0][i]) and is_missing(bounds[1][i])):
                sub = fmt_interval(bounds[0][i], bounds[1][i])
            verdict_col = f"{c}_verdict"
            badge = verdict_badge(frame[verdict_col].iloc[i]) if verdict_col in frame else None
            cls = f"{cell.cls} verdict {badge[0]}" if badge else cell.cls
            row.append(
                Cell(
                    text=cell.text,
                    value=cell.value if cell.value else exact(v),
                    cls=cls,
                    badge=badge,
                    sub=sub,
                )
            )
        if front is not None:
            row.append(value_cell(bool(front[i]), 3))
        body.append(row)
    return TableView(head=head, body=body, caption="Model comparison", cls="estimates")


def comparison_blocks(comparison: Comparison | pd.DataFrame) -> list[Block]:
    """Blocks for a model comparison: a :class:`Comparison`, or a generic frame whose
    performance and criterion columns are recognised by name."""
    if isinstance(comparison, Comparison):
        frame = comparison.table
        perf_col = comparison.performance
        crit_cols = [(c, criterion_kind(c)) for c in comparison.criteria]
        attribute, skipped = comparison.attribute, dict(comparison.skipped)
    else:
        frame = comparison
        perf_col = performance_column(frame)
        crit_cols = criterion_columns(frame)
        attribute, skipped = "", {}
    if frame.empty:
        return [note("The comparison table is empty.", "info")]
    names, name_col = model_names(frame)
    intro = (
        "Each row is a model trained or post-processed differently on the same data and "
        "evaluated on the same held-out data. Mitigation usually trades some performance "
        "for smaller disparities; the Pareto front shows the models worth considering."
    )
    if attribute:
        intro += f" Disparities refer to the attribute '{attribute}'."
    blocks: list[Block] = [p(intro)]
    front, front_label = None, ""
    if perf_col is not None and crit_cols:
        panels = crit_cols[:MAX_PANELS]
        blocks.append(figure(pareto_chart(frame, names, perf_col, panels)))
        perf = pd.to_numeric(frame[perf_col], errors="coerce").to_numpy(dtype=float)
        col, kind = panels[0]
        disp = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        front = pareto_mask(perf, disp, kind)
        front_label = "Pareto front"  # of the first criterion, named in the sentence below
    else:
        blocks.append(
            note(
                "No performance column (such as accuracy) or no disparity column "
                "was found, so no scatter is drawn.",
                "info",
            )
        )
    blocks.append(table(comparison_view(frame, names, name_col, front, front_label)))
    if front is not None:
        on = [f"'{n}'" for n, f in zip(names, front, strict=True) if f]
        blocks.append(
            p(
                f"On the Pareto front for {_nice(crit_cols[0][0])}: "
                + (", ".join(on) or "none")
                + "."
            )
        )
    if skipped:
        blocks.append(
            p("Not compared: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) + ".")
        )
    return blocks
