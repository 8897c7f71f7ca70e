"""A small HTML reader for the report tests (stdlib html.parser), and its own tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {
    "meta",
    "link",
    "br",
    "hr",
    "img",
    "input",
    "col",
    "area",
    "base",
    "wbr",
    "source",
    "path",
    "use",
    "rect",
    "circle",
    "line",
    "polyline",
    "polygon",
    "ellipse",
    "stop",
}
RESOURCE_ATTRS = {
    "src",
    "href",
    "xlink:href",
    "action",
    "formaction",
    "poster",
    "data",
    "srcset",
    "background",
}


@dataclass
class Cell:
    text: str
    attrs: dict
    header: bool


@dataclass
class Page:
    elements: list = field(default_factory=list)  # (tag, attrs)
    sections: list = field(default_factory=list)  # (id, h2 text)
    tables: list = field(default_factory=list)  # list of {"caption", "rows": [[Cell]]}
    text: str = ""
    style_text: str = ""

    def find(self, tag: str) -> list[dict]:
        return [a for t, a in self.elements if t == tag]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[str] = []
        self.texts: list[str] = []
        self.section_id: str | None = None
        self.in_h2 = False
        self.h2_text = ""
        self.cell: Cell | None = None
        self.row: list[Cell] | None = None
        self.table: dict | None = None
        self.in_caption = False
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.page.elements.append((tag, a))
        if tag == "section":
            self.section_id = a.get("id")
        elif tag == "h2" and self.section_id and "toc-title" not in (a.get("class") or ""):
            self.in_h2, self.h2_text = True, ""
        elif tag == "table":
            self.table = {"caption": "", "rows": [], "attrs": a}
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = Cell("", a, tag == "th")
        elif tag == "style":
            self.in_style = True

    def handle_endtag(self, tag):
        if tag == "h2" and self.in_h2:
            self.in_h2 = False
            self.page.sections.append((self.section_id, self.h2_text.strip()))
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.cell.text = re.sub(r"\s+", " ", self.cell.text).strip()
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table is not None:
            self.table["rows"].append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            self.page.tables.append(self.table)
            self.table = None
        elif tag == "caption":
            self.in_caption = False
        elif tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.page.style_text += data
            return
        self.texts.append(data)
        if self.in_h2:
            self.h2_text += data
        if self.cell is not None:
            self.cell.text += data
        if self.in_caption and self.table is not None:
            self.table["caption"] += data


def parse(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.text = re.sub(r"\s+", " ", " ".join(reader.texts))
    return reader.page


def resource_references(page: Page) -> list[str]:
    """Every attribute or CSS url() that would make a browser fetch something."""
    refs = []
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            if name in RESOURCE_ATTRS and value and not value.startswith("#"):
                refs.append(f"{tag}[{name}]={value}")
            if name == "style" and value and "url(" in value and "url(#" not in value:
                refs.append(f"{tag}[style]={value}")
    refs += [m for m in re.findall(r"url\(([^)#][^)]*)\)|@import", page.style_text) if m]
    return refs


def active_content(page: Page) -> list[str]:
    """Scripts, event handlers and javascript: URLs anywhere in the page."""
    found = []
    for tag, attrs in page.elements:
        if tag in ("script", "iframe", "object", "embed", "foreignobject", "base"):
            found.append(tag)
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag}[{name}]")
            url_like = name in RESOURCE_ATTRS or name == "style"
            if url_like and value and "javascript:" in value.replace(" ", "").lower():
                found.append(f"{tag}[{name}]={value}")
    return found


# ----------------------------------------------------------------------------- self tests
#: The width of an upright A4 page's text in print (703 CSS pixels), in points.
PRINT_TEXT_PT = 703 * 0.75


def figures_wider_than_print(html: str) -> list[str]:
    """The inline charts of ``html`` wider than the printed page's text: each ``section
    id: width``. Such a chart is scaled down to the page, and its legends with it."""
    limit = PRINT_TEXT_PT  # points, as matplotlib writes the SVG's width
    found = []
    for m in re.finditer(r'<svg width="([0-9.]+)pt"', html):
        start = html.rfind('<section id="', 0, m.start())
        section = html[start:].split('"', 2)[1] if start >= 0 else ""
        if float(m.group(1)) > limit:
            found.append(f"{section}: {float(m.group(1)):.0f} pt")
    return found


def test_reader_finds_sections_tables_and_active_content():
    html = (
        "<html><head><style>a{}</style></head><body><section id='a'><h2>One</h2>"
        "<table><caption>Cap</caption><tr><th>x</th><td data-value='1.5'>1.50</td></tr>"
        "</table></section><section id='b'><h2>Two &amp; more</h2>"
        "<img src='http://example.org/x.png' onerror='alert(1)'>"
        "<a href='javascript:alert(1)'>x</a><script>1</script></section></body></html>"
    )
    page = parse(html)
    assert page.sections == [("a", "One"), ("b", "Two & more")]
    assert page.tables[0]["caption"] == "Cap"
    assert [c.text for c in page.tables[0]["rows"][0]] == ["x", "1.50"]
    assert page.tables[0]["rows"][0][1].attrs["data-value"] == "1.5"
    assert resource_references(page) == [
        "img[src]=http://example.org/x.png",
        "a[href]=javascript:alert(1)",
    ]
    assert set(active_content(page)) == {"img[onerror]", "a[href]=javascript:alert(1)", "script"}


def test_reader_accepts_clean_page():
    page = parse("<html><body><svg><use href='#m1'/></svg><p>hi</p></body></html>")
    assert resource_references(page) == []
    assert active_content(page) == []
