"""User sections and whole documents: text, figures and tables, and embedded audits and
model comparisons.

:class:`Section` is what a user writes; :func:`section_blocks` turns it into the page's
blocks, handing its audits to :func:`audit_summary_blocks` and its comparison to
:func:`~._compare.comparison_blocks`. This is content: the generic page layer
(:mod:`._document`, :mod:`._elements`) never imports it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._comparison import Comparison
from ._blocks import badge
from ._compare import comparison_blocks
from ._disparities import disparity_blocks
from ._document import Block, IdRegistry, RenderedSection, page
from ._elements import figure, h, p, table
from ._model import DOCUMENT_SECTIONS, Figure, Table, _as_tuple, check_path, check_title
from ._verdict import criteria_grid, verdict_banner
from ._views import attribute_views, audit_name, is_audit

if TYPE_CHECKING:  # pragma: no cover
    from .._result import AuditResult

SECTION_HEADING = "Section.heading must be a non-empty str"
SECTION_PARAGRAPHS = "Section.paragraphs must be a str or a sequence of str (plain text, no HTML)"
SECTION_FIGURES = "Section.figures must be a sequence of fairaudit.report.Figure"
SECTION_TABLES = "Section.tables must be a sequence of fairaudit.report.Table or DataFrame"
SECTION_AUDITS = "Section.audits must be a sequence of AuditResult"
SECTION_COMPARISON = (
    "Section.comparison must be a Comparison (from fairaudit.mitigation.compare), a pandas "
    "DataFrame or None"
)
SECTION_ID = (
    "Section.id must be None or a str of letters, digits, '-' and '_' starting with a letter"
)

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True, eq=False)
class Section:
    """One section of a report.

    Parameters
    ----------
    heading : str
        Section title (plain text).
    paragraphs : str or sequence of str, default ()
        Plain-text paragraphs, escaped on output (no HTML, no Markdown).
    figures : sequence of Figure, default ()
    tables : sequence of Table or DataFrame, default ()
        DataFrames are wrapped in :class:`Table` with default options.
    audits : sequence of AuditResult, default ()
        Each is embedded as a compact summary: criteria grid, disparity chart and tables.
    comparison : Comparison, pandas.DataFrame or None, default None
        A model comparison such as the one returned by ``fairaudit.mitigation.compare``,
        shown as a table and a performance-versus-disparity plot with the Pareto front.
    id : str or None, default None
        Anchor of the section; derived from the heading when None.
    """

    heading: str
    paragraphs: Sequence[str] = ()
    figures: Sequence[Figure] = ()
    tables: Sequence[Table] = ()
    audits: Sequence[AuditResult] = ()
    comparison: Comparison | pd.DataFrame | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.heading, str) or not self.heading.strip():
            raise ValueError(SECTION_HEADING)
        paragraphs = (self.paragraphs,) if isinstance(self.paragraphs, str) else self.paragraphs
        object.__setattr__(self, "paragraphs", _as_tuple(paragraphs, (str,), SECTION_PARAGRAPHS))
        object.__setattr__(self, "figures", _as_tuple(self.figures, (Figure,), SECTION_FIGURES))
        tables = _as_tuple(self.tables, (Table, pd.DataFrame), SECTION_TABLES)
        tables = tuple(t if isinstance(t, Table) else Table(t) for t in tables)
        object.__setattr__(self, "tables", tables)
        audits = _as_tuple(self.audits, (object,), SECTION_AUDITS)
        if not all(is_audit(a) for a in audits):
            raise TypeError(SECTION_AUDITS)
        object.__setattr__(self, "audits", audits)
        if self.comparison is not None:
            if not isinstance(self.comparison, Comparison | pd.DataFrame):
                raise TypeError(SECTION_COMPARISON)
            if isinstance(self.comparison, pd.DataFrame):
                object.__setattr__(self, "comparison", self.comparison.copy())
        if self.id is not None and (not isinstance(self.id, str) or not _ID_RE.match(self.id)):
            raise ValueError(SECTION_ID)


@dataclass(frozen=True, eq=False)
class Document:
    """A whole report: a title, an optional subtitle and sections.

    ``Document(...).render(path=None)`` is the same as :func:`render_document`.
    """

    title: str
    sections: Sequence[Section] = ()
    subtitle: str = ""

    def __post_init__(self) -> None:
        check_title(self.title, self.subtitle)
        object.__setattr__(
            self, "sections", _as_tuple(self.sections, (Section,), DOCUMENT_SECTIONS)
        )

    def render(self, path: str | os.PathLike[str] | None = None) -> str:
        """Return the HTML page, and write it to ``path`` when given."""
        return render_document(self.title, self.sections, subtitle=self.subtitle, path=path)


def audit_summary_blocks(audit: Any, name: str, ids: IdRegistry) -> list[Block]:
    """Compact summary of one audit for :class:`Section.audits`: its verdict, criteria grid
    and disparities."""
    verdict = audit.verdict
    blocks: list[Block] = [
        h(name, 3, id=ids(name)),
        verdict_banner(verdict, audit, text=f"Verdict: {badge(verdict)[2]}"),
        table(criteria_grid(audit)),
    ]
    views = attribute_views(audit)
    for view in views:
        blocks += disparity_blocks(audit, view, views, level=4)
    return blocks


def section_blocks(section: Section, ids: IdRegistry) -> list[Block]:
    """The blocks of a user :class:`Section`: text, figures, tables, audits, comparison."""
    blocks: list[Block] = [p(text) for text in section.paragraphs]
    blocks += [figure(f) for f in section.figures]
    blocks += [table(t) for t in section.tables]
    for i, audit in enumerate(section.audits):
        name = audit_name(audit, i, len(section.audits))
        blocks += audit_summary_blocks(audit, name, ids)
    if section.comparison is not None:
        blocks += comparison_blocks(section.comparison)
    return blocks


def rendered(section: Section, ids: IdRegistry) -> RenderedSection:
    """A user :class:`Section` as a part of the page, with a unique anchor."""
    anchor = ids(section.id, exact=True) if section.id else ids(section.heading)
    return RenderedSection(anchor, section.heading, section_blocks(section, ids))


def render_document(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str = "",
    path: str | os.PathLike[str] | None = None,
) -> str:
    """Render sections as one self-contained HTML page.

    The page has inline CSS, figures as inline SVG, no script, no web font and no network
    reference, a Content-Security-Policy that forbids loading anything, and a print
    stylesheet. Every text is escaped.

    Parameters
    ----------
    title : str
        Page title and main heading (plain text).
    sections : sequence of Section
        Rendered in order, each with an anchor listed in the table of contents.
    subtitle : str, default ""
        Plain-text line under the title.
    path : str or os.PathLike, optional
        When given, the page is also written there (UTF-8).

    Returns
    -------
    str
        The HTML page.
    """
    check_title(title, subtitle)
    check_path(path)
    sections = _as_tuple(sections, (Section,), DOCUMENT_SECTIONS)
    ids = IdRegistry()
    parts = [rendered(section, ids) for section in sections]
    return page(title, parts, subtitle=subtitle, path=path)
