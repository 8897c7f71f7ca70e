"""The audit's fast paths give what the plain computations give.

- Groups and confusion cells combined straight from each feature's codes
  (``_validation.group_cells``) against a pandas ``groupby`` of the rows (``dropna=False``)
  and against the row-by-row path (``encode_groups`` + ``confusion_cells``).
- The Koopman bisection that resolves several halvings per round, and the search of only
  the pairs that can hold the lowest impact-ratio limits, against a plain bisection written
  here from the score statistic's definition, one halving at a time (equal to the last bit).
- The certain brackets of the Koopman limits (which settle most pairs without a search and
  let the others resume the bisection part way) against that plain bisection, and the
  lowest limits of 40 similar groups against the full pairwise search.
"""

from __future__ import annotations

import warnings

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from scipy.special import ndtri

from fairaudit import _validation as v
from fairaudit.metrics._four_fifths import (
    _certain_brackets,
    _ratio_score,
    candidate_count,
    impact_ratio_intervals,
    lowest_impact_ratio_bounds,
    ratio_interval,
)
from fairaudit.metrics._stats import confusion_cells

# ------------------------------------------------------------------ groups and cells


def _feature(rng: np.random.Generator, n: int, kind: str) -> pd.Series:
    values = rng.choice(["b", "a", "d", "c"], n)
    missing = rng.random(n) < 0.05
    if kind == "categorical":  # unsorted categories, one of them unused
        return pd.Series(
            pd.Categorical(np.where(missing, None, values), categories=["d", "a", "zz", "c", "b"])
        )
    if kind == "strings":
        return pd.Series(values)
    if kind == "objects with missing":
        return pd.Series(np.where(missing, None, values).astype(object))
    if kind == "integers":
        return pd.Series(rng.integers(0, 3, n))
    return pd.Series(np.where(missing, np.nan, rng.integers(0, 3, n).astype(float)))


KINDS = ["categorical", "strings", "objects with missing", "integers", "floats with missing"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=3),
    st.integers(0, 2**31 - 1),
    st.booleans(),
)
def test_group_cells_count_what_a_groupby_counts(kinds, seed, sparse):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    frame = pd.DataFrame({f"f{i}": _feature(rng, n, k) for i, k in enumerate(kinds)})
    if sparse:  # intersections absent from the data
        frame = frame[frame.iloc[:, 0].astype(str) != "a"].reset_index(drop=True)
        n = len(frame)
    y = rng.integers(0, 2, n).astype(np.int8)
    p = rng.integers(0, 2, n).astype(np.int8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = v.group_cells(frame, y, p, n_samples=n)
        plain = v.encode_groups(frame, n_samples=n)
    assert isinstance(fast, v.GroupCells)
    # the same groups, cells (and so the same data hash) as the row-by-row path
    assert fast.labels.equals(plain.labels) and list(fast.names) == list(plain.names)
    assert fast.n_missing == plain.n_missing
    cells = confusion_cells(plain.codes, plain.n_groups, y, p)
    assert fast.cells.dtype == cells.dtype and np.array_equal(fast.cells, cells)
    # the counts of a groupby of the rows, missing values as a group of their own
    keys = [frame[c].astype(object).where(frame[c].notna(), "(missing)") for c in frame]
    rows = pd.DataFrame({**{f"k{i}": k for i, k in enumerate(keys)}, "cell": 2 * y + p})
    counts = rows.groupby([f"k{i}" for i in range(len(keys))] + ["cell"], dropna=False).size()
    for g, label in enumerate(fast.labels):
        key = label if isinstance(label, tuple) else (label,)
        for cell in range(4):
            assert fast.counts[g, cell] == counts.get((*key, cell), 0)
    assert fast.counts.sum() == n


@pytest.mark.parametrize("parallel", [False, True])
def test_arrow_text_features_give_the_groups_of_the_row_path(monkeypatch, parallel):
    # Arrow-backed text (pandas' default string type) is encoded by pyarrow's dictionary
    # encoding, several features in parallel threads on large frames (forced here)
    pytest.importorskip("pyarrow")
    monkeypatch.setattr(v, "_PARALLEL_MIN_ROWS", 1 if parallel else 10**12)
    rng = np.random.default_rng(7)
    n = 3000
    missing = rng.random(n) < 0.05
    frame = pd.DataFrame(
        {
            "a": pd.array(rng.choice(["x", "yy", "é"], n), dtype="string[pyarrow]"),
            "b": pd.Series(np.where(missing, None, rng.choice(["q", "r"], n)), dtype="str"),
            "c": pd.Series(rng.choice(["(missing)", "u"], n), dtype="str"),
            "d": rng.choice(["k", "m"], n).astype(object),  # not Arrow: pandas' factorization
        }
    )
    y = rng.integers(0, 2, n).astype(np.int8)
    p = rng.integers(0, 2, n).astype(np.int8)
    with warnings.catch_warnings(record=True) as fast_warnings:
        warnings.simplefilter("always")
        fast = v.group_cells(frame, y, p, n_samples=n)
    with warnings.catch_warnings(record=True) as plain_warnings:
        warnings.simplefilter("always")
        # the plain path on the same values as objects (no Arrow, no threads)
        plain = v.encode_groups(frame.astype(object), n_samples=n)
    assert isinstance(fast, v.GroupCells)
    assert fast.labels.equals(plain.labels) and fast.n_missing == plain.n_missing == {
        "a": 0,
        "b": int(missing.sum()),
        "c": 0,
        "d": 0,
    }
    assert [str(w.message) for w in fast_warnings] == [str(w.message) for w in plain_warnings]
    assert np.array_equal(fast.cells, confusion_cells(plain.codes, plain.n_groups, y, p))


def test_group_cells_leave_many_values_to_the_row_path():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.integers(0, 300, 2000), "b": rng.integers(0, 300, 2000)})
    y = rng.integers(0, 2, 2000).astype(np.int8)
    out = v.group_cells(frame, y, y, n_samples=2000)
    assert isinstance(out, v.Groups)  # 90,000 possible intersections: no direct cells


