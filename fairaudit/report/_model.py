"""The generic building blocks of a report: figures and tables, and the checks of titles
and paths.

They are plain frozen dataclasses validated on construction, so that a mistake shows up
where the object is built rather than deep inside the renderer. Sections, which may also
hold audits and comparisons, are in :mod:`._sections`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._svgsafe import FIGURE_SVG_UNSAFE, unsafe_reason

FIGURE_SVG_TYPE = "Figure.svg must be a str holding SVG markup, e.g. from figure_to_svg(fig)"
FIGURE_SVG_MISSING = "Figure.svg must contain an <svg> element; build it with figure_to_svg(fig)"
FIGURE_ALT = "Figure.alt must be a non-empty str describing the figure for screen readers"
FIGURE_CAPTION = "Figure.caption must be a str"
TABLE_FRAME = "Table.frame must be a pandas DataFrame (wrap a Series with .to_frame())"
TABLE_DIGITS = "Table.digits must be an int between 0 and 12"
TABLE_CAPTION = "Table.caption must be a str"
DOCUMENT_TITLE = "title must be a non-empty str"
DOCUMENT_SUBTITLE = "subtitle must be a str"
DOCUMENT_SECTIONS = "sections must be a sequence of fairaudit.report.Section"
DOCUMENT_PATH = "path must be None, a str or an os.PathLike"


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


def check_title(title: Any, subtitle: Any) -> None:
    if not isinstance(title, str) or not title.strip():
        raise ValueError(DOCUMENT_TITLE)
    if not isinstance(subtitle, str):
        raise TypeError(DOCUMENT_SUBTITLE)


def check_path(path: Any) -> None:
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(DOCUMENT_PATH)
