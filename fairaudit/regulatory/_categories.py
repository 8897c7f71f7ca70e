"""Sex and race/ethnicity categories of an LL144 bias audit: unknowns, EEO-1 names, order."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Sex categories in the order the rule lists them.
SEX_ORDER = ("Male", "Female")
#: EEO-1 race/ethnicity categories in the order of 6 RCNY 5-301 (all but the first are
#: "Not Hispanic or Latino").
RACE_ORDER = (
    "Hispanic or Latino",
    "White",
    "Black or African American",
    "Native Hawaiian or Pacific Islander",
    "Asian",
    "Native American or Alaska Native",
    "Two or More Races",
)
#: Values that mean "unknown" (compared case-insensitively, spaces squeezed). Missing values
#: (None, NaN, empty text) are always unknown.
DEFAULT_UNKNOWN = (
    "unknown",
    "not specified",
    "unspecified",
    "not disclosed",
    "undisclosed",
    "prefer not to say",
    "prefer not to answer",
    "declined",
    "decline to state",
    "declined to state",
    "not provided",
    "n/a",
    "na",
    "none",
    "missing",
)

ERR_UNKNOWN = "unknown_values must be a sequence of strings; got {value!r}."
_SPACES = re.compile(r"\s+")
_NOT_HISPANIC = re.compile(r"\s*[\(\[]?\s*not hispanic or latino\s*[\)\]]?\s*", re.IGNORECASE)


def _key(value: str) -> str:
    return _SPACES.sub(" ", value).strip().casefold()


def canonical_race_key(value: str) -> str:
    """The comparison key of a race/ethnicity name: "White (Not Hispanic or Latino)" and
    "white" are both "white"; "Hispanic or Latino" stays itself."""
    k = _key(value)
    if k != "hispanic or latino":
        k = _key(_NOT_HISPANIC.sub(" ", k))
    return k


def unknown_keys(unknown_values: Iterable[str]) -> frozenset[str]:
    if isinstance(unknown_values, str) or not all(isinstance(v, str) for v in unknown_values):
        raise TypeError(ERR_UNKNOWN.format(value=unknown_values))
    return frozenset(_key(v) for v in unknown_values)


def encode(
    values: pd.Series, unknown: frozenset[str], order: tuple[str, ...], *, race: bool
) -> tuple[np.ndarray, list[str]]:
    """Category code of each row (-1: unknown) and the labels, in display order.

    Works on the distinct values only (one pass over the rows to factorize them): labels
    are the values as text with outer spaces stripped; missing values, empty text and the
    ``unknown`` keys are unknown; the rule's names come first in its order.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [str(u).strip() for u in uniques]
    labels = order_categories([t for t in texts if t and _key(t) not in unknown], order, race=race)
    position = {label: i for i, label in enumerate(labels)}
    lookup = np.array([position.get(t, -1) for t in texts] + [-1], dtype=np.int64)
    return lookup[codes], labels  # code -1 (missing) picks the trailing -1


def order_categories(labels: Iterable[str], order: tuple[str, ...], *, race: bool) -> list[str]:
    """Labels found in the data: the rule's names first, in the rule's order, then the
    others in sorted order."""
    key = canonical_race_key if race else _key
    rank = {key(name): i for i, name in enumerate(order)}
    labels = list(dict.fromkeys(labels))
    return sorted(labels, key=lambda v: (rank.get(key(v), len(order)), _key(v), v))


def selected_mask(values: pd.Series, error: str) -> np.ndarray:
    """True where a row was selected: 0/1 or True/False, checked on the distinct values
    (``error`` names the bad ones, a missing value as None)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    as_int = []
    bad: list = [] if (codes >= 0).all() else [None]
    for u in uniques:
        ok = isinstance(u, (bool, np.bool_)) or (
            isinstance(u, (int, float, np.integer, np.floating)) and u in (0, 1)
        )
        as_int.append(int(u) if ok else -1)
        if not ok:
            bad.append(u.item() if isinstance(u, np.generic) else u)
    if bad:
        raise ValueError(error.format(bad=bad[:3]))
    return np.asarray(as_int, dtype=np.int64)[codes] == 1
