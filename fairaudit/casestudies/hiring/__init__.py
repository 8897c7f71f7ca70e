"""Hiring case study: gender bias learned through proxies after the column is dropped.

The study's modules: ``analysis`` (the numbers), ``text`` (the findings in words),
``report`` (the figures and the report's sections), ``study`` (``results()`` and ``run()``,
which writes ``hiring.html``). Run it with ``python -m fairaudit.casestudies.hiring --out
DIR [--quick]``, ``fairaudit case-study run hiring`` or ``python case_studies/hiring.py``.
"""

from .. import lazy_study

# the study's public names (listed once in study.__all__), imported on first use
__getattr__, __dir__ = lazy_study(__name__, globals())
