"""Credit case study: Hardt, Price & Srebro's FICO study of what fairness costs a lender.

The study's modules: ``analysis`` (the numbers), ``report`` (the figures and the report's
sections), ``study`` (``results()`` and ``run()``, which writes ``credit.html``). Run it
with ``python -m fairaudit.casestudies.credit --out DIR [--quick]``, ``fairaudit case-study
run credit`` or ``python case_studies/credit.py``.
"""

from .study import (
    CONSTRAINED,
    GRID_STEP,
    GROUPS,
    PROFIT,
    PUBLISHED_SHARE,
    RULES,
    describe_mixture,
    distribution,
    fit_rule,
    grid_search,
    median_threshold,
    profit_curve,
    results,
    rule_tables,
    run,
)

__all__ = [
    "CONSTRAINED",
    "GRID_STEP",
    "GROUPS",
    "PROFIT",
    "PUBLISHED_SHARE",
    "RULES",
    "describe_mixture",
    "distribution",
    "fit_rule",
    "grid_search",
    "median_threshold",
    "profit_curve",
    "results",
    "rule_tables",
    "run",
]
