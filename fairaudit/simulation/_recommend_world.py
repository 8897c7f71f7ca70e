"""The hidden world of the recommender model: preferences, item attributes, true utility.

After Chaney, Stewart & Engelhardt (2018): user preferences and item attributes are
Dirichlet vectors on a few topics and a user's true utility for an item is their dot
product. Items are split into a majority and a minority group (e.g. items by minority
creators): minority items load on their own topics, which carry a small share of users'
preference mass. Every array is per run; the world of run r depends only on its own
generator, so every recommender simulated with the same seed meets the same users.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._recommend_params import RecommendationParams

#: Share of an item's Dirichlet mean on its own group's topics (the rest is spread evenly).
OWN_TOPIC_MASS = 0.95


@dataclass(frozen=True)
class RecommendationWorld:
    """The hidden truth of ``n_runs`` runs (read-only arrays).

    Attributes
    ----------
    utility : ndarray of shape (n_runs, n_users, n_items), float32
        True utility of each item for each user, in (0, 1).
    groups : ndarray of shape (n_items,), int
        Item group (0 = majority, 1 = minority); all 0 without groups.
    similar_partner, random_partner : ndarray of shape (n_runs, n_users), int
        For each user, the other user with the most similar true preferences (cosine
        similarity), and a random other user; homogenisation compares each pair.
    """

    utility: np.ndarray
    groups: np.ndarray
    similar_partner: np.ndarray
    random_partner: np.ndarray

    def __post_init__(self) -> None:
        for arr in (self.utility, self.groups, self.similar_partner, self.random_partner):
            arr.flags.writeable = False

    @property
    def partners(self) -> tuple[np.ndarray, np.ndarray]:
        """``(similar_partner, random_partner)``, in the order the measures use them."""
        return self.similar_partner, self.random_partner

    @property
    def preference_share(self) -> np.ndarray:
        """Each group's share of the total true utility, shape (n_runs, n_groups)."""
        per_item = self.utility.sum(axis=1, dtype=np.float64)
        n_groups = int(self.groups.max()) + 1
        out = np.stack([per_item[:, self.groups == g].sum(axis=1) for g in range(n_groups)], axis=1)
        return out / out.sum(axis=1, keepdims=True)

    def favourite_share(self, k: int) -> np.ndarray:
        """Each group's share of users' own top-``k`` items by true utility, (n_runs, n_groups).

        What the slates would hold if every user were shown their ``k`` favourite items.
        """
        n_items = self.utility.shape[2]
        kth = np.partition(self.utility, n_items - k, axis=2)[..., n_items - k : n_items - k + 1]
        top = self.utility >= kth
        n_groups = int(self.groups.max()) + 1
        counts = np.stack(
            [top[..., self.groups == g].sum(axis=(1, 2)) for g in range(n_groups)], axis=1
        ).astype(np.float64)
        return counts / counts.sum(axis=1, keepdims=True)

    @property
    def catalogue_share(self) -> np.ndarray:
        """Each group's share of the catalogue, shape (n_groups,)."""
        return np.bincount(self.groups) / self.groups.size


def topic_means(params: RecommendationParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dirichlet means: users', majority items' and minority items' (each of shape (K,))."""
    k = params.n_topics
    if not params.has_groups:
        flat = np.full(k, 1.0 / k)
        return flat, flat, flat
    m = params.minority_topics
    minority = np.zeros(k, dtype=bool)
    minority[k - m :] = True
    users = np.where(minority, params.minority_appeal / m, (1.0 - params.minority_appeal) / (k - m))
    users = users / users.sum()

    def items(own: np.ndarray) -> np.ndarray:
        mean = np.where(own, OWN_TOPIC_MASS / own.sum(), (1 - OWN_TOPIC_MASS) / (~own).sum())
        return mean / mean.sum()

    return users, items(~minority), items(minority)


def item_groups(params: RecommendationParams) -> np.ndarray:
    """Group of each item: the first ``n_minority_items`` items are the minority (1)."""
    groups = np.zeros(params.n_items, dtype=np.intp)
    groups[: params.n_minority_items] = 1
    return groups


def _partners(theta: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    unit = theta / np.linalg.norm(theta, axis=1, keepdims=True)
    cos = unit @ unit.T
    np.fill_diagonal(cos, -np.inf)
    similar = cos.argmax(axis=1)
    n = theta.shape[0]
    perm = rng.permutation(n)
    random = np.empty(n, dtype=np.intp)
    random[perm] = perm[np.roll(np.arange(n), -1)]  # a cycle: nobody is their own partner
    return similar, random


def make_world(
    params: RecommendationParams, rngs: list[np.random.Generator]
) -> RecommendationWorld:
    """Draw the hidden world of each run, one generator per run."""
    users, majority, minority = topic_means(params)
    groups = item_groups(params)
    k = params.n_topics
    alpha_users = params.user_concentration * k * users
    alpha_items = (
        params.item_concentration
        * k
        * np.where(groups[:, None] == 1, minority[None, :], majority[None, :])
    )
    utility, similar, random = [], [], []
    for rng in rngs:
        theta = rng.dirichlet(alpha_users, size=params.n_users)
        beta = rng.standard_gamma(alpha_items)
        beta /= beta.sum(axis=1, keepdims=True)
        utility.append((theta @ beta.T).astype(np.float32))
        s, r = _partners(theta, rng)
        similar.append(s)
        random.append(r)
    return RecommendationWorld(np.stack(utility), groups, np.stack(similar), np.stack(random))
