"""Building slates: top items of a score, first available items of a ranking, random items.

Every function works on stacks of runs and users at once (arrays of shape
``(n_runs, n_users, ...)``); none loops over users. ``consumed`` is the boolean
``(n_runs, n_users, n_items)`` matrix of items each user has already chosen (None when
repeats are allowed), which a slate must avoid.
"""

from __future__ import annotations

import numpy as np

#: Candidates drawn per requested random item before the exact fallback is needed.
OVERSAMPLE = 2


def first_available(
    order: np.ndarray, taken: np.ndarray | None, k: int, n_users: int
) -> np.ndarray:
    """The first ``k`` items of each ranking that the user has not consumed.

    Parameters
    ----------
    order : ndarray of shape (n_runs, n_users or 1, P)
        Item indices, best first; a prefix of the full ranking is enough when it holds at
        least ``k`` unconsumed items for every user (``P >= k + consumed per user``).
    taken : ndarray of shape (n_runs, n_users, P), bool, or None
        Whether each user has consumed the item at each position of ``order`` (None:
        repeats allowed, the first ``k`` items are the slate).
    k, n_users : int
        Slate size and number of users.

    Returns
    -------
    ndarray of shape (n_runs, n_users, k)
        Items in ranking order.
    """
    if taken is None:
        return np.broadcast_to(order[..., :k], (order.shape[0], n_users, k)).copy()
    n_runs, n_users, width = taken.shape
    full = np.broadcast_to(order, (n_runs, n_users, width))
    free = ~taken
    keep = free & (np.cumsum(free, axis=2) <= k)
    pos = np.flatnonzero(keep) % width
    if pos.size != n_runs * n_users * k:  # the prefix was too short: a bug in the caller
        raise RuntimeError("ranking prefix too short for the slate")
    return np.take_along_axis(full, pos.reshape(n_runs, n_users, k), axis=2)


def sortable_keys(scores: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """int32 keys in the same order as the float32 ``scores`` (NaN-free; -0.0 < +0.0).

    The bits of a non-negative float already sort as an integer; for a negative one the
    magnitude bits are flipped. Selecting on the keys is exact, and numpy's integer
    selection is about twice as fast as its float one. With ``overwrite`` the keys are
    written over ``scores`` (a float32 C-contiguous array the caller gives up).
    """
    if overwrite and scores.dtype == np.float32 and scores.flags.c_contiguous:
        bits = scores.view(np.int32)
    else:
        bits = np.array(scores, dtype=np.float32).view(np.int32)
    flip = bits >> 31
    flip &= np.int32(0x7FFFFFFF)
    bits ^= flip
    return bits


def top_k(scores: np.ndarray, k: int, *, overwrite: bool = False) -> np.ndarray:
    """Indices of the ``k`` largest scores of each row, largest first.

    ``scores`` (float32, shape (n_runs, n_users, n_items)) may hold -inf for excluded
    items (at least ``k`` finite ones per row). Ties are broken by the lower item index.
    With ``overwrite``, ``scores`` is used as scratch space.
    """
    scores = sortable_keys(scores, overwrite=overwrite)
    n_items = scores.shape[2]
    if k == n_items:
        return np.argsort(-scores, axis=2, kind="stable")
    kth = np.partition(scores, n_items - k, axis=2)[..., n_items - k : n_items - k + 1]
    above = scores >= kth
    flat = np.flatnonzero(above)
    # every row has at least k entries >= its k-th largest, so the total is R*U*k only
    # when every row has exactly k
    if flat.size == above.shape[0] * above.shape[1] * k:
        items = (flat % n_items).reshape(*scores.shape[:2], k)
    else:  # ties at the k-th score in some row: rank those rows fully (rare)
        items = np.empty((*scores.shape[:2], k), dtype=np.intp)
        ok = above.sum(axis=2) == k
        items[ok] = (np.flatnonzero(above[ok]) % n_items).reshape(-1, k)
        items[~ok] = np.argsort(-scores[~ok], axis=1, kind="stable")[:, :k]
    rows = np.arange(scores.shape[0] * scores.shape[1]).reshape(*scores.shape[:2], 1)
    top = np.take(scores.reshape(-1), rows * n_items + items)
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
    among the admissible items and its order uniformly random. The candidates are
    examined one draw position at a time for all users at once (a loop over at most
    ``OVERSAMPLE * k + 4`` positions, never over users). A user for whom too few
    candidates were admissible is drawn again by ranking random keys (exact as well).

    ``consumed`` is used as scratch space (items are marked while they are being drawn)
    and restored before returning. Returns an int array of shape ``shape + (k,)``; run r
    uses ``rngs[r]``.
    """
    n_runs, n_users = shape
    c = OVERSAMPLE * k + 4
    cand = np.stack([rng.integers(0, n_items, size=(n_users, c)) for rng in rngs])
    blocked = consumed if consumed is not None else np.zeros((n_runs, n_users, n_items), dtype=bool)
    flat = blocked.reshape(-1)
    base = (np.arange(n_runs * n_users) * n_items).reshape(n_runs, n_users)
    marked = []
    if exclude is not None:
        ex = (base[..., None] + exclude).reshape(-1)
        if flat[ex].any():
            raise RuntimeError("an excluded item is already consumed")
        flat[ex] = True
        marked.append(ex)
    out = np.zeros((n_runs, n_users, k), dtype=np.intp)
    got = np.zeros((n_runs, n_users), dtype=np.intp)
    for j in range(c):
        idx = base + cand[..., j]
        take = ~flat[idx] & (got < k)
        rows = np.nonzero(take)
        out[rows[0], rows[1], got[rows]] = cand[rows[0], rows[1], j]
        got[rows] += 1
        hit = idx[rows]
        flat[hit] = True  # a later draw of the same item is a repeat
        marked.append(hit)
        if j >= k - 1 and got.min() == k:
            break
    if got.min() < k:
        for r in np.flatnonzero((got < k).any(axis=1)):
            users = np.flatnonzero(got[r] < k)
            # unmark this run's partial draws for these users, then rank random keys
            for hit in marked[1 if exclude is not None else 0 :]:
                rr, rem = np.divmod(hit, n_users * n_items)
                uu, ii = np.divmod(rem, n_items)
                sel = (rr == r) & np.isin(uu, users)
                flat[hit[sel]] = False
            keys = rngs[r].random((users.size, n_items))
            keys[blocked[r, users]] = np.inf
            out[r, users] = np.argsort(keys, axis=1)[:, :k]
            hits = (base[r, users][:, None] + out[r, users]).reshape(-1)
            flat[hits] = True
            marked.append(hits)
    if consumed is not None:
        for hit in marked:
            flat[hit] = False
    return out
