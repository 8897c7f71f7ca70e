"""Drivers: run the feedback loop for many independent runs at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils import check_random_state

from ._params import PolicingParams, check_positive_int
from ._result import PolicingResult
from ._state import TALLIES, advance, initial_state, realise_pending

#: Default number of recorded points in the history when ``record_every`` is None.
DEFAULT_RECORDS = 200

ERR_PARAMS = "params must be a PolicingParams (build one with PolicingParams(...)); got {got}."
ERR_RANDOM_STATE = (
    "random_state must be None, an integer seed or a numpy Generator/RandomState; got {got!r}."
)


def _generator(random_state: object) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        # derive a Generator deterministically from the legacy state
        return np.random.default_rng(check_random_state(random_state).randint(2**32))
    raise TypeError(ERR_RANDOM_STATE.format(got=random_state))


def _record_steps(n_steps: int, record_every: int) -> np.ndarray:
    steps = np.arange(0, n_steps + 1, record_every)
    if steps[-1] != n_steps:
        steps = np.append(steps, n_steps)
    return steps


def run_policing(
    params: PolicingParams,
    *,
    n_steps: int,
    n_runs: int = 1,
    record_every: int | None = None,
    random_state: int | np.random.Generator | None = None,
) -> PolicingResult:
    """Run the model given by ``params``; see :func:`simulate_policing`."""
    if not isinstance(params, PolicingParams):
        raise TypeError(ERR_PARAMS.format(got=type(params).__name__))
    n_steps = check_positive_int(n_steps, "n_steps")
    n_runs = check_positive_int(n_runs, "n_runs")
    if record_every is None:
        record_every = max(1, -(-n_steps // DEFAULT_RECORDS))
    record_every = check_positive_int(record_every, "record_every")
    steps = _record_steps(n_steps, min(record_every, n_steps))

    # Dynamics and the batch draws of unseen incidents use separate streams, so the
    # trajectories do not depend on how often the history is recorded.
    dynamics_rng, unseen_rng = _generator(random_state).spawn(2)
    state = initial_state(params, n_runs, dynamics_rng)

    n_rec = len(steps)
    shape = (n_rec, n_runs, params.n_regions)
    allocation = np.empty(shape)
    belief = np.empty(shape)
    tallies = {name: np.empty(shape) for name in TALLIES}

    def record(j: int, st) -> None:
        allocation[j] = st.allocation
        belief[j] = st.belief
        for name in TALLIES:
            tallies[name][j] = getattr(st, name)

    record(0, state)
    for j in range(1, n_rec):
        state = advance(params, state, int(steps[j] - steps[j - 1]), dynamics_rng)
        state = realise_pending(state, unseen_rng)
        record(j, state)

    return PolicingResult(
        params=params,
        n_steps=n_steps,
        n_runs=n_runs,
        steps=steps,
        allocation=allocation,
        belief=belief,
        tallies=tallies,
        final_state=state,
    )


def simulate_policing(
    rates: Sequence[float] | np.ndarray,
    *,
    prior: float | Sequence[float] | np.ndarray,
    n_steps: int,
    n_runs: int = 1,
    allocation: str = "proportional",
    k: int | None = None,
    reported_fraction: float = 0.0,
    correction: str | None = None,
    decay: float = 1.0,
    hotspot_k: int = 0,
    hotspot_boost: float = 0.2,
    record_every: int | None = None,
    random_state: int | np.random.Generator | None = None,
) -> PolicingResult:
    """Simulate the predictive-policing feedback loop of Ensign et al. (2018).

    A model's belief is the number of incidents recorded in each of K regions. Each step
    patrols are allocated from the belief, true incidents happen at the hidden ``rates``,
    and what is recorded (reported incidents everywhere, discovered incidents where the
    patrols are) is added to the belief. All runs advance together as ``(n_runs, K)``
    arrays; only the steps are a Python loop.

    Parameters
    ----------
    rates : array-like of shape (K,)
        True expected incidents per step in each region (K >= 2, all > 0).
    prior : float or array-like of shape (K,)
        Initial recorded counts (> 0), e.g. ``(55, 45)`` for a small historical imbalance.
    n_steps : int
        Number of steps (days) per run.
    n_runs : int, default=1
        Number of independent runs.
    allocation : {"proportional", "greedy", "top_k"}, default="proportional"
        Patrols in proportion to the belief, all to the top region, or equally to the
        ``k`` top regions.
    k : int, optional
        Number of patrolled regions for ``allocation="top_k"``.
    reported_fraction : float, default=0.0
        Probability that an incident is reported regardless of patrols.
    correction : {None, "reject", "weight", "complement"}, default=None
        Ensign et al.'s correction of discovered incidents: keep each with probability
        ``min_j p_j / p_i`` ("reject") or weight it by that factor ("weight").
        "complement" (keep with probability proportional to ``1 - p_i``) is the two-region
        form that fails for K > 2, kept for comparison.
    decay : float, default=1.0
        Belief is multiplied by ``decay`` before each update (1 = no forgetting).
    hotspot_k : int, default=0
        Number of hotspot regions flagged each step (largest beliefs); 0 = no hotspots.
    hotspot_boost : float, default=0.2
        Probability that an otherwise unrecorded incident in a flagged region is recorded.
    record_every : int, optional
        Keep the history every ``record_every`` steps (plus the first and last). By default
        about 200 points, so memory does not grow with ``n_steps``.
    random_state : int, numpy Generator or None
        Seed or generator; the same seed gives the same result.

    Returns
    -------
    PolicingResult
        ``final_shares`` (n_runs x K), the tidy ``history()`` and summaries.

    Examples
    --------
    >>> res = simulate_policing([1, 1], prior=[55, 45], n_steps=1000, n_runs=50,
    ...                         random_state=0)
    >>> res.final_shares.shape
    (50, 2)
    """
    params = PolicingParams(
        rates=rates,
        prior=prior,
        allocation=allocation,
        k=k,
        reported_fraction=reported_fraction,
        correction=correction,
        decay=decay,
        hotspot_k=hotspot_k,
        hotspot_boost=hotspot_boost,
    )
    return run_policing(
        params,
        n_steps=n_steps,
        n_runs=n_runs,
        record_every=record_every,
        random_state=random_state,
    )
