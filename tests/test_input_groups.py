"""Sensitive features: values read as written, the missing group, max_groups, intersections.

Oracles: counts and rates by pandas ``groupby`` (``dropna=False``), and closed forms.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.linear_model import LogisticRegression

import fairaudit
from fairaudit import _validation as v
from fairaudit._group_codes import (
    AUTO_MAX_GROUPS,
    ERR_MAX_GROUPS,
    ERR_MOSTLY_UNIQUE,
    ERR_SF_MIXED_TYPES,
    ERR_TOO_MANY_GROUPS,
    WARN_MISSING,
    WARN_MISSING_RENAMED,
    check_group_count,
)
from fairaudit.metrics import group_confusion_stats


def _exact(message: str) -> str:
    return f"^{re.escape(message)}$"


def _labels(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, n), rng.integers(0, 2, n)


# --- item: values read as written -------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "examples"),
    [
        ([1, "1", 2, "2"], "number (e.g. 1, 2); str (e.g. '1', '2')"),
        ([True, 1, False, 0], "bool (e.g. True, False); number (e.g. 1, 0)"),
        (["a", 2.5, "b", 2.5], "str (e.g. 'a', 'b'); number (e.g. 2.5)"),
        ([1, True, "x", None], "number (e.g. 1); bool (e.g. True); str (e.g. 'x')"),
    ],
)
def test_a_feature_mixing_types_is_refused_with_examples(values, examples):
    sf = np.array(values * 5, dtype=object)
    y, pred = _labels(len(sf))
    message = ERR_SF_MIXED_TYPES.format(name="sensitive_feature", examples=examples)
    with pytest.raises(TypeError, match=_exact(message)):
        fairaudit.audit(y, pred, sensitive_features=sf, n_bootstrap=0)


def test_mixed_types_are_refused_in_a_dict_and_in_categories():
    y, pred = _labels(8)
    message = ERR_SF_MIXED_TYPES.format(name="g", examples="number (e.g. 1); str (e.g. '1')")
    with pytest.raises(TypeError, match=_exact(message)):
        fairaudit.audit(y, pred, sensitive_features={"g": [1, "1"] * 4}, n_bootstrap=0)
    with pytest.raises(TypeError, match=_exact(message)):
        fairaudit.audit(
            y,
            pred,
            sensitive_features=pd.Series(pd.Categorical([1, "1"] * 4), name="g"),
            n_bootstrap=0,
        )


def test_ints_and_floats_are_one_number():
    sf = np.array([1, 1.0, 2, 2.0, 1, 2] * 10, dtype=object)
    y, pred = _labels(len(sf))
    r = fairaudit.audit(y, pred, sensitive_features=sf, n_bootstrap=0)
    assert r.by_group["count"].tolist() == [30, 30]
    expected = pd.Series(pred).groupby(sf.astype(float)).mean()
    np.testing.assert_allclose(r.by_group["selection_rate"].to_numpy(), expected.to_numpy())


def test_a_real_group_named_missing_never_merges_with_missing_values():
    g = pd.Series(["(missing)", None, "a", "(missing)", np.nan, "a", "(missing)"], name="g")
    y, pred = _labels(len(g))
    message = WARN_MISSING_RENAMED.format(name="g", k=2, label="(missing 2)", taken="(missing)")
    with pytest.warns(UserWarning, match=_exact(message)):
        r = fairaudit.audit(y, pred, sensitive_features=g, n_bootstrap=0)
    counts = r.by_group["count"]
    assert counts["(missing)"] == 3 and counts["(missing 2)"] == 2 and counts["a"] == 2
    assert r.meta["n_missing"] == {"g": 2}


def test_missing_values_form_the_last_group_with_the_usual_label():
    g = pd.Series([3, None, 1, 3, 1, 3], dtype="Int64", name="g")
    y, pred = _labels(len(g))
    with pytest.warns(
        UserWarning, match=_exact(WARN_MISSING.format(name="g", k=1, label="(missing)"))
    ):
        r = fairaudit.audit(y, pred, sensitive_features=g, n_bootstrap=0)
    assert r.by_group.index.tolist() == [1, 3, "(missing)"]
    assert all(type(x) is int for x in r.by_group.index[:2])  # read as written, not 1.0


SF_ARRAYS = {
    "Series.values": lambda s: s.values,
    "Series.array": lambda s: s.array,
    "Categorical": lambda s: pd.Categorical(s),
    "string[pyarrow]": lambda s: pd.array(s, dtype="string[pyarrow]"),
    "large_string[pyarrow]": lambda s: pd.array(s, dtype=pd.ArrowDtype(pa.large_string())),
    "object ndarray": lambda s: s.to_numpy(dtype=object),
}


@pytest.mark.parametrize("kind", list(SF_ARRAYS))
@pytest.mark.parametrize("in_dict", [False, True])
def test_sensitive_features_in_any_pandas_array(kind, in_dict):
    rng = np.random.default_rng(2)
    s = pd.Series(rng.choice(["a", "b", "c"], 300))
    y, pred = _labels(300)
    values = SF_ARRAYS[kind](s)
    r = fairaudit.audit(
        y, pred, sensitive_features={"g": values} if in_dict else values, n_bootstrap=0
    )
    expected = pd.Series(pred).groupby(s).agg(["size", "mean"])
    assert r.by_group.index.tolist() == ["a", "b", "c"]
    assert r.by_group["count"].tolist() == expected["size"].tolist()
    np.testing.assert_allclose(r.by_group["selection_rate"].to_numpy(), expected["mean"])


@pytest.mark.parametrize(
    ("make", "labels"),
    [
        (lambda a: pd.array(a, dtype="Int64"), [1, 2]),
        (
            lambda a: pd.array([None if x is None else x == 2 for x in a], dtype="boolean"),
            [False, True],
        ),
        (
            lambda a: pd.array([None if x is None else str(x) for x in a], dtype="string[pyarrow]"),
            ["1", "2"],
        ),
        (lambda a: pd.array(a, dtype="int64[pyarrow]"), [1, 2]),
    ],
)
@pytest.mark.parametrize("in_dict", [False, True])
def test_pd_na_in_a_sensitive_feature_is_the_missing_group(make, labels, in_dict):
    raw = [1, 2, None, 1, 2, 2, None, 1] * 5
    values = make(raw)
    assert values.isna().sum() == 10  # pd.NA, not NaN
    y, pred = _labels(len(raw))
    with pytest.warns(UserWarning, match="missing value"):
        r = fairaudit.audit(
            y, pred, sensitive_features={"g": values} if in_dict else values, n_bootstrap=0
        )
    assert r.by_group.index.tolist() == [*labels, "(missing)"]
    assert r.by_group["count"].tolist() == [15, 15, 10]
    assert r.meta["n_missing"] == {"g" if in_dict else "sensitive_feature": 10}


def test_dict_features_of_different_lengths_name_the_feature():
    message = v.ERR_SF_DICT_LENGTH.format(name="b", got=3, ref="a", n=4)
    with pytest.raises(ValueError, match=_exact(message)):
        v.encode_groups({"a": [1, 2, 3, 4], "b": pd.array([1, 2, 3], dtype="Int64")})


# --- item: a score used as a sensitive feature; max_groups ------------------------------------


def test_a_score_as_sensitive_feature_is_refused():
    rng = np.random.default_rng(4)
    score = rng.random(500)
    y, pred = _labels(500)
    message = ERR_MOSTLY_UNIQUE.format(what="sensitive feature 'score'", k=500, n=500)
    with pytest.raises(ValueError, match=_exact(message)):
        fairaudit.audit(y, pred, sensitive_features=pd.Series(score, name="score"), n_bootstrap=0)
    # the fixes the message names: bin it, or raise max_groups
    binned = pd.cut(score, bins=5)
    r = fairaudit.audit(y, pred, sensitive_features=pd.Series(binned, name="score"), n_bootstrap=0)
    assert r.by_group["count"].sum() == 500 and len(r.by_group) == 5
    r = fairaudit.audit(
        y,
        pred,
        sensitive_features=pd.Series(score, name="score"),
        n_bootstrap=0,
        max_groups=500,
        min_group_size=1,
    )
    assert len(r.by_group) == 500
    assert r.config["max_groups"] == 500


def test_more_groups_than_max_groups_is_refused():
    g = np.arange(200) % 20
    y, pred = _labels(200)
    message = ERR_TOO_MANY_GROUPS.format(
        what="sensitive feature 'sensitive_feature'", k=20, limit=10
    )
    with pytest.raises(ValueError, match=_exact(message)):
        fairaudit.audit(y, pred, sensitive_features=g, max_groups=10, n_bootstrap=0)
    r = fairaudit.audit(y, pred, sensitive_features=g, max_groups=20, n_bootstrap=0)
    assert len(r.by_group) == 20


def test_the_check_applies_to_the_intersection():
    rng = np.random.default_rng(6)
    n = 1000
    sf = pd.DataFrame({"a": rng.integers(0, 40, n), "b": rng.integers(0, 40, n)})
    k = len(sf.drop_duplicates())  # about 750 cells present: mostly unique
    y, pred = _labels(n)
    message = ERR_MOSTLY_UNIQUE.format(
        what="the intersection of the sensitive features 'a', 'b'", k=k, n=n
    )
    with pytest.raises(ValueError, match=_exact(message)):
        fairaudit.audit(y, pred, sensitive_features=sf, n_bootstrap=0)
    # each feature within max_groups, their intersection not
    small = sf % 10
    k = len(small.drop_duplicates())
    message = ERR_TOO_MANY_GROUPS.format(
        what="the intersection of the sensitive features 'a', 'b'", k=k, limit=50
    )
    with pytest.raises(ValueError, match=_exact(message)):
        fairaudit.audit(y, pred, sensitive_features=small, max_groups=50, n_bootstrap=0)


def test_small_data_with_many_tiny_groups_is_accepted():
    # 60 rows in 50 groups: below the number of groups the uniqueness rule needs
    g = np.concatenate([np.arange(50), np.arange(10)]).astype(str)
    y, pred = _labels(60)
    r = fairaudit.audit(y, pred, sensitive_features=g, n_bootstrap=0)
    assert len(r.by_group) == 50
    assert r.config["max_groups"] == "auto"


def test_the_default_allows_100000_groups_of_10_rows():
    codes = np.repeat(np.arange(100_000), 10)
    g = v.encode_groups(codes, max_groups="auto")
    assert g.n_groups == 100_000
    np.testing.assert_array_equal(np.bincount(g.codes), np.full(100_000, 10))
    check_group_count(100_000, 1_000_000, "x", "auto")  # the intersection rule too
    assert AUTO_MAX_GROUPS >= 100_000


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "many", None])
def test_max_groups_is_validated(bad):
    y, pred = _labels(10)
    with pytest.raises(ValueError, match=_exact(ERR_MAX_GROUPS.format(value=bad))):
        fairaudit.audit(y, pred, sensitive_features=[0, 1] * 5, max_groups=bad, n_bootstrap=0)


def test_audit_model_takes_max_groups():
    rng = np.random.default_rng(8)
    X = pd.DataFrame({"x": rng.normal(size=400), "id": np.arange(400)})
    y = (X.x + rng.normal(size=400) > 0).astype(int)
    model = LogisticRegression().fit(X[["x"]].to_numpy(), y)

    class OnX:  # predicts from column x only
        classes_ = model.classes_

        def predict(self, X):
            return model.predict(X[["x"]].to_numpy())

    message = ERR_MOSTLY_UNIQUE.format(what="sensitive feature 'id'", k=400, n=400)
    with pytest.raises(ValueError, match=_exact(message)):
        fairaudit.audit_model(OnX(), X, y, sensitive_features="id", n_bootstrap=0)
    r = fairaudit.audit_model(
        OnX(), X, y, sensitive_features="id", max_groups=400, n_bootstrap=0, min_group_size=1
    )
    assert len(r.by_group) == 400 and r.config["max_groups"] == 400


def test_audit_model_keeps_the_missing_count_of_named_columns():
    X = pd.DataFrame({"x": np.linspace(-1, 1, 40), "g": ["a", None, "b", "b"] * 10})
    y = (X.x > 0).astype(int)

    class Sign:
        classes_ = np.array([0, 1])

        def predict(self, X):
            return (X["x"].to_numpy() > 0.1).astype(int)

    with pytest.warns(
        UserWarning, match=_exact(WARN_MISSING.format(name="g", k=10, label="(missing)"))
    ):
        r = fairaudit.audit_model(Sign(), X, y, sensitive_features="g", n_bootstrap=0)
    assert r.meta["n_missing"] == {"g": 10}


# --- item: five features of 10,000 values each --------------------------------------------------


def _five_features(n: int = 50_000, repeat: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(9)
    m = n // repeat
    return pd.DataFrame(
        {f"f{j}": np.tile(rng.permutation(np.arange(m) % 10_000), repeat) for j in range(5)}
    )


def test_five_features_of_10000_values_combine_step_by_step():
    sf = _five_features(repeat=2)  # every intersection present at least twice
    assert all(sf[c].nunique() == 10_000 for c in sf)
    g = v.encode_groups(sf, max_groups=100_000)
    # oracle: pandas numbers the intersections present in lexicographic order
    expected = sf.groupby(list(sf.columns), sort=True).ngroup().to_numpy()
    np.testing.assert_array_equal(g.codes, expected)
    present = sf.drop_duplicates().sort_values(list(sf.columns)).reset_index(drop=True)
    assert g.labels.to_frame(index=False).astype(np.int64).equals(present)
    for j, name in enumerate(sf.columns):  # each feature on its own, for the marginals
        np.testing.assert_array_equal(g.feature_codes[j], sf[name].to_numpy())
    y, pred = _labels(len(sf))
    stats, labels = group_confusion_stats(y, pred, sensitive_features=sf)
    cells = pd.crosstab(expected, 2 * y + pred).reindex(columns=range(4), fill_value=0)
    np.testing.assert_array_equal(stats.n, cells.to_numpy())
    assert len(labels) == len(present)


def test_five_features_with_the_default_give_a_clear_error():
    sf = _five_features()  # every row its own intersection
    k = len(sf.drop_duplicates())
    y, pred = _labels(len(sf))
    what = "the intersection of the sensitive features 'f0', 'f1', 'f2', 'f3', 'f4'"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            ValueError, match=_exact(ERR_MOSTLY_UNIQUE.format(what=what, k=k, n=len(sf)))
        ):
            fairaudit.audit(y, pred, sensitive_features=sf, n_bootstrap=0)


@pytest.mark.parametrize("categories", [["b", "a", "c", "unused"], [30, 10, 20, 99]])
def test_categorical_features_equal_their_values(categories):
    """Categorical features are encoded from their own codes; the groups, their order and
    every count equal those of the same values as plain objects (unused categories left out,
    missing values their own group)."""
    rng = np.random.default_rng(8)
    n = 3000
    raw = rng.choice(categories[:3], n).astype(object)
    raw[rng.random(n) < 0.05] = None
    cat = pd.Series(pd.Categorical(raw, categories=categories), name="g")
    other = pd.Series(pd.Categorical(rng.choice(["x", "y"], n)), name="h")
    y, pred = _labels(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a = fairaudit.audit(
            y, pred, sensitive_features=pd.concat([cat, other], axis=1), n_bootstrap=0
        )
        b = fairaudit.audit(
            y,
            pred,
            sensitive_features=pd.DataFrame({"g": cat.astype(object), "h": other.astype(object)}),
            n_bootstrap=0,
        )
    pd.testing.assert_frame_equal(a.by_group, b.by_group)
    assert "unused" not in a.marginals["g"].by_group.index
    counts = pd.Series(raw).fillna("(missing)").value_counts()
    assert a.marginals["g"].by_group["count"].to_dict() == counts.to_dict()
