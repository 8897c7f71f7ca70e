"""How tables print: on the page; on a landscape page of their own when their longest words
alone are wider than the page; with words broken anywhere only when they are wider than a
landscape page too (estimated from the cells' text)."""

from __future__ import annotations

import re

from fairaudit.report._format import (
    LANDSCAPE_ROWS,
    PRINT_LANDSCAPE_PX,
    PRINT_PAGE_PX,
    Cell,
    TableView,
    break_points,
    min_print_width,
)


def view(columns: int, word: str, header: str = "h", rows: int = LANDSCAPE_ROWS) -> TableView:
    head = [[Cell(header, header=True) for _ in range(columns)]]
    body = [[Cell(word) for _ in range(columns)] for _ in range(rows)]
    return TableView(head=head, body=body)


def test_a_table_of_short_words_keeps_them_whole():
    t = view(6, "Demographic parity (difference)", header="tolerance")
    assert min_print_width(t) < PRINT_PAGE_PX
    assert t.print_cls == ""


def test_many_columns_of_long_words_print_on_a_landscape_page():
    t = view(12, "selection rate difference to the reference", header="Reference")
    # 12 columns whose longest word ('difference', 10 letters) is 68 px wide at 6 px a letter
    assert min_print_width(t) == 12 * (10 * 6 + 8)
    assert PRINT_PAGE_PX < 12 * 68 <= PRINT_LANDSCAPE_PX
    assert t.print_cls == "print-wide"


def test_a_short_wide_table_breaks_words_on_the_page_rather_than_take_a_page_of_its_own():
    t = view(12, "selection rate difference to the reference", rows=LANDSCAPE_ROWS - 1)
    assert min_print_width(t) > PRINT_PAGE_PX
    assert t.print_cls == "print-tight"


def test_a_table_too_wide_for_a_landscape_page_may_break_words():
    t = view(14, "selection rate difference to the reference", header="Reference")
    assert min_print_width(t) == 14 * 68 > PRINT_LANDSCAPE_PX
    assert t.print_cls == "print-wide print-tight"


def test_words_break_after_hyphens_and_slashes_and_the_badge_counts():
    t = TableView(
        head=[],
        body=[
            [Cell("Amer-Indian-Eskimo/Other")],
            [Cell("x", badge=("inconclusive", "?", "INCONCLUSIVE"))],
        ],
    )
    assert min_print_width(t) == (len("INCONCLUSIVE") + 3) * 6 + 8
    t = TableView(head=[], body=[[Cell("Amer-Indian-Eskimo/Other")]])
    assert min_print_width(t) == len("Indian-") * 6 + 8


def test_a_spanning_header_does_not_count_for_one_column():
    head = [[Cell("a very-long-spanning-header-that-covers-both", header=True, colspan=2)]]
    t = TableView(head=head, body=[[Cell("ab"), Cell("abcd")]])
    assert min_print_width(t) == (2 * 6 + 8) + (4 * 6 + 8)


def test_a_header_spanning_rows_keeps_the_columns_below_in_place():
    # 'a' covers column 0 in both header rows, so the second row starts at column 1
    head = [
        [Cell("a", header=True, rowspan=2), Cell("group", header=True, colspan=2)],
        [Cell("xxxxxxxxxx", header=True), Cell("yy", header=True)],
    ]
    t = TableView(head=head, body=[[Cell("abcdefgh"), Cell("ab"), Cell("abc")]])
    assert min_print_width(t) == (8 + 10 + 3) * 6 + 3 * 8


def test_the_rendered_table_carries_the_class():
    from fairaudit.report import Section, Table, render_document

    wide = view(14, "difference")
    narrow = view(3, "ok")
    section = Section("Tables", tables=[Table(_frame(wide)), Table(_frame(narrow))])
    html_text = render_document("Print widths", [section])
    tables = re.findall(r"<table[^>]*>", html_text)
    assert sum("print-wide" in t for t in tables) == 1


def _frame(t: TableView):
    import pandas as pd

    return pd.DataFrame(
        [[c.text for c in row] for row in t.body], columns=[f"c{i}" for i in range(len(t.body[0]))]
    )


def test_names_in_headers_may_break_at_underscores_parentheses_and_camel_case():
    assert break_points("ConstrainedClassifier(demographic_parity)") == (
        "Constrained<wbr>Classifier<wbr>(demographic_<wbr>parity)"
    )
    assert break_points("n_african_american") == "n_<wbr>african_<wbr>american"
    assert break_points("<b>x_y</b>") == "&lt;b&gt;x_<wbr>y&lt;/b&gt;"  # escaped first
    assert break_points("__init__ (x)") == "__<wbr>init__<wbr> (x)"
    # the estimate knows: a header breaks there, a body cell (not given the breaks) does not
    name = "ConstrainedClassifier(demographic_parity)"
    head = TableView(head=[[Cell(name, header=True)]], body=[])
    assert min_print_width(head) == len("(demographic_") * 6 + 8
    body = TableView(head=[], body=[[Cell(name)]])
    assert min_print_width(body) == len(name) * 6 + 8


def test_an_interval_breaks_after_its_dash_and_grid_badges_count_larger():
    t = TableView(head=[], body=[[Cell("0.774", sub="0.758\u20130.788")]])
    assert min_print_width(t) == len("0.758\u2013") * 6 + 8
    badge = Cell("x", badge=("fail", "\u2717", "FAIL"))
    plain = TableView(head=[], body=[[badge]])
    grid = TableView(head=[], body=[[badge]], cls="grid")
    assert min_print_width(plain) == 7 * 6 + 8
    assert min_print_width(grid) == 12 * 6 + 8  # ceil(7 x 1.6) letters
