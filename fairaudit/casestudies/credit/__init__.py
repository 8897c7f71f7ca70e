"""Credit case study: Hardt, Price & Srebro's FICO study of what fairness costs a lender.

The study's modules: ``analysis`` (the numbers), ``report`` (the figures and the report's
sections), ``study`` (``results()`` and ``run()``, which writes ``credit.html``). Run it
with ``python -m fairaudit.casestudies.credit --out DIR [--quick]``, ``fairaudit case-study
run credit`` or ``python case_studies/credit.py``.
"""

from .. import lazy_study

# the study's public names (listed once in study.__all__), imported on first use
__getattr__, __dir__ = lazy_study(__name__, globals())
