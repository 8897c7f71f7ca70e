"""Shared test settings.

Every audit the suite runs is validated against the result's JSON Schema. Property-based
tests draw their examples from a fixed seed under continuous integration (``CI`` set), so a
run can be reproduced exactly; locally they explore new examples each run.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _every_audit_matches_the_json_schema():
    """Every result an audit produces in the test suite is checked against the JSON Schema
    shipped with the package (marginals included, since they are part of the document)."""
    import fastjsonschema

    import fairaudit
    from fairaudit import _audit

    validate = fastjsonschema.compile(fairaudit.AuditResult.json_schema())
    original = _audit.run

    def checked(*args, **kwargs):
        result = original(*args, **kwargs)
        validate(result.to_dict())
        return result

    _audit.run = checked
    yield
    _audit.run = original
