"""The metric registry: every group metric as a pure function of the sufficient statistics.

Rates are ratios of sums of confusion cells. Each has a denominator that can be empty; the
value is then NaN and :data:`UNDEFINED_REASONS` says why. All functions broadcast over any
leading axes (groups, bootstrap replicates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._stats import FN, FP, N_ECE_BINS, TN, TP

ALL = (TN, FP, FN, TP)


@dataclass(frozen=True)
class Rate:
    """A metric of the form sum(numerator cells) / sum(denominator cells)."""

    name: str
    numerator: tuple[int, ...]
    denominator: tuple[int, ...]
    description: str
    formula: str
    label: str


RATES: dict[str, Rate] = {
    r.name: r
    for r in [
        Rate("base_rate", (FN, TP), ALL, "share of actual positives", "(TP + FN) / n", "Base rate"),
        Rate(
            "selection_rate",
            (FP, TP),
            ALL,
            "share predicted positive",
            "(TP + FP) / n",
            "Selection rate",
        ),
        Rate(
            "true_positive_rate",
            (TP,),
            (FN, TP),
            "actual positives predicted positive",
            "TP / (TP + FN)",
            "True positive rate",
        ),
        Rate(
            "false_positive_rate",
            (FP,),
            (TN, FP),
            "actual negatives predicted positive",
            "FP / (FP + TN)",
            "False positive rate",
        ),
        Rate(
            "true_negative_rate",
            (TN,),
            (TN, FP),
            "actual negatives predicted negative",
            "TN / (TN + FP)",
            "True negative rate",
        ),
        Rate(
            "false_negative_rate",
            (FN,),
            (FN, TP),
            "actual positives predicted negative",
            "FN / (FN + TP)",
            "False negative rate",
        ),
        Rate(
            "positive_predictive_value",
            (TP,),
            (FP, TP),
            "predicted positives that are positive",
            "TP / (TP + FP)",
            "Precision (PPV)",
        ),
        Rate(
            "negative_predictive_value",
            (TN,),
            (TN, FN),
            "predicted negatives that are negative",
            "TN / (TN + FN)",
            "Negative predictive value",
        ),
        Rate(
            "false_discovery_rate",
            (FP,),
            (FP, TP),
            "predicted positives that are negative",
            "FP / (FP + TP)",
            "False discovery rate",
        ),
        Rate(
            "false_omission_rate",
            (FN,),
            (TN, FN),
            "predicted negatives that are positive",
            "FN / (FN + TN)",
            "False omission rate",
        ),
        Rate("accuracy", (TN, TP), ALL, "correct predictions", "(TP + TN) / n", "Accuracy"),
        Rate("error_rate", (FP, FN), ALL, "wrong predictions", "(FP + FN) / n", "Error rate"),
    ]
}

ALIASES = {"precision": "positive_predictive_value", "recall": "true_positive_rate"}

ERR_NEEDS_SCORES = "metrics: {metric!r} needs scores; pass y_score= (e.g. predict_proba[:, 1])."
ERR_UNKNOWN_METRIC = "metrics: unknown metric {metric!r}; known metrics are {known}."
_DENOMINATOR_REASON = {
    ALL: "the group's sample weights sum to 0",
    (FN, TP): "no actual positives in the group (TP + FN = 0)",
    (TN, FP): "no actual negatives in the group (TN + FP = 0)",
    (FP, TP): "no predicted positives in the group (TP + FP = 0)",
    (TN, FN): "no predicted negatives in the group (TN + FN = 0)",
}
_NO_WEIGHT = "the group's sample weights sum to 0"
_ONE_CLASS = "the group lacks actual positives or actual negatives"


@dataclass(frozen=True)
class Metric:
    """One group metric: what it needs, how it is computed, and how it is explained.

    ``family`` names the statistics it is a function of: ``"confusion"`` (the weighted
    confusion counts, ``compute(n, w)`` with arrays of shape (..., 4)) or ``"scores"`` (score
    histograms, ``compute(w, ws, ws2, auc)`` with arrays of shape (..., n_bins, 2) and the
    AUC per group). Adding a metric is adding one entry to :data:`METRICS`.
    """

    name: str
    family: str
    compute: Callable[..., np.ndarray]
    description: str
    formula: str
    undefined: str
    needs_probabilities: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:  # the name as words
            object.__setattr__(self, "label", self.name.replace("_", " ").capitalize())


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def rate(w: np.ndarray, name: str) -> np.ndarray:
    """Value of the rate ``name`` from weighted confusion counts of shape (..., 4)."""
    r = RATES[name]
    num = w[..., list(r.numerator)].sum(axis=-1)
    den = w[..., list(r.denominator)].sum(axis=-1)
    return _ratio(num, den)


def _rate_metric(r: Rate) -> Metric:
    return Metric(
        r.name,
        "confusion",
        lambda n, w: rate(w, r.name),
        r.description,
        r.formula,
        _DENOMINATOR_REASON[r.denominator],
        label=r.label,
    )


def _brier(w: np.ndarray, ws: np.ndarray, ws2: np.ndarray, auc: np.ndarray) -> np.ndarray:
    # sum w (s - y)^2 = sum w s^2 - 2 sum_{y=1} w s + sum_{y=1} w
    sq = ws2.sum(axis=(-2, -1)) - 2.0 * ws[..., 1].sum(axis=-1) + w[..., 1].sum(axis=-1)
    return _ratio(np.maximum(sq, 0.0), w.sum(axis=(-2, -1)))


#: Every metric, in display order.
METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric(
            "count",
            "confusion",
            lambda n, w: n.sum(axis=-1).astype(np.float64),
            "number of rows",
            "n",
            "",
        ),
        *(_rate_metric(r) for r in RATES.values()),
        Metric(
            "balanced_accuracy",
            "confusion",
            lambda n, w: 0.5 * (rate(w, "true_positive_rate") + rate(w, "true_negative_rate")),
            "mean of true positive and true negative rates",
            "(TPR + TNR) / 2",
            _ONE_CLASS,
        ),
        Metric(
            "roc_auc",
            "scores",
            lambda w, ws, ws2, auc: auc,
            "probability that a random positive scores above a random negative",
            "P(score of a positive > score of a negative) + P(tie) / 2",
            _ONE_CLASS,
            label="ROC AUC",
        ),
        Metric(
            "brier_score",
            "scores",
            _brier,
            "mean squared difference between score and outcome",
            "sum w (s - y)^2 / sum w",
            _NO_WEIGHT,
            needs_probabilities=True,
        ),
        Metric(
            "expected_calibration_error",
            "scores",
            lambda w, ws, ws2, auc: _ratio(ece_numerator(w, ws), w.sum(axis=(-2, -1))),
            "weighted mean |observed rate - mean score| over 10 bins",
            "sum_b (W_b / W) |mean y_b - mean s_b|",
            _NO_WEIGHT,
            needs_probabilities=True,
        ),
        Metric(
            "mean_score",
            "scores",
            lambda w, ws, ws2, auc: _ratio(ws.sum(axis=(-2, -1)), w.sum(axis=(-2, -1))),
            "mean score",
            "sum w s / sum w",
            _NO_WEIGHT,
        ),
    ]
}

#: Metrics computed from the confusion counts, in display order.
COUNT_METRICS = tuple(name for name, m in METRICS.items() if m.family == "confusion")
#: Metrics that need scores.
SCORE_METRICS = tuple(name for name, m in METRICS.items() if m.family == "scores")
#: Score metrics that need probabilities in [0, 1].
PROBABILITY_METRICS = tuple(name for name, m in METRICS.items() if m.needs_probabilities)
ALL_METRICS = COUNT_METRICS + SCORE_METRICS
#: Why each metric can be undefined (NaN).
UNDEFINED_REASONS: dict[str, str] = {name: m.undefined for name, m in METRICS.items()}
DESCRIPTIONS: dict[str, str] = {name: m.description for name, m in METRICS.items()}
FORMULAS: dict[str, str] = {name: m.formula for name, m in METRICS.items()}
#: How each metric is named in reports.
LABELS: dict[str, str] = {name: m.label for name, m in METRICS.items()}


def resolve_metric_names(metrics: object, *, has_scores: bool) -> tuple[str, ...]:
    """Canonical metric names for a user's ``metrics`` argument (None = all available)."""
    if metrics is None:
        return ALL_METRICS if has_scores else COUNT_METRICS
    if isinstance(metrics, str):
        metrics = [metrics]
    out: list[str] = []
    for m in metrics:  # type: ignore[union-attr]
        name = ALIASES.get(m, m)
        if name not in ALL_METRICS:
            known = ", ".join(ALL_METRICS + tuple(ALIASES))
            raise ValueError(ERR_UNKNOWN_METRIC.format(metric=m, known=known))
        if name in SCORE_METRICS and not has_scores:
            raise ValueError(ERR_NEEDS_SCORES.format(metric=m))
        if name not in out:
            out.append(name)
    return tuple(out)


