"""Patrol allocation from the model's belief, row-wise over independent runs."""

from __future__ import annotations

import numpy as np


def top_k_mask(belief: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of the ``k`` largest entries of each row of ``belief``.

    Ties at the boundary are broken uniformly at random (random numbers are drawn only
    in steps where some row has such a tie).
    """
    n_runs, n_regions = belief.shape
    if k >= n_regions:
        return np.ones(belief.shape, dtype=bool)
    if k == 1:
        mask = belief == belief.max(axis=1, keepdims=True)
        tied = mask.sum(axis=1) > 1
        if tied.any():
            u = rng.random(belief.shape) * mask
            pick = np.argmax(u, axis=1)
            mask = np.where(tied[:, None], np.arange(n_regions) == pick[:, None], mask)
        return mask
    ordered = -np.sort(-belief, axis=1)
    kth = ordered[:, k - 1 : k]
    mask = belief >= kth
    tied = (ordered[:, k] == kth[:, 0]) | (mask.sum(axis=1) > k)
    if tied.any():
        # rank by belief, then by a random key, and keep the first k
        order = np.lexsort((rng.random(belief.shape), -belief), axis=1)
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(n_regions)[None, :], axis=1)
        mask = np.where(tied[:, None], ranks < k, mask)
    return mask


def allocate(
    belief: np.ndarray, allocation: str, k: int | None, rng: np.random.Generator
) -> np.ndarray:
    """Patrol probabilities per region, shape ``belief.shape``; each row sums to 1."""
    if allocation == "proportional":
        return belief / belief.sum(axis=1, keepdims=True)
    top = 1 if allocation == "greedy" else int(k)  # type: ignore[arg-type]
    mask = top_k_mask(belief, top, rng)
    return mask / float(top)
