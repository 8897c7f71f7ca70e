"""The verdict of the audit report: page banner, verdict section and the criteria grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ._blocks import GE, LE, Named, badge, count_text, each_audit, meta_of, section
from ._document import Block, IdRegistry, RenderedSection, h, items, kv, p, table
from ._findings import audit_findings
from ._format import (
    Cell,
    TableView,
    exact,
    fmt_interval,
    fmt_near,
    fmt_number,
    is_missing,
    table_view,
)
from ._text import CRITERIA_TEXT, criterion_label
from ._views import (
    confidence,
    config_value,
    safe_get,
    verdict_counts,
    worst_verdict,
)

MAX_FINDINGS = 8
HEADLINES = {
    "fail": "At least one fairness criterion fails.",
    "inconclusive": "No criterion fails, but at least one is inconclusive: the data cannot "
    "tell whether it meets the tolerance.",
    "pass": "Every evaluated criterion passes its tolerance.",
    "n/a": "No criterion could be evaluated.",
}
CRITERIA_LONG_COLUMNS = (
    "attribute",
    "criterion",
    "value",
    "lower",
    "upper",
    "tolerance",
    "verdict",
    "worst_group",
    "reason",
)


def verdict_banner(
    verdict: Any, criteria: pd.DataFrame, *, text: str | None = None, lines: Sequence[str] = ()
) -> Block:
    """A banner coloured by ``verdict``; by default its lines are the counts of checks."""
    mark = badge(verdict)
    return Block(
        "banner",
        text=HEADLINES[mark[0] if mark[0] != "na" else "n/a"] if text is None else text,
        items=list(lines) or [count_text(verdict_counts(criteria))],
        cls=mark[0],
        extra={"badge": mark},
    )


def banner(named: Named) -> Block:
    """The banner at the top of the page: the worst verdict of all audits."""
    verdicts = [str(safe_get(a, "verdict", "n/a")) for _, a in named]
    lines = []
    if len(named) > 1:
        lines = [
            f"{name}: {badge(v)[2]} \u2014 {count_text(verdict_counts(a.criteria))}"
            for (name, a), v in zip(named, verdicts, strict=True)
        ]
    return verdict_banner(worst_verdict(verdicts), named[0][1].criteria, lines=lines)


def _findings(audit: Any) -> list[str]:
    return [f"{name}: {sentence}" for name, sentence in audit_findings(audit)]


def verdict_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = []
    for _, audit in each_audit(named, blocks):
        meta = meta_of(audit)
        word = badge(safe_get(audit, "verdict", "n/a"))[2]
        blocks.append(p(f"Verdict: {word}. {count_text(verdict_counts(audit.criteria))}"))
        pairs = [("Sensitive attributes", ", ".join(map(str, safe_get(audit, "features", []))))]
        if meta.get("n_samples") is not None:
            pairs.append(("Samples", fmt_number(meta.get("n_samples"))))
        for key, title in (("model", "Model"), ("data", "Data")):
            value = meta.get(key) or config_value(audit, key)
            if value:
                pairs.append((title, str(value)))
        if meta.get("created"):
            pairs.append(("Created", str(meta["created"])))
        blocks.append(kv(pairs))
        findings = _findings(audit)
        if findings:
            blocks.append(p("Main findings (details under Disparities):"))
            shown = findings[:MAX_FINDINGS]
            blocks.append(items(shown, cls="findings"))
            if len(findings) > len(shown):
                blocks.append(
                    p(f"\u2026 and {len(findings) - len(shown)} more in the Disparities section.")
                )
    return section(ids, "Verdict", blocks)


# --------------------------------------------------------------------------- criteria grid
def _grid_cell(r: pd.Series, name: str, attribute: str, rel: str, conf: float) -> Cell:
    mark = badge(r["verdict"])
    value_text = fmt_near(r["value"], r["tolerance"], 3)
    tip = (
        f"{criterion_label(name)} for {attribute}: {value_text} "
        f"({conf:.0%} CI {fmt_interval(r.get('lower'), r.get('upper'))}), tolerance "
        f"{rel}{fmt_number(r['tolerance'], 3)}"
    )
    worst = r.get("worst_group")
    if not is_missing(worst) and str(worst):
        tip += f"; worst group: {worst}"
    reason = r.get("reason")
    if not is_missing(reason) and str(reason):
        tip += f"; {reason}"
    return Cell(
        text=value_text, value=exact(r["value"]), cls=f"verdict {mark[0]}", badge=mark, title=tip
    )


def criteria_grid(audit: Any) -> TableView:
    """Criteria (rows) x attributes (columns); each cell verdict + value."""
    crit = audit.criteria
    attributes = list(dict.fromkeys(crit["attribute"].astype(str)))
    criteria = list(dict.fromkeys(crit["criterion"].astype(str)))
    conf = confidence(audit)
    head = [
        [Cell(text="Criterion", header=True, cls="index"), Cell(text="Tolerance", header=True)]
        + [Cell(text=a, header=True) for a in attributes]
    ]
    body = []
    for name in criteria:
        rows = crit[crit["criterion"].astype(str) == name]
        first = rows.iloc[0]
        rel = (GE if str(first["kind"]) == "ratio" else LE) + " "
        line = [
            Cell(text=criterion_label(name), header=True, cls="index", title=name),
            Cell(
                text=rel + fmt_number(first["tolerance"], 3),
                value=exact(first["tolerance"]),
                cls="num",
            ),
        ]
        for attribute in attributes:
            match = rows[rows["attribute"].astype(str) == attribute]
            if match.empty:
                line.append(Cell(text="", cls="empty"))
            else:
                line.append(_grid_cell(match.iloc[0], name, attribute, rel, conf))
        body.append(line)
    return TableView(
        head=head,
        body=body,
        cls="grid",
        caption="Verdict and value of each criterion per attribute",
    )


def _criteria_long(audit: Any) -> TableView:
    crit = audit.criteria
    frame = crit[[c for c in CRITERIA_LONG_COLUMNS if c in crit.columns]].copy()
    frame["criterion"] = frame["criterion"].map(lambda c: criterion_label(str(c)))
    frame = frame.rename(columns={"worst_group": "worst group"})
    return table_view(
        frame,
        caption="All criteria with unrounded values (confidence interval lower and upper bounds)",
        digits=4,
    )


def grid_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = [
        p(
            "Each criterion compares the groups of one attribute. PASS: the whole confidence "
            "interval meets the tolerance; FAIL: the whole interval violates it; INCONCLUSIVE: "
            "the interval straddles the tolerance; N/A: the value is undefined. Hover a cell for "
            "its interval and worst group."
        )
    ]
    for _, audit in each_audit(named, blocks):
        blocks.append(table(criteria_grid(audit)))
        blocks.append(table(_criteria_long(audit)))
    rows = [(criterion_label(k), v[1], v[2]) for k, v in CRITERIA_TEXT.items()]
    blocks.append(h("What the criteria mean", 3))
    blocks.append(
        table(
            table_view(
                pd.DataFrame(rows, columns=["criterion", "what it asks", "when it matters"]),
                caption="Which criterion to watch depends on the decision",
            )
        )
    )
    return section(ids, "Summary of criteria", blocks)
