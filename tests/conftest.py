"""Shared test settings.

Property-based tests draw their examples from a fixed seed under continuous integration
(``CI`` set), so a run can be reproduced exactly; locally they explore new examples each run.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
