"""The recommendation case study: its report is written and its findings hold (quick mode)."""

from __future__ import annotations

import numpy as np
import pytest

from fairaudit.casestudies import load_case_study, recommendation
from fairaudit.casestudies.recommendation import study


@pytest.fixture(scope="module")
def sims():
    """The quick simulations, run once for the module (they are seeded: the same worlds)."""
    return study.simulate_all(True)


def _quick_sims(sims):
    def simulate_all(quick=False):
        assert quick is True
        return sims

    return simulate_all


@pytest.fixture(scope="module")
def numbers(sims):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(study, "simulate_all", _quick_sims(sims))
        return recommendation.results(quick=True)


def test_run_writes_self_contained_report(tmp_path, sims, monkeypatch):
    monkeypatch.setattr(study, "simulate_all", _quick_sims(sims))
    path = recommendation.run(tmp_path / "nested", quick=True)
    assert path == tmp_path / "nested" / "recommendation.html"
    html = path.read_text(encoding="utf-8")
    for heading in (
        "Summary",
        "The loop",
        "What people consume becomes more alike",
        "It does not make people better off",
        "Who gets seen",
        "How much exploration undoes it",
        "What an audit of a single snapshot would miss",
        "Limits",
    ):
        assert heading in html
    assert html.count("<svg") >= 4
    assert "<script" not in html.lower()
    assert html.index("Summary") < html.index("The loop")


def test_registered_case_study_is_this_module():
    assert load_case_study("recommendation") is recommendation


def test_findings_hold_in_quick_mode(numbers):
    t = numbers["table"]
    # homogenisation relative to ideal: feedback-trained recommenders above, by > 3 SE
    for rec in ("popularity", "mf"):
        assert t.loc[rec, "homogenisation"] > 3 * t.loc[rec, "homogenisation_se"]
    assert t.loc["ideal", "homogenisation"] == 0.0
    assert t.loc["random", "homogenisation"] < 3 * t.loc["random", "homogenisation_se"]
    # popularity concentrates consumption, random does not
    assert t.loc["popularity", "gini_final"] > t.loc["popularity", "gini_after_warmup"] + 0.2
    assert t.loc["random", "gini_final"] <= t.loc["random", "gini_after_warmup"]
    # the ideal recommender is the best for users; the others do not beat random by much
    assert np.all(t.drop(index="ideal")["utility_ratio"] < 1.0)
    # exploration reduces homogenisation monotonically, for both recommenders
    exp = numbers["exploration"]
    for rec in ("popularity", "mf"):
        hom = exp[exp.recommender == rec].sort_values("exploration")["homogenisation"]
        assert np.all(np.diff(hom.to_numpy()) < 0), rec
    # the snapshot: shown at least as often as clicked, far below people's favourites
    snap = numbers["snapshot"]
    assert snap.loc["popularity", "shown / clicked"] >= 1.0
    assert snap.loc["popularity", "shown after warm-up / share of favourites"] < 0.5
    assert 0.6 < snap.loc["ideal", "shown after warm-up / share of favourites"] < 1.4
