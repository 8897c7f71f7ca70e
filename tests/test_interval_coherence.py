"""Every interval an audit reports contains its own point value.

A seeded loop of small random audits of every task (binary decisions and scores,
multiclass, regression), with 2 to 6 groups, small and unbalanced groups and sometimes
sample weights. The oracle is the definition of an interval: wherever a value and both
of its bounds are finite, ``lower <= value <= upper`` (within 1e-9 of the value's scale).
The tables are read through the result's public attributes: ``overall`` with
``overall_intervals``, ``by_group`` with ``intervals``, ``disparities``, ``to_reference``
and ``criteria``, for the audited attribute and every marginal.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import fairaudit

N_CASES = 40
N_BOOTSTRAP = 200
TOL = 1e-9


def _outside(value, lower, upper) -> np.ndarray:
    """Where a finite value lies outside its finite bounds."""
    value, lower, upper = (np.asarray(x, dtype=np.float64) for x in (value, lower, upper))
    ok = np.isfinite(value) & np.isfinite(lower) & np.isfinite(upper)
    slack = TOL * np.maximum(1.0, np.abs(np.where(ok, value, 0.0)))
    with np.errstate(invalid="ignore"):
        return ok & ((lower > value + slack) | (upper < value - slack))


def _describe(table: str, labels, columns, value, lower, upper, bad) -> list[str]:
    labels = np.asarray(labels, dtype=object)
    return [
        f"{table}[{labels[i]!s}].{columns}: {value[i]:.6g} not in [{lower[i]:.6g}, {upper[i]:.6g}]"
        for i in np.flatnonzero(bad)
    ]


TABLES = ("overall", "by_group", "disparities", "to_reference", "criteria")


def violations(result: fairaudit.AuditResult, tables: tuple[str, ...] = TABLES) -> list[str]:
    """Each reported interval that does not contain its point value."""
    found: list[str] = []
    parts = [result, *result.marginals.values()]
    for r in parts:
        tag = r.attribute
        # overall values
        overall, iv = r.overall, r.overall_intervals
        common = overall.index.intersection(iv.index)
        v, lo, hi = (
            np.asarray(x, dtype=float)
            for x in (overall[common], iv.loc[common, "lower"], iv.loc[common, "upper"])
        )
        found += (
            []
            if "overall" not in tables
            else _describe(f"{tag}/overall", common, "", v, lo, hi, _outside(v, lo, hi))
        )
        # per-group values
        by_group, intervals = r.by_group, r.intervals
        for m in by_group.columns:
            if (m, "lower") not in intervals.columns:
                continue
            v = by_group[m].to_numpy(dtype=float)
            lo = intervals[(m, "lower")].to_numpy(dtype=float)
            hi = intervals[(m, "upper")].to_numpy(dtype=float)
            found += (
                []
                if "by_group" not in tables
                else _describe(f"{tag}/by_group", by_group.index, m, v, lo, hi, _outside(v, lo, hi))
            )
        # disparities
        d = r.disparities
        for key in (
            "difference",
            "ratio",
            "difference_to_overall",
            "ratio_to_overall",
            "difference_to_reference",
            "ratio_to_reference",
        ):
            v = d[key].to_numpy(dtype=float)
            lo = d[key + "_lower"].to_numpy(dtype=float)
            hi = d[key + "_upper"].to_numpy(dtype=float)
            found += (
                []
                if "disparities" not in tables
                else _describe(f"{tag}/disparities", d.index, key, v, lo, hi, _outside(v, lo, hi))
            )
        # each group against the reference
        t = r.to_reference
        labels = (t["group"].astype(str) + ":" + t["metric"].astype(str)).to_numpy()
        for key in ("difference", "ratio"):
            v = t[key].to_numpy(dtype=float)
            lo = t[key + "_lower"].to_numpy(dtype=float)
            hi = t[key + "_upper"].to_numpy(dtype=float)
            found += (
                []
                if "to_reference" not in tables
                else _describe(f"{tag}/to_reference", labels, key, v, lo, hi, _outside(v, lo, hi))
            )
    # the criteria table of the top result holds every attribute's rows
    c = result.criteria
    labels = (c["attribute"].astype(str) + ":" + c["criterion"].astype(str)).to_numpy()
    v, lo, hi = (c[k].to_numpy(dtype=float) for k in ("value", "lower", "upper"))
    found += (
        []
        if "criteria" not in tables
        else _describe("criteria", labels, "value", v, lo, hi, _outside(v, lo, hi))
    )
    return found


def _groups(rng: np.random.Generator, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Group labels with small, unbalanced groups: sizes from 3 to 150 rows."""
    sizes = rng.integers(3, 150, size=n_groups)
    if rng.random() < 0.5:
        sizes[rng.integers(n_groups)] = rng.integers(3, 12)  # one very small group
    labels = np.repeat(np.array([f"g{j}" for j in range(n_groups)]), sizes)
    return rng.permutation(labels), sizes


