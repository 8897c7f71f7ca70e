"""The typed blocks a page is made of: prose, headings, call-outs, lists, key-value pairs,
figures, tables and banners.

Each block is a small frozen dataclass that satisfies the :class:`~._document.Block`
protocol: ``render(ctx)`` returns its escaped HTML through one macro of
``templates/_blocks.html``. Content modules (the audit report, the comparison, the case
studies, the LL144 page) build pages out of these blocks; this module knows nothing of
what they say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ._format import TableView, table_view
from ._model import Figure, Table, check_svg
from ._svg import inline_svg, prefix_ids

if TYPE_CHECKING:  # pragma: no cover
    from ._document import RenderContext

Badge = tuple[str, str, str]  # (css class, symbol, word)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (escaped); ``cls`` styles it, e.g. "mono" for code."""

    text: str
    cls: str = ""

    def render(self, ctx: RenderContext) -> Markup:
        return ctx.macros.paragraph(self)


@dataclass(frozen=True)
class Heading:
    """A sub-heading (``<h3>`` by default) inside a section, with an optional anchor."""

    text: str
    level: int = 3
    id: str = ""

    def render(self, ctx: RenderContext) -> Markup:
        return ctx.macros.heading(self)


@dataclass(frozen=True)
class Callout:
    """A boxed note: ``cls`` "warn" (the default, marked "!") or "info" (marked "i")."""

    text: str
    cls: str = "warn"

    def render(self, ctx: RenderContext) -> Markup:
        return ctx.macros.callout(self)


@dataclass(frozen=True)
class BulletList:
    """An unordered list of plain-text items."""

    items: tuple[str, ...]
    cls: str = ""

    def render(self, ctx: RenderContext) -> Markup:
        return ctx.macros.bullet_list(self)


@dataclass(frozen=True)
class MarkedList:
    """A list whose items each carry a mark: (css class, symbol, word, text)."""

    entries: tuple[tuple[str, str, str, str], ...]

    def render(self, ctx: RenderContext) -> Markup:
        return ctx.macros.marked_list(self)


@dataclass(frozen=True)
class KeyValues:
    """A definition list of (term, value) pairs; ``ids`` (one per pair, or none) are the
    anchors of the terms, so that the page can link to them."""

    pairs: tuple[tuple[str, str], ...]
    cls: str = ""
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.ids and len(self.ids) != len(self.pairs):
            raise ValueError(
                f"KeyValues: ids must give one anchor per pair ({len(self.pairs)}), or none; "
                f"got {len(self.ids)}"
            )

    def render(self, ctx: RenderContext) -> Markup:
        return ctx.macros.key_values(self)


@dataclass(frozen=True)
class FigureBlock:
    """A checked inline SVG chart with its caption; its ids get the page's next figure
    prefix when rendered, so that two charts never share an id."""

    svg: Markup
    alt: str
    caption: str = ""

    def render(self, ctx: RenderContext) -> Markup:
        svg = Markup(prefix_ids(str(self.svg), ctx.figure_prefix()))
        return ctx.macros.figure(svg, self.caption)


@dataclass(frozen=True)
class TableBlock:
    """A table ready for the page (cells already formatted)."""

    table: TableView
    cls: str = ""

    def render(self, ctx: RenderContext) -> Markup:
        return ctx.macros.table(self.table, self.cls)


@dataclass(frozen=True)
class Banner:
    """The coloured box with a badge, a headline and lines of text (the verdict banner)."""

    badge: Badge
    headline: str
    lines: tuple[str, ...] = ()
    cls: str = ""

    def render(self, ctx: RenderContext) -> Markup:
        return ctx.macros.banner(self)


def p(text: Any, cls: str = "") -> Paragraph:
    return Paragraph(str(text), cls=cls)


def h(text: Any, level: int = 3, id: str = "") -> Heading:
    return Heading(str(text), level=level, id=id)


def note(text: Any, cls: str = "warn") -> Callout:
    return Callout(str(text), cls=cls)


def items(values: Sequence[Any], cls: str = "") -> BulletList:
    return BulletList(tuple(str(v) for v in values), cls=cls)


def marked(entries: Sequence[Sequence[Any]]) -> MarkedList:
    """A list whose items each carry a mark: (css class, symbol, word, text)."""
    return MarkedList(tuple(tuple(str(x) for x in e) for e in entries))  # type: ignore[misc]


def kv(pairs: Sequence[tuple[Any, Any]], cls: str = "", ids: Sequence[str] = ()) -> KeyValues:
    return KeyValues(tuple((str(k), str(v)) for k, v in pairs), cls=cls, ids=tuple(ids))


def figure(fig: Figure) -> FigureBlock:
    # The SVG was checked when the Figure was built; what the page holds is checked again
    # after the alternative text is added, so the page never holds markup that was not checked.
    svg = check_svg(inline_svg(check_svg(fig.svg), fig.alt))
    return FigureBlock(Markup(svg), alt=fig.alt, caption=fig.caption)


def table(tab: Table | TableView, cls: str = "") -> TableBlock:
    if isinstance(tab, Table):
        tab = table_view(tab.frame, tab.caption, tab.digits, cls=cls)
    return TableBlock(tab, cls=cls)
