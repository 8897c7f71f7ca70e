"""Numbers and data frames turned into display cells (text plus the exact value)."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

VERDICTS = {
    "pass": ("pass", "\u2713", "PASS"),
    "fail": ("fail", "\u2717", "FAIL"),
    "inconclusive": ("inconclusive", "?", "INCONCLUSIVE"),
    "warn": ("inconclusive", "!", "WARN"),
    "n/a": ("na", "\u2013", "N/A"),
}
NA_TEXT = "n/a"
FEW_MARK = "\u2020"
FEW_LEGEND = "{mark} rests on fewer than {m} observations"


@dataclass(frozen=True)
class Cell:
    """One table cell: display text, exact value and presentation hints."""

    text: str
    value: str | None = None  # exact value for machines (data-value attribute)
    cls: str = ""
    title: str = ""
    header: bool = False
    badge: tuple[str, str, str] | None = None  # (css class, symbol, word)
    colspan: int = 1
    rowspan: int = 1  # header rows covered (a column without sub-headers spans them all)
    sub: str = ""  # small second line, e.g. a confidence interval
    flag: str = ""  # a mark after the value (FEW_MARK: it rests on few observations)
    flag_title: str = ""  # what the flag means, shown as a tooltip
    href: str = ""  # a link within the page ("#id") on a header's text


@dataclass(frozen=True)
class TableView:
    """A table ready for the template."""

    head: list[list[Cell]]
    body: list[list[Cell]]
    caption: str = ""
    cls: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def print_cls(self) -> str:
        """How the table prints: ``""`` on the page as the rest, ``"print-wide"`` on a page
        of its own turned to landscape, ``"print-tight"`` (on either) with words broken
        anywhere.

        In print, cells break long words only where a word would overflow its cell. A table
        whose columns' longest words alone are wider than the page (many columns, long
        names) and that has at least :data:`LANDSCAPE_ROWS` rows is printed on a landscape
        page, where it keeps its words whole; one too wide even for that, or too short to
        fill a page of its own, may break words anywhere, so that it keeps its last columns.
        """
        width = min_print_width(self)
        if width <= PRINT_PAGE_PX:
            return ""
        if len(self.body) < LANDSCAPE_ROWS:
            return "print-tight"
        return "print-wide" if width <= PRINT_LANDSCAPE_PX else "print-wide print-tight"


#: Width of the printed page's text (A4 with the print margins: 703 CSS pixels), less a
#: margin for what the estimate leaves out: on the tables of every report and case study,
#: Chromium's narrowest layout with whole words (min-content) came within 8% of
#: :func:`min_print_width` (most within 5%); 640 px with 8% more is still 691 px. The
#: estimate knows nothing of wide scripts (CJK, emoji): their tables may be underestimated.
PRINT_PAGE_PX = 640
#: The same for a landscape page (the text is 1,032 CSS pixels wide).
PRINT_LANDSCAPE_PX = 950
#: The fewest rows of a table worth a landscape page of its own.
LANDSCAPE_ROWS = 10
#: Average width of a character of the printed tables' 7.5 pt type, and a cell's padding.
_CHAR_PX, _CELL_PX = 6.0, 8.0
#: The criteria grid's badges print larger than the tables' type: their width, relative.
_GRID_BADGE = 1.6
_BREAKS = re.compile(r"[\s/]+|(?<=[-\u2013])")
#: Where a header's text may also break (:func:`break_points`): after an underscore, before
#: an opening parenthesis that follows a letter or digit, and between the words of a
#: camel-case name.
_NAME_BREAKS = re.compile(r"(?<=_)(?=[^_])|(?<=[A-Za-z0-9])(?=\()|(?<=[a-z])(?=[A-Z][a-z])")


def break_points(text: object) -> Markup:
    """``text`` escaped for HTML, with ``<wbr>`` (a line may break here) after each
    underscore, before a parenthesis that follows a word and between the words of a
    camel-case name: a long name such as ``ConstrainedClassifier(demographic_parity)`` or
    ``n_african_american`` can then wrap in a narrow column instead of widening it."""
    return Markup("<wbr>").join(escape(part) for part in _NAME_BREAKS.split(str(text)))


def _longest_word(cell: Cell, badge_scale: float = 1.0) -> int:
    def words(t: object) -> list[str]:
        parts = _BREAKS.split(str(t))
        if cell.header:
            parts = [w for part in parts for w in _NAME_BREAKS.split(part)]
        return parts

    longest = max((len(w) for t in (cell.text, cell.sub) for w in words(t) if w), default=0)
    if cell.badge is not None:  # the badge's word, its symbol and its padding
        longest = max(longest, math.ceil((len(cell.badge[2]) + 3) * badge_scale))
    return longest


def cell_columns(view: TableView) -> list[list[int]]:
    """The column of each cell (rows of ``head`` then ``body``): a cell spanning several
    rows keeps its column from the rows below, one spanning several columns starts at its
    first."""
    out: list[list[int]] = []
    covered: dict[int, int] = {}  # column -> rows still covered by a cell from a row above
    for row in [*view.head, *view.body]:
        col, cols = 0, []
        for cell in row:
            while covered.get(col, 0):
                col += 1
            cols.append(col)
            if cell.rowspan > 1:
                covered.update(dict.fromkeys(range(col, col + cell.colspan), cell.rowspan))
            col += cell.colspan
        out.append(cols)
        covered = {k: n - 1 for k, n in covered.items() if n > 1}
    return out


def _column_words(view: TableView) -> dict[int, int]:
    """The longest word of each column, in characters (cells spanning several columns are
    left out)."""
    scale = _GRID_BADGE if "grid" in view.cls.split() else 1.0
    widest: dict[int, int] = {}
    for row, cols in zip([*view.head, *view.body], cell_columns(view), strict=True):
        for cell, col in zip(row, cols, strict=True):
            if cell.colspan == 1:
                widest[col] = max(widest.get(col, 0), _longest_word(cell, scale))
    return widest


def _width(chars: Sequence[int]) -> float:
    return sum(n * _CHAR_PX + _CELL_PX for n in chars)


def min_print_width(view: TableView) -> float:
    """Estimated width in CSS pixels of ``view`` printed without breaking inside words: the
    sum over columns of the longest word of each column."""
    return _width(list(_column_words(view).values()))


def link_headers(
    view: TableView, columns: Mapping[str, str], rows: Mapping[str, str] | None = None
) -> TableView:
    """A table with its header cells linked to anchors of the page.

    Parameters
    ----------
    view : TableView
        The table.
    columns : mapping of str to str
        Anchor of each header text of the table's head, the text case-folded
        (``str.casefold``): such a header links to ``"#" + anchor``.
    rows : mapping of str to str, optional
        The same for the headers of the body's rows; none is linked when None.

    Returns
    -------
    TableView
        A copy of ``view``; other cells, and headers that already carry a link, are kept.
    """

    def linked(cell: Cell, anchors: Mapping[str, str]) -> Cell:
        if not cell.header or cell.href or cell.badge is not None:
            return cell
        anchor = anchors.get(cell.text.strip().casefold())
        return replace(cell, href=f"#{anchor}") if anchor else cell

    head = [[linked(c, columns) for c in row] for row in view.head]
    body = view.body if rows is None else [[linked(c, rows) for c in row] for row in view.body]
    return replace(view, head=head, body=body)


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, numbers.Real) and math.isnan(value))
    except TypeError:  # pragma: no cover - exotic numerics
        return False


def as_sentence(text: str) -> str:
    """``text`` with a capital first letter and a final full stop."""
    text = " ".join(str(text).split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def fmt_number(value: Any, digits: int = 3) -> str:
    """Format a number for display; ``n/a`` for missing values."""
    if is_missing(value):
        return NA_TEXT
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    x = float(value)
    if math.isinf(x):
        return "\u221e" if x > 0 else "\u2212\u221e"
    if x == 0:
        return f"{0:.{digits}f}"
    if abs(x) < 0.5 * 10.0**-digits:
        return f"{x:.{max(digits - 1, 1)}e}"
    if abs(x) >= 1e7:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def fmt_near(value: Any, bound: Any, digits: int = 3) -> str:
    """Like :func:`fmt_number`, with more digits when rounding would land on ``bound``.

    The displayed number then never seems to contradict a verdict that compared the
    unrounded value with the bound.
    """
    if is_missing(value) or is_missing(bound):
        return fmt_number(value, digits)
    x, b = float(value), float(bound)
    d = digits
    while d < 12:
        shown = float(f"{x:.{d}f}")
        if (shown > b) == (x > b) and (shown < b) == (x < b):
            break
        d += 1
    return fmt_number(x, d)


def fmt_interval(lower: Any, upper: Any, digits: int = 3) -> str:
    if is_missing(lower) and is_missing(upper):
        return NA_TEXT
    lo, hi = fmt_number(lower, digits), fmt_number(upper, digits)
    negative = lo.startswith("-") or hi.startswith("-")
    return f"{lo} to {hi}" if negative else f"{lo}\u2013{hi}"


def fmt_percent(value: Any, digits: int = 1) -> str:
    """A share as a percentage (0.137 -> ``13.7%``); ``n/a`` for missing values."""
    if is_missing(value):
        return NA_TEXT
    return f"{100 * float(value):.{digits}f}%"


def fmt_points(value: Any, digits: int = 1, *, signed: bool = False) -> str:
    """A difference of shares in percentage points (0.05 -> ``5.0 percentage points``, or
    ``+5.0 percentage points`` when ``signed``); ``n/a`` for missing values."""
    if is_missing(value):
        return NA_TEXT
    return f"{100 * float(value):{'+' if signed else ''}.{digits}f} percentage points"


def join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def exact(value: Any) -> str | None:
    """The exact value as text for a ``data-value`` attribute (round-trips floats)."""
    if is_missing(value):
        return "nan"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return None


def verdict_badge(value: Any) -> tuple[str, str, str] | None:
    if isinstance(value, str) and value.lower() in VERDICTS:
        return VERDICTS[value.lower()]
    return None


def label(value: Any) -> str:
    """Display text of a group label or tuple of labels."""
    if isinstance(value, (tuple, list)):
        # the engine's display form of an intersection (AuditResult.to_reference.group)
        return ", ".join(label(v) for v in value)
    if is_missing(value):
        return "(missing)"
    return str(value)


def _column_is_integral(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return False
    if pd.api.types.is_integer_dtype(series):
        return True
    values = series.to_numpy(dtype=float, na_value=np.nan)
    finite = values[np.isfinite(values)]
    return (
        finite.size > 0
        and bool(np.all(finite == np.round(finite)))
        and str(series.name).lower() in {"count", "n", "size", "n_samples", "rows", "support"}
    )


def value_cell(
    value: Any, digits: int, *, integral: bool = False, column: Any = None, p_value: bool = False
) -> Cell:
    badge = verdict_badge(value) if str(column).lower() in {"verdict", "status"} else None
    if badge is not None:
        return Cell(text=badge[2], value=str(value), cls=f"verdict {badge[0]}", badge=badge)
    if is_missing(value):
        return Cell(text=NA_TEXT, value="nan", cls="num na", title="not defined")
    if isinstance(value, (bool, np.bool_)):
        return Cell(text="yes" if value else "no", value=exact(value), cls="bool")
    if isinstance(value, numbers.Real):
        if integral and float(value).is_integer():
            return Cell(text=f"{int(value):,}", value=exact(value), cls="num")
        if p_value or is_p_value_column(column):
            return Cell(text=fmt_p_value(value), value=exact(value), cls="num")
        return Cell(text=fmt_number(value, digits), value=exact(value), cls="num")
    return Cell(text=label(value))


def is_p_value_column(column: Any) -> bool:
    """Whether a table column holds p-values (by its name)."""
    text = str(column).lower()
    return "p-value" in text or "p_value" in text or "p_adjusted" in text


def fmt_p_value(value: Any) -> str:
    """A p-value as people read it: three decimals, ``< 0.001`` below that."""
    if is_missing(value):
        return NA_TEXT
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _header_rows(columns: pd.Index, n_index: int, index_names: list[str]) -> list[list[Cell]]:
    """The header rows of a frame's columns, one per level of a MultiIndex, with no empty
    cell where a label exists.

    Equal neighbours that share all upper levels are merged across columns. A column whose
    lower levels are empty (``("group", "")`` beside ``("ratio", "estimate")``) has one cell
    spanning the rows from its last label down, and the index names span all the rows.
    """
    if isinstance(columns, pd.MultiIndex):
        levels = [[label(c[i]) for c in columns] for i in range(columns.nlevels)]
    else:
        levels = [[label(c) for c in columns]]
    levels = [names for names in levels if any(names)] or levels[:1]  # no empty header row
    depth = len(levels)
    # the deepest level at which each column has a label (0 for a column without labels)
    named = np.array([[name != "" for name in names] for names in levels], dtype=bool)
    last = depth - 1 - np.argmax(named[::-1], axis=0)
    ends = np.where(named.any(axis=0), last, 0).tolist() if levels[0] else []
    rows: list[list[Cell]] = [
        [Cell(text=index_names[i], header=True, cls="index", rowspan=depth) for i in range(n_index)]
    ] + [[] for _ in range(depth - 1)]
    for d, names in enumerate(levels):
        j = 0
        while j < len(names):
            if ends[j] < d:  # covered by its cell from the row above
                j += 1
                continue
            span = 1
            if ends[j] > d:
                # merge equal neighbours that go on below and share all upper levels
                while (
                    j + span < len(names)
                    and ends[j + span] > d
                    and names[j + span] == names[j]
                    and all(levels[u][j + span] == levels[u][j] for u in range(d))
                ):
                    span += 1
            rows[d].append(
                Cell(
                    text=names[j],
                    header=True,
                    colspan=span,
                    rowspan=depth - d if ends[j] == d else 1,
                )
            )
            j += span
    return rows


def table_view(frame: pd.DataFrame, caption: str = "", digits: int = 3, cls: str = "") -> TableView:
    """Turn a data frame into a :class:`TableView` (index shown unless it is a default range)."""
    index = frame.index
    default_index = (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and index.name is None
    )
    n_index = 0 if default_index else index.nlevels
    index_names = [label(n) if n is not None else "" for n in index.names] if n_index else []
    head = _header_rows(frame.columns, n_index, index_names)
    integral = [_column_is_integral(frame.iloc[:, j]) for j in range(frame.shape[1])]
    columns = [c[-1] if isinstance(c, tuple) else c for c in frame.columns]
    p_values = [is_p_value_column(c) for c in frame.columns]
    body: list[list[Cell]] = []
    for i in range(len(frame)):
        row: list[Cell] = []
        if n_index:
            key = index[i] if isinstance(index[i], tuple) else (index[i],)
            row.extend(Cell(text=label(k), header=True, cls="index") for k in key)
        for j in range(frame.shape[1]):
            row.append(
                value_cell(
                    frame.iat[i, j],
                    digits,
                    integral=integral[j],
                    column=columns[j],
                    p_value=p_values[j],
                )
            )
        body.append(row)
    return TableView(head=head, body=body, caption=caption, cls=cls)


def estimate_table(
    values: pd.DataFrame,
    intervals: pd.DataFrame | None,
    metrics: list[str],
    headers: list[str],
    *,
    index_name: str,
    caption: str = "",
    digits: int = 3,
    extra_rows: list[tuple[str, pd.Series, pd.DataFrame | None]] = (),
    flags: pd.DataFrame | None = None,
    flag_title: str = "",
) -> TableView:
    """Groups x metrics, each cell the estimate with its interval on a second line.

    ``flags`` (bool, shaped like ``values``) marks the values resting on few observations
    with :data:`FEW_MARK` and ``flag_title``; the table then has a legend note.
    """
    head = [
        [Cell(text=index_name, header=True, cls="index")]
        + [Cell(text=h, header=True) for h in headers]
    ]
    body: list[list[Cell]] = []

    flagged = False

    def row(name: str, get_value, get_interval, get_flag=lambda m: False) -> list[Cell]:
        nonlocal flagged
        cells = [Cell(text=name, header=True, cls="index")]
        for m in metrics:
            v = get_value(m)
            lo, hi = get_interval(m)
            cell = value_cell(v, digits, integral=m == "count")
            if m != "count" and not (is_missing(lo) and is_missing(hi)):
                cell = replace(cell, sub=fmt_interval(lo, hi, digits))
            if m != "count" and get_flag(m):
                cell = replace(cell, flag=FEW_MARK, flag_title=flag_title)
                flagged = True
            cells.append(cell)
        return cells

    def flag_of(m: str, i: int) -> bool:
        if flags is None or m not in flags.columns:
            return False
        value = flags[m].iloc[i]
        return bool(value) and not is_missing(value)

    for name, series, iv in extra_rows:
        body.append(
            row(
                name,
                lambda m, s=series: s.get(m, np.nan),
                lambda m, iv=iv: (
                    (iv.loc[m, "lower"], iv.loc[m, "upper"])
                    if iv is not None and m in iv.index
                    else (np.nan, np.nan)
                ),
            )
        )
    for i, key in enumerate(values.index):
        body.append(
            row(
                label(key),
                lambda m, i=i: values[m].iloc[i] if m in values.columns else np.nan,
                lambda m, i=i: (
                    (intervals[(m, "lower")].iloc[i], intervals[(m, "upper")].iloc[i])
                    if intervals is not None and (m, "lower") in intervals.columns
                    else (np.nan, np.nan)
                ),
                lambda m, i=i: flag_of(m, i),
            )
        )
    notes = [flag_title] if flagged and flag_title else []
    return TableView(head=head, body=body, caption=caption, cls="estimates", notes=notes)
