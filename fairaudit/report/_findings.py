"""Findings in plain sentences, read from the criteria and ``AuditResult.to_reference``.

Each finding carries the mark of what the result lets it claim:

- FAIL (✗): its criterion fails, and the comparison the sentence names (a group against the
  reference group, or the criterion between groups when no single group is wholly outside)
  lies wholly outside the tolerance;
- CANNOT TELL (?): the comparison is outside the tolerance by its estimate, but its interval
  includes the tolerance, has no width (the mark of too few observations, not of certainty)
  or could not be computed;
- N/A (–): the criterion could not be evaluated.

Findings are ranked by mark, then those resting on few observations or on an interval
without width come last, then by how far the interval lies beyond the tolerance.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..metrics._criteria import TESTED_CRITERIA
from ..metrics._regression_metrics import DISTANCES
from ._charts import in_sentence, metric_label
from ._format import fmt_interval, fmt_near, fmt_number, is_missing, join_words
from ._text import criterion_label
from ._views import (
    AttributeView,
    attribute_views,
    confidence,
    criteria_for,
    group_positions,
    min_group_size,
    reference_label,
)

MARKS = {
    "fail": ("fail", "\u2717", "FAIL"),
    "inconclusive": ("inconclusive", "?", "CANNOT TELL"),
    "n/a": ("na", "\u2013", "N/A"),
}
STATUS_ORDER = {"fail": 0, "inconclusive": 1, "n/a": 2}
INCLUDES = "the {conf} interval includes the tolerance"
FLAT = (
    "the {conf} interval has no width, which shows how few observations there are rather "
    "than certainty"
)
NO_INTERVAL = "no interval could be computed"
CANNOT_TELL = "cannot tell: {why}"
NOT_THIS_GROUP = " (cannot tell for this group: {why})"
FEW = "{who} rests on {n} (fewer than {m})"
SMALL = "{who} is a small group ({n} rows, fewer than {m})"
NOT_EVALUATED = "{crit} could not be evaluated: {reason}."
UNDEFINED = "its value is undefined"
_WORD = re.compile(r"[a-z_]+")

#: How the engine's reason of a criterion that was not evaluated starts.
_NOT_EVALUATED_PREFIX = "not evaluated:"


def not_evaluated_reason(reason: Any) -> str:
    """Why a criterion was not evaluated, without the engine's leading 'not evaluated:'
    (the sentence around it says so); :data:`UNDEFINED` when no reason is recorded."""
    why = "" if is_missing(reason) else str(reason).strip()
    if why.lower().startswith(_NOT_EVALUATED_PREFIX):
        why = why[len(_NOT_EVALUATED_PREFIX) :].lstrip()
    return why or UNDEFINED


@dataclass(frozen=True)
class Finding:
    """One sentence about one attribute, with its mark and its place in the ranking."""

    attribute: str
    status: str  # "fail" | "inconclusive" | "n/a"
    text: str
    weak: bool = False  # few observations, an interval without width, or none
    strength: float = -math.inf  # how far the interval lies beyond the tolerance

    @property
    def mark(self) -> tuple[str, str, str]:
        """(css class, symbol, word) of the finding's mark."""
        return MARKS[self.status]

    def sort_key(self) -> tuple[int, bool, float]:
        return (STATUS_ORDER[self.status], self.weak, -self.strength)


@dataclass(frozen=True)
class _Part:
    """One criterion's reading of one (group, metric) comparison."""

    criterion: str
    kind: str
    tolerance: float
    verdict: str
    certain: bool  # wholly outside the tolerance by an interval with width
    why: str  # when not certain: which of INCLUDES, FLAT, NO_INTERVAL
    strength: float
    interval: str  # "ok", "flat" (no width) or "none"


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


