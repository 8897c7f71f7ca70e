"""The vectorised Fisher exact test against scipy.stats.fisher_exact, table by table."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact

import fairaudit
from fairaudit.metrics._significance import fisher_exact_pvalues, two_proportion_pvalues


def _scipy(tables: np.ndarray) -> np.ndarray:
    return np.array([fisher_exact([[t[0], t[1]], [t[2], t[3]]]).pvalue for t in tables])


def _check(tables: np.ndarray) -> None:
    ours = fisher_exact_pvalues(tables[:, 0], tables[:, 1], tables[:, 2], tables[:, 3])
    np.testing.assert_allclose(ours, _scipy(tables), rtol=1e-9, atol=1e-300)


small = st.integers(0, 40)
large = st.integers(0, 2_000_000)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(small, small, small, small), min_size=1, max_size=30))
def test_small_tables_match_scipy(rows):
    _check(np.array(rows, dtype=np.int64))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 50), st.integers(0, 30), large),
        min_size=1,
        max_size=10,
    )
)
def test_tables_with_large_margins_match_scipy(rows):
    """A small group against a large reference (one large cell), as in the audit."""
    _check(np.array(rows, dtype=np.int64))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000)
        ),
        min_size=1,
        max_size=4,
    )
)
def test_tables_with_long_supports_match_scipy(rows):
    """Supports of thousands of tables (and beyond 4096 points, handed to scipy)."""
    _check(np.array(rows, dtype=np.int64))


def test_ties_and_edge_tables():
    """Symmetric tables (exact ties on both sides), empty rows and columns, the mode."""
    tables = np.array(
        [
            [0, 5001, 2, 4999],
            [3, 0, 0, 3],
            [1, 1, 1, 1],
            [0, 0, 1, 2],
            [0, 3, 0, 9],
            [5, 5, 5, 5],
            [1, 7, 6, 3],
            [0, 10, 10, 0],
            [2, 998, 1, 999_999],
            [0, 3, 500, 500],
        ]
    )
    _check(tables)


def test_audit_uses_fisher_for_small_counts_of_many_groups():
    """p-values of 2000 small groups against the reference equal scipy's one by one."""
    rng = np.random.default_rng(4)
    g = np.r_[np.repeat(np.arange(2000), 6), np.full(3000, 2000)]
    pred = (rng.random(len(g)) < 0.1).astype(int)
    res = fairaudit.audit(
        pred,
        pred,
        sensitive_features=g,
        reference_group=2000,
        metrics=["selection_rate"],
        n_bootstrap=0,
    )
    tr = res.to_reference.query("metric == 'selection_rate'")
    k = np.bincount(g, weights=pred)
    n = np.bincount(g)
    tables = np.stack(
        [k[:2000], n[:2000] - k[:2000], np.full(2000, k[2000]), np.full(2000, n[2000] - k[2000])],
        axis=1,
    ).astype(np.int64)
    np.testing.assert_allclose(tr["p_value"].to_numpy(), _scipy(tables), rtol=1e-9)


def test_z_test_where_expected_counts_are_large():
    p = two_proportion_pvalues(
        np.array([40.0, 1.0]), np.array([100.0, 8.0]), 25.0, 100.0, exact=True
    )
    # the second table has an expected count below 5: Fisher's test
    assert abs(p[1] - fisher_exact([[1, 7], [25, 75]]).pvalue) < 1e-12
