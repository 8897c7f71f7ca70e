"""``audit_model(X_train=, y_train=)``: the overfitting-by-group audit stored with the
result, in its JSON form and its report."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.tree import DecisionTreeClassifier

import fairaudit

SCHEMA = fairaudit.AuditResult.json_schema()


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(0)
    n = 1200
    group = rng.choice(["big", "small"], n, p=[0.85, 0.15])
    X = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "group": group})
    logit = X["x1"] - 0.5 * X["x2"] + np.where(group == "small", 0.8 * X["x2"], 0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    train, test = np.arange(n) < 800, np.arange(n) >= 800
    model = DecisionTreeClassifier(random_state=0).fit(X.loc[train, ["x1", "x2"]], y[train])
    return X, y, train, test, model


def _features(X):
    return X[["x1", "x2"]]


def _audit(split, **kwargs):
    X, y, train, test, model = split
    return fairaudit.audit_model(
        model,
        _features(X[test]),
        y[test],
        sensitive_features=X.loc[test, "group"],
        X_train=_features(X[train]),
        y_train=y[train],
        sensitive_features_train=X.loc[train, "group"],
        n_bootstrap=20,
        random_state=0,
        **kwargs,
    )


def test_the_stored_gap_is_generalization_gap_called_directly(split):
    X, y, train, test, model = split
    result = _audit(split, confidence_level=0.9)
    direct = fairaudit.generalization_gap(
        model,
        _features(X[train]),
        y[train],
        _features(X[test]),
        y[test],
        sensitive_features_train=X.loc[train, "group"],
        sensitive_features_test=X.loc[test, "group"],
        confidence_level=0.9,
    )
    assert isinstance(result.generalization, fairaudit.GeneralizationGap)
    pd.testing.assert_frame_equal(result.generalization.table, direct.table)
    assert result.generalization.confidence_level == 0.9
    # and against scikit-learn's accuracy, per group, on each side
    for side, mask in (("train", train), ("test", test)):
        for g in ("big", "small"):
            rows = mask & (X["group"] == g).to_numpy()
            pred = model.predict(_features(X[rows]))
            value = result.generalization.table.loc[(g, "accuracy"), side]
            assert value == pytest.approx(accuracy_score(y[rows], pred), abs=1e-12)


def test_column_names_serve_both_sets_and_a_threshold_is_the_audited_rule(split):
    X, y, train, test, _ = split
    model = LogisticRegression().fit(X.loc[train, ["x1", "x2"]], y[train])
    data = X.copy()
    data["group"] = data["group"].astype(str)

    class OnFeatures:  # a model that ignores the group column of its input
        classes_ = model.classes_

        def predict_proba(self, frame):
            return model.predict_proba(frame[["x1", "x2"]])

        def predict(self, frame):
            return model.predict(frame[["x1", "x2"]])

    wrapped = OnFeatures()
    result = fairaudit.audit_model(
        wrapped,
        data[test],
        y[test],
        sensitive_features="group",
        X_train=data[train],
        y_train=y[train],
        threshold=0.7,
        n_bootstrap=0,
    )
    table = result.generalization.table
    for side, mask in (("train", train), ("test", test)):
        for g in ("big", "small"):
            rows = mask & (data["group"] == g).to_numpy()
            decided = model.predict_proba(data.loc[rows, ["x1", "x2"]])[:, 1] >= 0.7
            tpr = decided[y[rows] == 1].mean()
            assert table.loc[(g, "true_positive_rate"), side] == pytest.approx(tpr, abs=1e-12)
    # the audit's own rates are those of the same rule on the held-out rows
    assert result.by_group.loc["small", "true_positive_rate"] == pytest.approx(
        table.loc[("small", "true_positive_rate"), "test"], abs=1e-12
    )


def test_json_round_trip_schema_and_report(split):
    result = _audit(split)
    document = json.loads(result.to_json())
    jsonschema.Draft7Validator(SCHEMA).validate(document)
    again = fairaudit.AuditResult.from_json(result.to_json())
    pd.testing.assert_frame_equal(
        again.generalization.table, result.generalization.table, check_index_type=False
    )
    assert again.generalization.metrics == result.generalization.metrics
    broken = json.loads(result.to_json())
    broken["generalization"]["table"]["columns"] = ["train", "test"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)
    html = result.to_html()
    assert html.count('id="overfitting-by-group"') == 1
    largest = result.generalization.most_overfit("accuracy").index[0]
    assert f"Largest accuracy gap: {largest}" in html
    assert 'id="overfitting-by-group"' in again.to_html()


def test_without_training_rows_nothing_changes(split):
    X, y, _, test, model = split
    result = fairaudit.audit_model(
        model, _features(X[test]), y[test], sensitive_features=X.loc[test, "group"], n_bootstrap=0
    )
    assert result.generalization is None
    assert 'id="overfitting-by-group"' not in result.to_html()


@pytest.mark.parametrize(
    "given, message",
    [
        ({"X_train": "X"}, "X_train was given without y_train"),
        ({"y_train": "y"}, "y_train was given without X_train"),
        ({"sensitive_features_train": "g"}, "sensitive_features_train was given without X_train"),
        ({"X_train": "X", "y_train": "y"}, "sensitive_features_train is required with X_train"),
    ],
)
def test_incomplete_training_data_is_refused_clearly(split, given, message):
    X, y, train, test, model = split
    values = {"X": _features(X[train]), "y": y[train], "g": X.loc[train, "group"]}
    kwargs = {k: values[v] for k, v in given.items()}
    with pytest.raises(ValueError, match=message):
        fairaudit.audit_model(
            model, _features(X[test]), y[test], sensitive_features=X.loc[test, "group"], **kwargs
        )
