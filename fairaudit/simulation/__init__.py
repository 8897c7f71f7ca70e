"""Feedback-loop simulations: the predictive-policing urn of Ensign et al. (2018) and the
recommender loop of Chaney, Stewart & Engelhardt (2018).

Frozen parameters (:class:`PolicingParams`), a separate state (:class:`PolicingState`)
advanced by the pure :func:`policing_step` with an explicit random generator, and drivers
that run many independent runs at once (:func:`simulate_policing`, :func:`run_policing`).
The recommender loop has the same shape: :class:`RecommendationParams`,
:class:`RecommendationState`, :func:`recommendation_step` and
:func:`simulate_recommendation`, with :func:`polya_share_moments` as its closed form.
"""

from ._params import PolicingParams
from ._recommend import simulate_recommendation
from ._recommend_params import RecommendationParams
from ._recommend_result import RecommendationResult
from ._recommend_state import (
    RecommendationState,
    initial_recommendation_state,
    recommendation_step,
)
from ._recommend_theory import polya_share_moments
from ._recommend_world import RecommendationWorld, make_world
from ._result import PolicingResult
from ._simulate import run_policing, simulate_policing
from ._state import PolicingState, initial_state, policing_step, realise_pending
from ._theory import reported_fixed_point

__all__ = [
    "PolicingParams",
    "PolicingResult",
    "PolicingState",
    "RecommendationParams",
    "RecommendationResult",
    "RecommendationState",
    "RecommendationWorld",
    "initial_recommendation_state",
    "initial_state",
    "make_world",
    "policing_step",
    "polya_share_moments",
    "recommendation_step",
    "realise_pending",
    "reported_fixed_point",
    "run_policing",
    "simulate_policing",
    "simulate_recommendation",
]
