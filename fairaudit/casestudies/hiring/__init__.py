"""Hiring case study: gender bias learned through proxies after the column is dropped.

The study's modules: ``analysis`` (the numbers), ``text`` (the findings in words),
``report`` (the figures and the report's sections), ``study`` (``results()`` and ``run()``,
which writes ``hiring.html``). Run it with ``python -m fairaudit.casestudies.hiring --out
DIR [--quick]``, ``fairaudit case-study run hiring`` or ``python case_studies/hiring.py``.
"""

from .study import (
    ACCURACY_SLACK,
    COMPARE_CRITERIA,
    CONTROL,
    ERR_QUICK,
    ERR_RANDOM_STATE,
    GAP_TOLERANCE,
    GB_WITH,
    GB_WITHOUT,
    LR_WITH,
    LR_WITHOUT,
    REPAIR,
    SCENARIOS,
    TARGETED_FIX,
    results,
    run,
)

__all__ = [
    "ACCURACY_SLACK",
    "COMPARE_CRITERIA",
    "CONTROL",
    "ERR_QUICK",
    "ERR_RANDOM_STATE",
    "GAP_TOLERANCE",
    "GB_WITH",
    "GB_WITHOUT",
    "LR_WITH",
    "LR_WITHOUT",
    "REPAIR",
    "SCENARIOS",
    "TARGETED_FIX",
    "results",
    "run",
]
