"""Reweighing and Resampling: closed forms, cell counts, alignment, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from fairaudit.mitigation import Resampling, Reweighing, reweighing_weights
from fairaudit.mitigation._base import ERR_DROP_NEEDS_NAMES, ERR_PARAM
from fairaudit.mitigation._resampling import ERR_PREFERENTIAL_WEIGHTS, expected_counts
from fairaudit.mitigation._reweighing import WARN_ONE_LABEL


@pytest.fixture(scope="module")
def biased():
    """Three groups with very different base rates; a 3-class label for the multi-class case."""
    rng = np.random.default_rng(11)
    n = 3000
    g = rng.choice(np.array(["a", "b", "c"]), size=n, p=[0.5, 0.3, 0.2])
    shift = pd.Series({"a": 0.8, "b": 0.0, "c": -0.8})[g].to_numpy()
    X = rng.normal(size=(n, 4)) + shift[:, None] * 0.5
    y = (X[:, 0] + shift + rng.normal(size=n) > 0.4).astype(int)
    y3 = np.digitize(X[:, 0] + shift + rng.normal(size=n), [-0.5, 0.7])
    w = rng.uniform(0.2, 3.0, n)
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2", "x3"])
    return frame, y, y3, g, w


def _closed_form(y, g, w):
    """P(g) P(y) / P(g, y) from a weighted crosstab (independent of the code under test)."""
    df = pd.DataFrame({"g": g, "y": y, "w": w})
    joint = df.groupby(["g", "y"])["w"].sum() / df["w"].sum()
    pg = df.groupby("g")["w"].sum() / df["w"].sum()
    py = df.groupby("y")["w"].sum() / df["w"].sum()
    cell = pd.Series([pg[a] * py[b] / joint[(a, b)] for a, b in joint.index], index=joint.index)
    return cell, df["w"].to_numpy() * cell.loc[list(zip(g, y, strict=True))].to_numpy()


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("labels", ["binary", "three"])
def test_reweighing_weights_equal_closed_form(biased, weighted, labels):
    frame, y2, y3, g, w = biased
    y = y2 if labels == "binary" else y3
    w = w if weighted else np.ones(len(y))
    cell, per_row = _closed_form(y, g, w)
    mit = Reweighing(LogisticRegression(max_iter=500)).fit(
        frame, y, sensitive_features=g, sample_weight=w if weighted else None
    )
    np.testing.assert_allclose(mit.sample_weight_, per_row, rtol=1e-12)
    for (a, b), value in cell.items():
        assert mit.weights_.loc[a, b] == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(
        reweighing_weights(y, sensitive_features=g, sample_weight=w), per_row, rtol=1e-12
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_reweighted_label_rates_equal_across_groups(biased, weighted):
    frame, y, y3, g, w = biased
    user = w if weighted else None
    rw = reweighing_weights(y, sensitive_features=g, sample_weight=user)
    base = w if weighted else np.ones(len(y))
    overall = np.sum(base * y) / np.sum(base)
    raw = [np.sum(base[g == k] * y[g == k]) / np.sum(base[g == k]) for k in "abc"]
    assert max(raw) - min(raw) > 0.3  # the data are strongly biased
    for k in "abc":
        m = g == k
        assert np.sum(rw[m] * y[m]) / np.sum(rw[m]) == pytest.approx(overall, abs=1e-12)
    # three classes: every class has the same weighted share in every group
    rw3 = reweighing_weights(y3, sensitive_features=g)
    for c in range(3):
        shares = [np.sum(rw3[(g == k) & (y3 == c)]) / np.sum(rw3[g == k]) for k in "abc"]
        assert max(shares) - min(shares) < 1e-12


def test_reweighing_does_not_mutate_inputs(biased):
    frame, y, _, g, w = biased
    copies = frame.copy(), y.copy(), g.copy(), w.copy()
    Reweighing(LogisticRegression(max_iter=500)).fit(
        frame, y, sensitive_features=g, sample_weight=w
    )
    pd.testing.assert_frame_equal(frame, copies[0])
    for a, b in zip((y, g, w), copies[1:], strict=True):
        np.testing.assert_array_equal(a, b)


def test_drop_sensitive_hides_the_column_from_the_estimator(biased):
    frame, y, _, g, _ = biased
    X = frame.assign(group=(g == "a").astype(int))
    kept = Reweighing(LogisticRegression(max_iter=500)).fit(X, y, sensitive_features="group")
    dropped = Reweighing(LogisticRegression(max_iter=500), drop_sensitive=True).fit(
        X, y, sensitive_features="group"
    )
    assert list(kept.estimator_.feature_names_in_) == ["x0", "x1", "x2", "x3", "group"]
    assert list(dropped.estimator_.feature_names_in_) == ["x0", "x1", "x2", "x3"]
    assert list(dropped.feature_names_in_) == list(X.columns)
    oracle = LogisticRegression(max_iter=500).fit(
        X.drop(columns="group"), y, sample_weight=dropped.sample_weight_
    )
    np.testing.assert_array_equal(dropped.predict(X), oracle.predict(X.drop(columns="group")))
    with pytest.raises(ValueError) as err:
        Reweighing(LogisticRegression(), drop_sensitive=True).fit(
            X, y, sensitive_features=X["group"].to_numpy()
        )
    assert str(err.value) == ERR_DROP_NEEDS_NAMES


def test_reweighing_warns_for_a_group_with_one_label():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    g = np.repeat(["p", "q"], 100)
    y = np.r_[rng.integers(0, 2, 100), np.ones(100, int)]
    with pytest.warns(UserWarning) as rec:
        Reweighing(LogisticRegression()).fit(X, y, sensitive_features=g)
    assert WARN_ONE_LABEL.format(groups=["q"]) in [str(r.message) for r in rec]


# --------------------------------------------------------------------------------------
# Resampling
# --------------------------------------------------------------------------------------
def test_expected_counts_round_to_the_total():
    counts = np.array([[13, 7], [2, 29], [5, 5]])
    got = expected_counts(counts)
    exact = np.outer(counts.sum(1), counts.sum(0)) / counts.sum()
    assert got.sum() == counts.sum()
    assert np.all(np.abs(got - exact) < 1)


@pytest.mark.parametrize("strategy", ["uniform", "preferential"])
def test_resampled_cells_have_expected_counts(biased, strategy):
    frame, y, _, g, _ = biased
    mit = Resampling(LogisticRegression(max_iter=500), strategy=strategy, random_state=0)
    mit.fit(frame, y, sensitive_features=g)
    idx = mit.sample_indices_
    assert len(idx) == len(y)
    ct = pd.crosstab(g, y)
    exact = np.outer(ct.sum(axis=1), ct.sum(axis=0)) / ct.to_numpy().sum()
    got = pd.crosstab(g[idx], y[idx]).reindex_like(ct).to_numpy()
    assert np.all(np.abs(got - exact) < 1)
    # the label is (up to rounding) independent of the group in the resampled data
    rates = pd.Series(y[idx]).groupby(g[idx]).mean()
    assert rates.max() - rates.min() < 3 / ct.sum(axis=1).min()
    table = mit.cell_counts_
    np.testing.assert_array_equal(table["resampled"].to_numpy(), got.ravel())
    np.testing.assert_allclose(table["expected"].to_numpy(), exact.ravel(), rtol=1e-12)


def test_uniform_resampling_keeps_or_duplicates_whole_cells(biased):
    frame, y, _, g, _ = biased
    mit = Resampling(LogisticRegression(max_iter=500), random_state=1).fit(
        frame, y, sensitive_features=g
    )
    counts = np.bincount(mit.sample_indices_, minlength=len(y))
    for k in "abc":
        for c in (0, 1):
            cell = (g == k) & (y == c)
            n_cell, target = cell.sum(), int(mit.cell_counts_.loc[(k, c), "resampled"])
            if target <= n_cell:  # subset without replacement
                assert counts[cell].max() <= 1
            else:  # every row kept, extra copies spread evenly
                assert counts[cell].min() >= target // n_cell
                assert counts[cell].max() <= target // n_cell + 1


def test_preferential_resampling_acts_on_borderline_rows(biased):
    frame, y, _, g, _ = biased
    mit = Resampling(LogisticRegression(max_iter=500), strategy="preferential", random_state=0).fit(
        frame, y, sensitive_features=g
    )
    score = mit.ranker_.predict_proba(frame)[:, 1]
    counts = np.bincount(mit.sample_indices_, minlength=len(y))
    checked = 0
    for k in "abc":
        for c in (0, 1):
            cell = np.flatnonzero((g == k) & (y == c))
            border = score[cell] if c == 1 else -score[cell]  # low = close to the boundary
            n_cell = len(cell)
            target = int(mit.cell_counts_.loc[(k, c), "resampled"])
            if target < n_cell:  # removed rows are all more borderline than kept rows
                removed, kept = counts[cell] == 0, counts[cell] > 0
                assert removed.sum() == n_cell - target
                assert border[removed].max() <= border[kept].min()
                checked += 1
            elif target > n_cell:  # extra copies go to the most borderline rows
                c_cell = counts[cell]
                assert c_cell.min() >= 1 and c_cell.sum() == target
                more = c_cell > c_cell.min()
                if more.any():
                    assert border[more].max() <= border[~more].min()
                checked += 1
    assert checked >= 4


def test_sample_indices_align_rows_and_fit_resample(biased):
    frame, y, _, g, _ = biased
    mit = Resampling(LogisticRegression(max_iter=500), random_state=5)
    X_res, y_res = mit.fit_resample(frame, y, sensitive_features=g)
    idx = mit.sample_indices_
    pd.testing.assert_frame_equal(X_res, frame.iloc[idx])
    np.testing.assert_array_equal(y_res, y[idx])
    again = Resampling(LogisticRegression(max_iter=500), drop_sensitive=True, random_state=5)
    again.fit(frame.assign(group=g), y, sensitive_features="group")
    np.testing.assert_array_equal(again.sample_indices_, idx)
    oracle = LogisticRegression(max_iter=500).fit(frame.iloc[idx], y[idx])
    np.testing.assert_array_equal(again.predict(frame.assign(group=g)), oracle.predict(frame))
    other = Resampling(LogisticRegression(), random_state=6).fit_resample(
        frame, y, sensitive_features=g
    )
    assert not np.array_equal(other[1], y_res) or not other[0].index.equals(X_res.index)


def test_weighted_uniform_resampling_follows_the_weights(biased):
    frame, y, _, g, w = biased
    mit = Resampling(DecisionTreeClassifier(max_depth=3), random_state=0)
    mit.fit(frame, y, sensitive_features=g, sample_weight=w)
    idx = mit.sample_indices_
    df = pd.DataFrame({"g": g, "y": y, "w": w})
    pw = df.groupby(["g", "y"])["w"].sum() / w.sum()
    target = (
        pw.groupby(level=0).sum().to_numpy()[:, None]
        * pw.groupby(level=1).sum().to_numpy()[None, :]
        * len(y)
    )
    got = pd.crosstab(g[idx], y[idx]).to_numpy()
    assert np.all(np.abs(got - target) < 1)
    # within a cell, heavy rows are drawn more often: mean weight of drawn rows is larger
    assert w[idx].mean() > w.mean() * 1.1


def test_resampling_errors(biased):
    frame, y, _, g, w = biased
    with pytest.raises(ValueError) as err:
        Resampling(LogisticRegression(), strategy="preferential").fit(
            frame, y, sensitive_features=g, sample_weight=w
        )
    assert str(err.value) == ERR_PREFERENTIAL_WEIGHTS
    with pytest.raises(ValueError) as err:
        Resampling(LogisticRegression(), strategy="smote").fit(frame, y, sensitive_features=g)
    assert str(err.value) == ERR_PARAM.format(
        name="strategy", value="smote", allowed=["uniform", "preferential"]
    )


def test_preprocessing_lowers_held_out_parity_gap(biased):
    """On fresh data from the same process, both mitigators shrink the selection-rate gap."""
    frame, y, _, g, _ = biased
    rng = np.random.default_rng(99)
    n = len(y)
    train, test = np.arange(n) < n // 2, np.arange(n) >= n // 2

    def gap(pred, groups):
        rates = pd.Series(pred).groupby(groups).mean()
        return rates.max() - rates.min()

    Xtr, Xte = frame[train], frame[test]
    base = LogisticRegression(max_iter=500).fit(Xtr, y[train])
    base_gap = gap(base.predict(Xte), g[test])
    for mit in (
        Reweighing(LogisticRegression(max_iter=500)),
        Resampling(LogisticRegression(max_iter=500), random_state=int(rng.integers(100))),
    ):
        mit.fit(Xtr, y[train], sensitive_features=g[train])
        assert gap(mit.predict(Xte), g[test]) < 0.75 * base_gap


def test_parameter_errors(biased):
    from fairaudit.mitigation import ThresholdOptimizer
    from fairaudit.mitigation._base import ERR_DROP_TYPE, ERR_NO_ESTIMATOR, ERR_Y_NONE
    from fairaudit.mitigation._threshold import ERR_TOLERANCE

    frame, y, _, g, _ = biased
    with pytest.raises(ValueError) as err:
        Reweighing().fit(frame, y, sensitive_features=g)
    assert str(err.value) == ERR_NO_ESTIMATOR
    with pytest.raises(TypeError) as err:
        Reweighing(LogisticRegression(), drop_sensitive="yes").fit(frame, y, sensitive_features=g)
    assert str(err.value) == ERR_DROP_TYPE.format(value="yes")
    with pytest.raises(ValueError) as err:
        Resampling(LogisticRegression()).fit(frame, None, sensitive_features=g)
    assert str(err.value) == ERR_Y_NONE
    with pytest.raises(ValueError) as err:
        ThresholdOptimizer(LogisticRegression(), tolerance=1.5).fit(frame, y, sensitive_features=g)
    assert str(err.value) == ERR_TOLERANCE.format(value=1.5)
