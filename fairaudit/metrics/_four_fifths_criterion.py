"""The ``four_fifths_rule`` criterion of an audit: the EEOC rule as practised.

Its value is the smallest selection rate divided by the **highest** group's (whatever the
audit's reference group); its verdict comes from tests, not from the tolerance band alone:
``fail`` when some group is below the tolerance (4/5) of the top rate and the difference is
statistically significant, ``inconclusive`` when a group is below it but the difference is
not significant (small numbers), and also when no group is below it by its estimate but
the interval of the lowest impact ratio reaches below; ``pass`` when the interval shows no
group is below it. See
:func:`fairaudit.metrics._four_fifths.four_fifths_table`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._config import AuditConfig
from ._four_fifths import AUDIT_VERDICT, COLUMNS, NO_INTERVAL, _four_fifths_columns
from ._intervals import effective_size
from ._registry import rate_parts
from ._stats import ConfusionStats

NAME = "four_fifths_rule"
#: Groups named in the reason (the lowest ratios first).
MAX_LISTED = 5
_ORDER = ("below_significant", "below_not_significant", "not_below")
NOT_SHOWN = (
    "no group is below {tol:g} of the top rate by its estimate, but the {level:.0%} interval "
    "of the lowest impact ratio reaches {lo:.3f}: too few observations to show it is not"
)


def _counts(conf: ConfusionStats, kept: np.ndarray, config: AuditConfig):
    """Selected and applicants per kept group (effective counts, rounded, with weights)."""
    if not config.weighted:
        x, n = rate_parts(conf.n[kept].astype(np.float64), "selection_rate")
        return np.round(x).astype(np.int64), np.round(n).astype(np.int64)
    num, den = rate_parts(conf.w[kept], "selection_rate")
    _, den2 = rate_parts(conf.w2[kept], "selection_rate")
    n_eff = effective_size(den, den2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
    n_int = np.round(n_eff).astype(np.int64)
    return np.minimum(np.round(p * n_eff).astype(np.int64), n_int), n_int


def four_fifths_row(
    conf: ConfusionStats,
    kept: np.ndarray,
    labels: list[str],
    values: np.ndarray,
    *,
    attribute: str,
    config: AuditConfig,
) -> dict:
    """The criteria-table row of the four-fifths rule for one attribute.

    ``values`` are the groups' selection rates (weighted when the audit is), from which the
    value is computed; the tests use the row counts (Kish effective counts, rounded, with
    weights).
    """
    tol = float(config.tolerances[NAME])
    x, n = _counts(conf, kept, config)
    level = float(config.confidence_level)
    row = {
        "attribute": attribute,
        "criterion": NAME,
        "metric": "selection_rate",
        "kind": "ratio",
        "value": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "tolerance": tol,
        "verdict": "n/a",
        "worst_group": None,
        "best_group": None,
        "reason": "",
    }
    rates = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(rates) & (n > 0)
    if ok.sum() < 2:
        row["reason"] = "the four-fifths rule needs two groups with a selection rate"
        return row
    top = int(np.flatnonzero(ok)[np.argmax(rates[ok])])
    if not rates[top] > 0:
        row["reason"] = "no group is selected at all: no top rate to compare with (0/0)"
        return row
    names = [labels[i] for i in np.flatnonzero(ok)]
    # the table's columns, and the smallest impact-ratio limits instead of every interval
    table, lowest = _four_fifths_columns(
        x[ok],
        n[ok],
        threshold=tol if tol > 0 else 1.0,
        confidence_level=level,
        min_count=int(config.min_group_size),
        fisher_all=False,  # the exact test decides only on small numbers
        lowest_only=True,
    )
    ratio = rates[ok] / rates[top]
    worst = int(np.argmin(ratio))
    row["value"] = float(ratio[worst])
    row["worst_group"] = names[worst]
    row["best_group"] = labels[top]
    no_interval = lowest is None
    if not no_interval:
        row["lower"], row["upper"] = lowest
    verdicts = table["verdict"].tolist()
    code = next((v for v in _ORDER if v in verdicts), "n/a")
    if tol == 0:
        code = "not_below"
    row["verdict"] = AUDIT_VERDICT[code]
    if code.startswith("below"):
        row["reason"] = _below_reason(table, names, code)
        if config.weighted:
            row["reason"] += "; tests on Kish effective counts"
    if code == "not_below" and tol > 0 and np.isfinite(row["lower"]) and row["lower"] < tol:
        # not below 4/5 by the estimate, but the data cannot exclude it: no PASS
        row["verdict"] = "inconclusive"
        row["reason"] = NOT_SHOWN.format(lo=row["lower"], tol=tol, level=config.confidence_level)
    if no_interval:
        note = NO_INTERVAL.format(g=len(names))
        row["reason"] = f"{row['reason']}; {note}" if row["reason"] else note
    return row


def _below_reason(table: dict, names: list[str], code: str) -> str:
    """The groups below the tolerance with verdict ``code``, the lowest ratios first."""
    if len(set(names)) < len(names):  # labels that print alike: as the table frame lists them
        frame = pd.DataFrame({c: table[c] for c in COLUMNS}, index=pd.Index(names))
        hit = frame[frame["verdict"] == code].sort_values("impact_ratio", kind="stable")
        first = frame["verdict_text"][hit.index[0]]
        rows = [(label, r) for label, r in hit.head(MAX_LISTED).iterrows()]
        count = len(hit)
    else:
        where = np.flatnonzero(table["verdict"] == code)
        where = where[np.argsort(table["impact_ratio"][where], kind="stable")]
        first = table["verdict_text"][where[0]]
        rows = [
            (names[i], {c: table[c][i] for c in ("fisher_p_value", "test", "z", "impact_ratio")})
            for i in where[:MAX_LISTED]
        ]
        count = len(where)
    parts = []
    for label, r in rows:
        stat = (
            f"Fisher p = {r['fisher_p_value']:.3g}"
            if r["test"] == "fisher"
            else f"z = {r['z']:.2f} SD"
        )
        parts.append(f"{label} (ratio {r['impact_ratio']:.3f}, {stat})")
    more = count - MAX_LISTED
    tail = f"; and {more} more group(s)" if more > 0 else ""
    return f"{first}: " + "; ".join(parts) + tail
