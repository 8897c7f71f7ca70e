"""Turn sections into one self-contained HTML page (Jinja2, autoescaped)."""

from __future__ import annotations

import datetime as _dt
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ._format import TableView, table_view
from ._model import (
    DOCUMENT_SECTIONS,
    Figure,
    Section,
    Table,
    _as_tuple,
    check_path,
    check_svg,
    check_title,
)
from ._svg import inline_svg, prefix_ids

#: No network access of any kind, no script; inline styles and data: images only.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; "
    "script-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class Block:
    """One piece of a rendered section; ``kind`` selects the template macro."""

    kind: str  # p, h, figure, table, list, findings, kv, note, banner
    text: str = ""
    level: int = 3
    id: str = ""
    cls: str = ""
    svg: Markup | None = None
    caption: str = ""
    alt: str = ""
    table: TableView | None = None
    items: Sequence[Any] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedSection:
    id: str
    heading: str
    blocks: list[Block]
    cls: str = ""


def p(text: str, cls: str = "") -> Block:
    return Block("p", text=str(text), cls=cls)


def h(text: str, level: int = 3, id: str = "") -> Block:
    return Block("h", text=str(text), level=level, id=id)


def note(text: str, cls: str = "warn") -> Block:
    return Block("note", text=str(text), cls=cls)


def items(values: Sequence[str], cls: str = "") -> Block:
    return Block("list", items=[str(v) for v in values], cls=cls)


def marked(entries: Sequence[tuple[str, str, str, str]]) -> Block:
    """A list whose items each carry a mark: (css class, symbol, word, text)."""
    return Block("findings", items=[tuple(str(x) for x in e) for e in entries])


def kv(pairs: Sequence[tuple[str, Any]], cls: str = "") -> Block:
    return Block("kv", items=[(str(k), str(v)) for k, v in pairs], cls=cls)


def figure(fig: Figure) -> Block:
    # The SVG was checked when the Figure was built; what the page holds is checked again
    # after the alternative text is added, so the page never holds markup that was not checked.
    svg = check_svg(inline_svg(check_svg(fig.svg), fig.alt))
    return Block("figure", svg=Markup(svg), caption=fig.caption, alt=fig.alt)


def table(tab: Table | TableView, cls: str = "") -> Block:
    if isinstance(tab, Table):
        tab = table_view(tab.frame, tab.caption, tab.digits, cls=cls)
    return Block("table", table=tab, cls=cls)


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


def section_blocks(section: Section, ids: IdRegistry) -> list[Block]:
    """The blocks of a user :class:`Section`: text, figures, tables, audits, comparison."""
    blocks: list[Block] = [p(text) for text in section.paragraphs]
    blocks += [figure(f) for f in section.figures]
    blocks += [table(t) for t in section.tables]
    if section.audits:
        from ._audit import audit_summary_blocks

        for i, audit in enumerate(section.audits):
            name = audit_name(audit, i, len(section.audits))
            blocks += audit_summary_blocks(audit, name, ids)
    if section.comparison is not None:
        from ._compare import comparison_blocks

        blocks += comparison_blocks(section.comparison)
    return blocks


def audit_name(audit: Any, i: int, n: int) -> str:
    """The audit's ``name``, else "Audit" (one audit) or "Audit 1", "Audit 2", ..."""
    value = audit.info.name
    if isinstance(value, str) and value.strip():
        return value
    return "Audit" if n == 1 else f"Audit {i + 1}"


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


def _number_figures(sections: Sequence[RenderedSection]) -> list[RenderedSection]:
    """Give the n-th figure of the page the id prefix ``fig<n>`` (unique, deterministic)."""
    out, n = [], 0
    for section in sections:
        blocks = []
        for block in section.blocks:
            if block.kind == "figure" and block.svg is not None:
                n += 1
                block = replace(block, svg=Markup(prefix_ids(str(block.svg), f"fig{n}")))
            blocks.append(block)
        out.append(replace(section, blocks=blocks))
    return out


def page(
    title: str,
    sections: Sequence[RenderedSection],
    *,
    subtitle: str = "",
    banner: Block | None = None,
    path: str | os.PathLike[str] | None = None,
) -> str:
    """Render rendered sections into the page template and optionally write the file."""
    sections = _number_figures(sections)
    html = (
        _environment()
        .get_template("document.html")
        .render(
            title=title,
            subtitle=subtitle,
            sections=list(sections),
            banner=banner,
            css=_css(),
            csp=CSP,
            version=_version(),
            generated=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
    )
    if path is not None:
        from .._io import write_text  # atomic: never a truncated file

        write_text(Path(path), html)
    return html


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
    rendered = []
    for section in sections:
        anchor = ids(section.id, exact=True) if section.id else ids(section.heading)
        rendered.append(RenderedSection(anchor, section.heading, section_blocks(section, ids)))
    return page(title, rendered, subtitle=subtitle, path=path)
