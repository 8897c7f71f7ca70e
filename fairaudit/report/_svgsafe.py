"""Whether SVG markup may be inlined in a report: an XML parse checked against an allow-list.

The markup is parsed as XML (``xml.etree``) after refusing every construct that XML and the
browser's HTML parser read differently or that can expand: DOCTYPE and entity declarations,
comments, CDATA sections and processing instructions. Every element and attribute must then
be on an allow-list that covers what matplotlib's SVG backend and the report's own SVG
pieces write; links may only point at a local ``#id``; CSS may not load, escape or import
anything; and the root element takes no styling that could move it over the page.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

FIGURE_SVG_UNSAFE = "Figure.svg is refused: {reason}; build it with figure_to_svg(fig)"
REASON_NOT_XML = "it is not well-formed XML ({error})"
REASON_MARKUP = (
    "it holds a DOCTYPE, entity, comment, CDATA section or processing instruction ({found!r})"
)
REASON_ROOT = "its root element is <{name}>, not <svg>"
REASON_NAMESPACE = "<{name}> is in the namespace {namespace!r}, not SVG"
REASON_ELEMENT = "the element <{name}> is not allowed"
REASON_ATTRIBUTE = "the attribute {name!r} of <{element}> is not allowed"
REASON_LINK = "{name}={value!r} of <{element}> is not a link to a local #id"
REASON_CSS = "{where} holds {what}, which a report does not allow"
REASON_PROPERTY = "{where} sets the CSS property {name!r}, which a report does not allow"
REASON_TRANSFORM = "transform={value!r} of <{element}> is not a list of SVG transforms"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

#: Elements matplotlib's SVG backend writes (lines, markers, text, clipping, hatches,
#: Gouraud shading) and the ``<title>`` the report adds; no script, foreignObject, image,
#: link, animation or metadata.
ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "style",
        "title",
        "desc",
        "path",
        "use",
        "clipPath",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "pattern",
        "linearGradient",
        "radialGradient",
        "stop",
        "filter",
        "feComposite",
        "feColorMatrix",
    }
)
#: Presentation properties, allowed as attributes and in ``style`` attributes.
PROPERTIES = frozenset(
    {
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "opacity",
        "color",
        "font",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "font-variant",
        "font-stretch",
        "text-anchor",
        "dominant-baseline",
        "alignment-baseline",
        "baseline-shift",
        "letter-spacing",
        "word-spacing",
        "white-space",
        "clip-path",
        "clip-rule",
        "filter",
        "stop-color",
        "stop-opacity",
        "shape-rendering",
        "text-rendering",
        "paint-order",
        "vector-effect",
    }
)
#: A ``<style>`` element applies to the whole page: it may only set what matplotlib sets.
STYLE_ELEMENT_PROPERTIES = frozenset({"stroke-linejoin", "stroke-linecap"})
GEOMETRY = frozenset(
    {
        "x",
        "y",
        "width",
        "height",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "fx",
        "fy",
        "d",
        "points",
        "offset",
        "dx",
        "dy",
        "viewBox",
        "preserveAspectRatio",
    }
)
TRANSFORMS = frozenset({"transform", "gradientTransform", "patternTransform"})
OTHER = frozenset(
    {
        "id",
        "version",
        "type",
        "gradientUnits",
        "patternUnits",
        "patternContentUnits",
        "clipPathUnits",
        "spreadMethod",
        "in",
        "in2",
        "operator",
        "k1",
        "k2",
        "k3",
        "k4",
        "values",
        "result",
        "role",
        "aria-label",
        "aria-hidden",
        "style",
        "href",
    }
)
ATTRIBUTES = PROPERTIES | GEOMETRY | TRANSFORMS | OTHER
#: Attributes whose value is free text (never read as CSS, a link or a number).
FREE_TEXT = frozenset({"aria-label", "id"})
#: The root ``<svg>`` is laid out by the HTML page: nothing that could move or restyle it.
ROOT_ATTRIBUTES = frozenset(
    {
        "width",
        "height",
        "viewBox",
        "version",
        "preserveAspectRatio",
        "id",
        "role",
        "aria-label",
        "aria-hidden",
    }
)

_MARKUP = re.compile(r"<[!?]")
_LOCAL_LINK = re.compile(r"#[A-Za-z_][\w.:-]*")
_LOCAL_URL = re.compile(r"""url\(\s*(["']?)#[A-Za-z_][\w.:-]*\1\s*\)""", re.IGNORECASE)
_SAFE_FUNCTION = re.compile(r"\b(?:rgba?|hsla?)\([-+\w.%,\s/]*\)", re.IGNORECASE)
_FUNCTION = re.compile(r"[\w-]*\s*\([^)]*\)?")
_CSS_TRAPS = (("\\", "a CSS escape"), ("@", "an @-rule"), ("/*", "a CSS comment"))
_TRANSFORM = re.compile(
    r"^(?:\s*(?:matrix|translate|scale|rotate|skewX|skewY)\s*\([-+\d.eE,\s]*\)\s*,?)*\s*$"
)
_RULE = re.compile(r"([^{}]*)\{([^{}]*)\}")


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _css_value(text: str, where: str) -> str | None:
    """Why a CSS value (or presentation attribute) is refused; None when it is inert."""
    for trap, what in _CSS_TRAPS:
        if trap in text:
            return REASON_CSS.format(where=where, what=what)
    rest = _SAFE_FUNCTION.sub("", _LOCAL_URL.sub("", text))
    found = _FUNCTION.search(rest) if "(" in rest else None
    if found:
        return REASON_CSS.format(where=where, what=repr(found.group(0).strip()))
    return None


def _declarations(text: str, where: str, allowed: frozenset[str]) -> str | None:
    """Why a list of CSS declarations is refused; None when every one is allowed."""
    problem = _css_value(text, where)
    if problem:
        return problem
    for declaration in text.split(";"):
        if not declaration.strip():
            continue
        name, colon, _ = declaration.partition(":")
        name = name.strip().lower()
        if not colon or name not in allowed:
            return REASON_PROPERTY.format(where=where, name=name or declaration.strip())
    return None


def _style_element(text: str) -> str | None:
    where = "a <style> element"
    problem = _css_value(text, where)
    if problem:
        return problem
    rest = _RULE.sub("", text)
    if rest.strip():
        return REASON_CSS.format(where=where, what=repr(rest.strip()))
    for _, body in _RULE.findall(text):
        problem = _declarations(body, where, STYLE_ELEMENT_PROPERTIES)
        if problem:
            return problem
    return None


def _attribute(element: str, key: str, value: str, root: bool) -> str | None:
    namespace, name = _local(key)
    if namespace == XLINK_NS and name == "href":
        pass  # the same rule as href
    elif namespace == XML_NS and name in ("space", "lang"):
        return None
    elif namespace or name not in (ROOT_ATTRIBUTES if root else ATTRIBUTES):
        shown = key if not namespace else f"{{{namespace}}}{name}"
        return REASON_ATTRIBUTE.format(name=shown, element=element)
    if name in FREE_TEXT:
        return None
    if name == "href":
        if _LOCAL_LINK.fullmatch(value.strip()):
            return None
        shown = "xlink:href" if namespace else "href"
        return REASON_LINK.format(name=shown, value=value, element=element)
    if name in TRANSFORMS:
        return (
            None
            if _TRANSFORM.match(value)
            else REASON_TRANSFORM.format(value=value, element=element)
        )
    where = f"the attribute {name!r} of <{element}>"
    if name == "style":
        return _declarations(value, where, PROPERTIES)
    return _css_value(value, where)


def unsafe_reason(svg: str) -> str | None:
    """Why ``svg`` may not be inlined in a report, or None when it may.

    Parameters
    ----------
    svg : str
        SVG markup whose root element is ``<svg>``.

    Returns
    -------
    str or None
        A sentence naming the first construct refused (see the module docstring).
    """
    found = _MARKUP.search(svg)
    if found:
        return REASON_MARKUP.format(found=svg[found.start() : found.start() + 9])
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as error:
        return REASON_NOT_XML.format(error=error)
    for node in root.iter():
        namespace, name = _local(node.tag)
        if namespace not in ("", SVG_NS):
            return REASON_NAMESPACE.format(name=name, namespace=namespace)
        if node is root and name != "svg":
            return REASON_ROOT.format(name=name)
        if name not in ELEMENTS:
            return REASON_ELEMENT.format(name=name)
        for key, value in node.attrib.items():
            problem = _attribute(name, key, value, node is root)
            if problem:
                return problem
        if name == "style":
            problem = _style_element(node.text or "")
            if problem:
                return problem
    return None
