"""COMPAS case study: ProPublica's error rates, Northpointe's calibration, and why both hold.

The study's modules: ``analysis`` (the numbers), ``report`` (the figures and the report's
sections), ``study`` (``results()`` and ``run()``, which writes ``compas.html``). Run it
with ``python -m fairaudit.casestudies.compas --out DIR [--quick]``, ``fairaudit case-study
run compas`` or ``python case_studies/compas.py``.
"""

from .study import (
    EO_TOLERANCE,
    GROUPS,
    MIN_DECILE_COUNT,
    OPTIMIZER_CONSTRAINTS,
    PUBLISHED,
    PUBLISHED_ARTICLE,
    DecileScorer,
    calibration_by_decile,
    calibration_differences,
    equalized_odds_thresholds,
    error_rates,
    impossibility_check,
    newcombe_interval,
    published_subsets,
    results,
    run,
    wilson_interval,
)

__all__ = [
    "DecileScorer",
    "EO_TOLERANCE",
    "GROUPS",
    "MIN_DECILE_COUNT",
    "OPTIMIZER_CONSTRAINTS",
    "PUBLISHED",
    "PUBLISHED_ARTICLE",
    "calibration_by_decile",
    "calibration_differences",
    "equalized_odds_thresholds",
    "error_rates",
    "impossibility_check",
    "newcombe_interval",
    "published_subsets",
    "results",
    "run",
    "wilson_interval",
]
