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


def _ridge_map(other: np.ndarray, lam: float) -> np.ndarray:
    """``other (other^T other + lam I)^-1`` for each run, shape (n_runs, m, f).

    The f x f inverses are computed in float64 (one LAPACK call for all runs; the Gram
    matrix is positive definite, its eigenvalues at least ``lam``) and the map is returned
    in ``other``'s dtype, so that the large product with the interactions (``P @ map``)
    gives the ridge solution directly, contiguous, with no transposes.
    """
    o64 = other.astype(np.float64)
    gram = np.matmul(o64.transpose(0, 2, 1), o64)
    f = other.shape[2]
    gram.reshape(gram.shape[0], f * f)[:, :: f + 1] += lam  # + lam I
    return np.matmul(o64, np.linalg.inv(gram)).astype(other.dtype)


def als_sweep(
    p: np.ndarray,
    user_factors: np.ndarray,
    item_factors: np.ndarray,
    lam: float,
    *,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One sweep: items given users, then users given items (returns new arrays).

    Each half-step is the ridge solution ``Z = P' other (other^T other + lam I)^-1``,
    computed as ``P' @ (other (other^T other + lam I)^-1)``: one large product with the
    interactions per run and half-step (BLAS, with ``P`` read as stored or transposed),
    the small systems solved once per run.

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
    scale : float, default 1.0
        The interactions are ``scale * p``. With ``scale`` a power of two (the simulation
        passes ``p = -2**100`` on interactions, its penalty array) every product is exactly
        ``1 / scale`` times the one with 0/1 entries, so the result is the same to the bit.
    """
    n_runs = p.shape[0]
    dtype = np.result_type(p.dtype, user_factors.dtype)
    items = np.empty((n_runs, p.shape[2], user_factors.shape[2]), dtype=dtype)
    users = np.empty((n_runs, p.shape[1], user_factors.shape[2]), dtype=dtype)
    u_map = _ridge_map(user_factors, lam)
    for r in range(n_runs):
        np.matmul(p[r].T, u_map[r], out=items[r])
    if scale != 1.0:
        items *= dtype.type(scale)
    i_map = _ridge_map(items, lam)
    for r in range(n_runs):
        np.matmul(p[r], i_map[r], out=users[r])
    if scale != 1.0:
        users *= dtype.type(scale)
    return users, items


def als_loss(p: np.ndarray, users: np.ndarray, items: np.ndarray, lam: float) -> np.ndarray:
    """The penalised squared error of each run, shape (n_runs,) (for tests)."""
    resid = p - np.stack([users[r] @ items[r].T for r in range(p.shape[0])])
    return (
        (resid.astype(np.float64) ** 2).sum(axis=(1, 2))
        + lam * (users.astype(np.float64) ** 2).sum(axis=(1, 2))
        + lam * (items.astype(np.float64) ** 2).sum(axis=(1, 2))
    )
