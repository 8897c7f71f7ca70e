"""Tests of the bundled real-data loaders (COMPAS, Adult).

Oracles: the row counts and tabulations printed in ProPublica's analysis notebook
(propublica/compas-analysis, "Compas Analysis.ipynb"), the counts stated in the UCI
``adult.names`` file, and independent parses of the raw bundled files with the standard
library's ``csv`` module.
"""

from __future__ import annotations

import csv
import gzip
import socket
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from fairaudit.datasets import _loaders as L
from fairaudit.datasets import load_adult, load_compas, propublica_filter

DATA = resources.files("fairaudit.datasets").joinpath("data")


def _raw_rows(name: str) -> list[list[str]]:
    """Parse a bundled gzip file with the csv module, stripping whitespace."""
    with DATA.joinpath(name).open("rb") as raw, gzip.open(raw, "rt", newline="") as fh:
        return [[cell.strip() for cell in row] for row in csv.reader(fh) if row]


def _assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Frames equal in index, columns, dtypes and values (NaN equal to NaN).

    ``DataFrame.equals`` is used because ``assert_frame_equal`` is very slow on large
    categorical columns.
    """
    assert left.index.equals(right.index)
    assert list(left.columns) == list(right.columns)
    assert list(left.dtypes) == list(right.dtypes)
    assert left.equals(right)


# --------------------------------------------------------------------------------------
# package data
# --------------------------------------------------------------------------------------
def test_package_data_files_are_present_and_small():
    names = {p.name for p in DATA.iterdir()}
    assert {
        "compas-two-years.csv.gz",
        "adult.data.gz",
        "adult.test.gz",
        "adult.names",
        "PROVENANCE.md",
    } <= names
    total = sum(len(DATA.joinpath(n).read_bytes()) for n in names if n.endswith(".gz"))
    assert total < 1_000_000  # compressed copies, under 1 MB together


def test_provenance_names_sources_licence_and_known_problems():
    text = L.read_provenance()
    for needle in ("ProPublica", "Barenstein", "CC BY 4.0", "Becker", "Kohavi", "6,172"):
        assert needle in text


def test_loaders_never_touch_the_network(monkeypatch):
    L._compas_frame.cache_clear()
    L._adult_frame.cache_clear()

    def refuse(*args, **kwargs):
        raise AssertionError("a loader tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert len(load_compas()) == 7214
    assert len(load_adult(subset="test")) == 16281


# --------------------------------------------------------------------------------------
# COMPAS
# --------------------------------------------------------------------------------------
def test_compas_shape_columns_and_dtypes():
    df = load_compas()
    assert isinstance(df, pd.DataFrame)
    assert df.shape == (7214, 20)
    assert isinstance(df.index, pd.RangeIndex)
    raw = _raw_rows("compas-two-years.csv.gz")
    assert list(df.columns) == raw[0]
    assert len(raw) - 1 == 7214
    for col in ("id", "age", "priors_count", "decile_score", "two_year_recid", "is_recid"):
        assert df[col].dtype == np.dtype("int64"), col
    for col in ("days_b_screening_arrest", "length_of_stay_days"):
        assert df[col].dtype == np.dtype("float64"), col
    for col in ("sex", "race", "age_cat", "c_charge_degree", "c_charge_desc", "score_text"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert df["score_text"].cat.ordered
    assert list(df["score_text"].cat.categories) == ["Low", "Medium", "High"]
    assert df["id"].is_unique


def test_compas_values_match_an_independent_parse():
    df = load_compas()
    raw = _raw_rows("compas-two-years.csv.gz")
    header, rows = raw[0], raw[1:]
    cols = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    for name in ("race", "sex", "score_text", "c_charge_degree", "age_cat"):
        assert df[name].astype(str).tolist() == cols[name], name
    for name in ("decile_score", "two_year_recid", "priors_count", "id"):
        assert df[name].tolist() == [int(v) for v in cols[name]], name
    days = np.array([float(v) if v else np.nan for v in cols["days_b_screening_arrest"]])
    np.testing.assert_array_equal(df["days_b_screening_arrest"].to_numpy(), days)
    assert int(np.isnan(days).sum()) == 307


def test_compas_high_risk_is_decile_five_or_more():
    df = load_compas()
    assert ((df["decile_score"] >= 5) == (df["score_text"] != "Low")).all()


def test_propublica_filter_reproduces_the_notebook_counts():
    filtered = propublica_filter(load_compas())
    assert len(filtered) == 6172
    # Tabulations printed in ProPublica's notebook after the filter.
    assert filtered["race"].value_counts().to_dict() == {
        "African-American": 3175,
        "Caucasian": 2103,
        "Hispanic": 509,
        "Other": 343,
        "Asian": 31,
        "Native American": 11,
    }
    assert filtered["sex"].value_counts().to_dict() == {"Male": 4997, "Female": 1175}
    assert filtered["score_text"].value_counts().to_dict() == {
        "Low": 3421,
        "Medium": 1607,
        "High": 1144,
    }
    assert filtered["age_cat"].value_counts().to_dict() == {
        "25 - 45": 3532,
        "Less than 25": 1347,
        "Greater than 45": 1293,
    }
    assert int(filtered["two_year_recid"].sum()) == 2809


def test_propublica_filter_matches_a_direct_pandas_filter_and_keeps_index_and_dtypes():
    df = load_compas()
    expected = df[
        (df["days_b_screening_arrest"] <= 30)
        & (df["days_b_screening_arrest"] >= -30)
        & (df["is_recid"] != -1)
        & (df["c_charge_degree"] != "O")
        & (df["score_text"] != "N/A")
    ]
    got = propublica_filter(df)
    _assert_same(got, expected)
    assert (got.dtypes == df.dtypes).all()


def test_propublica_filter_applies_each_condition():
    df = pd.DataFrame(
        {
            "days_b_screening_arrest": [0.0, 30.0, -30.0, 31.0, -31.0, np.nan, 0.0, 0.0, 0.0],
            "is_recid": [0, 1, 0, 0, 0, 0, -1, 0, 0],
            "c_charge_degree": ["F", "M", "F", "F", "F", "F", "F", "O", "F"],
            "score_text": ["Low", "High", "Medium", "Low", "Low", "Low", "Low", "Low", "N/A"],
        },
        index=list("abcdefghi"),
    )
    before = df.copy()
    got = propublica_filter(df)
    assert list(got.index) == ["a", "b", "c"]
    pd.testing.assert_frame_equal(df, before)


def test_loaders_do_not_share_state_and_filter_does_not_mutate():
    first = load_compas()
    snapshot = first.copy()
    first.loc[0, "decile_score"] = 99
    first["race"] = "changed"
    _assert_same(load_compas(), snapshot)
    again = load_compas()
    propublica_filter(again)
    _assert_same(again, snapshot)

    adult = load_adult()
    adult_snapshot = adult.copy()
    adult.loc[0, "age"] = -1
    _assert_same(load_adult(), adult_snapshot)


def test_compas_bunch():
    bunch = load_compas(as_frame=False)
    assert isinstance(bunch, Bunch)
    assert bunch.frame.shape == (7214, 20)
    assert bunch.target_name == "two_year_recid"
    pd.testing.assert_series_equal(bunch.target, bunch.frame["two_year_recid"])
    pd.testing.assert_series_equal(bunch.scores, bunch.frame["decile_score"])
    assert list(bunch.sensitive_features.columns) == ["race", "sex"]
    assert list(bunch.data.columns) == bunch.feature_names
    leaked = {"two_year_recid", "is_recid", "decile_score", "score_text", "id"}
    assert not leaked & set(bunch.feature_names)
    assert "ProPublica" in bunch.DESCR


def test_compas_errors():
    with pytest.raises(TypeError) as err:
        load_compas(as_frame="yes")
    assert str(err.value) == L.AS_FRAME_TYPE_ERROR.format(value="yes")
    with pytest.raises(TypeError) as err:
        propublica_filter([1, 2])
    assert str(err.value) == L.FILTER_TYPE_ERROR.format(type_name="list")
    df = load_compas().drop(columns=["is_recid", "score_text"])
    with pytest.raises(ValueError) as err:
        propublica_filter(df)
    assert str(err.value) == L.FILTER_COLUMNS_ERROR.format(missing=["is_recid", "score_text"])


def test_unknown_category_is_an_error_not_a_silent_nan():
    frame = pd.DataFrame({"race": ["White", "Martian"]})
    with pytest.raises(ValueError) as err:
        L._to_category(frame, "race", ["White"], ordered=False, file="x.gz")
    assert str(err.value) == L.UNKNOWN_CATEGORY_ERROR.format(
        file="x.gz", values=["Martian"], column="race"
    )


# --------------------------------------------------------------------------------------
# Adult
# --------------------------------------------------------------------------------------
def _names_categories() -> dict[str, list[str]]:
    """The category lists declared in the bundled adult.names file."""
    text = DATA.joinpath("adult.names").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line.startswith("|") or ":" not in line:
            continue
        name, _, values = line.partition(":")
        values = values.strip().rstrip(".")
        if values != "continuous":
            out[name.strip()] = [v.strip() for v in values.split(",")]
    return out


def test_adult_row_counts_and_published_summary():
    train, test, both = (load_adult(subset=s) for s in ("train", "test", "all"))
    assert (len(train), len(test), len(both)) == (32561, 16281, 48842)
    # adult.names: 45222 rows without unknowns (train 30162, test 15060); 23.93% >50K.
    assert (len(train.dropna()), len(test.dropna()), len(both.dropna())) == (30162, 15060, 45222)
    assert round(100 * both["income_above_50k"].mean(), 2) == 23.93
    assert isinstance(both.index, pd.RangeIndex)
    _assert_same(both.iloc[len(train) :].reset_index(drop=True), test)


def test_adult_columns_dtypes_and_categories_follow_adult_names():
    df = load_adult(subset="all")
    declared = _names_categories()
    assert list(df.columns) == [*declared_order(), "income", "income_above_50k"]
    for name, cats in declared.items():
        assert isinstance(df[name].dtype, pd.CategoricalDtype), name
        assert sorted(df[name].cat.categories) == sorted(cats), name
    assert sorted(df["income"].cat.categories) == ["<=50K", ">50K"]
    assert df["education"].cat.ordered
    # education is ordered exactly as education-num
    codes = df["education"].cat.codes.to_numpy()
    np.testing.assert_array_equal(codes + 1, df["education-num"].to_numpy())
    for name in ("age", "fnlwgt", "education-num", "capital-gain", "capital-loss"):
        assert df[name].dtype == np.dtype("int64"), name
    assert df["income_above_50k"].dtype == np.dtype("int64")
    assert set(df.columns[df.isna().any()]) == {"workclass", "occupation", "native-country"}


def declared_order() -> list[str]:
    text = DATA.joinpath("adult.names").read_text(encoding="utf-8")
    return [
        line.partition(":")[0].strip()
        for line in text.splitlines()
        if not line.startswith("|") and line.endswith(".") and ":" in line
    ]


def test_adult_values_match_an_independent_parse_of_the_raw_files():
    for subset, file, skip in (("train", "adult.data.gz", 0), ("test", "adult.test.gz", 1)):
        rows = _raw_rows(file)[skip:]
        df = load_adult(subset=subset)
        assert len(rows) == len(df)
        labels = [r[-1].rstrip(".") for r in rows]
        assert df["income"].astype(str).tolist() == labels
        assert df["income_above_50k"].tolist() == [int(v == ">50K") for v in labels]
        unknown = [r[6] == "?" for r in rows]
        assert df["occupation"].isna().tolist() == unknown
        known = df["occupation"].dropna().astype(str).tolist()
        assert known == [r[6] for r in rows if r[6] != "?"]
        assert df["hours-per-week"].tolist() == [int(r[12]) for r in rows]
        assert not any(str(v).endswith(".") for v in df["income"].unique())
        assert not any(" " in str(v) for v in df["native-country"].dropna().unique())


def test_adult_bunch_and_errors():
    bunch = load_adult(subset="test", as_frame=False)
    assert bunch.data.shape == (16281, 14)
    assert bunch.target_name == "income_above_50k"
    assert list(bunch.sensitive_features.columns) == ["race", "sex"]
    assert "income" not in bunch.feature_names
    for bad in ("validation", None, 3):
        with pytest.raises(ValueError) as err:
            load_adult(subset=bad)
        assert str(err.value) == L.ADULT_SUBSET_ERROR.format(value=bad)
    with pytest.raises(TypeError) as err:
        load_adult(as_frame=1)
    assert str(err.value) == L.AS_FRAME_TYPE_ERROR.format(value=1)
