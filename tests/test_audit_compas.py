"""Real data: ProPublica's COMPAS file, per-race error rates computed from raw counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import fairaudit

DATA = Path(fairaudit.__file__).parent / "datasets" / "data" / "compas-two-years.csv.gz"


@pytest.fixture(scope="module")
def compas() -> pd.DataFrame:
    df = pd.read_csv(DATA)
    keep = (
        df["days_b_screening_arrest"].between(-30, 30)
        & (df["is_recid"] != -1)
        & (df["c_charge_degree"] != "O")
        & (df["score_text"] != "N/A")
    )
    out = df[keep].reset_index(drop=True)
    assert len(out) == 6172
    return out


def test_per_race_fpr_fnr_equal_direct_counts(compas):
    pred = (compas["score_text"] != "Low").astype(int)
    y = compas["two_year_recid"]
    r = fairaudit.audit(y, pred, sensitive_features=compas["race"], random_state=0, n_bootstrap=200)
    for race, grp in compas.groupby("race"):
        p = grp["score_text"] != "Low"
        actual = grp["two_year_recid"] == 1
        fp = int((p & ~actual).sum())
        tn = int((~p & ~actual).sum())
        fn = int((~p & actual).sum())
        tp = int((p & actual).sum())
        row = r.by_group.loc[race]
        assert row["false_positive_rate"] == pytest.approx(fp / (fp + tn), abs=1e-15)
        assert row["false_negative_rate"] == pytest.approx(fn / (fn + tp), abs=1e-15)
        assert row["count"] == len(grp)
    bg = r.by_group
    ratio = (
        bg.loc["African-American", "false_positive_rate"]
        / bg.loc["Caucasian", "false_positive_rate"]
    )
    assert 1.7 < ratio < 2.1  # "about twice"
    assert (
        bg.loc["African-American", "false_negative_rate"]
        < bg.loc["Caucasian", "false_negative_rate"]
    )
    # the largest group is the default reference
    assert r.reference_group == "African-American"
    eo = r.criteria.set_index("criterion").loc["equalized_odds_difference"]
    assert eo["verdict"] == "fail"
