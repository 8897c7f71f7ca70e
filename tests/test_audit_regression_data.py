"""The regression examples of docs/auditing.md on real data, recomputed with pandas: weekly
hours of the Adult census predicted by a ridge regression, and COMPAS deciles by race."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import fairaudit
from fairaudit.datasets import load_adult, load_compas


@pytest.fixture(scope="module")
def hours():
    train = load_adult(subset="train").dropna()
    test = load_adult(subset="test").dropna()
    features = ["age", "education-num", "workclass", "occupation", "marital-status"]
    model = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["workclass", "occupation", "marital-status"]),
            remainder="passthrough",
        ),
        Ridge(alpha=1.0),
    ).fit(train[features], train["hours-per-week"])
    frame = pd.DataFrame(
        {
            "y": test["hours-per-week"].to_numpy(dtype=float),
            "pred": model.predict(test[features]),
            "sex": test["sex"].astype(str).to_numpy(),
            "race": test["race"].astype(str).to_numpy(),
        }
    )
    audit = fairaudit.audit(
        frame["y"],
        frame["pred"],
        sensitive_features=frame[["sex", "race"]],
        task="regression",
        random_state=0,
        n_bootstrap=200,
    )
    return frame, audit


def _pandas_table(frame: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    median = frame["pred"].median()
    f = frame.assign(
        err=frame["pred"] - frame["y"],
        abs_err=(frame["pred"] - frame["y"]).abs(),
        sq=(frame["pred"] - frame["y"]) ** 2,
        above=frame["pred"] > median,
    )
    g = f.groupby(by)
    return pd.DataFrame(
        {
            "count": g.size(),
            "mean_prediction": g["pred"].mean(),
            "mean_outcome": g["y"].mean(),
            "mean_error": g["err"].mean(),
            "mean_absolute_error": g["abs_err"].mean(),
            "mean_squared_error": g["sq"].mean(),
            "share_above_median": g["above"].mean(),
            "median_prediction": g["pred"].median(),
        }
    )


def test_adult_hours_by_sex_race_and_intersection_match_pandas(hours):
    frame, audit = hours
    for result, by in (
        (audit.marginals["sex"], "sex"),
        (audit.marginals["race"], "race"),
        (audit, ["sex", "race"]),
    ):
        expected = _pandas_table(frame, by)
        ours = result.by_group[expected.columns]
        ours.index = expected.loc[ours.index].index
        pd.testing.assert_frame_equal(
            ours.sort_index(),
            expected.sort_index(),
            check_dtype=False,
            check_names=False,
            atol=1e-9,
        )


def test_adult_numbers_quoted_in_the_docs(hours):
    frame, audit = hours
    t = _pandas_table(frame, "sex").round(3)
    # "Women work 36.9 hours ... men 42.9; the model predicts 38.5 and 42.1"
    assert round(t.loc["Female", "mean_outcome"], 1) == 36.9
    assert round(t.loc["Male", "mean_outcome"], 1) == 42.9
    assert round(t.loc["Female", "mean_prediction"], 1) == 38.5
    assert round(t.loc["Male", "mean_prediction"], 1) == 42.1
    assert round(t.loc["Female", "mean_error"], 1) == 1.5
    assert round(t.loc["Male", "mean_error"], 1) == -0.8
    assert (t.loc["Female", "mean_absolute_error"], t.loc["Male", "mean_absolute_error"]) == (
        7.962,
        7.492,
    )
    assert (t.loc["Female", "share_above_median"], t.loc["Male", "share_above_median"]) == (
        0.244,
        0.624,
    )
    fem, male = (frame[frame["sex"] == s]["pred"] for s in ("Female", "Male"))
    pooled = ((len(fem) - 1) * fem.var() + (len(male) - 1) * male.var()) / (
        len(fem) + len(male) - 2
    )
    d = (fem.mean() - male.mean()) / np.sqrt(pooled)
    assert round(d, 2) == -0.88
    crit = audit.criteria.set_index(["attribute", "criterion"])
    assert crit.loc[("sex", "smd"), "value"] == pytest.approx(abs(d), abs=1e-9)
    assert crit.loc[("sex", "scoring_rate_ratio"), "value"] == pytest.approx(
        0.2442 / 0.6244, abs=2e-3
    )
    assert crit.loc[("sex", "max_group_error_ratio"), "verdict"] == "pass"
    assert audit.verdict == "fail"


def test_compas_deciles_by_race_match_pandas():
    df = load_compas()
    result = fairaudit.audit(
        df["two_year_recid"],
        df["decile_score"],
        sensitive_features=df["race"],
        task="regression",
        reference_group="Caucasian",
        random_state=0,
        n_bootstrap=200,
    )
    race = df["race"].astype(str)
    median = df["decile_score"].median()
    assert median == 4 == result.overall["median_prediction"]
    expected_mean = df["decile_score"].groupby(race).mean()
    expected_share = (df["decile_score"] > median).groupby(race).mean()
    bg = result.by_group
    bg.index = bg.index.astype(str)
    np.testing.assert_allclose(bg["mean_prediction"], expected_mean.loc[bg.index], atol=1e-12)
    np.testing.assert_allclose(bg["share_above_median"], expected_share.loc[bg.index], atol=1e-12)
    # the docs: 58.8% of African-American and 34.8% of Caucasian defendants above the median
    assert round(expected_share["African-American"], 3) == 0.588
    assert round(expected_share["Caucasian"], 3) == 0.348
    crit = result.criteria.set_index("criterion")
    assert crit.loc["scoring_rate_ratio", "value"] == pytest.approx(
        expected_share.min() / expected_share.max(), abs=1e-12
    )
    assert crit.loc["max_group_error_ratio", "verdict"] == "n/a"
    assert "different scales" in crit.loc["bounded_group_loss", "reason"]
