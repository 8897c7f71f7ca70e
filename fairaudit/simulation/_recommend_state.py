"""State of the recommender loop and its pure one-step update, vectorised over runs and users.

Every array has a leading axis of runs: row r is an independent run with its own world
(:class:`~fairaudit.simulation._recommend_world.RecommendationWorld`) and its own random
generator, so a run's trajectory does not depend on which other runs are simulated with it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ._als import als_sweep
from ._recommend_params import RecommendationParams
from ._recommend_slate import explore_slate, first_available, random_items, top_k
from ._recommend_world import RecommendationWorld

#: ALS sweeps when the factorisation is first trained (later steps start from the last fit).
FIRST_SWEEPS = 5
#: Scale of the random initial factors of the factorisation.
INIT_SCALE = 0.1
#: The factorisation's interaction entry, which also excludes consumed items from its
#: slates (a power of two: the interactions scaled back by it are exact).
PENALTY = np.float32(-(2.0**100))


@dataclass(frozen=True)
class RecommendationState:
    """State after ``step`` steps of ``n_runs`` runs (arrays are read-only).

    Attributes
    ----------
    step : int
        Number of steps taken.
    consumed : ndarray of shape (n_runs, n_users, n_items), bool
        Items each user has chosen at least once.
    sizes : ndarray of shape (n_runs, n_users), int
        Number of distinct items each user has chosen.
    counts : ndarray of shape (n_runs, n_items)
        How often each item was chosen (item popularity).
    exposure : ndarray of shape (n_runs, n_groups)
        Slots shown to users, by item group (cumulative).
    group_choices : ndarray of shape (n_runs, n_groups)
        Choices by item group (cumulative).
    utility_sum : ndarray of shape (n_runs,)
        Sum over steps and users of the true utility of the chosen items.
    step_utility : ndarray of shape (n_runs,)
        Mean true utility of the items chosen in the last step (NaN before the first).
    last_slate : ndarray of shape (n_runs, n_users, slate_size), int
        The slates shown in the last step (-1 before the first).
    user_factors, item_factors : ndarray
        The matrix factorisation's current factors (``mf`` only; empty otherwise).
    """

    step: int
    consumed: np.ndarray
    sizes: np.ndarray
    counts: np.ndarray
    exposure: np.ndarray
    group_choices: np.ndarray
    utility_sum: np.ndarray
    step_utility: np.ndarray
    last_slate: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name != "step":
                getattr(self, f.name).flags.writeable = False

    @property
    def n_runs(self) -> int:
        """Number of independent runs."""
        return self.consumed.shape[0]


def initial_recommendation_state(
    params: RecommendationParams, world: RecommendationWorld, rngs: list[np.random.Generator]
) -> RecommendationState:
    """Nothing consumed or shown yet; random initial factors for ``mf`` (from ``rngs``)."""
    n_runs = world.utility.shape[0]
    u, i = params.n_users, params.n_items
    n_groups = int(world.groups.max()) + 1
    if params.recommender == "mf":
        f = params.mf_factors
        users = np.stack([INIT_SCALE * rng.standard_normal((u, f)) for rng in rngs])
        items = np.zeros((n_runs, i, f))
        users, items = users.astype(np.float32), items.astype(np.float32)
    else:
        users = np.zeros((n_runs, 0, 0), dtype=np.float32)
        items = np.zeros((n_runs, 0, 0), dtype=np.float32)
    return RecommendationState(
        0,
        np.zeros((n_runs, u, i), dtype=bool),
        np.zeros((n_runs, u), dtype=np.int64),
        np.zeros((n_runs, i)),
        np.zeros((n_runs, n_groups)),
        np.zeros((n_runs, n_groups)),
        np.zeros(n_runs),
        np.full(n_runs, np.nan),
        np.full((n_runs, u, params.slate_size), -1, dtype=np.intp),
        users,
        items,
    )


class Stepper:
    """Advances private, writable copies of a state's arrays in place.

    Holds what depends only on the world (the ideal ranking, position weights) so that it
    is computed once per simulation. :func:`recommendation_step` wraps it as a pure function.
    """

    def __init__(self, params: RecommendationParams, world: RecommendationWorld) -> None:
        self.params = params
        self.world = world
        self.utility = world.utility
        self.groups = world.groups
        self.n_groups = int(world.groups.max()) + 1
        k = params.slate_size
        self.position_weight = np.arange(1, k + 1, dtype=np.float32) ** np.float32(
            -params.position_decay
        )
        self._ideal_order: np.ndarray | None = None
        self._ideal_rank: np.ndarray | None = None
        # flat indices used every step: each (run, user)'s first cell of the
        # (runs, users, items) arrays and of the slates, and each partner's row
        n_runs, n_users = world.utility.shape[:2]
        user_rows = np.arange(n_runs * n_users).reshape(n_runs, n_users)
        self.cell_rows = user_rows * params.n_items
        self.slot_rows = user_rows * k
        self.partner_rows = tuple(
            p + (np.arange(n_runs) * n_users)[:, None] for p in world.partners
        )

    def ideal_order(self) -> np.ndarray:
        """Items by decreasing true utility, per run and user (computed once)."""
        if self._ideal_order is None:
            order = np.argsort(-self.utility, axis=2, kind="stable")
            rank = np.empty_like(order)
            np.put_along_axis(rank, order, np.arange(order.shape[2])[None, None, :], axis=2)
            self._ideal_order, self._ideal_rank = order, rank
        return self._ideal_order

    def _ranked(self, s: dict) -> np.ndarray:
        """``consumed`` in the ideal order of each user, kept in ``s`` (a private key)."""
        if "_ranked" not in s:
            s["_ranked"] = np.take_along_axis(s["consumed"], self.ideal_order(), axis=2)
        return s["_ranked"]

    def _prefix(self, sizes: np.ndarray) -> int:
        if self.params.allow_repeats:
            return self.params.slate_size
        return min(self.params.n_items, self.params.slate_size + int(sizes.max()))

    def slate(self, s: dict, t: int, rngs: list[np.random.Generator]) -> np.ndarray:
        """The slates of step ``t`` (0-based), shape (n_runs, n_users, slate_size)."""
        p = self.params
        k, n_runs, n_users = p.slate_size, len(rngs), p.n_users
        consumed = None if p.allow_repeats else s["consumed"]
        if t < p.warmup or p.recommender == "random":
            return random_items(consumed, None, k, p.n_items, (n_runs, n_users), rngs)
        if p.recommender == "ideal":
            prefix = self._prefix(s["sizes"])
            taken = None if consumed is None else self._ranked(s)[..., :prefix]
            exploit = first_available(self.ideal_order()[..., :prefix], taken, k, n_users)
        elif p.recommender == "popularity":
            # rank by popularity, ties broken at random (counts are integers)
            keys = s["counts"] + 0.5 * np.stack([rng.random(p.n_items) for rng in rngs])
            order = np.argsort(-keys, axis=1)[:, : self._prefix(s["sizes"])]
            taken = (
                None
                if consumed is None
                else np.stack([np.take(consumed[r], order[r], axis=1) for r in range(n_runs)])
            )
            exploit = first_available(order[:, None, :], taken, k, n_users)
        else:  # "mf": retrain on every choice so far, then rank by the predicted score
            # One array is both the interactions and the penalty of consumed items:
            # -2**100 where the user chose the item, 0 elsewhere. The factorisation reads it
            # scaled back by the exact power of two; added to the scores it puts every
            # consumed item below all others (|score| < 2**75 is absorbed). step() keeps
            # it up to date.
            if "_penalty" not in s:
                s["_penalty"] = np.where(s["consumed"], PENALTY, np.float32(0.0))
            penalty = s["_penalty"]
            sweeps = FIRST_SWEEPS if t == p.warmup else 1
            users, items = s["user_factors"], s["item_factors"]
            for _ in range(sweeps):
                users, items = als_sweep(
                    penalty, users, items, p.mf_regularisation, scale=1.0 / float(PENALTY)
                )
            s["user_factors"], s["item_factors"] = users, items
            if "_scores" not in s:
                s["_scores"] = np.empty((n_runs, n_users, p.n_items), dtype=np.float32)
            scores = s["_scores"]
            for r in range(n_runs):
                np.matmul(users[r], items[r].T, out=scores[r])
            if consumed is not None:
                np.add(scores, penalty, out=scores)
            exploit = top_k(scores, k, overwrite=True)  # the buffer is refilled each step
        if p.exploration > 0:
            explore = per_run(rngs, lambda rng: rng.random((n_users, k)) < p.exploration)
            if explore.any():
                exploit = explore_slate(exploit, explore, consumed, p.n_items, rngs)
        return exploit

    def choose(self, s: dict, slate: np.ndarray, rngs: list[np.random.Generator]) -> np.ndarray:
        """The item each user chooses from their slate, shape (n_runs, n_users)."""
        p = self.params
        n_runs, n_users = slate.shape[:2]
        if p.choice == "counts":
            # Users arrive one after another and pick in proportion to the counts updated
            # by those before them: exchangeable, so the same as drawing shares from
            # Dirichlet(prior + counts) on the slate and letting every user pick from them.
            shown = slate[:, 0, :]  # the popularity slate is the same for every user
            alpha = p.prior + np.take_along_axis(s["counts"], shown, axis=1)
            gam = np.stack([rng.standard_gamma(a) for rng, a in zip(rngs, alpha, strict=True)])
            cum = np.cumsum(gam, axis=1)
            u = np.stack([rng.random(n_users) for rng in rngs]) * cum[:, -1:]
            slot = (cum[:, None, :] <= u[:, :, None]).sum(axis=2)
            return np.take_along_axis(shown, np.minimum(slot, shown.shape[1] - 1), axis=1)
        weights = np.take(self.utility.reshape(-1), self.cell_rows[..., None] + slate)
        weights *= self.position_weight
        cum = np.cumsum(weights, axis=2)
        u = per_run(rngs, lambda rng: rng.random(n_users, dtype=np.float32))
        u *= cum[..., -1]
        slot = (cum <= u[..., None]).sum(axis=2)
        np.minimum(slot, slate.shape[2] - 1, out=slot)  # guards rounding at the top end
        return np.take(slate.reshape(-1), self.slot_rows + slot)

    def _update_intersections(
        self, inter: np.ndarray, cells: np.ndarray, chosen: np.ndarray, new: np.ndarray
    ) -> None:
        """Add this step's choices to ``|C_u & C_v|`` for each user u and partner v.

        ``cells`` is the consumed matrix (flat) after the step. u's set grew by its
        choice i_u if ``new[u]``, v's by i_v: the intersection grows by
        ``[new_u and i_u in C_v] + [new_v and i_v in C_u]``, minus 1 when both are new and
        the same item (counted twice).
        """
        n_items = self.params.n_items
        for inter_p, rows in zip(inter, self.partner_rows, strict=True):
            other = np.take(chosen, rows)  # the partner's choice and whether it is new
            other_new = np.take(new, rows)
            inter_p += new & cells[rows * n_items + chosen]  # i_u in C_v
            inter_p += other_new & cells[self.cell_rows + other]  # i_v in C_u
            inter_p -= new & other_new & (chosen == other)

    def step(self, s: dict, t: int, rngs: list[np.random.Generator]) -> None:
        """Advance the writable arrays in ``s`` by one step (step index ``t``)."""
        p = self.params
        slate = self.slate(s, t, rngs)
        chosen = self.choose(s, slate, rngs)
        n_runs, n_users = chosen.shape
        cells = s["consumed"].reshape(-1)
        flat_cell = self.cell_rows + chosen
        new = ~cells[flat_cell]
        cells[flat_cell] = True
        if "_penalty" in s:
            s["_penalty"].reshape(-1)[flat_cell] = PENALTY
        if "_ranked" in s:
            rank = np.take(self._ideal_rank.reshape(-1), flat_cell)
            s["_ranked"].reshape(-1)[self.cell_rows + rank] = True
        s["sizes"] += new
        if "_inter" in s:  # the pairs' intersections, for the Jaccard measures
            self._update_intersections(s["_inter"], cells, chosen, new)
        offsets = (np.arange(n_runs) * p.n_items)[:, None]
        s["counts"] += np.bincount(
            (chosen + offsets).reshape(-1), minlength=n_runs * p.n_items
        ).reshape(n_runs, p.n_items)
        g = self.n_groups
        goff = (np.arange(n_runs) * g)[:, None]
        s["exposure"] += np.bincount(
            (self.groups[slate].reshape(n_runs, -1) + goff).reshape(-1), minlength=n_runs * g
        ).reshape(n_runs, g)
        s["group_choices"] += np.bincount(
            (self.groups[chosen] + goff).reshape(-1), minlength=n_runs * g
        ).reshape(n_runs, g)
        got = np.take(self.utility.reshape(-1), flat_cell)
        s["utility_sum"] += got.sum(axis=1, dtype=np.float64)
        s["step_utility"] = got.mean(axis=1, dtype=np.float64)
        s["last_slate"] = slate


def per_run(rngs: list[np.random.Generator], draw) -> np.ndarray:
    """``draw(rng)`` for each run's generator, stacked along a new first axis."""
    if len(rngs) == 1:
        return draw(rngs[0])[None]
    return np.stack([draw(rng) for rng in rngs])


