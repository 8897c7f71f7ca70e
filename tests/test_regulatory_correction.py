"""Multiple-comparison correction of the LL144 and four-fifths tests, checked against Holm's
and Benjamini-Hochberg's definitions computed here by brute force; the published numbers
do not move; the shortfall says what a scoring tool counts."""

from __future__ import annotations

from html import unescape

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairaudit.regulatory import RACE_ORDER, four_fifths_from_counts, ll144

#: Columns the correction adds; every other column must be the same whatever it is.
ADDED = ["p_value", "p_adjusted", "significant_adjusted"]


def holm_by_definition(p):
    """Holm (1979): with p sorted ascending, adj_(i) = max over j <= i of
    min(1, (m - j + 1) p_(j)) (ranks from 1)."""
    p = list(p)
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    for rank, i in enumerate(order, start=1):
        out[i] = max(min(1.0, (m - j + 1) * p[order[j - 1]]) for j in range(1, rank + 1))
    return out


def bh_by_definition(p):
    """Benjamini & Hochberg (1995): adj_(i) = min over j >= i of min(1, m p_(j) / j)."""
    p = list(p)
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    for rank, i in enumerate(order, start=1):
        out[i] = min(min(1.0, m * p[order[j - 1]] / j) for j in range(rank, m + 1))
    return out


def _applicants(seed, n=1500):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Male", "Female"], n)
    race = rng.choice(RACE_ORDER, n, p=[0.2, 0.35, 0.15, 0.03, 0.17, 0.04, 0.06])
    base = {r: 0.25 + 0.05 * i for i, r in enumerate(RACE_ORDER)}
    p = np.array([base[r] for r in race]) * np.where(sex == "Female", 0.85, 1.0)
    return pd.DataFrame(
        {
            "sex": sex,
            "race": race,
            "selected": (rng.random(n) < p).astype(int),
            "score": rng.normal(size=n) + 2 * p,
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["selected", "score"])
def test_adjusted_p_values_are_holm_and_bh_per_table(seed, kind):
    df = _applicants(seed)
    audits = {
        c: ll144(df, sex="sex", race_ethnicity="race", **{kind: kind}, correction=c)
        for c in ("holm", "bh", "none")
    }
    assert audits["holm"].meta["correction"] == "holm"
    for name, holm_table in audits["holm"].tables.items():
        tested = holm_table["p_value"].notna().to_numpy()
        assert tested.sum() >= 1
        p = holm_table["p_value"].to_numpy()
        # the p-value is that of the test that decides
        decides = np.where(
            holm_table["test"] == "fisher", holm_table["fisher_p_value"], holm_table["z_p_value"]
        )
        np.testing.assert_array_equal(p[tested], decides[tested])
        expected = {
            "holm": holm_by_definition(p[tested]),
            "bh": bh_by_definition(p[tested]),
            "none": list(p[tested]),
        }
        for correction, audit in audits.items():
            table = audit.tables[name]
            got = table["p_adjusted"].to_numpy()
            np.testing.assert_allclose(got[tested], expected[correction], rtol=1e-12)
            assert np.isnan(got[~tested]).all()  # the top and excluded categories: no test
            np.testing.assert_array_equal(
                table["significant_adjusted"].to_numpy(), np.nan_to_num(got, nan=1.0) < 0.05
            )
            # the rule's numbers and the verdicts do not depend on the correction
            pd.testing.assert_frame_equal(table.drop(columns=ADDED), holm_table.drop(columns=ADDED))


@given(x=st.lists(st.integers(0, 40), min_size=2, max_size=8), seed=st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_four_fifths_correction_on_random_counts(x, seed):
    rng = np.random.default_rng(seed)
    x = np.array(x)
    n = x + rng.integers(1, 60, len(x))
    t = four_fifths_from_counts(x, n, correction="bh")
    tested = t["p_value"].notna().to_numpy()
    if tested.any():
        p = t["p_value"].to_numpy()[tested]
        np.testing.assert_allclose(
            t["p_adjusted"].to_numpy()[tested], bh_by_definition(p), rtol=1e-12
        )
        holm = four_fifths_from_counts(x, n)  # the default: Holm
        np.testing.assert_allclose(
            holm["p_adjusted"].to_numpy()[tested], holm_by_definition(p), rtol=1e-12
        )
        # adjusted p-values are never below the unadjusted ones
        assert (t["p_adjusted"].to_numpy()[tested] >= p - 1e-15).all()


def test_an_unknown_correction_is_refused_by_name():
    df = _applicants(3, n=200)
    with pytest.raises(ValueError, match="correction must be one of holm, bh, none"):
        ll144(df, sex="sex", race_ethnicity="race", selected="selected", correction="bonferroni")


def test_the_shortfall_says_what_a_scoring_tool_counts():
    df = _applicants(4)
    scoring = ll144(df, sex="sex", race_ethnicity="race", score="score", audit_date="2026-12-01")
    selection = ll144(
        df, sex="sex", race_ethnicity="race", selected="selected", audit_date="2026-12-01"
    )
    html, md = unescape(scoring.to_html()), scoring.to_markdown()
    for text in (html, md):
        assert "Shortfall (applicants above the median)" in text
        assert "Shortfall (selections)" not in text
        assert "p of the test used, adjusted (Holm)" in text
    assert "how many more of a category's applicants would have to score above the median" in html
    assert "more selections" not in html and "one selection" not in html
    for text in (selection.to_html(), selection.to_markdown()):
        assert "Shortfall (selections)" in text
        assert "applicants above the median" not in text
    # the findings give the adjusted p-value next to the unadjusted test
    assert "adjusted for the table's comparisons (Holm): p = " in html
    bh = ll144(df, sex="sex", race_ethnicity="race", score="score", correction="bh")
    assert "adjusted (Benjamini-Hochberg)" in bh.to_html()
    none = ll144(df, sex="sex", race_ethnicity="race", score="score", correction="none")
    assert "not adjusted for multiple comparisons" in none.to_html()
