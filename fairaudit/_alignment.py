"""Pairing the rows of several inputs: pandas objects are aligned on their index.

The rules (see the auditing guide, "Inputs: alignment, types and groups"):

- pandas Series and DataFrames are paired by index label, as pandas arithmetic pairs them,
  in the row order of the first pandas input; identical indexes are the fast path (nothing
  is reordered or copied);
- indexes holding different label sets, or different orders with repeated labels, are an
  error naming the inputs;
- inputs without an index (numpy arrays, lists, pandas arrays, polars objects) are paired by
  position; mixing them with pandas inputs whose orders disagree is an error, since which
  order a plain array follows cannot be known.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

ERR_ALIGN_LABELS = (
    "{first} and {other} are pandas objects whose indexes hold different labels: {k} of the "
    "{n} index labels of {first} are not in the index of {other} (e.g. {examples}). Rows are "
    "paired by index label; select the same rows in each input (e.g. "
    ".loc[common_index]), or pass plain arrays that are already in one row order."
)
ERR_ALIGN_DUPLICATES = (
    "{first} and {other} have indexes in different orders with repeated labels (e.g. "
    "{examples}), so their rows cannot be paired by label. Make the index labels unique "
    "(e.g. reset_index() on the data frame before taking its columns), or pass the inputs "
    "with identical indexes."
)
ERR_ALIGN_POSITIONAL = (
    "{plain} has no index, so its rows can only be paired by position, but the pandas "
    "inputs {pandas} hold their rows in different index orders, so the row order of {plain} "
    "cannot be known. Pass {plain} as a pandas Series indexed like its rows, or give every "
    "input the same row order."
)


def _fmt(labels: Any, limit: int = 3) -> str:
    shown = [repr(x.item() if isinstance(x, np.generic) else x) for x in list(labels)[:limit]]
    return ", ".join(shown)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _entries(inputs: Mapping[str, Any]) -> list[tuple[str, Any, str, Any]]:
    """(argument, key within a dict or None, display name, value) of every row input."""
    out = []
    for name, value in inputs.items():
        if value is None or isinstance(value, str | bytes):
            continue
        if isinstance(value, Mapping):
            out += [(name, k, f"{name}[{k!r}]", val) for k, val in value.items()]
        else:
            out.append((name, None, name, value))
    return out


def _indexer(first: str, ref: pd.Index, other: str, index: pd.Index) -> np.ndarray:
    """Positions in ``index`` of the labels of ``ref`` (same labels, another order)."""
    if not (ref.is_unique and index.is_unique):
        repeated = ref if not ref.is_unique else index
        examples = _fmt(repeated[repeated.duplicated()].unique())
        raise ValueError(ERR_ALIGN_DUPLICATES.format(first=first, other=other, examples=examples))
    pos = index.get_indexer(ref)
    absent = pos < 0
    if absent.any():
        raise ValueError(
            ERR_ALIGN_LABELS.format(
                first=first,
                other=other,
                k=int(absent.sum()),
                n=len(ref),
                examples=_fmt(ref[absent]),
            )
        )
    return pos


def align_rows(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Align the pandas inputs on the index of the first one.

    Parameters
    ----------
    inputs : mapping of argument name -> value
        In argument order. ``None`` and strings (column names) are passed through; the
        values of a dict (several sensitive features) take part one by one.

    Returns
    -------
    dict of argument name -> value
        The same values, except pandas objects whose index holds the labels of the first
        pandas input in another order, which are replaced by reordered copies. The caller's
        objects are never modified.

    Raises
    ------
    ValueError
        When indexes hold different labels, when they differ in order and have repeated
        labels, or when an input without an index is mixed with pandas inputs whose row
        orders disagree. Pandas inputs of different lengths are left as they are, for the
        length check to report.
    """
    entries = _entries(inputs)
    indexed = [e for e in entries if isinstance(e[3], pd.Series | pd.DataFrame)]
    if len(indexed) < 2:
        return dict(inputs)
    first, ref = indexed[0][2], indexed[0][3].index
    moves: dict[tuple[str, Any], np.ndarray] = {}
    for arg, key, shown, value in indexed[1:]:
        index = value.index
        if index is ref or len(index) != len(ref) or index.equals(ref):
            continue
        moves[(arg, key)] = _indexer(first, ref, shown, index)
    if not moves:
        return dict(inputs)
    plain = [e[2] for e in entries if not isinstance(e[3], pd.Series | pd.DataFrame)]
    if plain:
        raise ValueError(
            ERR_ALIGN_POSITIONAL.format(plain=_join(plain), pandas=_join([e[2] for e in indexed]))
        )
    out = dict(inputs)
    for (arg, key), pos in moves.items():
        if key is None:
            out[arg] = out[arg].iloc[pos]
        else:
            if out[arg] is inputs[arg]:
                out[arg] = dict(inputs[arg])
            out[arg][key] = out[arg][key].iloc[pos]
    return out