def _writable(state: RecommendationState) -> dict:
    return {f.name: getattr(state, f.name).copy() for f in fields(state) if f.name != "step"}


def _frozen(step: int, s: dict) -> RecommendationState:
    return RecommendationState(step, **{k: v for k, v in s.items() if not k.startswith("_")})


def recommendation_step(
    params: RecommendationParams,
    world: RecommendationWorld,
    state: RecommendationState,
    rngs: list[np.random.Generator],
) -> RecommendationState:
    """Advance every run by one step; returns a new state (``state`` is not modified).

    1. Each user is shown a slate: random items during the warm-up and for ``random``;
       otherwise the recommender's top items among those the user has not consumed
       (``ideal``: true utility; ``popularity``: counts; ``mf``: the factorisation,
       retrained first on every choice so far), each slot replaced with probability
       ``exploration`` by a random item.
    2. Each user chooses one slot with probability proportional to the item's true utility
       times ``(position + 1) ** -position_decay`` (or, for ``choice="counts"``, to its
       count plus ``prior``).
    3. The choices are added to the interaction data, counts and tallies.
    """
    s = _writable(state)
    Stepper(params, world).step(s, state.step, rngs)
    return _frozen(state.step + 1, s)


def advance_recommendation(
    stepper: Stepper, state: RecommendationState, n: int, rngs: list[np.random.Generator]
) -> RecommendationState:
    """Apply ``n`` steps on private copies (same draws and result as repeated pure steps)."""
    s = _writable(state)
    for t in range(state.step, state.step + n):
        stepper.step(s, t, rngs)
    return _frozen(state.step + n, s)
