"""Resampling (Kamiran & Calders, 2012): uniform and preferential sampling of (group, label) cells."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils._metadata_requests import RequestMethod

from .._estimators import positive_scores
from ._base import (
    DelegatingPredictMixin,
    MitigatorMixin,
    binary_labels,
    check_choice,
    inherit_input_tags,
    routed_params,
    take_params,
    take_rows,
)

STRATEGIES = ("uniform", "preferential")
ERR_PREFERENTIAL_WEIGHTS = (
    "Resampling(strategy='preferential') does not take sample_weight; use "
    "strategy='uniform' (which draws rows in proportion to their weight) or Reweighing."
)
ERR_NO_SCORES = (
    "the ranker {name} has neither predict_proba nor decision_function; preferential "
    "sampling ranks rows by a score. Pass ranker= a scoring classifier "
    "(e.g. LogisticRegression())."
)
WARN_EMPTY_CELL = (
    "the (group, label) cell(s) {cells} are empty but expected {expected} row(s) under "
    "independence; resampling cannot fill an empty cell, so the label stays dependent on "
    "the group there."
)


def make_rng(random_state: Any) -> np.random.Generator:
    """A numpy Generator from None, an int, a Generator or a RandomState."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return np.random.default_rng(random_state)


def expected_counts(counts: np.ndarray) -> np.ndarray:
    """Cell sizes under independence, ``n_g n_y / N``, rounded to integers summing to N.

    Rounding is by largest remainder, so each count is within 1 of its expectation.
    """
    total = counts.sum()
    exact = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / total
    base = np.floor(exact).astype(np.int64)
    short = int(round(total - base.sum()))
    if short > 0:
        order = np.argsort(-(exact - base), axis=None, kind="stable")[:short]
        base.ravel()[order] += 1
    return base


def scores_of(model: Any, X: Any) -> np.ndarray:
    """Score of the positive class: predict_proba[:, 1], else decision_function."""
    scores = positive_scores(model, X)
    if scores is None:
        raise TypeError(ERR_NO_SCORES.format(name=type(model).__name__))
    return scores


