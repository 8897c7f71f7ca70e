"""Data sets: loaders for bundled real data and synthetic generators.

Real data (bundled, compressed, read from the installed package; never downloaded):

- :func:`load_compas` -- ProPublica's COMPAS two-year recidivism data (7,214 rows), and
  :func:`propublica_filter`, ProPublica's row filter (6,172 rows).
- :func:`load_adult` -- the UCI Adult census-income data (32,561 train + 16,281 test rows).
- :func:`load_fico` -- the TransRisk (FICO) score distributions by race of Hardt, Price &
  Srebro's study (4 groups x 198 scores; distributions, not rows).

Synthetic data: :func:`make_hiring` (hiring with proxies for gender).

Provenance, licences and the known problems of the real data are in ``docs/datasets.md``
and in the ``DESCR`` of each loader's Bunch form.
"""

from __future__ import annotations

from ._fico import load_fico
from ._hiring import make_hiring
from ._loaders import load_adult, load_compas, propublica_filter

__all__ = ["load_adult", "load_compas", "load_fico", "make_hiring", "propublica_filter"]
