"""Turn sections of blocks into one self-contained HTML page (Jinja2, autoescaped).

This is the generic layer of the report: it knows blocks and sections through two small
protocols, :class:`Block` (``render(ctx)``) and :class:`Part` (``render(ctx)`` and a
table-of-contents entry), and nothing of what an audit, a comparison or a case study says.
The typed blocks are in :mod:`._elements`; the content modules build pages out of them.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import jinja2
from markupsafe import Markup

from ._format import break_points

#: No network access of any kind, no script; inline styles and data: images only.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; "
    "script-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)
PAGE_PART = "page() takes parts with render(ctx) and toc_entry(), e.g. RenderedSection; got {got}"


class RenderContext:
    """What a block may use while it renders: the page's macros and its figure counter."""

    def __init__(self, macros: Any) -> None:
        self.macros = macros
        self._figures = 0

    def figure_prefix(self) -> str:
        """The id prefix of the next figure on the page: ``fig1``, ``fig2``, ..."""
        self._figures += 1
        return f"fig{self._figures}"


@runtime_checkable
class Block(Protocol):
    """One piece of a section: it renders itself to escaped HTML."""

    def render(self, ctx: RenderContext) -> Markup: ...


@dataclass(frozen=True)
class TocEntry:
    """A line of the table of contents: the anchor and the text."""

    id: str
    heading: str


@runtime_checkable
class Part(Protocol):
    """A top-level part of the page: rendered in order, listed in the contents when its
    entry is not None."""

    def toc_entry(self) -> TocEntry | None: ...

    def render(self, ctx: RenderContext) -> Markup: ...


@dataclass(frozen=True)
class RenderedSection:
    """A section of the page: an anchor, a heading and its blocks."""

    id: str
    heading: str
    blocks: Sequence[Block]
    cls: str = ""

    def toc_entry(self) -> TocEntry:
        return TocEntry(self.id, self.heading)

    def render(self, ctx: RenderContext) -> Markup:
        body = Markup("").join(block.render(ctx) for block in self.blocks)
        return ctx.macros.section(self, body)


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text if text and text[0].isalpha() else f"s-{text}" if text else "section"


class IdRegistry:
    """Hands out unique anchors within one page."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def __call__(self, wanted: str, *, exact: bool = False) -> str:
        base = wanted if exact else slug(wanted)
        candidate, n = base, 2
        while candidate in self._used:
            candidate, n = f"{base}-{n}", n + 1
        self._used.add(candidate)
        return candidate


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fairaudit.report", "templates"),
        autoescape=True,  # every {{ }} is escaped unless it is Markup we built
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["breaks"] = break_points
    return env


@lru_cache(maxsize=1)
def _css() -> Markup:
    text = resources.files("fairaudit.report").joinpath("static/report.css").read_text("utf-8")
    return Markup(text)  # our own stylesheet, not data


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("fairaudit")
    except PackageNotFoundError:  # run from a source tree that was not installed
        return "unknown"


def page(
    title: str,
    sections: Sequence[Part],
    *,
    subtitle: str = "",
    banner: Block | None = None,
    path: str | os.PathLike[str] | None = None,
) -> str:
    """Render the parts into the page template and optionally write the file.

    Parts are rendered in order (so figures are numbered in reading order); the contents
    list the entries of the parts that have one, when there are at least two.
    """
    for part in sections:
        if not isinstance(part, Part):
            raise TypeError(PAGE_PART.format(got=type(part).__name__))
    env = _environment()
    ctx = RenderContext(env.get_template("_blocks.html").module)
    body = [part.render(ctx) for part in sections]
    toc = [entry for part in sections if (entry := part.toc_entry()) is not None]
    html = env.get_template("document.html").render(
        title=title,
        subtitle=subtitle,
        toc=toc,
        parts=body,
        banner=banner.render(ctx) if banner is not None else None,
        css=_css(),
        csp=CSP,
        version=_version(),
        generated=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    if path is not None:
        from .._io import write_text  # atomic: never a truncated file

        write_text(Path(path), html)
    return html
