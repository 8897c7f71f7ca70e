"""Functional forms with fairlearn-compatible signatures.

``f(y_true, y_pred, *, sensitive_features, sample_weight=None)`` for disparities, and
``f(y_true, y_pred, *, sample_weight=None)`` for plain metrics. They share the validation and
statistics of :func:`fairaudit.audit`, without intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _disparities as disp
from ._collect import labelled_confusion, prepare_labels
from ._criteria import CRITERIA, canonical_criterion
from ._registry import count_metrics
from ._stats import ConfusionStats, count_confusion

METHODS = ("between_groups", "to_overall")


def group_confusion_stats(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    pos_label: Any = None,
) -> tuple[ConfusionStats, Any]:
    """Weighted confusion counts per group: the additive sufficient statistics.

    Returns
    -------
    stats : ConfusionStats
    labels : pandas.Index
        The group of each row of the statistics.
    """
    stats = labelled_confusion(
        y_true, y_pred, sensitive_features, sample_weight, pos_label, chunk=False
    )
    return stats, stats.labels


def _metric(name: str):
    def f(y_true: Any, y_pred: Any, *, sample_weight: Any = None, pos_label: Any = None) -> float:
        yt, yp, w = prepare_labels(y_true, y_pred, sample_weight, pos_label)
        stats = count_confusion(np.zeros(len(yt), dtype=np.int64), 1, yt, yp, w)
        return float(count_metrics(stats.n, stats.w, (name,))[name][0])

    f.__name__ = name
    f.__qualname__ = name
    f.__doc__ = (
        f"The {name.replace('_', ' ')} of binary predictions (NaN when its denominator is "
        "empty).\n\nParameters\n----------\ny_true, y_pred : array-like\nsample_weight : "
        "array-like, optional\npos_label : scalar, optional\n\nReturns\n-------\nfloat\n"
    )
    return f


def _group_values(y_true, y_pred, sensitive_features, sample_weight, pos_label, names):
    stats, _ = group_confusion_stats(
        y_true,
        y_pred,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        pos_label=pos_label,
    )
    values = count_metrics(stats.n, stats.w, names)
    total = stats.total()
    overall = {k: a[0] for k, a in count_metrics(total.n, total.w, names).items()}
    return values, overall


AGGREGATIONS = ("worst_case", "mean")
ERR_AGG = "agg must be one of 'worst_case' or 'mean'; got {value!r}."


def _criterion_parts(crit, values, overall, method: str) -> np.ndarray:
    """The criterion's value for each of its metrics (difference or ratio)."""
    parts = []
    for m in crit.metrics:
        if method == "between_groups":
            d, r = disp.between_groups(values[m])
        else:
            d, r = disp.to_value(values[m], np.asarray(overall[m]))
        parts.append(d if crit.kind == "difference" else r)
    return np.array(parts, dtype=float)


def _aggregate(crit, parts: np.ndarray, agg: str) -> float:
    """Worst case (largest difference, smallest ratio) or mean over the metrics, ignoring
    undefined ones; NaN only when every one is undefined (fairlearn's semantics)."""
    if not np.isfinite(parts).any():
        return float("nan")
    if agg == "mean":
        return float(np.nanmean(parts))
    return float(np.nanmax(parts) if crit.kind == "difference" else np.nanmin(parts))


def _criterion(name: str):
    crit = CRITERIA[canonical_criterion(name)]

    def values_for(y_true, y_pred, sensitive_features, method, sample_weight, pos_label):
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")
        values, overall = _group_values(
            y_true, y_pred, sensitive_features, sample_weight, pos_label, crit.metrics
        )
        return _criterion_parts(crit, values, overall, method)

    if len(crit.metrics) > 1:

        def f(
            y_true: Any,
            y_pred: Any,
            *,
            sensitive_features: Any,
            method: str = "between_groups",
            sample_weight: Any = None,
            agg: str = "worst_case",
            pos_label: Any = None,
        ) -> float:
            if agg not in AGGREGATIONS:
                raise ValueError(ERR_AGG.format(value=agg))
            parts = values_for(y_true, y_pred, sensitive_features, method, sample_weight, pos_label)
            return _aggregate(crit, parts, agg)

        agg_doc = (
            "agg : {'worst_case', 'mean'}, default 'worst_case'\n    The largest difference "
            "(smallest ratio) of the metrics, or their mean, as in fairlearn.\n"
        )
    else:

        def f(
            y_true: Any,
            y_pred: Any,
            *,
            sensitive_features: Any,
            method: str = "between_groups",
            sample_weight: Any = None,
            pos_label: Any = None,
        ) -> float:
            parts = values_for(y_true, y_pred, sensitive_features, method, sample_weight, pos_label)
            return _aggregate(crit, parts, "worst_case")

        agg_doc = ""

    f.__name__ = name
    f.__qualname__ = name
    f.__doc__ = (
        f"{crit.description}\n\nThe value of the criterion ``{name}`` ({crit.kind} of "
        f"{' and '.join(crit.metrics)}).\n\nParameters\n----------\n"
        "y_true, y_pred : array-like\nsensitive_features : array-like, Series, DataFrame or "
        "dict\nmethod : {'between_groups', 'to_overall'}\nsample_weight : array-like, optional\n"
        f"{agg_doc}pos_label : scalar, optional\n\nReturns\n-------\nfloat\n"
    )
    return f


base_rate = _metric("base_rate")
selection_rate = _metric("selection_rate")
true_positive_rate = _metric("true_positive_rate")
false_positive_rate = _metric("false_positive_rate")
true_negative_rate = _metric("true_negative_rate")
false_negative_rate = _metric("false_negative_rate")
positive_predictive_value = _metric("positive_predictive_value")
negative_predictive_value = _metric("negative_predictive_value")
false_discovery_rate = _metric("false_discovery_rate")
false_omission_rate = _metric("false_omission_rate")
accuracy = _metric("accuracy")
error_rate = _metric("error_rate")
balanced_accuracy = _metric("balanced_accuracy")

demographic_parity_difference = _criterion("demographic_parity_difference")
demographic_parity_ratio = _criterion("demographic_parity_ratio")
equalized_odds_difference = _criterion("equalized_odds_difference")
equalized_odds_ratio = _criterion("equalized_odds_ratio")
equal_opportunity_difference = _criterion("equal_opportunity_difference")
equal_opportunity_ratio = _criterion("equal_opportunity_ratio")
predictive_parity_difference = _criterion("predictive_parity_difference")
four_fifths_ratio = _criterion("four_fifths_rule")
four_fifths_ratio.__name__ = four_fifths_ratio.__qualname__ = "four_fifths_ratio"
