"""The report's glossary: the terms of the tasks of its audits, and the links to its entries
from the table headers that name them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit.report import Section, Table, render
from fairaudit.report._elements import KeyValues
from fairaudit.report._format import Cell, link_headers, table_view
from fairaudit.report._glossary import terms_for

CONFUSION = "TP, FP, TN, FN"
#: Terms a regression audit needs (written here, not read from the package).
REGRESSION_TERMS = (
    "Mean error (ŷ − y)",
    "Mean absolute error",
    "Root mean squared error",
    "R²",
    "Prediction, 10th percentile",
    "Median prediction",
    "Share above the median (scoring rate)",
    "Standardized mean difference (d)",
    "Kolmogorov–Smirnov distance",
    "Wasserstein-1 distance",
    "Bounded group loss",
    "Scoring rate ratio",
)
BINARY_TERMS = (
    CONFUSION,
    "Selection rate",
    "True positive rate",
    "False positive rate",
    "Precision (PPV)",
    "Brier score",
    "Expected calibration error",
    "Demographic parity (difference)",
    "Four-fifths rule (EEOC)",
)
MULTICLASS_TERMS = (
    "One-vs-rest (per class)",
    "Confusion matrix (k × k)",
    "Accuracy",
    "Macro recall",
    "Macro precision",
    "Macro F1",
    "Weighted recall",
    "Weighted precision",
    "Weighted F1",
    "Selection rate",
    "True positive rate",
)
#: The group tables with a column of counts (the glossary has no entry for it).
WITH_COUNT = {("binary", "Performance by group of sex"), ("regression", "Errors by group of race")}
GENERAL_TERMS = ("Tolerance band", "Confidence interval", "Verdict", "Adjusted p-value")


# ----------------------------------------------------------------------------- reading
@dataclass
class Header:
    text: str
    href: str | None
    head: bool  # in the table's <thead>
    caption: str


@dataclass
class Report:
    ids: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    headers: list[Header] = field(default_factory=list)
    glossary: dict[str, str] = field(default_factory=dict)  # entry id -> term
    terms: list[str] = field(default_factory=list)  # in order
    term_links: list[tuple[str, str]] = field(default_factory=list)  # (class, href)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.report = Report()
        self.section: str | None = None
        self.in_head = False
        self.caption = ""
        self.in_caption = False
        self.th: Header | None = None
        self.dt: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.report.ids.append(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.report.hrefs.append(a["href"][1:])
            if "term" in (a.get("class") or "").split():
                self.report.term_links.append((a["class"], a["href"][1:]))
                if self.th is not None:
                    self.th.href = a["href"][1:]
        if tag == "section":
            self.section = a.get("id")
        elif tag == "table":
            self.caption = ""
        elif tag == "caption":
            self.in_caption = True
        elif tag == "thead":
            self.in_head = True
        elif tag == "th":
            self.th = Header("", None, self.in_head, self.caption)
        elif tag == "dt" and self.section == "glossary":
            self.dt = (a.get("id", ""), "")

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head = False
        elif tag == "caption":
            self.in_caption = False
        elif tag == "th" and self.th is not None:
            self.th.text = " ".join(self.th.text.split())
            self.report.headers.append(self.th)
            self.th = None
        elif tag == "dt" and self.dt is not None:
            anchor, text = self.dt[0], " ".join(self.dt[1].split())
            self.report.glossary[anchor] = text
            self.report.terms.append(text)
            self.dt = None

    def handle_data(self, data):
        if self.in_caption:
            self.caption += data
        if self.th is not None:
            self.th.text += data
        if self.dt is not None:
            self.dt = (self.dt[0], self.dt[1] + data)


def read(html: str) -> Report:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.report


# ----------------------------------------------------------------------------- audits
def _groups(rng, n):
    return pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], n),
            "race": rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]),
        }
    )


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(3)
    n = 1200
    g = _groups(rng, n)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1.2, n) - 0.6 * (g["sex"] == "F"))))
    y = (rng.random(n) < score).astype(int)
    return fairaudit.audit(
        y,
        (score >= 0.5).astype(int),
        sensitive_features=g,
        y_score=score,
        n_bootstrap=20,
        random_state=0,
        name="decisions",
    )


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(4)
    n = 1200
    g = _groups(rng, n)
    y = rng.normal(50, 10, n)
    pred = y + rng.normal(0, 5, n) + 3 * (g["race"] == "B")
    return fairaudit.audit(
        y,
        pred,
        sensitive_features=g["race"],
        task="regression",
        n_bootstrap=20,
        random_state=0,
        name="numbers",
    )


@pytest.fixture(scope="module")
def multiclass():
    rng = np.random.default_rng(5)
    n = 1200
    g = _groups(rng, n)
    classes = np.array(["low", "mid", "high"])
    y = rng.choice(classes, n)
    pred = np.where(rng.random(n) < 0.6, y, rng.choice(classes, n))
    return fairaudit.audit(
        y,
        pred,
        sensitive_features=g["sex"],
        task="multiclass",
        n_bootstrap=20,
        random_state=0,
        name="classes",
    )


@pytest.fixture(scope="module")
def pages(binary, regression, multiclass):
    return {
        "binary": read(render(binary)),
        "regression": read(render(regression)),
        "multiclass": read(render(multiclass)),
        "binary+regression": read(render(binary, regression)),
    }


# ----------------------------------------------------------------------------- which terms
def test_a_regression_glossary_has_the_regression_terms_and_no_confusion_counts(pages):
    terms = set(pages["regression"].terms)
    missing = [t for t in REGRESSION_TERMS + GENERAL_TERMS if t not in terms]
    assert missing == []
    for absent in (
        CONFUSION,
        "Selection rate",
        "True positive rate",
        "Brier score",
        "Demographic parity (difference)",
        "Macro recall",
    ):
        assert absent not in terms


def test_a_binary_glossary_has_no_regression_or_multiclass_terms(pages):
    terms = set(pages["binary"].terms)
    assert [t for t in BINARY_TERMS + GENERAL_TERMS if t not in terms] == []
    for absent in (*REGRESSION_TERMS, "y, ŷ", "Macro F1", "One-vs-rest (per class)"):
        assert absent not in terms


def test_a_multiclass_glossary_has_the_averages_and_no_scores(pages):
    terms = set(pages["multiclass"].terms)
    assert [t for t in MULTICLASS_TERMS + GENERAL_TERMS if t not in terms] == []
    # no scores, no four-fifths rule, no numbers in a multiclass audit
    for absent in (
        "ROC AUC",
        "Brier score",
        "Four-fifths rule (EEOC)",
        CONFUSION,
        *REGRESSION_TERMS,
    ):
        assert absent not in terms


def test_a_report_of_several_tasks_has_the_union_once_in_a_stable_order(pages):
    mixed = pages["binary+regression"].terms
    assert len(mixed) == len(set(mixed))
    assert set(mixed) == set(pages["binary"].terms) | set(pages["regression"].terms)
    # each task's terms keep their order; the general terms close the list
    for single in ("binary", "regression"):
        own = pages[single].terms
        assert [t for t in mixed if t in own] == own
    assert mixed[-len(GENERAL_TERMS) :] == list(GENERAL_TERMS)
    assert mixed.index(CONFUSION) < mixed.index("Mean absolute error")


def test_terms_of_two_tasks_with_one_label_make_one_entry():
    both = {label: text for label, text, _ in terms_for(["binary", "multiclass"])}
    alone = {label: text for label, text, _ in terms_for(["binary"])}
    assert list(both).count("Accuracy") == 1
    assert both["Accuracy"].startswith(alone["Accuracy"]) and "k × k" in both["Accuracy"]
    with pytest.raises(ValueError, match="unknown task"):
        terms_for(["ranking"])


# ----------------------------------------------------------------------------- links
@pytest.mark.parametrize("kind", ["binary", "regression", "multiclass", "binary+regression"])
def test_every_link_resolves_and_ids_are_unique(pages, kind):
    page = pages[kind]
    assert len(page.ids) == len(set(page.ids))
    assert page.hrefs and sorted(set(page.hrefs) - set(page.ids)) == []
    # every glossary entry has an anchor; every term link points at an entry
    assert all(page.glossary) and len(page.glossary) == len(page.terms)
    assert page.term_links and {h for _, h in page.term_links} <= set(page.glossary)


def _names_entry(header: Header, page: Report) -> bool:
    """Whether the linked header names the entry it links to (its term, or its term for
    one class as "term, class c"), or is a column name the entry lists."""
    term = page.glossary[header.href]
    text = header.text
    return (
        text.casefold() == term.casefold()
        or text.startswith(term + ", class ")
        or (text, term)
        in {
            ("Tolerance", "Tolerance band"),
            ("tolerance", "Tolerance band"),
            ("verdict", "Verdict"),
            ("base rate", "Base rate"),
            ("p-value", "Adjusted p-value"),
            ("adjusted p", "Adjusted p-value"),
            ("ratio", "Ratio to the reference"),
            ("interval", "Confidence interval"),
        }
    )


@pytest.mark.parametrize(
    ("kind", "caption", "metrics", "minimum"),
    [
        (
            "binary",
            "Performance by group of sex",
            (
                "Accuracy",
                "Balanced accuracy",
                "Selection rate",
                "True positive rate",
                "False positive rate",
                "Precision (PPV)",
                "ROC AUC",
                "Brier score",
                "Expected calibration error",
            ),
            60,
        ),
        (
            "binary",
            "Errors by group of race",
            (
                "False positive rate",
                "False negative rate",
                "False discovery rate",
                "False omission rate",
                "Error rate",
            ),
            60,
        ),
        (
            "regression",
            "Errors by group of race",
            (
                "Mean prediction",
                "Mean outcome",
                "Mean error (ŷ − y)",
                "Mean absolute error",
                "Root mean squared error",
                "R²",
            ),
            15,
        ),
        (
            "regression",
            "Predictions by group of race",
            (
                "Prediction, 10th percentile",
                "Median prediction",
                "Prediction, 90th percentile",
                "Share above the median (scoring rate)",
            ),
            15,
        ),
        (
            "multiclass",
            "Accuracy and averages over classes by group of sex",
            (
                "Accuracy",
                "Macro recall",
                "Macro precision",
                "Macro F1",
                "Weighted recall",
                "Weighted precision",
                "Weighted F1",
            ),
            40,
        ),
        (
            "multiclass",
            "Selection rate by group of sex",
            (
                "Selection rate, class high",
                "Selection rate, class low",
                "Selection rate, class mid",
            ),
            40,
        ),
    ],
)
def test_metric_headers_of_the_group_tables_link_to_their_entries(
    pages, kind, caption, metrics, minimum
):
    page = pages[kind]
    heads = [h for h in page.headers if h.head and h.caption == caption]
    assert heads, caption
    by_text = {h.text: h for h in heads}
    assert [m for m in metrics if by_text.get(m) is None or by_text[m].href is None] == []
    if (kind, caption) in WITH_COUNT:
        assert by_text["Count"].href is None  # no entry, no link
    linked = [h for h in page.headers if h.href is not None]
    assert len(linked) >= minimum
    assert [h.text for h in linked if not _names_entry(h, page)] == []


@pytest.mark.parametrize("kind", ["binary", "regression", "multiclass"])
def test_criteria_of_the_summary_grid_link_to_their_entries(pages, kind):
    page = pages[kind]
    grid = "Verdict and value of each criterion per attribute"
    rows = [h for h in page.headers if h.caption == grid and not h.head]
    assert rows
    assert [h.text for h in rows if h.href is None] == []
    assert [h.text for h in rows if not _names_entry(h, page)] == []
    tolerance = [h for h in page.headers if h.caption == grid and h.text == "Tolerance"]
    assert tolerance[0].href is not None


def test_group_labels_are_never_linked():
    """A group that happens to be called like a metric is a group: row headers link only
    to criteria."""
    rng = np.random.default_rng(6)
    n = 600
    g = rng.choice(["Selection rate", "Accuracy"], n)
    y = rng.integers(0, 2, n)
    page = read(
        render(fairaudit.audit(y, rng.integers(0, 2, n), sensitive_features=g, n_bootstrap=0))
    )
    groups = [h for h in page.headers if not h.head and h.text in ("Selection rate", "Accuracy")]
    assert groups and all(h.href is None for h in groups)


def test_a_readers_own_section_is_left_unlinked(binary):
    frame = pd.DataFrame({"Selection rate": [0.5]}, index=pd.Index(["all"], name="who"))
    own = Section("Context", tables=[Table(frame, caption="Readers table")])
    page = read(render(binary, sections=[own]))
    mine = [h for h in page.headers if h.caption == "Readers table" and h.head]
    assert mine and all(h.href is None for h in mine)


# ----------------------------------------------------------------------------- pieces
def test_link_headers_links_headers_only_case_aside():
    frame = pd.DataFrame(
        {"Selection rate": [0.5], "other": [1.0]}, index=pd.Index(["Selection rate"], name="group")
    )
    view = link_headers(table_view(frame), {"selection rate": "g-sel"})
    head = {c.text: c.href for c in view.head[0]}
    assert head == {"group": "", "Selection rate": "#g-sel", "other": ""}
    assert all(not c.href for row in view.body for c in row)  # no row map: no row linked
    rows = link_headers(table_view(frame), {}, {"selection rate": "g-sel"})
    assert rows.body[0][0].href == "#g-sel" and rows.body[0][1].href == ""
    assert link_headers(view, {"selection rate": "other"}).head[0][1].href == "#g-sel"
    assert Cell("x").href == ""


def test_key_values_need_one_anchor_per_pair():
    with pytest.raises(ValueError, match="one anchor per pair"):
        KeyValues((("a", "1"), ("b", "2")), ids=("only-one",))


def test_what_the_glossary_says_of_the_averages_holds():
    """The entries say the weighted recall is the accuracy and the macro averages are
    scikit-learn's: checked on the rows of each group with scikit-learn."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    rng = np.random.default_rng(8)
    n = 900
    g = rng.choice(["x", "y"], n)
    classes = np.array(["a", "b", "c", "d"])
    y = rng.choice(classes, n, p=[0.4, 0.3, 0.2, 0.1])
    pred = np.where(rng.random(n) < 0.5, y, rng.choice(classes[:3], n))  # "d" never predicted
    by_group = fairaudit.audit(
        y, pred, sensitive_features=g, task="multiclass", n_bootstrap=0
    ).by_group
    for group in ("x", "y"):
        t, p = y[g == group], pred[g == group]
        row = by_group.loc[group]
        assert row["weighted_recall"] == pytest.approx(accuracy_score(t, p), abs=1e-12)
        assert row["accuracy"] == pytest.approx(accuracy_score(t, p), abs=1e-12)
        for name, score in (
            ("recall", recall_score),
            ("precision", precision_score),
            ("f1", f1_score),
        ):
            for average in ("macro", "weighted"):
                expected = score(t, p, average=average, zero_division=0)
                assert row[f"{average}_{name}"] == pytest.approx(expected, abs=1e-12)
