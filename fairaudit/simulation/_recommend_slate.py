"""Building slates: top items of a score, first available items of a ranking, random items.

Every function works on stacks of runs and users at once (arrays of shape
``(n_runs, n_users, ...)``); none loops over users. ``consumed`` is the boolean
``(n_runs, n_users, n_items)`` matrix of items each user has already chosen (None when
repeats are allowed), which a slate must avoid.
"""

from __future__ import annotations

import numpy as np

#: Candidates drawn per requested random item before the exact fallback is needed.
OVERSAMPLE = 3


def first_available(order: np.ndarray, consumed: np.ndarray | None, k: int) -> np.ndarray:
    """The first ``k`` items of each ranking that the user has not consumed.

    Parameters
    ----------
    order : ndarray of shape (n_runs, n_users or 1, P)
        Item indices, best first; a prefix of the full ranking is enough when it holds at
        least ``k`` unconsumed items for every user (``P >= k + consumed per user``).
    consumed : ndarray of shape (n_runs, n_users, n_items) or None
    k : int

    Returns
    -------
    ndarray of shape (n_runs, n_users, k)
        Items in ranking order.
    """
    n_runs, n_users = (consumed.shape[:2] if consumed is not None else order.shape[:2])
    if consumed is None:
        return np.broadcast_to(order[..., :k], (n_runs, n_users, k)).copy()
    full = np.broadcast_to(order, (n_runs, n_users, order.shape[2]))
    taken = np.take_along_axis(consumed, full, axis=2)
    free = ~taken
    keep = free & (np.cumsum(free, axis=2) <= k)
    pos = np.flatnonzero(keep) % order.shape[2]
    if pos.size != n_runs * n_users * k:  # the prefix was too short: a bug in the caller
        raise RuntimeError("ranking prefix too short for the slate")
    return np.take_along_axis(full, pos.reshape(n_runs, n_users, k), axis=2)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores of each row, largest first.

    ``scores`` (float, shape (n_runs, n_users, n_items)) may hold -inf for excluded items
    (at least ``k`` finite ones per row). Ties are broken by the lower item index.
    """
    n_items = scores.shape[2]
    if k == n_items:
        return np.argsort(-scores, axis=2, kind="stable")
    kth = np.partition(scores, n_items - k, axis=2)[..., n_items - k : n_items - k + 1]
    above = scores >= kth
    counts = above.sum(axis=2)
    if np.all(counts == k):
        items = (np.flatnonzero(above) % n_items).reshape(*scores.shape[:2], k)
    else:  # ties at the k-th score in some row: rank those rows fully (rare)
        items = np.empty((*scores.shape[:2], k), dtype=np.intp)
        ok = counts == k
        items[ok] = (np.flatnonzero(above[ok]) % n_items).reshape(-1, k)
        items[~ok] = np.argsort(-scores[~ok], axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(scores, items, axis=2)
    # stable sort of the k chosen items by score (their index order breaks ties)
    return np.take_along_axis(items, np.argsort(-top, axis=2, kind="stable"), axis=2)


def random_items(
    consumed: np.ndarray | None,
    exclude: np.ndarray | None,
    k: int,
    n_items: int,
    shape: tuple[int, int],
    rngs: list[np.random.Generator],
) -> np.ndarray:
    """``k`` distinct random items per user, none consumed and none in ``exclude``.

    Draws candidates uniformly with replacement and keeps the first ``k`` admissible,
    distinct ones in draw order: sequential sampling with rejection, so the set is uniform
    among the admissible items and its order uniformly random. A user for whom too few
    candidates were admissible is drawn again by ranking random keys (exact as well).

    Returns an int array of shape ``shape + (k,)``; run r uses ``rngs[r]``.
    """
    n_runs, n_users = shape
    c = OVERSAMPLE * k + 4
    cand = np.stack([rng.integers(0, n_items, size=(n_users, c)) for rng in rngs])
    ok = np.ones(cand.shape, dtype=bool)
    if consumed is not None:
        ok &= ~np.take_along_axis(consumed, cand, axis=2)
    if exclude is not None:
        ok &= ~(cand[..., :, None] == exclude[..., None, :]).any(axis=3)
    # a candidate equal to an earlier candidate is a repeat
    earlier = np.tri(c, k=-1, dtype=bool)
    ok &= ~((cand[..., :, None] == cand[..., None, :]) & earlier).any(axis=3)
    keep = ok & (np.cumsum(ok, axis=2) <= k)
    enough = keep.sum(axis=2) == k
    out = np.empty((n_runs, n_users, k), dtype=np.intp)
    pos = np.flatnonzero(keep[enough]) % c
    out[enough] = np.take_along_axis(cand[enough], pos.reshape(-1, k), axis=1)
    if not np.all(enough):
        for r in np.flatnonzero(~enough.all(axis=1)):
            users = np.flatnonzero(~enough[r])
            keys = rngs[r].random((users.size, n_items))
            if consumed is not None:
                keys[consumed[r, users]] = np.inf
            if exclude is not None:
                np.put_along_axis(keys, exclude[r, users], np.inf, axis=1)
            out[r, users] = np.argsort(keys, axis=1)[:, :k]
    return out
