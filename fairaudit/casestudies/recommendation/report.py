"""The HTML report of the recommendation case study: figures, tables and plain-language text."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import PercentFormatter

from fairaudit.report import PRINT_FIGURE_IN, Figure, Section, Table, figure_to_svg
from fairaudit.simulation import RecommendationResult

from .study import EXPLORATION, RECOMMENDERS

#: Colour-blind-safe colours (Okabe & Ito), one per recommender.
COLORS = {"ideal": "#000000", "popularity": "#D55E00", "mf": "#0072B2", "random": "#009E73"}
LABELS = {
    "ideal": "ideal (knows true preferences)",
    "popularity": "popularity",
    "mf": "matrix factorisation",
    "random": "random",
}
GREY = "#555555"


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The numbers as the report's tables show them: shares and relative values in %,
    homogenisation (an overlap on a 0-to-1 scale, minus the ideal's) signed, Gini to two
    decimals."""
    out = frame.copy()
    for c in ("top_share", "minority_shown", "utility_ratio"):
        if c in out:
            out[c] = out[c].map(lambda v: f"{100 * v:.1f}%")
    for c in ("homogenisation", "homogenisation_similar"):
        if c in out:
            out[c] = out[c].map(lambda v: f"{v:+.3f}")
    for c in ("gini_final",):
        if c in out:
            out[c] = out[c].map(lambda v: f"{v:.2f}")
    return out


def _shown_snapshot(snap: pd.DataFrame) -> pd.DataFrame:
    """The snapshot table in words: shares in %, ratios to two decimals."""
    out = pd.DataFrame(index=snap.index)
    out["minority items' share of the slots shown"] = snap["share of slots in the log"].map(
        lambda v: f"{100 * v:.1f}%"
    )
    out["their share of the clicks"] = snap["share of clicks in the log"].map(
        lambda v: f"{100 * v:.1f}%"
    )
    out["shown relative to clicked"] = snap["shown / clicked"].map(lambda v: f"{v:.2f}")
    out["shown after the warm-up, relative to their share of favourites"] = snap[
        "shown after warm-up / share of favourites"
    ].map(lambda v: f"{v:.2f}")
    return out


def _band(ax, spread: pd.DataFrame, color: str, label: str) -> None:
    steps = spread.index.to_numpy()
    ax.fill_between(steps, spread[0.05], spread[0.95], color=color, alpha=0.12, linewidth=0)
    ax.fill_between(steps, spread[0.25], spread[0.75], color=color, alpha=0.25, linewidth=0)
    ax.plot(steps, spread[0.5], color=color, label=label)


def _finish(
    ax, title: str, ylabel: str, warmup: int, *, percent: bool = False, legend: bool = True
) -> None:
    ax.axvspan(0, warmup, color="#eeeeee", zorder=0, linewidth=0)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("round (each person chooses one item per round)")
    ax.set_ylabel(ylabel)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if legend:
        ax.legend(fontsize=8, frameon=False)


def _shared_legend(fig, ax) -> None:
    """One legend for a row of panels, under them, where it hides no line."""
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside lower center",
        ncol=4,
        fontsize=8,
        frameon=False,
    )


def _relative_spread(sims, rec: str, column: str) -> pd.DataFrame:
    res = sims[rec]
    return res.spread(column, relative=res.relative_to(sims["ideal"]))


def _fig_narrowing(sims, nums) -> Figure:
    warm = nums["size"]["warmup"]
    fig = MplFigure(figsize=(PRINT_FIGURE_IN, 3.6), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    for rec in RECOMMENDERS:
        _band(ax, _relative_spread(sims, rec, "homogenisation"), COLORS[rec], LABELS[rec])
        _band(bx, sims[rec].spread("gini"), COLORS[rec], LABELS[rec])
    _finish(
        ax,
        "Homogenisation, relative to the ideal recommender",
        "overlap of histories minus the ideal's",
        warm,
        legend=False,
    )
    _finish(bx, "Concentration of consumption", "Gini of item popularity", warm, legend=False)
    _shared_legend(fig, ax)
    t = nums["table"]
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Two line charts over time. Left: how much more alike users' consumed items are "
        "than under the ideal recommender; popularity rises far above zero, matrix "
        "factorisation above zero, random at or below zero. Right: the Gini coefficient of "
        "item popularity; popularity and matrix factorisation rise, random falls.",
        caption=f"Median run with the middle 50% and 90% of runs; the grey band is the "
        f"warm-up of random recommendations. After {nums['size']['n_steps']} rounds the Gini "
        f"is {t.loc['popularity', 'gini_final']:.2f} (popularity), "
        f"{t.loc['mf', 'gini_final']:.2f} (matrix factorisation), "
        f"{t.loc['ideal', 'gini_final']:.2f} (ideal) and "
        f"{t.loc['random', 'gini_final']:.2f} (random).",
    )


