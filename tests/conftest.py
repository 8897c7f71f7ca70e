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


@pytest.fixture(autouse=True, scope="session")
def _case_study_reports_shared_by_the_workers(tmp_path_factory):
    """The case-study reports several modules read are written once per test run: in the
    folder that holds every xdist worker's temporary folder (pytest keeps the last few
    runs' folders and removes older ones), or the run's own without workers."""
    import _studies

    base = tmp_path_factory.getbasetemp()
    _studies.SHARED[:] = [base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base]
    yield
    _studies.SHARED.clear()


#: The modules that take longest, in decreasing order, run first. With ``--dist loadscope``
#: a module stays on one worker; a long one started last would leave the others idle while
#: it finishes. A hint for the schedule only: a module missing here runs after these, in
#: collection order.
LONGEST_FIRST = (
    "test_audit_regression_coverage",
    "test_audit_multiclass_coverage",
    "test_browser",
    "test_cli_messages",
    "test_report_trust",
    "test_table_spark",
    "test_cli_installed",
    "test_audit_oracle",
    "test_docs",
    "test_mitigation_regression",
    "test_cli_outputs",
    "test_interval_coverage",
    "test_casestudy_hiring",
    "test_table_regression",
    "test_mitigation_sklearn",
    "test_audit_trust",
)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    last = len(LONGEST_FIRST)

    def order(item):
        module = getattr(item, "module", None)
        return rank.get(getattr(module, "__name__", ""), last)

    items.sort(key=order)  # stable: the order within a module and among the rest is kept
