"""The named criteria of a regression audit and their default tolerances.

They use the binary criteria's record (:class:`~._criteria.Criterion`) and verdict rule
(:func:`~._criteria.verdict`): ``kind="difference"`` passes when the value is at most the
tolerance (a gap, a distance, a ratio of errors or a loss that should stay small),
``kind="ratio"`` when it is at least the tolerance. A NaN tolerance means no default: the
criterion is "not evaluated" unless the user gives one (its units are the prediction's).
"""

from __future__ import annotations

from ._criteria import Criterion, resolve_tolerances

NO_DEFAULT = float("nan")

REGRESSION_CRITERIA: dict[str, Criterion] = {
    c.name: c
    for c in [
        Criterion(
            "mean_difference",
            ("mean_prediction",),
            "difference",
            NO_DEFAULT,
            "Mean predictions differ by at most the tolerance across groups (in the "
            "units of the prediction: no default).",
        ),
        Criterion(
            "smd",
            ("standardized_mean_difference",),
            "difference",
            0.2,
            "The largest standardized mean difference of the predictions between two "
            "groups (Cohen's d, pooled SD) is at most the tolerance (0.2: a small "
            "effect).",
        ),
        Criterion(
            "ks_distance",
            ("ks_distance",),
            "difference",
            0.1,
            "The largest Kolmogorov-Smirnov distance between two groups' distributions "
            "of the prediction is at most the tolerance.",
        ),
        Criterion(
            "max_group_error_ratio",
            ("mean_absolute_error",),
            "difference",
            1.25,
            "The worst group's mean absolute error is at most the tolerance times the "
            "best group's.",
        ),
        Criterion(
            "bounded_group_loss",
            ("mean_squared_error",),
            "difference",
            NO_DEFAULT,
            "Every group's mean squared error is at most the bound (Agarwal, Dudík & Wu "
            "2019; in squared units of the outcome: no default).",
        ),
        Criterion(
            "scoring_rate_ratio",
            ("share_above_median",),
            "ratio",
            0.8,
            "The lowest share of predictions above the overall median is at least the "
            "tolerance times the highest (NYC Local Law 144 impact ratio of scoring "
            "rates; 4/5 as the four-fifths rule).",
        ),
    ]
}

#: Why a criterion without a default tolerance is not evaluated.
NO_TOLERANCE_REASON = (
    "not evaluated: {name} has no default tolerance (its units are the data's); give "
    "tolerances={{{name!r}: value}}"
)


def regression_tolerances(tolerances: object) -> dict[str, float]:
    """Tolerance per regression criterion (defaults updated with the user's; the criteria
    without a default appear only when given). Unknown names get an error listing these
    criteria."""
    return resolve_tolerances(tolerances, REGRESSION_CRITERIA)
