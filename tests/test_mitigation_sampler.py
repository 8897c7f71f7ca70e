"""ResamplingSampler: a pure sampler, in imbalanced-learn pipelines whatever the import order;
Resampling's fitted state after fit_resample."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from fairaudit.mitigation import Resampling, ResamplingSampler

ROOT = Path(__file__).resolve().parents[1]


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b"], size=n, p=[0.6, 0.4])
    X = rng.normal(size=(n, 3)) + (g == "b")[:, None] * 0.5
    y = (X[:, 0] + 0.8 * (g == "a") + rng.normal(size=n) > 0.6).astype(int)
    return X, y, g


@pytest.mark.parametrize("strategy", ["uniform", "preferential"])
def test_sampler_draws_the_rows_resampling_draws(strategy):
    X, y, g = _data()
    sampler = ResamplingSampler(strategy=strategy, ranker=LogisticRegression(), random_state=3)
    X_res, y_res = sampler.fit_resample(X, y, sensitive_features=g)
    model = Resampling(LogisticRegression(), strategy=strategy, random_state=3).fit(
        X, y, sensitive_features=g
    )
    np.testing.assert_array_equal(sampler.sample_indices_, model.sample_indices_)
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])
    # label and group are (nearly) independent after resampling: cells at their expectation
    counts = sampler.cell_counts_
    assert (np.abs(counts["resampled"] - counts["expected"]) <= 1).all()
    assert not hasattr(sampler, "predict") and not hasattr(sampler, "fit")


def test_resampling_is_fitted_only_after_fit():
    X, y, g = _data()
    model = Resampling(LogisticRegression(), random_state=0)
    model.fit_resample(X, y, sensitive_features=g)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with pytest.raises(NotFittedError):
        model.predict(X)
    model.fit(X, y, sensitive_features=g)
    check_is_fitted(model)
    assert model.predict(X).shape == (len(y),)


def test_sampler_errors_name_the_fix():
    X, y, g = _data()
    with pytest.raises(ValueError, match="sensitive_features is required"):
        ResamplingSampler().fit_resample(X, y)
    with pytest.raises(ValueError, match="does not take sample_weight"):
        ResamplingSampler(strategy="preferential").fit_resample(
            X, y, sensitive_features=g, sample_weight=np.ones(len(y))
        )
    with pytest.raises(ValueError, match="strategy"):
        ResamplingSampler(strategy="smote").fit_resample(X, y, sensitive_features=g)


PIPELINE_SCRIPT = """
import numpy as np
import sklearn
{imports}
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(0)
n = 500
g = rng.choice(["a", "b"], size=n, p=[0.6, 0.4])
X = rng.normal(size=(n, 3)) + (g == "b")[:, None] * 0.5
y = (X[:, 0] + 0.8 * (g == "a") + rng.normal(size=n) > 0.6).astype(int)

# imbalanced-learn passes metadata to a sampler's fit_resample only with routing enabled
# with metadata routing: the sampler requests sensitive_features
with sklearn.config_context(enable_metadata_routing=True):
    sampler = ResamplingSampler(random_state=1).set_fit_resample_request(sensitive_features=True)
    pipe = Pipeline([("fair", sampler), ("model", LogisticRegression())])
    pipe.fit(X, y, sensitive_features=g)
    idx = pipe.named_steps["fair"].sample_indices_
    assert len(idx) == n and not np.array_equal(idx, np.arange(n))
    oracle = LogisticRegression().fit(X[idx], y[idx])
    assert np.allclose(pipe.named_steps["model"].coef_, oracle.coef_)
    # the same rows as the sampler alone
    alone = ResamplingSampler(random_state=1)
    alone.fit_resample(X, y, sensitive_features=g)
    assert np.array_equal(alone.sample_indices_, idx)
    assert pipe.predict(X).shape == (n,)
from fairaudit.mitigation import Resampling

assert hasattr(Resampling(), "set_fit_resample_request")
print("ok")
"""


@pytest.mark.parametrize("order", ["imblearn_first", "fairaudit_first"])
def test_imbalanced_learn_pipeline_in_either_import_order(order):
    pytest.importorskip("imblearn")
    imports = ["import imblearn", "from fairaudit.mitigation import ResamplingSampler"]
    if order == "fairaudit_first":
        imports.reverse()
    script = PIPELINE_SCRIPT.format(imports="\n".join(imports))
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
