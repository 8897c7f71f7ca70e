"""Labelled, mergeable statistics and audits from them.

The oracle is the audit of the rows: split random data into random chunks (some lacking
groups), reduce each chunk to its statistics, merge them, and the audit of the merged
statistics must equal the audit of all rows — values, intervals (same seed), verdicts.
"""

from __future__ import annotations

import functools
import gzip
import json
import warnings
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import fairaudit
from fairaudit.metrics import ConfusionStats, ScoreStats, confusion_stats, score_stats
from fairaudit.metrics import _stats as stats_module

DATA = Path(__file__).parent / "data"
TABLES = (
    "by_group",
    "lower",
    "upper",
    "disparities",
    "to_reference",
    "criteria",
    "groups",
    "undefined",
    "denominators",
    "overall_intervals",
)


@st.composite
def chunked_data(draw, weighted=None):
    n = draw(st.integers(30, 300))
    n_features = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    features = {}
    for j in range(n_features):
        k = draw(st.integers(1, 5))
        # uneven shares: some groups tiny, some intersections empty
        p = rng.dirichlet(np.full(k, 0.6))
        features[f"f{j}"] = rng.choice([f"v{i}" for i in range(k)], n, p=p)
    y = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int)
    pred = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int)
    use_w = draw(st.booleans()) if weighted is None else weighted
    w = None
    if use_w:
        w = rng.lognormal(0.0, 1.0, n)
        w[rng.random(n) < 0.1] = 0.0
        # a chunk may hold only rows of weight 0; the whole data set has some weight
        w[rng.integers(0, n, 3)] = 0.0
        w[0] = 1.0
    n_chunks = draw(st.integers(1, 6))
    cuts = np.sort(rng.choice(np.arange(1, n), size=min(n_chunks - 1, n - 1), replace=False))
    order = rng.permutation(n)
    return pd.DataFrame(features), y, pred, w, np.split(order, cuts), rng


def _chunk_stats(frame, y, pred, w, chunks):
    parts = []
    for idx in chunks:
        parts.append(
            confusion_stats(
                y[idx],
                pred[idx],
                sensitive_features=frame.iloc[idx],
                sample_weight=None if w is None else w[idx],
            )
        )
    return functools.reduce(ConfusionStats.merge, parts)


def _assert_same(a: fairaudit.AuditResult, b: fairaudit.AuditResult, *, skip_metrics=()):
    da, db = a.to_dict(), b.to_dict()
    for key in (*TABLES, "overall"):
        ta, tb = da[key], db[key]
        if key == "overall":
            ta = {k: v for k, v in ta.items() if k not in skip_metrics}
            tb = {k: v for k, v in tb.items() if k not in skip_metrics}
            assert ta.keys() == tb.keys()
            np.testing.assert_allclose(
                np.array([np.nan if v is None else v for v in ta.values()], dtype=float),
                np.array([np.nan if v is None else v for v in tb.values()], dtype=float),
                rtol=1e-12,
                atol=1e-12,
            )
            continue
        assert ta["index"] == tb["index"], key
        assert ta["columns"] == tb["columns"], key
        keep_cols = [i for i, c in enumerate(ta["columns"]) if c not in skip_metrics]
        rows = [i for i, idx in enumerate(ta["index"]) if idx not in skip_metrics]
        if key == "to_reference":
            metric_col = ta["columns"].index("metric")
            rows = [i for i, r in enumerate(ta["data"]) if r[metric_col] not in skip_metrics]
        for i in rows:
            for j in keep_cols:
                x, y = ta["data"][i][j], tb["data"][i][j]
                if isinstance(x, float) or isinstance(y, float):
                    x = np.nan if x is None else x
                    y = np.nan if y is None else y
                    assert x == pytest.approx(y, rel=1e-12, abs=1e-12, nan_ok=True), (
                        key,
                        ta["index"][i],
                        ta["columns"][j],
                    )
                else:
                    assert x == y, (key, ta["index"][i], ta["columns"][j])
    pd.testing.assert_index_equal(a.by_group.index, b.by_group.index, exact=True)
    assert a.verdict == b.verdict
    assert a.reference_group == b.reference_group
    assert sorted(a.marginals) == sorted(b.marginals)
    for name in a.marginals:
        _assert_same(a.marginals[name], b.marginals[name], skip_metrics=skip_metrics)