def _fig_utility(sims, nums) -> Figure:
    warm = nums["size"]["warmup"]
    fig = MplFigure(figsize=(PRINT_FIGURE_IN, 3.4), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    for rec in RECOMMENDERS:
        _band(ax, _relative_spread(sims, rec, "utility_ratio"), COLORS[rec], LABELS[rec])
        _band(bx, sims[rec].spread("top_share"), COLORS[rec], LABELS[rec])
    _finish(
        ax,
        "What people got out of it",
        "value of choices relative to the ideal",
        warm,
        percent=True,
        legend=False,
    )
    _finish(
        bx,
        "Share of all choices going to the top 1% of items",
        "share of choices",
        warm,
        percent=True,
        legend=False,
    )
    _shared_legend(fig, ax)
    t = nums["table"]
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Two line charts over time. Left: the utility of users' choices relative to the "
        "ideal recommender; popularity, matrix factorisation and random all stay around "
        "the same level below 1. Right: the share of choices going to the top 1% of items, "
        "highest for popularity.",
        caption=f"Value of choices relative to the ideal recommender after the last round: popularity "
        f"{t.loc['popularity', 'utility_ratio']:.1%}, matrix factorisation "
        f"{t.loc['mf', 'utility_ratio']:.1%}, random {t.loc['random', 'utility_ratio']:.1%}.",
    )


def _fig_exposure(sims, nums) -> Figure:
    warm = nums["size"]["warmup"]
    fig = MplFigure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.subplots()
    for rec in RECOMMENDERS:
        _band(ax, sims[rec].spread("minority_slate"), COLORS[rec], LABELS[rec])
    ax.axhline(
        nums["catalogue_share"],
        color=GREY,
        linestyle="--",
        label=f"share of the catalogue ({nums['catalogue_share']:.0%})",
    )
    ax.axhline(
        nums["favourite_share"],
        color=GREY,
        linestyle=":",
        label=f"share of people's own top {nums['size']['slate_size']} "
        f"({nums['favourite_share']:.1%})",
    )
    _finish(
        ax,
        "Minority creators' share of the recommendations",
        "share of slots shown",
        warm,
        percent=True,
    )
    t = nums["table"]
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Share of recommendation slots given to minority creators' items over time, "
        "for each recommender, against their share of the catalogue and of people's own "
        "favourite items. Popularity and matrix factorisation fall far below.",
        caption=f"In the last round minority items fill "
        f"{t.loc['popularity', 'minority_slate']:.1%} of popularity's slots and "
        f"{t.loc['mf', 'minority_slate']:.1%} of matrix factorisation's, against "
        f"{t.loc['ideal', 'minority_slate']:.1%} for the ideal recommender.",
    )


