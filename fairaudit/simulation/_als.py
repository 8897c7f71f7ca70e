"""A small batched alternating least squares for implicit feedback.

The interaction matrix ``P`` (1 where a user chose an item, 0 elsewhere) is approximated by
``X @ Y.T`` with a ridge penalty ``lam``: minimise ``||P - X Y^T||^2 + lam (||X||^2 +
||Y||^2)``. Every unobserved entry counts as a 0 with the same weight as an observed 1
(the uniform-confidence special case of Hu, Koren & Volinsky 2008), so each half-step is
one linear system shared by all users (or all items) of a run:
``X = P Y (Y^T Y + lam I)^-1``. All runs are solved at once as stacked systems.
"""

from __future__ import annotations

import numpy as np


def _half_step(p: np.ndarray, other: np.ndarray, lam: float) -> np.ndarray:
    """Least-squares factors for the rows of ``p`` given the factors of its columns.

    ``p`` has shape (n_runs, n, m), ``other`` (n_runs, m, f); returns (n_runs, n, f).
    """
    f = other.shape[2]
    gram = np.matmul(other.transpose(0, 2, 1), other) + lam * np.eye(f, dtype=other.dtype)
    rhs = np.matmul(p, other)  # (n_runs, n, f)
    # gram is symmetric, so solving gram Z = rhs^T gives Z^T = rhs gram^-1
    return np.linalg.solve(gram, rhs.transpose(0, 2, 1)).transpose(0, 2, 1)


def als_sweep(
    p: np.ndarray, user_factors: np.ndarray, item_factors: np.ndarray, lam: float
) -> tuple[np.ndarray, np.ndarray]:
    """One sweep: items given users, then users given items (returns new arrays).

    Parameters
    ----------
    p : ndarray of shape (n_runs, n_users, n_items)
        Interactions (float).
    user_factors : ndarray of shape (n_runs, n_users, f)
    item_factors : ndarray of shape (n_runs, n_items, f)
        Current factors (the item factors are recomputed first, so only the user factors
        matter as a starting point).
    lam : float
        Ridge penalty (> 0).
    """
    items = _half_step(p.transpose(0, 2, 1), user_factors, lam)
    users = _half_step(p, items, lam)
    return users, items


def als_loss(p: np.ndarray, users: np.ndarray, items: np.ndarray, lam: float) -> np.ndarray:
    """The penalised squared error of each run, shape (n_runs,) (for tests)."""
    resid = p - np.matmul(users, items.transpose(0, 2, 1))
    return (
        (resid.astype(np.float64) ** 2).sum(axis=(1, 2))
        + lam * (users.astype(np.float64) ** 2).sum(axis=(1, 2))
        + lam * (items.astype(np.float64) ** 2).sum(axis=(1, 2))
    )
