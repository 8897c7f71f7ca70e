"""Who is in the data and what limits the audit: the data and caveats sections."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._blocks import (
    Named,
    counts_text,
    each_audit,
    section,
    small_groups,
    suppression_text,
)
from ._charts import metric_label
from ._document import Block, IdRegistry, RenderedSection
from ._elements import h, items, note, p, table
from ._format import as_sentence, fmt_number, label, table_view
from ._provenance import correction_text
from ._regression import is_regression
from ._text import AUDIT_LIMITS
from ._views import AttributeView, attribute_views, missing_counts

GROUP_COLUMNS = ("count", "weight", "share", "base_rate", "small")
MAX_SMALL_LISTED = 20
MAX_UNDEFINED_LISTED = 50
BASE_RATE_GAP = 0.01
BASE_RATE_TEXT = (
    "When base rates differ, no imperfect classifier can be calibrated within every group and "
    "also have equal false positive and false negative rates (Kleinberg, Mullainathan & "
    "Raghavan 2017; Chouldechova 2017): predictive parity and equalized odds cannot both "
    "hold, and choosing between them is a value judgement."
)
MISSING_TEXT = "People whose attributes are not recorded are often the least visible in an audit."
CORRECTION_TEXT = (
    "Significance flags use p-values adjusted with {how}; a non-significant difference is not "
    "evidence of equality, only of too little data to tell."
)


# --------------------------------------------------------------------------- data
def _groups_table(view: AttributeView, weighted: bool) -> Block:
    groups = view.result.groups
    if groups is None or not isinstance(groups, pd.DataFrame):
        return note(f"No group table for {view.name}.", "info")
    # no empty column: a multiclass audit has no single base rate (its classes' are shown
    # in the Classes section)
    cols = [c for c in GROUP_COLUMNS if c in groups.columns and not groups[c].isna().all()]
    if not weighted and "weight" in cols:
        cols.remove("weight")
    frame = groups[cols].copy()
    frame.index = pd.Index([label(k) for k in frame.index], name=view.name)
    tv = table_view(
        frame.rename(columns={"base_rate": "base rate", "small": "small group"}),
        caption=f"Groups of {view.name}",
    )
    return table(tv)


def data_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = []
    for _, audit in each_audit(named, blocks):
        missing = missing_counts(audit)
        line = f"{fmt_number(audit.info.n_samples)} samples."
        if missing:
            line += " Missing sensitive values: " + counts_text(missing) + "."
        blocks.append(p(line + suppression_text(audit)))
        min_size = audit.settings.min_group_size
        for view in attribute_views(audit):
            blocks.append(h(view.name, 3))
            blocks.append(_groups_table(view, audit.info.weighted))
            small = small_groups(view)
            if small is not None and len(small):
                blocks.append(
                    note(
                        f"Small groups (fewer than {min_size} members): "
                        f"{', '.join(label(k) for k in small.index)}. "
                        "Their estimates are uncertain; read their intervals.",
                        "warn",
                    )
                )
    return section(ids, "Data", blocks)


# --------------------------------------------------------------------------- caveats
def _small_group_notes(audit: Any) -> list[Block]:
    notes = []
    min_size = audit.settings.min_group_size
    for view in attribute_views(audit):
        small = small_groups(view)
        if small is None or not len(small):
            continue
        listed = ", ".join(
            f"{label(k)} (n={fmt_number(small['count'].iloc[i])})"
            if "count" in small.columns
            else label(k)
            for i, k in enumerate(small.index[:MAX_SMALL_LISTED])
        )
        more = f" and {len(small) - MAX_SMALL_LISTED} more" if len(small) > MAX_SMALL_LISTED else ""
        notes.append(
            note(
                f"{view.name}: {len(small)} group(s) smaller than {min_size}: "
                f"{listed}{more}. Intervals are wide and verdicts involving them are "
                "fragile.",
                "warn",
            )
        )
    return notes


def _undefined_blocks(audit: Any) -> list[Block]:
    undefined = audit.undefined
    if not isinstance(undefined, pd.DataFrame) or not len(undefined):
        return []
    blocks = [
        h("Undefined values", 3),
        p("These values are undefined (shown as n/a), with the reason:"),
    ]
    frame = undefined.copy()
    if "metric" in frame.columns:
        frame["metric"] = frame["metric"].map(lambda m: metric_label(str(m)))
    if len(frame) > MAX_UNDEFINED_LISTED:
        blocks.append(p(f"The first {MAX_UNDEFINED_LISTED} of {len(frame)} are listed."))
        frame = frame.iloc[:MAX_UNDEFINED_LISTED]
    blocks.append(table(table_view(frame.reset_index(drop=True), caption="Undefined metrics")))
    return blocks


def _base_rate_notes(audit: Any) -> list[Block]:
    spans = []
    for view in attribute_views(audit):
        groups = view.result.groups
        if isinstance(groups, pd.DataFrame) and "base_rate" in groups.columns:
            rates = pd.to_numeric(groups["base_rate"], errors="coerce").dropna()
            if len(rates) > 1 and rates.max() - rates.min() > BASE_RATE_GAP:
                spans.append(f"{view.name} {fmt_number(rates.min())} to {fmt_number(rates.max())}")
    if not spans:
        return []
    text = "Base rates differ between groups (" + "; ".join(spans) + "). " + BASE_RATE_TEXT
    return [note(text, "warn")]


def _missing_notes(audit: Any) -> list[Block]:
    missing = {k: v for k, v in missing_counts(audit).items() if v}
    if not missing:
        return []
    text = f"Rows with a missing sensitive value ({counts_text(missing)}). " + MISSING_TEXT
    return [note(text, "warn")]


def _audit_notes(audit: Any) -> list[Block]:
    """What the audit recorded that the reader should know (metrics left out, the error
    bound of an AUC taken from a histogram, ...)."""
    return [note(as_sentence(text), "info") for text in audit.info.notes if text.strip()]


NOTHING_FOUND = "No small groups, undefined metrics or differing base rates were found."
#: The same for an audit of numbers (a regression audit), which has no base rates.
NOTHING_FOUND_NUMBERS = "No small groups or undefined metrics were found."


def caveats_section(named: Named, ids: IdRegistry) -> RenderedSection:
    blocks: list[Block] = []
    for _, audit in each_audit(named, blocks):
        found = (
            _audit_notes(audit)
            + _small_group_notes(audit)
            + _undefined_blocks(audit)
            + _base_rate_notes(audit)
            + _missing_notes(audit)
        )
        blocks += found or [p(NOTHING_FOUND_NUMBERS if is_regression(audit) else NOTHING_FOUND)]
    blocks.append(h("What an audit cannot see", 3))
    blocks.append(items(AUDIT_LIMITS))
    corrections = list(
        dict.fromkeys(correction_text(a) for _, a in named if str(a.settings.correction) != "none")
    )
    for how in corrections:
        blocks.append(p(CORRECTION_TEXT.format(how=how)))
    return section(ids, "Caveats", blocks)
