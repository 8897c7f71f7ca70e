"""The LL144 summary of results as an HTML page and as Markdown.

Reads an :class:`LL144Audit`; computes nothing. The page follows the layout of published
summaries (date, source of the data, applicants and unknowns, then the three tables) and
then shows what the rule does not ask for: intervals, tests, flags and shortfalls.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from ..report._document import Block, IdRegistry, RenderedSection, page
from ..report._elements import items, kv, note, p, table
from ..report._format import Cell, TableView, exact, fmt_near, fmt_number, is_missing
from ..report._format import fmt_percent as pct
from ..report._markdown import md
from ._ll144 import TABLE_TITLES, TABLES, LL144Audit

EXCLUDED_MARK = "*"
#: Verdict code -> (css class, symbol, badge word, detail).
_BADGES = {
    "below_significant": ("fail", "\u2717", "BELOW 4/5", "significant"),
    "below_not_significant": ("inconclusive", "?", "BELOW 4/5", "not significant"),
    "not_below": ("pass", "\u2713", "NOT BELOW", ""),
    "excluded": ("na", "\u2013", "EXCLUDED", ""),
    "n/a": ("na", "\u2013", "N/A", ""),
}
MAX_FINDINGS = 12

LIMITS = [
    "The rule asks for the tables above; it sets no threshold. The four-fifths "
    "comparison, the intervals, the tests and the flags above are what the EEOC's rule of "
    "thumb (29 CFR 1607.4(D)) and ordinary statistics add: they say how much the tables can "
    "be trusted, not whether the tool complies with any law.",
    "A ratio below 4/5 on small numbers may be chance; a ratio above 4/5 can still hide a "
    "significant difference on large numbers. Neither decides adverse impact alone.",
    "The data describe the applicants the tool saw. Categories are those recorded; people "
    "whose category is unknown are left out of the rates, and the audit cannot see how "
    "they fared.",
]


def ratio_text(value: Any, threshold: float, digits: int = 2) -> str:
    """Impact ratio with 2 decimals, more when rounding would cross the threshold."""
    if is_missing(value):
        return "n/a"
    return fmt_near(float(value), threshold, digits)


def interval_text(lo: Any, hi: Any, fmt) -> str:
    if is_missing(lo) and is_missing(hi):
        return ""
    return f"{fmt(lo)}\u2013{fmt(hi)}"


def _num(value: Any, text: str) -> Cell:
    return Cell(text=text, value=exact(value), cls="num")


def _head(names: list[str]) -> list[list[Cell]]:
    return [[Cell(text=n, header=True, cls="index" if i == 0 else "") for i, n in enumerate(names)]]


def _label_cells(row: pd.Series, name: str) -> list[Cell]:
    if name == "intersectional":
        return [
            Cell(text=str(row["sex"]), header=True, cls="index"),
            Cell(text=str(row["race_ethnicity"]), header=True, cls="index"),
        ]
    return [Cell(text=str(row.name), header=True, cls="index")]


def _label_head(name: str) -> list[str]:
    if name == "intersectional":
        return ["Sex", "Race/Ethnicity"]
    return ["Sex" if name == "sex" else "Race/Ethnicity"]


def legal_table(audit: LL144Audit, name: str) -> TableView:
    """One of the rule's tables: applicants, (selected,) rate, impact ratio."""
    t = audit.tables[name]
    thr = float(audit.meta["threshold"])
    selection = audit.kind == "selection"
    rate_head = "Selection rate" if selection else "Scoring rate"
    heads = [*_label_head(name), "Number of applicants"]
    heads += ["Number selected"] if selection else []
    heads += [rate_head, "Impact ratio"]
    body = []
    excluded = False
    for _, row in t.iterrows():
        cells = _label_cells(row, name)
        cells.append(_num(row["applicants"], f"{int(row['applicants']):,}"))
        if selection:
            cells.append(_num(row["selected"], f"{int(row['selected']):,}"))
        cells.append(_num(row["rate"], pct(row["rate"])))
        if row["verdict"] == "excluded":
            excluded = True
            cells.append(
                Cell(
                    text=f"excluded{EXCLUDED_MARK}",
                    value="nan",
                    cls="num na",
                    title=str(row["reason"]),
                )
            )
        else:
            cells.append(_num(row["impact_ratio"], ratio_text(row["impact_ratio"], thr)))
        body.append(cells)
    notes = []
    if excluded:
        share = audit.meta["exclude_below"]
        notes.append(
            f"{EXCLUDED_MARK} Less than {share:.0%} of the data: left out of the impact ratios "
            "as 6 RCNY 5-301(d) allows (the number of applicants and the rate are reported)."
        )
    if not len(t):
        notes.append("No applicant has a known category in this table.")
    rate_word = "selection" if selection else "scoring"
    caption = f"{TABLE_TITLES[name]}: {rate_word} rates and impact ratios"
    return TableView(
        head=_head(heads), body=body, caption=caption, cls="estimates ll144", notes=notes
    )


