"""Reproducible per-row random numbers for randomized predictors.

A randomized mitigator decides a row in its randomized band by comparing the probability of
a positive decision with a uniform number. That number is a keyed hash of the row's content
(its features and group), not a draw from a stream, so a fitted model is a fixed function:
the same row gets the same decision whatever batch it arrives in, in any order, on every
call. Across distinct rows the numbers behave as independent uniforms.

Identical rows in one batch are told apart by their order of occurrence (the first copy,
the second copy, ...), so that they are randomized independently: without this, a model whose
features are coarse (a risk decile, say) would give every row of a score level the same
decision and the randomization that a constraint needs would disappear. A row that occurs
once in a batch is decided the same way in every batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._base import take_rows

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer (vectorized; uint64 arithmetic wraps)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * _M1
        h = h ^ (h >> np.uint64(27))
        h = h * _M2
        h = h ^ (h >> np.uint64(31))
    return h


def _numeric_row_hash(A: np.ndarray) -> np.ndarray:
    A = np.ascontiguousarray(A, dtype=np.float64) + 0.0  # -0.0 -> 0.0
    bits = A.view(np.uint64)
    h = np.zeros(A.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(A.shape[1]):  # loop over columns, vectorized over rows
            h = _mix(h ^ (bits[:, j] + _GOLDEN * np.uint64(j + 1)))
    return h


def _sparse_row_hash(A: Any) -> np.ndarray:
    A = sp.csr_matrix(A, copy=True)
    A.sum_duplicates()
    A.eliminate_zeros()
    data = np.asarray(A.data, dtype=np.float64) + 0.0
    with np.errstate(over="ignore"):
        cell = _mix(data.view(np.uint64) ^ (_GOLDEN * (A.indices.astype(np.uint64) + 1)))
    # order-independent sum of the cell hashes of each row (wrapping)
    row = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    h = np.zeros(A.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.add.at(h, row, cell)
    return h


def row_hash(X: Any) -> np.ndarray:
    """A 64-bit hash of each row's content."""
    if sp.issparse(X):
        return _sparse_row_hash(X)
    if isinstance(X, pd.DataFrame):
        if all(dt.kind in "biuf" for dt in X.dtypes if isinstance(dt, np.dtype)) and all(
            isinstance(dt, np.dtype) for dt in X.dtypes
        ):
            return _numeric_row_hash(X.to_numpy(dtype=np.float64))
        return pd.util.hash_pandas_object(X, index=False).to_numpy().astype(np.uint64)
    A = np.asarray(X)
    if A.ndim == 1:
        A = A.reshape(-1, 1)
    if A.dtype.kind in "biuf":
        return _numeric_row_hash(A)
    return pd.util.hash_pandas_object(pd.DataFrame(A), index=False).to_numpy().astype(np.uint64)


def row_uniforms(X: Any, codes: np.ndarray | None, key: int) -> np.ndarray:
    """Uniform numbers in [0, 1), one per row, fixed by the row, its group and ``key``."""
    h = row_hash(X)
    with np.errstate(over="ignore"):
        if codes is not None:
            h = h ^ _mix(np.asarray(codes, dtype=np.uint64) + _GOLDEN)
        h = h ^ _mix(_occurrence(h) * _GOLDEN)
        h = _mix(h ^ np.uint64(key & 0xFFFFFFFFFFFFFFFF))
        h = _mix(h + _GOLDEN)
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def randomized_decisions(X: Any, codes: np.ndarray | None, key: int, p: np.ndarray) -> np.ndarray:
    """Positive decisions (bool) for the probabilities ``p``: ``row_uniforms < p``.

    Only the rows with ``0 < p < 1`` are hashed: for the others the comparison does not
    depend on the number. Identical rows share their probability, so each copy keeps its
    occurrence number among the hashed rows, and the decisions are the same as when every
    row is hashed (barring a 64-bit hash collision between a hashed and an unhashed row).
    """
    p = np.asarray(p, dtype=np.float64)
    out = p >= 1.0
    band = np.flatnonzero((p > 0.0) & (p < 1.0))
    if band.size:
        sub = take_rows(X, band) if band.size < len(p) else X
        sub_codes = None if codes is None else np.asarray(codes)[band]
        out[band] = row_uniforms(sub, sub_codes, key) < p[band]
    return out


def _occurrence(h: np.ndarray) -> np.ndarray:
    """For each row, how many earlier rows have the same hash (0 for the first copy)."""
    sorted_once = np.sort(h)  # an unstable sort is enough to see whether any hash repeats
    if len(h) < 2 or (sorted_once[1:] != sorted_once[:-1]).all():
        return np.zeros(len(h), dtype=np.uint64)
    order = np.argsort(h, kind="stable")
    sorted_h = h[order]
    start = np.ones(len(h), dtype=bool)
    start[1:] = sorted_h[1:] != sorted_h[:-1]
    run_start = np.maximum.accumulate(np.where(start, np.arange(len(h)), 0))
    occ = np.empty(len(h), dtype=np.uint64)
    occ[order] = (np.arange(len(h)) - run_start).astype(np.uint64)
    return occ


def draw_key(random_state: Any) -> int:
    """A 64-bit key from ``random_state`` (None: fresh entropy; int; Generator; RandomState)."""
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**63 - 1, dtype=np.int64))
    rng = np.random.default_rng(random_state)
    return int(rng.integers(0, 2**63 - 1))
