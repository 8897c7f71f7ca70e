"""COMPAS case study: ProPublica's error rates, Northpointe's calibration, and why both hold.

The study's modules: ``analysis`` (the numbers), ``report`` (the figures and the report's
sections), ``study`` (``results()`` and ``run()``, which writes ``compas.html``). Run it
with ``python -m fairaudit.casestudies.compas --out DIR [--quick]``, ``fairaudit case-study
run compas`` or ``python case_studies/compas.py``.
"""

from .. import lazy_study

# the study's public names (listed once in study.__all__), imported on first use
__getattr__, __dir__ = lazy_study(__name__, globals())