def resample_cells(
    X_rank: Any,
    y: np.ndarray,
    groups: Any,
    w: np.ndarray | None,
    strategy: str,
    ranker: Any,
    rng: np.random.Generator,
    who: str,
) -> dict[str, Any]:
    """Row positions of the resampled data and what a sampler reports about them.

    Parameters
    ----------
    X_rank : the rows the ranker is fitted on and scores (preferential only)
    y : labels; groups : encoded sensitive features; w : weights or None
    strategy : "uniform" or "preferential"; ranker : unfitted classifier (preferential)
    rng : Generator; who : the class name for messages

    Returns
    -------
    dict
        ``sample_indices`` (sorted), ``cell_counts`` (DataFrame), ``classes`` and ``ranker``
        (fitted, or None).
    """
    import pandas as pd

    if strategy == "preferential" and w is not None:
        raise ValueError(ERR_PREFERENTIAL_WEIGHTS)
    classes, y_codes = np.unique(y, return_inverse=True)
    n_classes, n_groups = len(classes), groups.n_groups
    cell = groups.codes * n_classes + y_codes
    counts = np.bincount(cell, minlength=n_groups * n_classes).reshape(n_groups, n_classes)
    if w is None:
        target = expected_counts(counts)
    else:
        wcounts = np.bincount(cell, w, n_groups * n_classes).reshape(n_groups, n_classes)
        target = expected_counts(wcounts / wcounts.sum() * len(y))
    empty = (counts == 0) & (target > 0)
    if empty.any():
        gi, ci = np.nonzero(empty)
        warnings.warn(
            WARN_EMPTY_CELL.format(
                cells=[(str(groups.labels[g]), classes[c]) for g, c in zip(gi, ci, strict=True)],
                expected=target[empty].tolist(),
            ),
            UserWarning,
            stacklevel=4,
        )
    order = np.argsort(cell, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(counts.ravel())])
    fitted_ranker = None
    if strategy == "preferential":
        y01 = binary_labels(y, classes, f"{who}(strategy='preferential')")
        fitted_ranker = clone(ranker).fit(X_rank, y)
        score = scores_of(fitted_ranker, X_rank)
    parts = []
    for c in range(n_groups * n_classes):
        rows = order[bounds[c] : bounds[c + 1]]
        n_c, t_c = len(rows), int(target.ravel()[c])
        if n_c == 0 or t_c == 0:
            continue
        if strategy == "uniform":
            if w is not None:
                p = w[rows] / w[rows].sum() if w[rows].sum() > 0 else None
                parts.append(rng.choice(rows, size=t_c, replace=True, p=p))
            elif t_c <= n_c:
                parts.append(rng.choice(rows, size=t_c, replace=False))
            else:
                copies, rest = divmod(t_c, n_c)
                parts.append(np.tile(rows, copies))
                parts.append(rng.choice(rows, size=rest, replace=False))
        else:
            # borderline first: lowest scores among positives, highest among negatives
            s = score[rows]
            positive = y01[rows[0]] == 1
            ranked = rows[np.argsort(s if positive else -s, kind="stable")]
            if t_c <= n_c:
                parts.append(ranked[n_c - t_c :])
            else:
                parts.append(rows)
                parts.append(ranked[np.arange(t_c - n_c) % n_c])
    idx = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    resampled = np.bincount(cell[idx], minlength=n_groups * n_classes).reshape(n_groups, n_classes)
    index = pd.MultiIndex.from_product(
        [
            groups.labels.to_flat_index() if groups.labels.nlevels > 1 else groups.labels,
            pd.Index(classes, name="label"),
        ],
        names=["group", "label"],
    )
    if w is None:
        exact = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / counts.sum()
    else:
        exact = np.outer(wcounts.sum(axis=1), wcounts.sum(axis=0)) / wcounts.sum() ** 2
        exact = exact * len(y)
    cell_counts = pd.DataFrame(
        {"original": counts.ravel(), "expected": exact.ravel(), "resampled": resampled.ravel()},
        index=index,
    )
    return {
        "sample_indices": idx,
        "cell_counts": cell_counts,
        "classes": classes,
        "ranker": fitted_ranker,
    }


