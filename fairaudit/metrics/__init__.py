"""Group metrics, disparities and named fairness criteria.

The engine behind :func:`fairaudit.audit`: sufficient statistics (``ConfusionStats``,
``ScoreStats``) and pure functions of them, plus functional forms with fairlearn-compatible
signatures.
"""

from __future__ import annotations

from ._collect import confusion_stats, score_stats
from ._criteria import CRITERIA, CRITERION_ALIASES, Criterion
from ._functional import (
    accuracy,
    balanced_accuracy,
    base_rate,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    error_rate,
    false_discovery_rate,
    false_negative_rate,
    false_omission_rate,
    false_positive_rate,
    four_fifths_ratio,
    group_confusion_stats,
    negative_predictive_value,
    positive_predictive_value,
    predictive_parity_difference,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from ._multiclass_collect import multiclass_stats
from ._multiclass_stats import MulticlassStats
from ._registry import (
    ALIASES,
    ALL_METRICS,
    COUNT_METRICS,
    DESCRIPTIONS,
    FORMULAS,
    METRICS,
    SCORE_METRICS,
    UNDEFINED_REASONS,
    Metric,
)
from ._regression_collect import regression_stats
from ._regression_stats import RegressionStats
from ._stats import ConfusionStats, ScoreStats

__all__ = [
    "ALIASES",
    "ALL_METRICS",
    "COUNT_METRICS",
    "CRITERIA",
    "CRITERION_ALIASES",
    "DESCRIPTIONS",
    "FORMULAS",
    "METRICS",
    "SCORE_METRICS",
    "UNDEFINED_REASONS",
    "ConfusionStats",
    "MulticlassStats",
    "multiclass_stats",
    "RegressionStats",
    "regression_stats",
    "Criterion",
    "Metric",
    "ScoreStats",
    "accuracy",
    "balanced_accuracy",
    "base_rate",
    "confusion_stats",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "error_rate",
    "false_discovery_rate",
    "false_negative_rate",
    "false_omission_rate",
    "false_positive_rate",
    "four_fifths_ratio",
    "group_confusion_stats",
    "negative_predictive_value",
    "positive_predictive_value",
    "predictive_parity_difference",
    "score_stats",
    "selection_rate",
    "true_negative_rate",
    "true_positive_rate",
]
