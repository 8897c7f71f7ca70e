"""Generic report API: Figure, Table, Section, figure_to_svg, render_document."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_report_parsing import active_content, parse, resource_references

from fairaudit.report import (
    Document,
    Figure,
    Section,
    Table,
    _model,
    _sections,
    _svg,
    figure_to_svg,
    render_document,
)

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</script>",
    "{{7*7}}",
    "javascript:alert(1)",
    "\"'><svg onload=alert(1)>",
]


def _line_figure(label="a line"):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 4], label=label)
    ax.set_title("squares")
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- figure_to_svg
def test_figure_to_svg_keeps_text_as_text_and_closes_the_figure():
    fig = _line_figure()
    before = set(plt.get_fignums())
    svg = figure_to_svg(fig)
    assert fig.number not in plt.get_fignums()
    assert set(plt.get_fignums()) == before - {fig.number}
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert ">squares</text>" in svg  # svg.fonttype none: text is text, not glyph paths
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "http" not in svg


def test_figure_to_svg_is_deterministic():
    assert figure_to_svg(_line_figure()) == figure_to_svg(_line_figure())


def test_figure_to_svg_escapes_markup_in_labels():
    svg = figure_to_svg(_line_figure("<script>alert(1)</script>"))
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg


def test_plain_disables_mathtext_in_labels():
    label = "$income$ & $$"
    fig, ax = plt.subplots()
    ax.set_title(_svg.plain(label))
    svg = figure_to_svg(fig)  # would raise on invalid mathtext without escaping
    assert "$income$ &amp; $$" in svg


def test_figure_to_svg_rejects_non_figures():
    with pytest.raises(TypeError, match=re.escape(_svg.FIGURE_TO_SVG_TYPE)):
        figure_to_svg("not a figure")


# ----------------------------------------------------------------------------- dataclasses
def test_figure_validation():
    svg = figure_to_svg(_line_figure())
    with pytest.raises(ValueError, match=re.escape(_model.FIGURE_ALT)):
        Figure(svg, alt="  ")
    with pytest.raises(TypeError, match=re.escape(_model.FIGURE_SVG_TYPE)):
        Figure(b"<svg></svg>", alt="x")
    with pytest.raises(ValueError, match=re.escape(_model.FIGURE_SVG_MISSING)):
        Figure("<p>no svg</p>", alt="x")
    for bad, reason in [
        ("<svg><script>alert(1)</script></svg>", "the element <script> is not allowed"),
        ('<svg onload="alert(1)"></svg>', "the attribute 'onload' of <svg> is not allowed"),
        ('<svg><a href="https://example.org">x</a></svg>', "the element <a> is not allowed"),
        (
            '<svg><image href="http://example.org/a.png"/></svg>',
            "the element <image> is not allowed",
        ),
        (
            "<svg><foreignObject><p>x</p></foreignObject></svg>",
            "the element <foreignObject> is not allowed",
        ),
        (
            '<svg><rect style="fill: url(https://example.org/x)"/></svg>',
            "the attribute 'style' of <rect> holds 'url(https://example.org/x)', which a report "
            "does not allow",
        ),
    ]:
        message = _model.FIGURE_SVG_UNSAFE.format(reason=reason)
        with pytest.raises(ValueError, match=re.escape(message) + "$"):
            Figure(bad, alt="x")
    # text that merely looks like a handler is fine (it is escaped text, not an attribute)
    Figure('<svg><text>x onerror=alert(1)</text><use href="#a"/></svg>', alt="x")


def test_table_copies_and_validates():
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    table = Table(frame)
    frame.loc[0, "a"] = 99.0
    assert table.frame.loc[0, "a"] == 1.0
    with pytest.raises(TypeError, match=re.escape(_model.TABLE_FRAME)):
        Table(frame["a"])
    with pytest.raises(ValueError, match=re.escape(_model.TABLE_DIGITS)):
        Table(frame, digits=20)
    with pytest.raises(TypeError, match=re.escape(_model.TABLE_DIGITS)):
        Table(frame, digits=2.0)


def test_section_normalises_and_validates():
    s = Section("Intro", paragraphs="one paragraph", tables=[pd.DataFrame({"x": [1]})])
    assert s.paragraphs == ("one paragraph",)
    assert isinstance(s.tables[0], Table)
    with pytest.raises(ValueError, match=re.escape(_sections.SECTION_HEADING)):
        Section("")
    with pytest.raises(TypeError, match=re.escape(_sections.SECTION_PARAGRAPHS)):
        Section("x", paragraphs=[1, 2])
    with pytest.raises(TypeError, match=re.escape(_sections.SECTION_FIGURES)):
        Section("x", figures=["<svg></svg>"])
    with pytest.raises(TypeError, match=re.escape(_sections.SECTION_AUDITS)):
        Section("x", audits=[object()])
    with pytest.raises(TypeError, match=re.escape(_sections.SECTION_COMPARISON)):
        Section("x", comparison=[1, 2])
    with pytest.raises(ValueError, match=re.escape(_sections.SECTION_ID)):
        Section("x", id="1 bad id")


def test_render_document_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=re.escape(_model.DOCUMENT_TITLE)):
        render_document("", [])
    with pytest.raises(TypeError, match=re.escape(_model.DOCUMENT_SECTIONS)):
        render_document("t", ["not a section"])
    with pytest.raises(TypeError, match=re.escape(_model.DOCUMENT_PATH)):
        render_document("t", [], path=3)


# ----------------------------------------------------------------------------- rendering
@pytest.fixture(scope="module")
def document():
    fig1 = Figure(figure_to_svg(_line_figure()), alt="First chart", caption="cap one")
    fig2 = Figure(figure_to_svg(_line_figure()), alt="Second chart")
    frame = pd.DataFrame(
        {"count": [120, 80], "rate": [0.123456789, np.nan], "verdict": ["pass", "fail"]},
        index=pd.Index(["a", "b"], name="group"),
    )
    sections = [
        Section("Introduction", paragraphs=["First paragraph.", "Second paragraph."]),
        Section("Charts", figures=[fig1, fig2], tables=[Table(frame, caption="numbers", digits=2)]),
        Section("Charts", paragraphs=["same heading twice"]),
        Section("Custom anchor", id="my_anchor"),
    ]
    return render_document("A report", sections, subtitle="with a subtitle")


def test_document_is_self_contained(document):
    page = parse(document)
    assert resource_references(page) == []
    assert active_content(page) == []
    assert not re.search(r"https?://", document)
    assert "<script" not in document.lower()
    csp = [m for m in page.find("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert len(csp) == 1
    policy = csp[0]["content"]
    assert "default-src 'none'" in policy and "script-src 'none'" in policy
    assert "@media print" in page.style_text
    assert page.find("link") == []


def test_document_sections_anchors_and_toc(document):
    page = parse(document)
    assert page.sections == [
        ("introduction", "Introduction"),
        ("charts", "Charts"),
        ("charts-2", "Charts"),
        ("my_anchor", "Custom anchor"),
    ]
    toc = [
        a["href"]
        for a in page.find("a")
        if a.get("href", "").startswith("#") and a["href"] != "#main"
    ]
    assert toc == ["#introduction", "#charts", "#charts-2", "#my_anchor"]
    ids = [a["id"] for _, a in page.elements if "id" in a]
    assert len(ids) == len(set(ids)), "element ids must be unique across inlined figures"


def test_document_figures_have_alt_text_and_captions(document):
    page = parse(document)
    svgs = page.find("svg")
    assert [s.get("aria-label") for s in svgs] == ["First chart", "Second chart"]
    assert all(s.get("role") == "img" for s in svgs)
    assert "cap one" in page.text


def test_document_table_values(document):
    page = parse(document)
    table = next(t for t in page.tables if t["caption"] == "numbers")
    header, *rows = table["rows"]
    assert [c.text for c in header] == ["group", "count", "rate", "verdict"]
    assert [c.text for c in rows[0]] == ["a", "120", "0.12", "\u2713 PASS"]
    assert float(rows[0][2].attrs["data-value"]) == 0.123456789
    assert rows[1][2].text == "n/a" and rows[1][2].attrs["data-value"] == "nan"
    assert rows[1][3].text == "\u2717 FAIL"  # verdicts carry a symbol and a word, not only colour


def test_render_document_writes_the_file(tmp_path):
    path = tmp_path / "doc.html"
    html = render_document("T", [Section("S", "p")], path=path)
    assert path.read_text(encoding="utf-8") == html
    assert Document("T", [Section("S", "p")]).render().count("<section") == 1


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_everywhere(payload):
    frame = pd.DataFrame(
        {payload: [payload, "ok"], "n": [1, 2]}, index=pd.Index([payload, "b"], name=payload)
    )
    fig, ax = plt.subplots()
    ax.set_title(_svg.plain(payload))
    ax.set_yticks([0])
    ax.set_yticklabels([_svg.plain(payload)])
    html = render_document(
        payload,
        [
            Section(
                payload,
                paragraphs=[payload],
                figures=[Figure(figure_to_svg(fig), alt=payload, caption=payload)],
                tables=[Table(frame, caption=payload)],
            )
        ],
        subtitle=payload,
    )
    page = parse(html)
    assert active_content(page) == []
    assert resource_references(page) == []
    # the payload is shown as text (title, heading, subtitle, paragraph, caption, table cells)
    assert page.text.count(payload) >= 8
    if payload == "{{7*7}}":
        assert "49" not in page.text
    for raw in ("<script>", "<img ", "<svg onload"):
        if raw in payload:
            assert raw not in html
