"""Building slates: top items of a score, first available items of a ranking, random items.

Every function works on stacks of runs and users at once (arrays of shape
``(n_runs, n_users, ...)``); none loops over users. ``consumed`` is the boolean
``(n_runs, n_users, n_items)`` matrix of items each user has already chosen (None when
repeats are allowed), which a slate must avoid.
"""

from __future__ import annotations

from functools import lru_cache

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


#: Items per block of the top-k prefilter, tried in this order (the first that divides the
#: number of items and leaves at least ``2 k + 1`` blocks is used).
BLOCK_SIZES = (5, 4, 6, 8, 7, 3)
#: Largest number of blocks (and of candidates) of the prefilter: their index is stored in
#: the low bits of an int32 key, so more would leave too few bits for the score.
MAX_INDEXED = 4096


@lru_cache(maxsize=32)
def _steps(n: int, step: int, dtype: type = np.intp) -> np.ndarray:
    """``arange(n) * step`` (read-only, cached: the same few are needed every step)."""
    out = np.arange(n, dtype=dtype) * dtype(step)
    out.flags.writeable = False
    return out


def _block_size(n_items: int, k: int) -> int | None:
    for b in BLOCK_SIZES:
        blocks = n_items // b
        if n_items % b == 0 and 2 * k + 1 <= blocks <= MAX_INDEXED and b * k <= MAX_INDEXED:
            return b
    return None


