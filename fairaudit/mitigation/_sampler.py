"""A pure sampler: Kamiran & Calders' resampling of (group, label) cells, nothing fitted after.

:class:`ResamplingSampler` has ``fit_resample`` and no prediction method, so it is a step of
an imbalanced-learn ``Pipeline`` (before any estimator) and never mistaken for a
classifier. It declares its ``set_fit_resample_request`` itself, so metadata routing reaches
it whether imbalanced-learn is imported before or after fairaudit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils._metadata_requests import RequestMethod

from ._base import MitigatorMixin, check_choice, take_rows
from ._resampling import ERR_PREFERENTIAL_WEIGHTS, STRATEGIES, make_rng, resample_cells


class ResamplingSampler(MitigatorMixin, BaseEstimator):
    """Sampler: resize every (group, label) cell to its size under independence.

    The same sampling as :class:`Resampling` (Kamiran & Calders, 2012), as a sampler with
    ``fit_resample(X, y, *, sensitive_features)`` for imbalanced-learn pipelines::

        from imblearn.pipeline import Pipeline
        Pipeline([("fair", ResamplingSampler(random_state=0)), ("model", LogisticRegression())])
        pipe.fit(X, y, fair__sensitive_features=groups)

    or, with metadata routing enabled,
    ``ResamplingSampler().set_fit_resample_request(sensitive_features=True)`` and
    ``pipe.fit(X, y, sensitive_features=groups)``.

    Parameters
    ----------
    strategy : {"uniform", "preferential"}, default "uniform"
        See :class:`Resampling`.
    ranker : classifier, optional
        For ``"preferential"``: the model whose scores rank the rows. Default:
        ``LogisticRegression(max_iter=1000)``.
    random_state : None, int or numpy Generator
        Seeds the sampling.

    Attributes
    ----------
    sample_indices_ : ndarray of int
        Row positions of the resampled data, sorted.
    cell_counts_ : pandas.DataFrame
        Per (group, label): ``original``, ``expected`` and ``resampled`` counts.
    ranker_ : classifier
        The fitted ranker (preferential only).
    classes_, groups_, n_features_in_
    """

    drop_sensitive = False  # a sampler returns X as given

    #: ``set_fit_resample_request(sensitive_features=..., sample_weight=...)``, declared
    #: here rather than added by imbalanced-learn at import time, so the import order
    #: does not matter.
    set_fit_resample_request = RequestMethod(
        "fit_resample", ["sample_weight", "sensitive_features"]
    )

    # a consumer of metadata, not a router: it has no inner estimator
    get_metadata_routing = BaseEstimator.get_metadata_routing

    def __init__(
        self, *, strategy: str = "uniform", ranker: Any = None, random_state: Any = None
    ) -> None:
        self.strategy = strategy
        self.ranker = ranker
        self.random_state = random_state

    def fit_resample(
        self, X: Any, y: Any, *, sensitive_features: Any = None, sample_weight: Any = None
    ) -> tuple[Any, np.ndarray]:
        """Resample the rows.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of X
            Required.
        sample_weight : array-like, optional
            Only with ``strategy="uniform"``: cell sizes from the weighted shares, rows drawn
            in proportion to their weight.

        Returns
        -------
        X_resampled, y_resampled
            Rows ``sample_indices_`` of ``X`` (as given) and of ``y``.
        """
        strategy = check_choice("strategy", self.strategy, STRATEGIES)
        if strategy == "preferential" and sample_weight is not None:
            raise ValueError(ERR_PREFERENTIAL_WEIGHTS)
        X_inner, y_arr, groups, w = self._prepare(X, y, sensitive_features, sample_weight)
        ranker = None
        if strategy == "preferential":
            ranker = self.ranker if self.ranker is not None else LogisticRegression(max_iter=1000)
        out = resample_cells(
            X_inner,
            y_arr,
            groups,
            w,
            strategy,
            ranker,
            make_rng(self.random_state),
            "ResamplingSampler",
        )
        if out["ranker"] is not None:
            self.ranker_ = out["ranker"]
        self.cell_counts_ = out["cell_counts"]
        self.sample_indices_ = out["sample_indices"]
        self.classes_ = out["classes"]
        idx = out["sample_indices"]
        return take_rows(X, idx), y_arr[idx]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # X is only indexed (a preferential ranker checks it)
        tags.input_tags.sparse = True
        return tags