def _warned(audit, *args, **kwargs):
    """The result of ``audit(*args, **kwargs)`` and the messages of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = audit(*args, **kwargs)
    return result, [str(w.message) for w in caught]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(chunked_data(), st.integers(0, 2**31 - 1))
def test_merged_chunks_audit_like_the_rows(data, seed):
    frame, y, pred, w, chunks, _ = data
    merged = _chunk_stats(frame, y, pred, w, chunks)
    # a draw can be degenerate (every group one prediction): both audits say so alike
    rows, said_rows = _warned(
        fairaudit.audit,
        y,
        pred,
        sensitive_features=frame,
        sample_weight=w,
        n_bootstrap=40,
        random_state=seed,
    )
    stats, said_stats = _warned(
        fairaudit.audit_from_stats, merged, n_bootstrap=40, random_state=seed
    )
    _assert_same(rows, stats)
    assert said_rows == said_stats


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(chunked_data(), st.booleans())
def test_merged_score_histograms_audit_like_the_rows(data, probabilities):
    frame, y, pred, w, chunks, rng = data
    n = len(y)
    if probabilities:
        score, edges = rng.random(n), None
    else:
        score, edges = rng.normal(size=n) * 3, np.linspace(-20, 20, 161)
    conf = _chunk_stats(frame, y, pred, w, chunks)
    parts = [
        score_stats(
            y[i],
            score[i],
            sensitive_features=frame.iloc[i],
            score_bins=edges,
            sample_weight=None if w is None else w[i],
        )
        for i in chunks
    ]
    merged = functools.reduce(ScoreStats.merge, parts)
    rows, said_rows = _warned(
        fairaudit.audit,
        y,
        pred,
        y_score=score,
        sensitive_features=frame,
        sample_weight=w,
        n_bootstrap=30,
        random_state=5,
        score_bins=edges,
    )
    stats, said_stats = _warned(
        fairaudit.audit_from_stats, conf, score_stats=merged, n_bootstrap=30, random_state=5
    )
    assert said_rows == said_stats
    # the AUC is exact from rows and from the histogram in merged statistics; all else equal
    _assert_same(rows, stats, skip_metrics=("roc_auc",))
    # the histogram AUC errs by at most half the weight of positive-negative pairs sharing a
    # bin (such pairs count one half instead of 0 or 1)
    wt = np.ones(n) if w is None else w
    for g, exact in rows.by_group["roc_auc"].items():
        key = g if isinstance(g, tuple) else (g,)
        sel = np.all(
            np.column_stack(
                [frame[c].to_numpy() == v for c, v in zip(frame.columns, key, strict=True)]
            ),
            axis=1,
        )
        if not np.isfinite(exact):
            continue
        bins = np.searchsorted(merged.edges, score[sel], side="right") - 1
        bins = np.clip(bins, 0, len(merged.edges) - 2)
        pos = np.bincount(bins, weights=wt[sel] * (y[sel] == 1), minlength=len(merged.edges))
        neg = np.bincount(bins, weights=wt[sel] * (y[sel] == 0), minlength=len(merged.edges))
        bound = 0.5 * (pos * neg).sum() / (pos.sum() * neg.sum())
        assert abs(stats.by_group.loc[g, "roc_auc"] - exact) <= bound + 1e-12


def test_merge_aligns_on_labels_not_positions():
    """Chunks with groups {F, M} and {M}: positional addition would add M's counts to F."""
    a = confusion_stats(
        [1, 0, 1, 1], [1, 0, 0, 1], sensitive_features=pd.Series(["F", "F", "M", "M"], name="sex")
    )
    b = confusion_stats([1, 1], [1, 1], sensitive_features=pd.Series(["M", "M"], name="sex"))
    merged = a.merge(b)
    assert merged.labels.tolist() == ["F", "M"]
    # F: one TN, one TP; M: one FN, three TP
    np.testing.assert_array_equal(merged.n, [[1, 0, 0, 1], [0, 0, 1, 3]])
    np.testing.assert_array_equal(b.merge(a).n, merged.n)
    whole = confusion_stats(
        [1, 0, 1, 1, 1, 1],
        [1, 0, 0, 1, 1, 1],
        sensitive_features=pd.Series(["F", "F", "M", "M", "M", "M"], name="sex"),
    )
    np.testing.assert_array_equal(whole.n, merged.n)