#: What a shortfall counts, for each kind of tool: (column head, unit, one of the unit).
_COUNTED = {
    "selection": ("Shortfall (selections)", "selection(s)", "one selection"),
    "scoring": (
        "Shortfall (applicants above the median)",
        "applicant(s) scoring above the median",
        "one applicant above the median",
    ),
}

#: Names of the multiple-comparison corrections, as the reports say them.
CORRECTION_NAMES = {
    "holm": "Holm",
    "bh": "Benjamini-Hochberg",
    "none": "none",
}


def _adjusted_head(audit: LL144Audit) -> str:
    correction = str(audit.meta.get("correction", "none"))
    return (
        "p of the test used (unadjusted)"
        if correction == "none"
        else (f"p of the test used, adjusted ({CORRECTION_NAMES[correction]})")
    )


def trust_table(audit: LL144Audit, name: str) -> TableView:
    """Intervals, tests, flags and the shortfall of each category of one table."""
    t = audit.tables[name]
    thr = float(audit.meta["threshold"])
    level = float(audit.meta["confidence_level"])
    scoring = audit.kind == "scoring"
    heads = [
        *_label_head(name),
        f"Rate ({level:.0%} CI)",
        f"Impact ratio ({level:.0%} CI)",
        "z (SD)",
        "Fisher p",
        _adjusted_head(audit),
        "Small numbers",
        _COUNTED[audit.kind][0],
    ]
    heads += ["At the median"] if scoring else []
    heads += ["Four-fifths verdict"]
    body = []
    for _, row in t.iterrows():
        cells = _label_cells(row, name)
        cells.append(
            Cell(
                text=pct(row["rate"]),
                value=exact(row["rate"]),
                cls="num",
                sub=interval_text(row["rate_lower"], row["rate_upper"], pct),
            )
        )
        if row["verdict"] == "excluded":
            ir = Cell(text="excluded", value="nan", cls="num na", title=str(row["reason"]))
        else:
            sub = interval_text(
                row["impact_ratio_lower"], row["impact_ratio_upper"], lambda v: fmt_number(v, 2)
            )
            if row["top"]:
                sub = f"{sub} (top)" if sub else "top"
            ir = Cell(
                text=ratio_text(row["impact_ratio"], thr),
                value=exact(row["impact_ratio"]),
                cls="num",
                sub=sub,
            )
        cells.append(ir)
        cells.append(_num(row["z"], fmt_number(row["z"], 2)))
        cells.append(_num(row["fisher_p_value"], fmt_number(row["fisher_p_value"], 3)))
        cells.append(_num(row["p_adjusted"], fmt_number(row["p_adjusted"], 3)))
        cells.append(Cell(text="yes" if row["small_numbers"] else "no", cls="bool"))
        sh = int(row["shortfall"])
        cells.append(
            Cell(
                text="n/a" if sh < 0 else f"{sh:,}",
                value=str(sh),
                cls="num",
                sub=f"{_COUNTED[audit.kind][2]} flips it" if row["one_selection_flips"] else "",
            )
        )
        if scoring:
            cells.append(_num(row["at_median_share"], pct(row["at_median_share"])))
        cls, sym, word, detail = _BADGES[str(row["verdict"])]
        if detail and row["small_numbers"] and row["verdict"] == "below_not_significant":
            detail += " (small numbers)"
        cells.append(
            Cell(
                text=detail or word,
                value=str(row["verdict"]),
                cls=f"verdict {cls}",
                badge=(cls, sym, word),
                title=str(row["reason"]),
            )
        )
        body.append(cells)
    return TableView(
        head=_head(heads),
        body=body,
        caption=f"{TABLE_TITLES[name]}: intervals, tests and flags",
        cls="estimates ll144-trust",
    )


