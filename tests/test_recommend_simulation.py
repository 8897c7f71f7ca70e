"""Tests of the recommender feedback-loop simulation (fairaudit.simulation).

Oracles: the Dirichlet-multinomial law of the Pólya urn (scipy.stats), naive Python
re-implementations of the slate builders and measures, scikit-learn's Ridge for each ALS
half-step, and the qualitative findings of Chaney, Stewart & Engelhardt (2018) with
seeded tolerances of a few Monte-Carlo standard errors (runs are paired: every
recommender meets the same worlds).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.linear_model import Ridge

from fairaudit.simulation import (
    RecommendationParams,
    RecommendationResult,
    initial_recommendation_state,
    make_world,
    polya_share_moments,
    recommendation_step,
    simulate_recommendation,
)
from fairaudit.simulation import _recommend_params as RPm
from fairaudit.simulation._als import als_loss, als_sweep
from fairaudit.simulation._recommend_measures import (
    gini,
    mean_jaccard,
    pack,
    pair_intersections,
    top_share,
)
from fairaudit.simulation._recommend_result import ERR_NOT_PAIRED
from fairaudit.simulation._recommend_slate import (
    explore_slate,
    first_available,
    random_items,
    top_k,
)
from fairaudit.simulation._recommend_state import Stepper, _writable

SMALL = dict(n_users=200, n_items=150, n_steps=40)
N_RUNS = 8
SEED = 3


def params(recommender, **kw):
    return RecommendationParams(recommender, **{**SMALL, **kw})


@pytest.fixture(scope="module")
def sims():
    """The four recommenders and an exploration grid, all in the same 8 worlds."""
    out = {
        rec: simulate_recommendation(params(rec), n_runs=N_RUNS, random_state=SEED)
        for rec in ("ideal", "popularity", "mf", "random")
    }
    for rec, eps in itertools.product(("popularity", "mf"), (0.1, 0.3, 0.6)):
        out[(rec, eps)] = simulate_recommendation(
            params(rec, exploration=eps), n_runs=N_RUNS, random_state=SEED
        )
    return out


def final_relative(res, ideal, column):
    rel = res.relative_to(ideal)
    return rel[rel.step == res.steps[-1]][column].to_numpy()


def some_consumed(rng, shape, free):
    """Random consumed sets (30% of items) that leave the first ``free`` items free."""
    consumed = rng.random(shape) < 0.3
    consumed[..., :free] = False
    return consumed


def mean_se(x):
    x = np.asarray(x, dtype=float)
    return x.mean(), x.std(ddof=1) / np.sqrt(x.size)


# --------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        (dict(recommender="svd"), ValueError, RPm.ERR_RECOMMENDER.format(got="svd")),
        (dict(recommender="mf", choice="x"), ValueError, RPm.ERR_CHOICE.format(got="x")),
        (
            dict(recommender="mf", exploration=1.5),
            ValueError,
            RPm.ERR_PROBABILITY.format(name="exploration", got=1.5),
        ),
        (
            dict(recommender="mf", slate_size=0),
            ValueError,
            RPm.ERR_SLATE.format(n_items=500, got=0),
        ),
        (
            dict(recommender="mf", n_items=50),
            ValueError,
            RPm.ERR_CATALOGUE.format(n_items=50, need=110),
        ),
        (
            dict(recommender="mf", choice="counts"),
            ValueError,
            RPm.ERR_COUNTS.format(recommender="mf", exploration=0.0, repeats=False, warmup=10),
        ),
        (
            dict(recommender="mf", warmup=101),
            ValueError,
            RPm.ERR_WARMUP.format(n_steps=100, got=101),
        ),
        (dict(recommender="mf", warmup=0), ValueError, RPm.ERR_MF_WARMUP),
        (
            dict(recommender="mf", position_decay="1"),
            TypeError,
            RPm.ERR_NONNEGATIVE.format(name="position_decay", got="1"),
        ),
        (
            dict(recommender="mf", minority_topics=20),
            ValueError,
            RPm.ERR_MINORITY_TOPICS.format(most=19, got=20),
        ),
    ],
)
def test_bad_input_raises_clear_error(kwargs, exc, message):
    with pytest.raises(exc) as err:
        RecommendationParams(**kwargs)
    assert str(err.value) == message


def test_driver_refuses_bad_arguments():
    with pytest.raises(TypeError, match="params must be a RecommendationParams"):
        simulate_recommendation({"recommender": "mf"}, n_runs=1)
    with pytest.raises(ValueError, match="n_runs must be a positive integer"):
        simulate_recommendation(params("ideal"), n_runs=0)


def test_relative_to_refuses_other_worlds(sims):
    other = simulate_recommendation(params("ideal"), n_runs=N_RUNS, random_state=SEED + 1)
    with pytest.raises(ValueError) as err:
        sims["mf"].relative_to(other)
    assert str(err.value) == ERR_NOT_PAIRED.format(reason="the worlds differ (another seed)")
    with pytest.raises(ValueError, match="the params differ"):
        sims["mf"].relative_to(
            simulate_recommendation(
                params("ideal", position_decay=1.0), n_runs=N_RUNS, random_state=SEED
            )
        )


# ---------------------------------------------------------------- reproducibility
def test_same_seed_same_result_and_runs_do_not_depend_on_chunks():
    p = params("mf", exploration=0.2, n_steps=15)
    a = simulate_recommendation(p, n_runs=3, random_state=11, chunk_size=1)
    b = simulate_recommendation(p, n_runs=3, random_state=11, chunk_size=3)
    c = simulate_recommendation(p, n_runs=3, random_state=11, record_every=7)
    for name in ("jaccard_random", "gini", "mean_utility", "minority_exposure"):
        np.testing.assert_array_equal(a.measure(name), b.measure(name))
        np.testing.assert_array_equal(a.final(name), c.final(name))
    np.testing.assert_array_equal(a.final_counts, b.final_counts)
    np.testing.assert_array_equal(c.steps, [0, 7, 14, 15])


def test_pure_steps_equal_the_driver_and_leave_the_state_alone():
    p = params("popularity", exploration=0.3, n_steps=6, warmup=2)
    children = np.random.default_rng(5).spawn(2)
    pairs = [c.spawn(2) for c in children]
    world = make_world(p, [w for w, _ in pairs])
    rngs = [d for _, d in pairs]
    state = initial_recommendation_state(p, world, rngs)
    for _ in range(p.n_steps):
        before = state.counts.copy()
        new = recommendation_step(p, world, state, rngs)
        np.testing.assert_array_equal(state.counts, before)
        with pytest.raises(ValueError):
            new.counts[0, 0] = 1.0
        state = new
    res = simulate_recommendation(p, n_runs=2, random_state=5)
    np.testing.assert_array_equal(res.final_counts, state.counts)
    assert state.counts.sum() == p.n_users * p.n_steps * 2
    assert np.all(state.sizes == p.n_steps)  # one new item per user and step


def test_history_is_tidy(sims):
    res = sims["mf"]
    hist = res.history()
    assert len(hist) == N_RUNS * len(res.steps)
    assert list(hist.columns[:2]) == ["run", "step"]
    assert hist.loc[hist.step == 0, "gini"].isna().all()  # nothing consumed yet
    spread = res.spread("gini")
    assert list(spread.columns[:2]) == ["mean", "se"]
    np.testing.assert_allclose(spread["mean"].iloc[-1], res.final("gini").mean())
    assert isinstance(res, RecommendationResult) and "mf" in repr(res)


# -------------------------------------------------------------- building blocks
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.booleans())
def test_random_items_are_distinct_admissible_and_restore_consumed(seed, k, exclude):
    rng = np.random.default_rng(seed)
    n_runs, n_users, n_items = 2, 7, 3 * k + 8
    # leaves room for the excluded and the drawn items
    consumed = some_consumed(rng, (n_runs, n_users, n_items), 2 * k)
    saved = consumed.copy()
    ex = None
    if exclude:
        ex = np.broadcast_to(np.arange(k), (n_runs, n_users, k)).copy()
    rngs = [np.random.default_rng(seed + r) for r in range(n_runs)]
    out = random_items(consumed, ex, k, n_items, (n_runs, n_users), rngs)
    np.testing.assert_array_equal(consumed, saved)
    for r, u in itertools.product(range(n_runs), range(n_users)):
        items = out[r, u]
        assert len(set(items)) == k
        assert not consumed[r, u, items].any()
        if exclude:
            assert not set(items) & set(range(k))


def test_random_items_are_uniform_over_admissible_items():
    """Chi-square against the uniform law on the admissible items (the oracle)."""
    n_users, n_items, k = 20_000, 8, 3
    consumed = np.zeros((1, n_users, n_items), dtype=bool)
    consumed[..., 0] = True
    ex = np.full((1, n_users, 1), 1)
    out = random_items(consumed, ex, k, n_items, (1, n_users), [np.random.default_rng(0)])
    counts = np.bincount(out.reshape(-1), minlength=n_items)
    assert counts[0] == counts[1] == 0
    assert stats.chisquare(counts[2:]).pvalue > 1e-3
    first = np.bincount(out[0, :, 0], minlength=n_items)[2:]  # the order is uniform too
    assert stats.chisquare(first).pvalue > 1e-3


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6))
def test_top_k_and_first_available_match_naive_ranking(seed, k):
    rng = np.random.default_rng(seed)
    scores = rng.integers(-3, 4, size=(2, 5, 12)).astype(np.float32)  # many ties
    scores[0, 0, :3] = -np.inf
    expect = np.argsort(-scores, axis=2, kind="stable")[..., :k]
    np.testing.assert_array_equal(top_k(scores, k), expect)
    order = np.argsort(-scores, axis=2, kind="stable")
    consumed = rng.random(scores.shape) < 0.3
    taken = np.take_along_axis(consumed, order, axis=2)
    got = first_available(order, taken, k, 5) if (~taken).sum(axis=2).min() >= k else None
    if got is not None:
        for r, u in itertools.product(range(2), range(5)):
            naive = [i for i in order[r, u] if not consumed[r, u, i]][:k]
            assert list(got[r, u]) == naive


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(1, 12),
    st.sampled_from([60, 100, 150, 300]),
    st.sampled_from(["normal", "integers", "zeros", "near ties"]),
)
def test_two_stage_top_k_is_a_stable_sort(seed, k, n_items, kind):
    """Widths that split into blocks take the two-stage path; the oracle is a stable sort
    of the penalised scores (ties to the lower item), with many exact and near ties."""
    rng = np.random.default_rng(seed)
    shape = (2, 9, n_items)
    if kind == "normal":
        scores = rng.standard_normal(shape)
    elif kind == "integers":
        scores = rng.integers(-2, 3, size=shape)
    elif kind == "zeros":  # items nobody chose have factor 0 and score exactly 0
        scores = np.where(rng.random(shape) < 0.6, 0.0, rng.standard_normal(shape))
    else:  # equal in their high bits: the int32 selection alone cannot order them
        scores = 1.0 + rng.integers(0, 50, size=shape) * 2.0**-22
    scores = scores.astype(np.float32)
    scores[rng.random(shape) < 0.3] = -np.inf  # consumed
    scores[..., :k] = np.maximum(scores[..., :k], -1.0)  # at least k finite per row
    expect = np.argsort(-scores, axis=2, kind="stable")[..., :k]
    kept = scores.copy()
    np.testing.assert_array_equal(top_k(scores, k), expect)
    np.testing.assert_array_equal(scores, kept)
    np.testing.assert_array_equal(top_k(scores, k, overwrite=True), expect)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 8), st.booleans())
def test_explored_slots_are_distinct_admissible_and_restore_consumed(seed, k, repeats):
    rng = np.random.default_rng(seed)
    n_runs, n_users, n_items = 3, 11, 2 * k + 6
    consumed = some_consumed(rng, (n_runs, n_users, n_items), 2 * k)
    slate = np.broadcast_to(rng.permutation(2 * k)[:k], (n_runs, n_users, k)).copy()
    explore = rng.random((n_runs, n_users, k)) < 0.5
    saved = consumed.copy()
    rngs = [np.random.default_rng(seed + r) for r in range(n_runs)]
    out = explore_slate(slate, explore, None if repeats else consumed, n_items, rngs)
    np.testing.assert_array_equal(consumed, saved)
    np.testing.assert_array_equal(out[~explore], slate[~explore])  # the rest is kept
    for r, u in itertools.product(range(n_runs), range(n_users)):
        row, shown = out[r, u], set(slate[r, u])
        assert len(set(row)) == k
        for j in np.flatnonzero(explore[r, u]):
            assert row[j] not in shown
            assert repeats or not consumed[r, u, row[j]]


def test_explored_slots_are_a_uniform_ordered_sample():
    """Chi-square against the uniform law: each explored item, and the ordered pair in two
    explored slots of the same user, is uniform over the admissible items."""
    n_users, n_items, k = 30_000, 14, 4
    consumed = np.zeros((1, n_users, n_items), dtype=bool)
    consumed[..., :3] = True  # items 0-2 consumed, 3-6 on the slate: 7 admissible
    slate = np.broadcast_to(np.arange(3, 3 + k), (1, n_users, k)).copy()
    explore = np.zeros((1, n_users, k), dtype=bool)
    explore[..., 1:3] = True
    out = explore_slate(slate, explore, consumed, n_items, [np.random.default_rng(0)])
    admissible = np.arange(7, n_items)
    for j in (1, 2):
        counts = np.bincount(out[0, :, j], minlength=n_items)
        assert counts[:7].sum() == 0
        assert stats.chisquare(counts[admissible]).pvalue > 1e-3
    pairs = out[0, :, 1] * n_items + out[0, :, 2]
    counts = np.bincount(pairs, minlength=n_items**2).reshape(n_items, n_items)
    sub = counts[np.ix_(admissible, admissible)]
    assert np.trace(sub) == 0  # never the same item twice
    assert stats.chisquare(sub[~np.eye(7, dtype=bool)]).pvalue > 1e-3


def test_explored_slots_keep_the_recommendation_when_nothing_is_left():
    """One admissible item and three explored slots: one slot gets it, two keep theirs."""
    consumed = np.zeros((1, 5, 8), dtype=bool)
    consumed[..., :4] = True
    slate = np.broadcast_to(np.arange(4, 7), (1, 5, 3)).copy()
    explore = np.ones((1, 5, 3), dtype=bool)
    out = explore_slate(slate, explore, consumed, 8, [np.random.default_rng(1)])
    assert np.all((out == 7).sum(axis=2) == 1)
    assert np.all(np.sort(out, axis=2)[..., :2] >= 4)


@pytest.mark.parametrize("repeats", [False, True])
def test_pair_intersections_kept_by_the_step_equal_a_recount(repeats):
    """The step updates |C_u & C_v| from the choices alone; the oracle recounts the sets.
    A small catalogue makes partners choose the same item in the same step often."""
    p = RecommendationParams(
        "popularity", n_users=30, n_items=25, n_steps=12, slate_size=3,
        allow_repeats=repeats, warmup=2, exploration=0.2,
    )  # fmt: skip
    children = np.random.default_rng(4).spawn(2)
    pairs = [c.spawn(2) for c in children]
    world = make_world(p, [w for w, _ in pairs])
    rngs = [d for _, d in pairs]
    stepper = Stepper(p, world)
    s = _writable(initial_recommendation_state(p, world, rngs))
    s["_inter"] = np.zeros((2, 2, p.n_users), dtype=np.int64)
    for t in range(p.n_steps):
        stepper.step(s, t, rngs)
        packed = pack(s["consumed"])
        for inter, partner in zip(s["_inter"], world.partners, strict=True):
            np.testing.assert_array_equal(inter, pair_intersections(packed, partner))
    assert s["_inter"].max() > 1


def test_als_half_steps_are_ridge_regressions_and_lower_the_loss():
    rng = np.random.default_rng(0)
    p = (rng.random((2, 30, 20)) < 0.3).astype(np.float32)
    users = rng.standard_normal((2, 30, 4)).astype(np.float32)
    items = np.zeros((2, 20, 4), dtype=np.float32)
    new_users, new_items = als_sweep(p, users, items, 1.5)
    # item factors: a ridge regression of each item's column on the user factors
    ridge = Ridge(alpha=1.5, fit_intercept=False).fit(users[0], p[0])
    np.testing.assert_allclose(new_items[0], ridge.coef_, rtol=1e-4, atol=1e-5)
    ridge = Ridge(alpha=1.5, fit_intercept=False).fit(new_items[1], p[1].T)
    np.testing.assert_allclose(new_users[1], ridge.coef_, rtol=1e-4, atol=1e-5)
    losses = [als_loss(p, new_users, new_items, 1.5)]
    for _ in range(5):
        new_users, new_items = als_sweep(p, new_users, new_items, 1.5)
        losses.append(als_loss(p, new_users, new_items, 1.5))
    assert np.all(np.diff(np.array(losses), axis=0) <= 1e-3)


def test_measures_match_naive_definitions():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 20, size=(3, 37)).astype(float)
    # Gini as the mean absolute difference over twice the mean
    for row, g in zip(counts, gini(counts), strict=True):
        mad = np.abs(row[:, None] - row[None, :]).mean()
        assert g == pytest.approx(mad / (2 * row.mean()), abs=1e-12)
    assert np.isnan(gini(np.zeros((1, 4))))[0]
    assert top_share(counts)[0] == pytest.approx(np.sort(counts[0])[-1] / counts[0].sum())
    consumed = rng.random((2, 9, 70)) < 0.2
    partner = np.stack([rng.permutation(9) for _ in range(2)])
    got = mean_jaccard(pack(consumed), consumed.sum(axis=2), partner)
    for r in range(2):
        sets = [set(np.flatnonzero(row)) for row in consumed[r]]
        jac = [
            len(sets[u] & sets[v]) / len(sets[u] | sets[v])
            for u, v in enumerate(partner[r])
            if sets[u] | sets[v]
        ]
        assert got[r] == pytest.approx(np.mean(jac), abs=1e-12)


def test_world_groups_and_partners():
    p = params("ideal")
    world = make_world(p, [np.random.default_rng(0)])
    assert world.groups.sum() == p.n_minority_items == 30
    assert np.all(world.similar_partner != np.arange(p.n_users))
    assert np.all(world.random_partner != np.arange(p.n_users))
    share = world.preference_share[0]
    assert share.sum() == pytest.approx(1.0)
    # favourites: brute force over users
    top = np.argsort(-world.utility[0], axis=1)[:, :10]
    assert world.favourite_share(10)[0, 1] == pytest.approx(world.groups[top].mean())
    # minority topics hold 10% of users' preference mass, so minority items are liked
    # less than their 20% of the catalogue
    assert 0.05 < share[1] < world.catalogue_share[1]


# ----------------------------------------------------------- the Pólya urn check
@pytest.mark.parametrize("prior", [1.0, 3.0])
def test_popularity_with_choices_by_counts_is_a_polya_urn(prior):
    """Shares of the choices follow Dirichlet-multinomial(n, prior): their mean and
    variance match the closed form, and their distribution the Dirichlet limit."""
    n_items, n_users, n_steps, n_runs = 5, 20, 100, 400
    p = RecommendationParams(
        "popularity",
        n_users=n_users,
        n_items=n_items,
        n_steps=n_steps,
        slate_size=n_items,
        choice="counts",
        allow_repeats=True,
        prior=prior,
        warmup=0,
        minority_share=0.0,
    )
    res = simulate_recommendation(p, n_runs=n_runs, random_state=7, record_every=n_steps)
    shares = res.final_counts / res.final_counts.sum(axis=1, keepdims=True)
    n = n_users * n_steps
    mean, var = polya_share_moments(np.full(n_items, prior), n)
    # the oracle: scipy's beta-binomial marginal of the Dirichlet-multinomial
    bb = stats.betabinom(n, prior, (n_items - 1) * prior)
    assert mean[0] == pytest.approx(bb.mean() / n, rel=1e-12)
    assert var[0] == pytest.approx(bb.var() / n**2, rel=1e-12)
    se_mean = np.sqrt(var / n_runs)
    assert np.all(np.abs(shares.mean(axis=0) - mean) < 4 * se_mean)
    # the sample variance's standard error, sqrt((mu4 - var^2 (n-3)/(n-1)) / n), with the
    # fourth moment of the Beta limit (n = 2,000 choices are close to it)
    limit = stats.beta(prior, (n_items - 1) * prior)
    kurtosis = float(limit.stats(moments="k")) + 3.0
    se_var = var * np.sqrt((kurtosis - (n_runs - 3) / (n_runs - 1)) / n_runs)
    sample_var = shares.var(axis=0, ddof=1)
    assert np.all(np.abs(sample_var - var) < 4 * se_var)
    assert stats.kstest(shares[:, 0], limit.cdf).pvalue > 1e-3


def test_urn_check_can_fail():
    """Control: users who choose by preference do not follow the urn's law."""
    p = RecommendationParams(
        "popularity",
        n_users=20,
        n_items=5,
        n_steps=100,
        slate_size=5,
        allow_repeats=True,
        warmup=0,
        minority_share=0.0,
        position_decay=2.0,
    )
    res = simulate_recommendation(p, n_runs=400, random_state=7, record_every=100)
    shares = res.final_counts / res.final_counts.sum(axis=1, keepdims=True)
    assert stats.kstest(shares[:, 0], stats.beta(1.0, 4.0).cdf).pvalue < 1e-3


