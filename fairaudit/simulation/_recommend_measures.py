"""Measures of the recommender loop, row-wise over runs.

- homogenisation: the mean Jaccard similarity of the sets of items consumed by pairs of
  users (each user with one partner);
- concentration: the Gini coefficient of item popularity (consumption counts) and the
  share of consumption going to the top 1% of items;
- exposure: each item group's share of the slots shown.
"""

from __future__ import annotations

import numpy as np

#: Share of the catalogue counted as its "top" items by :func:`top_share`.
TOP_FRACTION = 0.01


def gini(counts: np.ndarray) -> np.ndarray:
    """Gini coefficient of each row of non-negative ``counts``; NaN for an all-zero row.

    ``G = sum_i (2 i - n - 1) x_(i) / (n sum x)`` with ``x_(1) <= ... <= x_(n)``: 0 when
    every item is equally popular, ``1 - 1/n`` when one item has everything.
    """
    x = np.sort(np.asarray(counts, dtype=np.float64), axis=-1)
    n = x.shape[-1]
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    total = x.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (x * weights).sum(axis=-1) / (n * total), np.nan)


def top_share(counts: np.ndarray, fraction: float = TOP_FRACTION) -> np.ndarray:
    """Share of the total held by the ``ceil(fraction * n)`` largest entries of each row."""
    x = np.asarray(counts, dtype=np.float64)
    n_top = max(1, int(np.ceil(fraction * x.shape[-1])))
    top = -np.partition(-x, n_top - 1, axis=-1)[..., :n_top]
    total = x.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, top.sum(axis=-1) / np.where(total > 0, total, 1), np.nan)


def pack(consumed: np.ndarray) -> np.ndarray:
    """Item sets as bits: (n_runs, n_users, n_items) bool -> (n_runs, n_users, words) uint64."""
    bits = np.packbits(consumed, axis=2)
    pad = (-bits.shape[2]) % 8
    if pad:
        bits = np.concatenate([bits, np.zeros((*bits.shape[:2], pad), np.uint8)], axis=2)
    return bits.view(np.uint64)


def pair_intersections(packed: np.ndarray, partner: np.ndarray) -> np.ndarray:
    """Size of the intersection of each user's consumed set with their partner's.

    Parameters
    ----------
    packed : ndarray of shape (n_runs, n_users, words), uint64
        The consumed sets as bits (:func:`pack`).
    partner : ndarray of shape (n_runs, n_users), int

    Returns
    -------
    ndarray of shape (n_runs, n_users), int64
    """
    n_runs, n_users, words = packed.shape
    rows = (partner + (np.arange(n_runs) * n_users)[:, None]).reshape(-1)
    other = np.take(packed.reshape(-1, words), rows, axis=0).reshape(packed.shape)
    return np.bitwise_count(packed & other).sum(axis=2, dtype=np.int64)


def jaccard_from_intersections(
    inter: np.ndarray, sizes: np.ndarray, partner: np.ndarray
) -> np.ndarray:
    """Mean over users of ``inter / (size + partner's size - inter)``, shape (n_runs,).

    NaN for a run where every pair has two empty sets.
    """
    union = sizes + np.take_along_axis(sizes, partner, axis=1) - inter
    pairs = (union > 0).sum(axis=1)
    # inter is 0 where union is 0, so those pairs add 0 to the sum and are not counted
    total = (inter / np.maximum(union, 1)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, total / np.maximum(pairs, 1), np.nan)


def mean_jaccard(packed: np.ndarray, sizes: np.ndarray, partner: np.ndarray) -> np.ndarray:
    """Mean over users of the Jaccard similarity of their consumed set and their partner's.

    Parameters
    ----------
    packed : ndarray of shape (n_runs, n_users, words), uint64
        The consumed sets as bits (:func:`pack`).
    sizes : ndarray of shape (n_runs, n_users)
        Number of items in each set (``consumed.sum(axis=2)``, kept up to date by the caller).
    partner : ndarray of shape (n_runs, n_users), int

    Returns
    -------
    ndarray of shape (n_runs,)
        NaN for a run where every pair has two empty sets.
    """
    return jaccard_from_intersections(pair_intersections(packed, partner), sizes, partner)