class _Reader:
    """What one attribute's result says about its groups: intervals, observations."""

    def __init__(self, audit: Any, view: AttributeView) -> None:
        self.result = view.result
        self.attribute = view.name
        self.reference = reference_label(view.result)
        self.conf = f"{confidence(audit):.0%}"
        self.min_size = min_group_size(audit)
        self.weighted = audit.info.weighted
        self.positions = group_positions(view.result)
        self.intervals = view.result.intervals
        self.few = view.result.few_observations
        self.denominators = view.result.denominators
        groups = view.result.groups
        self.groups = groups if isinstance(groups, pd.DataFrame) else None

    def _cell(self, frame: pd.DataFrame | None, group: str, metric: str) -> Any:
        pos = self.positions.get(group)
        if frame is None or pos is None or metric not in frame.columns:
            return None
        return frame[metric].iloc[pos]

    def flat(self, group: str, metric: str) -> bool:
        """True when the group's own interval of ``metric`` has no width."""
        if self.intervals is None or (metric, "lower") not in self.intervals.columns:
            return False
        pos = self.positions.get(group)
        if pos is None:
            return False
        lo = _num(self.intervals[(metric, "lower")].iloc[pos])
        hi = _num(self.intervals[(metric, "upper")].iloc[pos])
        return bool(np.isfinite(lo) and lo == hi)

    def few_text(self, group: str, metric: str) -> str:
        """'' or the clause saying that the group's value rests on few observations."""
        who = f"'{group}'" + (" (the reference)" if group == self.reference else "")
        flag = self._cell(self.few, group, metric)
        if flag is not None and not is_missing(flag):
            if not bool(flag):
                return ""
            n = _num(self._cell(self.denominators, group, metric))
            if not np.isfinite(n):
                count = "few observations"
            elif self.weighted:
                count = f"an effective {fmt_number(n, 1)} observations"
            else:
                count = f"{fmt_number(int(round(n)))} observation" + ("" if n == 1 else "s")
            what = f"{count} for the {in_sentence(metric_label(metric))}"
            return FEW.format(who=who, n=what, m=self.min_size)
        if self.groups is None or "small" not in self.groups.columns:
            return ""
        pos = self.positions.get(group)
        if pos is None or not bool(self.groups["small"].iloc[pos]):
            return ""
        count = self.groups["count"].iloc[pos] if "count" in self.groups.columns else "few"
        return SMALL.format(who=who, n=fmt_number(count), m=self.min_size)


def _read(crow: pd.Series, rec: pd.Series, reader: _Reader) -> _Part | None:
    """The criterion's reading of one comparison with the reference, or None when the
    comparison is inside the tolerance by its estimate."""
    kind, tol, verdict = str(crow["kind"]), _num(crow["tolerance"]), str(crow["verdict"])
    group, metric = str(rec["group"]), str(rec["metric"])
    if kind == "ratio" and 0 < tol <= 1:
        value, lo, hi = (
            _num(rec.get("ratio")),
            _num(rec.get("ratio_lower")),
            _num(rec.get("ratio_upper")),
        )
        if not np.isfinite(value) or tol <= value <= 1 / tol:
            return None
        below = value < tol
        certain = hi < tol if below else lo > 1 / tol
        strength = (_log(tol) - _log(hi)) if below else (_log(lo) - _log(1 / tol))
        point = (_log(tol) - _log(value)) if below else (_log(value) - _log(1 / tol))
    elif kind == "difference" and np.isfinite(tol):
        value = _num(rec.get("difference"))
        lo, hi = _num(rec.get("difference_lower")), _num(rec.get("difference_upper"))
        if not np.isfinite(value) or abs(value) <= tol:
            return None
        certain = lo > tol if value > 0 else hi < -tol
        strength = (lo - tol) if value > 0 else (-tol - hi)
        point = abs(value) - tol
    else:
        return None
    has_ci = bool(np.isfinite(lo) and np.isfinite(hi))
    flat = has_ci and (
        lo == hi or reader.flat(group, metric) or reader.flat(reader.reference, metric)
    )
    criterion_ci = np.isfinite(_num(crow.get("lower"))) and np.isfinite(_num(crow.get("upper")))
    if not has_ci:
        # without any interval the result decided on the estimates: so does the finding
        certain, why = not criterion_ci, "" if not criterion_ci else NO_INTERVAL
        strength, interval = point, "none"
    elif flat:
        certain, why, interval = False, FLAT, "flat"
    else:
        why, interval = ("" if certain else INCLUDES), "ok"
    label = criterion_label(str(crow["criterion"]), crow["tolerance"])
    return _Part(label, kind, tol, verdict, bool(certain), why, float(strength), interval)


