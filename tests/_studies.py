"""Each case study's quick report, written once per test run.

Several test modules read the same reports (the chart check, the browser's print check,
the prose check), and ``--dist loadscope`` may run them in different worker processes.
The first process that needs a report writes it into a folder that every process of the
run shares (:data:`SHARED`, set by ``conftest.py``: the parent of the workers' temporary
folders); the others wait for it and read the same file. Outside a test run, or without
file locks, each process writes its own. Callers get the path of a file they must not
modify; a test that changes a report writes its own.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # no POSIX file locks (Windows): one report per process
    fcntl = None

#: Run options per study: the hiring study at 600 applicants per set, which takes seconds
#: instead of the quick run's quarter of a minute and has the same layout.
OPTIONS = {"hiring": {"n_applicants": 600}}

#: The folder shared by the processes of the test run, once ``conftest.py`` has set it.
SHARED: list[Path] = []


def _write(name: str, out: Path) -> Path:
    from fairaudit.casestudies import load_case_study

    return load_case_study(name).run(out, quick=True, **OPTIONS.get(name, {}))


@functools.cache
def study_report(name: str) -> Path:
    """The path of the quick report of case study ``name``."""
    if not SHARED or fcntl is None:
        out = Path(tempfile.mkdtemp(prefix=f"fairaudit-{name}-"))
        atexit.register(shutil.rmtree, out, ignore_errors=True)
        return _write(name, out)
    folder = SHARED[0] / f"case-study-{name}"
    with open(SHARED[0] / f"case-study-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until the report is written
        if not folder.exists():
            # written aside, then renamed: a folder that exists holds a whole report
            draft = Path(tempfile.mkdtemp(prefix=f"case-study-{name}-", dir=SHARED[0]))
            (draft / "report-name").write_text(_write(name, draft).name, encoding="utf-8")
            os.replace(draft, folder)
    return folder / (folder / "report-name").read_text(encoding="utf-8")
