"""The ``fairaudit`` command: audit a model from the shell, gate CI on fairness criteria.

One module per sub-command owns its options and its handler (:mod:`.audit`,
:mod:`.check`, :mod:`.report`, :mod:`.case_study`, :mod:`.demo`, :mod:`.ll144`); they share
the reading of the inputs (:mod:`._read`), the outputs (:mod:`._outputs`), the gates
(:mod:`._gates`, :mod:`._finish`) and the parser plumbing (:mod:`._parser`,
:mod:`._errors`). :func:`main` (in :mod:`._main`) is the console script and
``python -m fairaudit``.
"""

from __future__ import annotations

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