# ------------------------------------------------------- Chaney et al.'s findings
def test_feedback_trained_recommenders_homogenise_more_than_ideal(sims):
    for rec in ("popularity", "mf"):
        m, se = mean_se(final_relative(sims[rec], sims["ideal"], "homogenisation"))
        assert m > 4 * se and m > 0.03, rec
    # random recommendations are no more alike than ideal ones
    m, se = mean_se(final_relative(sims["random"], sims["ideal"], "homogenisation"))
    assert m < 3 * se


def test_popularity_gini_rises_while_random_stays_at_sampling_level(sims):
    warm = sims["popularity"].params.warmup
    pop, rnd = sims["popularity"].measure("gini"), sims["random"].measure("gini")
    rise, se = mean_se(pop[-1] - pop[warm])
    assert rise > 0.2 and rise > 5 * se
    # same warm-up draws: the two recommenders start from the same counts
    np.testing.assert_array_equal(pop[warm], rnd[warm])
    # random's Gini never rises above its warm-up value (only sampling noise, which shrinks)
    change = rnd[warm:] - rnd[warm]
    assert np.all(change.mean(axis=1) <= 3 * change.std(axis=1, ddof=1).max() / np.sqrt(N_RUNS))
    assert np.all(rnd[-1] < pop[-1])


