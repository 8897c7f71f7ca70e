"""The verdict of the audit report: page banner, verdict section and the criteria grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..metrics._criteria import overall_verdict
from ._blocks import (
    Named,
    badge,
    count_text,
    each_audit,
    few_legend,
    section,
    tolerance_text,
)
from ._document import Block, IdRegistry, RenderedSection
from ._elements import Banner, h, items, kv, marked, note, p, table
from ._findings import (
    Finding,
    audit_findings,
    criteria_resting_on_few,
    not_evaluated_reason,
)
from ._format import (
    FEW_MARK,
    Cell,
    TableView,
    as_sentence,
    exact,
    fmt_interval,
    fmt_near,
    fmt_number,
    is_missing,
    join_words,
    table_view,
)
from ._multiclass import WORST_CASE_NOTE, is_multiclass
from ._text import CRITERIA_TEXT, criterion_label
from ._views import (
    confidence,
    criteria_table,
    degenerate_causes,
    verdict_counts,
)

MAX_FINDINGS = 8
HEADLINES = {
    "fail": "At least one fairness criterion fails.",
    "inconclusive": "No criterion fails, but at least one is inconclusive: the data cannot "
    "tell whether it meets the tolerance.",
    "pass": "Every evaluated criterion passes its tolerance.",
    "n/a": "No criterion could be evaluated.",
}
NONE_EVALUATED = "No criterion could be evaluated, so the audit cannot pass."
DEGENERATE_HEAD = "The verdict cannot be PASS."
DEGENERATE_HEADLINE = "The verdict cannot be PASS, whatever the criteria say."
NOT_EVALUATED_HEAD = "Not evaluated:"
MAIN_FINDINGS = "Main findings, the best supported first (details under Disparities):"
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


def headline(verdict: Any, counts: dict[str, int], causes: Sequence[str]) -> str:
    """The banner's first line: what the verdict means for this audit."""
    mark = badge(verdict)[0]
    evaluated = counts["fail"] + counts["inconclusive"] + counts["pass"]
    if mark == "fail":
        return HEADLINES["fail"]
    if causes:
        return DEGENERATE_HEADLINE
    if evaluated == 0:
        return NONE_EVALUATED
    return HEADLINES["n/a" if mark == "na" else mark]


def degenerate_text(causes: Sequence[str]) -> str:
    """Why the verdict cannot be PASS, as one paragraph."""
    return " ".join([DEGENERATE_HEAD, *(as_sentence(c) for c in causes)])


def verdict_banner(
    verdict: Any, audit: Any, *, text: str | None = None, lines: Sequence[str] = ()
) -> Block:
    """A banner coloured by ``verdict``; by default its lines are the counts of criteria."""
    mark = badge(verdict)
    counts = verdict_counts(audit)
    causes = degenerate_causes(audit)
    default = [count_text(counts), *(as_sentence(c) for c in causes)]
    return Banner(
        badge=mark,
        headline=headline(verdict, counts, causes) if text is None else text,
        lines=tuple(lines) or tuple(default),
        cls=mark[0],
    )


def banner(named: Named) -> Block:
    """The banner at the top of the page: the worst verdict of all audits."""
    verdicts = [str(a.verdict) for _, a in named]
    worst = overall_verdict(verdicts)
    if len(named) == 1:
        return verdict_banner(worst, named[0][1])
    lines = []
    for (name, a), v in zip(named, verdicts, strict=True):
        causes = degenerate_causes(a)
        extra = "".join(f" {as_sentence(c)}" for c in causes)
        lines.append(f"{name}: {badge(v)[2]} \u2014 {count_text(verdict_counts(a))}{extra}")
    first = next((a for (_, a), v in zip(named, verdicts, strict=True) if v == worst), named[0][1])
    return verdict_banner(worst, first, lines=lines)


def not_evaluated(audit: Any) -> list[str]:
    """'criterion for attributes: reason' of the criteria that could not be evaluated, one
    line per criterion and reason (the attributes that share them listed together)."""
    crit = criteria_table(audit)
    rows = crit[~crit["verdict"].astype(str).isin(["pass", "fail", "inconclusive"])]
    reasons = rows["reason"] if "reason" in rows.columns else pd.Series("", index=rows.index)
    shared: dict[tuple[str, str], list[str]] = {}
    for a, c, t, r in zip(
        rows["attribute"].astype(str),
        rows["criterion"].astype(str),
        rows["tolerance"],
        reasons,
        strict=True,
    ):
        why = not_evaluated_reason(r)  # the list's head says "not evaluated" once
        attributes = shared.setdefault((criterion_label(c, t), why), [])
        if a not in attributes:
            attributes.append(a)
    return [
        f"{label} for {join_words(attributes)}: {why}"
        for (label, why), attributes in shared.items()
    ]


def finding_entries(findings: Sequence[Finding], *, named: bool) -> list[tuple[str, ...]]:
    """(css class, symbol, word, text) of each finding, the attribute first when ``named``."""
    return [(*f.mark, f"{f.attribute}: {f.text}" if named else f.text) for f in findings]


