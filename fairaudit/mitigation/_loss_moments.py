"""fairlearn's bounded-group-loss moment, weighted and vectorized.

``fairlearn.reductions.BoundedGroupLoss`` (Agarwal, Dudík & Wu, 2019) constrains every
group's mean loss to at most ``upper_bound``. The subclasses here compute the same
quantities from the weighted data: with user weights ``w`` every mean is a weighted mean,
and each row's contribution to the costs handed to the estimator is scaled by
``r_i = w_i n / sum(w)`` (as in :mod:`._moments`); with unit weights they are fairlearn's
moments. They also compute the per-row costs with one gather instead of fairlearn's
row-by-row ``DataFrame.apply``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fairlearn.reductions import AbsoluteLoss, BoundedGroupLoss, SquareLoss, ZeroOneLoss
from fairlearn.reductions._moments.moment import _GROUP_ID, _LABEL

#: The loss names :class:`ConstrainedRegressor` accepts.
LOSSES: tuple[str, ...] = ("square", "absolute", "zero_one")


def make_loss(name: str, y_range: tuple[float, float]) -> Any:
    """fairlearn's loss object for ``name`` on the target range ``y_range``."""
    lo, hi = y_range
    if name == "square":
        return SquareLoss(lo, hi)
    if name == "absolute":
        return AbsoluteLoss(lo, hi)
    return ZeroOneLoss()


class WeightedBoundedGroupLoss(BoundedGroupLoss):
    """Every group's weighted mean loss at most ``upper_bound``.

    Parameters
    ----------
    loss : fairlearn loss object
    upper_bound : float
    row_factor : ndarray or None
        ``w_i n / sum(w)`` per row; None for unit weights.
    no_groups : bool
        One group of every row: the objective (the overall mean loss).
    """

    def __init__(
        self,
        loss: Any,
        *,
        upper_bound: float | None = None,
        row_factor: np.ndarray | None = None,
        no_groups: bool = False,
    ) -> None:
        super().__init__(loss, upper_bound=upper_bound)
        self.no_groups = no_groups
        self.row_factor = None if row_factor is None else np.asarray(row_factor, np.float64)

    def load_data(self, X: Any, y: Any, *, sensitive_features: Any) -> None:
        super().load_data(X, y, sensitive_features=sensitive_features)
        n = self.total_samples
        self._r = np.ones(n) if self.row_factor is None else self.row_factor
        self._codes = self.index.get_indexer(self.tags[_GROUP_ID])
        k = len(self.index)
        self._group_weight = np.bincount(self._codes, self._r, k)
        self.prob_attr = pd.Series(self._group_weight / n, index=self.index)
        self.default_objective_lambda_vec = self.prob_attr
        self._label = self.tags[_LABEL].to_numpy(dtype=np.float64)

    def default_objective(self) -> WeightedBoundedGroupLoss:
        """The overall (weighted) mean loss."""
        return WeightedBoundedGroupLoss(
            self.reduction_loss, row_factor=self.row_factor, no_groups=True
        )

    def gamma(self, predictor: Any) -> pd.Series:
        """The weighted mean loss of each group."""
        y_pred = np.asarray(predictor(self.X), dtype=np.float64).reshape(-1)
        loss = self.reduction_loss.eval(self._label, y_pred)
        k = len(self.index)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.bincount(self._codes, self._r * loss, k) / self._group_weight
        out = pd.Series(value, index=self.index, name="loss")
        self._gamma_descr = str(out)
        return out

    def signed_weights(self, lambda_vec: pd.Series | None = None) -> pd.Series:
        """Each row's cost: ``r_i`` times its group's multiplier over the group's share."""
        if lambda_vec is None:
            adjust = np.ones(len(self.index))
        else:
            adjust = lambda_vec.reindex(self.index).to_numpy(np.float64) / self.prob_attr.to_numpy()
        return pd.Series(self._r * adjust[self._codes], index=self.tags.index)
