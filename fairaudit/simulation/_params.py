"""Frozen parameters of the predictive-policing feedback-loop model, validated once.

Error messages are module constants so that tests can match them exactly.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import cached_property

import numpy as np

ALLOCATIONS = ("proportional", "greedy", "top_k")
CORRECTIONS = (None, "reject", "weight", "complement")

ERR_RATES = (
    "rates must be a one-dimensional sequence of at least 2 finite, positive incident rates "
    "(expected incidents per step, one per region); got {got}."
)
ERR_PRIOR = (
    "prior must be one positive number (used for every region) or one positive, finite number "
    "per region ({n_regions} regions): the recorded counts the model starts from; got {got}."
)
ERR_ALLOCATION = "allocation must be one of 'proportional', 'greedy', 'top_k'; got {got!r}."
ERR_K_REQUIRED = (
    "allocation='top_k' needs k, the number of regions that share the patrols, as an integer "
    "with 1 <= k <= {n_regions}; got k={got!r}."
)
ERR_K_UNUSED = (
    "k is only used with allocation='top_k'; got k={got!r} with allocation={allocation!r}. "
    "Drop k or pass allocation='top_k'."
)
ERR_FRACTION = "reported_fraction must be a probability in [0, 1]; got {got!r}."
ERR_CORRECTION = "correction must be None, 'reject', 'weight' or 'complement'; got {got!r}."
ERR_CORRECTION_ALLOCATION = (
    "correction={correction!r} divides by each region's patrol probability, so every region "
    "needs a positive one; use allocation='proportional' (got allocation={allocation!r})."
)
ERR_DECAY = "decay must be in (0, 1] (1 keeps every past record); got {got!r}."
ERR_HOTSPOT_K = (
    "hotspot_k must be an integer in [0, {n_regions}] (0 turns hotspots off); got {got!r}."
)
ERR_HOTSPOT_BOOST = "hotspot_boost must be a probability in [0, 1]; got {got!r}."
ERR_POSITIVE_INT = "{name} must be a positive integer; got {got!r}."


def check_positive_int(value: object, name: str) -> int:
    """Return ``value`` as an ``int`` if it is an integer >= 1, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(ERR_POSITIVE_INT.format(name=name, got=value))
    if value < 1:
        raise ValueError(ERR_POSITIVE_INT.format(name=name, got=value))
    return int(value)


