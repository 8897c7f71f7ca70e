"""A multiclass audit of real data: COMPAS's risk category (score_text Low / Medium / High)
as a three-class prediction of a three-class outcome within two years, by race (ProPublica's
6,172 rows). The outcome, as documented in docs/auditing.md ("Multiclass decisions"):

* ``Low``: no new offence within two years (``two_year_recid == 0``);
* ``Medium``: a new offence within two years that was not violent;
* ``High``: a new violent offence within two years (``is_violent_recid == 1``).

Every number checked here is recomputed independently with pandas crosstabs of the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit.datasets import load_compas, propublica_filter

CLASSES = ["High", "Low", "Medium"]


@pytest.fixture(scope="module")
def compas():
    df = propublica_filter(load_compas())
    outcome = np.where(
        df["two_year_recid"] == 0, "Low", np.where(df["is_violent_recid"] == 1, "High", "Medium")
    )
    return pd.DataFrame(
        {
            "outcome": outcome,
            "score": df["score_text"].astype(str).to_numpy(),
            "race": df["race"].astype(str).to_numpy(),
            "sex": df["sex"].astype(str).to_numpy(),
        }
    )


@pytest.fixture(scope="module")
def result(compas):
    return fairaudit.audit(
        compas["outcome"],
        compas["score"],
        sensitive_features=compas[["race"]],
        task="multiclass",
        n_bootstrap=300,
        random_state=0,
        suppress_below=50,
        name="COMPAS risk category",
    )


def test_the_published_sizes(compas):
    assert len(compas) == 6172
    assert compas["outcome"].value_counts().to_dict() == {"Low": 3363, "Medium": 2157, "High": 652}


def test_per_class_rates_equal_pandas_crosstabs(compas, result):
    bg = result.by_group
    for race, rows in compas[compas["race"].isin(bg.index)].groupby("race"):
        table = pd.crosstab(rows["outcome"], rows["score"]).reindex(
            index=CLASSES, columns=CLASSES, fill_value=0
        )
        n = table.to_numpy().sum()
        for c in CLASSES:
            tp = table.loc[c, c]
            actual, predicted = table.loc[c].sum(), table[c].sum()
            assert bg.loc[race, f"selection_rate[{c}]"] == pytest.approx(predicted / n)
            assert bg.loc[race, f"base_rate[{c}]"] == pytest.approx(actual / n)
            if actual:
                assert bg.loc[race, f"true_positive_rate[{c}]"] == pytest.approx(tp / actual)
            assert bg.loc[race, f"false_positive_rate[{c}]"] == pytest.approx(
                (predicted - tp) / (n - actual)
            )
            if predicted:
                assert bg.loc[race, f"positive_predictive_value[{c}]"] == pytest.approx(
                    tp / predicted
                )
        assert bg.loc[race, "accuracy"] == pytest.approx((rows["outcome"] == rows["score"]).mean())


def test_the_high_category_is_given_far_more_often_to_african_american_defendants(compas, result):
    kept = compas[~compas["race"].isin(["Asian", "Native American"])]  # suppressed (< 50)
    assert sorted(result.suppressed_groups) == ["Asian", "Native American"]
    share = kept.groupby("race")["score"].apply(lambda s: (s == "High").mean())
    crit = result.criteria.set_index("criterion")
    row = crit.loc["demographic_parity_difference[High]"]
    assert row["value"] == pytest.approx(share.max() - share.min())
    assert row["verdict"] == "fail"
    # African-American defendants: 26.6% High, Caucasian 10.6% (the figures of the guide)
    aa, white = share["African-American"], share["Caucasian"]
    assert (round(aa, 3), round(white, 3)) == (0.266, 0.106)
    # the false positive rate of High (High for someone without a violent offence)
    fpr = result.by_group["false_positive_rate[High]"]
    rows = compas[compas["race"].isin(["African-American", "Caucasian"])]
    for race, g in rows.groupby("race"):
        expect = ((g["score"] == "High") & (g["outcome"] != "High")).sum() / (
            g["outcome"] != "High"
        ).sum()
        assert fpr[race] == pytest.approx(expect)
    worst = crit.loc["demographic_parity_difference"]
    assert worst["value"] >= row["value"]
    assert result.verdict == "fail"
