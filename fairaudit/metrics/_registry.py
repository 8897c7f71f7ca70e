"""The metric registry: every group metric as a pure function of the sufficient statistics.

Rates are ratios of sums of confusion cells. Each has a denominator that can be empty; the
value is then NaN and :data:`UNDEFINED_REASONS` says why. All functions broadcast over any
leading axes (groups, bootstrap replicates).
"""

from __future__ import annotations

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


RATES: dict[str, Rate] = {
    r.name: r
    for r in [
        Rate("base_rate", (FN, TP), ALL, "share of actual positives", "(TP + FN) / n"),
        Rate("selection_rate", (FP, TP), ALL, "share predicted positive", "(TP + FP) / n"),
        Rate("true_positive_rate", (TP,), (FN, TP), "actual positives predicted positive",
             "TP / (TP + FN)"),
        Rate("false_positive_rate", (FP,), (TN, FP), "actual negatives predicted positive",
             "FP / (FP + TN)"),
        Rate("true_negative_rate", (TN,), (TN, FP), "actual negatives predicted negative",
             "TN / (TN + FP)"),
        Rate("false_negative_rate", (FN,), (FN, TP), "actual positives predicted negative",
             "FN / (FN + TP)"),
        Rate("positive_predictive_value", (TP,), (FP, TP), "predicted positives that are positive",
             "TP / (TP + FP)"),
        Rate("negative_predictive_value", (TN,), (TN, FN), "predicted negatives that are negative",
             "TN / (TN + FN)"),
        Rate("false_discovery_rate", (FP,), (FP, TP), "predicted positives that are negative",
             "FP / (FP + TP)"),
        Rate("false_omission_rate", (FN,), (TN, FN), "predicted negatives that are positive",
             "FN / (FN + TN)"),
        Rate("accuracy", (TN, TP), ALL, "correct predictions", "(TP + TN) / n"),
        Rate("error_rate", (FP, FN), ALL, "wrong predictions", "(FP + FN) / n"),
    ]
}

#: Metrics computed from the confusion counts, in display order.
COUNT_METRICS = ("count", *RATES, "balanced_accuracy")
#: Metrics that need scores.
SCORE_METRICS = ("roc_auc", "brier_score", "expected_calibration_error", "mean_score")
#: Score metrics that need probabilities in [0, 1].
PROBABILITY_METRICS = ("brier_score", "expected_calibration_error")
ALL_METRICS = COUNT_METRICS + SCORE_METRICS
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

#: Why each metric can be undefined (NaN).
UNDEFINED_REASONS: dict[str, str] = {
    name: _DENOMINATOR_REASON[rate.denominator] for name, rate in RATES.items()
}
UNDEFINED_REASONS.update(
    {
        "count": "",
        "balanced_accuracy": "the group lacks actual positives or actual negatives",
        "roc_auc": "the group lacks actual positives or actual negatives",
        "brier_score": "the group's sample weights sum to 0",
        "expected_calibration_error": "the group's sample weights sum to 0",
        "mean_score": "the group's sample weights sum to 0",
    }
)

DESCRIPTIONS: dict[str, str] = {name: rate.description for name, rate in RATES.items()}
DESCRIPTIONS.update(
    {
        "count": "number of rows",
        "balanced_accuracy": "mean of true positive and true negative rates",
        "roc_auc": "probability that a random positive scores above a random negative",
        "brier_score": "mean squared difference between score and outcome",
        "expected_calibration_error": "weighted mean |observed rate - mean score| over 10 bins",
        "mean_score": "mean score",
    }
)
FORMULAS: dict[str, str] = {name: rate.formula for name, rate in RATES.items()}
FORMULAS.update(
    {
        "count": "n",
        "balanced_accuracy": "(TPR + TNR) / 2",
        "roc_auc": "P(score of a positive > score of a negative) + P(tie) / 2",
        "brier_score": "sum w (s - y)^2 / sum w",
        "expected_calibration_error": "sum_b (W_b / W) |mean y_b - mean s_b|",
        "mean_score": "sum w s / sum w",
    }
)


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


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def rate(w: np.ndarray, name: str) -> np.ndarray:
    """Value of the rate ``name`` from weighted confusion counts of shape (..., 4)."""
    r = RATES[name]
    num = w[..., list(r.numerator)].sum(axis=-1)
    den = w[..., list(r.denominator)].sum(axis=-1)
    return _ratio(num, den)


def rate_parts(w: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator sums of the rate ``name``."""
    r = RATES[name]
    return w[..., list(r.numerator)].sum(axis=-1), w[..., list(r.denominator)].sum(axis=-1)


def count_metrics(n: np.ndarray, w: np.ndarray, names: tuple[str, ...] = COUNT_METRICS) -> dict:
    """Count-based metrics from confusion counts ``n`` (rows) and ``w`` (weights)."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "count":
            out[name] = n.sum(axis=-1).astype(np.float64)
        elif name == "balanced_accuracy":
            out[name] = 0.5 * (rate(w, "true_positive_rate") + rate(w, "true_negative_rate"))
        elif name in RATES:
            out[name] = rate(w, name)
    return out


def score_metrics(
    w: np.ndarray,
    ws: np.ndarray,
    ws2: np.ndarray,
    auc: np.ndarray,
    *,
    probabilistic: bool,
    names: tuple[str, ...] = SCORE_METRICS,
) -> dict:
    """Score metrics from histograms of shape (..., n_bins, 2); ``auc`` given per group."""
    out: dict[str, np.ndarray] = {}
    total = w.sum(axis=(-2, -1))
    if "roc_auc" in names:
        out["roc_auc"] = auc
    if "mean_score" in names:
        out["mean_score"] = _ratio(ws.sum(axis=(-2, -1)), total)
    if probabilistic and "brier_score" in names:
        # sum w (s - y)^2 = sum w s^2 - 2 sum_{y=1} w s + sum_{y=1} w
        sq = ws2.sum(axis=(-2, -1)) - 2.0 * ws[..., 1].sum(axis=-1) + w[..., 1].sum(axis=-1)
        out["brier_score"] = _ratio(np.maximum(sq, 0.0), total)
    if probabilistic and "expected_calibration_error" in names:
        out["expected_calibration_error"] = _ratio(ece_numerator(w, ws), total)
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