def summary_pairs(audit: LL144Audit) -> list[tuple[str, str]]:
    m = audit.meta
    unknown = m["unknown"]
    pairs = [("Date of the bias audit", m["audit_date"])]
    if m["tool_name"]:
        pairs.append(("Automated employment decision tool", m["tool_name"]))
    pairs.append(
        (
            "Type of tool",
            "selection (selects or classifies applicants)"
            if audit.kind == "selection"
            else "scoring (scores applicants)",
        )
    )
    pairs.append(("Source of the data", m["data_source"] or "not stated"))
    pairs.append(("Number of applicants", f"{m['applicants']:,}"))
    if audit.kind == "scoring":
        pairs.append(
            ("Median score (everyone scored, unknowns included)", fmt_number(m["median_score"], 4))
        )
        pairs.append(("Applicants scoring exactly the median", f"{m['at_median']:,}"))
    pairs.append(("Unknown sex (not in the sex and intersectional rates)", f"{unknown['sex']:,}"))
    pairs.append(
        (
            "Unknown race/ethnicity (not in the race/ethnicity and intersectional rates)",
            f"{unknown['race_ethnicity']:,}",
        )
    )
    pairs.append(
        ("Not in the intersectional rates (either unknown)", f"{unknown['intersectional']:,}")
    )
    if m["exclude_below"] is not None:
        pairs.append(
            (
                "Categories excluded from impact ratios",
                f"those with less than {m['exclude_below']:.0%} of the data",
            )
        )
    return pairs


def findings(audit: LL144Audit) -> list[str]:
    """One sentence per category below the threshold, most severe first."""
    out = []
    thr = float(audit.meta["threshold"])
    for name in TABLES:
        for label, row in audit.tables[name].iterrows():
            v = str(row["verdict"])
            if not v.startswith("below"):
                continue
            ci = interval_text(
                row["impact_ratio_lower"], row["impact_ratio_upper"], lambda x: fmt_number(x, 2)
            )
            test = "Fisher's exact test" if row["test"] == "fisher" else "the two-proportion z test"
            sig = "significant" if row["significant"] else "not significant"
            stat = (
                f"p = {fmt_number(row['fisher_p_value'], 3)}"
                if row["test"] == "fisher"
                else f"z = {fmt_number(row['z'], 2)} SD"
            )
            correction = str(audit.meta.get("correction", "none"))
            if correction != "none" and np.isfinite(row["p_adjusted"]):
                held = "significant" if row["significant_adjusted"] else "not significant"
                stat += (
                    f"; adjusted for the table's comparisons ({CORRECTION_NAMES[correction]}): "
                    f"p = {fmt_number(row['p_adjusted'], 3)}, {held}"
                )
            out.append(
                f"{TABLE_TITLES[name].split(' ')[0]} \u2014 {label}: impact ratio "
                f"{ratio_text(row['impact_ratio'], thr)} ({ci}) on {int(row['applicants']):,} "
                f"applicants; {sig} by {test} ({stat}); {int(row['shortfall']):,} more "
                f"{_COUNTED[audit.kind][1]} would reach {thr:g} of the top rate."
            )
    return out


