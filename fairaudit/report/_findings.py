"""Plain sentences for failing groups, read from ``AuditResult.to_reference``."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ._charts import metric_label
from ._format import fmt_interval, fmt_near, fmt_number, is_missing
from ._text import criterion_label
from ._views import attribute_views, confidence, criteria_for, reference_label

_WORD = re.compile(r"[a-z_]+")


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _failing_rows(crow: pd.Series, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``to_reference`` outside the criterion's tolerance (unrounded comparison).

    Ratio criterion with tolerance t: ratio outside [t, 1/t]; difference criterion with
    tolerance d: absolute difference above d.
    """
    kind, tol = str(crow["kind"]), _num(crow["tolerance"])
    if kind == "ratio" and 0 < tol <= 1:
        r = pd.to_numeric(rows["ratio"], errors="coerce").to_numpy(dtype=float)
        return rows[np.isfinite(r) & ((r < tol) | (r > 1 / tol))]
    if kind == "difference" and np.isfinite(tol):
        d = pd.to_numeric(rows["difference"], errors="coerce").to_numpy(dtype=float)
        return rows[np.isfinite(d) & (np.abs(d) > tol)]
    return rows.iloc[0:0]


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    rest = [n[0].lower() + n[1:] for n in names[1:]]
    return ", ".join([names[0], *rest[:-1]]) + " and " + rest[-1]


def _sentence(rec: pd.Series, ref: str, conf: str, failed: list[tuple[str, str, float]]) -> str:
    g, metric = str(rec["group"]), str(rec["metric"])
    r = _num(rec.get("ratio"))
    ratio_tols = [t for _, kind, t in failed if kind == "ratio"]
    bound = (ratio_tols[0] if r < 1 else 1 / ratio_tols[0]) if ratio_tols else 1.0
    values = f"{fmt_number(_num(rec['value']))} vs {fmt_number(_num(rec['reference_value']))}"
    ci = fmt_interval(_num(rec.get("ratio_lower")), _num(rec.get("ratio_upper")), 2)
    ci_text = "" if ci == "n/a" else f"; {conf} CI of the ratio {ci}"
    if np.isfinite(r):
        shown = fmt_near(r, bound, 2)
        if metric == "selection_rate":
            head = (
                f"'{g}' is selected at {shown} times the rate of the reference group "
                f"'{ref}' ({values}{ci_text})"
            )
        else:
            head = (
                f"{metric_label(metric)} of '{g}' is {shown} times that of the reference "
                f"group '{ref}' ({values}{ci_text})"
            )
    else:
        head = (
            f"{metric_label(metric)} of '{g}' differs from the reference group '{ref}' ({values})"
        )
    reasons = []
    grouped: dict[tuple[str, float], list[str]] = {}
    for crit, kind, tol in failed:
        names = grouped.setdefault((kind, tol), [])
        if crit not in names:
            names.append(crit)
    for (kind, tol), names in grouped.items():
        who = _join(names)
        plural = len(names) > 1
        if kind == "ratio":
            verb = "require" if plural else "requires"
            reasons.append(f"{who} {verb} a ratio of at least {fmt_number(tol, 2)}")
        else:
            d = _num(rec.get("difference"))
            dci = fmt_interval(
                _num(rec.get("difference_lower")), _num(rec.get("difference_upper")), 3
            )
            extra = "" if dci == "n/a" else f", {conf} CI {dci}"
            verb = "allow" if plural else "allows"
            reasons.append(
                f"{who} {verb} a difference of at most {fmt_number(tol, 3)} "
                f"(here {fmt_near(d, tol if d > 0 else -tol, 3)}{extra})"
            )
    return head + "; " + "; ".join(reasons) + "."


def failing_sentences(
    criteria_rows: pd.DataFrame, to_reference: pd.DataFrame, reference: str, confidence: float
) -> list[str]:
    """One sentence per (group, metric) outside a failing criterion's tolerance.

    A failing criterion for which no single group is outside its tolerance relative to the
    reference (the criterion compares the lowest and highest groups) gets its own sentence.
    """
    conf = f"{confidence:.0%}"
    to_ref = to_reference[to_reference["group"].astype(str) != reference]
    known = set(to_ref["metric"].astype(str))
    per_pair: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
    records: dict[tuple[str, str], pd.Series] = {}
    lonely: list[str] = []
    failing = criteria_rows[criteria_rows["verdict"].astype(str) == "fail"]
    for _, crow in failing.iterrows():
        metrics = [w for w in _WORD.findall(str(crow["metric"])) if w in known]
        bad = _failing_rows(crow, to_ref[to_ref["metric"].astype(str).isin(metrics)])
        crit = criterion_label(str(crow["criterion"]))
        for _, rec in bad.iterrows():
            key = (str(rec["group"]), str(rec["metric"]))
            records.setdefault(key, rec)
            per_pair.setdefault(key, []).append((crit, str(crow["kind"]), _num(crow["tolerance"])))
        if bad.empty:
            kind, tol = str(crow["kind"]), _num(crow["tolerance"])
            value, lo, hi = _num(crow["value"]), _num(crow.get("lower")), _num(crow.get("upper"))
            ci = "" if is_missing(lo) else f" ({conf} CI {fmt_interval(lo, hi)})"
            rel = "at least" if kind == "ratio" else "at most"
            worst = crow.get("worst_group")
            who = (
                ""
                if is_missing(worst) or not str(worst)
                else (f"; the most affected group is '{worst}'")
            )
            lonely.append(
                f"{crit} between groups is {fmt_near(value, tol, 3)}{ci}, outside the tolerance "
                f"of {rel} {fmt_number(tol, 3)}{who} (no group is outside it relative to the "
                f"reference group '{reference}')."
            )

    def severity(key: tuple[str, str]) -> float:
        r = _num(records[key].get("ratio"))
        if np.isfinite(r) and r > 0:
            return abs(float(np.log(r)))
        return np.inf if r == 0 else abs(_num(records[key].get("difference")))

    keys = sorted(per_pair, key=severity, reverse=True)  # most extreme first (stable)
    sentences = [_sentence(records[key], reference, conf, per_pair[key]) for key in keys]
    return sentences + lonely


def audit_findings(audit: Any, limit: int | None = None) -> list[tuple[str, str]]:
    """(attribute name, plain sentence) for each failing group of each attribute of ``audit``.

    ``limit`` caps the sentences per attribute (None: all). Shared by the HTML report and the
    Markdown summary.
    """
    out: list[tuple[str, str]] = []
    views = attribute_views(audit)
    for view in views:
        rows = criteria_for(audit, view, views)
        ref = reference_label(view.result)
        sentences = failing_sentences(rows, view.result.to_reference, ref, confidence(audit))
        out += [(view.name, s) for s in sentences[:limit]]
    return out
