"""Model comparison: table and performance-versus-disparity scatter with the Pareto front."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ._charts import metric_label, short
from ._document import Block, figure, note, p, table
from ._format import label, table_view
from ._model import Figure
from ._svg import FAIL_COLOR, MARKERS, NEUTRAL_COLOR, PALETTE, figure_to_svg, new_figure, plain
from ._text import CRITERIA_TEXT, criterion_label

PERFORMANCE_COLUMNS = ("accuracy", "balanced_accuracy", "roc_auc", "f1", "f1_score")
MAX_PANELS = 3


def model_names(frame: pd.DataFrame) -> tuple[list[str], str | None]:
    """Names of the compared models and the column they come from (None for the index)."""
    for col in frame.columns:
        if str(col).lower() in {"model", "name", "mitigator", "method", "estimator"}:
            return [label(v) for v in frame[col]], col
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(
            frame[col]
        ):
            return [label(v) for v in frame[col]], col
    return [label(v) for v in frame.index], None


def performance_column(frame: pd.DataFrame) -> str | None:
    names = {str(c).lower(): c for c in frame.columns}
    for want in PERFORMANCE_COLUMNS:
        if want in names and pd.api.types.is_numeric_dtype(frame[names[want]]):
            return names[want]
    for c in frame.columns:
        if "accuracy" in str(c).lower() and pd.api.types.is_numeric_dtype(frame[c]):
            return c
    return None


def criterion_columns(frame: pd.DataFrame) -> list[tuple[object, str]]:
    """(column, kind) of disparity columns, differences first; kind is difference or ratio."""
    found = []
    for c in frame.columns:
        name = str(c).lower()
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
            continue
        if name.endswith(("_lower", "_upper")):
            continue
        if any(k in name for k in CRITERIA_TEXT) or name.endswith(("_difference", "_ratio")):
            kind = "ratio" if ("ratio" in name or "four_fifths" in name) else "difference"
            found.append((c, kind))
    return sorted(found, key=lambda ck: ck[1] != "difference")


def pareto_mask(perf: np.ndarray, disparity: np.ndarray, kind: str) -> np.ndarray:
    """True for models no other model beats on both axes (higher performance; lower
    difference or higher ratio), with at least one strict improvement."""
    cost = disparity if kind == "difference" else -disparity
    ok = np.isfinite(perf) & np.isfinite(cost)
    better_perf = perf[None, :] >= perf[:, None]
    better_cost = cost[None, :] <= cost[:, None]
    strict = (perf[None, :] > perf[:, None]) | (cost[None, :] < cost[:, None])
    dominated = (better_perf & better_cost & strict & ok[None, :]).any(axis=1)
    return ok & ~dominated


def _nice(col: object) -> str:
    name = str(col)
    return criterion_label(name) if name in CRITERIA_TEXT else metric_label(name)


def pareto_chart(frame: pd.DataFrame, names: list[str], perf_col, crit_cols) -> Figure:
    perf = pd.to_numeric(frame[perf_col], errors="coerce").to_numpy(dtype=float)
    n = len(crit_cols)
    fig, axes = new_figure(3.6 * n + 0.6, 3.6, ncols=n, squeeze=False, sharey=True)
    for ax, (col, kind) in zip(axes[0], crit_cols, strict=True):
        disp = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        front = pareto_mask(perf, disp, kind)
        order = np.argsort(disp[front])
        if front.sum() > 1:
            ax.plot(
                disp[front][order],
                perf[front][order],
                color=NEUTRAL_COLOR,
                lw=1.2,
                ls="--",
                drawstyle="steps-post" if kind == "difference" else "steps-pre",
                zorder=1,
            )
        for i, name in enumerate(names):
            if not (np.isfinite(perf[i]) and np.isfinite(disp[i])):
                continue
            ax.plot(
                disp[i],
                perf[i],
                ls="",
                marker=MARKERS[i % len(MARKERS)],
                color=PALETTE[i % 7],
                ms=8 if front[i] else 6,
                mec="black" if front[i] else "white",
                mew=1.2 if front[i] else 0.5,
                zorder=3,
            )
            ax.annotate(
                plain(short(name, 22)),
                (disp[i], perf[i]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
            )
        ax.set_xlabel(
            plain(_nice(col))
            + (" (lower is fairer)" if kind == "difference" else " (higher is fairer)")
        )
        ax.margins(0.15)
    axes[0][0].set_ylabel(plain(_nice(perf_col)))
    handles = [
        Line2D([], [], color=NEUTRAL_COLOR, ls="--", label="Pareto front"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="white",
            mec="black",
            mew=1.2,
            label="on the front (black outline)",
        ),
    ]
    axes[0][-1].legend(handles=handles, loc="lower right", fontsize=7)
    fig.tight_layout()
    alt = (
        f"Scatter of {_nice(perf_col)} against "
        f"{', '.join(_nice(c) for c, _ in crit_cols)} for each compared model, with the "
        "Pareto front (models not beaten on both axes) joined by a dashed line. The same "
        "numbers are in the table."
    )
    return Figure(
        figure_to_svg(fig, tight=False),
        alt=alt,
        caption=(
            "Performance against disparity. Models on the dashed Pareto front are not beaten "
            "on both performance and fairness by any other model; off the front, another model "
            "is at least as good on both."
        ),
    )


def comparison_blocks(frame: pd.DataFrame) -> list[Block]:
    """Blocks for a model-comparison table (generic over its columns)."""
    if frame.empty:
        return [note("The comparison table is empty.", "info")]
    names, name_col = model_names(frame)
    perf_col = performance_column(frame)
    crit_cols = criterion_columns(frame)
    blocks: list[Block] = [
        p(
            "Each row is a model trained or post-processed differently on the same data and "
            "evaluated on the same test set. Mitigation usually trades some performance for "
            "smaller disparities; the Pareto front shows the models worth considering."
        )
    ]
    shown = frame.copy()
    if perf_col is not None and crit_cols:
        panels = crit_cols[:MAX_PANELS]
        blocks.append(figure(pareto_chart(frame, names, perf_col, panels)))
        perf = pd.to_numeric(frame[perf_col], errors="coerce").to_numpy(dtype=float)
        col, kind = panels[0]
        disp = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        shown[f"Pareto front ({_nice(col)})"] = pareto_mask(perf, disp, kind)
    else:
        blocks.append(
            note(
                "No performance column (such as accuracy) or no disparity column "
                "was found, so no scatter is drawn.",
                "info",
            )
        )
    if name_col is not None:
        shown = shown.set_index(name_col)
    blocks.append(table(table_view(shown, caption="Model comparison", digits=3)))
    if perf_col is not None and crit_cols:
        front_names = [n for n, f in zip(names, shown.iloc[:, -1].astype(bool), strict=True) if f]
        blocks.append(
            p(
                f"On the Pareto front for {_nice(crit_cols[0][0])}: "
                + (", ".join(f"'{n}'" for n in front_names) or "none")
                + "."
            )
        )
    _ = FAIL_COLOR
    return blocks
