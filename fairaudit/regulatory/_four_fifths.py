"""The four-fifths rule of the EEOC (29 CFR 1607.4(D)) from applicant-level data or counts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..metrics._four_fifths import (
    FOUR_FIFTHS,
    MIN_COUNT,
    Z_SIGNIFICANT,
    four_fifths_table,
)
from ._categories import selected_mask

ERR_LENGTH = "selected has {n} values but group has {m}; pass arrays of the same length."
ERR_SELECTED = "selected must hold 0/1 or True/False for every applicant; got {bad!r}."
ERR_MISSING_GROUP = (
    "group has {k} missing value(s); give them a category (e.g. 'unknown') or drop them."
)


def four_fifths_rule(
    data: Any = None,
    *,
    group: Any,
    selected: Any,
    threshold: float = FOUR_FIFTHS,
    confidence_level: float = 0.95,
    z_threshold: float = Z_SIGNIFICANT,
    min_count: int = MIN_COUNT,
    correction: str = "holm",
) -> pd.DataFrame:
    """Adverse impact by the four-fifths rule, with its statistical and practical significance.

    A group's selection rate below ``threshold`` (4/5) times the rate of the group with the
    **highest** rate is adverse impact by the rule of thumb; as 29 CFR 1607.4(D) qualifies
    it, the table also says whether the difference is statistically significant (pooled
    two-proportion z of at least ``z_threshold`` standard deviations, or Fisher's exact test
    when the numbers are small) and practically significant (the shortfall in selections,
    and whether one selection more or less would flip the result).

    Parameters
    ----------
    data : DataFrame, optional
        Then ``group`` and ``selected`` name its columns.
    group : str or array-like
        Each applicant's group.
    selected : str or array-like
        1 (True) for selected, else 0.
    threshold, confidence_level, z_threshold, min_count, correction
        See :func:`fairaudit.regulatory.four_fifths_from_counts`.

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted); ``verdict`` is ``"below_significant"``,
        ``"below_not_significant"`` or ``"not_below"`` (``verdict_text`` in words).
    """
    if data is not None and not isinstance(data, pd.DataFrame) and hasattr(data, "to_pandas"):
        data = data.to_pandas()
    g = data[group] if isinstance(group, str) else group
    s = data[selected] if isinstance(selected, str) else selected
    g = g if isinstance(g, pd.Series) else pd.Series(np.asarray(g).ravel())
    s = s if isinstance(s, pd.Series) else pd.Series(np.asarray(s).ravel())
    if len(g) != len(s):
        raise ValueError(ERR_LENGTH.format(n=len(s), m=len(g)))
    codes, labels = pd.factorize(g, sort=True, use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError(ERR_MISSING_GROUP.format(k=int((codes < 0).sum())))
    hit = selected_mask(s, ERR_SELECTED).astype(np.int64)
    n = np.bincount(codes, minlength=len(labels))
    x = np.bincount(codes, weights=hit, minlength=len(labels)).astype(np.int64)
    return four_fifths_from_counts(
        x,
        n,
        list(labels),
        threshold=threshold,
        confidence_level=confidence_level,
        z_threshold=z_threshold,
        min_count=min_count,
        correction=correction,
    )


def four_fifths_from_counts(
    selected: Any,
    applicants: Any,
    groups: Any = None,
    *,
    threshold: float = FOUR_FIFTHS,
    confidence_level: float = 0.95,
    z_threshold: float = Z_SIGNIFICANT,
    min_count: int = MIN_COUNT,
    correction: str = "holm",
) -> pd.DataFrame:
    """:func:`four_fifths_rule` from counts: selected and applicants per group.

    Parameters
    ----------
    selected, applicants : array-like of int
    groups : list, optional
        Labels (default 0, 1, ...).
    threshold : float, default 0.8
    confidence_level : float, default 0.95
        Of the exact (Clopper-Pearson) rate intervals and the Koopman score intervals of the
        impact ratios; Fisher's test is significant at p < 1 - confidence_level.
    z_threshold : float, default 2.0
    min_count : int, default 30
        Groups with fewer applicants (or an expected cell count below 5 in their table
        against the top group) rest on small numbers: Fisher's exact test decides.
    correction : {"holm", "bh", "none"}, default "holm"
        Adjustment of the p-values of the groups' tests against the top group for multiple
        comparisons (Holm's step-down method, Benjamini-Hochberg, or none): adds
        ``p_value`` (of the test that decides), ``p_adjusted`` and
        ``significant_adjusted``. The verdicts and every other column are those of the
        rule, group by group, whatever the correction.

    Returns
    -------
    pandas.DataFrame
    """
    x = np.asarray(selected)
    labels = list(range(len(x))) if groups is None else list(groups)
    return four_fifths_table(
        x,
        np.asarray(applicants),
        labels,
        threshold=threshold,
        confidence_level=confidence_level,
        z_threshold=z_threshold,
        min_count=min_count,
        correction=correction,
    )
