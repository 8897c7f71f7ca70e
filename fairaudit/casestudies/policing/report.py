"""Figures and report sections of the policing case study: each scenario's allocation
share over time against the true share, with the spread over runs."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import PercentFormatter
from scipy import stats

from fairaudit.report import PRINT_FIGURE_IN, Figure, Section, Table, figure_to_svg
from fairaudit.report._format import fmt_percent, fmt_points
from fairaudit.simulation import PolicingResult, reported_fixed_point

from .analysis import (
    COLORS,
    FULL,
    QUICK,
    RATES_REPORTED,
    REPORTED_FRACTIONS,
    _flagged_shares,
)


# ---------------------------------------------------------------------- figures
def _band(ax, res: PolicingResult, region: int, color: str, label: str) -> None:
    spread = res.spread().xs(region, level="region")
    steps = spread.index.to_numpy()
    ax.fill_between(steps, spread[0.05], spread[0.95], color=color, alpha=0.18, linewidth=0)
    ax.fill_between(steps, spread[0.25], spread[0.75], color=color, alpha=0.3, linewidth=0)
    ax.plot(steps, spread[0.5], color=color, label=label)


def _finish(
    ax, title: str, ylabel: str = "allocation share of region A", percent: bool = True
) -> None:
    ax.set_title(title, fontsize=10)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("day")
    ax.set_ylabel(ylabel)
    _legend_below(ax)


def _legend_below(ax) -> None:
    """The legend under the chart, where it hides no line or band: in two columns when its
    entries are short enough for the half-page width of a panel, else in one."""
    longest = max((len(t) for t in ax.get_legend_handles_labels()[1]), default=0)
    ax.legend(
        fontsize=8,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=2 if longest <= 24 else 1,
    )


def _fig_scenario1(sims, nums) -> Figure:
    fig = MplFigure(figsize=(PRINT_FIGURE_IN, 4.3), layout="constrained")
    ax, hx = fig.subplots(1, 2)
    _band(ax, sims["s1_proportional"], 0, COLORS[0], "proportional (median, 50% and 90%)")
    greedy = sims["s1_greedy"].spread().xs(0, level="region")
    ax.plot(greedy.index, greedy["mean"], color=COLORS[1], label="greedy (every run)")
    ax.axhline(0.5, color=COLORS[3], linestyle="--", label="true share 50%")
    ax.set_ylim(0.3, 1.02)
    _finish(ax, "Equal true rates, records start at 55:45")
    share = sims["s1_proportional"].final_shares[:, 0]
    hx.hist(share, bins=20, density=True, color=COLORS[0], alpha=0.5, label="simulated runs")
    grid = np.linspace(0.35, 0.75, 200)
    hx.plot(grid, stats.beta(55, 45).pdf(grid), color=COLORS[5], label="Beta(55, 45) limit")
    hx.axvline(0.5, color=COLORS[3], linestyle="--", label="true share")
    hx.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    hx.set_xlabel("final allocation share of region A")
    hx.set_ylabel("density")
    hx.set_title("Where the proportional runs end", fontsize=10)
    _legend_below(hx)
    s1 = nums["scenario1"]
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Allocation share of region A over time under proportional and greedy allocation, "
        "and a histogram of final shares against the Beta(55, 45) density.",
        caption=f"Proportional runs end on average at {fmt_percent(s1['proportional_mean'])} "
        f"(standard deviation {fmt_points(s1['proportional_sd'])}; Beta(55, 45): 55.0%, "
        f"standard deviation {fmt_points(s1['beta_sd'])}); greedy gives region A every patrol in "
        f"{s1['greedy_locked_fraction']:.0%} of runs.",
    )


def _fig_scenario2(sims, nums) -> Figure:
    fig = MplFigure(figsize=(6, 4.0), layout="constrained")
    ax = fig.subplots()
    _band(ax, sims["s2"], 0, COLORS[0], "allocation (median, 50% and 90%)")
    ax.axhline(2 / 3, color=COLORS[3], linestyle="--", label="true share 2/3")
    ax.set_ylim(0.4, 1.02)
    _finish(ax, "True rates 2:1, no reports, no correction")
    s2 = nums["scenario2"]
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Allocation share of the higher-rate region rising towards 1 over time, far above "
        "its true share of two thirds.",
        caption=f"{s2['fraction_above_0.9']:.0%} of runs give region A more than 90% of "
        f"patrols (median final share {fmt_percent(s2['median_share'])}; true share 66.7%).",
    )


def _fig_scenario3(sims, nums) -> Figure:
    fig = MplFigure(figsize=(PRINT_FIGURE_IN, 4.3), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    table = nums["scenario3"]["table"]
    true_share = nums["scenario3"]["true_share"]
    for i, r in enumerate(REPORTED_FRACTIONS):
        _band(ax, sims[f"s3_r{r}"], 0, COLORS[i], f"{r:.0%} reported")
    ax.axhline(
        true_share, color=COLORS[3], linestyle="--", label=f"true share {fmt_percent(true_share)}"
    )
    ax.set_ylim(0.45, 1.02)
    _finish(ax, "Rates 3.685 : 2.816, share of incidents reported")
    grid = np.linspace(0.02, 1.0, 100)
    bx.plot(
        grid,
        [reported_fixed_point(RATES_REPORTED, r)[0] for r in grid],
        color=COLORS[5],
        label="derived fixed point",
    )
    yerr = np.vstack([table["mean_share"] - table["q05"], table["q95"] - table["mean_share"]])
    bx.errorbar(
        table["reported_fraction"],
        table["mean_share"],
        yerr=yerr,
        fmt="o",
        color=COLORS[0],
        label="simulated (mean, 5-95%)",
    )
    bx.axhline(true_share, color=COLORS[3], linestyle="--", label="true share")
    bx.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bx.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bx.set_xlabel("share of incidents reported by residents")
    bx.set_ylabel("final allocation share of region A")
    bx.set_title("Reports attenuate the runaway", fontsize=10)
    _legend_below(bx)
    half = table.set_index("reported_fraction").loc[0.5]
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Allocation share over time for several reported fractions, and final share "
        "against reported fraction with the derived fixed-point curve.",
        caption=f"With half the incidents reported the share settles at "
        f"{fmt_percent(half['mean_share'])} (derived fixed point {fmt_percent(half['fixed_point'])}), "
        f"between the true share {fmt_percent(true_share)} and 100%.",
    )


#: The corrections of scenario 4, in words.
CORRECTION_LABELS = {
    None: "no correction",
    "reject": "correction: keep some discoveries (rejection)",
    "weight": "correction: weight discoveries (weighting)",
    "complement": "the simpler form (1 minus the patrol share)",
}


def _fig_scenario4(sims, nums) -> Figure:
    fig = MplFigure(figsize=(PRINT_FIGURE_IN, 5.2), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    for i, corr in enumerate((None, "reject", "weight")):
        _band(ax, sims[f"s4_k2_{corr}"], 0, COLORS[i], CORRECTION_LABELS[corr])
    ax.axhline(2 / 3, color=COLORS[3], linestyle="--", label="true share 2/3")
    ax.set_ylim(0.4, 1.02)
    _finish(ax, "Two regions, rates 2:1")
    for i, corr in enumerate((None, "complement", "reject", "weight")):
        res = sims[f"s4_k5_{corr}"]
        tvd = 0.5 * np.abs(res.allocation - res.true_shares).sum(axis=-1)
        med = np.median(tvd, axis=1)
        lo, hi = np.quantile(tvd, [0.05, 0.95], axis=1)
        bx.fill_between(res.steps, lo, hi, color=COLORS[i], alpha=0.2, linewidth=0)
        bx.plot(res.steps, med, color=COLORS[i], label=CORRECTION_LABELS[corr])
    bx.set_yscale("log")
    _finish(
        bx, "Five regions, rates 1:2:3:4:5", ylabel="distance to the true shares", percent=False
    )
    k5 = nums["scenario4"]["five_regions_mean_tv"]
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Allocation share with and without the correction for two regions, and the total "
        "variation distance to the true shares over time for five regions.",
        caption=f"Five regions, mean final distance to the true shares, in percentage "
        f"points: no correction {100 * k5['None']:.1f}, the simpler form "
        f"{100 * k5['complement']:.1f}, rejection {100 * k5['reject']:.1f}, weighting "
        f"{100 * k5['weight']:.1f}.",
    )


def _fig_scenario5(sims, nums) -> Figure:
    fig = MplFigure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.subplots()
    for i, name in enumerate(("hotspot", "control")):
        flagged = _flagged_shares(sims[f"s5_{name}"])
        by_step = flagged.groupby("step")
        med = by_step["recorded"].median()
        lo, hi = by_step["recorded"].quantile(0.05), by_step["recorded"].quantile(0.95)
        label = "flagged regions' share of records" + (
            " (extra records)" if name == "hotspot" else " (flags without extra records)"
        )
        ax.fill_between(med.index, lo, hi, color=COLORS[i], alpha=0.2, linewidth=0)
        ax.plot(med.index, med, color=COLORS[i], label=label)
        if name == "hotspot":
            ax.plot(
                med.index,
                by_step["allocation"].median(),
                color=COLORS[5],
                linestyle=":",
                label="their share of patrols (extra records)",
            )
            ax.plot(
                med.index,
                by_step["true"].median(),
                color=COLORS[3],
                linestyle="--",
                label="their share of true incidents",
            )
    _finish(ax, "Ten regions, top 2 flagged each day", ylabel="share")
    s5 = nums["scenario5"]["hotspot"]
    return Figure(
        figure_to_svg(fig, tight=False),
        alt="Share of recorded incidents in the flagged regions over time, above their share "
        "of true incidents.",
        caption=f"In the second half of the runs the two flagged regions hold "
        f"{s5['flagged_recorded_share']:.1%} of the records but "
        f"{s5['flagged_true_share']:.1%} of the true incidents.",
    )


#: Display names of the columns of the reported-incidents table.
SCENARIO3_LABELS = {
    "reported_fraction": "share of incidents reported",
    "mean_share": "region A's share of patrols (mean)",
    "q05": "5th percentile of runs",
    "q95": "95th percentile of runs",
    "fixed_point": "derived fixed point",
    "true_share": "true share",
}
#: Display names of the columns of the confirmation table.
CONFIRMATION_LABELS = {
    "allocation vs own records (TV)": "distance to the model's own records",
    "allocation vs truth (TV)": "distance to the truth",
}


def _summary(nums: dict[str, Any]) -> list[str]:
    """The findings in a few sentences, for a reader who stops after the first screen."""
    s1, s2, s4, s5 = (nums[f"scenario{i}"] for i in (1, 2, 4, 5))
    half = nums["scenario3"]["table"].set_index("reported_fraction").loc[0.5]
    return [
        "A model that sends patrols where the police records say crime is, and then learns "
        "from what those patrols record, does not find out where crime is: it confirms "
        "where it already looked. Five simulated scenarios show how.",
        "When two regions have the same true rate but the records start at 55 against 45, "
        f"the patrols stay at about 55% in the first region for ever (measured "
        f"{s1['proportional_mean']:.1%}). When one region has twice the true rate of the "
        "other, it should get two thirds of the patrols, but in the median run it ends "
        f"with {s2['median_share']:.1%}. Incidents reported by residents pull the "
        f"allocation back only part of the way (with half of them reported: "
        f"{half['mean_share']:.1%} against a true {half['true_share']:.1%}). Flagging "
        "hotspots has the same effect: the flagged regions hold "
        f"{s5['hotspot']['flagged_recorded_share']:.0%} of the records but only "
        f"{s5['hotspot']['flagged_true_share']:.0%} of the true incidents.",
        "Checked against its own records the model looks right, because the records are "
        "its own doing. Discounting what the patrols were bound to find (Ensign et al.'s "
        "correction) brings the allocation back to the truth: "
        f"{s4['two_regions_mean_share']['reject']:.1%} against a true 66.7% for two "
        "regions. An audit of such a system needs data the system did not generate.",
    ]


def _sections(sims: dict[str, PolicingResult], nums: dict[str, Any], quick: bool) -> list[Section]:
    size = QUICK if quick else FULL
    s1, s2, s4, s5 = (nums[f"scenario{i}"] for i in (1, 2, 4, 5))
    half = nums["scenario3"]["table"].set_index("reported_fraction").loc[0.5]
    sections = [
        Section("Summary", paragraphs=_summary(nums), id="summary"),
        Section(
            "The model",
            paragraphs=(
                "A city has a few regions, each with a hidden true rate of incidents. A "
                "crime-prediction model believes what the police records say: each day it "
                "sends patrols to a region with a probability set by that region's share of "
                "recorded incidents (or all patrols to the top region, or to the top few). "
                "Incidents happen everywhere; residents report some of them; the rest are "
                "recorded only if a patrol is there to discover them. What is recorded is "
                "added to the records, and tomorrow's patrols follow the records.",
                "This is the urn model of Ensign, Friedler, Neville, Scheidegger and "
                "Venkatasubramanian (Runaway Feedback Loops in Predictive Policing, FAT* "
                "2018). Lum and Isaac (To predict and serve?, Significance 2016) showed the "
                "same loop with a re-implementation of PredPol on Oakland drug-crime data.",
                f"Every scenario below is {size.n_runs} independent runs of {size.n_steps} "
                "days (scenario 5: half as many days) with fixed seeds. Bands show the "
                "middle 50% and 90% of runs; the line is the median run.",
            ),
        ),
        Section(
            "Scenario 1. Equal rates: an old imbalance is locked in",
            paragraphs=(
                "Both regions have the same true rate; the records start at 55 against 45. "
                "With proportional allocation the share of patrols never returns to the "
                "truth (50%): each run freezes wherever early chance took it, and on average "
                f"it stays at the historical 55% (measured {fmt_percent(s1['proportional_mean'])}). "
                "This is a Pólya urn, whose limit is the Beta(55, 45) distribution. With "
                "greedy allocation the region that started ahead gets every patrol, for "
                "ever: the other region's crime is never seen again.",
                "For an audit: equal treatment at the start of the data would not show. "
                "The records reflect where the police looked, not where crime is.",
            ),
            figures=(_fig_scenario1(sims, nums),),
        ),
        Section(
            "Scenario 2. Different rates: the allocation runs away",
            paragraphs=(
                "Region A has twice the true rate of region B, so a fair allocation would "
                "give it two thirds of the patrols. Instead the share keeps climbing towards "
                f"100%: the median run ends with {s2['median_share']:.1%} of patrols in region "
                f"A, and {s2['fraction_above_0.9']:.0%} of runs with more than 90%. More "
                "patrols find more crime, which brings more "
                "patrols; region B's crime goes largely unrecorded.",
                "Yet the model's records agree with it: the median distance between the "
                "allocation and the share of incidents recorded in the second half of the "
                f"run is {fmt_points(s2['median_tv_to_recorded'])}, while its distance to the truth "
                f"is {fmt_points(s2['median_tv_to_true'])}. Checked against its own data, the model "
                "looks well calibrated.",
            ),
            figures=(_fig_scenario2(sims, nums),),
        ),
        Section(
            "Scenario 3. Reported incidents attenuate the runaway but do not remove it",
            paragraphs=(
                "With true rates 3.685 : 2.816 (region A's true share "
                f"{fmt_percent(nums['scenario3']['true_share'])}), incidents "
                "reported by residents are recorded wherever the patrols are. They pull the "
                "allocation back, but only part of the way: with half of all incidents "
                f"reported the share settles at {fmt_percent(half['mean_share'])}, at the fixed point "
                f"{fmt_percent(half['fixed_point'])} derived in the documentation, strictly between "
                "the true share and 100%. The more incidents depend on discovery, the further "
                "the allocation drifts from the truth.",
            ),
            figures=(_fig_scenario3(sims, nums),),
            tables=(
                Table(
                    nums["scenario3"]["table"]
                    .assign(reported_fraction=lambda t: t["reported_fraction"].map("{:.0%}".format))
                    .apply(lambda c: c if c.name == "reported_fraction" else c.map(fmt_percent))
                    .rename(columns=SCENARIO3_LABELS)
                    .set_index(SCENARIO3_LABELS["reported_fraction"]),
                    caption="Region A's final share of the patrols, by the share of "
                    "incidents that residents report: the mean and the 5th and 95th "
                    "percentiles over runs, the fixed point derived in the documentation, and "
                    "the true share.",
                ),
            ),
        ),
        Section(
            "Scenario 4. The correction: discount what the patrols were bound to find",
            paragraphs=(
                "Ensign et al.'s fix: an incident discovered by a patrol is kept with a "
                "probability that is lower the more patrols its region gets (the smallest "
                "region's share of patrols divided by this region's share), or it is added "
                "with that weight. Then every region contributes records at a rate "
                "proportional to its true rate, and the allocation converges to the true "
                f"shares: {fmt_percent(s4['two_regions_mean_share']['reject'])} (rejection) and "
                f"{fmt_percent(s4['two_regions_mean_share']['weight'])} (weighting) against two "
                "thirds (66.7%) for two regions, and a mean distance to the truth of "
                f"{fmt_points(s4['five_regions_mean_tv']['reject'])} for five regions.",
                "A simpler-looking form, keeping each incident with a probability "
                "proportional to 1 minus its region's share of patrols, is the same thing for two regions but not for "
                "more: with five regions it leaves a distance of "
                f"{fmt_points(s4['five_regions_mean_tv']['complement'])} to the truth. A fix "
                "checked on two groups must be re-checked on more.",
            ),
            figures=(_fig_scenario4(sims, nums),),
        ),
        Section(
            "Scenario 5. Hotspots: the flagged regions stay over-recorded",
            paragraphs=(
                "After Lum and Isaac: each day the two regions with the most recent records "
                "(records fade by 0.5% a day) are flagged as hotspots, and the extra "
                "officers there record half of the incidents that would otherwise go "
                "unrecorded. 30% of incidents are reported. In the second half of the runs "
                f"the flagged regions hold {fmt_percent(s5['hotspot']['flagged_recorded_share'])} of "
                "all records but only "
                f"{fmt_percent(s5['hotspot']['flagged_true_share'])} of the true incidents. The flags "
                "stick to whichever regions led early: the region flagged most often is the "
                "one with the highest true rate in only "
                f"{s5['hotspot']['most_flagged_is_highest_rate']:.0%} of runs (without the "
                f"extra records: {s5['control']['most_flagged_is_highest_rate']:.0%}).",
                "The same flags without extra records leave a gap of their own "
                f"({fmt_percent(s5['control']['flagged_recorded_share'])} of records against "
                f"{fmt_percent(s5['control']['flagged_true_share'])} of incidents): flagging the top "
                "of a patrol-driven record already selects regions whose records overstate "
                "their crime.",
            ),
            figures=(_fig_scenario5(sims, nums),),
        ),
        Section(
            "What this means for auditing",
            paragraphs=(
                "A model trained and evaluated on data that its own decisions produced can "
                "look well calibrated while being far from the truth: in every uncorrected "
                "scenario the allocation is close to the share of incidents recorded (the "
                "model's own evidence) and far from the share of incidents that happened.",
                "An audit of such a system needs data the system did not generate (victim "
                "surveys, reports by residents, randomised patrols), or an explicit "
                "correction for how the data were collected. Comparing a model with its own "
                "records confirms the loop; it does not test the model.",
                "Limits: this is a stylised model (independent Poisson incidents, constant "
                "true rates, patrols as probabilities, no deterrence or displacement). It "
                "shows a mechanism, not the size of the effect in any real city.",
            ),
            tables=(
                Table(
                    nums["confirmation"]
                    .map(lambda v: f"{100 * v:.1f}")
                    .rename(columns=CONFIRMATION_LABELS),
                    caption="How far the final allocation of patrols is from the model's own "
                    "records (second half of the run) and from the truth, in percentage "
                    "points, as the median over runs of the total variation distance: half the "
                    "sum of the differences of the shares, 0 when they agree and 100 when they "
                    "share nothing.",
                ),
            ),
        ),
    ]
    return sections
