"""The report package's layering: the generic page layer (document, blocks, figures, SVG,
formatting) imports nothing of what the pages say (the audit report, the comparison, the
case studies, the LL144 page, the audit engine).

Checked twice: on the source, every ``import`` anywhere in a generic module (at the top, in a
function, under ``TYPE_CHECKING``); and at run time, by importing the generic modules alone
in a fresh interpreter and listing the report modules that came with them.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import fairaudit.report

REPORT = Path(fairaudit.report.__file__).parent
PACKAGE = "fairaudit.report"

#: The generic layer: pages, typed blocks, figures and tables, SVG, formatting of cells.
GENERIC = ("_document", "_elements", "_model", "_svg", "_svgsafe", "_format")
#: Modules outside the report package the generic layer may use (atomic file writes).
ALLOWED_OUTSIDE = ("fairaudit._io",)


def imported_modules(source: str, module: str) -> set[str]:
    """Absolute names of the modules ``source`` (the text of ``module``) imports, at any
    depth of the syntax tree; ``from . import x`` counts as importing ``package.x``."""
    package = module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            if not node.module:  # from . import name: a submodule
                found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def forbidden(source: str, module: str) -> list[str]:
    """The fairaudit modules ``source`` imports that are neither generic nor allowed."""
    generic = {f"{PACKAGE}.{name}" for name in GENERIC} | {PACKAGE}
    return sorted(
        name
        for name in imported_modules(source, module)
        if name.split(".")[0] == "fairaudit" and name not in generic and name not in ALLOWED_OUTSIDE
    )


@pytest.mark.parametrize("name", GENERIC)
def test_no_generic_module_imports_content(name):
    source = (REPORT / f"{name}.py").read_text(encoding="utf-8")
    assert forbidden(source, f"{PACKAGE}.{name}") == []


def test_the_check_sees_an_import_inside_a_function():
    """Control: the layering of before, a function-level import of the audit content from
    the document layer, and an engine type under TYPE_CHECKING, are caught."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from ._format import table_view\n"
        "if TYPE_CHECKING:\n    from .._result import AuditResult\n"
        "def section_blocks(section):\n"
        "    from ._audit import audit_summary_blocks\n"
        "    from . import _compare\n"
        "    import fairaudit.casestudies.compas\n"
    )
    assert forbidden(source, f"{PACKAGE}._document") == [
        "fairaudit._result",
        "fairaudit.casestudies.compas",
        "fairaudit.report._audit",
        "fairaudit.report._compare",
    ]


def test_every_report_module_is_either_generic_or_content():
    """A new module has to be placed on one side: the generic list is not stale."""
    modules = {p.stem for p in REPORT.glob("*.py") if p.stem != "__init__"}
    assert set(GENERIC) <= modules
    # the content modules import the generic layer, never the other way round
    content = modules - set(GENERIC)
    assert {"_audit", "_compare", "_sections", "_regression", "_multiclass"} <= content


def test_generic_modules_load_without_any_content_module(tmp_path):
    """Import the generic modules in a fresh interpreter, with the package's own
    ``__init__`` (which imports the audit report) replaced by an empty package, and list
    the report modules that were loaded with them."""
    program = f"""
import json, sys, types
import fairaudit
pkg = types.ModuleType({PACKAGE!r})
pkg.__path__ = [{str(REPORT)!r}]
sys.modules[{PACKAGE!r}] = pkg
import importlib
for name in {list(GENERIC)!r}:
    importlib.import_module({PACKAGE!r} + "." + name)
loaded = sorted(m for m in sys.modules if m.startswith({PACKAGE!r} + ".")
                or m.startswith(("fairaudit.casestudies", "fairaudit.regulatory")))
print(json.dumps(loaded))
"""
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    loaded = {m.rsplit(".", 1)[1] for m in json.loads(out) if m.startswith(PACKAGE + ".")}
    others = [m for m in json.loads(out) if not m.startswith(PACKAGE + ".")]
    assert loaded == set(GENERIC)
    assert others == []


def test_the_document_dispatches_on_the_block_protocol():
    """A block the document layer has never heard of renders through its own ``render``:
    no kind string, no list of known blocks."""
    from markupsafe import Markup

    from fairaudit.report._document import RenderedSection, page

    class Stamp:
        def render(self, ctx):
            return Markup("<p class='stamp'>") + "approved <b>" + Markup("</p>")

    html = page("t", [RenderedSection("one", "One", [Stamp()]), RenderedSection("two", "Two", [])])
    assert "<p class='stamp'>approved &lt;b&gt;</p>" in html
    assert '<a href="#one">One</a>' in html and '<a href="#two">Two</a>' in html
    with pytest.raises(TypeError, match="render"):
        page("t", ["not a part"])
