"""State of the feedback loop and its pure one-step update, vectorised over runs.

Every array has shape ``(n_runs, K)``: row r is an independent run. The step draws only
the incidents that the model can see (reported, discovered and kept, extra hotspot
records). Incidents that are never recorded do not influence the dynamics, so their
Poisson intensity is accumulated in ``pending_*`` and drawn in one batch by
:func:`realise_pending` when the tallies are read: a sum of independent Poisson counts is
Poisson with the summed intensity, so the tallies have exactly the distribution they would
have if every incident had been drawn at its own step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._allocation import allocate, top_k_mask
from ._params import PolicingParams

#: Cumulative per-region tallies carried by the state (names of its array fields).
TALLIES = ("patrols", "reported", "discovered", "recorded", "hotspot", "incidents", "flagged")
#: Poisson intensities of incidents not drawn yet (see realise_pending).
PENDING = ("pending_discovered", "pending_missed")


@dataclass(frozen=True)
class PolicingState:
    """State after ``step`` steps of ``n_runs`` independent runs (arrays are read-only).

    Attributes
    ----------
    step : int
        Number of steps taken.
    belief : ndarray of shape (n_runs, K)
        The model's (possibly decayed, possibly weighted) recorded incident counts,
        including the prior: the urn.
    allocation : ndarray of shape (n_runs, K)
        Patrol probabilities for the next step, computed from ``belief``.
    patrols : ndarray
        Cumulative patrol probability (expected patrol-steps) per region.
    reported, discovered : ndarray
        Cumulative incidents reported by residents / discovered by patrols (before any
        correction rejects them).
    recorded : ndarray
        Cumulative amount added to the belief (after correction; weighted for
        ``correction="weight"``, so not always an integer).
    hotspot : ndarray
        Cumulative extra incidents recorded because a region was flagged.
    incidents : ndarray
        Cumulative true incidents.
    flagged : ndarray
        Number of steps each region was flagged as a hotspot.
    pending_discovered, pending_missed : ndarray
        Poisson intensity of discovered-but-rejected and of never-recorded incidents not
        yet drawn into ``discovered`` and ``incidents`` (see :func:`realise_pending`).
    """

    step: int
    belief: np.ndarray
    allocation: np.ndarray
    patrols: np.ndarray
    reported: np.ndarray
    discovered: np.ndarray
    recorded: np.ndarray
    hotspot: np.ndarray
    incidents: np.ndarray
    flagged: np.ndarray
    pending_discovered: np.ndarray
    pending_missed: np.ndarray

    def __post_init__(self) -> None:
        for name in (*TALLIES, *PENDING, "belief", "allocation"):
            getattr(self, name).flags.writeable = False

    @property
    def n_runs(self) -> int:
        """Number of independent runs."""
        return self.belief.shape[0]


def initial_state(params: PolicingParams, n_runs: int, rng: np.random.Generator) -> PolicingState:
    """State before the first step: belief = prior in every run, all tallies zero."""
    shape = (n_runs, params.n_regions)
    belief = np.broadcast_to(np.asarray(params.prior), shape).copy()
    zeros = [np.zeros(shape) for _ in range(len(TALLIES) + 2)]
    return PolicingState(
        0,
        belief,
        allocate(belief, params.allocation, params.k, rng),
        *zeros,
    )


def _draw(
    params: PolicingParams,
    belief: np.ndarray,
    p: np.ndarray,
    rng: np.random.Generator,
) -> tuple:
    """The random part of one step: what is recorded, discovered and missed.

    Returns ``(added, reported, discovered, extra, flags, pending_discovered, missed)``;
    entries that do not apply to the model are the scalar 0.0 (or None for ``flags``).
    Nothing passed in is modified.
    """
    rates = params.rates_array
    r = params.reported_fraction
    unreported = params.unreported_rates
    reported = rng.poisson(r * rates, size=p.shape) if r > 0 else 0.0
    correction = params.correction
    pending_discovered = 0.0
    if correction is None:
        discovered = rng.poisson(unreported * p)
        added = discovered
    elif correction == "weight":
        discovered = rng.poisson(unreported * p)
        added = discovered * (p.min(axis=1, keepdims=True) / p)
    else:
        if correction == "reject":
            keep = p.min(axis=1, keepdims=True) / p
        else:  # "complement": the two-region form, biased for K > 2
            q = 1.0 - p
            keep = q / q.max(axis=1, keepdims=True)
        # keeping each discovered incident with probability `keep` is Poisson thinning
        intensity = unreported * p
        discovered = rng.poisson(intensity * keep)
        added = discovered
        pending_discovered = intensity - intensity * keep
    missed = unreported * (1.0 - p)
    flags = None
    extra = 0.0
    if params.hotspot_k > 0:
        flags = top_k_mask(belief, params.hotspot_k, rng)
        boost = params.hotspot_boost * flags
        extra = rng.poisson(missed * boost)
        missed = missed - missed * boost
    return added, reported, discovered, extra, flags, pending_discovered, missed


def policing_step(
    params: PolicingParams, state: PolicingState, rng: np.random.Generator
) -> PolicingState:
    """Advance every run by one step; returns a new state (``state`` is not modified).

    1. Patrols are in region i with probability ``p_i = state.allocation[:, i]``.
    2. Region i has Poisson(``rates[i]``) true incidents; each is reported with probability
       ``reported_fraction``, otherwise discovered with probability ``p_i`` (Poisson
       thinning makes the three kinds independent Poisson counts).
    3. The correction thins (or weights) discovered incidents; flagged hotspots record each
       otherwise missed incident with probability ``hotspot_boost``.
    4. ``belief <- decay * belief + recorded``, and the next allocation follows the belief.
    """
    p = state.allocation
    added, reported, discovered, extra, flags, pending, missed = _draw(params, state.belief, p, rng)
    recorded_now = reported + added + extra
    belief = params.decay * state.belief + recorded_now
    return PolicingState(
        state.step + 1,
        belief,
        allocate(belief, params.allocation, params.k, rng),
        state.patrols + p,
        state.reported + reported,
        state.discovered + discovered,
        state.recorded + recorded_now,
        state.hotspot + extra,
        state.incidents + (reported + discovered + extra),
        state.flagged + (0.0 if flags is None else flags),
        state.pending_discovered + pending,
        state.pending_missed + missed,
    )


def advance(
    params: PolicingParams, state: PolicingState, n: int, rng: np.random.Generator
) -> PolicingState:
    """Apply :func:`policing_step` ``n`` times; same draws, same result, but faster.

    Works on private copies of the state's arrays updated in place, so the per-step cost
    is a handful of numpy calls; ``state`` itself is not modified.
    """
    belief = state.belief.copy()
    p = state.allocation
    acc = {name: getattr(state, name).copy() for name in (*TALLIES, *PENDING)}
    decay = params.decay
    for _ in range(n):
        added, reported, discovered, extra, flags, pending, missed = _draw(params, belief, p, rng)
        acc["patrols"] += p
        acc["discovered"] += discovered
        acc["pending_missed"] += missed
        seen = discovered
        if params.reported_fraction > 0:
            acc["reported"] += reported
            seen = seen + reported
        if flags is not None:
            acc["hotspot"] += extra
            acc["flagged"] += flags
            seen = seen + extra
        if params.correction in ("reject", "complement"):
            acc["pending_discovered"] += pending
        acc["incidents"] += seen
        recorded_now = (
            seen
            if params.correction in (None, "reject", "complement")
            else (seen - discovered + added)
        )
        acc["recorded"] += recorded_now
        if decay < 1.0:
            belief *= decay
        belief += recorded_now
        p = allocate(belief, params.allocation, params.k, rng)
    return PolicingState(state.step + n, belief, p, *(acc[name] for name in (*TALLIES, *PENDING)))


def realise_pending(state: PolicingState, rng: np.random.Generator) -> PolicingState:
    """Draw the pending, never-recorded incidents into the tallies (a new state).

    Exact in distribution: the pending counts are independent Poisson counts whose
    intensities add up over the steps since the last call.
    """
    rejected = rng.poisson(state.pending_discovered).astype(np.float64)
    missed = rng.poisson(state.pending_missed).astype(np.float64)
    zeros = np.zeros(state.belief.shape)
    return replace(
        state,
        discovered=state.discovered + rejected,
        incidents=state.incidents + rejected + missed,
        pending_discovered=zeros,
        pending_missed=zeros.copy(),
    )
