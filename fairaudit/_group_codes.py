"""From the values of sensitive features to integer group codes.

One feature: its values read as written (one type per feature, missing values a group of
their own under a label that cannot collide with a value). Several features: their
intersections present in the data, combined one feature at a time and compacted to the
codes present after each step, so that the cost stays linear in the number of rows whatever
the number of values of each feature.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

MISSING_GROUP = "(missing)"
AUTO_MAX_GROUPS = 1_000_000
UNIQUE_MIN_GROUPS = 100
UNIQUE_SHARE = 0.5

ERR_SF_MIXED_TYPES = (
    "sensitive feature {name!r} mixes value types: {examples}. Values of different types "
    "can print alike or compare equal (1 and '1', True and 1) and would be merged into one "
    "group or split into groups that look the same; convert the feature to one type first, "
    "e.g. .astype(str)."
)
ERR_MAX_GROUPS = "max_groups must be 'auto' or a whole number >= 1; got {value!r}."
ERR_TOO_MANY_GROUPS = (
    "{what} has {k} groups, more than max_groups={limit}. A feature with that many values is "
    "likely a score or an identifier, not a group: bin it first (e.g. pd.cut(values, bins=5)), "
    "or pass max_groups= a larger number if these are the groups you mean."
)
ERR_MOSTLY_UNIQUE = (
    "{what} has {k} groups in {n} rows: its values are mostly unique, as those of a score or "
    "an identifier are, not those of a group. Bin it first (e.g. pd.cut(values, bins=5)), or "
    "pass max_groups= a number of at least {k} if these are the groups you mean."
)
WARN_MISSING = (
    "sensitive feature {name!r} has {k} missing value(s); they form their own group labelled "
    "{label!r}."
)
WARN_MISSING_RENAMED = (
    "sensitive feature {name!r} has {k} missing value(s); they form their own group labelled "
    "{label!r}, since the feature already has a group named {taken!r}."
)

# infer_dtype results that can hold values of several kinds
_MIXED = ("mixed", "mixed-integer")


def check_max_groups(max_groups: Any) -> int | str:
    """Return ``max_groups`` ('auto' or a whole number >= 1) or raise a ValueError."""
    if isinstance(max_groups, str) and max_groups == "auto":
        return max_groups
    if isinstance(max_groups, bool) or not isinstance(max_groups, Integral) or max_groups < 1:
        raise ValueError(ERR_MAX_GROUPS.format(value=max_groups))
    return int(max_groups)


def _kind(t: type) -> str:
    """The kind of value a type holds: numbers of every width share one kind."""
    if issubclass(t, bool | np.bool_):
        return "bool"
    if issubclass(t, Integral) or issubclass(t, np.integer):
        return "number"
    if issubclass(t, float | np.floating):
        return "number"
    if issubclass(t, str):
        return "str"
    return t.__name__


def check_one_type(values: np.ndarray, name: str) -> None:
    """Raise when an object array mixes kinds of values (missing values aside).

    Integers and floats are one kind (numbers): 1 and 1.0 are the same number and form one
    group. Booleans, strings and every other type are kinds of their own.
    """
    if pd.api.types.infer_dtype(values, skipna=True) not in _MIXED:
        return
    present = values[~pd.isna(values)]
    types = np.frompyfunc(type, 1, 1)(present)
    type_codes, uniq_types = pd.factorize(types)
    kinds: dict[str, list[Any]] = {}
    for j, t in enumerate(uniq_types):
        rows = present[type_codes == j]
        shown = pd.unique(rows[:1000]).tolist()[:3]
        kinds.setdefault(_kind(t), []).extend(
            x.item() if isinstance(x, np.generic) else x for x in shown
        )
    if len(kinds) < 2:
        return
    examples = "; ".join(
        f"{kind} (e.g. {', '.join(repr(x) for x in shown[:3])})" for kind, shown in kinds.items()
    )
    raise TypeError(ERR_SF_MIXED_TYPES.format(name=name, examples=examples))


def missing_label(uniques: np.ndarray) -> str:
    """A label for the missing values that is none of the feature's values."""
    taken = {u for u in uniques.tolist() if isinstance(u, str)}
    label, i = MISSING_GROUP, 1
    while label in taken:
        i += 1
        label = f"(missing {i})"
    return label


def sorted_uniques(codes: np.ndarray, uniques: Any) -> tuple[np.ndarray, np.ndarray]:
    """Renumber factorized codes so that the uniques are sorted; -1 (missing) is kept."""
    uniq = np.asarray(uniques, dtype=object)
    try:
        order = np.argsort(uniq, kind="stable")  # unorderable mixes raise TypeError
    except TypeError:
        order = np.argsort(np.asarray([str(u) for u in uniq]), kind="stable")
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1
    return rank[codes], uniq[order]


def check_group_count(k: int, n: int, what: str, max_groups: int | str | None) -> None:
    """Refuse a feature with more than ``max_groups`` groups or (``'auto'``) mostly unique values."""
    if max_groups is None:
        return
    limit = AUTO_MAX_GROUPS if max_groups == "auto" else int(max_groups)
    if k > limit:
        raise ValueError(ERR_TOO_MANY_GROUPS.format(what=what, k=k, limit=limit))
    if max_groups == "auto" and k >= UNIQUE_MIN_GROUPS and k > UNIQUE_SHARE * n:
        raise ValueError(ERR_MOSTLY_UNIQUE.format(what=what, k=k, n=n))


def _compact(flat: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 of the cells present, in the order of ``flat``'s values; and those cells."""
    if n_cells <= 4 * len(flat) + 1024:
        present = np.flatnonzero(np.bincount(flat, minlength=n_cells))
        if len(present) == n_cells:  # every cell occurs: the codes are already compact
            return flat, present
        lookup = np.zeros(n_cells, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        return lookup[flat], present
    codes, present = pd.factorize(flat, sort=True)  # hashing: linear in rows
    return codes.astype(np.int64), np.asarray(present, dtype=np.int64)


def combine(
    feature_codes: list[np.ndarray], sizes: list[int]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Codes of the intersections present, in lexicographic order of the feature codes.

    Returns
    -------
    codes : ndarray of int64
        Group of every row.
    parts : list of ndarray of int64
        For every feature, its code in each group present.
    """
    n_cells = int(np.prod(sizes, dtype=np.float64))
    if n_cells <= 4 * len(feature_codes[0]) + 1024:
        # few possible cells: one flat code for all features at once, one compaction
        flat = np.zeros(len(feature_codes[0]), dtype=np.int64)
        for c, size in zip(feature_codes, sizes, strict=True):
            flat *= size
            flat += c
        codes, present = _compact(flat, n_cells)
        return codes, [p.astype(np.int64) for p in np.unravel_index(present, sizes)]
    codes = feature_codes[0]
    parts = [np.arange(sizes[0], dtype=np.int64)]
    for c, size in zip(feature_codes[1:], sizes[1:], strict=True):
        # fewer than n codes present after compaction, so the product stays below n * size
        flat = codes * size + c
        codes, present = _compact(flat, len(parts[0]) * size)
        outer, inner = np.divmod(present, size)
        parts = [p[outer] for p in parts] + [inner]
    return codes, parts
