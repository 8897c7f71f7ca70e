"""The audit report shows the sections and settings that apply to the audit's task: no
decision threshold for a regression, no scores section for a multiclass audit (it takes no
scores), and a table of contents that lists exactly the sections on the page."""

from __future__ import annotations

import re

import numpy as np
import pytest

import fairaudit
from fairaudit.report import render

N = 800


def _groups(rng):
    return rng.choice(["F", "M"], N)


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(1)
    y = rng.normal(0, 1, N)
    return fairaudit.audit(
        y,
        y + rng.normal(0, 0.5, N),
        sensitive_features={"sex": _groups(rng)},
        task="regression",
        n_bootstrap=20,
        random_state=0,
    )


@pytest.fixture(scope="module")
def multiclass():
    rng = np.random.default_rng(2)
    classes = np.array(["low", "mid", "high"])
    yt = classes[rng.integers(0, 3, N)]
    yp = np.where(rng.random(N) < 0.7, yt, classes[rng.integers(0, 3, N)])
    return fairaudit.audit(
        yt,
        yp,
        sensitive_features={"sex": _groups(rng)},
        task="multiclass",
        n_bootstrap=20,
        random_state=0,
        name="triage",
    )


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(3)
    score = rng.random(N)
    y = (rng.random(N) < score).astype(int)
    return fairaudit.audit(
        y,
        (score >= 0.4).astype(int),
        sensitive_features={"sex": _groups(rng)},
        y_score=score,
        threshold=0.4,
        n_bootstrap=20,
        random_state=0,
        name="screening",
    )


@pytest.fixture(scope="module")
def page(regression, multiclass, binary):
    """The report of each audit on its own, rendered once for the module."""
    return {
        "regression": render(regression),
        "multiclass": render(multiclass),
        "binary": render(binary),
    }


def configuration(html: str) -> dict[str, str]:
    """The configuration section's terms and values, as shown."""
    part = html.split('id="configuration"', 1)[1].split("</section>", 1)[0]
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", part))


def contents(html: str) -> list[str]:
    nav = html.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="#([^"]+)"', nav)


def sections(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', html)


def test_a_regression_report_has_no_decision_threshold(page):
    shown = configuration(page["regression"])
    assert "Decision threshold" not in shown
    assert "no decision threshold applies" in shown["Predictions"]
    assert "median of all predictions" in shown["Predictions"]


def test_a_classification_report_keeps_its_threshold(page):
    assert float(configuration(page["binary"])["Decision threshold"]) == 0.4


def test_a_multiclass_report_lists_no_scores_section(page):
    html = page["multiclass"]
    assert "scores-and-thresholds" not in contents(html)
    assert "Scores and thresholds" not in html
    assert "Pass y_score" not in html  # a multiclass audit refuses y_score


def test_a_binary_and_a_multiclass_audit_show_the_binary_scores(binary, multiclass):
    html = render(binary, multiclass)
    part = html.split('id="scores-and-thresholds"', 1)[1].split("</section>", 1)[0]
    screening, triage = part.split("<h3>screening</h3>", 1)[1].split("<h3>triage</h3>", 1)
    assert "<svg" in screening
    assert "<svg" not in triage and "takes no scores" in triage


@pytest.mark.parametrize("kind", ["binary", "regression", "multiclass"])
def test_the_contents_list_exactly_the_sections_on_the_page(kind, page):
    html = page[kind]
    assert contents(html) == sections(html)
