"""Disparities between groups: pure functions of per-group metric values.

Every function takes values with the groups on the last axis (and any leading axes, such as
bootstrap replicates) and ignores groups whose value is undefined (NaN). A summary over fewer
than two defined groups is NaN.
"""

from __future__ import annotations

import numpy as np

SUMMARIES = (
    "difference",
    "ratio",
    "difference_to_overall",
    "ratio_to_overall",
    "difference_to_reference",
    "ratio_to_reference",
)


def _defined_count(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values).sum(axis=-1)


def _nanmax(values: np.ndarray) -> np.ndarray:
    return np.fmax.reduce(values, axis=-1)


def _nanmin(values: np.ndarray) -> np.ndarray:
    return np.fmin.reduce(values, axis=-1)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def between_groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest minus smallest value, and smallest over largest value, across groups."""
    hi = _nanmax(values)
    lo = _nanmin(values)
    enough = _defined_count(values) >= 2
    diff = np.where(enough, hi - lo, np.nan)
    ratio = np.where(enough, _safe_div(lo, hi), np.nan)
    return diff, ratio


def to_value(values: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest absolute difference from ``target`` and the ratio furthest from 1.

    The ratio of a group is ``min(v / target, target / v)``, so it lies in [0, 1] for
    non-negative metrics, as in fairlearn's ``method="to_overall"``.
    """
    target = np.asarray(target)[..., None]
    diff = _nanmax(np.abs(values - target))
    r = _safe_div(values, target)
    inv = _safe_div(target, values)
    both = np.fmin(r, inv)
    both = np.where((values == 0) & (target == 0), 1.0, both)
    ratio = _nanmin(both)
    return diff, ratio


def to_reference(
    values: np.ndarray, ref_index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-group difference and ratio to the reference group, and their summaries.

    Returns
    -------
    diff_g, ratio_g : ndarray, same shape as ``values``
        ``value - reference`` and ``value / reference`` for every group.
    diff, ratio : ndarray
        Largest absolute difference and the ratio furthest from 1 (``min(r, 1/r)``) over
        the groups other than the reference.
    """
    ref = values[..., ref_index]
    diff_g = values - ref[..., None]
    ratio_g = _safe_div(values, ref[..., None])
    ratio_g = np.where((values == 0) & (ref[..., None] == 0), 1.0, ratio_g)
    others = np.ones(values.shape[-1], dtype=bool)
    others[ref_index] = False
    if not others.any():
        nan = np.full(values.shape[:-1], np.nan)
        return diff_g, ratio_g, nan, nan.copy()
    d = np.abs(diff_g[..., others])
    r = ratio_g[..., others]
    folded = np.fmin(r, _safe_div(np.ones_like(r), r))
    folded = np.where(r == 0, 0.0, folded)
    return diff_g, ratio_g, _nanmax(d), _nanmin(folded)


def summaries(
    values: np.ndarray, overall: np.ndarray, ref_index: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The :data:`SUMMARIES` of every row of ``values`` (metrics, groups) by name, and each
    group's difference and ratio to the reference (:func:`to_reference`)."""
    d, r = between_groups(values)
    do, ro = to_value(values, overall)
    diff_g, ratio_g, dref, rref = to_reference(values, ref_index)
    found = dict(zip(SUMMARIES, (d, r, do, ro, dref, rref), strict=True))
    return found, diff_g, ratio_g


def extremes(values: np.ndarray) -> tuple[int, int]:
    """Index of the group with the smallest and with the largest defined value (-1 if none)."""
    finite = np.isfinite(values)
    if not finite.any():
        return -1, -1
    lo = int(np.nanargmin(np.where(finite, values, np.nan)))
    hi = int(np.nanargmax(np.where(finite, values, np.nan)))
    return lo, hi
