"""Report sections for the data and the model's generalisation: "Who is in the data"
(:func:`representation_section`) and "Overfitting by group"
(:func:`generalization_section`).

Each reads a computed result (:class:`fairaudit.Representation`,
:class:`fairaudit.GeneralizationGap`) and returns a :class:`Section` for
:func:`fairaudit.report.render_document`; none computes a statistic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._charts import in_sentence, metric_label, short
from ._format import fmt_interval, fmt_number
from ._model import Figure, Table
from ._sections import Section
from ._svg import NEUTRAL_COLOR, PALETTE, figure_to_svg, new_figure, plain, style

if TYPE_CHECKING:  # pragma: no cover
    from .._generalization import GeneralizationGap
    from .._representation import Representation

ERR_REPRESENTATION = "representation_section needs a fairaudit.Representation; got {type}."
ERR_GAP = "generalization_section needs a fairaudit.GeneralizationGap; got {type}."


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _p(p: float) -> str:
    return f"p = {p:.2g}" if p >= 1e-4 else "p < 0.0001"


def _labels(index: pd.Index) -> list[str]:
    return [" \u00d7 ".join(map(str, g)) if isinstance(g, tuple) else str(g) for g in index]


# ------------------------------------------------------------------ representation
def _share_chart(rep: Representation) -> Figure:
    table = rep.groups
    names = _labels(table.index)
    n = len(names)
    pct = f"{100 * rep.confidence_level:g}%"
    with style():
        fig, ax = new_figure(6.4, 0.4 * n + 1.4)
        y = np.arange(n)[::-1]
        share = table["share"].to_numpy(float)
        lo, hi = table["share_lower"].to_numpy(float), table["share_upper"].to_numpy(float)
        ax.hlines(y, lo, hi, color=PALETTE[0], lw=1.6, zorder=2)
        ax.plot(
            share,
            y,
            ls="",
            marker="o",
            ms=6,
            color=PALETTE[0],
            zorder=3,
            label=f"share of the data ({pct} CI)",
        )
        top = np.nanmax(hi)
        if "reference_share" in table.columns:
            ref = table["reference_share"].to_numpy(float)
            ax.plot(
                ref,
                y,
                ls="",
                marker="D",
                ms=6,
                mfc="none",
                mew=1.5,
                color=PALETTE[1],
                zorder=4,
                label="reference share",
            )
            top = max(top, np.nanmax(ref))
        ax.set_yticks(y)
        ax.set_yticklabels([plain(short(g)) for g in names])
        ax.set_xlim(0, min(1.0, 1.1 * top + 0.02))
        ax.set_ylim(-0.7, n - 0.3)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("share of rows")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
        fig.tight_layout()
    alt = (
        f"Dot chart: each group's share of the data (circles) with {pct} confidence "
        "intervals"
        + (
            ", and its share of the reference population (open diamonds)"
            if "reference_share" in table.columns
            else ""
        )
        + ". The same numbers are in the table below."
    )
    return Figure(figure_to_svg(fig, tight=False), alt=alt)


def _representation_sentences(rep: Representation) -> list[str]:
    table = rep.groups
    pct = f"{100 * rep.confidence_level:g}%"
    out = [
        f"{rep.n_rows:,} rows in {len(table)} group(s)"
        + (
            f" (effective sample size {rep.effective_n:,.1f})"
            if rep.effective_n < rep.n_rows
            else ""
        )
        + "."
    ]
    if rep.test is None:
        out.append("No reference population was given: the shares are described, not tested.")
    else:
        if rep.p_value < 0.05:
            verdict = "The sample's groups differ from the reference population"
        else:
            verdict = "The sample is not detectably different from the reference population"
        out.append(
            f"{verdict} ({rep.test} test, {_p(rep.p_value)}; total variation distance "
            f"{fmt_number(rep.divergences['tvd'])}, KL divergence "
            f"{fmt_number(rep.divergences['kl'])})."
        )
        names = _labels(table.index)
        outside = (table["reference_share"] < table["share_lower"]) | (
            table["reference_share"] > table["share_upper"]
        )
        order = np.argsort(table["ratio"].to_numpy(float))
        for i in order:
            if not outside.iloc[i]:
                continue
            row = table.iloc[i]
            out.append(
                f"{names[i]} is {_pct(row['share'])} of the data ({pct} CI "
                f"{_pct(row['share_lower'])}\u2013{_pct(row['share_upper'])}) against "
                f"{_pct(row['reference_share'])} of the reference: "
                f"{fmt_number(row['ratio'], 2)} times its population share."
            )
    if rep.labels is not None:
        lab = rep.labels
        names = _labels(lab.index)
        i = int(np.nanargmax(np.abs(lab["dpl"].to_numpy(float))))
        out.append(
            f"Labels: {names[i]} has positive labels at {_pct(lab['positive_rate'].iloc[i])} "
            f"against {_pct(lab['positive_rate'].iloc[i] + lab['dpl'].iloc[i])} for the "
            f"other rows (difference in positive proportions {fmt_number(lab['dpl'].iloc[i])})."
            " Differences in labels exist before any model; a model trained on them learns them."
        )
    out.extend(rep.notes)
    return out


def representation_section(rep: Representation, *, heading: str = "Who is in the data") -> Section:
    """A report section for a :class:`fairaudit.Representation`: sentences, a share chart,
    the group table and, with labels, the label-measure table."""
    from .._representation import Representation

    if not isinstance(rep, Representation):
        raise TypeError(ERR_REPRESENTATION.format(type=type(rep).__name__))
    groups = rep.groups.copy()
    groups.index = _labels(groups.index)
    groups.index.name = "group"
    tables = [Table(groups, caption="Each group's share of the data and of the reference.")]
    if rep.labels is not None:
        labels = rep.labels.copy()
        labels.index = _labels(labels.index)
        labels.index.name = "group"
        tables.append(
            Table(
                labels,
                caption="Label measures of each group against the other rows "
                "(SageMaker Clarify's pre-training set).",
            )
        )
    return Section(
        heading=heading,
        paragraphs=_representation_sentences(rep),
        figures=[_share_chart(rep)],
        tables=tables,
        id="who-is-in-the-data",
    )


# -------------------------------------------------------------------- generalization
def _gap_chart(gap: GeneralizationGap, metric: str) -> Figure:
    part = gap.table.xs(metric, level="metric")
    names = _labels(part.index)
    n = len(names)
    pct = f"{100 * gap.confidence_level:g}%"
    with style():
        fig, ax = new_figure(6.4, 0.4 * n + 1.4)
        y = np.arange(n)[::-1]
        g = part["gap"].to_numpy(float)
        lo, hi = part["gap_lower"].to_numpy(float), part["gap_upper"].to_numpy(float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.axvline(0.0, color=NEUTRAL_COLOR, lw=1.0, ls="--", zorder=1)
        ax.hlines(y[ok], lo[ok], hi[ok], color=PALETTE[0], lw=1.6, zorder=2)
        ax.plot(
            g,
            y,
            ls="",
            marker="o",
            ms=6,
            color=PALETTE[0],
            zorder=3,
            label=f"training \u2212 held-out ({pct} CI)",
        )
        ax.set_yticks(y)
        ax.set_yticklabels([plain(short(s)) for s in names])
        ax.set_ylim(-0.7, n - 0.3)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"gap in {plain(in_sentence(metric_label(metric)))}")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=1)
        fig.tight_layout()
    alt = (
        f"Dot-and-whisker chart: for each group, the {in_sentence(metric_label(metric))} on the "
        f"training rows minus on held-out rows, with {pct} confidence intervals; the dashed "
        "line is no gap. The same numbers are in the table below."
    )
    return Figure(figure_to_svg(fig, tight=False), alt=alt)


def _gap_sentences(gap: GeneralizationGap) -> list[str]:
    out = []
    pct = f"{100 * gap.confidence_level:g}%"
    for metric in gap.metrics:
        ranked = gap.most_overfit(metric)
        ranked = ranked[np.isfinite(ranked["gap"].to_numpy(float))]
        label = in_sentence(metric_label(metric))
        if ranked.empty:
            out.append(f"The {label} could not be compared: no group has rows in both sets.")
            continue
        first = ranked.iloc[0]
        name = _labels(ranked.index[:1])[0]
        out.append(
            f"Largest {label} gap: {name}, {fmt_number(first['train'])} on the training rows "
            f"against {fmt_number(first['test'])} held out (gap {fmt_number(first['gap'])}, "
            f"{pct} CI {fmt_interval(first['gap_lower'], first['gap_upper'])}; "
            f"{fmt_number(int(first['n_test']))} held-out rows in the denominator)."
        )
        flagged = _labels(pd.Index(gap.overfit_groups(metric)))
        out.append(
            f"Groups whose {label} gap excludes 0: " + ", ".join(flagged) + "."
            if flagged
            else f"No group's {label} gap excludes 0."
        )
    out.append(
        "A small gap is not a good model: read it next to the held-out value (a model that "
        "under-fits a group has no gap and a poor held-out metric)."
    )
    return out


def generalization_section(
    gap: GeneralizationGap, *, heading: str = "Overfitting by group"
) -> Section:
    """A report section for a :class:`fairaudit.GeneralizationGap`: sentences, a gap chart
    for the first metric and the full table."""
    from .._generalization import GeneralizationGap

    if not isinstance(gap, GeneralizationGap):
        raise TypeError(ERR_GAP.format(type=type(gap).__name__))
    table = gap.table.reset_index()
    group_cols = [c for c in table.columns if c not in gap.table.columns and c != "metric"]
    table["group"] = _labels(
        pd.Index(
            list(table[group_cols].itertuples(index=False, name=None))
            if len(group_cols) > 1
            else table[group_cols[0]]
        )
    )
    table["metric"] = [metric_label(m) for m in table["metric"]]
    table = table.drop(columns=[c for c in group_cols if c != "group"]).set_index(
        ["metric", "group"]
    )
    return Section(
        heading=heading,
        paragraphs=_gap_sentences(gap),
        figures=[_gap_chart(gap, gap.metrics[0])],
        tables=[Table(table, caption="Each group's metric on the training and held-out rows.")],
        id="overfitting-by-group",
    )
