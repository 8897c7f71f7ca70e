"""The bias audit of NYC Local Law 144 (6 RCNY 5-300 to 5-304): selection or scoring rates
and impact ratios by sex, race/ethnicity and their intersection, plus what the rule does not
ask for (intervals, tests, small-number flags, shortfalls).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..metrics._four_fifths import FOUR_FIFTHS, MIN_COUNT, Z_SIGNIFICANT, four_fifths_table
from ._categories import (
    DEFAULT_UNKNOWN,
    RACE_ORDER,
    SEX_ORDER,
    encode,
    selected_mask,
    unknown_keys,
)

TABLES = ("sex", "race_ethnicity", "intersectional")
TABLE_TITLES = {
    "sex": "Sex categories",
    "race_ethnicity": "Race/ethnicity categories",
    "intersectional": "Intersectional categories",
}
SCHEMA = "fairaudit.ll144"
#: 1.0: the rule's tables with exact intervals, tests, small-number flags and shortfalls;
#: 1.1: adds ``meta.correction`` and, per category, ``p_value``, ``p_adjusted`` and
#: ``significant_adjusted`` (the multiple-testing correction within each table), and a
#: shortfall that is not computed (a category excluded or without applicants) is null, not -1.
SCHEMA_VERSION = "1.1"

ERR_TOOL = (
    "ll144() needs exactly one of selected= (a selection tool: 1 for selected, 0 for not) "
    "or score= (a scoring tool); got {got}."
)
ERR_COLUMN = "{arg}={name!r} is not a column of data; columns are {columns}."
ERR_NO_DATA = "{arg} is a column name ({name!r}) but no data= frame was given."
ERR_LENGTH = "{arg} has {n} values but {first} has {m}; pass arrays of the same length."
ERR_EMPTY = "ll144() got no applicants (0 rows)."
ERR_SELECTED = (
    "selected must hold 0/1 or True/False for every applicant; got {bad!r}. A missing "
    "decision cannot be counted: drop those rows or decide them first."
)
ERR_SCORE = (
    "score must be a finite number for every applicant; {k} value(s) are missing or not "
    "numbers (first at row {row}). Drop applicants who were not scored."
)
ERR_EXCLUDE = "exclude_below must be None or a share in [0, 1); got {value!r}."
ERR_LEVEL = "confidence_level must be in (0, 1); got {value!r}."


def _column(data: Any, value: Any, arg: str) -> pd.Series:
    if isinstance(value, str):
        if data is None:
            raise ValueError(ERR_NO_DATA.format(arg=arg, name=value))
        if value not in data.columns:
            cols = ", ".join(map(str, list(data.columns)[:20]))
            raise ValueError(ERR_COLUMN.format(arg=arg, name=value, columns=cols))
        return data[value].reset_index(drop=True)
    if isinstance(value, pd.Series):
        return value.reset_index(drop=True)
    return pd.Series(np.asarray(value).ravel())


def _frame(data: Any) -> Any:
    if data is None or isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "to_pandas"):  # polars, pyarrow
        return data.to_pandas()
    return pd.DataFrame(data)


def _selected(values: pd.Series) -> np.ndarray:
    return selected_mask(values, ERR_SELECTED)


def _score(values: pd.Series) -> np.ndarray:
    num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(num)
    if bad.any():
        raise ValueError(ERR_SCORE.format(k=int(bad.sum()), row=int(np.flatnonzero(bad)[0])))
    return num


@dataclass(frozen=True)
class LL144Audit:
    """The result of :func:`ll144`: three tables and what they rest on.

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        ``"sex"``, ``"race_ethnicity"`` and ``"intersectional"``, one row per category with
        the rule's columns (applicants, selected or scored above the median, rate, impact
        ratio) and the others of :func:`fairaudit.regulatory.four_fifths`.
    meta : dict
        Kind of tool, number of applicants, unknowns, median, options, date and source.
    """

    tables: dict[str, pd.DataFrame]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``"selection"`` or ``"scoring"``."""
        return str(self.meta["kind"])

    @property
    def rate_name(self) -> str:
        return "selection rate" if self.kind == "selection" else "scoring rate"

    def to_frame(self) -> pd.DataFrame:
        """The three tables stacked, with a ``table`` column (sex, race_ethnicity,
        intersectional) and the ``sex`` and ``race_ethnicity`` of each category."""
        parts = []
        for name in TABLES:
            t = self.tables[name].reset_index()
            t.insert(0, "table", name)
            parts.append(t)
        return pd.concat(parts, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (NaN as None)."""

        def clean(v: Any) -> Any:
            if isinstance(v, (np.bool_, bool)):
                return bool(v)
            if isinstance(v, (np.integer,)):
                return int(v)
            if isinstance(v, (float, np.floating)):
                return None if not math.isfinite(float(v)) else float(v)
            if isinstance(v, dict):
                return {str(k): clean(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [clean(x) for x in v]
            return v

        def row(r: dict[str, Any]) -> dict[str, Any]:
            out = clean(r)
            if out.get("shortfall") is not None and out["shortfall"] < 0:
                out["shortfall"] = None  # not computed: excluded, or no applicants
            return out

        tables = {
            name: [row(r) for r in self.tables[name].reset_index().to_dict(orient="records")]
            for name in TABLES
        }
        return {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "meta": clean(self.meta),
            "tables": tables,
        }

    @staticmethod
    def json_schema() -> dict[str, Any]:
        """The JSON Schema (draft 7) of :meth:`to_dict` output, shipped with the package."""
        from importlib.resources import files

        text = files("fairaudit").joinpath("schema/ll144.schema.json").read_text(encoding="utf-8")
        return json.loads(text)

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        """The audit as JSON (written atomically to ``path`` when given)."""
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
        if path is not None:
            from .._io import write_text

            write_text(path, text + "\n")
        return text

    def to_markdown(self) -> str:
        """The summary in Markdown: the rule's tables, then intervals, tests and flags."""
        from ._ll144_report import render_markdown

        return render_markdown(self)

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """A self-contained HTML page in the layout of a published summary of results."""
        from ._ll144_report import render_html

        return render_html(self, path)


def _table(
    pos: np.ndarray,
    index: pd.Index,
    hit: np.ndarray,
    at_median: np.ndarray | None,
    total_rows: int,
    exclude_below: float | None,
    opts: dict[str, Any],
) -> pd.DataFrame:
    n = np.bincount(pos, minlength=len(index))
    x = np.bincount(pos, weights=hit.astype(np.float64), minlength=len(index)).astype(np.int64)
    share = n / total_rows
    include = np.ones(len(index), dtype=bool)
    reason = "excluded from the impact ratios"
    if exclude_below is not None:
        include = share >= exclude_below
        reason = (
            f"less than {exclude_below:.0%} of the data: excluded from the impact "
            "ratios (6 RCNY 5-301(d)); its applicants and rate are still reported"
        )
    t = four_fifths_table(x, n, index, include=include, excluded_reason=reason, **opts)
    t.index = index
    t.insert(1, "share", share)
    if at_median is not None:
        ties = np.bincount(pos, weights=at_median.astype(np.float64), minlength=len(index)).astype(
            np.int64
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            t["at_median"] = ties
            t["at_median_share"] = np.where(n > 0, ties / np.where(n > 0, n, 1), np.nan)
            t["rate_at_or_above_median"] = np.where(
                n > 0, (x + ties) / np.where(n > 0, n, 1), np.nan
            )
    return t


def ll144(
    data: Any = None,
    *,
    sex: Any,
    race_ethnicity: Any,
    selected: Any = None,
    score: Any = None,
    unknown_values: Sequence[str] = DEFAULT_UNKNOWN,
    exclude_below: float | None = None,
    confidence_level: float = 0.95,
    threshold: float = FOUR_FIFTHS,
    z_threshold: float = Z_SIGNIFICANT,
    min_count: int = MIN_COUNT,
    correction: str = "holm",
    audit_date: str | _dt.date | None = None,
    data_source: str = "",
    tool_name: str = "",
) -> LL144Audit:
    """The bias audit of an automated employment decision tool under NYC Local Law 144.

    Parameters
    ----------
    data : DataFrame, optional
        A pandas (or polars/pyarrow) frame; then the other arguments name its columns.
    sex, race_ethnicity : str or array-like
        Each applicant's sex and race/ethnicity category (text). Missing values and the
        ``unknown_values`` are the unknown category: counted, left out of the rates.
    selected : str or array-like, optional
        A selection tool: 1 (True) for an applicant moved forward, else 0.
    score : str or array-like, optional
        A scoring tool: each applicant's score. The scoring rate of a category is the share
        of its applicants scoring strictly above the median score of everyone scored
        (unknowns included); the share exactly at the median is reported too.
    unknown_values : sequence of str
        Values meaning "unknown" (case-insensitive).
    exclude_below : float, optional
        The 2% rule of 6 RCNY 5-301(d): categories with less than this share of the data
        (all applicants of the audit) are left out of the impact ratios; their applicants
        and rates are still reported. Default: none excluded.
    confidence_level : float, default 0.95
        Of the exact rate intervals, the Koopman impact-ratio intervals and Fisher's test.
    threshold : float, default 0.8
        The four-fifths threshold used by the verdicts and shortfalls.
    z_threshold : float, default 2.0
        Standard deviations of the two-proportion z test counted as significant.
    min_count : int, default 30
        Categories with fewer applicants are flagged as resting on small numbers.
    correction : {"holm", "bh", "none"}, default "holm"
        Adjustment for multiple comparisons of the p-values of each table's tests (every
        category against the top category of its table; one family per table): Holm's
        step-down method, Benjamini-Hochberg or none. It adds the columns ``p_value`` (the
        test that decides), ``p_adjusted`` and ``significant_adjusted``; the rule's
        numbers (rates, impact ratios) and the verdicts are unchanged.
    audit_date, data_source, tool_name : optional
        Shown in the summary (the date defaults to today, UTC).

    Returns
    -------
    LL144Audit
    """
    if (selected is None) == (score is None):
        got = "both" if selected is not None else "neither"
        raise ValueError(ERR_TOOL.format(got=got))
    if exclude_below is not None:
        e = float(exclude_below)
        if not (math.isfinite(e) and 0 <= e < 1):
            raise ValueError(ERR_EXCLUDE.format(value=exclude_below))
        exclude_below = e
    if not (0 < float(confidence_level) < 1):
        raise ValueError(ERR_LEVEL.format(value=confidence_level))
    unknown = unknown_keys(unknown_values)
    frame = _frame(data)
    s_raw = _column(frame, sex, "sex")
    r_raw = _column(frame, race_ethnicity, "race_ethnicity")
    outcome_arg = "selected" if selected is not None else "score"
    o_raw = _column(frame, selected if selected is not None else score, outcome_arg)
    for arg, col in (("race_ethnicity", r_raw), (outcome_arg, o_raw)):
        if len(col) != len(s_raw):
            raise ValueError(ERR_LENGTH.format(arg=arg, n=len(col), first="sex", m=len(s_raw)))
    total = len(s_raw)
    if total == 0:
        raise ValueError(ERR_EMPTY)

    median = None
    at_median = None
    if selected is not None:
        hit = _selected(o_raw)
    else:
        values = _score(o_raw)
        median = float(np.median(values))
        hit = values > median
        at_median = values == median

    s_code, sex_labels = encode(s_raw, unknown, SEX_ORDER, race=False)
    r_code, race_labels = encode(r_raw, unknown, RACE_ORDER, race=True)
    s_known = s_code >= 0
    r_known = r_code >= 0
    opts = {
        "confidence_level": float(confidence_level),
        "threshold": float(threshold),
        "z_threshold": float(z_threshold),
        "min_count": int(min_count),
        "correction": correction,
    }

    tables: dict[str, pd.DataFrame] = {}
    tables["sex"] = _table(
        s_code[s_known],
        pd.Index(sex_labels, name="category"),
        hit[s_known],
        None if at_median is None else at_median[s_known],
        total,
        exclude_below,
        opts,
    )
    tables["race_ethnicity"] = _table(
        r_code[r_known],
        pd.Index(race_labels, name="category"),
        hit[r_known],
        None if at_median is None else at_median[r_known],
        total,
        exclude_below,
        opts,
    )
    both = s_known & r_known
    pairs = [(s, r) for s in sex_labels for r in race_labels]
    pair_code = s_code[both] * max(len(race_labels), 1) + r_code[both]
    inter = _table(
        pair_code,
        pd.Index([f"{s}, {r}" for s, r in pairs], name="category"),
        hit[both],
        None if at_median is None else at_median[both],
        total,
        exclude_below,
        opts,
    )
    inter.insert(0, "race_ethnicity", [r for _, r in pairs])
    inter.insert(0, "sex", [s for s, _ in pairs])
    tables["intersectional"] = inter
    tables["sex"].insert(0, "sex", sex_labels)
    tables["sex"].insert(1, "race_ethnicity", None)
    tables["race_ethnicity"].insert(0, "sex", None)
    tables["race_ethnicity"].insert(1, "race_ethnicity", race_labels)

    if audit_date is None:
        audit_date = _dt.datetime.now(_dt.UTC).date()
    meta = {
        "kind": "selection" if selected is not None else "scoring",
        "tool_name": str(tool_name),
        "data_source": str(data_source),
        "audit_date": str(audit_date),
        "applicants": total,
        "selected": int(hit.sum()),
        "median_score": median,
        "at_median": None if at_median is None else int(at_median.sum()),
        "unknown": {
            "sex": int((~s_known).sum()),
            "race_ethnicity": int((~r_known).sum()),
            "intersectional": int((~both).sum()),
        },
        "exclude_below": exclude_below,
        "confidence_level": float(confidence_level),
        "threshold": float(threshold),
        "z_threshold": float(z_threshold),
        "min_count": int(min_count),
        "correction": correction,
        "interval_methods": {
            "rate": "exact (Clopper-Pearson)",
            "impact_ratio": "Koopman score interval of a ratio of two proportions",
        },
    }
    return LL144Audit(tables=tables, meta=meta)
