"""Matplotlib figures as inline SVG, and the report's colour-blind-safe visual vocabulary."""

from __future__ import annotations

import html
import io
import re
import warnings
from contextlib import contextmanager
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.figure import Figure as MplFigure

FIGURE_TO_SVG_TYPE = "fig must be a matplotlib.figure.Figure (e.g. from plt.subplots())"

#: Okabe & Ito's palette, distinguishable with the common forms of colour blindness.
PALETTE = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: poor contrast on white)
)
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)), "-")
MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")
PASS_COLOR = "#0072B2"
FAIL_COLOR = "#D55E00"
NEUTRAL_COLOR = "#555555"
BAND_COLOR = "#56B4E9"

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "fairaudit",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE[:7])),
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8.0,
    "figure.dpi": 100,
    "path.simplify": True,
    "text.usetex": False,
}

_XML_HEADER = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*|<!--.*?-->\s*", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_FONT_FAMILY = re.compile(r"font-family: ([^;\"]+)")
_NO_ROTATION = re.compile(r"rotate\(-?0 [^)]*\)")
_GEOMETRY = frozenset(
    {"d", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "points", "transform"}
)
_LONG_NUMBER = re.compile(r"(-?\d+\.\d\d)\d+")
_LOCAL_URL = re.compile(r"url\(#([^)\"']+)\)")
_INDENT = re.compile(r"\n[ \t]+")
#: One tag (quoted attribute values may hold '>'); text between tags is never rewritten.
_TAG = re.compile(r"""<(?:[^<>"']|"[^"]*"|'[^']*')*>""")
_ATTR = re.compile(r"""(\s+)([\w:.-]+)(\s*=\s*)("[^"]*"|'[^']*')""")
#: Attributes holding text for people (never ids, links or CSS).
_FREE_TEXT = frozenset({"aria-label", "aria-description", "title", "alt"})
_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")
_MISSING_GLYPH = r"Glyph \d+ .* missing from font"
#: Characters XML 1.0 does not allow (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@contextmanager
def _browser_fonts():
    """The browser draws SVG text with its own fonts: matplotlib's warning that its layout
    font lacks a glyph (an emoji in a group name) says nothing about the report."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_MISSING_GLYPH, category=UserWarning)
        yield


@contextmanager
def style():
    """Context in which the report's figures are drawn (palette, fonts, SVG text as text)."""
    with matplotlib.rc_context(_RC), _browser_fonts():
        yield


#: The widest figure, in inches, that prints at its own size on an upright A4 page (the
#: page's text is 703 CSS pixels, 7.32 in, wide): a wider one is scaled down to the page,
#: and its 7 pt legends with it.
PRINT_FIGURE_IN = 7.3


def new_figure(width: float, height: float, **kwargs: Any):
    """A figure outside pyplot (no GUI, no global state) with subplots; ``(fig, axes)``."""
    with style():
        fig = MplFigure(figsize=(width, height))
        return fig, fig.subplots(**kwargs)


def xml_text(text: Any) -> str:
    """``text`` without the characters XML cannot hold (they would make the SVG unreadable)."""
    return _NOT_XML.sub("\ufffd", str(text))


def plain(text: Any) -> str:
    """Text safe to hand to matplotlib, shown as given: ``$`` would start mathtext, so it is
    escaped (backslashes are literal outside mathtext), and characters XML cannot hold are
    replaced."""
    return xml_text(text).replace("$", r"\$")


def figure_to_svg(fig: MplFigure, *, tight: bool = True) -> str:
    """Render a matplotlib figure as SVG text for embedding in a report, then close it.

    Text stays text (``svg.fonttype='none'``), which keeps files small and searchable; the
    XML prologue, metadata and namespace declarations are dropped because the SVG is meant
    to be inlined in HTML. Output is deterministic for a given figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    tight : bool, default True
        Crop to the drawn content (``bbox_inches="tight"``). Pass False for a figure already
        laid out with ``tight_layout`` or ``layout="constrained"``, to save one drawing pass.

    Returns
    -------
    str
        The ``<svg>...</svg>`` element.
    """
    if not isinstance(fig, MplFigure):
        raise TypeError(FIGURE_TO_SVG_TYPE)
    buffer = io.StringIO()
    try:
        with (
            matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "fairaudit"}),
            _browser_fonts(),
        ):
            fig.savefig(
                buffer,
                format="svg",
                bbox_inches="tight" if tight else None,
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
            )
    finally:
        plt.close(fig)
    return clean_svg(buffer.getvalue())