def rate_parts(w: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator sums of the rate ``name``."""
    r = RATES[name]
    return w[..., list(r.numerator)].sum(axis=-1), w[..., list(r.denominator)].sum(axis=-1)


def count_metrics(n: np.ndarray, w: np.ndarray, names: tuple[str, ...] = COUNT_METRICS) -> dict:
    """Count-based metrics from confusion counts ``n`` (rows) and ``w`` (weights)."""
    return {
        name: METRICS[name].compute(n, w)
        for name in names
        if METRICS.get(name) is not None and METRICS[name].family == "confusion"
    }


def score_metrics(
    w: np.ndarray,
    ws: np.ndarray,
    ws2: np.ndarray,
    auc: np.ndarray,
    *,
    probabilistic: bool,
    names: tuple[str, ...] = SCORE_METRICS,
) -> dict:
    """Score metrics from histograms of shape (..., n_bins, 2); ``auc`` given per group.

    Metrics that need probabilities are left out when ``probabilistic`` is false.
    """
    out: dict[str, np.ndarray] = {}
    for name in names:
        m = METRICS.get(name)
        if m is None or m.family != "scores" or (m.needs_probabilities and not probabilistic):
            continue
        out[name] = m.compute(w, ws, ws2, auc)
    return out


def ece_bins(w: np.ndarray, ws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per ECE bin: weight, weighted positives and weighted score sums, shape (..., 10)."""
    n_bins = w.shape[-2]
    group = n_bins // N_ECE_BINS
    shape = (*w.shape[:-2], N_ECE_BINS, group, 2)
    wb = w.reshape(shape).sum(axis=-2)
    wsb = ws.reshape(shape).sum(axis=-2)
    return wb.sum(axis=-1), wb[..., 1], wsb.sum(axis=-1)


def ece_numerator(w: np.ndarray, ws: np.ndarray) -> np.ndarray:
    weight, positives, scores = ece_bins(w, ws)
    return np.abs(positives - scores).sum(axis=-1)
