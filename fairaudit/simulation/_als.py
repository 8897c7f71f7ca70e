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


def _solve(other: np.ndarray, rhs_t: np.ndarray, lam: float) -> np.ndarray:
    """Rows ``Z`` minimising ``||P - Z other^T||^2 + lam ||Z||^2`` given ``rhs_t = (P other)^T``.

    ``other`` has shape (n_runs, m, f), ``rhs_t`` (n_runs, f, n); returns (n_runs, n, f).
    """
    f = other.shape[2]
    gram = np.matmul(other.transpose(0, 2, 1), other) + lam * np.eye(f, dtype=other.dtype)
    # gram is symmetric, so solving gram Z^T = rhs^T gives Z = rhs gram^-1
    return np.ascontiguousarray(np.linalg.solve(gram, rhs_t).transpose(0, 2, 1))


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
    # (P^T X)^T = X^T P: products with the contiguous P only, one BLAS call per run
    # (numpy's stacked matmul does not reach BLAS for these shapes, and is far slower)
    n_runs = p.shape[0]
    items = _solve(user_factors, np.stack([user_factors[r].T @ p[r] for r in range(n_runs)]), lam)
    users = _solve(
        items, np.stack([p[r] @ items[r] for r in range(n_runs)]).transpose(0, 2, 1), lam
    )
    return users, items


def als_loss(p: np.ndarray, users: np.ndarray, items: np.ndarray, lam: float) -> np.ndarray:
    """The penalised squared error of each run, shape (n_runs,) (for tests)."""
    resid = p - np.stack([users[r] @ items[r].T for r in range(p.shape[0])])
    return (
        (resid.astype(np.float64) ** 2).sum(axis=(1, 2))
        + lam * (users.astype(np.float64) ** 2).sum(axis=(1, 2))
        + lam * (items.astype(np.float64) ** 2).sum(axis=(1, 2))
    )
