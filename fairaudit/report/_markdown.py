"""A Markdown summary of audits (for pull-request comments and CI job summaries).

It reads the same AuditResult as the HTML report, so the two never disagree. Every string
from data is escaped for Markdown and for the HTML that Markdown renderers pass through.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ._blocks import count_text
from ._document import audit_name
from ._findings import audit_findings
from ._format import VERDICTS, fmt_interval, fmt_near, fmt_number
from ._model import _looks_like_audit
from ._text import criterion_label
from ._views import verdict_counts

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
    if not all(_looks_like_audit(a) for a in audits):
        raise TypeError(MARKDOWN_AUDIT_TYPE)
    lines = [f"# {md(title)}", ""]
    for i, audit in enumerate(audits):
        name = audit_name(audit, i, len(audits))
        _, symbol, word = VERDICTS.get(str(audit.verdict), VERDICTS["n/a"])
        counts = verdict_counts(audit.criteria)
        if len(audits) > 1:
            lines += [f"## {md(name)}", ""]
        lines += [
            f"**{symbol} {word}** \u2014 {count_text(counts)}",
            "",
            "| attribute | criterion | value | CI | tolerance | verdict |",
            "|---|---|---:|---|---:|---|",
        ]
        for row in audit.criteria.itertuples(index=False):
            _, sym, w = VERDICTS.get(str(row.verdict), VERDICTS["n/a"])
            rel = "\u2265" if row.kind == "ratio" else "\u2264"
            lines.append(
                f"| {md(row.attribute)} | {md(criterion_label(str(row.criterion)))} | "
                f"{fmt_near(row.value, row.tolerance, 3)} | "
                f"{fmt_interval(row.lower, row.upper)} | {rel} {fmt_number(row.tolerance)} | "
                f"{sym} {w} |"
            )
        findings = [f"- {md(name)}: {md(s)}" for name, s in audit_findings(audit, limit=5)]
        if findings:
            lines += ["", "Findings:", "", *findings]
        lines.append("")
    return "\n".join(lines)