def _shortfall_text(audit: LL144Audit) -> str:
    """What the shortfall counts: selections, or applicants scoring above the median."""
    thr = f"{audit.meta['threshold']:g}"
    if audit.kind == "selection":
        return (
            f"The shortfall is how many more selections a category needs to reach {thr} of "
            "the top rate; \u201cone selection flips it\u201d means one selection more (or "
            "fewer) would change which side of the threshold it is on."
        )
    return (
        "The shortfall is how many more of a category's applicants would have to score above "
        f"the median for its scoring rate to reach {thr} of the top rate; \u201cone applicant "
        "above the median flips it\u201d means one more (or one fewer) would change which "
        "side of the threshold it is on."
    )


def _correction_text(audit: LL144Audit) -> str:
    correction = str(audit.meta.get("correction", "none"))
    if correction == "none":
        return "The p-values are not adjusted for multiple comparisons (correction='none')."
    what = (
        "Holm's step-down method, which bounds the chance of any false flag"
        if correction == "holm"
        else "the Benjamini-Hochberg method, which bounds the expected share of false flags"
    )
    return (
        "Each table compares many categories with its top one; the p-value of the "
        f"test that decides (Fisher's or the z test) is adjusted over the table's comparisons "
        f"by {what}. The rule's numbers and the verdicts are not changed by it."
    )


