"""The policing case study: its report is written and its findings hold (quick mode)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from fairaudit.casestudies import load_case_study, policing

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def numbers():
    return policing.results(quick=True)


def test_run_writes_self_contained_report(tmp_path):
    path = policing.run(tmp_path / "nested", quick=True)
    assert path == tmp_path / "nested" / "policing.html"
    html = path.read_text(encoding="utf-8")
    for heading in (
        "Scenario 1. Equal rates",
        "Scenario 2. Different rates",
        "Scenario 3. Reported incidents",
        "Scenario 4. The correction",
        "Scenario 5. Hotspots",
        "What this means for auditing",
    ):
        assert heading in html
    # the summary comes first; the contents number the sections once (an ordered list of
    # headings that do not start with a number of their own)
    sections = re.findall(r'<section id="([^"]+)"', html)
    assert sections[0] == "summary"
    nav = html.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    entries = re.findall(r'<a href="#[^"]+">([^<]+)</a>', nav)
    assert entries and not [e for e in entries if re.match(r"\d", e)]
    # the tables have words for headers, not column names
    heads = " ".join(re.findall(r"<thead>(.*?)</thead>", html, re.S))
    for raw in ("reported_fraction", "mean_share", "q05", "q95", "fixed_point", "(TV)"):
        assert raw not in heads
    assert html.count("<svg") >= 5
    assert "<script" not in html.lower()
    assert "calibrated" in html


def test_registered_case_study_is_this_module():
    assert load_case_study("policing") is policing


def test_findings_hold_in_quick_mode(numbers):
    s1 = numbers["scenario1"]
    assert s1["greedy_locked_fraction"] == 1.0
    # the Polya urn's limit from a 55:45 start is Beta(55, 45) (closed form via scipy);
    # the quick run has 20 runs
    beta = stats.beta(55, 45)
    assert s1["beta_mean"] == pytest.approx(beta.mean(), abs=1e-12)
    assert s1["beta_sd"] == pytest.approx(beta.std(), abs=1e-12)
    assert abs(s1["proportional_mean"] - 0.55) < 4 * beta.std() / np.sqrt(20)
    s2 = numbers["scenario2"]
    assert s2["mean_share"] > 2 / 3 + 0.1
    assert s2["median_tv_to_recorded"] < s2["median_tv_to_true"] / 2
    table = numbers["scenario3"]["table"]
    shares = table["mean_share"].to_numpy()
    assert np.all(np.diff(shares) < 0)  # more reports, less runaway
    assert np.all(shares > numbers["scenario3"]["true_share"])
    half = table.set_index("reported_fraction").loc[0.5]
    # with half the incidents reported, region A's share s solves
    # (l_a - l_b) s^2 + 2 l_b s - l_a = 0 for the rates 3.685 : 2.816 (derived in
    # docs/case_studies/policing.md); its true share is 0.567
    la, lb = 3.685, 2.816
    s_star = (-2 * lb + np.sqrt(4 * lb**2 + 4 * (la - lb) * la)) / (2 * (la - lb))
    assert numbers["scenario3"]["true_share"] == pytest.approx(la / (la + lb), abs=1e-12)
    assert half["fixed_point"] == pytest.approx(s_star, abs=1e-9)
    assert abs(half["mean_share"] - s_star) < 0.01
    s4 = numbers["scenario4"]
    assert abs(s4["two_regions_mean_share"]["reject"] - 2 / 3) < 0.02
    tv5 = s4["five_regions_mean_tv"]
    assert tv5["reject"] < 0.05 and tv5["weight"] < 0.05
    assert tv5["complement"] > 0.1 and tv5["None"] > tv5["complement"]
    s5 = numbers["scenario5"]["hotspot"]
    assert s5["flagged_recorded_share"] > s5["flagged_true_share"] + 0.05
    conf = numbers["confirmation"]
    uncorrected = conf.drop(index="4. Five regions, corrected")
    assert np.all(uncorrected.iloc[:, 0] < uncorrected.iloc[:, 1])
