"""Mean-field limits of the feedback loop, for plots and documentation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq

from ._params import ERR_FRACTION, ERR_RATES

ERR_NO_FIXED_POINT = (
    "reported_fraction=0 has no unique fixed point (the urn runs away to the region with "
    "the highest rate, or stays wherever it is for equal rates); pass a value in (0, 1]."
)


def reported_fixed_point(
    rates: Sequence[float] | np.ndarray, reported_fraction: float
) -> np.ndarray:
    """Allocation shares at which proportional allocation settles with reports.

    With patrol shares ``s``, region i records on average
    ``rates[i] * (r + (1 - r) * s[i])`` incidents per step (``r`` the reported fraction).
    The shares are stable where they equal the shares of what is recorded::

        s[i] = rates[i] * (r + (1 - r) s[i]) / c,   c = sum_j rates[j] * (r + (1 - r) s[j])

    so ``s[i] = r rates[i] / (c - (1 - r) rates[i])``, with ``c`` the root of
    ``sum_i s[i](c) = 1`` (decreasing in ``c`` on ``((1 - r) max rates, inf)``).

    Parameters
    ----------
    rates : array-like of shape (K,)
        True incident rates (> 0).
    reported_fraction : float
        Probability that an incident is reported, in (0, 1].

    Returns
    -------
    ndarray of shape (K,)
        The fixed point; it lies strictly between the true shares and the one-hot
        allocation to the highest-rate region when ``0 < r < 1`` and rates differ.
    """
    lam = np.asarray(rates, dtype=np.float64)
    if lam.ndim != 1 or lam.size < 2 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(ERR_RATES.format(got=repr(rates)))
    r = float(reported_fraction)
    if not 0.0 <= r <= 1.0:
        raise ValueError(ERR_FRACTION.format(got=reported_fraction))
    if r == 0.0:
        raise ValueError(ERR_NO_FIXED_POINT)
    if r == 1.0:
        return lam / lam.sum()
    lo = (1.0 - r) * lam.max()
    hi = lo + r * lam.sum()

    def excess(c: float) -> float:
        return float(np.sum(r * lam / (c - (1.0 - r) * lam)) - 1.0)

    c = brentq(excess, lo * (1 + 1e-15) + 1e-300, hi, xtol=1e-15, rtol=1e-15)
    s = r * lam / (c - (1.0 - r) * lam)
    return s / s.sum()