def _fig_exploration(sims, nums) -> Figure:
    table = nums["exploration"]
    fig = MplFigure(figsize=(PRINT_FIGURE_IN, 3.4), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    for rec in ("popularity", "mf"):
        rows = table[table.recommender == rec]
        ax.errorbar(
            rows["exploration"],
            rows["homogenisation"],
            yerr=2 * rows["homogenisation_se"],
            color=COLORS[rec],
            marker="o",
            capsize=3,
            label=LABELS[rec],
        )
        bx.plot(
            rows["exploration"],
            rows["minority_shown"],
            color=COLORS[rec],
            marker="o",
            label=LABELS[rec],
        )
    ax.axhline(0, color=COLORS["ideal"], linestyle="--", label="ideal")
    ax.set_xlabel("exploration: share of slots given to random items")
    ax.set_ylabel("overlap of histories minus the ideal's")
    ax.set_title("Exploration undoes homogenisation", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    bx.axhline(
        nums["favourite_share"], color=GREY, linestyle=":", label="share of people's own favourites"
    )
    bx.set_xlabel("exploration: share of slots given to random items")
    bx.set_ylabel("minority creators' share of slots\nafter the warm-up")
    bx.set_title("… and gives minority creators back their exposure", fontsize=10)
    bx.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    for axis in (ax, bx):
        axis.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bx.legend(fontsize=8, frameon=False)
    pop = table[table.recommender == "popularity"].set_index("exploration")
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Homogenisation relative to ideal and minority exposure at the end of the runs, "
        "against the share of random items; homogenisation falls steadily as exploration "
        "grows, and minority exposure rises.",
        caption=f"Mean over runs with ±2 standard errors. Popularity: "
        f"{pop.loc[0.0, 'homogenisation']:.3f} without exploration, "
        f"{pop.loc[EXPLORATION[-1], 'homogenisation']:.3f} with "
        f"{EXPLORATION[-1]:.0%} random slots.",
    )


def _summary(nums) -> Section:
    t, size = nums["table"], nums["size"]
    snap = nums["snapshot"]
    return Section(
        "Summary",
        paragraphs=(
            f"We simulated {size['n_users']} people choosing among {size['n_items']} items "
            f"for {size['n_steps']} rounds, {size['n_runs']} times, under four recommenders. "
            "Every recommender met the same people in the same runs, so the differences "
            "are the recommenders' doing.",
            "A recommender retrained on its own users' clicks makes what people consume "
            "more alike than recommendations based on their true tastes would: the "
            "overlap between two random people's histories is "
            f"{t.loc['popularity', 'homogenisation']:+.2f} (popularity) and "
            f"{t.loc['mf', 'homogenisation']:+.2f} (matrix factorisation) above the ideal "
            "recommender's, on a 0-to-1 scale.",
            "Consumption concentrates: the Gini coefficient of item popularity climbs from "
            f"{t.loc['popularity', 'gini_after_warmup']:.2f} to "
            f"{t.loc['popularity', 'gini_final']:.2f} under the popularity recommender, "
            f"while random recommendations keep it at {t.loc['random', 'gini_final']:.2f}.",
            "People do not gain from this: the true value of what they chose is "
            f"{t.loc['popularity', 'utility_ratio']:.0%} (popularity) and "
            f"{t.loc['mf', 'utility_ratio']:.0%} (matrix factorisation) of what the ideal "
            f"recommender achieves, about the same as random recommendations "
            f"({t.loc['random', 'utility_ratio']:.0%}).",
            "Items by minority creators lose exposure: they fill "
            f"{nums['favourite_share']:.1%} of people's own top-{size['slate_size']} "
            "lists, but only "
            f"{t.loc['popularity', 'minority_shown']:.1%} (popularity) and "
            f"{t.loc['mf', 'minority_shown']:.1%} (matrix factorisation) of the slots "
            "shown after the warm-up. Showing some random items (exploration) undoes both effects step by "
            "step.",
            "An audit of the final system alone would not see it: minority items get "
            f"{snap.loc['popularity', 'shown / clicked']:.1f} times as large a share of "
            "what is shown as of what was clicked, so they look favoured, not neglected. "
            "The clicks were produced by what the system showed.",
        ),
    )


def _sections(
    sims: dict[Any, RecommendationResult], nums: dict[str, Any], quick: bool
) -> list[Section]:
    t, size = nums["table"], nums["size"]
    snap = nums["snapshot"]
    exp = nums["exploration"]
    pop = exp[exp.recommender == "popularity"].set_index("exploration")
    mf = exp[exp.recommender == "mf"].set_index("exploration")
    final_table = _shown(t)[
        [
            "homogenisation",
            "homogenisation_similar",
            "gini_final",
            "top_share",
            "utility_ratio",
            "minority_shown",
        ]
    ].rename(
        index=LABELS,
        columns={
            "homogenisation": "homogenisation vs ideal (random pairs)",
            "homogenisation_similar": "homogenisation vs ideal (pairs with similar tastes)",
            "gini_final": "Gini of item popularity",
            "top_share": "share of choices going to the top 1% of items",
            "utility_ratio": "value of choices, relative to the ideal",
            "minority_shown": "minority creators' share of slots after the warm-up",
        },
    )
    explore_table = (
        _shown(exp)
        .assign(
            recommender=exp.recommender.map(LABELS),
            exploration=exp.exploration.map(lambda v: f"{v:.0%}"),
        )
        .set_index(["recommender", "exploration"])[
            ["homogenisation", "gini_final", "utility_ratio", "minority_shown"]
        ]
        .rename(
            columns={
                "homogenisation": "homogenisation vs ideal",
                "gini_final": "Gini of item popularity",
                "utility_ratio": "value of choices, relative to the ideal",
                "minority_shown": "minority creators' share of slots after the warm-up",
            }
        )
        .rename_axis(["recommender", "share of slots given to random items"])
    )
    return [
        _summary(nums),
        Section(
            "The loop",
            paragraphs=(
                "A recommender decides what each person is shown. People mostly choose "
                "among what they are shown. The recommender then learns from those "
                "choices, and decides what to show next. Its training data is therefore "
                "partly its own output: an item it never shows is never chosen, so it "
                "never looks popular, so it is never shown.",
                "Chaney, Stewart and Engelhardt (How algorithmic confounding in "
                "recommendation systems increases homogeneity and decreases utility, "
                "RecSys 2018) simulated this loop and found that it makes what people "
                "consume more alike without making it better. This report repeats their "
                "experiment with four recommenders: an ideal one that knows each "
                "person's true tastes (the benchmark), one that shows the most popular "
                "items, a matrix factorisation trained on who chose what (the standard "
                "collaborative-filtering method), and one that shows random items.",
                f"Each person has hidden tastes over {size['n_topics']} topics and each item "
                "a mix of "
                "topics; how much a person likes an item (its true utility) is the match "
                "between the two. Each round every person is shown "
                f"{size['slate_size']} items, ranked, and chooses one they have not chosen "
                "before, with a preference for items they like and for the top of the "
                f"list. The first {size['warmup']} rounds show random items, so that the "
                "trained recommenders have data to start from. A fifth of the catalogue is "
                "made by minority creators, whose items appeal strongly to a smaller "
                "audience.",
                f"Every figure shows {size['n_runs']} runs: the line is the median run, "
                "the bands the middle 50% and 90% of runs.",
            ),
        ),
        Section(
            "What people consume becomes more alike",
            paragraphs=(
                "Homogenisation is measured as Chaney et al. do: the overlap (Jaccard "
                "similarity) between the sets of items two people have consumed, averaged "
                "over pairs, minus the same overlap under the ideal recommender in the "
                "same run. Above zero, people's histories are more alike than their "
                "tastes justify.",
                "The popularity recommender shows everyone the same few items, so "
                "histories converge fast "
                f"({t.loc['popularity', 'homogenisation']:+.3f}). Matrix factorisation "
                "is personalised, but it learns mostly what is popular in the data it "
                f"produced ({t.loc['mf', 'homogenisation']:+.3f}). Random recommendations "
                f"are not more alike than ideal ones ({t.loc['random', 'homogenisation']:+.3f}).",
                "Consumption also concentrates on a few items: the Gini coefficient of "
                "item popularity (0 when every item is chosen equally often, near 1 when "
                "a few items take everything) rises under popularity and matrix "
                "factorisation, while under random recommendations it only reflects "
                "sampling noise and falls as choices accumulate.",
            ),
            figures=(_fig_narrowing(sims, nums),),
        ),
        Section(
            "It does not make people better off",
            paragraphs=(
                "The true utility of what people chose, relative to the ideal "
                "recommender, is about the same for popularity, matrix factorisation and "
                "random recommendations: the loop narrows consumption without serving "
                "people's tastes better. People here choose sensibly among what they "
                "are shown, which is why even random recommendations reach "
                f"{t.loc['random', 'utility_ratio']:.0%} of the ideal.",
            ),
            figures=(_fig_utility(sims, nums),),
            tables=(Table(final_table, caption="After the last round, mean over runs."),),
        ),
        Section(
            "Who gets seen: items by minority creators",
            paragraphs=(
                f"Minority creators make {nums['catalogue_share']:.0%} of the catalogue. "
                "Their items appeal to a smaller audience: they hold "
                f"{nums['preference_share']:.1%} of all true utility, and fill "
                f"{nums['favourite_share']:.1%} of people's own top-{size['slate_size']} "
                "lists (what everyone would see if shown their favourites). The ideal "
                "recommender shows them to the people who like them: "
                f"{t.loc['ideal', 'minority_shown']:.1%} of its slots after the warm-up. "
                "The feedback-trained recommenders learn from a majority's clicks and show "
                f"them much less ({t.loc['popularity', 'minority_shown']:.1%} for "
                f"popularity, {t.loc['mf', 'minority_shown']:.1%} for matrix "
                "factorisation), so their audience rarely finds them.",
            ),
            figures=(_fig_exposure(sims, nums),),
        ),
        Section(
            "How much exploration undoes it",
            paragraphs=(
                "Exploration replaces each slot, with a fixed probability, by a random "
                "item the person has not consumed. The clicks on those items are data the "
                "recommender did not choose. Each step of exploration reduces "
                "homogenisation: for popularity from "
                f"{pop.loc[0.0, 'homogenisation']:+.3f} to "
                f"{pop.loc[EXPLORATION[-1], 'homogenisation']:+.3f} with "
                f"{EXPLORATION[-1]:.0%} random slots, for matrix factorisation from "
                f"{mf.loc[0.0, 'homogenisation']:+.3f} to "
                f"{mf.loc[EXPLORATION[-1], 'homogenisation']:+.3f}, and minority creators' "
                "exposure recovers, at no measurable cost in utility here.",
            ),
            figures=(_fig_exploration(sims, nums),),
            tables=(Table(explore_table, caption="After the last round, mean over runs."),),
        ),
        Section(
            "What an audit of a single snapshot would miss",
            paragraphs=(
                "Suppose an auditor examines the final system: its recommendations and "
                "the click log it was trained on. A natural test is whether each group of "
                "items is shown in proportion to the demand for it, measured by clicks. "
                "Minority items pass it: over the whole log of the popularity "
                f"recommender they got {t.loc['popularity', 'minority_exposure']:.1%} of "
                f"the slots but only {t.loc['popularity', 'minority_choices']:.1%} of the "
                "clicks, so they seem, if anything, over-exposed, and less engaging than "
                "other items. The test cannot tell this system from a fair one: the ideal "
                "recommender scores "
                f"{snap.loc['ideal', 'shown / clicked']:.2f} on it, the popularity "
                f"recommender {snap.loc['popularity', 'shown / clicked']:.2f}, although "
                "after the warm-up it stopped showing minority items almost entirely.",
                "The test is circular. The clicks were produced by the exposure: an item "
                "that is shown rarely is clicked rarely, and an item shown below the top "
                "of the list is clicked less. Measured against people's own favourites "
                f"({nums['favourite_share']:.1%} of their top-{size['slate_size']} lists), "
                "minority items get "
                f"{snap.loc['popularity', 'shown after warm-up / share of favourites']:.0%} of their "
                "share under popularity and "
                f"{snap.loc['mf', 'shown after warm-up / share of favourites']:.0%} under matrix "
                "factorisation.",
                "An audit of such a system needs data the system did not generate: "
                "randomised exposure (the exploration above), surveys of what people "
                "want, or a correction for how the data were collected. A snapshot of the "
                "model and its own data confirms the loop; it does not test it.",
            ),
            tables=(
                Table(
                    _shown_snapshot(snap).rename(index=LABELS).rename_axis("recommender"),
                    caption="Minority items after the last round, mean over runs: shown "
                    "against clicked (what a snapshot audit sees) and shown against "
                    "people's own favourites (what it cannot see).",
                ),
            ),
        ),
        Section(
            "Limits",
            paragraphs=(
                "This is a stylised model: fixed tastes, one choice per person and round, "
                "no item ever consumed twice, a matrix factorisation that treats every "
                "unchosen item as disliked, and no new items or people. It shows a "
                "mechanism, not the size of the effect on any real platform. The model, "
                "its parameters and where it differs from Chaney et al. are described in "
                "docs/case_studies/recommendation.md"
                + (" (this is a quick, smaller run)." if quick else "."),
            ),
        ),
    ]


TITLE = "The recommender feedback loop"


def subtitle(quick: bool = False) -> str:
    """The line under the report's title."""
    return (
        "How recommendations trained on their own clicks narrow what people see; "
        "simulated after Chaney, Stewart & Engelhardt (2018)" + (" (quick run)" if quick else "")
    )


def sections(
    sims: dict[Any, RecommendationResult], nums: dict[str, Any], *, quick: bool = False
) -> list[Section]:
    """The report's sections from the simulations and their numbers."""
    return _sections(sims, nums, quick)
