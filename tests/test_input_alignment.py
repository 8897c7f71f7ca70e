"""Row inputs: pandas index alignment, every pandas array type, weights that overflow.

Oracles: rates computed with pandas ``groupby`` on a frame whose rows were joined by hand
(``.loc`` on the index), closed forms, and the audit of the same data in plain numpy arrays.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import fairaudit
from fairaudit import _validation as v
from fairaudit._alignment import (
    ERR_ALIGN_DUPLICATES,
    ERR_ALIGN_LABELS,
    ERR_ALIGN_POSITIONAL,
    align_rows,
)
from fairaudit.metrics import demographic_parity_difference
from fairaudit.mitigation import Reweighing, ThresholdOptimizer, compare, reweighing_weights


def _frame() -> pd.DataFrame:
    # selection rates 0.2 (F) and 0.8 (M): a pairing by position after a shuffle would show
    # other rates, and each group gets both predictions (no single-prediction warning)
    return pd.DataFrame(
        {
            "sex": ["F"] * 50 + ["M"] * 50,
            "y": [0, 1] * 50,
            "pred": [1] * 10 + [0] * 40 + [1] * 40 + [0] * 10,
        }
    )


def _selection_rates(sex: pd.Series, pred: pd.Series) -> pd.Series:
    """Selection rate per group, rows joined on the index by pandas."""
    joined = pd.DataFrame({"sex": sex, "pred": pred})  # pandas aligns on the index
    return joined.groupby("sex")["pred"].mean()


# --- item: pandas index alignment ----------------------------------------------------------


def test_shuffled_series_are_paired_by_index_label():
    df = _frame()
    s = df.sample(frac=1, random_state=0)
    truth = _selection_rates(df.sex, s.pred)
    assert truth["F"] == pytest.approx(0.2) and truth["M"] == pytest.approx(0.8)
    r = fairaudit.audit(df.y, s.pred, sensitive_features=df.sex, n_bootstrap=0)
    assert r.verdict == "fail"
    np.testing.assert_allclose(r.by_group["selection_rate"].to_numpy(), truth.to_numpy())
    crit = r.criteria.set_index("criterion")
    assert crit.loc["demographic_parity_difference", "value"] == pytest.approx(0.6)


def test_alignment_follows_the_first_pandas_argument():
    df = _frame()
    s = df.sample(frac=1, random_state=0)
    # the same rows in the order of s, given with identical indexes: nothing to align
    in_s_order = fairaudit.audit(s.y, s.pred, sensitive_features=s.sex, n_bootstrap=0)
    mixed = fairaudit.audit(s.y, df.pred, sensitive_features=df.sex, n_bootstrap=0)
    assert mixed.meta["data_hash"] == in_s_order.meta["data_hash"]
    in_df_order = fairaudit.audit(df.y, df.pred, sensitive_features=df.sex, n_bootstrap=0)
    other = fairaudit.audit(df.y, s.pred, sensitive_features=s.sex, n_bootstrap=0)
    assert other.meta["data_hash"] == in_df_order.meta["data_hash"]


def test_every_row_input_is_aligned():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n),
            "h": rng.choice(["x", "y"], n),
            "y": rng.integers(0, 2, n),
            "score": rng.random(n),
            "w": rng.uniform(0.5, 2, n),
        }
    )
    df["pred"] = (df.score > 0.5).astype(int)
    df.index = rng.permutation(10 * n)[:n]  # arbitrary unique labels
    shuffled = [df.sample(frac=1, random_state=k) for k in range(5)]
    r = fairaudit.audit(
        df.y,
        shuffled[0].pred,
        y_score=shuffled[1].score,
        sample_weight=shuffled[2].w,
        sensitive_features={"g": shuffled[3].g, "h": shuffled[4].h},
        n_bootstrap=0,
    )
    # oracle: weighted selection rate and mean score per group, by pandas
    sw = df.w * df.pred
    expected = sw.groupby([df.g, df.h]).sum() / df.w.groupby([df.g, df.h]).sum()
    np.testing.assert_allclose(r.by_group["selection_rate"].to_numpy(), expected.to_numpy())
    ms = (df.w * df.score).groupby([df.g, df.h]).sum() / df.w.groupby([df.g, df.h]).sum()
    np.testing.assert_allclose(r.by_group["mean_score"].to_numpy(), ms.to_numpy())


def test_a_sensitive_dataframe_is_aligned_as_a_whole():
    df = _frame()
    s = df.sample(frac=1, random_state=1)
    r = fairaudit.audit(df.y, df.pred, sensitive_features=s[["sex"]], n_bootstrap=0)
    truth = _selection_rates(s.sex, df.pred)
    np.testing.assert_allclose(r.by_group["selection_rate"].to_numpy(), truth.to_numpy())


def test_different_label_sets_are_refused_with_counts_and_examples():
    df = _frame()
    other = df.pred.set_axis(range(5, 105))  # labels 100..104 replace 0..4
    message = ERR_ALIGN_LABELS.format(
        first="y_true", other="y_pred", k=5, n=100, examples="0, 1, 2"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fairaudit.audit(df.y, other, sensitive_features=df.sex, n_bootstrap=0)


def test_plain_array_mixed_with_disagreeing_pandas_orders_is_refused():
    df = _frame()
    s = df.sample(frac=1, random_state=0)
    message = ERR_ALIGN_POSITIONAL.format(plain="y_pred", pandas="y_true and sensitive_features")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fairaudit.audit(df.y, s.pred.to_numpy(), sensitive_features=s.sex, n_bootstrap=0)


def test_plain_arrays_stay_positional_when_pandas_indexes_agree():
    df = _frame()
    s = df.sample(frac=1, random_state=0)
    r = fairaudit.audit(s.y, s.pred.to_numpy(), sensitive_features=s.sex.tolist(), n_bootstrap=0)
    truth = s.groupby("sex")["pred"].mean()
    np.testing.assert_allclose(r.by_group["selection_rate"].to_numpy(), truth.to_numpy())


def test_repeated_labels_align_only_when_indexes_are_identical():
    df = _frame().set_axis([i // 2 for i in range(100)])  # every label twice
    r = fairaudit.audit(df.y, df.pred, sensitive_features=df.sex, n_bootstrap=0)
    assert r.by_group["selection_rate"].tolist() == pytest.approx([0.2, 0.8])
    s = df.iloc[::-1]
    message = ERR_ALIGN_DUPLICATES.format(first="y_true", other="y_pred", examples="0, 1, 2")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fairaudit.audit(df.y, s.pred, sensitive_features=df.sex, n_bootstrap=0)


def test_polars_inputs_are_positional():
    pl = pytest.importorskip("polars")
    df = _frame().sample(frac=1, random_state=0)  # a pandas index that is not 0..n-1
    r = fairaudit.audit(
        pl.Series(df.y.to_numpy()),
        df.pred,
        sensitive_features=pl.Series("sex", df.sex.to_list()),
        n_bootstrap=0,
    )
    truth = df.groupby("sex")["pred"].mean()
    np.testing.assert_allclose(r.by_group["selection_rate"].to_numpy(), truth.to_numpy())


def test_identical_indexes_take_the_fast_path():
    df = _frame().sample(frac=1, random_state=0)
    y, pred, sf = df["y"], df["pred"], {"sex": df["sex"]}
    rows = align_rows({"y_true": y, "y_pred": pred, "sensitive_features": sf})
    assert rows["y_true"] is y and rows["y_pred"] is pred  # not reindexed, not copied
    assert rows["sensitive_features"] is sf


def test_the_callers_data_is_not_modified():
    df = _frame()
    s = df.sample(frac=1, random_state=0)
    before_df, before_s = df.copy(), s.copy()
    sf = {"sex": s.sex}
    fairaudit.audit(df.y, s.pred, sensitive_features=sf, sample_weight=s.y + 1, n_bootstrap=0)
    pd.testing.assert_frame_equal(df, before_df)
    pd.testing.assert_frame_equal(s, before_s)
    assert list(sf) == ["sex"]
    pd.testing.assert_series_equal(sf["sex"], before_s.sex)


def test_functional_metrics_align_too():
    df = _frame()
    s = df.sample(frac=1, random_state=0)
    dpd = demographic_parity_difference(df.y, s.pred, sensitive_features=df.sex)
    assert dpd == pytest.approx(0.6)  # paired by position, the shuffle would give about 0


def _model_data():
    rng = np.random.default_rng(11)
    n = 600
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    sex = pd.Series(rng.choice(["F", "M"], n), name="sex")
    y = pd.Series((X.a + 0.8 * (sex == "M") + rng.normal(size=n) > 0.4).astype(int), name="y")
    X["sex_m"] = (sex == "M").astype(int)
    perm = rng.permutation(n)
    return X.iloc[perm], y, sex  # X shuffled; y and sex in the original order


def test_audit_model_pairs_y_and_groups_with_the_rows_of_X():
    X, y, sex = _model_data()
    model = LogisticRegression().fit(X.sort_index(), y)
    r = fairaudit.audit_model(model, X, y, sensitive_features=sex, n_bootstrap=0)
    pred = pd.Series(model.predict(X), index=X.index)  # predictions follow X
    joined = pd.DataFrame({"y": y, "pred": pred, "sex": sex})  # joined on the index
    tpr = joined[joined.y == 1].groupby("sex")["pred"].mean()
    np.testing.assert_allclose(r.by_group["true_positive_rate"].to_numpy(), tpr.to_numpy())
    acc = (joined.y == joined.pred).groupby(joined.sex).mean()
    np.testing.assert_allclose(r.by_group["accuracy"].to_numpy(), acc.to_numpy())


def test_audit_model_with_positional_X_refuses_disagreeing_pandas_orders():
    X, y, sex = _model_data()
    model = LogisticRegression().fit(X.sort_index(), y)
    message = ERR_ALIGN_POSITIONAL.format(plain="X", pandas="y and sensitive_features")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fairaudit.audit_model(
            model, X.to_numpy(), y, sensitive_features=sex.sample(frac=1), n_bootstrap=0
        )


def test_reweighing_pairs_y_groups_and_weights_with_X():
    X, y, sex = _model_data()
    w = pd.Series(np.linspace(0.5, 2.0, len(y)))
    by_hand = Reweighing(LogisticRegression()).fit(
        X, y.loc[X.index], sensitive_features=sex.loc[X.index], sample_weight=w.loc[X.index]
    )
    aligned = Reweighing(LogisticRegression()).fit(X, y, sensitive_features=sex, sample_weight=w)
    np.testing.assert_allclose(aligned.sample_weight_, by_hand.sample_weight_)
    # closed form of Kamiran & Calders: every (group, label) cell reaches P(g) P(y) W
    yy, gg = y.loc[X.index].to_numpy(), sex.loc[X.index].to_numpy()
    ww = w.loc[X.index].to_numpy()
    total = ww.sum()
    for g in ("F", "M"):
        for label in (0, 1):
            cell = (gg == g) & (yy == label)
            p_g, p_y = ww[gg == g].sum() / total, ww[yy == label].sum() / total
            assert aligned.sample_weight_[cell].sum() == pytest.approx(p_g * p_y * total)


def test_reweighing_weights_follow_the_order_of_y():
    _, y, sex = _model_data()
    s = sex.sample(frac=1, random_state=2)
    np.testing.assert_allclose(
        reweighing_weights(y, sensitive_features=s), reweighing_weights(y, sensitive_features=sex)
    )


def test_threshold_optimizer_aligns_in_fit_and_predict():
    X, y, sex = _model_data()
    by_hand = ThresholdOptimizer(LogisticRegression(), random_state=0).fit(
        X, y.loc[X.index], sensitive_features=sex.loc[X.index]
    )
    aligned = ThresholdOptimizer(LogisticRegression(), random_state=0).fit(
        X, y, sensitive_features=sex
    )
    pd.testing.assert_frame_equal(aligned.operating_points_, by_hand.operating_points_)
    np.testing.assert_array_equal(
        aligned.predict(X, sensitive_features=sex),
        by_hand.predict(X, sensitive_features=sex.loc[X.index].to_numpy()),
    )
    assert aligned.score(X, y, sensitive_features=sex) == pytest.approx(
        by_hand.score(X, y.loc[X.index].to_numpy(), sensitive_features=sex.loc[X.index])
    )


def test_compare_aligns_the_held_out_labels_and_groups():
    X, y, sex = _model_data()
    half = len(X) // 2
    X_tr, X_te = X.iloc[:half], X.iloc[half:]
    kw = dict(mitigators=[Reweighing(LogisticRegression())], n_bootstrap=0, random_state=0)
    # labels and groups in index order, X in another order
    aligned = compare(
        LogisticRegression(),
        X_tr,
        y.loc[X_tr.index].sort_index(),
        X_te,
        y.loc[X_te.index].sort_index(),
        sensitive_features_train=sex.loc[X_tr.index].sort_index(),
        sensitive_features_test=sex.loc[X_te.index].sort_index(),
        **kw,
    )
    by_hand = compare(
        LogisticRegression(),
        X_tr,
        y.loc[X_tr.index],
        X_te,
        y.loc[X_te.index].to_numpy(),
        sensitive_features_train=sex.loc[X_tr.index],
        sensitive_features_test=sex.loc[X_te.index].to_numpy(),
        **kw,
    )
    cols = ["accuracy", "demographic_parity_difference"]
    pd.testing.assert_frame_equal(aligned.table[cols], by_hand.table[cols])


# --- item: every pandas array type is accepted where a Series is ----------------------------


def _plain_case():
    rng = np.random.default_rng(5)
    n = 300
    return (
        rng.integers(0, 2, n),
        rng.integers(0, 2, n),
        rng.random(n).round(2),
        rng.integers(1, 4, n).astype(float),
        rng.choice(["a", "b", "c"], n),
    )


ARRAYS = {
    "Int64": lambda a: pd.array(a, dtype="Int64"),
    "boolean": lambda a: pd.array(a.astype(bool), dtype="boolean"),
    "int64[pyarrow]": lambda a: pd.array(a, dtype="int64[pyarrow]"),
    "Categorical": lambda a: pd.Categorical(a),
    "Series.array": lambda a: pd.Series(a).array,
    "Series.values": lambda a: pd.Series(a).values,
}


@pytest.mark.parametrize("kind", list(ARRAYS))
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_labels_in_any_pandas_array(kind, arg):
    y, pred, _, _, g = _plain_case()
    base = fairaudit.audit(y, pred, sensitive_features=g, n_bootstrap=0)
    kw = {"y_true": y, "y_pred": pred}
    kw[arg] = ARRAYS[kind](kw[arg])
    r = fairaudit.audit(**kw, sensitive_features=g, n_bootstrap=0)
    pd.testing.assert_frame_equal(r.by_group, base.by_group)


@pytest.mark.parametrize("kind", ["Float64", "double[pyarrow]", "Series.array"])
def test_scores_and_weights_in_any_pandas_array(kind):
    y, pred, score, w, g = _plain_case()
    make = {
        "Float64": lambda a: pd.array(a, dtype="Float64"),
        "double[pyarrow]": lambda a: pd.array(a, dtype="double[pyarrow]"),
        "Series.array": lambda a: pd.Series(a).array,
    }[kind]
    base = fairaudit.audit(
        y, pred, y_score=score, sample_weight=w, sensitive_features=g, n_bootstrap=0
    )
    r = fairaudit.audit(
        y, pred, y_score=make(score), sample_weight=make(w), sensitive_features=g, n_bootstrap=0
    )
    pd.testing.assert_frame_equal(r.by_group, base.by_group)


def test_string_labels_from_values_under_pandas_3():
    y, pred, _, _, g = _plain_case()
    frame = pd.DataFrame(
        {"y": np.where(y == 1, "yes", "no"), "p": np.where(pred == 1, "yes", "no")}
    )
    r = fairaudit.audit(
        frame["y"].values, frame["p"].array, pos_label="yes", sensitive_features=g, n_bootstrap=0
    )
    base = fairaudit.audit(y, pred, sensitive_features=g, n_bootstrap=0)
    pd.testing.assert_frame_equal(r.by_group, base.by_group)


@pytest.mark.parametrize("dtype", ["Int64", "boolean", "string[pyarrow]", "str"])
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_pd_na_in_labels_is_a_missing_value(dtype, arg):
    y, pred, _, _, g = _plain_case()
    kw: dict = {"y_true": y, "y_pred": pred}
    values = kw[arg].astype(object)
    if dtype in ("string[pyarrow]", "str"):
        values = np.where(values == 1, "1", "0").astype(object)
    values[[3, 7]] = None
    kw[arg] = pd.array(values, dtype=dtype)
    if dtype in ("string[pyarrow]", "str"):
        kw = {k: np.asarray(val).astype(str) if k != arg else val for k, val in kw.items()}
        kw["pos_label"] = "1"
    message = v.ERR_NAN_LABEL.format(name=arg, k=2)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fairaudit.audit(**kw, sensitive_features=g, n_bootstrap=0)


def test_pd_na_in_scores_and_weights_is_a_missing_value():
    y, pred, score, w, g = _plain_case()
    s = pd.array(score, dtype="Float64")
    s[4] = pd.NA
    with pytest.raises(ValueError, match=f"^{re.escape(v.ERR_SCORE_NAN.format(k=1))}$"):
        fairaudit.audit(y, pred, y_score=s, sensitive_features=g, n_bootstrap=0)
    b = pd.array(w > 1, dtype="boolean")
    b[0] = pd.NA
    with pytest.raises(ValueError, match=f"^{re.escape(v.ERR_WEIGHT_NAN.format(k=1))}$"):
        fairaudit.audit(y, pred, sample_weight=b, sensitive_features=g, n_bootstrap=0)


# --- item: weights whose sums overflow ------------------------------------------------------


def test_weights_whose_sum_overflows_are_refused():
    df = _frame()
    message = v.ERR_WEIGHT_OVERFLOW.format(what="sum of the weights", big=1e307)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fairaudit.audit(
            df.y,
            df.pred,
            sensitive_features=df.sex,
            sample_weight=np.full(100, 1e307),
            n_bootstrap=0,
        )


def test_weights_whose_sum_of_squares_overflows_are_refused():
    df = _frame()
    message = v.ERR_WEIGHT_OVERFLOW.format(
        what="sum of squares of the weights (used for effective sample sizes)", big=1e200
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fairaudit.audit(
            df.y,
            df.pred,
            sensitive_features=df.sex,
            sample_weight=np.full(100, 1e200),
            ci_method="wilson",
        )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Reweighing(LogisticRegression()).fit(
            df[["y"]], df.y, sensitive_features=df.sex, sample_weight=np.full(100, 1e200)
        )


def test_weights_whose_squares_underflow_are_refused():
    df = _frame()
    message = v.ERR_WEIGHT_UNDERFLOW.format(big=1e-200)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fairaudit.audit(
            df.y,
            df.pred,
            sensitive_features=df.sex,
            sample_weight=np.full(100, 1e-200),
            n_bootstrap=0,
        )


def test_rescaled_weights_give_the_same_rates():
    # the fix the message suggests: equal weights, however large, are the unweighted audit
    df = _frame()
    rng = np.random.default_rng(0)
    w = rng.uniform(1, 3, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow on the way
        big = fairaudit.audit(
            df.y,
            df.pred,
            sensitive_features=df.sex,
            sample_weight=w * 1e150,
            ci_method="wilson",
            n_bootstrap=0,
        )
    small = fairaudit.audit(
        df.y, df.pred, sensitive_features=df.sex, sample_weight=w, ci_method="wilson", n_bootstrap=0
    )
    cols = ["selection_rate", "true_positive_rate", "accuracy"]
    np.testing.assert_allclose(big.by_group[cols].to_numpy(), small.by_group[cols].to_numpy())
    # closed form: weighted selection rate per group
    sel = pd.Series(w * df.pred).groupby(df.sex).sum() / pd.Series(w).groupby(df.sex).sum()
    np.testing.assert_allclose(small.by_group["selection_rate"].to_numpy(), sel.to_numpy())
