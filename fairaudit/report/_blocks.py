"""Pieces shared by the sections of the audit report.

Per-audit headings, verdict badges, estimate tables, small groups and the suppression
note. Like the rest of the report, nothing here computes a metric.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from ._charts import metric_label
from ._document import Block, IdRegistry, RenderedSection
from ._elements import Heading, h, table
from ._format import (
    FEW_LEGEND,
    FEW_MARK,
    VERDICTS,
    TableView,
    estimate_table,
    fmt_number,
    is_missing,
    join_words,
    verdict_badge,
)
from ._views import AttributeView, few_flags

GE, LE = "\u2265", "\u2264"
#: A criterion without a tolerance (it has no default, and none was given).
NO_TOLERANCE = "none set"
MAX_CHART_GROUPS = 30
MAX_SUPPRESSED_LISTED = 12

Named = Sequence[tuple[str, Any]]


def badge(verdict: Any) -> tuple[str, str, str]:
    """(css class, symbol, word) of a verdict; N/A for anything unknown."""
    return verdict_badge(str(verdict)) or VERDICTS["n/a"]


_COUNT_WORDS = (
    ("fail", "fails", "fail"),
    ("inconclusive", "is inconclusive", "are inconclusive"),
    ("pass", "passes", "pass"),
)


def count_text(counts: dict[str, int]) -> str:
    """How many criteria were evaluated and with what verdict, and how many were not, e.g.
    "3 criteria pass; 1 could not be evaluated." ``counts`` has the keys of
    ``AuditResult.verdict_counts`` ("n/a": not evaluated)."""
    evaluated = sum(int(counts.get(k, 0)) for k, _, _ in _COUNT_WORDS)
    missing = int(counts.get("n/a", 0))
    total = evaluated + missing
    if total == 0:
        return "No criterion was computed."
    if evaluated == 0:
        return (
            "The only criterion could not be evaluated."
            if total == 1
            else f"None of the {total} criteria could be evaluated."
        )
    phrases = [(int(counts[k]), one, many) for k, one, many in _COUNT_WORDS if counts.get(k)]
    words = []
    for i, (n, one, many) in enumerate(phrases):
        noun = ("criterion " if n == 1 else "criteria ") if i == 0 else ""
        words.append(f"{n} {noun}{one if n == 1 else many}")
    text = join_words(words)
    if missing:
        return f"{text}; {missing} could not be evaluated."
    return f"{text} (all {total} evaluated)." if total > 1 else f"{text}."


def tolerance_text(kind: Any, tolerance: Any) -> str:
    """``≥ 0.800`` for a ratio, ``≤ 0.100`` for a difference; :data:`NO_TOLERANCE` when
    the criterion has none."""
    if is_missing(tolerance):
        return NO_TOLERANCE
    return f"{GE if str(kind) == 'ratio' else LE} {fmt_number(tolerance, 3)}"


def each_audit(named: Named, blocks: list[Block]) -> Iterator[tuple[str, Any]]:
    """Yield each (name, audit), first adding its heading to ``blocks`` when there are several.

    With several audits, the headings the caller adds under an audit's (an attribute's, say)
    move one level down, so that they read as its parts, and the heading of an audit that
    added nothing is dropped.
    """
    if len(named) < 2:
        yield from named
        return
    start = len(blocks)
    marks: list[int] = []
    try:
        for name, audit in named:
            marks.append(len(blocks))
            blocks.append(h(name))
            yield name, audit
    finally:
        _nest_under_audits(blocks, start, set(marks))


def _nest_under_audits(blocks: list[Block], start: int, marks: set[int]) -> None:
    """Demote the sub-headings after ``start`` that are not an audit's heading (at the
    positions ``marks``), and drop the audit headings with nothing under them."""
    out: list[Block] = []
    for i, block in enumerate(blocks[start:], start):
        if i in marks:
            out.append(block)
            continue
        if isinstance(block, Heading) and block.level >= 3:
            block = replace(block, level=block.level + 1)
        out.append(block)
    kept = [
        b
        for j, b in enumerate(out)
        if not (j + start in marks and (j + 1 == len(out) or j + 1 + start in marks))
    ]
    blocks[start:] = kept


def section(ids: IdRegistry, heading: str, blocks: list[Block]) -> RenderedSection:
    return RenderedSection(ids(heading), heading, blocks)


def separate_intersection(view: AttributeView, views: Sequence[AttributeView]) -> bool:
    """True for the intersection of several attributes, shown apart from each attribute."""
    return view.intersection and len(views) > 1


def present(frame: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    return [m for m in metrics if m in frame.columns]


def estimates(
    view: AttributeView, wanted: Sequence[str], what: str, *, overall: Any = None
) -> Block:
    """The ``wanted`` metrics of each group of ``view`` with intervals, captioned "``what`` by
    group of ...", with a first row "Overall" from ``overall`` when given."""
    result = view.result
    metrics = present(result.by_group, wanted)
    flags = few_flags(result)
    extra = [("Overall", overall.overall, overall.overall_intervals)] if overall is not None else []
    return table(
        estimate_table(
            result.by_group,
            result.intervals,
            metrics,
            [metric_label(m) for m in metrics],
            index_name=view.name,
            caption=f"{what} by group of {view.name}",
            extra_rows=extra,
            flags=flags,
            flag_title=few_legend(overall if overall is not None else result),
        )
    )


def few_legend(audit: Any) -> str:
    """The legend of the flag on values resting on few observations."""
    return FEW_LEGEND.format(mark=FEW_MARK, m=audit.settings.min_group_size)


def flag_column(tv: TableView, column: int, flags: Sequence[bool], title: str) -> TableView:
    """``tv`` with the cell in ``column`` of each body row whose flag is set marked as
    resting on few observations (and the legend added when any is)."""
    body = [
        [
            replace(c, flag=FEW_MARK, flag_title=title) if j == column and flag else c
            for j, c in enumerate(row)
        ]
        for row, flag in zip(tv.body, flags, strict=True)
    ]
    notes = list(tv.notes) + ([title] if any(flags) and title not in tv.notes else [])
    return replace(tv, body=body, notes=notes)


def small_groups(view: AttributeView) -> pd.DataFrame | None:
    """Rows of the view's group table flagged small; None when there is no such flag."""
    groups = view.result.groups
    if isinstance(groups, pd.DataFrame) and "small" in groups.columns:
        return groups[groups["small"].astype(bool)]
    return None


def counts_text(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {fmt_number(v)}" for k, v in counts.items())


def suppression_text(audit: Any) -> str:
    """Sentence on small-cell suppression (empty when the audit suppresses nothing)."""
    suppress = audit.settings.suppress_below
    if suppress is None:
        return ""
    hidden = [str(g) for g in audit.suppressed_groups or []]
    text = f" Cells with fewer than {suppress} members are suppressed"
    if not hidden:
        return text + " (none was)."
    listed = "; ".join(hidden[:MAX_SUPPRESSED_LISTED]) + (
        "; \u2026" if len(hidden) > MAX_SUPPRESSED_LISTED else ""
    )
    return text + f": {len(hidden)} cell(s) are not shown ({listed})."
