"""The glossary of the audit report, and the links to it from the headers that name its terms.

The glossary lists the terms of the tasks of the report's audits (yes/no decisions, classes,
numbers; the union, in one fixed order) and the terms every report uses. A metric or a
criterion is named and explained in the engine's own words: labels, descriptions and
formulas from :mod:`fairaudit.metrics._registry`, :mod:`fairaudit.metrics._multiclass_averages`
and :mod:`fairaudit.metrics._regression_metrics`, criteria from :data:`._text.CRITERIA_TEXT`.
Only what the engine does not say (what TP or one-vs-rest means) is written in :mod:`._text`.

Each entry gets an anchor, and the column headers (and the criteria named at the head of a
row) whose text is the label of a term link to it. Nothing is linked that the glossary does
not explain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..metrics._multiclass import MULTICLASS_CRITERIA, PER_CLASS_METRICS, split_class_column
from ..metrics._multiclass_averages import AVERAGE_DESCRIPTIONS, AVERAGE_LABELS, AVERAGED_METRICS
from ..metrics._registry import ALIASES, METRICS
from ..metrics._regression_metrics import DISTANCES, REGRESSION_METRICS
from ._blocks import Named
from ._charts import metric_label
from ._document import IdRegistry, RenderedSection
from ._elements import TableBlock, kv
from ._format import as_sentence, link_headers
from ._multiclass import is_multiclass
from ._regression import is_regression
from ._text import (
    CONFUSION_MATRIX_TERM,
    CONFUSION_TERM,
    CRITERIA_TEXT,
    GENERAL_TERMS,
    MULTICLASS_ACCURACY,
    ONE_VS_REST_TERM,
    REGRESSION_CRITERIA_TEXT,
    REGRESSION_VALUES_TERM,
    SCORES_TERM,
    criterion_label,
)
from ._views import attribute_views

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"
TASKS = (BINARY, MULTICLASS, REGRESSION)
HEADING = "Glossary"
#: Prefix of the glossary entries' anchors.
ANCHOR_PREFIX = "glossary-"
#: The engine's formulas in the notation of the page.
_NOTATION = (("sum_b", "\u03a3_b"), ("sum ", "\u03a3 "), ("^2", "\u00b2"), (" - ", " \u2212 "))


@dataclass(frozen=True)
class Term:
    """One glossary entry of the tasks in ``tasks``.

    ``names`` are the metrics or criteria of the engine it explains (headers showing their
    labels, also per class, link to it); ``headers`` are other column headers that name it.
    Terms of different tasks with the same label are one entry, their texts joined.
    """

    label: str
    text: str
    tasks: frozenset[str]
    names: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()


def task_of(audit: Any) -> str:
    """The task of an audit result: ``"binary"``, ``"multiclass"`` or ``"regression"``."""
    if is_regression(audit):
        return REGRESSION
    return MULTICLASS if is_multiclass(audit) else BINARY


def readable(formula: str) -> str:
    """An engine formula in the page's notation (\u03a3, \u00b2, minus signs)."""
    for ascii_form, shown in _NOTATION:
        formula = formula.replace(ascii_form, shown)
    return formula


def _definition(description: str, formula: str = "", label: str = "") -> str:
    """The description and the formula in the page's notation, as one sentence; the
    formula alone when the description only repeats the label."""
    if label and description.strip().casefold() == label.strip().casefold():
        return as_sentence(readable(formula))
    text = as_sentence(readable(description))
    return f"{text[:-1]}: {readable(formula)}." if formula else text


def _tasks(*tasks: str) -> frozenset[str]:
    return frozenset(tasks)


def _metric_terms() -> list[Term]:
    """The decisions' metrics (the per-class rates also of multiclass audits), then what
    multiclass audits add."""
    per_class = set(PER_CLASS_METRICS)
    other_name = {canonical: alias for alias, canonical in ALIASES.items()}
    terms = [
        Term(*CONFUSION_TERM, _tasks(BINARY)),
        Term(*SCORES_TERM, _tasks(BINARY)),
        Term(*ONE_VS_REST_TERM, _tasks(MULTICLASS)),
        Term(*CONFUSION_MATRIX_TERM, _tasks(MULTICLASS)),
    ]
    for name, m in METRICS.items():
        if name == "count":
            continue
        text = _definition(m.description, m.formula, m.label)
        alias = other_name.get(name)
        if alias and alias not in m.label.lower():
            text += f" Also called {alias}."
        tasks = _tasks(BINARY, MULTICLASS) if name in per_class else _tasks(BINARY)
        terms.append(Term(m.label, text, tasks, names=(name,)))
        if name == "accuracy":  # the same label: one entry when both tasks are shown
            terms.append(Term(m.label, MULTICLASS_ACCURACY, _tasks(MULTICLASS), names=(name,)))
    terms += [
        Term(
            AVERAGE_LABELS[name],
            _definition(AVERAGE_DESCRIPTIONS[name]),
            _tasks(MULTICLASS),
            names=(name,),
        )
        for name in AVERAGED_METRICS
    ]
    terms.append(Term(*REGRESSION_VALUES_TERM, _tasks(REGRESSION)))
    terms += [
        Term(m.label, _definition(m.description), _tasks(REGRESSION), names=(name,))
        for name, m in {**REGRESSION_METRICS, **DISTANCES}.items()
        if name != "count"
    ]
    return terms


