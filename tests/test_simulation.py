"""Tests of fairaudit.simulation against known limits of the policing urn.

Oracles: the Beta limit of the Pólya urn, the lock-in of greedy allocation, the runaway of
a generalised Pólya urn with unequal reinforcement, fixed points solved here with
scipy.optimize.brentq on equations derived independently (docs/case_studies/policing.md),
and Poisson moments of the tallies. Statistical tests state their seed and allow a few
Monte-Carlo standard errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import brentq

from fairaudit.simulation import (
    PolicingParams,
    PolicingResult,
    initial_state,
    policing_step,
    realise_pending,
    reported_fixed_point,
    run_policing,
    simulate_policing,
)
from fairaudit.simulation import _params as P
from fairaudit.simulation._result import ERR_COLUMN, ERR_SINCE, ERR_TALLY
from fairaudit.simulation._simulate import ERR_RANDOM_STATE
from fairaudit.simulation._theory import ERR_NO_FIXED_POINT

LAMBDA_A, LAMBDA_B = 3.685, 2.816  # rates of the case study's reported-incidents example


def tv(a, b):
    return 0.5 * np.abs(np.asarray(a) - np.asarray(b)).sum(axis=-1)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"rates": [1.0]}, ValueError, P.ERR_RATES.format(got="[1.0]")),
        ({"rates": [1.0, -1.0]}, ValueError, P.ERR_RATES.format(got="[1.0, -1.0]")),
        ({"rates": [1.0, np.nan]}, ValueError, P.ERR_RATES.format(got="[1.0, nan]")),
        ({"rates": ["a", "b"]}, TypeError, P.ERR_RATES.format(got="['a', 'b']")),
        (
            {"prior": [1.0, 2.0, 3.0]},
            ValueError,
            P.ERR_PRIOR.format(n_regions=2, got="[1.0, 2.0, 3.0]"),
        ),
        ({"prior": [0.0, 2.0]}, ValueError, P.ERR_PRIOR.format(n_regions=2, got="[0.0, 2.0]")),
        ({"allocation": "random"}, ValueError, P.ERR_ALLOCATION.format(got="random")),
        ({"allocation": "top_k"}, ValueError, P.ERR_K_REQUIRED.format(n_regions=2, got=None)),
        ({"allocation": "top_k", "k": 3}, ValueError, P.ERR_K_REQUIRED.format(n_regions=2, got=3)),
        ({"k": 1}, ValueError, P.ERR_K_UNUSED.format(got=1, allocation="proportional")),
        ({"reported_fraction": 1.5}, ValueError, P.ERR_FRACTION.format(got=1.5)),
        ({"reported_fraction": "half"}, TypeError, P.ERR_FRACTION.format(got="half")),
        ({"correction": "ensign"}, ValueError, P.ERR_CORRECTION.format(got="ensign")),
        (
            {"correction": "reject", "allocation": "greedy"},
            ValueError,
            P.ERR_CORRECTION_ALLOCATION.format(correction="reject", allocation="greedy"),
        ),
        ({"decay": 0.0}, ValueError, P.ERR_DECAY.format(got=0.0)),
        ({"decay": 1.5}, ValueError, P.ERR_DECAY.format(got=1.5)),
        ({"hotspot_k": 3}, ValueError, P.ERR_HOTSPOT_K.format(n_regions=2, got=3)),
        ({"hotspot_k": 1, "hotspot_boost": 2.0}, ValueError, P.ERR_HOTSPOT_BOOST.format(got=2.0)),
        ({"n_steps": 0}, ValueError, P.ERR_POSITIVE_INT.format(name="n_steps", got=0)),
        ({"n_steps": 10.0}, TypeError, P.ERR_POSITIVE_INT.format(name="n_steps", got=10.0)),
        ({"n_runs": -1}, ValueError, P.ERR_POSITIVE_INT.format(name="n_runs", got=-1)),
        ({"record_every": 0}, ValueError, P.ERR_POSITIVE_INT.format(name="record_every", got=0)),
        ({"random_state": "seed"}, TypeError, ERR_RANDOM_STATE.format(got="seed")),
    ],
)
def test_bad_input_raises_clear_error(kwargs, exc, message):
    args = {"rates": [1.0, 1.0], "prior": [5.0, 5.0], "n_steps": 10} | kwargs
    rates = args.pop("rates")
    with pytest.raises(exc) as info:
        simulate_policing(rates, **args)
    assert str(info.value) == message


def test_params_are_frozen_and_inputs_not_mutated():
    rates = np.array([2.0, 1.0])
    prior = np.array([50.0, 50.0])
    params = PolicingParams(rates=rates, prior=prior)
    with pytest.raises(AttributeError):
        params.decay = 0.5  # type: ignore[misc]
    simulate_policing(rates, prior=prior, n_steps=50, n_runs=3, random_state=0)
    np.testing.assert_array_equal(rates, [2.0, 1.0])
    np.testing.assert_array_equal(prior, [50.0, 50.0])
    assert params.rates == (2.0, 1.0)
    assert PolicingParams(rates=[1, 1, 2], prior=3).prior == (3.0, 3.0, 3.0)


def test_fixed_point_function_rejects_zero_reports():
    with pytest.raises(ValueError) as info:
        reported_fixed_point([2, 1], 0.0)
    assert str(info.value) == ERR_NO_FIXED_POINT


# ---------------------------------------------------------------- mechanics
def test_same_seed_same_result_and_recording_does_not_change_dynamics():
    kw = dict(
        prior=[10, 10, 10],
        n_steps=300,
        n_runs=7,
        reported_fraction=0.3,
        correction="reject",
        hotspot_k=0,
    )
    a = simulate_policing([1, 2, 3], random_state=5, record_every=1, **kw)
    b = simulate_policing([1, 2, 3], random_state=5, record_every=100, **kw)
    c = simulate_policing([1, 2, 3], random_state=6, **kw)
    np.testing.assert_array_equal(a.final_shares, b.final_shares)
    np.testing.assert_array_equal(a.tally("recorded")[-1], b.tally("recorded")[-1])
    assert not np.array_equal(a.final_shares, c.final_shares)
    assert a.steps[0] == 0 and a.steps[-1] == 300 and len(a.steps) == 301
    assert list(b.steps) == [0, 100, 200, 300]


def test_step_is_pure_and_state_read_only():
    params = PolicingParams(rates=[1.0, 2.0], prior=[3.0, 4.0], reported_fraction=0.5)
    state = initial_state(params, 4, np.random.default_rng(0))
    before = state.belief.copy()
    new1 = policing_step(params, state, np.random.default_rng(1))
    new2 = policing_step(params, state, np.random.default_rng(1))
    np.testing.assert_array_equal(state.belief, before)
    np.testing.assert_array_equal(new1.belief, new2.belief)
    assert new1.step == 1 and state.step == 0
    with pytest.raises(ValueError):
        new1.belief[0, 0] = 1.0
    done = realise_pending(new1, np.random.default_rng(2))
    assert np.all(done.pending_missed == 0)
    assert np.all(done.incidents >= new1.incidents)


def test_advance_equals_repeated_pure_steps():
    from fairaudit.simulation._state import PENDING, TALLIES, advance

    models = [
        PolicingParams(
            rates=[1, 2, 3],
            prior=[3, 4, 5],
            reported_fraction=0.3,
            correction=correction,
            hotspot_k=1,
            decay=0.99,
        )
        for correction in (None, "weight", "reject", "complement")
    ]
    # ties in the prior exercise the random tie-breaking of greedy and top-k allocation
    models += [
        PolicingParams(rates=[1, 1, 1], prior=2, allocation="greedy", reported_fraction=0.5),
        PolicingParams(rates=[1, 2, 1, 2], prior=2, allocation="top_k", k=2, hotspot_k=3),
    ]
    for params in models:
        start = initial_state(params, 5, np.random.default_rng(0))
        fast = advance(params, start, 40, np.random.default_rng(1))
        rng, slow = np.random.default_rng(1), start
        for _ in range(40):
            slow = policing_step(params, slow, rng)
        for name in (*TALLIES, *PENDING, "belief", "allocation"):
            np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=1e-12)
        assert np.all(start.patrols == 0)


def test_history_is_tidy_and_bounded():
    res = simulate_policing([1, 2, 3], prior=5, n_steps=10_000, n_runs=4, random_state=0)
    assert len(res.steps) <= 202  # default: about 200 records, not one per step
    hist = res.history()
    assert list(hist.columns[:3]) == ["run", "step", "region"]
    assert len(hist) == 4 * len(res.steps) * 3
    sums = hist.groupby(["run", "step"])["allocation_share"].sum()
    np.testing.assert_allclose(sums, 1.0)
    first = hist[hist["step"] == 0]
    assert first["recorded_share"].isna().all() and first["flagged_fraction"].isna().all()
    last = hist[hist["step"] == 10_000].sort_values(["run", "region"])
    np.testing.assert_array_equal(
        last["allocation_share"].to_numpy().reshape(4, 3), res.final_shares
    )
    np.testing.assert_allclose(hist["true_share"].to_numpy()[:3], [1 / 6, 2 / 6, 3 / 6])
    # interval recorded shares recomputed here from the cumulative tallies
    rec = res.tally("recorded")
    j = 5
    expect = (rec[j] - rec[j - 1]) / (rec[j] - rec[j - 1]).sum(axis=1, keepdims=True)
    got = hist[hist["step"] == res.steps[j]].sort_values(["run", "region"])
    np.testing.assert_allclose(got["recorded_share"].to_numpy().reshape(4, 3), expect)
    spread = res.spread()
    means = hist.groupby(["step", "region"])["allocation_share"].mean()
    np.testing.assert_allclose(spread["mean"].to_numpy(), means.to_numpy())
    assert list(spread.columns) == ["mean", 0.05, 0.25, 0.5, 0.75, 0.95]
    with pytest.raises(ValueError) as info:
        res.spread("nonsense")
    assert str(info.value).startswith(ERR_COLUMN.split("{")[0])
    with pytest.raises(ValueError) as info:
        res.tally("arrests")
    assert str(info.value) == ERR_TALLY.format(
        names=sorted(
            ["patrols", "reported", "discovered", "recorded", "hotspot", "incidents", "flagged"]
        ),
        got="arrests",
    )
    with pytest.raises(ValueError):
        res.allocation[0, 0, 0] = 0.5  # the result is read-only
    with pytest.raises(ValueError) as info:
        res.confirmation(since=20_000)
    assert str(info.value) == ERR_SINCE.format(n_steps=10_000, got=20_000)


def test_tallies_have_poisson_moments():
    # True incidents are Poisson(rate * n_steps) per region even though most of them are
    # drawn lazily in batches; reported incidents are Poisson(r * rate * n_steps);
    # discovered-before-correction have mean (1 - r) * rate * cumulative patrols.
    rates = np.array([1.5, 0.5, 1.0])
    n_steps, n_runs, r = 400, 600, 0.3
    res = simulate_policing(
        rates,
        prior=4,
        n_steps=n_steps,
        n_runs=n_runs,
        reported_fraction=r,
        correction="reject",
        record_every=37,
        random_state=11,
    )
    inc = res.tally("incidents")[-1]
    mean = rates * n_steps
    se = np.sqrt(mean / n_runs)
    assert np.all(np.abs(inc.mean(axis=0) - mean) < 4 * se)
    # variance of a Poisson count equals its mean (dispersion within ~4 SE of var estimate)
    assert np.all(np.abs(inc.var(axis=0, ddof=1) / mean - 1) < 4 * np.sqrt(2 / n_runs))
    rep = res.tally("reported")[-1]
    assert np.all(np.abs(rep.mean(axis=0) - r * mean) < 4 * np.sqrt(r * mean / n_runs))
    disc = res.tally("discovered")[-1]
    expect = (1 - r) * rates * res.tally("patrols")[-1]
    resid = (disc - expect).sum(axis=0)
    assert np.all(np.abs(resid) < 4 * np.sqrt(expect.sum(axis=0)))
    # bookkeeping: nothing recorded that did not happen; kept <= discovered
    assert np.all(res.tally("recorded")[-1] <= inc)
    assert np.all(res.tally("recorded")[-1] - rep <= disc)
    np.testing.assert_allclose(res.tally("patrols")[-1].sum(axis=1), n_steps)


def test_decay_with_full_reporting_matches_closed_form():
    # r = 1: records do not depend on patrols, belief_t = d^t prior + sum_s d^s Poisson(l)
    rates, d, t, n_runs = np.array([2.0, 0.5]), 0.98, 300, 800
    res = simulate_policing(
        rates,
        prior=[10, 30],
        n_steps=t,
        n_runs=n_runs,
        reported_fraction=1.0,
        decay=d,
        random_state=3,
    )
    mean = d**t * np.array([10, 30]) + rates * (1 - d**t) / (1 - d)
    sd = np.sqrt(rates * (1 - d ** (2 * t)) / (1 - d**2))
    assert np.all(np.abs(res.final_belief.mean(axis=0) - mean) < 4 * sd / np.sqrt(n_runs))


# ---------------------------------------------------------------- known limits
def test_equal_rates_proportional_converges_to_beta_55_45():
    n_runs = 1500
    # about 8000 incidents are recorded per run: the sd is within 0.5% of the limit's,
    # since after n additions it is the Beta sd times sqrt(n / (n + 100))
    res = simulate_policing(
        [1.0, 1.0], prior=[55, 45], n_steps=8000, n_runs=n_runs, random_state=20261126
    )
    share = res.final_shares[:, 0]
    beta = stats.beta(55, 45)
    assert abs(share.mean() - 0.55) < 4 * beta.std() / np.sqrt(n_runs)
    assert abs(share.mean() - 0.5) > 10 * beta.std() / np.sqrt(n_runs)  # not the truth
    # spread: sd of the sample sd is about sd * sqrt((kurtosis - 1) / (4 n))
    kurt = beta.stats(moments="k") + 3
    se_sd = beta.std() * np.sqrt((kurt - 1) / (4 * n_runs))
    assert abs(share.std(ddof=1) - beta.std()) < 4 * se_sd
    assert stats.kstest(share, beta.cdf).pvalue > 0.001


def test_greedy_locks_in_initial_leader():
    res = simulate_policing(
        [1.0, 1.0], prior=[55, 45], n_steps=2000, n_runs=50, allocation="greedy", random_state=1
    )
    np.testing.assert_array_equal(res.final_shares, np.tile([1.0, 0.0], (50, 1)))
    assert np.all(res.tally("patrols")[-1][:, 1] == 0)
    assert np.all(res.final_belief[:, 1] == 45)  # never patrolled, nothing ever recorded
    # even when the trailing region has twice the true rate
    res = simulate_policing(
        [1.0, 2.0], prior=[55, 45], n_steps=2000, n_runs=50, allocation="greedy", random_state=2
    )
    np.testing.assert_array_equal(res.final_shares[:, 0], 1.0)
    # a tie is broken at random: one region takes everything, each in some runs
    res = simulate_policing(
        [1.0, 1.0], prior=[50, 50], n_steps=500, n_runs=200, allocation="greedy", random_state=3
    )
    assert np.all(res.top_share == 1.0)
    wins = res.final_shares[:, 0].mean()
    assert abs(wins - 0.5) < 4 * np.sqrt(0.25 / 200)


def test_top_k_patrols_only_the_initial_top_regions():
    res = simulate_policing(
        [1, 1, 1, 1],
        prior=[40, 30, 20, 10],
        n_steps=1000,
        n_runs=20,
        allocation="top_k",
        k=2,
        random_state=4,
    )
    np.testing.assert_array_equal(res.final_shares, np.tile([0.5, 0.5, 0, 0], (20, 1)))
    np.testing.assert_array_equal(res.final_belief[:, 2:], np.tile([20, 10], (20, 1)))


def test_two_to_one_rates_run_away():
    res = simulate_policing([2.0, 1.0], prior=[50, 50], n_steps=10_000, n_runs=200, random_state=7)
    share = res.final_shares[:, 0]
    assert np.mean(share > 0.9) > 0.9
    assert share.mean() > 2 / 3 + 0.2  # far from the true share
    # the model's own records agree with it: it looks calibrated on data it generated
    summary = res.summary()
    np.testing.assert_allclose(summary["tv_to_true"], tv(res.final_shares, [2 / 3, 1 / 3]))
    # (records of the second half lag the still-rising share a little: about 0.02)
    assert summary["tv_to_recorded"].median() < 0.05
    assert summary["tv_to_true"].median() > 0.25
    assert np.mean(summary["tv_to_recorded"] < summary["tv_to_true"] / 5) > 0.9


# Rates are scaled up (8:4, and 4, 8, ..., 20) so that each run records about 20 000
# incidents in a few thousand steps; the limits depend only on the rate ratios.
RATES_5 = 4.0 * np.arange(1, 6)


@pytest.fixture(scope="module")
def corrected_5():
    return simulate_policing(
        RATES_5, prior=20, n_steps=5000, n_runs=100, correction="reject", random_state=9
    )


@pytest.mark.parametrize("correction", ["reject", "weight"])
def test_correction_recovers_true_shares_two_regions(correction):
    res = simulate_policing(
        [8.0, 4.0], prior=[50, 50], n_steps=5000, n_runs=200, correction=correction, random_state=8
    )
    assert abs(res.final_shares[:, 0].mean() - 2 / 3) < 0.005
    # and each run is close, not only the mean
    assert np.quantile(np.abs(res.final_shares[:, 0] - 2 / 3), 0.95) < 0.015


def test_reject_correction_recovers_true_shares_five_regions(corrected_5):
    res5 = corrected_5
    assert res5.tv_distance.mean() < 0.02
    assert np.quantile(res5.tv_distance, 0.95) < 0.02
    np.testing.assert_allclose(res5.tv_distance, tv(res5.final_shares, RATES_5 / RATES_5.sum()))


def test_weight_correction_recovers_true_shares_five_regions():
    res5 = simulate_policing(
        RATES_5, prior=20, n_steps=5000, n_runs=100, correction="weight", random_state=10
    )
    assert res5.tv_distance.mean() < 0.02
    assert np.quantile(res5.tv_distance, 0.95) < 0.02


def test_complement_correction_works_for_two_regions_only(corrected_5):
    res = simulate_policing(
        [8.0, 4.0],
        prior=[50, 50],
        n_steps=5000,
        n_runs=200,
        correction="complement",
        random_state=8,
    )
    assert abs(res.final_shares[:, 0].mean() - 2 / 3) < 0.005
    naive = simulate_policing(
        RATES_5, prior=20, n_steps=5000, n_runs=100, correction="complement", random_state=9
    )
    assert naive.tv_distance.min() > 0.1
    assert corrected_5.tv_distance.max() < 0.03
    # the naive form over-patrols the highest-rate region (true share 1/3)
    assert naive.final_shares[:, 4].mean() > 1 / 3 + 0.1


def _two_region_fixed_point(la, lb, r):
    """Root in (0, 1) of s * D(s) = la * (r + (1 - r) s), D(s) the expected records."""

    def f(s):
        records = la * (r + (1 - r) * s) + lb * (r + (1 - r) * (1 - s))
        return s * records - la * (r + (1 - r) * s)

    return brentq(f, 1e-12, 1 - 1e-12, xtol=1e-15)


def test_reported_fraction_settles_at_derived_fixed_point():
    r = 0.5
    s_star = _two_region_fixed_point(LAMBDA_A, LAMBDA_B, r)
    true_share = LAMBDA_A / (LAMBDA_A + LAMBDA_B)
    assert true_share + 0.02 < s_star < 1
    # the same point from the closed-form quadratic (l_a - l_b) s^2 + 2 l_b s - l_a = 0
    d = LAMBDA_A - LAMBDA_B
    assert s_star == pytest.approx(
        (-2 * LAMBDA_B + np.sqrt(4 * LAMBDA_B**2 + 4 * d * LAMBDA_A)) / (2 * d), abs=1e-12
    )
    np.testing.assert_allclose(reported_fixed_point([LAMBDA_A, LAMBDA_B], r)[0], s_star, atol=1e-10)
    # a small prior is forgotten fast: the deviation from s* shrinks like t^-0.68 here
    n_runs = 200
    res = simulate_policing(
        [LAMBDA_A, LAMBDA_B],
        prior=[1, 1],
        n_steps=10_000,
        n_runs=n_runs,
        reported_fraction=r,
        random_state=12,
    )
    share = res.final_shares[:, 0]
    se = share.std(ddof=1) / np.sqrt(n_runs)
    assert abs(share.mean() - s_star) < 4 * se
    assert share.mean() > true_share + 50 * se
    assert share.max() < 0.7


def test_reported_fixed_point_solves_its_equation_for_more_regions():
    rates, r = np.array([1.0, 2.5, 4.0]), 0.3
    s = reported_fixed_point(rates, r)
    records = rates * (r + (1 - r) * s)
    np.testing.assert_allclose(s, records / records.sum(), atol=1e-12)
    np.testing.assert_allclose(reported_fixed_point(rates, 1.0), rates / rates.sum())


def test_hotspot_flagged_region_settles_at_derived_fixed_point():
    # K = 2, equal rates, reports r = 0.5, one hotspot with boost 1: while region 0 is
    # flagged it records r + (1 - r) s + (1 - r)(1 - s) per unit rate, region 1 records
    # r + (1 - r)(1 - s); the share settles where s equals region 0's share of records.
    r, boost = 0.5, 1.0

    def f(s):
        a = r + (1 - r) * s + boost * (1 - r) * (1 - s)
        b = r + (1 - r) * (1 - s)
        return s * (a + b) - a

    s_star = brentq(f, 0.5, 1.0, xtol=1e-15)
    assert s_star == pytest.approx(2 - np.sqrt(2), abs=1e-12)
    n_steps, n_runs = 10_000, 200
    res = simulate_policing(
        [1.0, 1.0],
        prior=[1, 1],
        n_steps=n_steps,
        n_runs=n_runs,
        reported_fraction=r,
        hotspot_k=1,
        hotspot_boost=boost,
        random_state=13,
    )
    flagged = res.tally("flagged")[-1]
    # whichever region took the flag early keeps it (the flag confirms itself)
    top = flagged.argmax(axis=1)
    late = res.tally("flagged")[-1] - res.tally("flagged")[len(res.steps) // 2]
    assert np.mean(late[np.arange(n_runs), top] == n_steps - res.steps[len(res.steps) // 2]) > 0.95
    share = res.final_shares[np.arange(n_runs), top]
    se = share.std(ddof=1) / np.sqrt(n_runs)
    assert abs(share.mean() - s_star) < 4 * se + 1e-3
    # the flagged region's recorded share stays above its true share (0.5)
    conf = res.confirmation()[np.arange(n_runs), top]
    assert conf.mean() > 0.5 + 0.04


def test_run_policing_matches_simulate_policing():
    params = PolicingParams(rates=[1.0, 2.0], prior=[5.0, 5.0], reported_fraction=0.2)
    a = run_policing(params, n_steps=100, n_runs=3, random_state=np.random.default_rng(4))
    b = simulate_policing(
        [1.0, 2.0], prior=[5.0, 5.0], reported_fraction=0.2, n_steps=100, n_runs=3, random_state=4
    )
    assert isinstance(a, PolicingResult)
    np.testing.assert_array_equal(a.final_shares, b.final_shares)
    assert isinstance(a.summary(), pd.DataFrame) and len(a.summary()) == 3


# ---------------------------------------------------------------- invariants
@st.composite
def models(draw):
    k = draw(st.integers(2, 5))
    rates = draw(st.lists(st.floats(0.05, 5.0), min_size=k, max_size=k))
    prior = draw(st.lists(st.floats(0.1, 50.0), min_size=k, max_size=k))
    allocation = draw(st.sampled_from(["proportional", "greedy", "top_k"]))
    kw = {"allocation": allocation}
    if allocation == "top_k":
        kw["k"] = draw(st.integers(1, k))
    if allocation == "proportional":
        kw["correction"] = draw(st.sampled_from([None, "reject", "weight", "complement"]))
    kw["reported_fraction"] = draw(st.sampled_from([0.0, 0.3, 1.0]))
    kw["decay"] = draw(st.sampled_from([1.0, 0.9]))
    kw["hotspot_k"] = draw(st.integers(0, k))
    kw["hotspot_boost"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return rates, prior, kw


@settings(max_examples=40, deadline=None)
@given(models(), st.integers(1, 60), st.integers(1, 4), st.integers(0, 2**31))
def test_invariants_hold_for_any_model(model, n_steps, n_runs, seed):
    rates, prior, kw = model
    res = simulate_policing(
        rates, prior=prior, n_steps=n_steps, n_runs=n_runs, record_every=7, random_state=seed, **kw
    )
    alloc = res.allocation
    assert np.all(alloc >= 0)
    np.testing.assert_allclose(alloc.sum(axis=-1), 1.0)
    if kw["allocation"] != "proportional":
        top = 1 if kw["allocation"] == "greedy" else kw["k"]
        assert np.all(np.isin(np.round(alloc * top, 12), [0.0, 1.0]))
    names = ["patrols", "reported", "discovered", "recorded", "hotspot", "incidents", "flagged"]
    for name in names:
        tally = res.tally(name)
        assert np.all(np.diff(tally, axis=0) >= -1e-9), name  # cumulative
        assert np.all(tally[0] == 0)
    final = {name: res.tally(name)[-1] for name in names}
    np.testing.assert_allclose(final["patrols"].sum(axis=1), n_steps)
    assert np.all(
        final["recorded"] <= final["reported"] + final["discovered"] + final["hotspot"] + 1e-9
    )
    assert np.all(
        final["reported"] + final["discovered"] + final["hotspot"] <= final["incidents"] + 1e-9
    )
    assert np.all(final["flagged"].sum(axis=1) == n_steps * kw["hotspot_k"])
    expect = np.asarray(prior) * kw["decay"] ** n_steps
    assert np.all(res.final_belief >= expect - 1e-9)
    if kw["decay"] == 1.0:
        np.testing.assert_allclose(res.final_belief, np.asarray(prior) + final["recorded"])


def test_random_state_forms_are_reproducible():
    kw = dict(prior=[5, 5], n_steps=50, n_runs=3)
    a = simulate_policing([1, 2], random_state=np.random.RandomState(3), **kw)
    b = simulate_policing([1, 2], random_state=np.random.RandomState(3), **kw)
    np.testing.assert_array_equal(a.final_shares, b.final_shares)
    c = simulate_policing([1, 2], random_state=np.int64(4), **kw)
    d = simulate_policing([1, 2], random_state=4, **kw)
    np.testing.assert_array_equal(c.final_shares, d.final_shares)
