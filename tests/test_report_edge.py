"""Reports for awkward audits: undefined metrics, one-class groups, tiny and suppressed
groups, numeric labels, weights. Each must render completely and stay self-contained."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_report_audit import SECTIONS
from test_report_parsing import active_content, parse, resource_references

import fairaudit
from fairaudit.report import render

N = 400


def _case(name):
    rng = np.random.default_rng(CASES.index(name))  # a fixed seed per case
    g = rng.choice(["a", "b", "c"], N)
    y = rng.integers(0, 2, N)
    pred = rng.integers(0, 2, N)
    kwargs = {"sensitive_features": pd.Series(g, name="group"), "n_bootstrap": 0}
    if name == "no positives in a group":
        y[g == "c"] = 0
    elif name == "all predictions negative":
        pred[:] = 0
    elif name == "tiny groups":
        g = g.astype(object)
        g[:2] = "solo"
        g[2] = "single"
        kwargs["sensitive_features"] = pd.Series(g, name="group")
    elif name == "numeric labels":
        kwargs["sensitive_features"] = pd.Series(rng.integers(0, 3, N), name="code")
    elif name == "suppressed intersections":
        kwargs["sensitive_features"] = pd.DataFrame(
            {"g": g, "h": rng.choice(["x", "y", "z", "w"], N), "k": rng.choice(["p", "q"], N)}
        )
        kwargs["suppress_below"] = 20
    elif name == "weights and scores":
        kwargs["sample_weight"] = rng.uniform(0.2, 3, N)
        kwargs["y_score"] = rng.random(N)
        kwargs["n_bootstrap"] = 20
        kwargs["random_state"] = 0
    if name == "all predictions negative":
        # the audit says the model is degenerate; the report must still render all of it
        with pytest.warns(UserWarning, match="the predictions are negative for every row"):
            return fairaudit.audit(y, pred, **kwargs)
    return fairaudit.audit(y, pred, **kwargs)


CASES = [
    "no positives in a group",
    "all predictions negative",
    "tiny groups",
    "numeric labels",
    "suppressed intersections",
    "weights and scores",
]


@pytest.mark.parametrize("case", CASES)
def test_awkward_audits_render_completely(case):
    result = _case(case)
    html = render(result)
    page = parse(html)
    assert [h for _, h in page.sections] == SECTIONS
    assert active_content(page) == []
    assert resource_references(page) == []
    verdict = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE", "n/a": "N/A"}[
        result.verdict
    ]
    assert verdict in page.text
    if len(result.undefined):
        assert "Undefined values" in page.text
        first = result.undefined.iloc[0]
        assert str(first["reason"]) in page.text
    if case == "tiny groups":
        assert "Small groups (fewer than 30 members): single, solo" in page.text
    if case == "suppressed intersections":
        hidden = result.suppressed_groups
        assert hidden, "the case is built to suppress some cells"
        assert f"{len(hidden)} cell(s) are not shown ({hidden[0]};" in page.text
        assert all(f"'{g}'" not in page.text for g in hidden)  # no finding names them
    if case == "weights and scores":
        header = next(t for t in page.tables if t["caption"] == "Groups of group")["rows"][0]
        assert "weight" in [c.text for c in header]
