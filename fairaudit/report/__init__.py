"""Self-contained HTML reports.

Generic building blocks (:class:`Section`, :class:`Figure`, :class:`Table`,
:func:`figure_to_svg`, :func:`render_document`) for any report, and
:data:`PRINT_FIGURE_IN`, the widest figure (inches) that prints at its own size; :func:`render`, the full fairness-audit report
read from one or more ``AuditResult`` objects; :func:`representation_section` and
:func:`generalization_section`, the sections "Who is in the data" and "Overfitting by
group"; and :func:`render_markdown`, a short Markdown
summary of the same results for pull requests and CI job summaries.

Every page is a single HTML file with inline CSS and inline SVG figures: no script, no web
font, no network request, and a Content-Security-Policy that forbids loading anything.
All text that comes from data (group values, column names, user text) is escaped.
"""

from ._audit import render
from ._data_sections import generalization_section, representation_section
from ._markdown import render_markdown
from ._model import Figure, Table
from ._sections import Document, Section, render_document
from ._svg import PRINT_FIGURE_IN, figure_to_svg

__all__ = [
    "PRINT_FIGURE_IN",
    "Document",
    "Figure",
    "Section",
    "Table",
    "figure_to_svg",
    "generalization_section",
    "render",
    "render_document",
    "render_markdown",
    "representation_section",
]
