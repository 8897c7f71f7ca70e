"""The constraint vocabulary shared by in-processing and post-processing mitigators.

A constraint names the group rates that must be equal. Its *disparity* is the largest
difference of those rates between any two groups (for ``equalized_odds``, the larger of the
true-positive-rate and false-positive-rate differences), the same definition as the
``*_difference`` criteria of :func:`fairaudit.audit`. A mitigator's ``tolerance`` bounds this
disparity on the training data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

#: The constraint names, in the order used in documentation.
CONSTRAINTS: tuple[str, ...] = (
    "demographic_parity",
    "equalized_odds",
    "equal_opportunity",
    "false_positive_rate_parity",
    "error_rate_parity",
)

#: The group rates each constraint equalizes.
CONSTRAINED_RATES: dict[str, tuple[str, ...]] = {
    "demographic_parity": ("selection_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
    "equal_opportunity": ("true_positive_rate",),
    "false_positive_rate_parity": ("false_positive_rate",),
    "error_rate_parity": ("error_rate",),
}

#: The criterion of :func:`fairaudit.audit` that measures each constraint.
CRITERION: dict[str, str] = {
    "demographic_parity": "demographic_parity_difference",
    "equalized_odds": "equalized_odds_difference",
    "equal_opportunity": "equal_opportunity_difference",
    "false_positive_rate_parity": "false_positive_rate_difference",
    "error_rate_parity": "error_rate_difference",
}

ERR_CONSTRAINT = "constraint={value!r} is not valid; use one of {allowed}."
WARN_UNDEFINED_RATE = (
    "group(s) {groups} have no {what} examples, so their {rate} is undefined and is left "
    "out of the {constraint} constraint."
)


def check_constraint(value: object) -> str:
    """Return ``value`` if it is a constraint name, else raise a ValueError naming it."""
    if not isinstance(value, str) or value not in CONSTRAINTS:
        raise ValueError(ERR_CONSTRAINT.format(value=value, allowed=list(CONSTRAINTS)))
    return value


def group_rates(
    y: np.ndarray,
    y_pred: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    sample_weight: np.ndarray | None = None,
) -> pd.DataFrame:
    """Weighted rates per group of 0/1 predictions (or probabilities of predicting 1).

    Parameters
    ----------
    y : ndarray of 0/1
        True labels.
    y_pred : ndarray of float in [0, 1]
        Predictions, or the probability of predicting 1 (then the rates are expected rates).
    codes : ndarray of int
        Group code per row, in ``range(n_groups)``.
    n_groups : int
        Number of groups.
    sample_weight : ndarray, optional
        Row weights.

    Returns
    -------
    pandas.DataFrame
        One row per group code: ``weight``, ``selection_rate``, ``true_positive_rate``,
        ``false_positive_rate``, ``error_rate``; NaN where a rate has no denominator.
    """
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    y = np.asarray(y, float)
    p = np.asarray(y_pred, float)
    tot = np.bincount(codes, w, n_groups)
    pos = np.bincount(codes, w * y, n_groups)
    neg = tot - pos
    sel = np.bincount(codes, w * p, n_groups)
    tp = np.bincount(codes, w * y * p, n_groups)
    fp = sel - tp
    err = np.bincount(codes, w * (y * (1 - p) + (1 - y) * p), n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "weight": tot,
                "selection_rate": np.where(tot > 0, sel / tot, np.nan),
                "true_positive_rate": np.where(pos > 0, tp / pos, np.nan),
                "false_positive_rate": np.where(neg > 0, fp / neg, np.nan),
                "error_rate": np.where(tot > 0, err / tot, np.nan),
            }
        )


def disparity(
    constraint: str,
    y: np.ndarray,
    y_pred: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    sample_weight: np.ndarray | None = None,
) -> float:
    """Largest between-group difference of the rates ``constraint`` equalizes.

    Groups where a rate is undefined (no positives for a true positive rate, no negatives
    for a false positive rate) are left out of that rate. Returns 0.0 with a single group.
    """
    check_constraint(constraint)
    rates = group_rates(y, y_pred, codes, n_groups, sample_weight)
    rates = rates[rates["weight"] > 0]
    worst = 0.0
    for rate in CONSTRAINED_RATES[constraint]:
        values = rates[rate].dropna().to_numpy()
        if len(values) > 1:
            worst = max(worst, float(values.max() - values.min()))
    return worst


def warn_undefined(
    constraint: str, pos: np.ndarray, neg: np.ndarray, labels: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """Warn about groups whose constrained rate is undefined; return masks of usable groups.

    Returns
    -------
    tpr_ok, fpr_ok : ndarray of bool
        Groups whose true / false positive rate is defined.
    """
    rates = CONSTRAINED_RATES[constraint]
    tpr_ok = pos > 0
    fpr_ok = neg > 0
    for rate, ok, what in (
        ("true_positive_rate", tpr_ok, "positive"),
        ("false_positive_rate", fpr_ok, "negative"),
    ):
        if rate in rates and not ok.all():
            warnings.warn(
                WARN_UNDEFINED_RATE.format(
                    groups=[str(g) for g in labels[~ok]],
                    what=what,
                    rate=rate.replace("_", " "),
                    constraint=constraint,
                ),
                UserWarning,
                stacklevel=4,
            )
    return tpr_ok, fpr_ok
