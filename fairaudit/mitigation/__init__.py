"""Mitigators: scikit-learn meta-estimators that reduce a model's group disparities.

One for each stage of the pipeline, sharing one vocabulary of constraints
(:data:`CONSTRAINTS`):

- :class:`Reweighing` and :class:`Resampling` -- preprocessing (Kamiran & Calders, 2012);
  :class:`ResamplingSampler` is the same resampling as a pure sampler (imbalanced-learn);
- :class:`FeatureRepairer` -- preprocessing that transforms the features (Feldman et al.,
  2015, and the linear projection of fairlearn's ``CorrelationRemover``);
- :class:`ConstrainedClassifier` -- in-processing, the reductions approach (Agarwal et al.,
  2018), built on ``fairlearn.reductions``;
- :class:`ConstrainedRegressor` -- in-processing for regression: bounded group loss
  (Agarwal, Dudík & Wu, 2019), built on ``fairlearn.reductions``;
- :class:`ThresholdOptimizer` -- post-processing, group-specific randomized thresholds
  (Hardt, Price & Srebro, 2016).

:func:`compare` fits an unmitigated baseline and several mitigators and tabulates accuracy
against each fairness criterion on held-out data. See ``docs/mitigation.md``.
"""

from .._comparison import Comparison
from ._compare import compare
from ._constraints import CONSTRAINTS
from ._reductions import ConstrainedClassifier
from ._regression import ConstrainedRegressor
from ._repair import FeatureRepairer
from ._resampling import Resampling
from ._reweighing import Reweighing, reweighing_weights
from ._sampler import ResamplingSampler
from ._threshold import ThresholdOptimizer

__all__ = [
    "CONSTRAINTS",
    "Comparison",
    "ConstrainedClassifier",
    "ConstrainedRegressor",
    "FeatureRepairer",
    "Resampling",
    "ResamplingSampler",
    "Reweighing",
    "ThresholdOptimizer",
    "compare",
    "reweighing_weights",
]
