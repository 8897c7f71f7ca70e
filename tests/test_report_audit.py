"""The full audit report rendered from real AuditResults: structure, numbers, escaping."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from test_report_parsing import active_content, parse, resource_references

import fairaudit
from fairaudit import Comparison
from fairaudit.report import Section, render, render_document
from fairaudit.report import _audit as report_audit
from fairaudit.report._compare import pareto_mask
from fairaudit.report._format import fmt_near

SECTIONS = [
    "Verdict",
    "Summary of criteria",
    "Configuration",
    "Data",
    "Performance",
    "Disparities",
    "Error analysis",
    "Scores and thresholds",
    "Caveats",
    "Glossary",
    "Reproducibility",
]


def make_data(n=2400, seed=7, names=("sex", "race", "age")):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            names[0]: rng.choice(["F", "M"], n),
            names[1]: rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]),
            names[2]: rng.choice(["<30", "30-50", "50+"], n),
        }
    )
    latent = rng.normal(0, 1.2, n) - 0.9 * (df[names[0]] == "F") - 0.5 * (df[names[1]] == "C")
    score = 1 / (1 + np.exp(-latent))
    y = (rng.random(n) < score).astype(int)
    pred = (score >= 0.5).astype(int)
    return df, y, pred, score


@pytest.fixture(scope="module")
def single():
    df, y, pred, score = make_data()
    result = fairaudit.audit(
        y,
        pred,
        sensitive_features=df["sex"],
        y_score=score,
        threshold=0.5,
        n_bootstrap=60,
        random_state=0,
    )
    return result, df, y, pred, result.to_html()


def shown_criteria(result):
    """The criteria rows a report shows: all of them (the four-fifths rule is a criterion
    of its own; only results of schema 1.0 repeat the demographic parity ratio under that
    name, see test_report_trust)."""
    crit = result.criteria
    assert (
        crit["criterion"].is_unique
        or crit.groupby("attribute")["criterion"].apply(lambda c: c.is_unique).all()
    )
    return crit.reset_index(drop=True)


def _table(page, caption):
    tables = [t for t in page.tables if t["caption"].strip() == caption]
    assert tables, f"no table captioned {caption!r}"
    return tables[0]


def test_sections_in_order(single):
    *_, html = single
    assert [h for _, h in parse(html).sections] == SECTIONS


def test_comparison_section_sits_before_caveats(single):
    result = single[0]
    comparison = pd.DataFrame(
        {
            "model": ["baseline", "reweighed"],
            "accuracy": [0.8, 0.78],
            "demographic_parity_difference": [0.2, 0.05],
        }
    )
    html = render(
        result,
        comparison=comparison,
        sections=[Section("Context and intended use", "Screening only.")],
    )
    headings = [h for _, h in parse(html).sections]
    assert headings == (
        SECTIONS[:3]
        + ["Context and intended use"]
        + SECTIONS[3:8]
        + ["Mitigation and model comparison"]
        + SECTIONS[8:]
    )


def test_report_is_self_contained(single):
    *_, html = single
    page = parse(html)
    assert resource_references(page) == []
    assert active_content(page) == []
    assert not re.search(r"https?://", html)
    assert "<script" not in html.lower()
    assert any(m.get("http-equiv") == "Content-Security-Policy" for m in page.find("meta"))


def test_verdict_banner_matches_result(single):
    result, *_, html = single
    page = parse(html)
    word = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}[result.verdict]
    banner = re.search(r'class="banner ([a-z]+)"', html)
    assert (
        banner.group(1)
        == {"pass": "pass", "fail": "fail", "inconclusive": "inconclusive"}[result.verdict]
    )
    crit = shown_criteria(result)
    counts = crit["verdict"].value_counts()
    assert counts.get("fail", 0) > 1 and counts.get("n/a", 0) == 0
    assert f"{counts['fail']} criteria fail" in page.text
    assert f"(all {len(crit)} evaluated)" in page.text
    assert word in page.text


def test_criteria_table_values_are_the_results(single):
    result, *_, html = single
    table = _table(
        parse(html),
        "All criteria with unrounded values (confidence interval lower and upper bounds)",
    )
    header, *rows = table["rows"]
    names = [c.text for c in header]
    crit = shown_criteria(result)
    assert len(rows) == len(crit)
    for row, (_, expected) in zip(rows, crit.iterrows(), strict=True):
        cells = dict(zip(names, row, strict=True))
        for col in ("value", "lower", "upper", "tolerance"):
            shown = float(cells[col].attrs["data-value"])
            assert shown == pytest.approx(expected[col], rel=0, abs=0) or (
                np.isnan(shown) and np.isnan(expected[col])
            )
        assert cells["verdict"].attrs["data-value"] == expected["verdict"]


def test_grid_shows_verdict_words_and_rounding_never_contradicts(single):
    result, *_, html = single
    table = _table(parse(html), "Verdict and value of each criterion per attribute")
    header, *rows = table["rows"]
    crit = shown_criteria(result)
    for row in rows:
        cell = row[2]
        word = cell.text.split()[1]
        assert word in {"PASS", "FAIL", "INCONCLUSIVE", "N/A"}
        value = float(cell.attrs["data-value"])
        tolerance = float(row[1].attrs["data-value"])
        shown = float(cell.text.split()[-1])
        if np.isfinite(value):
            assert (shown < tolerance) == (value < tolerance)
            assert (shown > tolerance) == (value > tolerance)
    assert sorted(c.text.split()[1].lower() for r in rows for c in r[2:]) == sorted(
        v.replace("n/a", "n/a") for v in crit["verdict"]
    )


def test_group_table_equals_result_groups(single):
    result, *_, html = single
    table = _table(parse(html), "Groups of sex")
    header, *rows = table["rows"]
    groups = result.groups
    assert [r[0].text for r in rows] == [str(g) for g in groups.index]
    for r, (_, g) in zip(rows, groups.iterrows(), strict=True):
        assert float(r[1].attrs["data-value"]) == g["count"]
        assert float(r[2].attrs["data-value"]) == g["share"]
        assert float(r[3].attrs["data-value"]) == g["base_rate"]


def test_performance_table_equals_by_group_and_overall(single):
    result, *_, html = single
    table = _table(parse(html), "Performance by group of sex")
    header, *rows = table["rows"]
    labels = [c.text for c in header]
    col = labels.index("Accuracy")
    assert rows[0][0].text == "Overall"
    assert float(rows[0][col].attrs["data-value"]) == result.overall["accuracy"]
    for r, g in zip(rows[1:], result.by_group.index, strict=True):
        assert r[0].text == str(g)
        assert float(r[col].attrs["data-value"]) == result.by_group.loc[g, "accuracy"]


def test_disparity_sentence_uses_independent_selection_rates(single):
    result, df, y, pred, html = single
    # oracle: selection rates straight from the predictions
    rate = pd.Series(pred).groupby(df["sex"].to_numpy()).mean()
    ref = result.reference_group
    other = "F" if ref == "M" else "M"
    ratio = rate[other] / rate[ref]
    assert ratio < 0.8, "the synthetic data are built to fail the four-fifths rule"
    text = parse(html).text
    expected = f"'{other}' is selected at {ratio:.2f} times the rate of the reference group '{ref}'"
    assert expected in text
    assert "requires a ratio of at least 0.80" in text


def test_disparity_table_equals_to_reference(single):
    result, *_, html = single
    table = _table(parse(html), f"Disparities of sex relative to '{result.reference_group}'")
    header, sub, *rows = table["rows"]
    tr = result.to_reference
    tr = tr[
        tr["metric"].isin(
            [
                "selection_rate",
                "true_positive_rate",
                "false_positive_rate",
                "positive_predictive_value",
            ]
        )
    ]
    assert len(rows) == len(tr)
    for r, (_, e) in zip(rows, tr.iterrows(), strict=True):
        assert r[0].text == e["group"]
        assert float(r[2].attrs["data-value"]) == e["value"]
        assert float(r[4].attrs["data-value"]) == e["ratio"]


def test_no_header_cell_is_empty(single):
    """Columns without sub-headers (group, metric, ...) span both header rows of the
    disparity table instead of leaving a blank cell under their name."""
    result, *_, html = single
    assert re.findall(r"<th[^>]*>\s*</th>", html) == []
    table = _table(parse(html), f"Disparities of sex relative to '{result.reference_group}'")
    top, sub = table["rows"][:2]
    assert [(c.text, c.attrs.get("rowspan"), c.attrs.get("colspan")) for c in top] == [
        ("group", "2", None),
        ("metric", "2", None),
        ("value", "2", None),
        ("reference", "2", None),
        ("ratio", None, "3"),
        ("difference", None, "3"),
        ("p-value", None, None),
        ("significant", "2", None),
    ]
    assert [c.text for c in sub] == [
        "estimate",
        "lower",
        "upper",
        "estimate",
        "lower",
        "upper",
        "adjusted",
    ]
    # every body row has one cell per column the header names
    assert {len(r) for r in table["rows"][2:]} == {4 + 3 + 3 + 1 + 1}


def test_a_two_level_frame_gets_no_empty_header_cell():
    frame = pd.DataFrame(
        [[1, 0.5, 0.4, 0.6]],
        index=pd.Index(["a"], name="group"),
        columns=pd.MultiIndex.from_tuples(
            [("count", ""), ("rate", "estimate"), ("rate", "lower"), ("rate", "upper")]
        ),
    )
    from fairaudit.report import Table

    html = render_document("t", [Section("T", tables=[Table(frame, caption="Two levels")])])
    top, sub, body = _table(parse(html), "Two levels")["rows"]
    assert [(c.text, c.attrs.get("rowspan")) for c in top] == [
        ("group", "2"),
        ("count", "2"),
        ("rate", None),
    ]
    assert [c.text for c in sub] == ["estimate", "lower", "upper"]
    assert len(body) == 1 + 1 + 3


def test_multiple_audits_are_named_and_kept_apart(single):
    result = single[0]
    df, y, pred, _ = make_data(n=500, seed=11)
    other = fairaudit.audit(y, pred, sensitive_features=df["sex"], n_bootstrap=0)
    html = render(result, other)
    text = parse(html).text
    assert "Audit 1" in text and "Audit 2" in text


def test_section_audits_embed_a_summary(single):
    result = single[0]
    html = render_document("Case", [Section("Findings", audits=[result])])
    page = parse(html)
    assert any(
        t["caption"] == "Verdict and value of each criterion per attribute" for t in page.tables
    )
    assert page.find("svg")


def test_render_from_json_round_trip_writes_the_same_report(single, tmp_path):
    result = single[0]
    again = fairaudit.AuditResult.from_json(result.to_json())
    path = tmp_path / "r.html"
    html = render(again, path=path)
    assert path.read_text(encoding="utf-8") == html
    strip = lambda h: re.sub(r"Generated [^<]*", "", h)  # noqa: E731
    assert strip(html) == strip(single[-1])  # to_html (the fixture) and render agree


def test_render_argument_errors(single):
    with pytest.raises(TypeError, match=re.escape(report_audit.RENDER_NO_AUDIT)):
        render()
    with pytest.raises(TypeError, match=re.escape(report_audit.RENDER_AUDIT_TYPE)):
        render("not a result")
    with pytest.raises(TypeError, match=re.escape(report_audit.RENDER_COMPARISON)):
        render(single[0], comparison=[1, 2])


def test_fmt_near_keeps_the_side_of_the_bound():
    assert fmt_near(0.7996, 0.8, 2) == "0.7996"
    assert fmt_near(0.8004, 0.8, 3) == "0.8004"
    assert fmt_near(0.75, 0.8, 2) == "0.75"
    assert fmt_near(0.8, 0.8, 2) == "0.80"


def test_pareto_mask_matches_brute_force():
    rng = np.random.default_rng(0)
    perf, disp = rng.random(40), rng.random(40)
    disp[3], perf[3] = disp[5], perf[5]  # a tie: neither dominates the other
    mask = pareto_mask(perf, disp, "difference")
    for i in range(40):
        dominated = any(
            (perf[j] >= perf[i])
            and (disp[j] <= disp[i])
            and ((perf[j] > perf[i]) or (disp[j] < disp[i]))
            for j in range(40)
        )
        assert mask[i] == (not dominated)
    assert mask[3] == mask[5]
    ratio_mask = pareto_mask(perf, 1 - disp, "ratio")
    assert np.array_equal(ratio_mask, mask)


def compare_like_table():
    """A Comparison shaped like fairaudit.mitigation.compare's (index 'model', bounds,
    verdicts; fields naming the performance and criterion columns)."""
    table = pd.DataFrame(
        {
            "kind": ["baseline", "preprocessing", "post-processing", "in-processing"],
            "accuracy": [0.852, 0.848, 0.834, 0.853],
            "accuracy_lower": [0.847, 0.843, 0.829, 0.848],
            "accuracy_upper": [0.857, 0.853, 0.840, 0.858],
            "demographic_parity_difference": [0.183, 0.094, 0.079, 0.150],
            "demographic_parity_difference_lower": [0.174, 0.082, 0.068, 0.14],
            "demographic_parity_difference_upper": [0.193, 0.107, 0.090, 0.16],
            "demographic_parity_difference_verdict": ["fail", "inconclusive", "pass", "fail"],
            "fit_seconds": [0.1, 0.1, 0.2, 3.0],
        },
        index=pd.Index(
            ["baseline", "Reweighing", "<b>ThresholdOptimizer</b>", "Other"], name="model"
        ),
    )
    return Comparison(
        table,
        performance="accuracy",
        criteria=("demographic_parity_difference",),
        attribute="sex",
        skipped={"ConstrainedClassifier": "slow"},
    )


def test_comparison_table_rows_badges_and_pareto_front():
    comparison = compare_like_table()
    table = comparison.table
    html = render_document("cmp", [Section("Mitigation", comparison=comparison)])
    page = parse(html)
    assert active_content(page) == []
    view = _table(page, "Model comparison")
    header, *rows = view["rows"]
    names = [c.text for c in header]
    assert names[0] == "model" and names[-1].startswith("Pareto front")
    # escaped, shown as text, each with its kind under it (none under the baseline's own)
    kinds = ["", "pre-processing", "post-processing", "in-processing"]
    assert [r[0].text for r in rows] == [n + k for n, k in zip(table.index, kinds, strict=True)]
    assert (
        re.findall(
            r'<th scope="row" class="index">(?:[^<]|<wbr>)*<span class="ci">([^<]*)</span>', html
        )
        == kinds[1:]
    )
    col = names.index("Demographic parity (difference)")
    for r, (_, e) in zip(rows, table.iterrows(), strict=True):
        cell = r[col]
        assert float(cell.attrs["data-value"]) == e["demographic_parity_difference"]
        assert cell.text.split()[1] == e["demographic_parity_difference_verdict"].upper()
    # by hand: 'Other' has higher accuracy and lower disparity than the baseline, which is
    # therefore off the front; nobody beats 'Other' on accuracy, nor the threshold optimizer
    # on disparity; Reweighing trades between them
    assert [r[-1].text for r in rows] == ["no", "yes", "yes", "yes"]
    assert "Not compared: ConstrainedClassifier (slow)." in page.text
    assert len(page.find("svg")) == 1
    # a plain frame of the same shape: its columns are recognised by name
    generic = parse(render_document("cmp", [Section("Mitigation", comparison=table)]))
    rows = _table(generic, "Model comparison")["rows"][1:]
    assert [r[-1].text for r in rows] == ["no", "yes", "yes", "yes"]
    assert "Not compared" not in generic.text


def test_comparison_table_leaves_out_timings_and_empty_headers():
    comparison = compare_like_table()
    for given in (comparison, comparison.table):  # a Comparison, and a plain frame
        page = parse(render_document("cmp", [Section("Mitigation", comparison=given)]))
        view = _table(page, "Model comparison")
        header, *rows = view["rows"]
        # the columns a reader needs, by hand: the wall-clock time is not one of them, and
        # each model's kind is under its name
        assert [c.text for c in header] == [
            "model",
            "Accuracy",
            "Demographic parity (difference)",
            "Pareto front",
        ]
        assert len(rows) == 4 and all(len(r) == len(header) for r in rows)
        shown = {c.attrs.get("data-value") for r in rows for c in r}
        assert not shown & {repr(v) for v in comparison.table["fit_seconds"]}
        assert all(c.text for r in view["rows"] for c in r if c.header)
    assert "fit_seconds" in comparison.table  # the data keep the times


def test_markdown_summary_escapes_and_matches_the_criteria(single):
    from fairaudit.report import render_markdown
    from fairaudit.report._markdown import md

    result = single[0]
    text = render_markdown(result, title="Model <x> | [link](http://example.org)")
    assert text.splitlines()[0] == ("# Model &lt;x&gt; \\| \\[link\\](http:\\/\\/example.org)")
    rows = [line for line in text.splitlines() if line.startswith("| sex |")]
    assert len(rows) == len(shown_criteria(result))
    for line, (_, crit) in zip(rows, shown_criteria(result).iterrows(), strict=True):
        assert line.endswith(f"{crit['verdict'].upper()} |")
    assert md("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md("**x** `y` a|b") == "\\*\\*x\\*\\* \\`y\\` a\\|b"
    assert md("www.example.org") == "www\\.example.org"


def test_p_values_read_as_people_read_them_and_empty_columns_are_left_out():
    from fairaudit.report._format import fmt_p_value

    assert fmt_p_value(1.02e-262) == "< 0.001" and fmt_p_value(0.0009999) == "< 0.001"
    assert fmt_p_value(0.001) == "0.001" and fmt_p_value(0.04567) == "0.046"
    rng = np.random.default_rng(2)
    n = 4000
    g = rng.choice(["a", "b"], n)
    y = rng.integers(0, 2, n)
    pred = (rng.random(n) < np.where(g == "a", 0.7, 0.2)).astype(int)  # a large gap
    result = fairaudit.audit(y, pred, sensitive_features=g, n_bootstrap=100, random_state=0)
    assert result.to_reference["p_adjusted"].min() < 1e-100
    page = parse(render(result))
    shown = [c.text for t in page.tables for r in t["rows"] for c in r]
    assert "< 0.001" in shown
    assert not any(
        "e-" in text for text in shown if text.replace(".", "").strip("e-0123456789") == ""
    )
    # no column of the unrounded criteria table is empty in every row
    long = next(t for t in page.tables if t["caption"].startswith("All criteria"))
    header, *rows = long["rows"]
    for j, name in enumerate(c.text for c in header):
        assert any(r[j].text.strip() not in ("", "n/a") for r in rows), name


def test_a_reason_column_empty_in_every_row_is_left_out():
    rng = np.random.default_rng(0)
    n = 3000
    result = fairaudit.audit(
        rng.integers(0, 2, n),
        rng.integers(0, 2, n),
        sensitive_features=rng.choice(["a", "b"], n),
        n_bootstrap=50,
        random_state=0,
    )
    assert (result.criteria["reason"] == "").all()
    long = next(t for t in parse(render(result)).tables if t["caption"].startswith("All criteria"))
    assert "reason" not in [c.text for c in long["rows"][0]]


def test_with_several_audits_the_attribute_headings_nest_under_each_model_and_none_is_empty():
    rng = np.random.default_rng(4)
    n = 400
    sex = pd.Series(rng.choice(["F", "M"], n), name="sex")
    y = rng.integers(0, 2, n)
    audits = [
        fairaudit.audit(y, rng.integers(0, 2, n), sensitive_features=sex, n_bootstrap=0, name=name)
        for name in ("first model", "second model")
    ]
    html = render(*audits, title="Two models")
    sections = re.findall(r'<section id="([^"]+)"[^>]*>(.*?)</section>', html, flags=re.S)
    headings = {sid: re.findall(r"<h([3-6])[^>]*>([^<]*)</h\1>", body) for sid, body in sections}
    # by hand: each model's heading, the attribute's one level below it
    assert headings["performance"] == [
        ("3", "first model"),
        ("4", "sex"),
        ("3", "second model"),
        ("4", "sex"),
    ]
    # no scores were given: the section says so once, without a heading per model
    assert headings["scores-and-thresholds"] == []
    assert "No scores were given" in dict(sections)["scores-and-thresholds"]
    empty = re.findall(r"<h3>([^<]*)</h3>\s*(?=<h3|</section>)", html)
    assert empty == []


def test_every_chart_of_each_kind_of_audit_prints_at_its_own_size():
    """Binary audits with scores and many metrics, a comparison of models, multiclass and
    regression audits, on long group names: no chart is wider than the printed page's
    text, where it would be scaled down with its legends."""
    from test_report_parsing import figures_wider_than_print

    rng = np.random.default_rng(8)
    n = 1500
    sf = pd.Series(
        rng.choice(["North-East region", "South", "West coast", "Mid"], n), name="region"
    )
    score = rng.random(n)
    y = (rng.random(n) < score).astype(int)
    binary = fairaudit.audit(
        y,
        (score > 0.5).astype(int),
        sensitive_features=sf,
        y_score=score,
        threshold=0.5,
        n_bootstrap=20,
        random_state=0,
    )
    classes = rng.choice(list("abcd"), n)
    multiclass = fairaudit.audit(
        classes,
        np.where(rng.random(n) < 0.6, classes, "a"),
        sensitive_features=sf,
        task="multiclass",
        n_bootstrap=20,
        random_state=0,
    )
    regression = fairaudit.audit(
        score,
        score + rng.normal(0, 0.1, n),
        sensitive_features=sf,
        task="regression",
        n_bootstrap=20,
        random_state=0,
    )
    pages = {
        "binary and comparison": render(binary, comparison=compare_like_table()),
        "multiclass": render(multiclass),
        "regression": render(regression),
    }
    for kind, html in pages.items():
        assert html.count("<svg") >= 1, kind
        assert figures_wider_than_print(html) == [], kind
