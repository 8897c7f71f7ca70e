"""Regulatory bias audits: NYC Local Law 144 and the EEOC four-fifths rule.

:func:`ll144` computes the tables a published LL144 bias audit must hold (selection or
scoring rates and impact ratios by sex, race/ethnicity and their intersection) and, beyond
the rule, how far each number can be trusted: exact intervals, significance tests, a
small-numbers flag and the shortfall to four fifths. :func:`four_fifths_rule` applies the
EEOC's rule of thumb with the statistical and practical significance 29 CFR 1607.4(D) asks
for. Neither decides legal compliance.
"""

from ..metrics._four_fifths import FOUR_FIFTHS, VERDICTS, ratio_interval
from ._categories import DEFAULT_UNKNOWN, RACE_ORDER, SEX_ORDER
from ._four_fifths import four_fifths_from_counts, four_fifths_rule
from ._ll144 import LL144Audit, ll144

__all__ = [
    "DEFAULT_UNKNOWN",
    "FOUR_FIFTHS",
    "LL144Audit",
    "RACE_ORDER",
    "SEX_ORDER",
    "VERDICTS",
    "four_fifths_from_counts",
    "four_fifths_rule",
    "ll144",
    "ratio_interval",
]