def verdict_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = []
    for _, audit in each_audit(named, blocks):
        word = badge(audit.verdict)[2]
        blocks.append(p(f"Verdict: {word}. {count_text(verdict_counts(audit))}"))
        causes = degenerate_causes(audit)
        if causes:
            blocks.append(note(degenerate_text(causes), "fail"))
        missing = not_evaluated(audit)
        if missing:
            blocks.append(p(NOT_EVALUATED_HEAD))
            blocks.append(items(missing, cls="causes"))
        pairs = [("Sensitive attributes", ", ".join(map(str, audit.features)))]
        pairs.append(("Samples", fmt_number(audit.info.n_samples)))
        blocks.append(kv(pairs))
        findings = [f for f in audit_findings(audit) if f.status != "n/a"]
        if findings:
            blocks.append(p(MAIN_FINDINGS))
            shown = findings[:MAX_FINDINGS]
            blocks.append(marked(finding_entries(shown, named=True)))
            if len(findings) > len(shown):
                blocks.append(
                    p(f"\u2026 and {len(findings) - len(shown)} more in the Disparities section.")
                )
    return section(ids, "Verdict", blocks)


# --------------------------------------------------------------------------- criteria grid
def _grid_cell(r: pd.Series, name: str, attribute: str, conf: float, few: str, legend: str) -> Cell:
    mark = badge(r["verdict"])
    value_text = fmt_near(r["value"], r["tolerance"], 3)
    tip = (
        f"{criterion_label(name, r['tolerance'])} for {attribute}: {value_text} "
        f"({conf:.0%} CI {fmt_interval(r.get('lower'), r.get('upper'))}), tolerance "
        f"{tolerance_text(r['kind'], r['tolerance'])}"
    )
    worst = r.get("worst_group")
    if not is_missing(worst) and str(worst):
        tip += f"; worst group: {worst}"
    reason = r.get("reason")
    if not is_missing(reason) and str(reason):
        tip += f"; {reason}"
    if few:
        tip += f"; {few}"
    return Cell(
        text=value_text,
        value=exact(r["value"]),
        cls=f"verdict {mark[0]}",
        badge=mark,
        title=tip,
        flag=FEW_MARK if few else "",
        flag_title=f"{legend}: {few}" if few else "",
    )


def criteria_grid(audit: Any) -> TableView:
    """Criteria (rows) x attributes (columns); each cell verdict + value."""
    crit = criteria_table(audit)
    attributes = list(dict.fromkeys(crit["attribute"].astype(str)))
    criteria = list(dict.fromkeys(crit["criterion"].astype(str)))
    conf = confidence(audit)
    few = criteria_resting_on_few(audit)
    legend = few_legend(audit)
    head = [
        [Cell(text="Criterion", header=True, cls="index"), Cell(text="Tolerance", header=True)]
        + [Cell(text=a, header=True) for a in attributes]
    ]
    body = []
    for name in criteria:
        rows = crit[crit["criterion"].astype(str) == name]
        first = rows.iloc[0]
        line = [
            Cell(
                text=criterion_label(name, first["tolerance"]),
                header=True,
                cls="index",
                title=name,
            ),
            Cell(
                text=tolerance_text(first["kind"], first["tolerance"]),
                value=exact(first["tolerance"]),
                cls="num",
            ),
        ]
        for attribute in attributes:
            match = rows[rows["attribute"].astype(str) == attribute]
            if match.empty:
                line.append(Cell(text="", cls="empty"))
            else:
                line.append(
                    _grid_cell(
                        match.iloc[0],
                        name,
                        attribute,
                        conf,
                        few.get((attribute, name), ""),
                        legend,
                    )
                )
        body.append(line)
    return TableView(
        head=head,
        body=body,
        # with three or more attribute columns a phone screen is narrow enough that the
        # verdict words may have to break (see the print and phone rules of report.css)
        cls="grid" if len(attributes) < 3 else "grid many",
        caption="Verdict and value of each criterion per attribute",
        notes=[legend] if few else [],
    )


def _criteria_long(audit: Any) -> TableView:
    crit = criteria_table(audit)
    frame = crit[[c for c in CRITERIA_LONG_COLUMNS if c in crit.columns]].copy()
    frame["criterion"] = [
        criterion_label(str(c), t)
        for c, t in zip(crit["criterion"], crit["tolerance"], strict=True)
    ]
    frame = frame.rename(columns={"worst_group": "worst group"})
    # a column empty in every row (no reason to give, no group to name) says nothing
    empty = [
        c
        for c in ("worst group", "reason")
        if c in frame.columns
        and frame[c].map(lambda v: v is None or is_missing(v) or str(v).strip() == "").all()
    ]
    frame = frame.drop(columns=empty)
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
            "the interval straddles the tolerance; N/A: not evaluated (the value is undefined). "
            f"{FEW_MARK}: the groups compared rest on few observations. Hover a cell for its "
            "interval, worst group and reasons."
        )
    ]
    for _, audit in each_audit(named, blocks):
        if is_multiclass(audit):
            blocks.append(p(WORST_CASE_NOTE))
        blocks.append(table(criteria_grid(audit)))
        blocks.append(table(_criteria_long(audit)))
    shown = {str(c) for _, audit in named for c in audit.criteria["criterion"]}
    rows = [(criterion_label(k), v[1], v[2]) for k, v in CRITERIA_TEXT.items() if k in shown]
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
