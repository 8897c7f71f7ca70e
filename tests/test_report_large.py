"""Audit reports for several attributes: size budget, intersections, hostile names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_report_audit import make_data
from test_report_parsing import active_content, parse, resource_references

import fairaudit
from fairaudit.report import Section, render


@pytest.fixture(scope="module")
def three():
    df, y, pred, score = make_data(n=3000)
    result = fairaudit.audit(
        y, pred, sensitive_features=df, y_score=score, threshold=0.5, n_bootstrap=40, random_state=1
    )
    return result, render(result)


def test_three_attributes_with_scores_under_one_megabyte(three):
    result, html = three
    assert len(html.encode("utf-8")) < 1_000_000
    page = parse(html)
    text = page.text
    for feature in result.features:
        assert f"Groups of {feature}" in text
    assert "Intersections" in text
    assert len(page.find("svg")) >= 3 * 3  # disparity, errors, scores per attribute
    ids = [a["id"] for _, a in page.elements if "id" in a]
    assert len(ids) == len(set(ids))


PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</script>", "{{7*7}}"]


def test_payloads_in_group_values_and_column_names_are_inert():
    rng = np.random.default_rng(3)
    n = 600
    groups = np.array(PAYLOADS)[rng.integers(0, 4, n)]
    other = np.array(["javascript:alert(1)", "x\"'><b>"])[rng.integers(0, 2, n)]
    sf = pd.DataFrame({PAYLOADS[0]: groups, PAYLOADS[3]: other})
    y = rng.integers(0, 2, n)
    score = rng.random(n)
    result = fairaudit.audit(
        y,
        (score > 0.5).astype(int),
        sensitive_features=sf,
        y_score=score,
        n_bootstrap=20,
        random_state=0,
    )
    html = render(
        result, title=PAYLOADS[1], sections=[Section(PAYLOADS[2], paragraphs=[PAYLOADS[3]])]
    )
    page = parse(html)
    assert active_content(page) == []
    assert resource_references(page) == []
    assert "<script>" not in html and "<img src=x" not in html
    for payload in PAYLOADS:
        assert payload in page.text
    assert "{{7*7}}" in page.text
