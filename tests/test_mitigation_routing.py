"""Metadata routing: the mitigators pass metadata an inner Pipeline step requests to it."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from fairaudit.mitigation import (
    ConstrainedClassifier,
    Resampling,
    Reweighing,
    ThresholdOptimizer,
)


class Tagger(TransformerMixin, BaseEstimator):
    """A step that requests a custom key, ``tag``, and records what it got."""

    def fit(self, X, y=None, *, tag=None):
        self.tag_ = None if tag is None else np.asarray(tag).copy()
        return self

    def transform(self, X):
        return X


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b"], size=n)
    X = rng.normal(size=(n, 2)) + (g == "b")[:, None]
    y = (X[:, 0] + rng.normal(size=n) > 0.5).astype(int)
    return X, y, g, np.arange(n) * 10  # the tag identifies each row


def _pipe(routing: bool):
    tagger, lr = Tagger(), LogisticRegression()
    if routing:
        tagger = tagger.set_fit_request(tag=True)
        lr = lr.set_fit_request(sample_weight=True)
    return Pipeline([("tag", tagger), ("lr", lr)])


MITIGATORS = {
    "ThresholdOptimizer": lambda est: ThresholdOptimizer(est, random_state=0),
    "Reweighing": lambda est: Reweighing(est),
    "Resampling": lambda est: Resampling(est, random_state=0),
    "ConstrainedClassifier": lambda est: ConstrainedClassifier(est, max_iter=3, random_state=0),
}


def _inner_tags(name, model):
    """The tag(s) the fitted Tagger step(s) received."""
    if name == "ConstrainedClassifier":
        return [p.named_steps["tag"].tag_ for p in model.predictors_]
    return [model.estimator_.named_steps["tag"].tag_]


def _expected(name, model, tag):
    return tag[model.sample_indices_] if name == "Resampling" else tag


@pytest.mark.parametrize("name", list(MITIGATORS))
def test_custom_key_reaches_the_inner_step_with_routing(name):
    X, y, g, tag = _data()
    with sklearn.config_context(enable_metadata_routing=True):
        model = MITIGATORS[name](_pipe(True)).set_fit_request(sensitive_features=True)
        model.fit(X, y, sensitive_features=g, tag=tag)
        for got in _inner_tags(name, model):
            np.testing.assert_array_equal(got, _expected(name, model, tag))
        # and through GridSearchCV, which routes to the mitigator by its routing
        inner = MITIGATORS[name](_pipe(True)).set_fit_request(sensitive_features=True)
        if name == "ThresholdOptimizer":  # its score needs the groups too
            inner = inner.set_score_request(sensitive_features=True)
        search = GridSearchCV(
            inner,
            {"estimator__lr__C": [1.0]},
            cv=2,
            error_score="raise",
        )
        search.fit(X, y, sensitive_features=g, tag=tag)
        best = search.best_estimator_
        for got in _inner_tags(name, best):
            np.testing.assert_array_equal(got, _expected(name, best, tag))


@pytest.mark.parametrize("name", list(MITIGATORS))
def test_step_parameters_pass_through_without_routing(name):
    X, y, g, tag = _data()
    model = MITIGATORS[name](_pipe(False)).fit(X, y, sensitive_features=g, tag__tag=tag)
    for got in _inner_tags(name, model):  # every refit of ConstrainedClassifier got it
        np.testing.assert_array_equal(got, _expected(name, model, tag))


def test_unrequested_metadata_is_an_error_naming_it():
    X, y, g, tag = _data()
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline([("tag", Tagger()), ("lr", LogisticRegression())])
        model = ThresholdOptimizer(pipe).set_fit_request(sensitive_features=True)
        with pytest.raises(Exception, match="tag"):
            model.fit(X, y, sensitive_features=g, tag=tag)


def test_routing_declares_the_inner_requests():
    with sklearn.config_context(enable_metadata_routing=True):
        model = Reweighing(_pipe(True)).set_fit_request(sensitive_features=True)
        routing = model.get_metadata_routing()
        assert routing.consumes("fit", ["tag"]) == {"tag"}
        assert routing.consumes("fit", ["sensitive_features"]) == {"sensitive_features"}
