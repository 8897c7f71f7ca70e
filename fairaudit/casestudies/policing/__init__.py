"""Policing case study: the predictive-policing feedback loop, simulated.

The study's modules: ``study`` (``results()`` and ``run()``, which writes
``policing.html``). Run it with ``python -m fairaudit.casestudies.policing --out DIR
[--quick]``, ``fairaudit case-study run policing`` or ``python case_studies/policing.py``.
"""

from .. import lazy_study

# the study's public names (listed once in study.__all__), imported on first use
__getattr__, __dir__ = lazy_study(__name__, globals())