def _indexed_top(keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the ``k`` largest int32 ``keys`` of each row (rows, w), and whether the
    selection is certain.

    The low ``q`` bits of each key (``2**q >= w``) are replaced by ``2**q - 1 - position``,
    so one int32 partition selects values and positions at once (ties to the lower
    position). The truncation is monotone, so the selection is the exact top ``k`` unless
    the k-th and (k+1)-th largest keys agree in their high bits; such rows are flagged
    (``certain`` False) for the caller to rank exactly. The positions come in no
    particular order.
    """
    rows, w = keys.shape
    q = max(1, (w - 1).bit_length())
    mask = np.int32((1 << q) - 1)
    keys &= ~mask
    keys |= mask - _steps(w, 1, np.int32)
    top = np.partition(keys, w - k - 1, axis=1)[:, w - k - 1 :]  # (k + 1)-th, then top k
    boundary = top[:, 1:].min(axis=1)
    certain = (boundary >> q) != (top[:, 0] >> q)
    return mask - (top[:, 1:] & mask), certain


def top_k(scores: np.ndarray, k: int, *, overwrite: bool = False) -> np.ndarray:
    """Indices of the ``k`` largest scores of each row, largest first.

    ``scores`` (float32, shape (n_runs, n_users, n_items)) may hold -inf for excluded
    items (at least ``k`` finite ones per row). Ties are broken by the lower item index
    (the same result as a stable sort). With ``overwrite``, ``scores`` may be used as
    scratch space.

    When the items split into blocks of ``b`` (:data:`BLOCK_SIZES`; block j holds items
    ``j, j + B, j + 2B, ...`` with ``B = n_items / b``), the selection is made in two
    stages: the ``k`` blocks with the largest maxima hold all of a row's top ``k`` items
    (each of those blocks has an item at least as large as the k-th largest block
    maximum, which is therefore at most the k-th largest score), so only their ``k b``
    items are ranked. Both selections are int32 partitions with the position in the low
    bits of the key (:func:`_indexed_top`); the ``k`` items found are then sorted by
    their exact scores. The result is exact: a row where a selection is uncertain (ties,
    or scores equal in their high bits at the k-th place) is ranked in full instead.
    """
    n_items = scores.shape[2]
    b = _block_size(n_items, k)
    if b is None:
        return _top_k_exact(scores, k, overwrite=overwrite)
    n_runs, n_users = scores.shape[:2]
    n_blocks = n_items // b
    rows = n_runs * n_users
    view = scores.reshape(rows, b, n_blocks)
    maxima = np.maximum(view[:, 0], view[:, 1])
    for i in range(2, b):
        np.maximum(maxima, view[:, i], out=maxima)
    blocks, certain = _indexed_top(sortable_keys(maxima, overwrite=True), k)
    blocks.sort(axis=1)  # candidates then come in item order: ties go to the lower item
    # the candidates: item i * B + j for each row's chosen blocks j and i < b
    width = b * k
    items = (_steps(b, n_blocks)[None, :, None] + blocks[:, None, :]).reshape(rows, width)
    offsets = _steps(rows, n_items)[:, None]
    keys = sortable_keys(np.take(scores.reshape(-1), items + offsets), overwrite=True)
    exact = keys.astype(np.int64)  # kept before _indexed_top truncates the keys
    pos, sure = _indexed_top(keys, k)
    certain &= sure
    # the k found, best first: by exact key, then by the lower position (= item)
    flat_pos = pos + _steps(rows, width)[:, None]
    key = np.take(exact.reshape(-1), flat_pos)
    key <<= 32
    key |= (width - 1) - pos
    key.sort(axis=1)
    pos = (width - 1) - (key[:, ::-1] & 0xFFFFFFFF)
    pos += _steps(rows, width)[:, None]
    out = np.take(items.reshape(-1), pos)
    if not certain.all():  # rare: ties or near-ties at the k-th place
        which = np.flatnonzero(~certain)
        sub = scores.reshape(rows, n_items)[which][None]
        out[which] = _top_k_exact(sub, k, overwrite=True)[0]
    return out.reshape(n_runs, n_users, k)


def _top_k_exact(scores: np.ndarray, k: int, *, overwrite: bool = False) -> np.ndarray:
    """:func:`top_k` by one selection over every item of each row."""
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


#: Rejection rounds of :func:`explore_slate` before the exact fallback.
MAX_ROUNDS = 32


def explore_slate(
    slate: np.ndarray,
    explore: np.ndarray,
    consumed: np.ndarray | None,
    n_items: int,
    rngs: list[np.random.Generator],
) -> np.ndarray:
    """The slate with each slot where ``explore`` is True showing a random item instead.

    The random items are distinct, not consumed and not in the user's slate: for each
    user, the items of the explored slots are a uniformly random ordered sample without
    replacement from those admissible items. Every explored slot draws a candidate with
    ``rng.integers`` at once; a candidate is kept when it is admissible and no earlier
    slot of the same user drew it in the same round, and the slots left draw again. The
    scheme treats all admissible items alike, and a distribution over ordered samples
    that does not change when the admissible items are relabelled is the uniform one.
    After :data:`MAX_ROUNDS` rounds the slots left (only when very few items are
    admissible) draw from the admissible items listed explicitly, one at a time; a slot
    keeps the recommender's item when no admissible item is left.

    Parameters
    ----------
    slate : ndarray of shape (n_runs, n_users, k), int
        The recommender's slates (items not consumed).
    explore : ndarray of shape (n_runs, n_users, k), bool
        Which slots show a random item.
    consumed : ndarray of shape (n_runs, n_users, n_items), bool, or None
        Consumed items (None: repeats allowed). Used as scratch space and restored.
    n_items : int
    rngs : list of numpy Generator
        Run r draws from ``rngs[r]`` only, as many times as its own slots need.

    Returns
    -------
    ndarray of shape (n_runs, n_users, k)
        A new array.
    """
    n_runs, n_users, k = slate.shape
    out = slate.copy()
    if consumed is None:
        blocked = np.zeros((n_runs, n_users, n_items), dtype=bool)
    else:
        blocked = consumed
    flat, out_flat = blocked.reshape(-1), out.reshape(-1)
    shown = (slate + (np.arange(n_runs * n_users) * n_items).reshape(n_runs, n_users, 1)).ravel()
    if flat[shown].any():
        raise RuntimeError("a slate shows an item already consumed")
    flat[shown] = True
    marked = [shown]
    # the explored slots, ordered by run, user and slot: a user's slots are adjacent, so
    # two slots that draw the same cell are at most (slots per user - 1) apart
    slot = np.flatnonzero(explore)
    reach = int(explore.sum(axis=2).max(initial=0)) - 1
    base = (slot // k) * n_items  # the user's row of cells
    run = slot // (n_users * k)
    for _ in range(MAX_ROUNDS):
        if slot.size == 0:
            break
        if n_runs == 1:
            cand = rngs[0].integers(0, n_items, size=slot.size)
        else:
            per_run = np.bincount(run, minlength=n_runs)
            cand = np.concatenate(
                [rngs[r].integers(0, n_items, size=c) for r, c in enumerate(per_run) if c]
            )
        cell = base + cand
        ok = ~flat[cell]
        for d in range(1, min(reach, cell.size - 1) + 1):  # an earlier slot drew it
            ok[d:] &= cell[d:] != cell[:-d]
        keep = cell[ok]
        flat[keep] = True
        marked.append(keep)
        out_flat[slot[ok]] = cand[ok]
        slot, base, run = slot[~ok], base[~ok], run[~ok]
    for j, b, r in zip(slot, base, run, strict=True):  # only when few items are admissible
        free = np.flatnonzero(~flat[b : b + n_items])
        if free.size:
            out_flat[j] = free[rngs[r].integers(free.size)]
            flat[b + out_flat[j]] = True
            marked.append(np.array([b + out_flat[j]]))
    if consumed is not None:
        for cells in marked:
            flat[cells] = False
    return out
