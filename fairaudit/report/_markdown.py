"""A Markdown summary of audits (for pull-request comments and CI job summaries).

It reads the same AuditResult as the HTML report, so the two never disagree. Every string
from data is escaped for Markdown and for the HTML that Markdown renderers pass through.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ._blocks import count_text, few_legend
from ._findings import audit_findings, criteria_resting_on_few
from ._format import FEW_MARK, VERDICTS, fmt_interval, fmt_near, fmt_number
from ._multiclass import WORST_CASE_NOTE, averages_markdown, is_multiclass
from ._text import criterion_label
from ._verdict import (
    DEGENERATE_HEAD,
    MAX_FINDINGS,
    NOT_EVALUATED_HEAD,
    degenerate_text,
    not_evaluated,
)
from ._views import audit_name, criteria_table, degenerate_causes, is_audit, verdict_counts

MARKDOWN_NO_AUDIT = "render_markdown() needs at least one AuditResult"
MARKDOWN_AUDIT_TYPE = "render_markdown() takes AuditResult objects as positional arguments"
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # inline Markdown; < > & are HTML-escaped
_AUTOLINK = re.compile(r"(?i)(://|www\.)")


def md(text: Any) -> str:
    """Plain text made inert in Markdown: HTML escaped, Markdown punctuation backslashed,
    line breaks flattened."""
    text = " ".join(str(text).split())
    text = _SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    # no automatic links: '://' and 'www.' get an escaped character
    return _AUTOLINK.sub(
        lambda m: ":\\/\\/" if m.group(1) == "://" else m.group(1)[:3] + "\\.", text
    )


def render_markdown(*audits: Any, title: str = "Fairness audit") -> str:
    """A short Markdown summary: verdict, criteria table and findings per audit.

    Parameters
    ----------
    *audits : AuditResult
    title : str, default "Fairness audit"

    Returns
    -------
    str
        GitHub-flavoured Markdown.
    """
    if not audits:
        raise TypeError(MARKDOWN_NO_AUDIT)
    if not all(is_audit(a) for a in audits):
        raise TypeError(MARKDOWN_AUDIT_TYPE)
    lines = [f"# {md(title)}", ""]
    for i, audit in enumerate(audits):
        if len(audits) > 1:
            lines += [f"## {md(audit_name(audit, i, len(audits)))}", ""]
        lines += _audit_lines(audit)
    return "\n".join(lines)


def _audit_lines(audit: Any) -> list[str]:
    _, symbol, word = VERDICTS.get(str(audit.verdict), VERDICTS["n/a"])
    lines = [f"**{symbol} {word}** \u2014 {count_text(verdict_counts(audit))}", ""]
    causes = degenerate_causes(audit)
    if causes:
        text = degenerate_text(causes)[len(DEGENERATE_HEAD) :].strip()
        lines += [f"**{md(DEGENERATE_HEAD)}** {md(text)}", ""]
    missing = not_evaluated(audit)
    if missing:
        lines += [NOT_EVALUATED_HEAD, "", *[f"- {md(m)}" for m in missing], ""]
    lines += [
        "| attribute | criterion | value | CI | tolerance | verdict |",
        "|---|---|---:|---|---:|---|",
    ]
    few = criteria_resting_on_few(audit)
    for row in criteria_table(audit).itertuples(index=False):
        _, sym, w = VERDICTS.get(str(row.verdict), VERDICTS["n/a"])
        rel = "\u2265" if row.kind == "ratio" else "\u2264"
        flag = f" {FEW_MARK}" if (str(row.attribute), str(row.criterion)) in few else ""
        lines.append(
            f"| {md(row.attribute)} | {md(criterion_label(str(row.criterion), row.tolerance))} | "
            f"{fmt_near(row.value, row.tolerance, 3)}{flag} | "
            f"{fmt_interval(row.lower, row.upper)} | {rel} {fmt_number(row.tolerance)} | "
            f"{sym} {w} |"
        )
    if few:
        lines += ["", md(few_legend(audit)) + "."]
    if is_multiclass(audit):
        lines += ["", md(WORST_CASE_NOTE), *averages_markdown(audit, md)]
    findings = [f for f in audit_findings(audit) if f.status != "n/a"]
    if findings:
        lines += ["", "Findings, the best supported first:", ""]
        for f in findings[:MAX_FINDINGS]:
            _, sym, w = f.mark
            lines.append(f"- {sym} {w} \u2014 {md(f.attribute)}: {md(f.text)}")
        if len(findings) > MAX_FINDINGS:
            lines.append(f"- \u2026 and {len(findings) - MAX_FINDINGS} more in the HTML report.")
    lines.append("")
    return lines