def sampling_level(n_users, n_items, t):
    """Exact E[Gini] and E[Jaccard of two users] when every user's consumed set is a
    uniform random t-subset, independent across users (random slates, uniform choice).

    An item's count is a sum over users of Bernoulli(t / I); for two items i != j,
    x_i - x_j is a sum over users of +1 / -1 each with probability
    r = t/I - t(t-1)/(I(I-1)), so |x_i - x_j| has the law of |2B - M| with
    M ~ Binomial(U, 2r), B | M ~ Binomial(M, 1/2). The counts sum to U t, so
    E[Gini] = (I - 1) E|x_i - x_j| / (2 U t). Two users' sets intersect in a
    hypergeometric(I, t, t) number h of items: E[Jaccard] = E[h / (2t - h)].
    """
    r = t / n_items - t * (t - 1) / (n_items * (n_items - 1))
    m = np.arange(n_users + 1)
    b = np.arange(n_users + 1)
    inner = np.array(
        [(stats.binom.pmf(b[: mm + 1], mm, 0.5) * np.abs(2 * b[: mm + 1] - mm)).sum() for mm in m]
    )
    mad = (stats.binom.pmf(m, n_users, 2 * r) * inner).sum()
    h = np.arange(t + 1)
    jac = (stats.hypergeom.pmf(h, n_items, t, t) * h / (2 * t - h)).sum()
    return (n_items - 1) * mad / (2 * n_users * t), jac