def _check_probability(value: object, message: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(message.format(got=value))
    value = float(value)
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(message.format(got=value))
    return value


def _as_rates(rates: object) -> tuple[float, ...]:
    try:
        arr = np.asarray(rates, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(ERR_RATES.format(got=repr(rates))) from None
    if arr.ndim != 1 or arr.size < 2 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(ERR_RATES.format(got=repr(rates)))
    return tuple(float(x) for x in arr)


def _as_prior(prior: object, n_regions: int) -> tuple[float, ...]:
    try:
        arr = np.asarray(prior, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(ERR_PRIOR.format(n_regions=n_regions, got=repr(prior))) from None
    if arr.ndim == 0:
        arr = np.full(n_regions, float(arr))
    if arr.shape != (n_regions,) or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(ERR_PRIOR.format(n_regions=n_regions, got=repr(prior)))
    return tuple(float(x) for x in arr)


@dataclass(frozen=True)
class PolicingParams:
    """Parameters of the feedback-loop model (immutable; validated on construction).

    Parameters
    ----------
    rates : sequence of float
        True expected number of incidents per step in each of the K regions (hidden from
        the model). At least two regions.
    prior : float or sequence of float
        Recorded incident counts the model starts from (the initial "urn"), one per region,
        all > 0. A single number is used for every region.
    allocation : {"proportional", "greedy", "top_k"}
        How patrols follow the model's belief (recorded counts): in proportion to it
        (the Pólya urn of Ensign et al.), all to the region with the most records, or
        split equally among the ``k`` regions with the most records.
    k : int or None
        Number of patrolled regions for ``allocation="top_k"``; must be None otherwise.
    reported_fraction : float
        Probability that an incident is reported by residents (recorded wherever patrols
        are); the rest are recorded only if discovered by a patrol.
    correction : {None, "reject", "weight", "complement"}
        Ensign et al.'s correction of discovered incidents in region i, with patrol
        probabilities p: keep each with probability ``min_j p_j / p_i`` ("reject") or add
        it with that weight ("weight"). "complement" keeps each with probability
        ``(1 - p_i) / max_j (1 - p_j)``, the two-region form, which does *not* remove the
        bias for more regions; it is provided to show that. Needs proportional allocation.
    decay : float
        Factor in (0, 1] applied to the belief before each update (1 = never forget).
    hotspot_k : int
        Number of regions flagged as hotspots each step (the largest beliefs); 0 = off.
    hotspot_boost : float
        Probability that an incident in a flagged region which would otherwise go
        unrecorded is recorded by the extra officers there.
    """

    rates: tuple[float, ...]
    prior: tuple[float, ...]
    allocation: str = "proportional"
    k: int | None = None
    reported_fraction: float = 0.0
    correction: str | None = None
    decay: float = 1.0
    hotspot_k: int = 0
    hotspot_boost: float = 0.2

    def __post_init__(self) -> None:
        rates = _as_rates(self.rates)
        n_regions = len(rates)
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "prior", _as_prior(self.prior, n_regions))
        if not isinstance(self.allocation, str) or self.allocation not in ALLOCATIONS:
            raise ValueError(ERR_ALLOCATION.format(got=self.allocation))
        if self.allocation == "top_k":
            k = self.k
            if (
                isinstance(k, bool)
                or not isinstance(k, numbers.Integral)
                or not 1 <= k <= n_regions
            ):
                raise ValueError(ERR_K_REQUIRED.format(n_regions=n_regions, got=k))
            object.__setattr__(self, "k", int(k))
        elif self.k is not None:
            raise ValueError(ERR_K_UNUSED.format(got=self.k, allocation=self.allocation))
        object.__setattr__(
            self, "reported_fraction", _check_probability(self.reported_fraction, ERR_FRACTION)
        )
        if self.correction not in CORRECTIONS:
            raise ValueError(ERR_CORRECTION.format(got=self.correction))
        if self.correction is not None and self.allocation != "proportional":
            raise ValueError(
                ERR_CORRECTION_ALLOCATION.format(
                    correction=self.correction, allocation=self.allocation
                )
            )
        decay = self.decay
        if isinstance(decay, bool) or not isinstance(decay, numbers.Real):
            raise TypeError(ERR_DECAY.format(got=decay))
        if not 0.0 < float(decay) <= 1.0:
            raise ValueError(ERR_DECAY.format(got=decay))
        object.__setattr__(self, "decay", float(decay))
        hk = self.hotspot_k
        if isinstance(hk, bool) or not isinstance(hk, numbers.Integral) or not 0 <= hk <= n_regions:
            raise ValueError(ERR_HOTSPOT_K.format(n_regions=n_regions, got=hk))
        object.__setattr__(self, "hotspot_k", int(hk))
        object.__setattr__(
            self, "hotspot_boost", _check_probability(self.hotspot_boost, ERR_HOTSPOT_BOOST)
        )

    @cached_property
    def rates_array(self) -> np.ndarray:
        """The rates as a read-only float array of shape (K,)."""
        arr = np.asarray(self.rates, dtype=np.float64)
        arr.flags.writeable = False
        return arr

    @cached_property
    def unreported_rates(self) -> np.ndarray:
        """Rate of incidents nobody reports, ``(1 - reported_fraction) * rates`` (read-only)."""
        arr = (1.0 - self.reported_fraction) * np.asarray(self.rates, dtype=np.float64)
        arr.flags.writeable = False
        return arr

    @property
    def n_regions(self) -> int:
        """Number of regions K."""
        return len(self.rates)

    @property
    def true_shares(self) -> np.ndarray:
        """Each region's share of the true incident rate, ``rates / sum(rates)``."""
        rates = np.asarray(self.rates)
        return rates / rates.sum()
