"""What the report may be trusted with: hostile SVG, awkward group names, and what it says
about verdicts (marks of findings, counts of criteria evaluated, degenerate audits, values
resting on few observations, the multiple-testing correction)."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from _studies import study_report
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
    (
        "<svg/onload=alert(1)>",
        safe.REASON_NOT_XML.format(error="not well-formed (invalid token): line 1, column 5"),
    ),
    (
        "<svg><a href=https://example.org>x</a></svg>",
        safe.REASON_NOT_XML.format(error="not well-formed (invalid token): line 1, column 13"),
    ),
    (
        "<svg></svg><img src=x onerror=alert(1)>",
        safe.REASON_NOT_XML.format(error="junk after document element: line 1, column 11"),
    ),
    (
        "<svg></svg><p>after</p>",
        safe.REASON_NOT_XML.format(error="junk after document element: line 1, column 11"),
    ),
    (
        '<svg><meta http-equiv="refresh" content="0;url=https://example.org"/></svg>',
        safe.REASON_ELEMENT.format(name="meta"),
    ),
    (
        '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
        safe.REASON_ELEMENT.format(name="animate"),
    ),
    (
        '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
        safe.REASON_ELEMENT.format(name="set"),
    ),
    (
        "<svg><style>@import url(https://example.org/a.css);</style></svg>",
        safe.REASON_CSS.format(where="a <style> element", what="an @-rule"),
    ),
    (
        "<svg><style>*{stroke-linecap: \\75 rl(https://example.org)}</style></svg>",
        safe.REASON_CSS.format(where="a <style> element", what="a CSS escape"),
    ),
    (
        '<svg><rect style="fill: \\75 rl(https://example.org)"/></svg>',
        safe.REASON_CSS.format(where="the attribute 'style' of <rect>", what="a CSS escape"),
    ),
    (
        "<svg><foreignObject><p>x</p></foreignObject></svg>",
        safe.REASON_ELEMENT.format(name="foreignObject"),
    ),
    ("<svg><script>alert(1)</script></svg>", safe.REASON_ELEMENT.format(name="script")),
    (
        f'<svg {XLINK}><use xlink:href="https://example.org/a.svg#b"/></svg>',
        safe.REASON_LINK.format(
            name="xlink:href", value="https://example.org/a.svg#b", element="use"
        ),
    ),
    (
        '<svg><use href="javascript:alert(1)"/></svg>',
        safe.REASON_LINK.format(name="href", value="javascript:alert(1)", element="use"),
    ),
    (
        '<svg><use href="data:image/svg+xml,x"/></svg>',
        safe.REASON_LINK.format(name="href", value="data:image/svg+xml,x", element="use"),
    ),
    ('<svg><image href="#a"/></svg>', safe.REASON_ELEMENT.format(name="image")),
    (
        '<svg><rect style="fill: url(https://example.org/x)"/></svg>',
        safe.REASON_CSS.format(
            where="the attribute 'style' of <rect>", what="'url(https://example.org/x)'"
        ),
    ),
    (
        '<svg><rect fill="url(https://example.org/x)"/></svg>',
        safe.REASON_CSS.format(
            where="the attribute 'fill' of <rect>", what="'url(https://example.org/x)'"
        ),
    ),
    (
        '<svg><rect style="width: expression(alert(1))"/></svg>',
        safe.REASON_CSS.format(
            where="the attribute 'style' of <rect>", what="'expression(alert(1)'"
        ),
    ),
    (
        "<svg><style>*{stroke-linecap: expression(alert(1))}</style></svg>",
        safe.REASON_CSS.format(where="a <style> element", what="'expression(alert(1)'"),
    ),
    (
        "<svg><style>*{stroke: url(https://example.org/x)}</style></svg>",
        safe.REASON_CSS.format(where="a <style> element", what="'url(https://example.org/x)'"),
    ),
    (
        "<svg><style>@font-face{font-family: x}</style></svg>",
        safe.REASON_CSS.format(where="a <style> element", what="an @-rule"),
    ),
    # a <style> element reaches the whole page: it could hide the verdict
    (
        "<svg><style>.badge{display: none}</style></svg>",
        safe.REASON_PROPERTY.format(where="a <style> element", name="display"),
    ),
    (
        '<svg style="position: fixed; top: 0"></svg>',
        safe.REASON_ATTRIBUTE.format(name="style", element="svg"),
    ),
    (
        '<svg transform="translate(0,-900)"></svg>',
        safe.REASON_ATTRIBUTE.format(name="transform", element="svg"),
    ),
    (
        '<svg><rect onclick="alert(1)"/></svg>',
        safe.REASON_ATTRIBUTE.format(name="onclick", element="rect"),
    ),
    (
        '<svg><g transform="translate(1,2) url(x)"/></svg>',
        safe.REASON_TRANSFORM.format(value="translate(1,2) url(x)", element="g"),
    ),
    (
        '<!DOCTYPE svg [<!ENTITY a "aaaaaaaa">]><svg><text>&a;</text></svg>',
        safe.REASON_MARKUP.format(found="<!DOCTYPE"),
    ),
    # read differently by XML and by the browser's HTML parser
    (
        "<svg><text><!--><img src=x onerror=alert(1)>--></text></svg>",
        safe.REASON_MARKUP.format(found="<!--><img"),
    ),
    (
        "<svg><?x ><img src=x onerror=alert(1)> ?></svg>",
        safe.REASON_MARKUP.format(found="<?x ><img"),
    ),
    ("<svg><text><![CDATA[x]]></text></svg>", safe.REASON_MARKUP.format(found="<![CDATA[")),
    (
        '<svg xmlns="http://www.w3.org/1999/xhtml"><p>x</p></svg>',
        safe.REASON_NAMESPACE.format(name="svg", namespace="http://www.w3.org/1999/xhtml"),
    ),
    (
        '<svg xmlns:x="urn:x"><rect x:href="javascript:alert(1)"/></svg>',
        safe.REASON_ATTRIBUTE.format(name="{urn:x}href", element="rect"),
    ),
]


@pytest.mark.parametrize(("svg", "reason"), ATTACKS, ids=[a[0][:40] for a in ATTACKS])
def test_hostile_svg_is_refused_with_the_reason(svg, reason):
    assert safe.unsafe_reason(svg) == reason
    with pytest.raises(ValueError, match=unsafe(reason) + "$"):
        Figure(svg, alt="x")


def test_inert_svg_and_local_references_are_accepted():
    for svg in [
        "<svg><text>url(x) onerror=alert(1) @import \\75 rl( &lt;script&gt;</text></svg>",
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
    result = fairaudit.audit(
        y, pred, sensitive_features=df, y_score=score, threshold=0.5, n_bootstrap=30, random_state=0
    )
    return result, render(result, comparison=compare_like_table())


def test_every_chart_of_the_audit_and_comparison_report_passes(full_report):
    _, html = full_report
    charts = svgs_of(html)
    assert len(charts) >= 10  # disparities, errors, scores, thresholds, comparison
    assert [safe.unsafe_reason(svg) for svg in charts] == [None] * len(charts)


@pytest.mark.parametrize("name", ["compas", "credit", "hiring", "policing", "recommendation"])
def test_every_chart_of_the_case_studies_passes(name):
    charts = svgs_of(study_report(name).read_text(encoding="utf-8"))
    assert [safe.unsafe_reason(svg) for svg in charts] == [None] * len(charts)


# ----------------------------------------------------------------------------- awkward names
AWKWARD = [
    "url(x)",
    "a\"b'c",
    "<script>alert(1)</script>",
    "</svg><img src=x onerror=alert(1)>",
    "A & B",
    "\U0001f469\u200d\U0001f52c scientist",
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
        result = fairaudit.audit(
            y,
            (score > 0.5).astype(int),
            sensitive_features=sf,
            y_score=score,
            threshold=0.5,
            n_bootstrap=20,
            random_state=0,
        )
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


def test_markdown_tables_keep_their_columns_with_pipes_in_names(awkward):
    from fairaudit.report import render_markdown

    result, *_ = awkward
    text = render_markdown(result, title="a | b")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    header, *body = rows
    assert len(body) >= 2
    # GitHub splits a row on every '|' not preceded by a backslash
    for line in rows:
        assert len(re.split(r"(?<!\\)\|", line)) == 8, line
    assert any(line.startswith("| group\\|url(z) |") for line in body)
    assert "\nline" not in text  # names with line breaks stay on their line


# ----------------------------------------------------------------------------- contracts
@dataclass(frozen=True, eq=False, repr=False)
class ContractResult(fairaudit.AuditResult):
    """An AuditResult whose verdict and verdict counts are given, to show that the report
    takes them from the result rather than counting the criteria itself."""

    given: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return self.given.get("verdict") or super().verdict

    @property
    def verdict_counts(self) -> dict:
        return dict(self.given.get("verdict_counts") or super().verdict_counts)


def contract(
    result, *, verdict=None, verdict_counts=None, config=None, meta=None, **tables
) -> ContractResult:
    """``result`` with some of its parts replaced: tables by name, ``config`` and ``meta``
    fields, and a given verdict and verdict counts."""
    settings = replace(result.settings, **(config or {}))
    info = replace(result.info, **(meta or {}))
    parts = replace(result.tables, **tables)
    given = {"verdict": verdict, "verdict_counts": verdict_counts}
    return ContractResult(
        result.attribute,
        result.features,
        result.reference_reason,
        settings,
        info,
        parts,
        dict(result.marginals),
        given=given,
    )


def counted_denominators(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    """Rows each rate of each group rests on, counted from the raw rows (the oracle)."""
    g = frame.groupby(group, sort=True)
    y, p = frame["y"], frame["p"]
    out = pd.DataFrame(
        {
            "selection_rate": g.size(),
            "base_rate": g.size(),
            "true_positive_rate": (y == 1).groupby(frame[group]).sum(),
            "false_positive_rate": (y == 0).groupby(frame[group]).sum(),
            "positive_predictive_value": (p == 1).groupby(frame[group]).sum(),
        }
    ).astype(float)
    out.index = out.index.astype(object)
    return out


def rows_with(groups: dict[str, tuple[int, int, int, int]], seed: int = 0) -> pd.DataFrame:
    """Rows per group with exact counts (TP, FP, FN, TN), shuffled."""
    parts = []
    for name, (tp, fp, fn, tn) in groups.items():
        parts.append(
            pd.DataFrame(
                {
                    "g": name,
                    "y": [1] * tp + [0] * fp + [1] * fn + [0] * tn,
                    "p": [1] * tp + [1] * fp + [0] * fn + [0] * tn,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def audit_rows(frame: pd.DataFrame, **kwargs):
    kwargs.setdefault("n_bootstrap", 200)
    kwargs.setdefault("random_state", 0)
    return fairaudit.audit(frame["y"], frame["p"], sensitive_features=frame["g"], **kwargs)


def findings_of(html: str) -> list[tuple[str, str]]:
    """(class, text) of each finding of the page's verdict section and disparities."""
    page = parse(html)
    classes = [
        a.get("class", "")
        for t, a in page.elements
        if t == "li" and "finding" in a.get("class", "")
    ]
    texts = re.findall(r'<li class="finding [a-z]+">(.*?)</li>', html, re.S)
    texts = [re.sub(r"<[^>]+>", "", t) for t in texts]
    import html as html_lib

    return [
        (c.split()[1], " ".join(html_lib.unescape(t).split()))
        for c, t in zip(classes, texts, strict=True)
    ]