def _criterion_terms() -> list[Term]:
    terms = []
    for name, (label, asks, _) in CRITERIA_TEXT.items():
        if name in REGRESSION_CRITERIA_TEXT:
            tasks = _tasks(REGRESSION)
        elif name in MULTICLASS_CRITERIA:
            tasks = _tasks(BINARY, MULTICLASS)
        else:
            tasks = _tasks(BINARY)
        terms.append(Term(label, asks, tasks, names=(name,)))
    return terms


#: Every term, in the glossary's order: metrics, criteria, then the terms of every report.
TERMS: tuple[Term, ...] = (
    *_metric_terms(),
    *_criterion_terms(),
    *(
        Term(label, text, frozenset(TASKS), headers=headers)
        for label, text, headers in GENERAL_TERMS
    ),
)


def terms_for(tasks: Sequence[str]) -> list[tuple[str, str, list[Term]]]:
    """The glossary entries of some tasks.

    Parameters
    ----------
    tasks : sequence of str
        Tasks of the report's audits, each ``"binary"``, ``"multiclass"`` or
        ``"regression"`` (repeats allowed).

    Returns
    -------
    list of (str, str, list of Term)
        Label, text and terms of each entry, in the order of :data:`TERMS`; terms of
        several tasks with the same label make one entry, their texts joined.
    """
    unknown = sorted(set(tasks) - set(TASKS))
    if unknown:
        raise ValueError(f"tasks: unknown task(s) {unknown}; use {', '.join(TASKS)}")
    entries: dict[str, list[Term]] = {}
    for term in TERMS:
        if term.tasks & set(tasks):
            entries.setdefault(term.label, []).append(term)
    return [
        (label, " ".join(dict.fromkeys(t.text for t in terms)), terms)
        for label, terms in entries.items()
    ]


@dataclass(frozen=True)
class Glossary:
    """The glossary section of a report, and the anchors of its entries by the case-folded
    text of the headers that name them: ``columns`` for the head of a table, ``rows`` (the
    criteria) for the header of a row."""

    section: RenderedSection
    columns: dict[str, str]
    rows: dict[str, str]

    def link(self, part: RenderedSection) -> RenderedSection:
        """``part`` with the headers of its tables that name a term linked to its entry."""
        blocks = [
            TableBlock(link_headers(b.table, self.columns, self.rows), cls=b.cls)
            if isinstance(b, TableBlock)
            else b
            for b in part.blocks
        ]
        return replace(part, blocks=blocks)


def _shown_names(named: Named) -> set[str]:
    """The metric and criterion names of the audits' tables (``metric[class]`` included)."""
    names: set[str] = set()
    for _, audit in named:
        names.update(str(c) for c in audit.criteria["criterion"])
        for view in attribute_views(audit):
            names.update(str(c) for c in view.result.by_group.columns)
    return names


def glossary(named: Named, ids: IdRegistry) -> Glossary:
    """The glossary of a report.

    Parameters
    ----------
    named : sequence of (str, AuditResult)
        The report's audits with their names.
    ids : IdRegistry
        The page's anchors: the section and each entry get a unique one.

    Returns
    -------
    Glossary
        The section, with the entries of the audits' tasks, and the anchors the headers
        naming each entry link to (their labels, also per class for a multiclass audit).
    """
    anchor = ids(HEADING)
    entries = terms_for([task_of(a) for _, a in named])
    anchors = [ids(ANCHOR_PREFIX + label) for label, _, _ in entries]
    columns: dict[str, str] = {}
    rows: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for (label, _, terms), entry_id in zip(entries, anchors, strict=True):
        columns[label.casefold()] = entry_id
        for term in terms:
            columns.update({h.casefold(): entry_id for h in term.headers})
            by_name.update({n: entry_id for n in term.names})
    for name in sorted(set(by_name) | _shown_names(named)):
        per_class = split_class_column(name)
        base = per_class[0] if per_class is not None else name
        entry_id = by_name.get(base)
        if entry_id is None:
            continue
        if base in CRITERIA_TEXT:
            text = criterion_label(name).casefold()
            columns[text] = rows[text] = entry_id
        else:
            columns[metric_label(name).casefold()] = entry_id
    block = kv([(label, text) for label, text, _ in entries], cls="glossary", ids=anchors)
    return Glossary(RenderedSection(anchor, HEADING, [block]), columns, rows)
