"""The building blocks of a report: figures, tables, sections and documents.

They are plain frozen dataclasses validated on construction, so that a mistake shows up
where the object is built rather than deep inside the renderer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._comparison import Comparison
from ._svgsafe import FIGURE_SVG_UNSAFE, unsafe_reason

if TYPE_CHECKING:  # pragma: no cover
    from .._result import AuditResult

FIGURE_SVG_TYPE = "Figure.svg must be a str holding SVG markup, e.g. from figure_to_svg(fig)"
FIGURE_SVG_MISSING = "Figure.svg must contain an <svg> element; build it with figure_to_svg(fig)"
FIGURE_ALT = "Figure.alt must be a non-empty str describing the figure for screen readers"
FIGURE_CAPTION = "Figure.caption must be a str"
TABLE_FRAME = "Table.frame must be a pandas DataFrame (wrap a Series with .to_frame())"
TABLE_DIGITS = "Table.digits must be an int between 0 and 12"
TABLE_CAPTION = "Table.caption must be a str"
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
DOCUMENT_TITLE = "title must be a non-empty str"
DOCUMENT_SUBTITLE = "subtitle must be a str"
DOCUMENT_SECTIONS = "sections must be a sequence of fairaudit.report.Section"
DOCUMENT_PATH = "path must be None, a str or an os.PathLike"

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
def check_svg(svg: Any) -> str:
    """Validate SVG text given to :class:`Figure` and return it.

    The markup is parsed as XML and checked against an allow-list of elements and attributes
    (see :mod:`fairaudit.report._svgsafe`); anything else raises ``ValueError`` naming it.
    """
    if not isinstance(svg, str):
        raise TypeError(FIGURE_SVG_TYPE)
    if "<svg" not in svg:
        raise ValueError(FIGURE_SVG_MISSING)
    reason = unsafe_reason(svg)
    if reason is not None:
        raise ValueError(FIGURE_SVG_UNSAFE.format(reason=reason))
    return svg


@dataclass(frozen=True)
class Figure:
    """A chart embedded as inline SVG.

    Parameters
    ----------
    svg : str
        SVG markup, normally from :func:`figure_to_svg`. It must be well-formed XML made of
        the elements and attributes matplotlib writes: scripts, event handlers, links other
        than to a local ``#id``, images, animations, foreign objects, DOCTYPEs and CSS that
        loads, escapes or imports anything are refused.
    alt : str
        Text alternative read by screen readers; describe what the chart shows.
    caption : str, default ""
        Plain-text caption shown under the chart.
    """

    svg: str
    alt: str
    caption: str = ""

    def __post_init__(self) -> None:
        check_svg(self.svg)
        if not isinstance(self.alt, str) or not self.alt.strip():
            raise ValueError(FIGURE_ALT)
        if not isinstance(self.caption, str):
            raise TypeError(FIGURE_CAPTION)


@dataclass(frozen=True, eq=False)
class Table:
    """A data frame shown as an HTML table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The values. A named or non-default index is shown as leading row-header columns;
        MultiIndex columns become a multi-row header. The frame is copied.
    caption : str, default ""
        Plain-text caption.
    digits : int, default 3
        Decimal places for floating-point values (very small values switch to scientific
        notation; the full value is kept in each cell's ``data-value`` attribute).
    """

    frame: pd.DataFrame
    caption: str = ""
    digits: int = 3

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise TypeError(TABLE_FRAME)
        if not isinstance(self.caption, str):
            raise TypeError(TABLE_CAPTION)
        if isinstance(self.digits, bool) or not isinstance(self.digits, int):
            raise TypeError(TABLE_DIGITS)
        if not 0 <= self.digits <= 12:
            raise ValueError(TABLE_DIGITS)
        object.__setattr__(self, "frame", self.frame.copy())


def _as_tuple(value: Any, item_types: tuple[type, ...], message: str) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, pd.DataFrame)) or not isinstance(value, Sequence):
        raise TypeError(message)
    items = tuple(value)
    if not all(isinstance(item, item_types) for item in items):
        raise TypeError(message)
    return items


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
        if not all(_looks_like_audit(a) for a in audits):
            raise TypeError(SECTION_AUDITS)
        object.__setattr__(self, "audits", audits)
        if self.comparison is not None:
            if not isinstance(self.comparison, Comparison | pd.DataFrame):
                raise TypeError(SECTION_COMPARISON)
            if isinstance(self.comparison, pd.DataFrame):
                object.__setattr__(self, "comparison", self.comparison.copy())
        if self.id is not None and (not isinstance(self.id, str) or not _ID_RE.match(self.id)):
            raise ValueError(SECTION_ID)


def _looks_like_audit(obj: Any) -> bool:
    from .._result import AuditResult

    return isinstance(obj, AuditResult)


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
        from ._document import render_document

        return render_document(self.title, self.sections, subtitle=self.subtitle, path=path)


def check_title(title: Any, subtitle: Any) -> None:
    if not isinstance(title, str) or not title.strip():
        raise ValueError(DOCUMENT_TITLE)
    if not isinstance(subtitle, str):
        raise TypeError(DOCUMENT_SUBTITLE)


def check_path(path: Any) -> None:
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(DOCUMENT_PATH)
