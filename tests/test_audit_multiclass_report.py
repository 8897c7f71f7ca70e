"""A multiclass result renders (HTML report, Markdown, repr) with its classes section and
per-class labels, and gates through the CLI's gate functions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fairaudit
from fairaudit.cli._gates import Gate, evaluate, gate_exit_code, parse_gate
from fairaudit.report import render, render_markdown


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    n = 1500
    classes = np.array(["Low", "Medium", "High"], dtype=object)
    yt = classes[rng.integers(0, 3, n)]
    yp = np.where(rng.random(n) < 0.7, yt, classes[rng.integers(0, 3, n)])
    g = rng.choice(["Black", "White", "Other"], n)
    yp = np.where((g == "Black") & (rng.random(n) < 0.2), "High", yp)  # a disparity
    return fairaudit.audit(
        yt,
        yp,
        sensitive_features={"race": g, "sex": rng.choice(["F", "M"], n)},
        task="multiclass",
        n_bootstrap=100,
        random_state=0,
        name="Triage",
    )


def test_the_html_report_has_the_classes_section_with_its_charts(result):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning from drawing (empty legends, ...)
        html = render(result)
    assert 'id="classes"' in html
    section = html.split('id="classes"', 1)[1]
    assert section.count("<svg") >= 3 * 2 - 1  # rate grids and confusion matrices
    assert "Selection rate, class High" in section
    assert "Demographic parity (difference), class High" in html
    assert html.count("worst case across classes") >= 2  # criteria grid and classes
    assert "Scores and thresholds" not in html  # a multiclass audit takes no scores


def test_markdown_and_repr_name_the_classes(result):
    md = render_markdown(result)
    assert "class High" in md
    assert "worst case across classes" in md
    text = repr(result)
    assert "demographic_parity_difference[High]" in text
    assert text.startswith(f"AuditResult: verdict {result.verdict.upper()}")


def test_gates_on_the_worst_case_and_on_a_class(result):
    outcomes = evaluate(parse_gate("demographic_parity_difference>0.05"), result)
    assert {o.detail.split(":")[0] for o in outcomes} == {"race", "sex", "race × sex"}
    race = next(o for o in outcomes if o.detail.startswith("race:"))
    crit = result.criteria.set_index(["attribute", "criterion"])
    value = crit.loc[("race", "demographic_parity_difference"), "value"]
    assert race.status == ("fail" if value > 0.05 else "pass")
    # a per-class criterion, as the command line parses it
    gate = parse_gate("race:demographic_parity_difference[High]")
    assert gate == Gate(
        "race:demographic_parity_difference[High]",
        "demographic_parity_difference",
        None,
        None,
        "race",
        "High",
    )
    per_class = evaluate(gate, result)
    verdict = crit.loc[("race", "demographic_parity_difference[High]"), "verdict"]
    assert [o.status for o in per_class] == ["fail" if verdict == "fail" else "pass"]
    assert gate_exit_code(per_class) == (1 if verdict == "fail" else 0)


def test_markdown_shows_the_disparities_of_the_averages(result):
    md = render_markdown(result)
    assert "Accuracy and the averages over the classes" in md
    for attribute in ("race", "sex", "race × sex"):
        d = (result if attribute == "race × sex" else result.marginals[attribute]).disparities
        for m in ("accuracy", "macro_f1", "weighted_precision"):
            row = d.loc[m]
            line = next(x for x in md.splitlines() if x.startswith(f"| {attribute} | {m} |"))
            assert f"| {row['difference_to_reference']:.3f} |" in line
            assert f"{row['ratio_to_reference_lower']:.3f}" in line


def test_disparities_are_drawn_per_class_and_no_section_or_column_is_empty(result):
    """Each class's one-vs-rest rates get a disparity chart of each group against the
    reference (none says that no disparity could be computed); the error analysis of a
    yes/no decision, which a multiclass audit has nothing for, is left out, and so is the
    groups table's base-rate column, which has no single value."""
    html = render(result)
    section = html[
        html.index('id="disparities"') : html.index("</section>", html.index('id="disparities"'))
    ]
    assert "No disparity could be computed" not in section
    for cls in ("High", "Low", "Medium"):
        assert f"Class {cls} (its own yes/no decision): Ratio of each group" in section, cls
    # one chart per class for each of race, sex and their intersection
    assert section.count("(its own yes/no decision)") == 3 * (1 + len(result.marginals))
    assert 'id="error-analysis"' not in html
    groups = html[html.index('id="data"') : html.index("</section>", html.index('id="data"'))]
    assert "base rate" not in groups
