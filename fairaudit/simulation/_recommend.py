"""Driver: run the recommender feedback loop for many independent runs at once."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from ._params import check_positive_int
from ._recommend_measures import (
    gini,
    jaccard_from_intersections,
    pack,
    pair_intersections,
    top_share,
)
from ._recommend_params import RecommendationParams
from ._recommend_result import MEASURES, RecommendationResult
from ._recommend_state import Stepper, _frozen, _writable, initial_recommendation_state
from ._recommend_world import RecommendationWorld, item_groups, make_world
from ._simulate import _generator, _record_steps

ERR_PARAMS = (
    "params must be a RecommendationParams (build one with "
    "RecommendationParams(recommender=...)); got {got}."
)
#: Runs simulated together are limited to about this many user-item cells: small chunks
#: keep the per-step arrays in cache (one run of 1,000 x 500 is a chunk of its own).
CHUNK_CELLS = 500_000


def _chunk_size(params: RecommendationParams, chunk_size: int | None) -> int:
    if chunk_size is not None:
        return check_positive_int(chunk_size, "chunk_size")
    return max(1, CHUNK_CELLS // (params.n_users * params.n_items))


def _measure(s: dict, world: RecommendationWorld, has_groups: bool) -> dict[str, np.ndarray]:
    """The measures of every run of a chunk at the current step."""
    n_runs = s["counts"].shape[0]
    if "_inter" not in s:  # kept up to date by the stepper from now on
        packed = pack(s["consumed"])
        s["_inter"] = np.stack([pair_intersections(packed, p) for p in world.partners])
    similar, random = (
        jaccard_from_intersections(inter, s["sizes"], p)
        for inter, p in zip(s["_inter"], world.partners, strict=True)
    )
    out = {
        "jaccard_similar": similar,
        "jaccard_random": random,
        "gini": gini(s["counts"]),
        "top_share": top_share(s["counts"]),
        "step_utility": s["step_utility"].copy(),
    }
    shown = s["counts"].sum(axis=1)  # one choice per user and step
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_utility"] = np.where(shown > 0, s["utility_sum"] / np.maximum(shown, 1), np.nan)
        if has_groups:
            exp = s["exposure"]
            out["minority_exposure"] = np.where(exp.sum(1) > 0, exp[:, 1] / exp.sum(1), np.nan)
            ch = s["group_choices"]
            out["minority_choices"] = np.where(ch.sum(1) > 0, ch[:, 1] / ch.sum(1), np.nan)
            slate = s["last_slate"]
            if slate[0, 0, 0] < 0:
                out["minority_slate"] = np.full(n_runs, np.nan)
            else:
                out["minority_slate"] = world.groups[slate].mean(axis=(1, 2))
        else:
            for name in ("minority_exposure", "minority_choices", "minority_slate"):
                out[name] = np.full(n_runs, np.nan)
    return out


def simulate_recommendation(
    params: RecommendationParams,
    *,
    n_runs: int = 1,
    random_state: int | np.random.Generator | None = None,
    record_every: int = 1,
    chunk_size: int | None = None,
) -> RecommendationResult:
    """Simulate the recommender feedback loop of Chaney, Stewart & Engelhardt (2018).

    Users with hidden true preferences are shown slates by a recommender, choose among
    them by true utility and position, and the recommender is retrained on the choices.
    Runs are simulated in chunks; within a chunk every step is a handful of numpy
    operations on ``(runs, users, items)`` arrays (no Python loop over users).

    Parameters
    ----------
    params : RecommendationParams
        The model, including which recommender is used.
    n_runs : int, default 1
        Number of independent runs (each with its own users and items).
    random_state : int, numpy Generator or None
        Seed or generator. Run r's world and draws come from its own child generator, so
        with the same seed every recommender meets the same users and items (common
        random numbers: the comparison with the ideal recommender is paired per run),
        and a run's result does not depend on ``chunk_size``.
    record_every : int, default 1
        Record the measures every ``record_every`` steps (plus the first and last).
    chunk_size : int, optional
        Runs simulated together (default: about 500,000 user-item cells per chunk).

    Returns
    -------
    RecommendationResult
        Measures per recorded step and run (``history()``, ``spread()``), the true
        preference and catalogue shares of the item groups, and ``relative_to(ideal)``.

    Examples
    --------
    >>> params = RecommendationParams("popularity", n_users=100, n_items=60, n_steps=20)
    >>> res = simulate_recommendation(params, n_runs=3, random_state=0)
    >>> res.measure("gini").shape
    (21, 3)
    """
    if not isinstance(params, RecommendationParams):
        raise TypeError(ERR_PARAMS.format(got=type(params).__name__))
    n_runs = check_positive_int(n_runs, "n_runs")
    record_every = check_positive_int(record_every, "record_every")
    steps = _record_steps(params.n_steps, min(record_every, params.n_steps))
    chunk = _chunk_size(params, chunk_size)
    children = _generator(random_state).spawn(n_runs)
    pairs = [child.spawn(2) for child in children]  # (world, dynamics) per run

    # The products are small (users x items x factors) and done one run at a time: a
    # multi-threaded BLAS only adds contention on a shared machine, so it gets one thread.
    with threadpool_limits(1, user_api="blas"):
        return _simulate(params, n_runs, steps, chunk, pairs)


def _simulate(
    params: RecommendationParams,
    n_runs: int,
    steps: np.ndarray,
    chunk: int,
    pairs: list[list[np.random.Generator]],
) -> RecommendationResult:
    """Simulate the runs chunk by chunk and collect the measures (see the caller)."""
    measures = {name: np.full((len(steps), n_runs), np.nan) for name in MEASURES}
    preference, favourite = [], []
    checksum = np.empty(n_runs)
    final_counts = np.empty((n_runs, params.n_items))
    exposure, choices = [], []
    for start in range(0, n_runs, chunk):
        idx = slice(start, min(start + chunk, n_runs))
        world = make_world(params, [w for w, _ in pairs[idx]])
        rngs = [d for _, d in pairs[idx]]
        stepper = Stepper(params, world)
        s = _writable(initial_recommendation_state(params, world, rngs))
        j, t = 0, 0
        while True:
            if t == steps[j]:
                for name, value in _measure(s, world, params.has_groups).items():
                    measures[name][j, idx] = value
                j += 1
                if j == len(steps):
                    break
            stepper.step(s, t, rngs)
            t += 1
        state = _frozen(t, s)
        preference.append(world.preference_share)
        favourite.append(world.favourite_share(params.slate_size))
        checksum[idx] = world.utility.sum(axis=(1, 2), dtype=np.float64)
        final_counts[idx] = state.counts
        exposure.append(state.exposure)
        choices.append(state.group_choices)
        del world, stepper, s, state
    return RecommendationResult(
        params=params,
        n_runs=n_runs,
        steps=steps,
        measures=measures,
        preference_share=np.concatenate(preference),
        favourite_share=np.concatenate(favourite),
        catalogue_share=np.bincount(item_groups(params)) / params.n_items,
        world_checksum=checksum,
        final_counts=final_counts,
        final_exposure=np.concatenate(exposure),
        final_choices=np.concatenate(choices),
    )
