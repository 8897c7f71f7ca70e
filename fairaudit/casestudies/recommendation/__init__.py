"""Recommendation case study: a recommender feedback loop that narrows what people see.

The study's modules: ``report`` (the figures and the report's sections), ``study``
(``results()`` and ``run()``, which writes ``recommendation.html``). Run it with ``python -m
fairaudit.casestudies.recommendation --out DIR [--quick]``, ``fairaudit case-study run
recommendation`` or ``python case_studies/recommendation.py``.
"""

from .. import lazy_study

# the study's public names (listed once in study.__all__), imported on first use
__getattr__, __dir__ = lazy_study(__name__, globals())