def test_random_recommendations_stay_at_the_sampling_level():
    """With one topic every utility is 1 and position does not matter, so under random
    slates each user's consumed set is a uniform random subset: the Gini of item
    popularity and the Jaccard similarity of paired users must equal their exact
    sampling expectations (within 4 Monte-Carlo standard errors) at every step, while the
    popularity recommender in the same worlds concentrates far beyond it."""
    flat = dict(n_users=120, n_items=60, n_steps=30, n_topics=1, minority_share=0.0,
                position_decay=0.0)  # fmt: skip
    res = simulate_recommendation(RecommendationParams("random", **flat), n_runs=80,
                                  random_state=9, record_every=5)  # fmt: skip
    pop = simulate_recommendation(RecommendationParams("popularity", **flat), n_runs=80,
                                  random_state=9, record_every=5)  # fmt: skip
    for j, t in enumerate(res.steps):
        if t == 0:
            continue
        want_gini, want_jac = sampling_level(flat["n_users"], flat["n_items"], int(t))
        for name, want in (("gini", want_gini), ("jaccard_random", want_jac),
                           ("jaccard_similar", want_jac)):  # fmt: skip
            m, se = mean_se(res.measure(name)[j])
            assert abs(m - want) < 4 * se + 1e-12, (name, t, m, want, se)
        if t > 10:  # after the warm-up (10 steps of random slates for both)
            assert pop.measure("gini")[j].min() > want_gini + 0.2


