"""The LL144 bias audit: the rule's worked example, independent recomputation of a summary's
every rate and ratio, the strict median rule with ties, unknowns, the 2% rule, outputs."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from fairaudit.regulatory import RACE_ORDER, LL144Audit, ll144
from fairaudit.regulatory._ll144 import (
    ERR_EXCLUDE,
    ERR_LENGTH,
    ERR_SCORE,
    ERR_SELECTED,
    ERR_TOOL,
)


def _rows(cells, rng=None):
    """Applicant-level rows from (sex, race, applicants, selected) cells, shuffled."""
    sex, race, sel = [], [], []
    for s, r, n, x in cells:
        sex += [s] * n
        race += [r] * n
        sel += [1] * x + [0] * (n - x)
    frame = pd.DataFrame({"sex": sex, "race": race, "selected": sel})
    rng = rng or np.random.default_rng(0)
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


# ------------------------------------------------------------------ the rule's example
def test_the_rules_worked_example_of_a_scoring_tool():
    """6 RCNY 5-301, example of a scoring tool, sex categories as printed in the rule and
    as the rule prints them: Male 92 applicants, scoring rate 54.3%, impact ratio 1.00;
    Female 76, 44.7%, 0.82. Counts consistent with them: 50 of 92 and 34 of 76 above the
    median (50/92 = 54.35%, 34/76 = 44.74%). The 168 scores are distinct, 84 high and 84
    low, so the median of the full sample falls between the two halves.

    The rule's race/ethnicity rows of the same example could not be retrieved from a stored
    copy of the rule when this test was written, so they are not checked here.
    """
    rng = np.random.default_rng(1)
    high = iter(rng.permutation(np.arange(100, 184)))
    low = iter(rng.permutation(np.arange(0, 84)))
    rows = []
    for sex, n, above in (("Male", 92, 50), ("Female", 76, 34)):
        rows += [(sex, next(high)) for _ in range(above)]
        rows += [(sex, next(low)) for _ in range(n - above)]
    df = pd.DataFrame(rows, columns=["sex", "score"])
    df["race"] = "White"
    audit = ll144(df, sex="sex", race_ethnicity="race", score="score")
    t = audit.tables["sex"]
    assert t["applicants"].tolist() == [92, 76]
    assert [f"{100 * r:.1f}%" for r in t["rate"]] == ["54.3%", "44.7%"]
    assert [f"{r:.2f}" for r in t["impact_ratio"]] == ["1.00", "0.82"]
    assert audit.meta["median_score"] == pytest.approx((83 + 100) / 2)
    assert audit.tables["sex"]["at_median"].sum() == 0
    # the published impact ratio, with the rule's rounded rates: 44.7 / 54.3 = 0.823
    assert round(0.447 / 0.543, 2) == round(t.loc["Female", "impact_ratio"], 2)


# ------------------------------------------------------------------ independent recomputation
#: A summary laid out as published LL144 summaries are (intersectional counts of a selection
#: tool, from which the sex and race/ethnicity tables follow). No published summary was
#: available in a stored copy when this test was written: these counts are constructed,
#: with categories of a few dozen people as the 2024 study of published audits describes,
#: one category under 2% of the data, and unknowns in both attributes.
SUMMARY = [
    # sex, race/ethnicity, applicants, selected
    ("Male", "Hispanic or Latino", 205, 90),
    ("Male", "White", 410, 198),
    ("Male", "Black or African American", 160, 61),
    ("Male", "Native Hawaiian or Pacific Islander", 12, 5),
    ("Male", "Asian", 230, 117),
    ("Male", "Native American or Alaska Native", 21, 7),
    ("Male", "Two or More Races", 64, 26),
    ("Female", "Hispanic or Latino", 198, 80),
    ("Female", "White", 385, 170),
    ("Female", "Black or African American", 171, 52),
    ("Female", "Native Hawaiian or Pacific Islander", 9, 2),
    ("Female", "Asian", 214, 101),
    ("Female", "Native American or Alaska Native", 17, 9),
    ("Female", "Two or More Races", 58, 20),
    ("Unknown", "White", 40, 12),
    ("Female", "", 25, 9),
    ("Unknown", "Declined to state", 11, 3),
]


def _expected(groups: dict[str, tuple[int, int]], excluded=()):
    """Rates and impact ratios from counts, by hand, in exact fractions."""
    rates = {k: Fraction(x, n) for k, (n, x) in groups.items()}
    top = max(v for k, v in rates.items() if k not in excluded)
    ratios = {k: (None if k in excluded else r / top) for k, r in rates.items()}
    return rates, ratios


def _sum(cells, key):
    out: dict[str, list[int]] = {}
    for s, r, n, x in cells:
        k = key(s, r)
        if k is None:
            continue
        a = out.setdefault(k, [0, 0])
        a[0] += n
        a[1] += x
    return {k: (v[0], v[1]) for k, v in out.items()}


UNKNOWN = {"Unknown", "", "Declined to state"}


@pytest.mark.parametrize("exclude_below", [None, 0.02])
def test_every_rate_and_ratio_of_a_summary_recomputed_from_applicant_rows(exclude_below):
    df = _rows(SUMMARY)
    total = len(df)
    audit = ll144(
        df, sex="sex", race_ethnicity="race", selected="selected", exclude_below=exclude_below
    )
    keys = {
        "sex": lambda s, r: None if s in UNKNOWN else s,
        "race_ethnicity": lambda s, r: None if r in UNKNOWN else r,
        "intersectional": lambda s, r: None if s in UNKNOWN or r in UNKNOWN else f"{s}, {r}",
    }
    for name, key in keys.items():
        groups = _sum(SUMMARY, key)
        excluded = (
            {k for k, (n, _) in groups.items() if Fraction(n, total) < Fraction(2, 100)}
            if exclude_below
            else set()
        )
        rates, ratios = _expected(groups, excluded)
        t = audit.tables[name]
        assert set(t.index) == set(groups), name
        for k, (n, x) in groups.items():
            assert t.loc[k, "applicants"] == n and t.loc[k, "selected"] == x
            assert t.loc[k, "rate"] == pytest.approx(float(rates[k]), abs=1e-15)
            if ratios[k] is None:
                assert np.isnan(t.loc[k, "impact_ratio"]) and t.loc[k, "verdict"] == "excluded"
            else:
                assert t.loc[k, "impact_ratio"] == pytest.approx(float(ratios[k]), abs=1e-15)
    # unknowns: counted and reported, left out of the rates
    assert audit.meta["unknown"] == {
        "sex": 40 + 11,
        "race_ethnicity": 25 + 11,
        "intersectional": 40 + 25 + 11,
    }
    assert audit.meta["applicants"] == total
    # the 2% rule excluded exactly the categories under 2% of all applicants
    if exclude_below:
        inter = audit.tables["intersectional"]
        small = {
            "Male, Native Hawaiian or Pacific Islander",
            "Male, Native American or Alaska Native",
            "Female, Native Hawaiian or Pacific Islander",
            "Female, Native American or Alaska Native",
        }
        assert set(inter.index[inter["verdict"] == "excluded"]) == small
        assert inter.loc[list(small), "rate"].notna().all()


def test_eeo1_categories_in_the_rules_order_and_others_after():
    df = pd.DataFrame(
        {
            "sex": ["Female", "Male", "Non-binary", "Male", "Female", "Male"],
            "race": [
                "Two or More Races",
                "White (Not Hispanic or Latino)",
                "Asian",
                "Hispanic or Latino",
                "Middle Eastern",
                "Asian",
            ],
            "sel": [1, 0, 1, 1, 0, 1],
        }
    )
    audit = ll144(df, sex="sex", race_ethnicity="race", selected="sel")
    assert list(audit.tables["sex"].index) == ["Male", "Female", "Non-binary"]
    assert list(audit.tables["race_ethnicity"].index) == [
        "Hispanic or Latino",
        "White (Not Hispanic or Latino)",
        "Asian",
        "Two or More Races",
        "Middle Eastern",
    ]
    # 3 x 5 intersectional categories, every pair listed (empty ones with 0 applicants)
    inter = audit.tables["intersectional"]
    assert len(inter) == 15 and inter["applicants"].sum() == 6
    empty = inter[inter["applicants"] == 0]
    assert (empty["verdict"] == "n/a").all() and empty["rate"].isna().all()
    assert len(RACE_ORDER) == 7


def test_a_full_eeo1_intersectional_table_has_14_categories():
    df = _rows([(s, r, 10, 5) for s in ("Male", "Female") for r in RACE_ORDER])
    audit = ll144(df, sex="sex", race_ethnicity="race", selected="selected")
    inter = audit.tables["intersectional"]
    assert len(inter) == 14
    assert inter.index[0] == "Male, Hispanic or Latino"
    assert list(audit.tables["race_ethnicity"].index) == list(RACE_ORDER)


# ------------------------------------------------------------------ scoring: the median, ties
def test_scoring_rate_is_strictly_above_the_median_of_everyone_scored():
    # scores 1..5 with many ties at the median 3; an unknown-sex applicant moves the median
    df = pd.DataFrame(
        {
            "sex": ["Male"] * 6 + ["Female"] * 6 + [None] * 3,
            "race": ["White"] * 15,
            "score": [1, 3, 3, 3, 5, 5, 1, 1, 3, 3, 4, 5, 5, 5, 5],
        }
    )
    audit = ll144(df, sex="sex", race_ethnicity="race", score="score")
    median = float(np.median(df["score"]))
    assert median == 3.0 and audit.meta["median_score"] == 3.0
    t = audit.tables["sex"]
    by_hand = {
        s: (
            (g["score"] > median).mean(),
            (g["score"] == median).mean(),
            (g["score"] >= median).mean(),
        )
        for s, g in df.dropna(subset=["sex"]).groupby("sex")
    }
    for s, (above, at, at_or_above) in by_hand.items():
        assert t.loc[s, "rate"] == pytest.approx(above)
        assert t.loc[s, "at_median_share"] == pytest.approx(at)
        assert t.loc[s, "rate_at_or_above_median"] == pytest.approx(at_or_above)
    # Male: 2/6 above, 3/6 at; Female: 2/6 above, 2/6 at
    assert t.loc["Male", "rate"] == pytest.approx(2 / 6)
    assert t.loc["Male", "at_median"] == 3 and t.loc["Female", "at_median"] == 2
    assert audit.meta["at_median"] == int((df["score"] == 3).sum())
    # the unknowns count in the median: here they move it from 2.5 (known only) to 4
    df2 = pd.DataFrame(
        {
            "sex": ["Male", "Male", "Female", "Female", None, "?", "unknown"],
            "race": ["White"] * 7,
            "score": [1, 2, 3, 4, 10, 10, 10],
        }
    )
    a2 = ll144(
        df2, sex="sex", race_ethnicity="race", score="score", unknown_values=["?", "unknown"]
    )
    assert a2.meta["median_score"] == 4.0 and a2.meta["unknown"]["sex"] == 3
    t2 = a2.tables["sex"]
    assert t2.loc["Female", "rate"] == 0.0 and t2.loc["Female", "at_median_share"] == 0.5
    assert t2["impact_ratio"].isna().all()  # nobody known scored above the median: 0/0
    assert (t2["verdict"] == "n/a").all()


def test_ties_can_move_the_result_and_the_table_says_how_much():
    # the women's rate is 0 strictly above the median and 1 at or above it
    df = pd.DataFrame(
        {
            "sex": ["Male"] * 4 + ["Female"] * 4,
            "race": ["Asian"] * 8,
            "score": [9, 9, 1, 1, 5, 5, 5, 5],
        }
    )
    audit = ll144(df, sex="sex", race_ethnicity="race", score="score")
    t = audit.tables["sex"]
    assert audit.meta["median_score"] == 5.0
    assert t.loc["Female", "rate"] == 0.0 and t.loc["Female", "at_median_share"] == 1.0
    assert t.loc["Female", "impact_ratio"] == 0.0
    assert t.loc["Female", "rate_at_or_above_median"] == 1.0


# ------------------------------------------------------------------ the 2% rule, unknowns
def test_a_tiny_category_with_the_highest_rate_is_not_the_denominator_when_excluded():
    cells = [("Male", "White", 500, 200), ("Female", "White", 480, 150), ("Other", "White", 10, 9)]
    df = _rows(cells)
    plain = ll144(df, sex="sex", race_ethnicity="race", selected="selected").tables["sex"]
    assert plain.loc["Other", "top"] and plain.loc["Male", "impact_ratio"] == pytest.approx(
        0.4 / 0.9
    )
    two = ll144(
        df, sex="sex", race_ethnicity="race", selected="selected", exclude_below=0.02
    ).tables["sex"]
    assert two.loc["Other", "verdict"] == "excluded"
    assert two.loc["Other", "applicants"] == 10 and two.loc["Other", "rate"] == 0.9
    assert two.loc["Male", "top"] and two.loc["Female", "impact_ratio"] == pytest.approx(
        (150 / 480) / 0.4
    )
    assert "5-301(d)" in two.loc["Other", "reason"]


def test_unknown_values_are_configurable_and_case_insensitive():
    df = pd.DataFrame(
        {
            "sex": ["Male", "female", "UNKNOWN", "n/a", "X"],
            "race": ["Asian"] * 5,
            "sel": [1, 0, 1, 1, 0],
        }
    )
    audit = ll144(df, sex="sex", race_ethnicity="race", selected="sel")
    assert list(audit.tables["sex"].index) == ["Male", "female", "X"]
    assert audit.meta["unknown"]["sex"] == 2
    audit = ll144(df, sex="sex", race_ethnicity="race", selected="sel", unknown_values=["x"])
    assert audit.meta["unknown"]["sex"] == 1
    assert "UNKNOWN" in audit.tables["sex"].index


# ------------------------------------------------------------------ inputs
def test_bad_inputs_are_refused_with_the_argument_named():
    df = _rows([("Male", "White", 5, 2), ("Female", "White", 5, 1)])
    with pytest.raises(ValueError) as info:
        ll144(df, sex="sex", race_ethnicity="race")
    assert str(info.value) == ERR_TOOL.format(got="neither")
    with pytest.raises(ValueError) as info:
        ll144(df, sex="sex", race_ethnicity="race", selected="selected", score="selected")
    assert str(info.value) == ERR_TOOL.format(got="both")
    bad = df.assign(selected=df["selected"].replace({1: 2}))
    with pytest.raises(ValueError) as info:
        ll144(bad, sex="sex", race_ethnicity="race", selected="selected")
    assert str(info.value) == ERR_SELECTED.format(bad=[2])
    scored = df.assign(score=np.r_[np.nan, np.arange(9.0)])
    with pytest.raises(ValueError) as info:
        ll144(scored, sex="sex", race_ethnicity="race", score="score")
    assert str(info.value) == ERR_SCORE.format(k=1, row=0)
    with pytest.raises(ValueError) as info:
        ll144(sex=["Male"] * 3, race_ethnicity=["White"] * 2, selected=[1, 0, 1])
    assert str(info.value) == ERR_LENGTH.format(arg="race_ethnicity", n=2, first="sex", m=3)
    with pytest.raises(ValueError) as info:
        ll144(df, sex="sex", race_ethnicity="race", selected="selected", exclude_below=2)
    assert str(info.value) == ERR_EXCLUDE.format(value=2)
    with pytest.raises(ValueError, match="race_ethnicity='nope' is not a column"):
        ll144(df, sex="sex", race_ethnicity="nope", selected="selected")


def test_arrays_polars_and_pandas_agree_and_the_input_is_not_mutated():
    import polars as pl

    df = _rows(SUMMARY[:6])
    before = df.copy()
    a = ll144(df, sex="sex", race_ethnicity="race", selected="selected")
    b = ll144(
        sex=df["sex"].to_numpy(),
        race_ethnicity=df["race"].tolist(),
        selected=df["selected"].astype(bool).to_numpy(),
    )
    c = ll144(pl.from_pandas(df), sex="sex", race_ethnicity="race", selected="selected")
    for other in (b, c):
        pd.testing.assert_frame_equal(a.to_frame(), other.to_frame())
    pd.testing.assert_frame_equal(df, before)


# ------------------------------------------------------------------ outputs
@pytest.fixture(scope="module")
def audit() -> LL144Audit:
    return ll144(
        _rows(SUMMARY),
        sex="sex",
        race_ethnicity="race",
        selected="selected",
        exclude_below=0.02,
        audit_date="2026-01-15",
        data_source="constructed example",
        tool_name="Screener",
    )


def test_to_frame_holds_the_three_tables(audit):
    f = audit.to_frame()
    assert list(dict.fromkeys(f["table"])) == ["sex", "race_ethnicity", "intersectional"]
    assert (f["table"] == "intersectional").sum() == 14
    assert {
        "category",
        "sex",
        "race_ethnicity",
        "applicants",
        "rate",
        "impact_ratio",
        "impact_ratio_lower",
        "fisher_p_value",
        "small_numbers",
        "shortfall",
        "verdict",
    } <= set(f.columns)


def test_to_json_round_trips_without_nan(audit, tmp_path):
    text = audit.to_json(tmp_path / "a.json")
    data = json.loads(text)
    assert json.loads((tmp_path / "a.json").read_text()) == data
    assert data["schema"] == "fairaudit.ll144" and data["meta"]["audit_date"] == "2026-01-15"
    inter = data["tables"]["intersectional"]
    excluded = [r for r in inter if r["verdict"] == "excluded"]
    assert excluded and all(r["impact_ratio"] is None for r in excluded)
    assert "NaN" not in text


def test_markdown_has_the_legal_tables_and_the_extras(audit):
    text = audit.to_markdown()
    assert "## Sex categories" in text and "## Intersectional categories" in text
    # by hand from SUMMARY: Male 504 of 1,102 (45.7%, the top); Female 443 of 1,077 (41.1%)
    assert "| Male | 1,102 | 504 | 45.7% | 1.00 |" in text
    assert "| Female | 1,077 | 443 | 41.1% | 0.90 |" in text
    assert "excluded*" in text and "5-301(d)" in text
    assert "## Beyond the rule" in text and "Fisher p" in text


def test_html_page_in_the_layout_of_a_published_summary(audit, tmp_path):
    html = audit.to_html(tmp_path / "a.html")
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == html
    order = [
        html.index(s)
        for s in (
            "Date of the bias audit",
            "Source of the data",
            "Number of applicants",
            "Unknown sex",
            "Sex categories: selection rates",
            "Race/ethnicity categories: selection rates",
            "Intersectional categories: selection rates",
            ">Beyond the rule</h2>",
            ">Limits</h2>",
        )
    ]
    assert order == sorted(order)
    assert "<script" not in html and "Content-Security-Policy" in html
    assert "2026-01-15" in html and "constructed example" in html
    # every rate and impact ratio of the legal tables is in the page, from the result
    for _, row in audit.tables["race_ethnicity"].iterrows():
        assert f"{100 * row['rate']:.1f}%" in html
        assert f'data-value="{row["impact_ratio"]!r}"' in html or row["verdict"] == "excluded"


def test_html_escapes_category_and_tool_names():
    payload = "<img src=x onerror=alert(1)>"
    df = pd.DataFrame(
        {
            "sex": ["Male", payload, "Male", payload],
            "race": ["</script>", "{{7*7}}", "White", "White"],
            "sel": [1, 0, 1, 1],
        }
    )
    a = ll144(
        df,
        sex="sex",
        race_ethnicity="race",
        selected="sel",
        tool_name="<script>alert(1)</script>",
        data_source="javascript:alert(1)",
    )
    html = a.to_html()
    assert payload not in html and "<script>alert" not in html and "</script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{7*7}}" in html  # shown as text, not evaluated
    assert not re.search(r'href="javascript:', html)
    md = a.to_markdown()
    assert payload not in md and "&lt;img" in md