def render_html(audit: LL144Audit, path: str | os.PathLike[str] | None = None) -> str:
    ids = IdRegistry()
    m = audit.meta
    rate = audit.rate_name
    intro: list[Block] = [kv(summary_pairs(audit))]
    if audit.kind == "scoring":
        intro.append(
            p(
                f"The {rate} of a category is the share of its applicants scoring strictly above "
                "the median score of the full sample. Applicants exactly at the median count as "
                "not above; the share of each category at the median is shown under \u201cBeyond "
                "the rule\u201d, since ties can move the result."
            )
        )
    else:
        intro.append(
            p(
                f"The {rate} of a category is the number selected divided by its "
                "number of applicants."
            )
        )
    intro.append(
        p(
            f"The impact ratio of a category is its {rate} divided by the {rate} of the "
            "category with the highest rate in the same table."
        )
    )
    sections = [RenderedSection(ids("Summary of results"), "Summary of results", intro)]
    tables: list[Block] = [table(legal_table(audit, name)) for name in TABLES]
    sections.append(RenderedSection(ids("Impact ratios"), "Impact ratios", tables))
    level = float(m["confidence_level"])
    beyond: list[Block] = [
        p(
            f"What the rule does not ask for. Rates carry exact (Clopper-Pearson) {level:.0%} "
            "confidence intervals and impact ratios Koopman score intervals. Each category is "
            "compared with the top category of its table by the pooled two-proportion z test "
            f"(significant at {m['z_threshold']:g} standard deviations or more) and by Fisher's "
            f"exact test (significant at p < {1 - level:.2g}); when the numbers are small (fewer "
            f"than {m['min_count']} applicants in the category or the top one, or an expected "
            f"cell count below 5) Fisher's test decides. {_shortfall_text(audit)} "
            f"{_correction_text(audit)}"
        )
    ]
    found = findings(audit)
    if found:
        shown = found[:MAX_FINDINGS]
        if len(found) > MAX_FINDINGS:
            shown.append(
                f"\u2026 and {len(found) - MAX_FINDINGS} more category(ies) below "
                f"{m['threshold']:g} of the top rate (see the tables below)."
            )
        beyond.append(items(shown))
    else:
        beyond.append(
            note(
                f"No category's rate is below {m['threshold']:g} of the top rate of its table.",
                cls="info",
            )
        )
    small = sum(int(audit.tables[n]["small_numbers"].sum()) for n in TABLES)
    if small:
        beyond.append(
            note(
                f"{small} categor{'y rests' if small == 1 else 'ies rest'} on small "
                "numbers: their impact ratios can move a lot with a few people."
            )
        )
    for name in TABLES:
        beyond.append(table(trust_table(audit, name)))
    sections.append(RenderedSection(ids("Beyond the rule"), "Beyond the rule", beyond))
    sections.append(RenderedSection(ids("Limits"), "Limits", [items(LIMITS)]))
    title = "Bias audit summary of results (NYC Local Law 144)"
    subtitle = m["tool_name"] or ""
    return page(title, sections, subtitle=subtitle, path=path)


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def render_markdown(audit: LL144Audit) -> str:
    m = audit.meta
    thr = float(m["threshold"])
    selection = audit.kind == "selection"
    lines = ["# Bias audit summary of results (NYC Local Law 144)", ""]
    lines += [f"- {md(k)}: {md(v)}" for k, v in summary_pairs(audit)]
    for name in TABLES:
        t = audit.tables[name]
        lines += ["", f"## {TABLE_TITLES[name]}", ""]
        head = [*_label_head(name), "Number of applicants"]
        head += ["Number selected"] if selection else []
        head += ["Selection rate" if selection else "Scoring rate", "Impact ratio"]
        rows = []
        for label, row in t.iterrows():
            cells = (
                [md(row["sex"]), md(row["race_ethnicity"])]
                if name == "intersectional"
                else [md(label)]
            )
            cells.append(f"{int(row['applicants']):,}")
            if selection:
                cells.append(f"{int(row['selected']):,}")
            cells.append(pct(row["rate"]))
            cells.append(
                f"excluded{EXCLUDED_MARK}"
                if row["verdict"] == "excluded"
                else ratio_text(row["impact_ratio"], thr)
            )
            rows.append(cells)
        lines += _md_table(head, rows)
        if (t["verdict"] == "excluded").any():
            lines += [
                "",
                f"{EXCLUDED_MARK} Less than {m['exclude_below']:.0%} of the data: "
                "excluded from the impact ratios (6 RCNY 5-301(d)).",
            ]
    lines += ["", "## Beyond the rule", ""]
    found = findings(audit)
    lines += [f"- {md(f)}" for f in found] or [
        f"- No category's rate is below {thr:g} of the top rate of its table."
    ]
    for name in TABLES:
        t = audit.tables[name]
        lines += ["", f"### {TABLE_TITLES[name]}: intervals, tests and flags", ""]
        head = [
            "Category",
            "Rate (CI)",
            "Impact ratio (CI)",
            "z (SD)",
            "Fisher p",
            _adjusted_head(audit),
            "Small numbers",
            _COUNTED[audit.kind][0],
            "Verdict",
        ]
        rows = []
        for label, row in t.iterrows():
            ci = interval_text(
                row["impact_ratio_lower"], row["impact_ratio_upper"], lambda v: fmt_number(v, 2)
            )
            ir = (
                "excluded"
                if row["verdict"] == "excluded"
                else ratio_text(row["impact_ratio"], thr) + (f" ({ci})" if ci else "")
            )
            rows.append(
                [
                    md(label),
                    f"{pct(row['rate'])} ({interval_text(row['rate_lower'], row['rate_upper'], pct)})",
                    ir,
                    fmt_number(row["z"], 2),
                    fmt_number(row["fisher_p_value"], 3),
                    fmt_number(row["p_adjusted"], 3),
                    "yes" if row["small_numbers"] else "no",
                    "n/a" if int(row["shortfall"]) < 0 else f"{int(row['shortfall']):,}",
                    md(row["verdict_text"]),
                ]
            )
        lines += _md_table(head, rows)
    lines += ["", "## Limits", ""] + [f"- {md(x)}" for x in LIMITS]
    return "\n".join(lines) + "\n"