@pytest.fixture(scope="module")
def mixed():
    """ref selected at 0.5; low at 0.2 (far below); high at 0.635 (1.27 times ref)."""
    frame = rows_with(
        {
            "ref": (360, 240, 240, 360),  # 1200 rows, 600 selected
            "low": (150, 90, 450, 510),  # 1200 rows, 240 selected
            "high": (127, 63, 53, 57),  # 300 rows, 190 selected
        }
    )
    result = audit_rows(frame, reference_group="ref")
    return frame, result, render(result)


def selection(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("g")["p"].mean()


def test_fail_marks_only_findings_whose_criterion_fails_and_whose_interval_is_outside(mixed):
    frame, result, html = mixed
    rate = selection(frame)
    found = findings_of(html)
    assert found, "the data are built to fail"
    low = [(c, t) for c, t in found if "'low' is selected" in t]
    ratio = rate["low"] / rate["ref"]
    assert ratio == pytest.approx(0.4)
    assert {c for c, t in low} == {"fail"}
    assert any(f"'low' is selected at {ratio:.2f} times" in t for _, t in low)
    crit = result.criteria
    failing = crit[crit["verdict"] == "fail"]
    assert not failing.empty
    from fairaudit.report._text import criterion_label

    failing_labels = {
        criterion_label(c, t)
        for c, t in zip(failing["criterion"], failing["tolerance"], strict=True)
    }
    for cls, text in found:
        assert text.split()[0] == {"fail": "\u2717", "inconclusive": "?", "na": "\u2013"}[cls]
        if cls == "fail":  # a FAIL finding names a failing criterion
            assert any(label in text for label in failing_labels), text
    # the group ratio intervals of FAIL pairs lie wholly outside [0.8, 1.25]
    to_ref = result.to_reference.set_index(["group", "metric"])
    for cls, text in found:
        m = re.search(r"'(\w+)' is selected at", text)
        if cls == "fail" and m:
            row = to_ref.loc[(m.group(1), "selection_rate")]
            assert row["ratio_upper"] < 0.8 or row["ratio_lower"] > 1.25


def test_ratio_above_one_is_explained_the_way_the_criterion_takes_it(mixed):
    frame, result, html = mixed
    rate = selection(frame)
    ratio = rate["high"] / rate["ref"]
    assert round(ratio, 2) == 1.27 and round(1 / ratio, 2) == 0.79  # the oracle, by hand
    text = next(t for _, t in findings_of(html) if "'high' is selected" in t)
    assert f"'high' is selected at {ratio:.2f} times the rate of the reference group 'ref'" in text
    assert f"takes the ratio the other way, {1 / ratio:.2f}" in text
    assert "below 0.80" in text
    row = result.to_reference.set_index(["group", "metric"]).loc[("high", "selection_rate")]
    inverse = f"95% CI {1 / row['ratio_upper']:.2f}\u2013{1 / row['ratio_lower']:.2f}"
    assert inverse in text
    if row["ratio_lower"] <= 1.25:  # its interval includes the tolerance: no FAIL mark
        assert text.startswith("? CANNOT TELL")
        assert "cannot tell: the 95% interval includes the tolerance" in text


def test_inconclusive_criteria_give_cannot_tell_findings():
    # selection 0.5 and 0.375 in 200 rows each: ratio 0.75, whose interval includes 0.8
    frame = rows_with({"ref": (60, 40, 40, 60), "border": (45, 30, 55, 70)})
    assert selection(frame)["border"] / selection(frame)["ref"] == 0.75
    result = audit_rows(frame, reference_group="ref")
    crit = result.criteria.set_index("criterion")
    assert crit.loc["demographic_parity_ratio", "verdict"] == "inconclusive"
    html = render(result)
    found = findings_of(html)
    border = [t for c, t in found if "'border' is selected at 0.75 times" in t]
    assert border and all(t.startswith("? CANNOT TELL") for t in border)
    assert all(t.endswith("cannot tell: the 95% interval includes the tolerance.") for t in border)
    # the only FAIL is the four-fifths rule's: 0.75 is below 4/5 and the difference of the
    # rates is significant (z = 2.52 SD: pooled 0.4375, se 0.0496), which is a test of equal
    # rates, not of the ratio against 0.8 (that is the demographic parity ratio's interval)
    fails = [t for c, t in found if c == "fail"]
    assert crit.loc["four_fifths_rule", "verdict"] == "fail"
    assert fails and all(
        "FAIL" in t
        and "Four-fifths rule (EEOC): the lowest selection "
        "rate is 0.750 times the rate of the most selected group 'ref'"
        in t
        for t in fails
    )
    assert all("below 4/5 and significant: border (ratio 0.750, z = 2.52 SD)" in t for t in fails)


def test_not_evaluated_criteria_are_counted_listed_and_marked():
    # no positive outcome anywhere: true positive rates are undefined in every group
    frame = rows_with({"a": (0, 30, 0, 70), "b": (0, 50, 0, 50)})
    result = audit_rows(frame)
    crit = result.criteria
    counts = crit["verdict"].value_counts()
    assert counts.get("n/a", 0) >= 2
    html = render(result)
    text = parse(html).text
    assert f"; {counts['n/a']} could not be evaluated." in text
    assert "Not evaluated:" in text
    missing = crit[crit["verdict"] == "n/a"]
    from fairaudit.report._text import criterion_label

    for name, tol, reason in zip(
        missing["criterion"], missing["tolerance"], missing["reason"], strict=True
    ):
        shown = reason if isinstance(reason, str) and reason.strip() else "its value is undefined"
        assert f"{criterion_label(name, tol)} for g: {shown}" in text
    assert any(c == "na" for c, _ in findings_of(html))


def test_verdict_counts_of_the_result_are_what_the_report_says(mixed):
    from fairaudit.report import render_markdown

    _, result, html = mixed
    counts = result.criteria["verdict"].value_counts()
    assert result.verdict_counts == {
        k: int(counts.get(k, 0)) for k in ("pass", "fail", "inconclusive", "n/a")
    }
    # the report takes the counts from the result, not from its own count of the rows
    made_up = {"pass": 3, "fail": 0, "inconclusive": 0, "n/a": 1}
    newer = contract(result, verdict="pass", verdict_counts=made_up)
    assert "3 criteria pass; 1 could not be evaluated." in parse(render(newer)).text
    assert "3 criteria pass; 1 could not be evaluated." in render_markdown(newer)


def test_no_criterion_evaluated_is_not_a_pass():
    result = audit_rows(rows_with({"only": (40, 30, 20, 10)}))  # one group: nothing to compare
    crit = result.criteria
    assert (crit["verdict"] == "n/a").all() and result.verdict == "inconclusive"
    html = render(result)
    page = parse(html)
    assert re.search(r'class="banner inconclusive"', html)
    assert "No criterion could be evaluated, so the audit cannot pass." in page.text
    assert f"None of the {len(crit)} criteria could be evaluated." in page.text
    from fairaudit.report._text import criterion_label

    for name, tol, reason in zip(crit["criterion"], crit["tolerance"], crit["reason"], strict=True):
        assert f"{criterion_label(name, tol)} for g: {reason}" in page.text


def test_degenerate_causes_are_shown_as_why_the_verdict_cannot_pass():
    from fairaudit.report import render_markdown

    frame = rows_with({"a": (40, 60, 0, 0), "b": (30, 70, 0, 0)})
    assert (frame["p"] == 1).all()  # the model predicts the positive class for every row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = audit_rows(frame)
    causes = result.meta["degenerate"]
    assert causes and result.verdict != "pass"
    html = render(result)
    page = parse(html)
    banner = page.text.split("Contents")[0]
    first = causes[0][0].upper() + causes[0][1:]
    assert "The verdict cannot be PASS, whatever the criteria say." in banner
    assert first in banner
    assert f"The verdict cannot be PASS. {first}" in page.text.split("Contents")[1]
    assert "PASS" not in re.search(r'class="banner ([a-z]+)"', html).group(1)
    # several causes, each shown; with a failing verdict too
    more = ["threshold 50 is above every score (highest 0.98)"]
    failing = contract(result, verdict="fail", meta={"degenerate": [*causes, more[0]]})
    text = parse(render(failing)).text
    assert f"{first} Threshold 50 is above every score (highest 0.98)." in text
    assert f"**The verdict cannot be PASS.** {first}" in render_markdown(result)


def test_few_observations_are_flagged_in_tables_findings_and_markdown():
    from fairaudit.report import render_markdown

    # 'tiny' has 40 rows but only 3 positives, none found; 'ref' is large
    frame = rows_with({"ref": (310, 190, 190, 310), "tiny": (0, 5, 3, 32)})
    result = audit_rows(frame, reference_group="ref")
    oracle = counted_denominators(frame, "g")
    den = result.denominators
    for column in oracle.columns:
        assert den[column].to_numpy().tolist() == oracle[column].reindex(den.index).tolist()
    few = result.few_observations
    assert few.loc["tiny", "true_positive_rate"] and not few.loc["tiny", "selection_rate"]
    html = render(result)
    page = parse(html)
    legend = "\u2020 rests on fewer than 30 observations"
    assert legend in page.text
    perf = next(t for t in page.tables if t["caption"] == "Performance by group of g")
    header = [c.text for c in perf["rows"][0]]
    tiny = next(r for r in perf["rows"] if r[0].text == "tiny")
    cells = dict(zip(header, tiny, strict=True))
    assert "\u2020" in cells["True positive rate"].text
    assert "\u2020" in cells["Precision (PPV)"].text  # 5 predicted positives
    assert "\u2020" not in cells["Selection rate"].text  # 40 rows: not few
    assert "\u2020" not in cells["False positive rate"].text  # 37 negatives
    ref = next(r for r in perf["rows"] if r[0].text == "ref")
    assert not any("\u2020" in c.text for c in ref)
    found = findings_of(html)
    tpr = [i for i, (_, t) in enumerate(found) if "True positive rate of 'tiny'" in t]
    assert tpr and all(
        "'tiny' rests on 3 observations for the true positive rate (fewer than 30)" in found[i][1]
        for i in tpr
    )
    # ranked after every finding of the same mark that does not rest on few observations,
    # within each list (the verdict section names the attribute, the disparities section not)
    for i in tpr:
        same_list = found[i][1].split(" ", 3)[2] == "g:"
        assert all(
            j < i
            for j, (c, t) in enumerate(found)
            if c == found[i][0]
            and "rests on" not in t
            and (t.split(" ", 3)[2] == "g:") == same_list
        )
    md_text = render_markdown(result)
    flagged = [line for line in md_text.splitlines() if line.startswith("| g | Equal opportunity")]
    assert flagged and all(" \u2020 |" in line for line in flagged)
    assert not any(
        " \u2020 |" in line
        for line in md_text.splitlines()
        if line.startswith("| g | Demographic parity")
    )
    assert legend + "." in md_text


def test_zero_width_interval_is_never_the_most_certain_finding():
    # 'none' has 3 positives and finds none of them: a true positive rate of 0/3, whose
    # resampled values are all 0 -- an interval without width that says nothing of certainty
    frame = rows_with(
        {"ref": (300, 200, 200, 300), "none": (0, 30, 3, 67), "low": (60, 20, 240, 180)}
    )
    result = audit_rows(frame, reference_group="ref")
    lower, upper = result.tables.lower.copy(), result.tables.upper.copy()
    lower.loc["none", "true_positive_rate"] = upper.loc["none", "true_positive_rate"] = 0.0
    to_ref = result.to_reference
    at = (to_ref["group"] == "none") & (to_ref["metric"] == "true_positive_rate")
    to_ref.loc[at, ["ratio_lower", "ratio_upper"]] = 0.0
    zero = contract(result, lower=lower, upper=upper, to_reference=to_ref)
    found = findings_of(render(zero))
    tpr = [(c, t) for c, t in found if "True positive rate of 'none'" in t]
    assert tpr and all(c == "inconclusive" for c, _ in tpr)
    assert all(
        "the 95% interval has no width, which shows how few observations there are "
        "rather than certainty" in t
        for _, t in tpr
    )
    first = found[0][1]
    assert "'none'" not in first and first.startswith("\u2717 FAIL")


def test_correction_is_described_as_configured(mixed):
    _, result, html = mixed
    assert result.config["correction"] == "holm" and result.config["correction_scope"] == "all"
    text = parse(html).text
    assert (
        "Holm's step-down method (controls the chance of any false flag), p-values "
        "adjusted together across all groups and metrics of the attribute"
    ) in text
    assert "groups and metrics at once" not in text
    per_metric = parse(
        render(
            audit_rows(
                rows_with({"a": (30, 20, 20, 30), "b": (25, 20, 25, 30)}),
                correction="bh",
                correction_scope="metric",
            )
        )
    ).text
    assert (
        "the Benjamini\u2013Hochberg method (controls the share of false flags), p-values "
        "adjusted together across the groups of each metric"
    ) in per_metric
    # results written before correction_scope existed adjusted per metric
    written = result.to_dict()
    written["schema_version"] = "1.1"
    del written["config"]["correction_scope"]
    earlier = parse(render(fairaudit.AuditResult.from_dict(written))).text
    assert "adjusted together across the groups of each metric" in earlier
    none = parse(render(contract(result, config={"correction": "none"}))).text
    assert "none: p-values are not adjusted for testing several groups" in none


def test_four_fifths_rule_is_shown_as_a_criterion_of_its_own(mixed):
    """The four-fifths rule is its own row (it compares with the most selected group and
    fails only on a significant difference), apart from the demographic parity ratio."""
    _, result, html = mixed
    page = parse(html)
    grid = next(
        t
        for t in page.tables
        if t["caption"] == "Verdict and value of each criterion per attribute"
    )
    names = [r[0].text for r in grid["rows"][1:]]
    assert "Four-fifths rule (EEOC)" in names and "Demographic parity (ratio)" in names
    assert len(names) == len(set(names))
    crit = result.criteria
    assert len(grid["rows"]) - 1 == crit["criterion"].nunique()
    counts = crit["verdict"].value_counts()
    assert f"{counts['fail']} criteria fail" in page.text


def test_a_result_written_by_an_earlier_version_is_shown_consistently():
    import gzip
    from pathlib import Path

    from fairaudit.report import render_markdown

    path = Path(__file__).parent / "data" / "audit-schema-1.0.json.gz"
    old = fairaudit.AuditResult.from_json(gzip.decompress(path.read_bytes()).decode("utf-8"))
    crit = old.criteria
    assert (crit["criterion"] == "four_fifths_rule").any()  # it repeats the ratio row
    assert old.config["correction_scope"] == "metric"  # how those versions adjusted
    shown = crit[crit["criterion"] != "four_fifths_rule"]
    counts = shown["verdict"].value_counts()
    html = render(old)
    page = parse(html)
    grid = next(
        t
        for t in page.tables
        if t["caption"] == "Verdict and value of each criterion per attribute"
    )
    names = [r[0].text for r in grid["rows"][1:]]
    assert len(names) == len(set(names)) == shown["criterion"].nunique()
    assert "Demographic parity (ratio)" in names
    phrase = (
        f"{counts['inconclusive']} criteria are inconclusive and {counts['pass']} passes "
        f"(all {len(shown)} evaluated)."
    )
    assert phrase in page.text and phrase in render_markdown(old)
    assert "p-values adjusted together across the groups of each metric" in page.text


def test_chart_labels_and_alternative_text_are_never_rewritten_as_markup():
    """The SVG clean-up and the per-figure id prefix touch tags only: names that look like
    ids, references, namespaces or CSS stay as they are in the charts' text."""
    names = [
        "url(#a) x",
        'k id="q" z',
        "font-family: Foo; w",
        "v xlink:href=u",
        'n xmlns="m" o',
        'p x="1.23456789" q',
    ]
    rng = np.random.default_rng(0)
    n = 600
    groups = np.array(names, dtype=object)[rng.integers(0, len(names), n)]
    result = fairaudit.audit(
        rng.integers(0, 2, n),
        rng.integers(0, 2, n),
        sensitive_features=pd.Series(groups, name="url(#b) name"),
        n_bootstrap=10,
        random_state=0,
    )
    texts, labels = set(), set()
    for svg in svgs_of(render(result)):
        root = ET.fromstring(svg)
        texts |= {"".join(e.itertext()) for e in root.iter("text")}
        labels |= {root.get("aria-label")} | {e.text for e in root.iter("title")}
    for name in names:
        assert any(name in t for t in texts), name
    assert all("url(#b) name" in label for label in labels)
