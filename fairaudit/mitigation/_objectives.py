"""Objectives of the post-processing problem: linear functions of the groups' rates.

Every objective ThresholdOptimizer accepts is the expected *utility* of the decisions per
unit of weight, for utilities of the four outcomes (a true positive, a false positive, a
true negative, a false negative). With group ``g``'s positive weight ``P_g``, negative
weight ``N_g``, total weight ``W`` and operating point (FPR ``f_g``, TPR ``t_g``), it is

    sum_g [P_g (u_fn + (u_tp - u_fn) t_g) + N_g (u_tn + (u_fp - u_tn) f_g)] / W,

linear in the operating points, so the problem stays a linear program on the ROC hulls
under every constraint. Accuracy is the utility 1 for a correct decision and 0 otherwise;
balanced accuracy weighs a correct positive by ``1 / (2 P)`` and a correct negative by
``1 / (2 N)``; a lender's profit (Hardt, Price & Srebro, 2016) is a gain for a true positive
(a repaid loan) and a cost for a false positive (a default).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: The named objectives.
NAMED_OBJECTIVES: tuple[str, ...] = ("accuracy", "balanced_accuracy")
#: The keys of a utility specification: the four outcomes of a decision.
OUTCOMES: tuple[str, ...] = ("true_positive", "false_positive", "true_negative", "false_negative")

ERR_OBJECTIVE = (
    "objective={value!r} is not valid; use 'accuracy', 'balanced_accuracy', or a dict of "
    "utilities with keys among {outcomes} (e.g. {{'true_positive': 0.18, "
    "'false_positive': -0.82}}: a gain is positive, a cost negative)."
)
ERR_UTILITY_VALUE = (
    "objective[{key!r}]={value!r} is not valid; a utility is a finite number (a gain "
    "positive, a cost negative)."
)


@dataclass(frozen=True)
class Objective:
    """A parsed objective: its name and, for a utility specification, the four utilities."""

    name: str  # "accuracy", "balanced_accuracy" or "utility"
    utility: tuple[float, float, float, float] = (1.0, 0.0, 1.0, 0.0)  # tp, fp, tn, fn

    def coefficients(
        self, pos: np.ndarray, neg: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """``(coef_t, coef_f, const)`` with objective ``coef_t @ t - coef_f @ f + const``.

        Parameters
        ----------
        pos, neg : ndarray of float, one entry per group
            Total weight of the positive and negative rows of each group.
        """
        pos = np.asarray(pos, dtype=float)
        neg = np.asarray(neg, dtype=float)
        G = len(pos)
        if self.name == "balanced_accuracy":
            P, N = pos.sum(), neg.sum()
            coef_t = pos / P / 2 if P > 0 else np.zeros(G)
            coef_f = neg / N / 2 if N > 0 else np.zeros(G)
            return coef_t, coef_f, 0.5 if N > 0 else 0.0
        u_tp, u_fp, u_tn, u_fn = self.utility
        W = float(pos.sum() + neg.sum())
        coef_t = (u_tp - u_fn) * pos / W
        coef_f = (u_tn - u_fp) * neg / W
        const = float((u_fn * pos.sum() + u_tn * neg.sum()) / W)
        return coef_t, coef_f, const


def parse_objective(value: Any) -> Objective:
    """Check ``objective`` (a name or a utility mapping) and return its parsed form.

    Raises
    ------
    ValueError
        Naming the parameter and the accepted forms.
    """
    if isinstance(value, str):
        if value not in NAMED_OBJECTIVES:
            raise ValueError(ERR_OBJECTIVE.format(value=value, outcomes=list(OUTCOMES)))
        return Objective(value)
    if not isinstance(value, Mapping) or not value or set(value) - set(OUTCOMES):
        raise ValueError(ERR_OBJECTIVE.format(value=value, outcomes=list(OUTCOMES)))
    utilities = []
    for key in OUTCOMES:
        u = value.get(key, 0.0)
        if (
            isinstance(u, bool)
            or not isinstance(u, int | float | np.number)
            or not math.isfinite(float(u))
        ):
            raise ValueError(ERR_UTILITY_VALUE.format(key=key, value=u))
        utilities.append(float(u))
    return Objective("utility", tuple(utilities))  # type: ignore[arg-type]