def test_group_cells_raise_what_encode_groups_raises():
    frame = pd.DataFrame({"a": ["x", "y"] * 5, "m": np.array([1, "1"] * 5, dtype=object)})
    y = np.zeros(10, dtype=np.int8)
    with pytest.raises(TypeError, match="mixes value types"):
        v.group_cells(frame, y, y, n_samples=10)
    with pytest.raises(ValueError, match="more than max_groups=1"):
        v.group_cells(frame[["a"]], y, y, n_samples=10, max_groups=1)


# ------------------------------------------------------------------ Koopman bisection


def _plain_bisection(x1, n1, x2, n2, z):
    """The limits of ratio_interval by 44 halvings of [-40, 40] on log theta, one at a time,
    for one pair (scalars), written from the score statistic."""
    out = []
    for target, absent in ((z, x1 == 0), (-z, x2 == 0)):
        lo, hi = -40.0, 40.0
        for _ in range(44):
            mid = 0.5 * (lo + hi)
            args = (np.array([np.exp(mid)]), *(np.array([float(a)]) for a in (x1, n1, x2, n2)))
            if _ratio_score(*args)[0] > target:
                lo = mid
            else:
                hi = mid
        out.append((0.0 if target > 0 else np.inf) if absent else float(np.exp(0.5 * (lo + hi))))
    return out


def test_ratio_interval_equals_a_plain_bisection_to_the_last_bit():
    rng = np.random.default_rng(4)
    for _ in range(150):
        n1, n2 = (int(m) for m in rng.integers(1, 10 ** rng.uniform(1, 5), 2))
        x1, x2 = int(rng.binomial(n1, rng.random())), int(rng.binomial(n2, rng.random()))
        if x1 + x2 == 0:
            continue
        level = float(rng.choice([0.9, 0.95, 0.99, 1 - 0.05 / 7]))
        lo, hi = ratio_interval(np.array([x1]), np.array([n1]), x2, n2, level)
        assert [lo[0], hi[0]] == _plain_bisection(x1, n1, x2, n2, ndtri(0.5 + level / 2))


