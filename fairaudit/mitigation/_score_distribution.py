"""Score distributions as published: a per-group score grid with counts and positive rates.

Published studies often give a score's distribution rather than its rows: for each group and
each score on a grid, how many people have that score and what share of them are positive
(the FICO data of Hardt, Price & Srebro, 2016). Each grid cell is two weighted rows, its
positives and its negatives, so ThresholdOptimizer solves the same problem on it as on rows.
The fitted optimizer then decides a score: its ``X`` is the score as a single column, read
by :class:`ScoreColumn`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

ERR_NOT_FRAME = (
    "distribution must be a pandas DataFrame with one row per (group, score) and columns "
    "for the group(s), the score, the count and the positive rate; got {kind}."
)
ERR_MISSING_COLUMNS = (
    "distribution has no column(s) {missing}; its columns are {columns}. Name the columns "
    "with the group=, score=, count= and positive_rate= arguments."
)
ERR_COUNTS = "distribution[{name!r}] must hold finite counts >= 0 with a positive total; {bad}."
ERR_RATES = (
    "distribution[{name!r}] must hold positive rates in [0, 1] (a share, not a percentage); {bad}."
)
ERR_SCORES = "distribution[{name!r}] must hold finite numbers; {bad}."


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A 'model' whose score is the single column of ``X``: what a distribution fit decides.

    ``decision_function(X)`` returns ``X[:, 0]``; ``fit`` only records the classes.
    """

    def fit(self, X: Any, y: Any) -> ScoreColumn:
        """Record the classes and the number of features (which must be 1)."""
        X = validate_data(self, X, ensure_min_features=1)
        if X.shape[1] != 1:
            raise ValueError(f"X has {X.shape[1]} columns but ScoreColumn reads one: the score.")
        self.classes_ = np.unique(np.asarray(y))
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The score: the single column of ``X``."""
        check_is_fitted(self)
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != 1:
            raise ValueError(
                f"X has {X.shape[1]} columns but the rule was fitted on a score: pass the "
                "score as a single column, e.g. scores.reshape(-1, 1)."
            )
        return X[:, 0]

    def predict(self, X: Any) -> np.ndarray:
        """``classes_[1]`` where the score is positive (a plain rule; rarely used)."""
        return self.classes_[(self.decision_function(X) > 0).astype(np.intp)]


def distribution_rows(
    distribution: Any, *, group: str | list[str], score: str, count: str, positive_rate: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """Weighted rows of a score distribution: two per grid cell (positives, negatives).

    Returns
    -------
    scores : ndarray of float
    y01 : ndarray of int8
    weights : ndarray of float
        ``count * positive_rate`` for the positive row, ``count * (1 - positive_rate)`` for
        the negative one; rows of weight 0 are dropped.
    groups : DataFrame
        The group column(s) of each row.
    """
    if not isinstance(distribution, pd.DataFrame):
        raise TypeError(ERR_NOT_FRAME.format(kind=type(distribution).__name__))
    group_cols = [group] if isinstance(group, str) else list(group)
    needed = [*group_cols, score, count, positive_rate]
    missing = [c for c in needed if c not in distribution.columns]
    if missing:
        raise ValueError(
            ERR_MISSING_COLUMNS.format(missing=missing, columns=list(distribution.columns))
        )
    s = pd.to_numeric(distribution[score], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(s).all():
        raise ValueError(ERR_SCORES.format(name=score, bad="some are missing or not numbers"))
    c = pd.to_numeric(distribution[count], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(c).all() or (c < 0).any() or c.sum() <= 0:
        raise ValueError(ERR_COUNTS.format(name=count, bad="some are negative, missing or all 0"))
    r = pd.to_numeric(distribution[positive_rate], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(r).all() or (r < 0).any() or (r > 1).any():
        raise ValueError(ERR_RATES.format(name=positive_rate, bad="some are outside [0, 1]"))
    scores = np.concatenate([s, s])
    y01 = np.concatenate([np.ones(len(s), np.int8), np.zeros(len(s), np.int8)])
    w = np.concatenate([c * r, c * (1 - r)])
    keep = w > 0
    groups = pd.concat([distribution[group_cols]] * 2, ignore_index=True)[keep]
    return scores[keep], y01[keep], w[keep], groups.reset_index(drop=True)
