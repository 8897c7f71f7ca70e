"""What the report may be trusted with: hostile SVG, awkward group names, and what it says
about verdicts (marks of findings, counts of criteria evaluated, degenerate audits, values
resting on few observations, the multiple-testing correction)."""

from __future__ import annotations

import importlib
import re
import warnings
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_report_audit import compare_like_table, make_data
from test_report_parsing import active_content, parse, resource_references

import fairaudit
from fairaudit.report import Figure, figure_to_svg, render
from fairaudit.report import _svgsafe as safe
from fairaudit.report._charts import short

SVG_RE = re.compile(r"<svg\b.*?</svg>", re.S)


def unsafe(reason: str) -> str:
    return re.escape(safe.FIGURE_SVG_UNSAFE.format(reason=reason))


def svgs_of(html: str) -> list[str]:
    found = SVG_RE.findall(html)
    assert found, "the page holds no chart"
    return found


# ----------------------------------------------------------------------------- SVG check
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'
ATTACKS = [
    ("<svg/onload=alert(1)>", safe.REASON_NOT_XML.format(
        error="not well-formed (invalid token): line 1, column 5")),
    ("<svg><a href=https://example.org>x</a></svg>", safe.REASON_NOT_XML.format(
        error="not well-formed (invalid token): line 1, column 13")),
    ("<svg></svg><img src=x onerror=alert(1)>", safe.REASON_NOT_XML.format(
        error="junk after document element: line 1, column 11")),
    ("<svg></svg><p>after</p>", safe.REASON_NOT_XML.format(
        error="junk after document element: line 1, column 11")),
    ('<svg><meta http-equiv="refresh" content="0;url=https://example.org"/></svg>',
     safe.REASON_ELEMENT.format(name="meta")),
    ('<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
     safe.REASON_ELEMENT.format(name="animate")),
    ('<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
     safe.REASON_ELEMENT.format(name="set")),
    ("<svg><style>@import url(https://example.org/a.css);</style></svg>",
     safe.REASON_CSS.format(where="a <style> element", what="an @-rule")),
    ("<svg><style>*{stroke-linecap: \\75 rl(https://example.org)}</style></svg>",
     safe.REASON_CSS.format(where="a <style> element", what="a CSS escape")),
    ('<svg><rect style="fill: \\75 rl(https://example.org)"/></svg>',
     safe.REASON_CSS.format(where="the attribute 'style' of <rect>", what="a CSS escape")),
    ("<svg><foreignObject><p>x</p></foreignObject></svg>",
     safe.REASON_ELEMENT.format(name="foreignObject")),
    ("<svg><script>alert(1)</script></svg>", safe.REASON_ELEMENT.format(name="script")),
    (f'<svg {XLINK}><use xlink:href="https://example.org/a.svg#b"/></svg>',
     safe.REASON_LINK.format(name="xlink:href", value="https://example.org/a.svg#b",
                             element="use")),
    ('<svg><use href="javascript:alert(1)"/></svg>',
     safe.REASON_LINK.format(name="href", value="javascript:alert(1)", element="use")),
    ('<svg><use href="data:image/svg+xml,x"/></svg>',
     safe.REASON_LINK.format(name="href", value="data:image/svg+xml,x", element="use")),
    ('<svg><image href="#a"/></svg>', safe.REASON_ELEMENT.format(name="image")),
    ('<svg><rect style="fill: url(https://example.org/x)"/></svg>',
     safe.REASON_CSS.format(where="the attribute 'style' of <rect>",
                            what="'url(https://example.org/x)'")),
    ('<svg><rect fill="url(https://example.org/x)"/></svg>',
     safe.REASON_CSS.format(where="the attribute 'fill' of <rect>",
                            what="'url(https://example.org/x)'")),
    ('<svg><rect style="width: expression(alert(1))"/></svg>',
     safe.REASON_CSS.format(where="the attribute 'style' of <rect>",
                            what="'expression(alert(1)'")),
    ("<svg><style>*{stroke-linecap: expression(alert(1))}</style></svg>",
     safe.REASON_CSS.format(where="a <style> element", what="'expression(alert(1)'")),
    ("<svg><style>*{stroke: url(https://example.org/x)}</style></svg>",
     safe.REASON_CSS.format(where="a <style> element", what="'url(https://example.org/x)'")),
    ("<svg><style>@font-face{font-family: x}</style></svg>",
     safe.REASON_CSS.format(where="a <style> element", what="an @-rule")),
    # a <style> element reaches the whole page: it could hide the verdict
    ("<svg><style>.badge{display: none}</style></svg>",
     safe.REASON_PROPERTY.format(where="a <style> element", name="display")),
    ('<svg style="position: fixed; top: 0"></svg>',
     safe.REASON_ATTRIBUTE.format(name="style", element="svg")),
    ('<svg transform="translate(0,-900)"></svg>',
     safe.REASON_ATTRIBUTE.format(name="transform", element="svg")),
    ('<svg><rect onclick="alert(1)"/></svg>',
     safe.REASON_ATTRIBUTE.format(name="onclick", element="rect")),
    ('<svg><g transform="translate(1,2) url(x)"/></svg>',
     safe.REASON_TRANSFORM.format(value="translate(1,2) url(x)", element="g")),
    ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaa">]><svg><text>&a;</text></svg>',
     safe.REASON_MARKUP.format(found="<!DOCTYPE")),
    # read differently by XML and by the browser's HTML parser
    ("<svg><text><!--><img src=x onerror=alert(1)>--></text></svg>",
     safe.REASON_MARKUP.format(found="<!--><img")),
    ("<svg><?x ><img src=x onerror=alert(1)> ?></svg>",
     safe.REASON_MARKUP.format(found="<?x ><img")),
    ("<svg><text><![CDATA[x]]></text></svg>", safe.REASON_MARKUP.format(found="<![CDATA[")),
    ('<svg xmlns="http://www.w3.org/1999/xhtml"><p>x</p></svg>',
     safe.REASON_NAMESPACE.format(name="svg", namespace="http://www.w3.org/1999/xhtml")),
    ('<svg xmlns:x="urn:x"><rect x:href="javascript:alert(1)"/></svg>',
     safe.REASON_ATTRIBUTE.format(name="{urn:x}href", element="rect")),
]


