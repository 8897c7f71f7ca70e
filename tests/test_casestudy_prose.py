"""Every case-study report reads in words: a reader who is not a programmer (HR staff, a
journalist, a regulator's analyst) meets no Python name, parameter name or raw data column
in the prose, the table headers or the chart labels, and differences of percentages are in
percentage points.

Each study is rendered once, small. The report's visible text is read with the standard
library's HTML parser (an oracle independent of the report layer), section by section; the
methods or data note of a study (named below) may name columns and code, for reproducibility.
Controls feed the same checks pages that break each rule and must be caught.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from _studies import study_report
from test_report_parsing import figures_wider_than_print

#: Sections that may name code and data columns (the methods and data notes).
METHODS_SECTIONS = {
    "hiring": {"method"},
    "credit": {"method"},
    "compas": {"limits"},
    "recommendation": {"limits"},
    "policing": set(),
}

#: Column names of the studies' data and results that must not reach a reader.
KNOWN_COLUMNS = {
    "two_year_recid",
    "is_recid",
    "days_b_screening_arrest",
    "c_charge_degree",
    "score_text",
    "decile_score",
    "experience_years",
    "skills_score",
    "education_level",
    "womens_org_member",
    "gendered_wording",
    "career_gap_months",
    "proxy_strength",
    "label_bias",
    "measurement_bias",
    "selection_bias",
    "random_state",
    "gini_final",
    "utility_ratio",
    "minority_shown",
    "group_blind",
    "n_applicants",
}

#: A Python-style identifier: lower-case words joined by underscores.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: A keyword argument written as code, e.g. ``correction=None``.
KEYWORD = re.compile(r"\b[a-z_]+=[A-Za-z0-9'\"]")
#: A number (or "a") followed by "points" without "percentage": a difference of
#: percentages without its unit ("3.1 points", "within a point").
BARE_POINTS = re.compile(r"(?:\d|\ba)\s+points?\b")
#: A share written as a decimal between 0 and 1 rather than as a percentage: after the
#: word "share" in the same clause ("the true share 0.567", "the share settles at 0.598")
#: or before "of" and what is shared ("0.408 of all records"). Ratios, AUCs and Gini
#: coefficients stay decimals, and none of them is called a share.
_DECIMAL = r"(?<![\d.])(?:0\.\d+|1\.0+)(?![\d.]*\s*(?:%|percentage))"
DECIMAL_SHARE = re.compile(
    rf"\bshares?\b[^.;%]{{0,40}}?{_DECIMAL}"
    rf"|{_DECIMAL}\s+of\s+(?:all\s+|the\s+)*(?:true\s+)?"
    r"(?:records|incidents|patrols|applicants|defendants|people|slots|clicks|items|women|men)\b"
)


class _Page(HTMLParser):
    """Visible text of a report by kind (prose, header, chart) and top-level section."""

    PROSE = {"p", "li", "figcaption", "caption"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = ""
        self.stack: list[str] = []
        self.chunks: list[tuple[str, str, str]] = []  # (section, kind, text)
        self.headers: list[tuple[str, int, str]] = []  # (section, header rows, text)
        self._th: list[str] | None = None
        self._head_rows = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "section" in (attrs.get("class") or "").split():
            self.section = attrs.get("id") or ""
        if tag == "thead":
            self._head_rows = 0
        if tag == "tr" and "thead" in self.stack:
            self._head_rows += 1
        if tag == "th" and "thead" in self.stack:
            self._th = []
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "th" and self._th is not None:
            self.headers.append((self.section, -1, " ".join(self._th).strip()))
            self._th = None
        if tag == "thead":
            # the number of header rows is known only now: fix up this header's cells
            rows = self._head_rows
            self.headers = [(s, rows if n == -1 else n, t) for s, n, t in self.headers]
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        if not data.strip() or {"script", "style", "title", "code", "pre"} & set(self.stack):
            return
        if self._th is not None:
            self._th.append(data.strip())
        if "svg" in self.stack:
            kind = "chart"
        elif "th" in self.stack or "td" in self.stack:
            kind = "table"
        elif self.PROSE & set(self.stack):
            kind = "prose"
        else:
            kind = "other"
        self.chunks.append((self.section, kind, data.strip()))


def read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def problems(html: str, methods: set[str]) -> list[str]:
    """What breaks the rules in a report's visible text, outside the ``methods`` sections."""
    page = read(html)
    found = []
    for section, kind, text in page.chunks:
        if section in methods:
            continue
        for name in SNAKE.findall(text):
            found.append(f"{section}/{kind}: identifier {name!r} in {text[:80]!r}")
        for name in KEYWORD.findall(text):
            found.append(f"{section}/{kind}: keyword argument {name!r} in {text[:80]!r}")
        if kind == "prose" and BARE_POINTS.search(text):
            found.append(f"{section}: 'points' without 'percentage' in {text[:120]!r}")
        if kind == "prose":
            for match in DECIMAL_SHARE.finditer(text):
                found.append(f"{section}: a share as a decimal, {match.group(0)!r}")
        for column in KNOWN_COLUMNS:
            if re.search(rf"\b{column}\b", text):
                found.append(f"{section}/{kind}: column {column!r}")
    for section, rows, text in page.headers:
        if section in methods:
            continue
        if "_" in text:
            found.append(f"{section}: header {text!r} is not in words")
        if rows == 1 and not text:
            found.append(f"{section}: an empty header cell in a one-row header")
        if text and not re.search(r"[A-Za-z]", text):
            found.append(f"{section}: header {text!r} has no word")
    return found


