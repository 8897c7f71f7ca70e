"""Feedback-loop simulations: the predictive-policing urn of Ensign et al. (2018).

Frozen parameters (:class:`PolicingParams`), a separate state (:class:`PolicingState`)
advanced by the pure :func:`policing_step` with an explicit random generator, and drivers
that run many independent runs at once (:func:`simulate_policing`, :func:`run_policing`).
"""

from ._params import PolicingParams
from ._result import PolicingResult
from ._simulate import run_policing, simulate_policing
from ._state import PolicingState, initial_state, policing_step, realise_pending
from ._theory import reported_fixed_point

__all__ = [
    "PolicingParams",
    "PolicingResult",
    "PolicingState",
    "initial_state",
    "policing_step",
    "realise_pending",
    "reported_fixed_point",
    "run_policing",
    "simulate_policing",
]