def _plain_impact_ratio_intervals(x, n, level):
    """Candidate tops and Bonferroni pairwise limits, each from the plain bisection."""
    g = len(x)
    z = ndtri(0.5 + level / 2)
    top = int(np.argmax(x / n))
    cand = np.array(
        [
            i == top or x[top] == 0 or _plain_bisection(x[i], n[i], x[top], n[top], z)[1] >= 1.0
            for i in range(g)
        ]
    )
    lower, upper = np.ones(g), np.ones(g)
    for i in range(g):
        m = max(int(cand.sum() - cand[i]), 1)
        zi = ndtri(0.5 + (1.0 - (1.0 - level) / m) / 2)
        for j in np.flatnonzero(cand):
            if i == j:
                continue
            if x[i] + x[j] == 0:
                lo, hi = 0.0, np.inf
            else:
                lo, hi = _plain_bisection(x[i], n[i], x[j], n[j], zi)
            lower[i], upper[i] = min(lower[i], lo), min(upper[i], hi)
    return cand, lower, upper


@pytest.mark.parametrize("seed", range(6))
def test_lowest_impact_ratio_bounds_equal_plain_pairwise_intervals(seed):
    rng = np.random.default_rng(seed)
    g = int(rng.integers(2, 9))
    n = rng.integers(5, 3000, g)
    rates = np.clip(rng.uniform(0.2, 0.6) + rng.choice([0.0, 0.05, 0.3]) * rng.random(g), 0, 1)
    x = rng.binomial(n, rates)
    if seed == 5:
        x[0] = 0
    cand, lower, upper = _plain_impact_ratio_intervals(x, n, 0.95)
    assert candidate_count(x, n, 0.95) == cand.sum()
    lo, hi = impact_ratio_intervals(x, n, 0.95)
    assert np.array_equal(lo, lower) and np.array_equal(hi, upper)
    assert lowest_impact_ratio_bounds(x, n, 0.95) == (lower.min(), upper.min())


def test_certain_brackets_hold_the_limit_of_a_plain_bisection():
    # the bracket's ends are certain: the bisection's limit lies between them
    rng = np.random.default_rng(11)
    checked = ends = 0
    for _ in range(120):
        n1, n2 = (int(m) for m in rng.integers(1, 10 ** rng.uniform(1, 5.5), 2))
        x1, x2 = int(rng.binomial(n1, rng.random())), int(rng.binomial(n2, rng.random()))
        if x1 == 0 or x2 == 0:
            continue
        z = float(ndtri(0.5 + float(rng.choice([0.9, 0.95, 0.999])) / 2))
        limits = _plain_bisection(x1, n1, x2, n2, z)
        for target, limit in ((z, limits[0]), (-z, limits[1])):
            a, b = _certain_brackets(*(np.array([float(v)]) for v in (x1, n1, x2, n2, target)))
            # the bisection's last bracket is 80 / 2**44 wide around the log of its limit
            assert a[0] <= np.log(limit) + 1e-11 and np.log(limit) - 1e-11 <= b[0]
            checked += int(np.isfinite(a[0])) + int(np.isfinite(b[0]))
            ends += 2
    assert checked > 0.8 * ends  # most ends are shown, so the shortcut is exercised


@pytest.mark.parametrize("seed", range(4))
def test_lowest_bounds_of_many_similar_groups_equal_every_pairwise_interval(seed):
    # 40 groups whose rates barely differ: most pairs are settled by their certain brackets
    # and the rest resume the bisection part way; the limits are those of the full
    # pairwise search (ratio_interval over every pair, without shortcuts)
    rng = np.random.default_rng(seed)
    g = 40
    n = rng.integers(2_000, 30_000, g)
    x = rng.binomial(n, 0.5 + rng.choice([0.0, 0.02]) * rng.random(g))
    if seed == 3:
        x[5] = 0  # a group with no selection: a lower limit of 0
    lo, hi = impact_ratio_intervals(x[None, :], n[None, :], 0.95)  # the 2-d path: no shortcut
    assert lowest_impact_ratio_bounds(x, n, 0.95) == (lo.min(), hi.min())
    z = ndtri(0.975)
    top = int(np.argmax(x / n))
    plain = sum(
        i == top or _plain_bisection(x[i], n[i], x[top], n[top], z)[1] >= 1.0 for i in range(g)
    )
    assert candidate_count(x, n, 0.95) == plain
