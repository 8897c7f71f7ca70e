"""The tables of the audit of one attribute: what :func:`analyse` returns and
:class:`fairaudit.AuditResult` holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: How the name of an intersection joins the names of its features ("sex × race").
INTERSECTION = " \u00d7 "


@dataclass(frozen=True, eq=False)
class AttributeTables:
    """Every table of the audit of one attribute (a feature, or an intersection).

    The frames are shared with the result that holds them: read them through
    :class:`fairaudit.AuditResult`, whose properties return copies.

    Attributes
    ----------
    overall : pandas.Series
        Every metric over all rows.
    overall_intervals : pandas.DataFrame
        ``lower``/``upper`` bounds of ``overall`` (index ``metric``).
    by_group : pandas.DataFrame
        One row per group, one column per metric (``count`` first).
    lower, upper : pandas.DataFrame
        Confidence bounds of ``by_group``, same shape.
    disparities : pandas.DataFrame
        One row per metric: differences and ratios between groups, to the overall value and
        to the reference group, each with ``_lower``/``_upper`` bounds.
    to_reference : pandas.DataFrame
        Each group against the reference group, per metric: difference and ratio with
        intervals, p-value, adjusted p-value, ``significant``.
    criteria : pandas.DataFrame
        One row per named criterion: value, interval, tolerance, verdict, the deciding
        metric, the worst and best groups, and why a value or interval is missing.
    groups : pandas.DataFrame
        Per group: ``count``, ``weight``, ``share``, ``base_rate``, ``small``.
    undefined : pandas.DataFrame
        Every undefined value (``group``, ``metric``) with its ``reason``.
    denominators : pandas.DataFrame
        Observations each value of ``by_group`` rests on (NaN for ``count``).
    curves : Mapping of str to pandas.DataFrame or None
        Threshold curves per group (with scores only).
    reference_group : object
        The label of the reference group.
    suppressed : tuple of str
        Groups left out by ``suppress_below``.
    """

    overall: pd.Series
    overall_intervals: pd.DataFrame
    by_group: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    disparities: pd.DataFrame
    to_reference: pd.DataFrame
    criteria: pd.DataFrame
    groups: pd.DataFrame
    undefined: pd.DataFrame
    denominators: pd.DataFrame
    curves: Mapping[str, pd.DataFrame] | None
    reference_group: Any
    suppressed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "suppressed", tuple(self.suppressed))
