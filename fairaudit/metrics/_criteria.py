"""Named fairness criteria, their default tolerances and their verdicts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._disparities import between_groups


@dataclass(frozen=True)
class Criterion:
    """A named criterion: a disparity of one or more metrics compared with a tolerance.

    ``kind="difference"`` passes when the value is at most the tolerance (max - min across
    groups); ``kind="ratio"`` passes when it is at least the tolerance (min / max). With
    several metrics the worst one counts (largest difference, smallest ratio).
    """

    name: str
    metrics: tuple[str, ...]
    kind: str
    tolerance: float
    description: str


CRITERIA: dict[str, Criterion] = {
    c.name: c
    for c in [
        Criterion(
            "demographic_parity_difference",
            ("selection_rate",),
            "difference",
            0.1,
            "Selection rates differ by at most the tolerance across groups.",
        ),
        Criterion(
            "demographic_parity_ratio",
            ("selection_rate",),
            "ratio",
            0.8,
            "The lowest selection rate is at least the tolerance times the highest.",
        ),
        Criterion(
            "equalized_odds_difference",
            ("true_positive_rate", "false_positive_rate"),
            "difference",
            0.1,
            "True and false positive rates each differ by at most the tolerance.",
        ),
        Criterion(
            "equalized_odds_ratio",
            ("true_positive_rate", "false_positive_rate"),
            "ratio",
            0.8,
            "The lowest true and false positive rates are at least the tolerance times "
            "the highest.",
        ),
        Criterion(
            "equal_opportunity_difference",
            ("true_positive_rate",),
            "difference",
            0.1,
            "True positive rates differ by at most the tolerance across groups.",
        ),
        Criterion(
            "equal_opportunity_ratio",
            ("true_positive_rate",),
            "ratio",
            0.8,
            "The lowest true positive rate is at least the tolerance times the highest.",
        ),
        Criterion(
            "predictive_parity_difference",
            ("positive_predictive_value",),
            "difference",
            0.1,
            "Precision (positive predictive value) differs by at most the tolerance.",
        ),
        Criterion(
            "four_fifths_rule",
            ("selection_rate",),
            "ratio",
            0.8,
            "No group's selection rate is below the tolerance (4/5) times the highest "
            "group's by a statistically significant difference (29 CFR 1607.4(D)).",
        ),
    ]
}

#: Criteria whose verdict comes from tests of significance rather than from an interval
#: against the tolerance: the four-fifths rule (see :mod:`._four_fifths_criterion`). Its
#: value is the demographic parity ratio's (the lowest selection rate over the highest),
#: its verdict FAIL only when a group below 4/5 of the top rate is significantly so.
TESTED_CRITERIA = frozenset({"four_fifths_rule"})

#: Other names of criteria (none at present; ``four_fifths_rule`` was one of
#: ``demographic_parity_ratio`` before it became a criterion of its own).
CRITERION_ALIASES: dict[str, str] = {}

VERDICTS = ("pass", "fail", "inconclusive", "n/a")
#: The same verdicts from the worst to the best, then "not evaluated".
VERDICTS_WORST_FIRST = ("fail", "inconclusive", "pass", "n/a")

ERR_TOLERANCES_TYPE = (
    "tolerances must be a dict of criterion name -> value, e.g. "
    "{'demographic_parity_difference': 0.05}."
)
ERR_TOLERANCE_NAME = "tolerances: unknown criterion {name!r}{where}; known criteria are {known}."
ERR_TOLERANCE_VALUE = "tolerances: {name} must be a finite number >= 0; got {value!r}."
ERR_TOLERANCE_RATIO = "tolerances: {name} is a ratio tolerance in [0, 1]; got {value!r}."
ERR_TOLERANCE_ALIAS = (
    "tolerances: {a} and {b} name the same criterion but were given different values "
    "({va!r} and {vb!r}); give one of them."
)


def canonical_criterion(name: str) -> str:
    """The criterion a name stands for (aliases resolved); unknown names are returned as is."""
    return CRITERION_ALIASES.get(name, name)


def resolve_tolerances(
    tolerances: object, criteria: dict[str, Criterion] | None = None, *, task: str = ""
) -> dict[str, float]:
    """Tolerance per criterion: the defaults updated with the user's mapping.

    ``criteria`` are the criteria of the audit's task (default: the binary criteria); a
    criterion whose default tolerance is NaN has none and is only in the result when the
    user gives one. ``task`` names the audit in the message of an unknown name
    ("... for a multiclass audit"; default: no name).
    """
    known_criteria = CRITERIA if criteria is None else criteria
    out = {name: c.tolerance for name, c in known_criteria.items() if not np.isnan(c.tolerance)}
    if tolerances is None:
        return out
    if not hasattr(tolerances, "items"):
        raise TypeError(ERR_TOLERANCES_TYPE)
    given: dict[str, tuple[str, object]] = {}
    for key, value in tolerances.items():  # type: ignore[attr-defined]
        name = canonical_criterion(key)
        if name not in known_criteria:
            known = ", ".join([*known_criteria, *(CRITERION_ALIASES if criteria is None else ())])
            where = f" for a {task} audit" if task else ""
            raise ValueError(ERR_TOLERANCE_NAME.format(name=key, where=where, known=known))
        if name in given and given[name][1] != value:
            first, before = given[name]
            raise ValueError(ERR_TOLERANCE_ALIAS.format(a=first, va=before, b=key, vb=value))
        given[name] = (key, value)
        v = float(value)
        if not np.isfinite(v) or v < 0:
            raise ValueError(ERR_TOLERANCE_VALUE.format(name=name, value=value))
        if known_criteria[name].kind == "ratio" and v > 1:
            raise ValueError(ERR_TOLERANCE_RATIO.format(name=name, value=value))
        out[name] = v
    return out


def criterion_value(
    criterion: Criterion, values: dict[str, np.ndarray], spreads: dict | None = None
) -> np.ndarray:
    """The criterion's value from per-group metric values (groups on the last axis).
    ``spreads``: :func:`between_groups` of metrics, by name, where computed already."""
    parts = []
    for metric in criterion.metrics:
        diff, ratio = between_groups(values[metric]) if spreads is None else spreads[metric]
        parts.append(diff if criterion.kind == "difference" else ratio)
    if len(parts) == 1:
        return parts[0]
    stacked = np.stack(parts)
    # worst case; NaN only when every part is NaN (as fairlearn's worst_case aggregation)
    return np.fmax.reduce(stacked) if criterion.kind == "difference" else np.fmin.reduce(stacked)


def verdict(
    kind: str,
    value: float,
    lower: float,
    upper: float,
    tolerance: float,
    *,
    interval_expected: bool = False,
) -> str:
    """pass / fail / inconclusive (the interval straddles the tolerance) / n/a.

    Compares unrounded values. Without an interval the point estimate decides, unless one was
    expected (the bootstrap ran) and could not be computed: then the data cannot decide and
    the verdict is inconclusive.
    """
    if not np.isfinite(value):
        return "n/a"
    has_ci = np.isfinite(lower) and np.isfinite(upper)
    if not has_ci and interval_expected:
        return "inconclusive"
    if kind == "difference":
        if not has_ci:
            return "pass" if value <= tolerance else "fail"
        if upper <= tolerance:
            return "pass"
        if lower > tolerance:
            return "fail"
        return "inconclusive"
    if not has_ci:
        return "pass" if value >= tolerance else "fail"
    if lower >= tolerance:
        return "pass"
    if upper < tolerance:
        return "fail"
    return "inconclusive"


def overall_verdict(verdicts: list[str], *, degenerate: bool = False) -> str:
    """The verdict of a whole audit from the verdicts of its criteria.

    ``"fail"`` if any criterion fails; else ``"inconclusive"`` if any criterion is, if no
    criterion could be evaluated (all ``"n/a"``, or none at all), or if the audited model is
    degenerate (``degenerate=True``: one class predicted for everyone, a threshold outside the
    scores); else ``"pass"``. A pass therefore always means that at least one criterion was
    evaluated; criteria that were not are counted by :func:`verdict_counts`.
    """
    if "fail" in verdicts:
        return "fail"
    if "inconclusive" in verdicts or "pass" not in verdicts or degenerate:
        return "inconclusive"
    return "pass"


def verdict_counts(verdicts: list[str]) -> dict[str, int]:
    """How many criteria have each verdict, in the order of ``VERDICTS``."""
    return {v: sum(1 for x in verdicts if x == v) for v in VERDICTS}