@pytest.mark.parametrize("rec", ["popularity", "mf"])
def test_more_exploration_reduces_homogenisation_monotonically(sims, rec):
    ideal = sims["ideal"]
    means = []
    for eps in (0.0, 0.1, 0.3, 0.6):
        res = sims[rec] if eps == 0 else sims[(rec, eps)]
        means.append(final_relative(res, ideal, "homogenisation"))
    for a, b in itertools.pairwise(means):
        d, se = mean_se(a - b)  # paired: the same worlds
        assert d > 3 * se, rec


def test_ideal_recommender_does_not_degenerate(sims):
    ideal = sims["ideal"]
    warm = ideal.params.warmup
    g = ideal.measure("gini")
    mid = (warm + len(ideal.steps)) // 2
    d, se = mean_se(g[-1] - g[mid])
    assert abs(d) < 0.05  # concentration settles instead of running away
    assert np.all(g[-1] < sims["popularity"].final("gini"))
    for rec in ("popularity", "mf", "random"):
        ratio = final_relative(sims[rec], ideal, "utility_ratio")
        assert np.all(ratio < 1.0), rec

    # the ideal recommender shows minority items about as often as they are among people's
    # own favourites; popularity much less
    def after_warmup(res):
        return res.measure("minority_slate")[res.steps > warm].mean(axis=0)

    fav = ideal.favourite_share[:, 1]
    assert np.all(np.abs(after_warmup(ideal) - fav) < 0.35 * fav)
    assert np.all(after_warmup(sims["popularity"]) < 0.5 * fav)
    assert np.all(after_warmup(sims["mf"]) < 0.8 * fav)


def test_snapshot_of_the_popularity_loop_looks_fair_against_its_own_log(sims):
    """The minority group gets more exposure than its share of logged choices (a snapshot
    audit against engagement passes) but far less than its share of true preference."""
    res = sims["popularity"]
    exp, clicks = res.final("minority_exposure"), res.final("minority_choices")
    assert np.all(exp >= clicks)
    shown = res.measure("minority_slate")[res.steps > res.params.warmup].mean(axis=0)
    assert np.all(shown < 0.5 * res.favourite_share[:, 1])
    assert np.all(shown < 0.5 * res.preference_share[:, 1])