def _weights(rng: np.random.Generator, n: int) -> np.ndarray | None:
    return rng.gamma(2.0, 1.0, size=n) if rng.random() < 0.35 else None


def _case(task: str, seed: int) -> fairaudit.AuditResult:
    rng = np.random.default_rng([seed, {"binary": 1, "multiclass": 2, "regression": 3}[task]])
    n_groups = int(rng.integers(2, 7))
    groups, _ = _groups(rng, n_groups)
    n = len(groups)
    codes = np.unique(groups, return_inverse=True)[1]
    weight = _weights(rng, n)
    kw = {
        "sensitive_features": groups,
        "sample_weight": weight,
        "n_bootstrap": N_BOOTSTRAP,
        "random_state": seed,
    }
    if task == "binary":
        y_true = rng.random(n) < 0.2 + 0.5 * rng.random(n_groups)[codes]
        score = np.clip(rng.normal(0.3 + 0.4 * y_true, 0.25), 0.0, 1.0)
        if rng.random() < 0.5:
            return fairaudit.audit(y_true.astype(int), y_score=score, threshold=0.5, **kw)
        return fairaudit.audit(y_true.astype(int), (score > 0.5).astype(int), **kw)
    if task == "multiclass":
        k = int(rng.integers(3, 5))
        y_true = rng.integers(0, k, size=n)
        noisy = rng.random(n) < 0.3 + 0.4 * rng.random(n_groups)[codes]
        y_pred = np.where(noisy, rng.integers(0, k, size=n), y_true)
        return fairaudit.audit(y_true, y_pred, task="multiclass", **kw)
    # groups alike half the time: where the extremal statistics' bootstrap is most biased
    shift = rng.normal(0.0, 0.3, size=n_groups)[codes] * (rng.random() < 0.5)
    if rng.random() < 0.5:
        y_true = rng.normal(0.0, 1.0, size=n) + shift
        y_pred = y_true + rng.normal(0.0, 0.5 + rng.random(n_groups)[codes], size=n)
    else:
        y_true = rng.lognormal(shift, 1.0, size=n)
        y_pred = y_true * rng.lognormal(0.0, 0.5, size=n)
    return fairaudit.audit(y_true, y_pred, task="regression", **kw)


@functools.cache
def _audits(task: str) -> tuple[fairaudit.AuditResult, ...]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(_case(task, seed) for seed in range(N_CASES))


def _all_violations(task: str, tables: tuple[str, ...] = TABLES) -> list[str]:
    return [
        f"seed {seed}: {v}" for seed, r in enumerate(_audits(task)) for v in violations(r, tables)
    ]


def test_violations_are_found():
    """The check can fail: an interval that excludes its value is reported."""
    r = _case("regression", 0)
    bad = r.disparities
    m = bad.index[0]
    bad.loc[m, "difference_lower"] = bad.loc[m, "difference"] + 1.0
    broken = replace(r, tables=replace(r.tables, disparities=bad))
    found = violations(broken)
    assert any("disparities" in f and "difference:" in f for f in found)


@pytest.mark.parametrize("task", ["regression"])
def test_regression_intervals_contain_their_values(task):
    found = _all_violations(task)
    assert found == [], f"{len(found)} intervals exclude their value:\n" + "\n".join(found[:40])


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_classification_summary_intervals_contain_their_values(task):
    """Disparities and criteria (simultaneous bounds) and the overall values."""
    found = _all_violations(task, ("overall", "disparities", "criteria"))
    assert found == [], f"{len(found)} intervals exclude their value:\n" + "\n".join(found[:40])


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_classification_group_intervals_contain_their_values(task):
    """Per-group values and each group against the reference, including rates of exactly
    0 or 1, balanced accuracies of 1 and the (biased) calibration error."""
    found = _all_violations(task, ("by_group", "to_reference"))
    assert found == [], f"{len(found)} intervals exclude their value:\n" + "\n".join(found[:40])


def test_frames_are_read():
    """Every table the check reads is present and has rows (no vacuous pass)."""
    r = _case("regression", 1)
    assert len(r.disparities) and len(r.to_reference) and len(r.criteria)
    assert isinstance(r.intervals, pd.DataFrame) and r.intervals.shape[1] > 0
    assert np.isfinite(r.criteria["lower"].to_numpy(dtype=float)).any()