def _join(names: list[str]) -> str:
    """The names in a sentence: the first as given, the others from a lower-case letter."""
    return join_words([names[0], *(n[0].lower() + n[1:] for n in names[1:])])


def _head(rec: pd.Series, reader: _Reader) -> str:
    g, metric, ref = str(rec["group"]), str(rec["metric"]), reader.reference
    r = _num(rec.get("ratio"))
    values = f"{fmt_number(_num(rec['value']))} vs {fmt_number(_num(rec['reference_value']))}"
    ci = fmt_interval(_num(rec.get("ratio_lower")), _num(rec.get("ratio_upper")), 2)
    ci_text = "" if ci == "n/a" else f"; {reader.conf} CI of the ratio {ci}"
    if metric in DISTANCES:  # a distance between the two groups: the reference's is no value
        return (
            f"{metric_label(metric)} between '{g}' and the reference group '{ref}' is "
            f"{fmt_number(_num(rec['value']))}"
        )
    if not np.isfinite(r):
        return (
            f"{metric_label(metric)} of '{g}' differs from the reference group '{ref}' ({values})"
        )
    shown = fmt_number(r, 2)
    if metric == "selection_rate":
        return (
            f"'{g}' is selected at {shown} times the rate of the reference group '{ref}' "
            f"({values}{ci_text})"
        )
    return (
        f"{metric_label(metric)} of '{g}' is {shown} times that of the reference group "
        f"'{ref}' ({values}{ci_text})"
    )


def _part_text(rec: pd.Series, kind: str, tol: float, names: list[str], conf: str) -> str:
    who, plural = _join(names), len(names) > 1
    if kind == "ratio":
        r = _num(rec.get("ratio"))
        if r < 1:
            verb = "require" if plural else "requires"
            return f"{who} {verb} a ratio of at least {fmt_number(tol, 2)}"
        # the criterion divides the lower rate by the higher: here the reference's by this
        with np.errstate(divide="ignore"):
            inverse = np.divide(
                1.0, [r, _num(rec.get("ratio_upper")), _num(rec.get("ratio_lower"))]
            )
        ci = fmt_interval(inverse[1], inverse[2], 2)
        ci_text = "" if ci == "n/a" else f" ({conf} CI {ci})"
        verb = "take" if plural else "takes"
        return (
            f"{who} {verb} the ratio the other way, {fmt_near(inverse[0], tol, 2)}{ci_text}, "
            f"below {fmt_number(tol, 2)}"
        )
    d = _num(rec.get("difference"))
    dci = fmt_interval(_num(rec.get("difference_lower")), _num(rec.get("difference_upper")), 3)
    extra = "" if dci == "n/a" else f", {conf} CI {dci}"
    verb = "allow" if plural else "allows"
    return (
        f"{who} {verb} a difference of at most {fmt_number(tol, 3)} "
        f"(here {fmt_near(d, tol if d > 0 else -tol, 3)}{extra})"
    )


def _pair_finding(rec: pd.Series, parts: list[_Part], reader: _Reader) -> Finding:
    decisive = [q for q in parts if q.verdict == "fail" and q.certain]
    status = "fail" if decisive else "inconclusive"
    grouped: dict[tuple[str, float, bool, str], list[str]] = {}
    for q in parts:
        names = grouped.setdefault((q.kind, q.tolerance, q.certain, q.why), [])
        if q.criterion not in names:
            names.append(q.criterion)
    texts = []
    for (kind, tol, sure, why), names in grouped.items():
        text = _part_text(rec, kind, tol, names, reader.conf)
        if status == "fail" and not sure:
            text += NOT_THIS_GROUP.format(why=why.format(conf=reader.conf))
        texts.append(text)
    sentence = _head(rec, reader) + "; " + "; ".join(texts)
    if status == "inconclusive":
        why = next((q.why for q in parts if q.why), INCLUDES)
        sentence += "; " + CANNOT_TELL.format(why=why.format(conf=reader.conf))
    metric = str(rec["metric"])
    few = [
        t
        for t in (
            reader.few_text(str(rec["group"]), metric),
            reader.few_text(reader.reference, metric),
        )
        if t
    ]
    if few:
        sentence += "; " + "; ".join(few)
    chosen = decisive or parts
    weak = bool(few) or any(q.interval != "ok" for q in chosen)
    return Finding(reader.attribute, status, sentence + ".", weak, max(q.strength for q in chosen))


