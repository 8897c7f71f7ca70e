"""The one helper each for the positive-class score of an estimator, column names given as
``sensitive_features``, and methods that take ``sensitive_features``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from fairaudit._estimators import is_column_names, positive_scores, takes_sensitive_features
from fairaudit.mitigation import ThresholdOptimizer


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    return X, y


def test_scores_are_the_positive_column_of_predict_proba(data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(positive_scores(model, X), proba[:, 1])
    np.testing.assert_array_equal(positive_scores(model, X, pos_index=0), proba[:, 0])
    # asked for the decision function, it is the decision function
    np.testing.assert_array_equal(
        positive_scores(model, X, response_method="decision_function"), model.decision_function(X)
    )


def test_scores_fall_back_to_the_decision_function(data):
    X, y = data
    model = LinearSVC().fit(X, y)
    assert not hasattr(model, "predict_proba")
    np.testing.assert_array_equal(positive_scores(model, X), model.decision_function(X))
    # the first class positive: larger scores mean the first class, so the sign flips
    np.testing.assert_array_equal(
        positive_scores(model, X, pos_index=0), -model.decision_function(X)
    )
    assert positive_scores(model, X, response_method="predict_proba") is None


def test_no_scores_and_a_refused_method():
    class LabelsOnly:
        def predict(self, X):
            return np.zeros(len(X))

    class Broken(LabelsOnly):
        def predict_proba(self, X):
            raise NotImplementedError

    X = np.zeros((4, 1))
    assert positive_scores(LabelsOnly(), X) is None
    assert positive_scores(Broken(), X) is None
    with pytest.raises(ValueError, match="response_method='proba' is not valid"):
        positive_scores(DummyClassifier().fit(X, [0, 1, 0, 1]), X, response_method="proba")


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("sex", True),
        (["sex", "race"], True),
        (("sex",), True),
        ([], False),
        (["sex", 1], False),
        (np.array(["a", "b"]), False),
        (pd.Series(["a", "b"]), False),
        (None, False),
        ([1, 0], False),
    ],
)
def test_column_names(value, names):
    assert is_column_names(value) is names


def test_which_methods_take_sensitive_features(data):
    X, y = data
    assert takes_sensitive_features(ThresholdOptimizer(LogisticRegression()).predict)
    assert not takes_sensitive_features(LogisticRegression().fit(X, y).predict)
    assert not takes_sensitive_features(len)  # a builtin without a signature
