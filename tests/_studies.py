"""Each case study's quick report, written once per test process.

Several test modules read the same reports (the chart check, the browser's print check,
the prose check); writing each once per worker keeps the suite fast. Callers get the path
of a file they must not modify; a test that changes a report writes its own.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

#: Run options per study: the hiring study at 600 applicants per set, which takes seconds
#: instead of the quick run's quarter of a minute and has the same layout.
OPTIONS = {"hiring": {"n_applicants": 600}}


@functools.cache
def study_report(name: str) -> Path:
    """The path of the quick report of case study ``name``."""
    from fairaudit.casestudies import load_case_study

    out = Path(tempfile.mkdtemp(prefix=f"fairaudit-{name}-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    return load_case_study(name).run(out, quick=True, **OPTIONS.get(name, {}))
