"""Policing case study: the predictive-policing feedback loop, simulated.

The study's modules: ``study`` (``results()`` and ``run()``, which writes
``policing.html``). Run it with ``python -m fairaudit.casestudies.policing --out DIR
[--quick]``, ``fairaudit case-study run policing`` or ``python case_studies/policing.py``.
"""

from .study import (
    results,
    run,
)

__all__ = [
    "results",
    "run",
]