class Resampling(
    MitigatorMixin, DelegatingPredictMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
    """Preprocessing mitigator for estimators without weights: resample (group, label) cells.

    Every (group, label) cell is resized to its expected size if label and group were
    independent, ``n_g n_y / N`` (rounded so the sizes sum to ``N``), and the estimator is
    fitted on the resampled rows, unweighted.

    - ``strategy="uniform"``: a cell that must shrink keeps a random subset of its rows; a
      cell that must grow keeps every row and adds random duplicates (whole copies first,
      then a random subset without replacement). With ``sample_weight``, the cell sizes use
      the weighted shares and the rows of a cell are drawn with replacement in proportion to
      their weight.
    - ``strategy="preferential"`` (binary labels): rows are ranked by a ranker's score for
      the positive class; the rows closest to the decision boundary (low-scoring positives,
      high-scoring negatives) are the ones removed from a cell that must shrink, or
      duplicated (cycling through them) in a cell that must grow.

    Parameters
    ----------
    estimator : classifier
    strategy : {"uniform", "preferential"}, default "uniform"
    ranker : classifier, optional
        For ``"preferential"``: the model whose scores rank the rows (fitted on the
        training data; needs ``predict_proba`` or ``decision_function``). Default: a clone of
        ``estimator``.
    drop_sensitive : bool, default False
        Drop the sensitive columns (given by name) from ``X`` before the estimator sees it.
    random_state : None, int or numpy Generator
        Seeds the sampling.

    Attributes
    ----------
    estimator_ : classifier
        Fitted on the resampled rows.
    sample_indices_ : ndarray of int
        Row positions (into the training data) of the resampled data, sorted; a row appears
        as many times as it was drawn. Use it to align any other per-row data.
    cell_counts_ : pandas.DataFrame
        Per (group, label): ``original`` and ``resampled`` counts and the ``expected`` count
        under independence.
    ranker_ : classifier
        The fitted ranker (preferential only).
    classes_, groups_, sensitive_columns_
        As for :class:`Reweighing`.
    """

    #: Declared here (imbalanced-learn adds it only to classes defined after its import).
    set_fit_resample_request = RequestMethod(
        "fit_resample", ["sample_weight", "sensitive_features"]
    )

    def __init__(
        self,
        estimator: Any = None,
        *,
        strategy: str = "uniform",
        ranker: Any = None,
        drop_sensitive: bool = False,
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.strategy = strategy
        self.ranker = ranker
        self.drop_sensitive = drop_sensitive
        self.random_state = random_state

    def _resample(
        self, X: Any, y: Any, sensitive_features: Any, sample_weight: Any
    ) -> tuple[Any, np.ndarray, np.ndarray]:
        strategy = check_choice("strategy", self.strategy, STRATEGIES)
        if strategy == "preferential" and sample_weight is not None:
            raise ValueError(ERR_PREFERENTIAL_WEIGHTS)
        X_inner, y, groups, w = self._prepare(X, y, sensitive_features, sample_weight)
        ranker = None
        if strategy == "preferential":
            ranker = self.ranker if self.ranker is not None else self._new_inner()
        out = resample_cells(
            X_inner, y, groups, w, strategy, ranker, make_rng(self.random_state), "Resampling"
        )
        if out["ranker"] is not None:
            self.ranker_ = out["ranker"]
        self.cell_counts_ = out["cell_counts"]
        self.sample_indices_ = out["sample_indices"]
        self.classes_ = out["classes"]
        return X_inner, y, out["sample_indices"]

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once the estimator is: ``fit_resample`` alone resamples but fits nothing."""
        return hasattr(self, "estimator_")

    def fit_resample(
        self, X: Any, y: Any, *, sensitive_features: Any = None, sample_weight: Any = None
    ) -> tuple[Any, np.ndarray]:
        """Resample without fitting the estimator.

        The model stays unfitted (``check_is_fitted`` raises, as ``predict`` does) until
        :meth:`fit`. For a sampler in an imbalanced-learn ``Pipeline`` use
        :class:`ResamplingSampler`, which is only a sampler.

        Returns
        -------
        X_resampled, y_resampled
            Rows ``sample_indices_`` of ``X`` (as given, sensitive columns included) and
            ``y``.
        """
        _, y_arr, idx = self._resample(X, y, sensitive_features, sample_weight)
        return take_rows(X, idx), y_arr[idx]

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
        **fit_params: Any,
    ) -> Resampling:
        """Resample the training data and fit the estimator on it.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of X
            Required.
        sample_weight : array-like of shape (n_samples,), optional
            Only with ``strategy="uniform"``; used in the sampling, not passed on.
        **fit_params : dict
            Other metadata for the estimator's fit: routed by its requests when metadata
            routing is enabled, passed as given otherwise; per-row values follow the
            resampled rows.

        Returns
        -------
        self
        """
        estimator = self._new_inner()
        params = routed_params(self, fit_params)
        X_inner, y_arr, idx = self._resample(X, y, sensitive_features, sample_weight)
        params = take_params(params, idx, len(y_arr))
        self.estimator_ = estimator.fit(take_rows(X_inner, idx), y_arr[idx], **params)
        return self

    def __sklearn_tags__(self):
        tags = inherit_input_tags(super().__sklearn_tags__(), self.estimator)
        tags.classifier_tags.multi_class = self.strategy != "preferential"
        return tags
