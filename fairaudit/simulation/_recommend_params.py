"""Frozen parameters of the recommender feedback-loop model, validated once.

Error messages are module constants so that tests can match them exactly.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from ._params import check_positive_int

RECOMMENDERS = ("ideal", "popularity", "mf", "random")
CHOICES = ("preference", "counts")

ERR_RECOMMENDER = "recommender must be one of 'ideal', 'popularity', 'mf', 'random'; got {got!r}."
ERR_CHOICE = "choice must be 'preference' or 'counts'; got {got!r}."
ERR_PROBABILITY = "{name} must be a number in [0, 1]; got {got!r}."
ERR_POSITIVE = "{name} must be a finite number > 0; got {got!r}."
ERR_NONNEGATIVE = "{name} must be a finite number >= 0; got {got!r}."
ERR_NONNEGATIVE_INT = "{name} must be an integer >= 0; got {got!r}."
ERR_SLATE = "slate_size must be an integer in [1, n_items={n_items}]; got {got!r}."
ERR_CATALOGUE = (
    "each user consumes one new item per step, so n_items={n_items} must be at least "
    "n_steps + slate_size = {need}; use more items, fewer steps, or allow_repeats=True."
)
ERR_MINORITY_TOPICS = (
    "minority_topics must be an integer in [1, n_topics - 1 = {most}] when minority_share > 0; "
    "got {got!r}."
)
ERR_MINORITY_ITEMS = (
    "minority_share={share} of n_items={n_items} gives {count} minority items; it must give "
    "at least 1 and leave at least 1 other item (or be 0 for no item groups)."
)
ERR_COUNTS = (
    "choice='counts' (users pick in proportion to current consumption counts: the Pólya urn) "
    "needs recommender='popularity', exploration=0, allow_repeats=True and warmup=0 (every "
    "user sees the same slate); got recommender={recommender!r}, exploration={exploration}, "
    "allow_repeats={repeats}, warmup={warmup}."
)
ERR_WARMUP = "warmup must be an integer in [0, n_steps={n_steps}]; got {got!r}."
ERR_MF_WARMUP = (
    "recommender='mf' needs warmup >= 1: a factorisation of an empty interaction matrix "
    "scores every item 0, and its slates would be the items with the lowest indices."
)


def _real(value: object, name: str, message: str, ok) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(message.format(name=name, got=value))
    value = float(value)
    if not ok(value):  # NaN fails every comparison
        raise ValueError(message.format(name=name, got=value))
    return value


def _nonnegative_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(ERR_NONNEGATIVE_INT.format(name=name, got=value))
    if value < 0:
        raise ValueError(ERR_NONNEGATIVE_INT.format(name=name, got=value))
    return int(value)


@dataclass(frozen=True)
class RecommendationParams:
    """Parameters of the recommender feedback loop (immutable; validated on construction).

    The world follows Chaney, Stewart & Engelhardt (2018): each of ``n_users`` users has a
    preference vector and each of ``n_items`` items an attribute vector on ``n_topics``
    topics (both Dirichlet); a user's true utility for an item is their dot product. Each
    step the recommender shows every user a ranked slate of ``slate_size`` items, each user
    chooses one, and the recommender is retrained on every choice made so far.

    Parameters
    ----------
    recommender : {"ideal", "popularity", "mf", "random"}
        ``ideal`` ranks by the true utility; ``popularity`` by how often each item was
        chosen; ``mf`` by a matrix factorisation (alternating least squares) of the
        user-item interactions; ``random`` shows random items.
    n_users, n_items : int
        Size of the population and of the catalogue.
    n_steps : int
        Number of recommendation rounds; every user chooses one item per round.
    n_topics : int, default 20
        Dimension of the true preferences.
    slate_size : int, default 10
        Items recommended to each user per step.
    exploration : float, default 0.0
        Probability that each slot of the slate shows a random item instead of the
        recommender's choice (ε-greedy).
    position_decay : float, default 0.5
        A user chooses slot r (0 = top) with probability proportional to
        ``utility * (r + 1) ** -position_decay``; 0 means position does not matter.
    user_concentration, item_concentration : float, default 1.0 and 0.5
        Dirichlet concentration per topic of user preferences and item attributes (small:
        peaked on few topics).
    minority_share : float, default 0.2
        Share of the catalogue made by minority creators (item group 1); 0 for no groups.
    minority_topics : int, default 4
        Topics on which minority items load (the others are for the majority's items).
    minority_appeal : float, default 0.1
        Share of users' preference mass, on average, on the minority topics.
    mf_factors : int, default 10
        Number of latent factors of the ``mf`` model.
    mf_regularisation : float, default 1.0
        Ridge penalty of the alternating least squares.
    warmup : int, default 10
        Steps of random recommendations before the recommender is used (the paper's
        start-up period, which gives a trained recommender its first data).
    allow_repeats : bool, default False
        Whether an item already consumed by a user may be recommended to them again.
    choice : {"preference", "counts"}, default "preference"
        ``preference``: users choose by true utility and position. ``counts``: users
        choose among the slate in proportion to each item's consumption count plus
        ``prior``, one after another (the Pólya urn of the popularity loop).
    prior : float, default 1.0
        Pseudo-count of every item for ``choice="counts"``.
    """

    recommender: str
    n_users: int = 1000
    n_items: int = 500
    n_steps: int = 100
    n_topics: int = 20
    slate_size: int = 10
    exploration: float = 0.0
    position_decay: float = 0.5
    user_concentration: float = 1.0
    item_concentration: float = 0.5
    minority_share: float = 0.2
    minority_topics: int = 4
    minority_appeal: float = 0.1
    mf_factors: int = 10
    mf_regularisation: float = 1.0
    warmup: int = 10
    allow_repeats: bool = False
    choice: str = "preference"
    prior: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.recommender, str) or self.recommender not in RECOMMENDERS:
            raise ValueError(ERR_RECOMMENDER.format(got=self.recommender))
        if not isinstance(self.choice, str) or self.choice not in CHOICES:
            raise ValueError(ERR_CHOICE.format(got=self.choice))
        for name in ("n_users", "n_items", "n_steps", "n_topics", "mf_factors"):
            object.__setattr__(self, name, check_positive_int(getattr(self, name), name))
        if self.n_users < 2:
            raise ValueError(f"n_users must be at least 2 (users are paired); got {self.n_users}.")
        k = self.slate_size
        if (
            isinstance(k, bool)
            or not isinstance(k, numbers.Integral)
            or not (1 <= k <= self.n_items)
        ):
            raise ValueError(ERR_SLATE.format(n_items=self.n_items, got=k))
        object.__setattr__(self, "slate_size", int(k))
        if not isinstance(self.allow_repeats, bool):
            raise TypeError(f"allow_repeats must be True or False; got {self.allow_repeats!r}.")
        if not self.allow_repeats and self.n_items < self.n_steps + self.slate_size:
            raise ValueError(
                ERR_CATALOGUE.format(n_items=self.n_items, need=self.n_steps + self.slate_size)
            )
        prob = (ERR_PROBABILITY, lambda v: 0.0 <= v <= 1.0)
        pos = (ERR_POSITIVE, lambda v: 0.0 < v < float("inf"))
        nonneg = (ERR_NONNEGATIVE, lambda v: 0.0 <= v < float("inf"))
        for name, (message, ok) in {
            "exploration": prob,
            "position_decay": nonneg,
            "user_concentration": pos,
            "item_concentration": pos,
            "minority_share": prob,
            "minority_appeal": prob,
            "mf_regularisation": pos,
            "prior": pos,
        }.items():
            object.__setattr__(self, name, _real(getattr(self, name), name, message, ok))
        if self.minority_share > 0:
            count = self.n_minority_items
            if not 1 <= count <= self.n_items - 1:
                raise ValueError(
                    ERR_MINORITY_ITEMS.format(
                        share=self.minority_share, n_items=self.n_items, count=count
                    )
                )
            mt = self.minority_topics
            if (
                isinstance(mt, bool)
                or not isinstance(mt, numbers.Integral)
                or not (1 <= mt <= self.n_topics - 1)
            ):
                raise ValueError(ERR_MINORITY_TOPICS.format(most=self.n_topics - 1, got=mt))
            object.__setattr__(self, "minority_topics", int(mt))
        warmup = _nonnegative_int(self.warmup, "warmup")
        if warmup > self.n_steps:
            raise ValueError(ERR_WARMUP.format(n_steps=self.n_steps, got=warmup))
        if self.recommender == "mf" and warmup < 1:
            raise ValueError(ERR_MF_WARMUP)
        object.__setattr__(self, "warmup", warmup)
        if self.choice == "counts" and (
            self.recommender != "popularity"
            or self.exploration > 0
            or not self.allow_repeats
            or self.warmup > 0
        ):
            raise ValueError(
                ERR_COUNTS.format(
                    recommender=self.recommender,
                    exploration=self.exploration,
                    repeats=self.allow_repeats,
                    warmup=self.warmup,
                )
            )

    @property
    def n_minority_items(self) -> int:
        """Number of items in the minority group (0 when there are no groups)."""
        return int(round(self.minority_share * self.n_items))

    @property
    def has_groups(self) -> bool:
        """Whether the catalogue is split into a majority and a minority group."""
        return self.minority_share > 0