def test_merge_refuses_other_features_and_unlabelled_statistics():
    a = confusion_stats([1, 0], [1, 0], sensitive_features=pd.Series(["F", "M"], name="sex"))
    b = confusion_stats([1, 0], [1, 0], sensitive_features=pd.Series(["x", "y"], name="race"))
    with pytest.raises(ValueError) as info:
        a.merge(b)
    assert str(info.value) == stats_module.ERR_FEATURES.format(a=["sex"], b=["race"])
    bare = ConfusionStats(a.n, a.w, a.w2)
    with pytest.raises(ValueError) as info:
        a.merge(bare)
    assert str(info.value) == stats_module.ERR_UNLABELLED
    with pytest.raises(ValueError, match="give one label per group"):
        ConfusionStats(a.n, a.w, a.w2, pd.Index(["F"], name="sex"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunked_data())
def test_from_frame_of_a_groupby_equals_the_statistics(data):
    frame, y, pred, w, _, _ = data
    rows = frame.assign(y_true=y, y_pred=pred, w=1.0 if w is None else w)
    rows["w2"] = rows["w"] ** 2
    table = rows.groupby([*frame.columns, "y_true", "y_pred"], as_index=False).agg(
        n=("w", "size"), w=("w", "sum"), w2=("w2", "sum")
    )
    if w is None:
        table = table.drop(columns=["w", "w2"])
    from_table = ConfusionStats.from_frame(table)
    direct = confusion_stats(y, pred, sensitive_features=frame, sample_weight=w)
    assert from_table.labels.equals(direct.labels)
    np.testing.assert_array_equal(from_table.n, direct.n)
    np.testing.assert_allclose(from_table.w, direct.w, rtol=1e-12)
    np.testing.assert_allclose(from_table.w2, direct.w2, rtol=1e-12)
    back = ConfusionStats.from_frame(direct.to_frame())
    np.testing.assert_array_equal(back.n, direct.n)
    assert back.labels.equals(direct.labels)


def test_from_frame_errors_name_the_column():
    good = pd.DataFrame({"sex": ["F", "M"], "y_true": [1, 0], "y_pred": [1, 1], "n": [3, 4]})
    with pytest.raises(ValueError) as info:
        ConfusionStats.from_frame(good.drop(columns="n"))
    assert str(info.value) == stats_module.ERR_FRAME_COLUMNS.format(missing=["n"])
    with pytest.raises(ValueError) as info:
        ConfusionStats.from_frame(good.assign(y_true=[1, 2]))
    assert str(info.value) == stats_module.ERR_FRAME_BINARY.format(name="y_true", values=[2])
    with pytest.raises(ValueError) as info:
        ConfusionStats.from_frame(good.assign(n=[3, -1]))
    assert str(info.value) == stats_module.ERR_FRAME_COUNT.format(
        name="n", extra=" (whole numbers)", bad=[-1.0]
    )
    with pytest.raises(ValueError) as info:
        ConfusionStats.from_frame(good.assign(w=[1.0, 2.0]))
    assert str(info.value) == stats_module.ERR_FRAME_W2
    with pytest.raises(ValueError) as info:
        ConfusionStats.from_frame(good[["y_true", "y_pred", "n"]])
    assert str(info.value) == stats_module.ERR_FRAME_FEATURES.format(
        columns=["y_true", "y_pred", "n"]
    )


def test_scores_need_declared_edges_to_merge():
    with pytest.raises(ValueError, match="declare score_bins="):
        score_stats([1, 0], [2.5, -1.0], sensitive_features=["a", "b"])
    with pytest.raises(ValueError, match="outside the bin edges"):
        score_stats([1, 0], [2.5, -1.0], sensitive_features=["a", "b"], score_bins=[0, 1, 2])
    a = score_stats([1, 0], [0.2, 0.4], sensitive_features=["a", "b"], score_bins=[0, 0.5, 1])
    b = score_stats([1, 0], [0.2, 0.4], sensitive_features=["a", "b"])
    with pytest.raises(ValueError, match="bin edges agree"):
        a.merge(b)


def test_audit_from_stats_refuses_what_it_cannot_audit():
    with pytest.raises(TypeError, match="stats must be ConfusionStats with group labels"):
        fairaudit.audit_from_stats(np.zeros((2, 4)))
    conf = confusion_stats([1, 0, 1], [1, 0, 0], sensitive_features=["a", "b", "b"])
    other = score_stats([1, 0], [0.2, 0.4], sensitive_features=["a", "c"])
    with pytest.raises(ValueError, match="the same groups as stats"):
        fairaudit.audit_from_stats(conf, score_stats=other)


def test_a_schema_1_0_file_still_loads():
    text = gzip.decompress((DATA / "audit-schema-1.0.json.gz").read_bytes()).decode("utf-8")
    assert json.loads(text)["schema_version"] == "1.0"
    old = fairaudit.AuditResult.from_json(text)
    assert old.verdict == "inconclusive"
    assert set(old.marginals) == {"sex", "age"}
    assert old.denominators.isna().all().all()
    assert old.config["correction"] == "holm"
    # and it is written again in the current schema
    assert json.loads(old.to_json())["schema_version"] == fairaudit.SCHEMA_VERSION


def test_a_chunk_of_weight_zero_merges_and_the_total_is_checked():
    a = confusion_stats([1, 0], [1, 1], sensitive_features=["x", "y"], sample_weight=[0, 0])
    b = confusion_stats([1, 1], [1, 0], sensitive_features=["x", "y"], sample_weight=[2, 1])
    merged = a.merge(b)
    np.testing.assert_array_equal(merged.n.sum(axis=1), [2, 2])
    assert merged.w.sum() == 3
    with pytest.raises(ValueError, match="sample_weight sums to 0"):
        fairaudit.audit_from_stats(a)


def test_functional_forms_still_refuse_weights_that_sum_to_zero():
    """Only the chunk builders accept an all-zero chunk; a whole data set must have weight."""
    from fairaudit.metrics import demographic_parity_difference, group_confusion_stats

    with pytest.raises(ValueError, match="sample_weight sums to 0"):
        demographic_parity_difference(
            [1, 0], [1, 1], sensitive_features=["x", "y"], sample_weight=[0, 0]
        )
    with pytest.raises(ValueError, match="sample_weight sums to 0"):
        group_confusion_stats([1, 0], [1, 1], sensitive_features=["x", "y"], sample_weight=[0, 0])