# --------------------------------------------------------------------------- the studies
def _render(name: str) -> str:
    return study_report(name).read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=sorted(METHODS_SECTIONS))
def report(request) -> tuple[str, str]:
    name = request.param
    return name, _render(name)


def test_the_report_text_is_in_words(report):
    name, html = report
    assert problems(html, METHODS_SECTIONS[name]) == []


def test_every_chart_prints_at_its_own_size(report):
    """No chart is wider than the printed page's text, where it would be scaled down and
    its 7 to 8 pt legends with it."""
    _, html = report
    assert html.count("<svg") >= 4
    assert figures_wider_than_print(html) == []


def test_the_methods_note_is_where_the_column_names_are(report):
    """The exclusion is not a blanket one: each study's methods or data note exists, and
    the rest of the report has enough text for the checks to mean something."""
    name, html = report
    page = read(html)
    sections = {s for s, _, _ in page.chunks}
    assert METHODS_SECTIONS[name] <= sections
    prose = [t for s, k, t in page.chunks if k == "prose" and s not in METHODS_SECTIONS[name]]
    headers = [t for s, _, t in page.headers if s not in METHODS_SECTIONS[name]]
    assert len(" ".join(prose)) > 2000 and len(headers) >= 5
    charts = [t for _, k, t in page.chunks if k == "chart"]
    assert charts, "no chart label was read"


def test_compas_keeps_one_data_note_with_the_column_names():
    html = _render("compas")
    page = read(html)
    note = " ".join(t for s, _, t in page.chunks if s == "limits")
    for column in ("two_year_recid", "days_b_screening_arrest"):
        assert column in note
    prose = " ".join(t for s, k, t in page.chunks if s != "limits")
    assert "re-arrested within two years" in prose or "charged again within two years" in prose
    assert "days between arrest and screening" in prose


# --------------------------------------------------------------------------- controls
PAGE = (
    "<html><body><main><section id='s' class='section'><h2>S</h2>{body}</section>"
    "<section id='method' class='section'><p>Reproduce: results(random_state=0) on "
    "two_year_recid.</p></section></main></body></html>"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>The outcome is two_year_recid.</p>", "identifier 'two_year_recid'"),
        ("<p>A gap of 3.1 points.</p>", "'points' without 'percentage'"),
        ("<p>With correction=None the share drifts.</p>", "keyword argument"),
        ("<p>The share settles at 0.598, above the true 0.567.</p>", "share as a decimal"),
        ("<p>Region A's true share 0.567.</p>", "share as a decimal"),
        ("<p>They hold 0.408 of all records.</p>", "share as a decimal"),
        ("<figcaption>A distance to the true shares: 0.430.</figcaption>", "share as a decimal"),
        ("<table><thead><tr><th>gini_final</th></tr></thead></table>", "not in words"),
        ("<table><thead><tr><th></th><th>value</th></tr></thead></table>", "empty header"),
        ("<svg><text>leakage_auc</text></svg>", "s/chart: identifier 'leakage_auc'"),
        ("<table><tbody><tr><td>decile_score</td></tr></tbody></table>", "column"),
    ],
)
def test_the_checks_catch_each_broken_rule(body, expected):
    found = problems(PAGE.format(body=body), {"method"})
    assert any(expected in f for f in found), found


def test_the_checks_pass_plain_words_and_the_methods_note():
    body = (
        "<p>A gap of 3.1 percentage points; 42.3% of defendants. The share settles at 59.8%,"
        " a ratio of 0.58 and an AUC of 0.91; the shares move by 0.5 percentage points.</p>"
        "<table><thead><tr>"
        "<th>rule</th><th>share approved</th></tr></thead></table>"
        "<code>fairaudit.casestudies.hiring.results(random_state=0)</code>"
    )
    assert problems(PAGE.format(body=body), {"method"}) == []
    assert problems(PAGE.format(body=body), set()) != []  # the note itself is not in words
