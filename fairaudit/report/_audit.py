"""The full fairness-audit report, read from one or more AuditResult objects.

This module assembles the page; each section is built in its own module (verdict and
criteria grid, configuration and reproducibility, data and caveats, performance and
errors, disparities, scores and thresholds).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .._comparison import Comparison
from ._compare import comparison_blocks
from ._data_sections import generalization_section, representation_section
from ._disparities import disparities_section
from ._document import IdRegistry, RenderedSection, page
from ._estimates import error_section, performance_section
from ._glossary import glossary
from ._groups import caveats_section, data_section
from ._model import DOCUMENT_SECTIONS, _as_tuple, check_path
from ._model import check_title as _check_title
from ._multiclass import classes_section, is_multiclass
from ._provenance import configuration_section, reproducibility_section
from ._regression import is_regression, regression_sections
from ._scores import scores_section
from ._sections import Section, rendered, section_blocks
from ._verdict import banner, grid_section, verdict_section
from ._views import audit_name, is_audit

RENDER_NO_AUDIT = "render() needs at least one AuditResult, e.g. render(fairaudit.audit(...))"
RENDER_AUDIT_TYPE = (
    "render() takes AuditResult objects as positional arguments (from fairaudit.audit)"
)
RENDER_COMPARISON = (
    "comparison must be a Comparison (from fairaudit.mitigation.compare), a pandas DataFrame "
    "or None"
)


def result_sections(
    named: Sequence[tuple[str, Any]], part: str, build: Any, ids: IdRegistry
) -> list[RenderedSection]:
    """The section ``build`` makes of each audit's optional ``part`` (its representation or
    generalization audit), headed with the audit's name when there are several."""
    out = []
    for name, audit in named:
        value = getattr(audit, part, None)
        if value is None:
            continue
        section = build(value)
        heading = section.heading if len(named) == 1 else f"{section.heading}: {name}"
        anchor = ids(section.id, exact=True)
        out.append(RenderedSection(anchor, heading, section_blocks(section, ids)))
    return out


def render(
    *audits: Any,
    comparison: Comparison | pd.DataFrame | None = None,
    title: str = "Fairness audit",
    sections: Sequence[Section] = (),
    path: str | os.PathLike[str] | None = None,
) -> str:
    """Render the full fairness-audit report as one self-contained HTML page.

    Sections, in order: verdict (with the main findings), summary of criteria, configuration,
    your own ``sections`` (context, intended use), who is in the data (for a result with a
    representation audit, ``audit(reference_shares=)``), data, performance, overfitting by
    group (for a result with training data, ``audit_model(X_train=, y_train=)``),
    disparities (with intersections), error
    analysis, scores and thresholds (not for multiclass audits, which take no scores),
    mitigation comparison (when ``comparison`` is given),
    caveats, glossary (the terms of the audits' tasks: decisions, classes or numbers),
    reproducibility. The headers of the report's tables that name a term of the glossary
    link to its entry. The report only reads the results; it never recomputes a metric, and
    verdicts are taken from ``AuditResult.criteria``.

    Parameters
    ----------
    *audits : AuditResult
        One or more results of :func:`fairaudit.audit` (e.g. several models on the same
        data). Each is named by ``meta["name"]`` when present, else "Audit 1", "Audit 2"...
    comparison : Comparison or pandas.DataFrame, optional
        A model comparison (``fairaudit.mitigation.compare``, or a frame with a model,
        a performance and criterion columns): shown as a table and a
        performance-versus-disparity scatter with the Pareto front.
    title : str, default "Fairness audit"
    sections : sequence of Section, default ()
        Extra sections placed after the configuration.
    path : str or os.PathLike, optional
        When given, the page is also written there.

    Returns
    -------
    str
        The HTML page.
    """
    if not audits:
        raise TypeError(RENDER_NO_AUDIT)
    if not all(is_audit(a) for a in audits):
        raise TypeError(RENDER_AUDIT_TYPE)
    if comparison is not None and not isinstance(comparison, Comparison | pd.DataFrame):
        raise TypeError(RENDER_COMPARISON)
    _check_title(title, "")
    check_path(path)
    sections = _as_tuple(sections, (Section,), DOCUMENT_SECTIONS)
    ids = IdRegistry()
    named = [(audit_name(a, i, len(audits)), a) for i, a in enumerate(audits)]
    # the answer first: the verdict with its findings and the criteria grid, then how
    # the audit was configured, the reader's own sections, and the evidence
    parts = [
        verdict_section(named, ids),
        grid_section(named, ids),
        configuration_section(named, ids),
    ]
    own = [rendered(section, ids) for section in sections]  # the reader's: left as given
    parts += own
    parts += [
        *result_sections(named, "representation", representation_section, ids),
        data_section(named, ids),
    ]
    # the evidence of each task's audits (decisions, or numbers: see _regression)
    binary = [(n, a) for n, a in named if not is_regression(a)]
    numeric = [(n, a) for n, a in named if is_regression(a)]
    if binary:
        parts += [
            performance_section(binary, ids),
            *result_sections(binary, "generalization", generalization_section, ids),
        ]
        classes = classes_section(binary, ids)  # multiclass audits only
        parts += [classes] if classes is not None else []
        parts.append(disparities_section(binary, ids))
        # a multiclass audit's errors are per class (the Classes section), and it takes no
        # scores: no section of curves it could never have
        decisions = [(n, a) for n, a in binary if not is_multiclass(a)]
        if decisions:
            parts += [error_section(decisions, ids), scores_section(binary, ids)]
    if numeric:
        parts += regression_sections(numeric, ids)
    if comparison is not None:
        heading = "Mitigation and model comparison"
        parts.append(RenderedSection(ids(heading), heading, comparison_blocks(comparison)))
    parts.append(caveats_section(named, ids))
    terms = glossary(named, ids)
    # the headers that name a term of the glossary link to its entry
    parts = [p if any(p is o for o in own) else terms.link(p) for p in parts]
    parts += [terms.section, reproducibility_section(named, ids)]
    subtitle = ", ".join(name for name, _ in named) if len(named) > 1 else ""
    return page(title, parts, subtitle=subtitle, banner=banner(named), path=path)