def _criterion_finding(crow: pd.Series, reader: _Reader, status: str, pairs: bool) -> Finding:
    """A sentence on the criterion between groups (no single group carries it)."""
    kind, tol = str(crow["kind"]), _num(crow["tolerance"])
    value, lo, hi = _num(crow["value"]), _num(crow.get("lower")), _num(crow.get("upper"))
    crit = criterion_label(str(crow["criterion"]), crow["tolerance"])
    has_ci = bool(np.isfinite(lo) and np.isfinite(hi))
    ci = f" ({reader.conf} CI {fmt_interval(lo, hi)})" if has_ci else ""
    rel = "at least" if kind == "ratio" else "at most"
    worst = crow.get("worst_group")
    who = "" if is_missing(worst) or not str(worst) else f"; the most affected group is '{worst}'"
    head = f"{crit} between groups is {fmt_near(value, tol, 3)}{ci}"
    if status == "fail":
        side = (
            "no group is wholly outside it relative to"
            if pairs
            else "no group is outside it relative to"
        )
        text = (
            f"{head}, outside the tolerance of {rel} {fmt_number(tol, 3)}{who} ({side} the "
            f"reference group '{reader.reference}')"
        )
    else:
        reason = crow.get("reason")
        why = (
            str(reason)
            if not is_missing(reason) and str(reason).strip() and not has_ci
            else INCLUDES.format(conf=reader.conf)
            if has_ci
            else NO_INTERVAL
        )
        text = (
            f"{head}, against the tolerance of {rel} {fmt_number(tol, 3)}{who}; "
            + CANNOT_TELL.format(why=why)
        )
    flat = has_ci and lo == hi
    if flat:
        text += "; " + FLAT.format(conf=reader.conf)
    few = _criterion_few(crow, reader)
    if few:
        text += "; " + "; ".join(few)
    if kind == "ratio":
        strength = _log(tol) - _log(hi) if has_ci else _log(tol) - _log(value)
    else:
        strength = (lo - tol) if has_ci else (value - tol)
    return Finding(
        reader.attribute, status, text + ".", flat or not has_ci or bool(few), float(strength)
    )


def tested_finding(crow: pd.Series, reader: _Reader, status: str) -> Finding:
    """The finding of a criterion decided by tests against the top group (the four-fifths
    rule): its value, interval and the groups and tests its ``reason`` names."""
    tol = _num(crow["tolerance"])
    value, lo, hi = _num(crow["value"]), _num(crow.get("lower")), _num(crow.get("upper"))
    crit = criterion_label(str(crow["criterion"]))
    has_ci = bool(np.isfinite(lo) and np.isfinite(hi))
    ci = f" ({reader.conf} CI {fmt_interval(lo, hi)})" if has_ci else ""
    best = crow.get("best_group")
    top = "" if is_missing(best) else f" of the most selected group '{best}'"
    reason = crow.get("reason")
    why = str(reason) if not is_missing(reason) and str(reason).strip() else ""
    text = (
        f"{crit}: the lowest selection rate is {fmt_near(value, tol, 3)} times the rate{top}"
        f"{ci}, against {fmt_number(tol, 2)}" + (f"; {why}" if why else "")
    )
    if status != "fail":
        text += "; " + CANNOT_TELL.format(why="the difference is not statistically significant")
    few = _criterion_few(crow, reader)
    if few:
        text += "; " + "; ".join(few)
    strength = _log(tol) - _log(value) if np.isfinite(value) and value > 0 else 0.0
    return Finding(reader.attribute, status, text + ".", bool(few), float(strength))