@pytest.mark.parametrize(("svg", "reason"), ATTACKS, ids=[a[0][:40] for a in ATTACKS])
def test_hostile_svg_is_refused_with_the_reason(svg, reason):
    assert safe.unsafe_reason(svg) == reason
    with pytest.raises(ValueError, match=unsafe(reason) + "$"):
        Figure(svg, alt="x")


def test_inert_svg_and_local_references_are_accepted():
    for svg in [
        '<svg><text>url(x) onerror=alert(1) @import \\75 rl( &lt;script&gt;</text></svg>',
        '<svg><defs><clipPath id="p1"><rect width="1" height="1"/></clipPath></defs>'
        '<g clip-path="url(#p1)"><use href="#p1" x="1"/></g></svg>',
        f'<svg xmlns="http://www.w3.org/2000/svg" {XLINK}><use xlink:href="#p1"/></svg>',
        '<svg><path style="fill: url(#h1); stroke: rgba(0, 0, 0, 0.5)" d="M 0 0 L 1 1 z"/></svg>',
        "<svg><style>*{stroke-linejoin: round; stroke-linecap: butt}</style></svg>",
    ]:
        assert safe.unsafe_reason(svg) is None, svg
        Figure(svg, alt="x")


def _kitchen_sink():
    """One figure using much of what matplotlib's SVG backend can write, except raster
    images (imshow, colorbars)."""
    rng = np.random.default_rng(0)
    fig, axes = plt.subplots(2, 3, figsize=(9, 5))
    ax = axes[0, 0]
    ax.plot([1, 2, 3], [1, 4, 9], marker="o", ls="--", label="line")
    ax.errorbar([1, 2], [2, 3], yerr=[0.5, 0.2], fmt="s", capsize=3, label="errors")
    ax.fill_between([1, 2, 3], [0, 1, 2], [2, 3, 5], alpha=0.3, hatch="//")
    ax.legend(title="legend")
    ax.set_yscale("log")
    axes[0, 1].bar(["a", "b"], [3, 5], hatch="x", edgecolor="black")
    axes[0, 1].annotate("peak", xy=(1, 5), xytext=(0, 4), arrowprops={"arrowstyle": "->"})
    axes[0, 1].text(0.5, 0.5, "rotated\nlines", rotation=30, transform=axes[0, 1].transAxes)
    axes[0, 2].scatter(rng.random(20), rng.random(20), c=rng.random(20), s=40)
    axes[1, 0].pcolormesh(rng.random((4, 5)))
    tri_x, tri_y = rng.random(12), rng.random(12)
    axes[1, 1].tripcolor(tri_x, tri_y, rng.random(12), shading="gouraud")
    axes[1, 2].pie([1, 2, 3], labels=["x", "y", "z"])
    axes[1, 2].twinx().plot([0, 1], [1, 0], color="red")
    fig.suptitle("everything at once")
    return fig


