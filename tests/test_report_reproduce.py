"""The report's "Reproduce" call, run again, gives the same result as the audit it shows."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit.report import render

N = 600
MONO = re.compile(r'<p class="mono">(.*?)</p>', re.S)


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    y_score = rng.random(N)
    return {
        "y_true": (rng.random(N) < y_score).astype(int),
        "y_pred": (y_score > 0.5).astype(int),
        "y_score": y_score,
        "sample_weight": rng.uniform(0.5, 2.0, N),
        "sensitive_features": pd.Series(rng.choice(["a", "b", "c"], N), name="g"),
    }


def _audit(data, *, weighted, random_state):
    return fairaudit.audit(
        data["y_true"],
        data["y_pred"],
        sensitive_features=data["sensitive_features"],
        y_score=data["y_score"],
        sample_weight=data["sample_weight"] if weighted else None,
        n_bootstrap=30,
        random_state=random_state,
    )


def _reproduce_call(page: str) -> str:
    calls = MONO.findall(page)
    assert len(calls) == 1
    return html.unescape(calls[0])


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("random_state", [None, 5])
def test_reproduce_call_gives_the_same_result(weighted, random_state):
    data = _inputs()
    result = _audit(data, weighted=weighted, random_state=random_state)
    call = _reproduce_call(render(result))
    assert call.startswith("fairaudit.audit(")
    assert ("sample_weight=sample_weight" in call) == weighted
    again = eval(call, {"fairaudit": fairaudit, **data})  # the call as printed in the page
    pd.testing.assert_frame_equal(again.by_group, result.by_group)
    pd.testing.assert_frame_equal(again.intervals, result.intervals)
    pd.testing.assert_frame_equal(again.criteria, result.criteria)
    # and a different seed would not have given these intervals (the check can fail)
    other = _audit(data, weighted=weighted, random_state=result.config["seed"] + 1)
    assert not other.intervals.equals(result.intervals)


def test_drawn_seed_is_shown_not_called_irreproducible():
    data = _inputs(1)
    result = fairaudit.audit(
        data["y_true"],
        data["y_pred"],
        sensitive_features=data["sensitive_features"],
        n_bootstrap=20,
    )
    seed = result.config["seed"]
    assert result.config["random_state"] is None and isinstance(seed, int)
    page = render(result)
    assert "not reproducible" not in page
    assert f"resamples, seed {seed} (drawn)" in page
    assert f"<dt>Seed (random_state)</dt><dd>{seed} (drawn)</dd>" in page
    assert f"random_state={seed})" in _reproduce_call(page)