def _criterion_few(crow: pd.Series, reader: _Reader) -> list[str]:
    """Clauses saying that the groups a criterion compares rest on few observations."""
    few: list[str] = []
    for metric in _metrics_of(crow):
        for group in (crow.get("worst_group"), crow.get("best_group")):
            if not is_missing(group) and str(group):
                t = reader.few_text(str(group), metric)
                if t and t not in few:
                    few.append(t)
    return few


def criteria_resting_on_few(audit: Any) -> dict[tuple[str, str], str]:
    """(attribute, criterion) -> why its value rests on few observations: the groups it
    compares (the worst and best) do, for one of its metrics."""
    views = attribute_views(audit)
    out: dict[tuple[str, str], str] = {}
    for view in views:
        reader = _Reader(audit, view)
        rows = criteria_for(audit, view, views)
        for attribute, criterion, few in zip(
            rows["attribute"].astype(str),
            rows["criterion"].astype(str),
            (_criterion_few(crow, reader) for _, crow in rows.iterrows()),
            strict=True,
        ):
            if few:
                out[(attribute, criterion)] = "; ".join(few)
    return out


def _metrics_of(crow: pd.Series) -> list[str]:
    return [w for w in _WORD.findall(str(crow.get("metric", ""))) if w]


def attribute_findings(criteria_rows: pd.DataFrame, reader: _Reader) -> list[Finding]:
    """The findings of one attribute, ranked (see the module docstring)."""
    to_ref = reader.result.to_reference
    to_ref = to_ref[to_ref["group"].astype(str) != reader.reference]
    known = set(to_ref["metric"].astype(str))
    parts: dict[tuple[str, str], list[_Part]] = {}
    records: dict[tuple[str, str], pd.Series] = {}
    out: list[Finding] = []
    for _, crow in criteria_rows.iterrows():
        verdict = str(crow["verdict"])
        if verdict == "pass":
            continue
        if verdict not in ("fail", "inconclusive"):
            why = not_evaluated_reason(crow.get("reason"))
            crit = criterion_label(str(crow["criterion"]), crow["tolerance"])
            out.append(
                Finding(reader.attribute, "n/a", NOT_EVALUATED.format(crit=crit, reason=why))
            )
            continue
        if str(crow["criterion"]) in TESTED_CRITERIA:  # compares with the top group
            out.append(tested_finding(crow, reader, verdict))
            continue
        metrics = [m for m in _metrics_of(crow) if m in known]
        rows = to_ref[to_ref["metric"].astype(str).isin(metrics)]
        read = [(rec, _read(crow, rec, reader)) for _, rec in rows.iterrows()]
        read = [(rec, q) for rec, q in read if q is not None]
        for rec, q in read:
            key = (str(rec["group"]), str(rec["metric"]))
            records.setdefault(key, rec)
            parts.setdefault(key, []).append(q)
        if verdict == "fail" and not any(q.certain for _, q in read):
            out.append(_criterion_finding(crow, reader, "fail", bool(read)))
        elif verdict == "inconclusive" and not read:
            out.append(_criterion_finding(crow, reader, "inconclusive", False))
    out += [_pair_finding(records[key], parts[key], reader) for key in parts]
    return sorted(out, key=Finding.sort_key)


def view_findings(audit: Any, view: AttributeView, views: list[AttributeView]) -> list[Finding]:
    """The ranked findings of one attribute of ``audit``."""
    return attribute_findings(criteria_for(audit, view, views), _Reader(audit, view))


def audit_findings(audit: Any) -> list[Finding]:
    """Every finding of every attribute of ``audit``, ranked across attributes. Shared by the
    HTML report and the Markdown summary."""
    views = attribute_views(audit)
    found = [f for view in views for f in view_findings(audit, view, views)]
    return sorted(found, key=Finding.sort_key)