def test_every_kind_of_vector_drawing_passes_and_raster_images_are_refused():
    svg = figure_to_svg(_kitchen_sink())
    assert safe.unsafe_reason(svg) is None
    tags = {ET.fromstring(svg).tag} | {e.tag for e in ET.fromstring(svg).iter()}
    # hatches, Gouraud shading, clipping and markers all took part
    assert {"pattern", "linearGradient", "filter", "clipPath", "use", "text"} <= tags
    # raster parts are <image> elements with a data: link, which the check refuses
    for draw in ("imshow", "colorbar"):
        fig, ax = plt.subplots()
        drawn = ax.imshow(np.arange(12).reshape(3, 4))
        if draw == "colorbar":
            drawn.remove()
            fig.colorbar(ax.scatter([0, 1], [0, 1], c=[0, 1]), ax=ax)
        with pytest.raises(ValueError, match=unsafe(safe.REASON_ELEMENT.format(name="image"))):
            Figure(figure_to_svg(fig), alt="an image")


@pytest.fixture(scope="module")
def full_report():
    """An audit of three attributes with scores and intersections, and a comparison."""
    df, y, pred, score = make_data(n=2400)
    result = fairaudit.audit(y, pred, sensitive_features=df, y_score=score, threshold=0.5,
                             n_bootstrap=30, random_state=0)
    return result, render(result, comparison=compare_like_table())


def test_every_chart_of_the_audit_and_comparison_report_passes(full_report):
    _, html = full_report
    charts = svgs_of(html)
    assert len(charts) >= 10  # disparities, errors, scores, thresholds, comparison
    assert [safe.unsafe_reason(svg) for svg in charts] == [None] * len(charts)


@pytest.mark.parametrize("name", ["compas", "hiring", "policing"])
def test_every_chart_of_the_case_studies_passes(name, tmp_path):
    module = importlib.import_module(f"fairaudit.casestudies.{name}")
    path = module.run(tmp_path, quick=True)
    charts = svgs_of(path.read_text(encoding="utf-8"))
    assert [safe.unsafe_reason(svg) for svg in charts] == [None] * len(charts)


# ----------------------------------------------------------------------------- awkward names
AWKWARD = [
    "url(x)",
    "a\"b'c",
    "<script>alert(1)</script>",
    "</svg><img src=x onerror=alert(1)>",
    "A & B",
    "\U0001F469\u200D\U0001F52C scientist",
    "line one\nline two",
    "L" * 300,
    "javascript:alert(1)",
    "a|b",
    "@import url(https://example.org/x.css)",
    "\\75 rl(x)",
    "$x$ and 50%",
    "bell\x07",
]


@pytest.fixture(scope="module")
def awkward():
    rng = np.random.default_rng(5)
    n = 4200
    groups = np.array(AWKWARD, dtype=object)[rng.integers(0, len(AWKWARD), n)]
    other = np.array(["url(y)", "b|c"], dtype=object)[rng.integers(0, 2, n)]
    sf = pd.DataFrame({"group|url(z)": groups, "other": other})
    y = rng.integers(0, 2, n)
    score = np.clip(rng.random(n) + 0.15 * (groups == "url(x)"), 0, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fairaudit.audit(y, (score > 0.5).astype(int), sensitive_features=sf,
                                 y_score=score, threshold=0.5, n_bootstrap=20, random_state=0)
        html = render(result)
    return result, html, [str(w.message) for w in caught]


def test_awkward_names_render_and_every_chart_passes_the_check(awkward):
    result, html, caught = awkward
    assert [safe.unsafe_reason(svg) for svg in svgs_of(html)] == [None] * len(svgs_of(html))
    page = parse(html)
    assert active_content(page) == []
    assert resource_references(page) == []
    assert "<script>alert" not in html and "<img src=x" not in html
    # the browser draws chart text with its own fonts: no warning about matplotlib's
    assert not [m for m in caught if "missing from font" in m]


def test_awkward_names_are_escaped_text_in_html_svg_titles_and_tooltips(awkward):
    result, html, _ = awkward
    page = parse(html)
    for name in AWKWARD:  # the page's text with runs of white space as one space
        assert " ".join(name.split()) in page.text, name
    # SVG text and titles, read back by an XML parser, are the names (shortened on one line)
    chart_text = set()
    for svg in svgs_of(html):
        root = ET.fromstring(svg)
        chart_text |= {"".join(e.itertext()) for e in root.iter("text")}
        chart_text |= {e.text for e in root.iter("title")}
    for name in AWKWARD:
        expected = short(name.replace("\x07", "\ufffd"))
        assert any(expected in t for t in chart_text), name
    # tooltips (title attributes) carry names as text
    titles = " ".join(a.get("title", "") for _, a in page.elements)
    assert "group|url(z)" in titles
