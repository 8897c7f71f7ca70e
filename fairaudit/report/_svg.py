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
_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_FONT_FAMILY = re.compile(r"font-family: ([^;\"]+)")
_NO_ROTATION = re.compile(r' transform="rotate\(-?0 [^"]*\)"')
_GEOMETRY = re.compile(r'(\s(?:d|x|y|x1|x2|y1|y2|cx|cy|r|points|transform)=")([^"]*)"')
_LONG_NUMBER = re.compile(r"(-?\d+\.\d\d)\d+")
_REFERENCE = re.compile(r'(?:url\(#|href="#)([^)"]+)')
_ID = re.compile(r'\sid="([^"]+)"')
_INDENT = re.compile(r"\n[ \t]+")
_ID_USE = re.compile(r'(\bid="|url\(#|href="#)')
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


def clean_svg(svg: str) -> str:
    """Strip what an inline SVG does not need (prologue, metadata, namespaces)."""
    svg = _XML_HEADER.sub("", svg)
    svg = _METADATA.sub("", svg)
    svg = _XMLNS.sub("", svg)
    svg = svg.replace("xlink:href=", "href=")
    # text is drawn by the browser: give it a generic fallback family
    svg = _FONT_FAMILY.sub(_short_family, svg)
    svg = _NO_ROTATION.sub("", svg)
    svg = _GEOMETRY.sub(_round_geometry, svg)
    referenced = set(_REFERENCE.findall(svg))
    svg = _ID.sub(lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    svg = _INDENT.sub("\n", svg)
    return svg.strip()


def _round_geometry(match: re.Match[str]) -> str:
    """Coordinates to 1/100 pt: invisible, and a third smaller."""
    return match.group(1) + _LONG_NUMBER.sub(r"\1", match.group(2)) + '"'


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
    page never share an id: matplotlib reuses clip-path and marker ids between figures."""
    return _ID_USE.sub(lambda m: m.group(1) + prefix + "-", svg)