def _attributes(tag: str, rewrite) -> str:
    """``tag`` with each attribute passed through ``rewrite(name, value) -> (name, value)``
    (a None name drops it); attributes holding text for people are left alone."""

    def one(m: re.Match[str]) -> str:
        name, quoted = m.group(2), m.group(4)
        if name in _FREE_TEXT:
            return m.group(0)
        new_name, value = rewrite(name, quoted[1:-1])
        if new_name is None:
            return ""
        return f"{m.group(1)}{new_name}{m.group(3)}{quoted[0]}{value}{quoted[0]}"

    return _ATTR.sub(one, tag)


def _in_tags(svg: str, rewrite) -> str:
    """``svg`` with the attributes of every tag rewritten (see :func:`_attributes`)."""
    return _TAG.sub(lambda m: _attributes(m.group(0), rewrite), svg)


def _references(svg: str) -> set[str]:
    """The ids that ``url(#id)`` and ``href="#id"`` in the tags point to."""
    found: set[str] = set()

    def collect(name: str, value: str) -> tuple[str, str]:
        if name in ("href", "xlink:href") and value.startswith("#"):
            found.add(value[1:])
        found.update(_LOCAL_URL.findall(value))
        return name, value

    _in_tags(svg, collect)
    return found


def clean_svg(svg: str) -> str:
    """Strip what an inline SVG does not need (prologue, metadata, namespaces, ids nothing
    refers to, digits below 1/100 pt). Only tags are rewritten, never the text of labels."""
    svg = _XML_HEADER.sub("", svg)
    svg = _METADATA.sub("", svg)
    referenced = _references(svg)

    def rewrite(name: str, value: str) -> tuple[str | None, str]:
        if name == "xmlns" or name.startswith("xmlns:"):
            return None, value
        if name == "xlink:href":
            name = "href"
        if name == "id" and value not in referenced:
            return None, value
        if name == "transform" and _NO_ROTATION.fullmatch(value):
            return None, value
        if name == "style":
            # text is drawn by the browser: give it a generic fallback family
            value = _FONT_FAMILY.sub(_short_family, value)
        if name in _GEOMETRY:
            # coordinates to 1/100 pt: invisible, and a third smaller
            value = _LONG_NUMBER.sub(r"\1", value)
        return name, value

    svg = _in_tags(svg, rewrite)
    svg = _INDENT.sub("\n", svg)
    return svg.strip()


def _short_family(match: re.Match[str]) -> str:
    """Keep the first font family and add the generic one (browser draws the text)."""
    families = [f.strip() for f in match.group(1).split(",") if f.strip()]
    first = families[0] if families else "sans-serif"
    generic = next(
        (f for f in families if f in {"serif", "sans-serif", "monospace", "cursive", "fantasy"}),
        "sans-serif",
    )
    return f"font-family: {first}" + ("" if first == generic else f", {generic}")


def inline_svg(svg: str, alt: str) -> str:
    """Prepare validated SVG for inlining: ``role="img"``, ``aria-label`` and a ``<title>``."""
    svg = clean_svg(svg)
    text = " ".join(xml_text(alt).split())

    def _open(match: re.Match[str]) -> str:
        attrs = re.sub(r'\s(role|aria-label)="[^"]*"', "", match.group(1))
        return (
            f'<svg{attrs} role="img" aria-label="{html.escape(text, quote=True)}">'
            f"<title>{html.escape(text, quote=False)}</title>"
        )

    return _SVG_OPEN.sub(_open, svg, count=1)


def prefix_ids(svg: str, prefix: str) -> str:
    """Prefix every element id (and the references to it) so that several figures in one
    page never share an id: matplotlib reuses clip-path and marker ids between figures.
    Only tags are rewritten, never the text of labels or the alternative text."""

    def rewrite(name: str, value: str) -> tuple[str, str]:
        if name == "id":
            return name, f"{prefix}-{value}"
        if name in ("href", "xlink:href") and value.startswith("#"):
            return name, f"#{prefix}-{value[1:]}"
        return name, _LOCAL_URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value)

    return _in_tags(svg, rewrite)
