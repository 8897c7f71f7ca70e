"""The LL144 summary page in headless Chromium: loads cleanly at desktop and phone widths,
prints, and runs nothing from hostile category names (harness: test_browser.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_browser import ARTIFACTS, MIN_INK, check_prints_within_the_page, ink, load

from fairaudit.regulatory import ll144

pytestmark = pytest.mark.browser


def _audit(names=("Male", "Female")):
    rng = np.random.default_rng(3)
    n = 1500
    people = pd.DataFrame(
        {
            "sex": rng.choice([*names, "Unknown"], n, p=[0.5, 0.46, 0.04]),
            "race": rng.choice(
                [
                    "Hispanic or Latino",
                    "White",
                    "Black or African American",
                    "Asian",
                    "Native Hawaiian or Pacific Islander",
                ],
                n,
                p=[0.2, 0.45, 0.17, 0.16, 0.02],
            ),
            "score": rng.integers(1, 6, n),
        }
    )
    return ll144(
        people,
        sex="sex",
        race_ethnicity="race",
        score="score",
        exclude_below=0.02,
        data_source="synthetic",
        tool_name="Interview scorer",
    )


def test_ll144_page_loads_cleanly_at_two_widths_and_prints(tmp_path):
    page = tmp_path / "ll144.html"
    _audit().to_html(page)
    for width in (1400, 400):
        shot = ARTIFACTS / f"ll144-{width}.png"
        facts = load(page, tmp_path, shot, width=width, full_page=True)
        assert facts["errors"] == [] and facts["requests"] == []
        assert facts["sections"] == 4
        assert facts["title"] == "Bias audit summary of results (NYC Local Law 144)"
        assert ink(shot) > MIN_INK
    pdf = ARTIFACTS / "ll144.pdf"
    facts = load(page, tmp_path, pdf=pdf)
    assert facts["print"] == {"toc": "none", "badge": "exact"}
    assert pdf.read_bytes().startswith(b"%PDF")


def test_hostile_category_names_do_not_run(tmp_path):
    page = tmp_path / "hostile.html"
    _audit(("<script>console.error(1)</script>", "<img src=x onerror=console.error(2)>")).to_html(
        page
    )
    facts = load(page, tmp_path)
    assert facts["errors"] == [] and facts["requests"] == []


def test_ll144_tables_fit_the_printed_page(tmp_path):
    page = tmp_path / "ll144.html"
    _audit().to_html(page)
    check_prints_within_the_page(page, tmp_path, "ll144")
