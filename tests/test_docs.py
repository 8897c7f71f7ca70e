"""Every ```python block in README.md and docs/**/*.md runs, in order, one namespace per file."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```", re.S | re.M)


def test_documentation_files_exist():
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    for required in (
        "README.md",
        "docs/getting-started.md",
        "docs/auditing.md",
        "docs/architecture.md",
        "docs/performance.md",
    ):
        assert required in names


WITH_CODE = [p for p in FILES if BLOCK.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", WITH_CODE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_blocks_run(path, tmp_path, monkeypatch):
    blocks = BLOCK.findall(path.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for i, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"{path.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"{path.name}, python block {i} failed: {exc!r}\n{code}") from exc
