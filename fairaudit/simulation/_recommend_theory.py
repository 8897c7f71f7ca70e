"""Closed forms for the popularity loop with choices in proportion to counts (a Pólya urn).

When every item is shown and each choice goes to an item with probability proportional to
its count plus a pseudo-count ``prior_i`` (users choosing one after another), the counts
after n choices are Dirichlet-multinomial(n, prior) and the shares converge to a
Dirichlet(prior) limit: the urn of the policing study, with one colour per item.
"""

from __future__ import annotations

import numpy as np


def polya_share_moments(prior: np.ndarray, n_draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each item's share of the first ``n_draws`` choices.

    Counts are Dirichlet-multinomial(n, a) with ``A = sum(a)``: the share of item i has
    mean ``a_i / A`` and variance ``p_i (1 - p_i) (n + A) / (n (A + 1))``; as n grows
    the variance tends to ``p_i (1 - p_i) / (A + 1)``, that of the Dirichlet(a) limit.

    Parameters
    ----------
    prior : array-like of shape (n_items,)
        Pseudo-counts (> 0).
    n_draws : int
        Number of choices made (>= 1).
    """
    a = np.asarray(prior, dtype=np.float64)
    if a.ndim != 1 or a.size < 2 or not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"prior must be at least 2 positive, finite pseudo-counts; got {prior!r}.")
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ValueError(f"n_draws must be a positive integer; got {n_draws!r}.")
    total = a.sum()
    p = a / total
    return p, p * (1 - p) * (n_draws + total) / (n_draws * (total + 1))
