"""Regression audits render: the HTML report (errors, quantile strips, comparisons), the
Markdown summary, the text summary, and the gate of the command line."""

from __future__ import annotations

import numpy as np
import pytest

import fairaudit
from fairaudit.cli._gates import Gate, evaluate, gate_exit_code
from fairaudit.report import render, render_markdown


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    n = 1500
    grp = rng.choice(["a", "b", "c<&>"], n, p=[0.5, 0.3, 0.2])
    y = rng.normal(50, 10, n)
    pred = y + rng.normal(0, 5, n) + (grp == "b") * 4
    return fairaudit.audit(
        y,
        pred,
        sensitive_features={"grp": grp, "sex": rng.choice(["F", "M"], n)},
        task="regression",
        n_bootstrap=100,
        random_state=0,
        name="Offer model",
    )


def test_the_html_report_shows_the_regression_evidence(result, tmp_path):
    html = render(result, path=tmp_path / "report.html")
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == html
    for text in (
        "Errors by group",
        "Distribution of the predictions",
        "Disparities",
        "Each group of grp against the reference group",
        "Standardized mean difference",
        "Kolmogorov–Smirnov distance",
        "Share above the median (scoring rate)",
        "Mean absolute error",
        "Scoring rate ratio",
    ):
        assert text in html, text
    # the sections about yes/no decisions are not shown for numbers
    for text in ("Error analysis", "Scores and thresholds", "Demographic parity"):
        assert text not in html, text
    assert html.count("<svg") >= 3  # a quantile strip chart per attribute
    assert "c<&>" not in html and "c&lt;&amp;&gt;" in html


def test_markdown_and_text_summaries(result):
    md = render_markdown(result)
    assert "Largest standardized mean difference" in md and "Bounded group loss" in md
    assert "N/A" in md
    text = repr(result)
    assert "smd" in text and "no tolerance given" in text


def test_a_mixed_report_of_decisions_and_numbers():
    rng = np.random.default_rng(1)
    n = 400
    g = rng.choice(["x", "y"], n)
    binary = fairaudit.audit(
        rng.integers(0, 2, n),
        rng.integers(0, 2, n),
        sensitive_features=g,
        n_bootstrap=0,
        name="decisions",
    )
    numbers = fairaudit.audit(
        rng.normal(size=n),
        rng.normal(size=n),
        sensitive_features=g,
        task="regression",
        n_bootstrap=0,
        name="numbers",
    )
    html = render(binary, numbers)
    assert "Error analysis" in html and "Errors by group" in html


def test_gates_evaluate_regression_criteria(result):
    out = evaluate(Gate(text="smd>0.2", name="smd", op=">", value=0.2, attribute="grp"), result)
    assert [o.status for o in out] == ["fail"]  # d of group b is about 0.4
    assert gate_exit_code(out) == 1
    out = evaluate(
        Gate(
            text="bounded_group_loss",
            name="bounded_group_loss",
            op=None,
            value=None,
            attribute=None,
        ),
        result,
    )
    assert {o.status for o in out} == {"not evaluated"}


def test_criteria_not_evaluated_are_listed_once_with_their_attributes(result):
    """Two attributes without tolerances for mean_difference and bounded_group_loss: one
    line per criterion naming both attributes, the reason once, without repeating the
    list's own 'not evaluated'."""
    from fairaudit.report._verdict import not_evaluated

    lines = not_evaluated(result)
    crit = result.criteria
    missing = crit[crit["verdict"] == "n/a"]
    assert set(missing["criterion"]) == {"mean_difference", "bounded_group_loss"}
    attributes = list(dict.fromkeys(missing["attribute"]))
    assert len(attributes) == 3  # grp, sex and their intersection
    assert len(missing) == 3 * len(lines) == 6
    assert lines[0].startswith("Mean difference for ")
    for line in lines:
        head, why = line.split(": ", 1)
        assert head.endswith(f"for {attributes[0]}, {attributes[1]} and {attributes[2]}")
        assert not why.lower().startswith("not evaluated")
        assert "has no default tolerance" in why
    md = render_markdown(result)
    assert md.count("has no default tolerance") == 2


def test_a_distance_finding_names_the_pair_not_a_reference_value(result):
    """The standardized mean difference of a group against the reference is a distance
    between the two: the finding says so instead of comparing it with a reference 'value'
    of 0."""
    from fairaudit.report._findings import audit_findings

    found = [f.text for f in audit_findings(result) if "Standardized mean difference (d)" in f.text]
    assert any("(d) between 'b' and the reference group 'a' is" in t for t in found), found
    assert not any("vs 0.000" in t for t in found)
    # and a criterion not evaluated says so once
    missing = [f.text for f in audit_findings(result) if f.status == "n/a"]
    assert missing and not any("not evaluated: not evaluated" in t.lower() for t in missing)
    assert not any("evaluated: not evaluated" in t for t in missing)


def test_the_caveats_of_numbers_do_not_speak_of_base_rates():
    rng = np.random.default_rng(1)
    n = 800
    g = rng.choice(["a", "b"], n)
    y = rng.normal(size=n)
    r = fairaudit.audit(
        y,
        y + rng.normal(0, 0.3, n),
        sensitive_features=g,
        task="regression",
        n_bootstrap=50,
        random_state=0,
    )
    html = render(r)
    caveats = html[html.index('id="caveats"') :]
    assert "No small groups or undefined metrics were found." in caveats
    assert "base rate" not in caveats[: caveats.index("What an audit cannot see")]


def test_a_criterion_without_a_tolerance_says_none_is_set(result):
    """The mean difference has no default tolerance: the grid, its tooltips and the
    configuration say "none set", never "≤ n/a"."""
    html = render(result)
    assert "\u2264 n/a" not in html and "\u2265 n/a" not in html
    assert 'data-value="nan">none set</td>' in html or ">none set<" in html
    assert "Mean difference none set" in html  # the configuration's list of tolerances
    assert "tolerance none set" in html  # a grid cell's tooltip
