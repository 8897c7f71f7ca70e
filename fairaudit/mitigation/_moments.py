"""fairlearn moments that honour per-row weights.

fairlearn's reductions treat every training row as equally likely. With user weights
``w``, the target problem is the weighted one: every expectation becomes a weighted mean.
Each moment below computes its probabilities from the weighted data and scales each row's
contribution (to the constraint values and to the costs handed to the estimator) by
``r_i = w_i n / sum(w)``; with unit weights it is exactly fairlearn's moment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fairlearn.reductions import (
    DemographicParity,
    EqualizedOdds,
    ErrorRate,
    ErrorRateParity,
    FalsePositiveRateParity,
    TruePositiveRateParity,
)
from fairlearn.reductions._moments.moment import _EVENT, _GROUP_ID, _LABEL

_R = "__row_factor__"


class WeightedErrorRate(ErrorRate):
    """Weighted misclassification error (the objective)."""

    def __init__(self, row_factor: np.ndarray) -> None:
        super().__init__()
        self.row_factor = np.asarray(row_factor, dtype=np.float64)

    def gamma(self, predictor: Any) -> pd.Series:
        y_pred = np.squeeze(np.asarray(predictor(self.X), dtype=np.float64))
        label = self.tags[_LABEL].to_numpy(dtype=np.float64)
        err = np.abs(label - y_pred) * np.where(label > y_pred, self.fn_cost, self.fp_cost)
        value = float((self.row_factor * err).sum() / self.total_samples)
        self._gamma_descr = str(value)
        return pd.Series(data=value, index=self.index)

    def signed_weights(self, lambda_vec: pd.Series | None = None) -> pd.Series:
        base = -self.fp_cost + (self.fp_cost + self.fn_cost) * self.tags[_LABEL]
        weights = base * self.row_factor
        return weights if lambda_vec is None else lambda_vec.iloc[0] * weights


class _WeightedParity:
    """Mixin for UtilityParity moments: weighted probabilities and row-scaled contributions."""

    row_factor: np.ndarray

    def __init__(self, row_factor: np.ndarray, *, difference_bound: float) -> None:
        super().__init__(difference_bound=difference_bound)  # type: ignore[call-arg]
        self.row_factor = np.asarray(row_factor, dtype=np.float64)

    def load_data(self, X: Any, y: Any, *, sensitive_features: Any, **kwargs: Any) -> None:
        super().load_data(X, y, sensitive_features=sensitive_features, **kwargs)  # type: ignore[misc]
        tags = self.tags.assign(**{_R: self.row_factor})
        n = self.total_samples
        self.prob_event = (tags.groupby(_EVENT)[_R].sum() / n).rename(None)
        self.prob_group_event = (tags.groupby([_EVENT, _GROUP_ID])[_R].sum() / n).rename(None)
        r = self.row_factor
        event = tags[_EVENT]
        group = tags[_GROUP_ID]
        for e, g in self.prob_group_event.index:
            ev = (event == e).to_numpy(dtype=np.float64)
            ge = ev * (group == g).to_numpy(dtype=np.float64)
            pe, pge = self.prob_event[e], self.prob_group_event[e, g]
            a = ev / pe if pe > 0 else np.zeros_like(ev)
            b = ge / pge if pge > 0 else np.zeros_like(ge)
            self.U["+", e, g] = r * (a - self.ratio * b)
            self.U["-", e, g] = r * (-self.ratio * a + b)
        self._U = np.ascontiguousarray(self.U.to_numpy(dtype=np.float64))

    def gamma(self, predictor: Any) -> pd.Series:
        """fairlearn's ``-U' pred / n`` with one matrix-vector product (no DataFrame)."""
        predictions = np.squeeze(np.asarray(predictor(self.X), dtype=np.float64))
        pred = self.utility_diff * predictions + self.utilities[:, 0]
        out = pd.Series(-(pred @ self._U) / self.total_samples, index=self.index)
        self._gamma_descr = None
        return out

    def signed_weights(self, lambda_vec: pd.Series) -> pd.Series:
        """fairlearn's ``utility_diff * (U lambda)`` with one matrix-vector product."""
        lam = lambda_vec.reindex(self.index).to_numpy(dtype=np.float64)
        return pd.Series(self.utility_diff * (self._U @ lam), index=self.tags.index)

    def default_objective(self) -> WeightedErrorRate:
        return WeightedErrorRate(self.row_factor)


class WeightedDemographicParity(_WeightedParity, DemographicParity):
    """Weighted demographic parity."""


class WeightedEqualizedOdds(_WeightedParity, EqualizedOdds):
    """Weighted equalized odds."""


class WeightedTruePositiveRateParity(_WeightedParity, TruePositiveRateParity):
    """Weighted true positive rate parity (equal opportunity)."""


class WeightedFalsePositiveRateParity(_WeightedParity, FalsePositiveRateParity):
    """Weighted false positive rate parity."""


class WeightedErrorRateParity(_WeightedParity, ErrorRateParity):
    """Weighted error rate parity."""


_WEIGHTED = {
    "demographic_parity": WeightedDemographicParity,
    "equalized_odds": WeightedEqualizedOdds,
    "equal_opportunity": WeightedTruePositiveRateParity,
    "false_positive_rate_parity": WeightedFalsePositiveRateParity,
    "error_rate_parity": WeightedErrorRateParity,
}
_PLAIN = {
    "demographic_parity": DemographicParity,
    "equalized_odds": EqualizedOdds,
    "equal_opportunity": TruePositiveRateParity,
    "false_positive_rate_parity": FalsePositiveRateParity,
    "error_rate_parity": ErrorRateParity,
}


def make_moment(constraint: str, bound: float, row_factor: np.ndarray | None) -> Any:
    """The fairlearn moment of ``constraint`` (weighted when ``row_factor`` is given)."""
    if row_factor is None:
        return _PLAIN[constraint](difference_bound=bound)
    return _WEIGHTED[constraint](row_factor, difference_bound=bound)
