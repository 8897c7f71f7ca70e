"""Figures and report sections of the credit case study.

:func:`sections` turns the dictionary returned by :func:`fairaudit.casestudies.credit.results`
into the sections of ``credit.html``, written for a reader who is not a statistician: the
plain-language summary comes first, the figures of the paper next, the method last.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairaudit.report import PRINT_FIGURE_IN
from fairaudit.report._format import fmt_percent

from .analysis import GRID_STEP, GROUPS, PROFIT, RULES

# colour-blind-safe (tableau-colorblind10), one per group; markers per rule
_COLORS = {"Asian": "#006BA4", "White": "#FF800E", "Hispanic": "#595959", "Black": "#C85200"}
_STYLES = {"Asian": "-", "White": "--", "Hispanic": "-.", "Black": ":"}
_MARKERS = {
    "max_profit": "^",
    "single_threshold": "o",
    "demographic_parity": "s",
    "equal_opportunity": "D",
    "equalized_odds": "P",
}
_SHORT = {
    "max_profit": "max profit",
    "single_threshold": "single threshold",
    "demographic_parity": "demographic parity",
    "equal_opportunity": "equal opportunity",
    "equalized_odds": "equalized odds",
}


def _subplots(nrows=1, ncols=1, *, figsize, **kwargs):
    """``subplots`` without pyplot (no GUI backend is touched)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def _fig_data(fico: pd.DataFrame):
    fig, axes = _subplots(1, 2, figsize=(PRINT_FIGURE_IN, 3.4))
    for group in GROUPS:
        g = fico[fico["group"] == group]
        kw = {"color": _COLORS[group], "ls": _STYLES[group], "lw": 1.8, "label": group}
        axes[0].plot(g["score"], 100 * g["repay_rate"], **kw)
        axes[1].plot(g["score"], 100 * g["cdf"], **kw)
    axes[0].axhline(100 * -PROFIT["false_positive"], color="black", lw=0.8)
    axes[0].text(1, 100 * -PROFIT["false_positive"] + 2, "82%: break-even", fontsize=8)
    axes[0].set_ylabel("repaid (%)")
    axes[1].set_ylabel("share at or below the score (%)")
    for ax, title in zip(axes, ("Share who repay, by score", "Score distribution"), strict=True):
        ax.set_xlabel("TransRisk score")
        ax.set_title(title, fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(alpha=0.3)
    axes[1].legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def _fig_roc(models: dict, groups: pd.DataFrame):
    fig, axes = _subplots(1, 2, figsize=(PRINT_FIGURE_IN, 4.2))
    hulls = models["max_profit"].hulls_
    for ax, (xlim, ylim) in zip(axes, (((0, 1), (0, 1)), ((0, 0.4), (0.4, 1.0))), strict=True):
        for group in GROUPS:
            h = hulls[(hulls["group"] == group) & (hulls["side"] == "upper")]
            ax.plot(
                h["false_positive_rate"],
                h["true_positive_rate"],
                color=_COLORS[group],
                ls=_STYLES[group],
                lw=1.6,
                label=group,
            )
        for rule, marker in _MARKERS.items():
            part = groups[groups["rule"] == rule]
            ax.scatter(
                part["false_positive_rate"],
                part["true_positive_rate"],
                marker=marker,
                s=42,
                facecolor="white",
                edgecolor="black",
                zorder=3,
                label=_SHORT[rule],
            )
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel("share of defaulters approved")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("share of repayers approved")
    axes[0].set_title("Trade-off (ROC) curve\nof each group", fontsize=10)
    axes[1].set_title("Zoom: where each rule\nputs each group", fontsize=10)
    axes[1].legend(frameon=False, fontsize=7.5, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def _fig_curve(curve: pd.DataFrame, summary: pd.DataFrame):
    fig, ax = _subplots(figsize=(7.0, 3.6))
    x = 100 * curve.index.to_numpy(dtype=float)
    for rule in curve.columns:
        ax.plot(
            x,
            100 * curve[rule],
            marker=_MARKERS[rule],
            ms=4,
            lw=1.6,
            label=_SHORT[rule],
            color="black",
            ls={"demographic_parity": "-", "equal_opportunity": "--"}.get(rule, ":"),
        )
        ax.scatter(
            [0],
            [100 * summary.loc[rule, "published_share"]],
            marker="x",
            s=50,
            color="#C85200",
            zorder=4,
        )
    ax.scatter([], [], marker="x", color="#C85200", label="published (no gap allowed)")
    ax.axhline(
        100 * summary.loc["single_threshold", "share_of_max"],
        color="#006BA4",
        lw=1,
        ls="-.",
        label="single threshold",
    )
    ax.set_xlabel("allowed gap between groups (percentage points)")
    ax.set_ylabel("share of maximum profit (%)")
    ax.set_ylim(60, 101)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _fig_thresholds(groups: pd.DataFrame):
    fig, ax = _subplots(figsize=(7.0, 3.2))
    rules = list(RULES)
    y = np.arange(len(rules))
    for k, group in enumerate(GROUPS):
        part = groups[groups["group"] == group].set_index("rule").loc[rules]
        ax.scatter(
            part["threshold"],
            y + (k - 1.5) * 0.12,
            color=_COLORS[group],
            s=30,
            marker="osD^"[k],
            label=group,
            zorder=3,
        )
    ax.set_yticks(y, [_SHORT[r] for r in rules])
    ax.invert_yaxis()
    ax.set_xlabel("TransRisk score threshold (median of a randomized rule)")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def _summary_paragraphs(out: dict[str, Any]) -> list[str]:
    s = out["summary"]
    g = out["groups"].set_index(["rule", "group"])
    share = {r: fmt_percent(s.loc[r, "share_of_max"], 2) for r in s.index}
    mp = {grp: g.loc[("max_profit", grp), "threshold"] for grp in GROUPS}
    dp_rate = g.loc[("demographic_parity", "White"), "approval_rate"]
    eo_tpr = g.loc[("equal_opportunity", "White"), "true_positive_rate"]
    black_mp = g.loc[("max_profit", "Black"), "true_positive_rate"]
    white_mp = g.loc[("max_profit", "White"), "true_positive_rate"]
    worst = float(s["difference_points"].abs().max())
    return [
        "A lender approves a loan when the applicant's credit score is at or above a "
        "threshold. Each repaid loan earns 18 cents per dollar at stake and each default "
        "loses 82 cents, so a loan pays off when at least 82 in 100 applicants with that "
        "score repay. In 2016 Hardt, Price and Srebro used real credit-score data for four "
        "groups (Asian, White, Hispanic, Black; 173,047 people) to ask what each definition "
        "of fairness costs such a lender. This report recomputes their answer exactly.",
        f"Choosing the most profitable threshold for each group separately (scores "
        f"{mp['Asian']:.1f}, {mp['White']:.1f}, {mp['Hispanic']:.1f} and {mp['Black']:.1f} "
        f"for Asian, White, Hispanic and Black applicants) earns the most. It approves "
        f"{fmt_percent(white_mp, 0)} of White applicants who would repay but only "
        f"{fmt_percent(black_mp, 0)} of Black applicants who would repay. One threshold for "
        f"everybody keeps {share['single_threshold']} of that profit.",
        f"Equal opportunity (the same share of would-be repayers approved in every group, "
        f"{fmt_percent(eo_tpr, 0)}) keeps {share['equal_opportunity']} of the maximum profit. "
        f"Equalized odds (also the same share of would-be defaulters approved) keeps "
        f"{share['equalized_odds']}. Demographic parity (the same share of applicants approved "
        f"in every group, {fmt_percent(dp_rate, 0)}) keeps {share['demographic_parity']}: it "
        f"approves many Black applicants who will default and turns away many Asian and "
        f"White applicants who would repay.",
        f"Every one of these numbers is within {worst:.2f} percentage points of the "
        "published one (table below). The small differences come from how the optimum is "
        "found: the paper "
        "searched a grid of deterministic thresholds, fairaudit solves the problem exactly, "
        "deciding a small share of applicants at one score at random so that the groups' "
        "rates are exactly equal.",
        "What this does not say: which definition is right. That depends on what the "
        "decision does to people, and on whether the score measures repayment equally well "
        "in every group; the profit figures also rest on the 0.18 / 0.82 assumption.",
    ]


def _summary_table(s: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule": s["label"],
            "profit per applicant (cents per dollar at stake)": s["profit"].map(
                lambda v: f"{100 * v:.2f}"
            ),
            "share of maximum profit": s["share_of_max"].map(lambda v: f"{100 * v:.2f}%"),
            "published share": s["published_share"].map(lambda v: f"{100 * v:.2f}%"),
            "difference (percentage points)": s["difference_points"].map(lambda v: f"{v:+.2f}"),
        }
    ).set_index("rule")


def _groups_table(groups: pd.DataFrame) -> pd.DataFrame:
    t = groups.assign(
        rule=groups["rule"].map(lambda r: RULES[r][0]),
        approved=groups["approval_rate"].map(fmt_percent),
        repayers_approved=groups["true_positive_rate"].map(fmt_percent),
        defaulters_approved=groups["false_positive_rate"].map(fmt_percent),
    )
    t = t.rename(
        columns={
            "rule_text": "threshold (randomized share)",
            "approved": "applicants approved",
            "repayers_approved": "repayers approved",
            "defaulters_approved": "defaulters approved",
        }
    )
    return t.set_index(["rule", "group"])[
        [
            "threshold (randomized share)",
            "applicants approved",
            "repayers approved",
            "defaulters approved",
        ]
    ]


def _grid_profit_difference(out: dict[str, Any]) -> float:
    """The largest difference, in percentage points, between the share of maximum profit of
    the grid search and of the exact rule over the rules the grid search was run for."""
    s = out["summary"]
    return max(
        abs(100 * (found["share_of_max"] - s.loc[rule, "share_of_max"]))
        for rule, found in out["grid"].items()
    )


def _grid_table(out: dict[str, Any]) -> pd.DataFrame:
    s = out["summary"]
    g = out["groups"].set_index(["rule", "group"])
    rows = []
    for rule, found in out["grid"].items():
        rows.append(
            {
                "rule": RULES[rule][0],
                "exact rule: share of maximum profit": fmt_percent(s.loc[rule, "share_of_max"], 2),
                "exact rule: largest gap between groups (percentage points)": (
                    f"{100 * s.loc[rule, 'disparity']:.2f}"
                ),
                "grid search: share of maximum profit": fmt_percent(found["share_of_max"], 2),
                "grid search: largest gap between groups (percentage points)": (
                    f"{100 * found['disparity']:.2f}"
                ),
                "published share of maximum profit": fmt_percent(s.loc[rule, "published_share"], 2),
                "exact thresholds": ", ".join(
                    f"{grp} {g.loc[(rule, grp), 'threshold']:.1f}" for grp in GROUPS
                ),
                "grid thresholds": ", ".join(
                    f"{grp} {found['thresholds'][grp]:.1f}" for grp in GROUPS
                ),
            }
        )
    return pd.DataFrame(rows).set_index("rule").T.rename_axis("measure")


def sections(out: dict[str, Any]) -> list:
    from fairaudit.report import Figure, Section, Table, figure_to_svg

    s = out["summary"]
    totals = out["totals"]
    data_table = pd.DataFrame(
        {
            "people": totals.reindex(list(GROUPS)).round().astype(int),
            "share who repay": [
                fmt_percent(
                    float(
                        (
                            out["data"].query("group == @grp")["count"]
                            * out["data"].query("group == @grp")["repay_rate"]
                        ).sum()
                        / totals[grp]
                    )
                )
                for grp in GROUPS
            ],
        }
    )
    curve = out["curve"]
    dp = out["groups"].set_index(["rule", "group"]).loc[("demographic_parity", "Asian")]
    example = f"demographic parity, Asian applicants: {dp['rule_text']}"
    return [
        Section(
            "Summary",
            paragraphs=_summary_paragraphs(out),
            tables=[
                Table(
                    _summary_table(s),
                    caption=(
                        "Share of the maximum profit kept by each rule: fairaudit's exact "
                        "optimum and the published value."
                    ),
                )
            ],
            id="summary",
        ),
        Section(
            "The data",
            paragraphs=[
                "TransUnion TransRisk scores (0 to 100, on a grid of 0.5) of a national "
                "sample of credit files, as published by the US Federal Reserve in its 2007 "
                "report to Congress on credit scoring, for the four groups Hardt et al. used. "
                "For each group and score the data give how many people have the score and "
                "what share of them later defaulted (in the Federal Reserve's definition); "
                "no individual record is included.",
                "At the same score, Black applicants repay less often than White applicants, "
                "and their scores are lower on the whole: the same threshold approves far "
                "fewer of them.",
            ],
            figures=[
                Figure(
                    figure_to_svg(_fig_data(out["data"])),
                    alt="Two line charts: the share of people who repay rises with the score in "
                    "every group; Black and Hispanic applicants' scores are lower.",
                    caption="Left: share who repay at each score (black line: the 82% at which a "
                    "loan breaks even). Right: cumulative score distribution by group.",
                )
            ],
            tables=[Table(data_table, caption="Group sizes in the data and share who repay.")],
            id="data",
        ),
        Section(
            "Five lending rules",
            paragraphs=[
                "Each rule is the most profitable one that meets its definition of fairness. "
                "Where a rule needs a group's rate to fall between two scores on the grid, "
                "applicants at the boundary score are approved at random: a rule written "
                '"a (p%) / b (q%)" approves everybody at or above score b, and applicants '
                f"at score a with probability p% ({example}). Equalized odds also approves "
                'a few applicants at random whatever their score ("approve all") or turns '
                'away a few ("approve none").',
            ],
            figures=[
                Figure(
                    figure_to_svg(_fig_thresholds(out["groups"])),
                    alt="Dot chart of the score threshold of each group under each rule.",
                    caption="Score thresholds by rule and group (the score at which at least half "
                    "of the applicants are approved).",
                )
            ],
            tables=[
                Table(
                    _groups_table(out["groups"]),
                    caption=(
                        "Per group: the threshold, the share of applicants approved, the share of "
                        "would-be repayers approved (true positive rate) and the share of would-be "
                        "defaulters approved (false positive rate)."
                    ),
                )
            ],
            id="rules",
        ),
        Section(
            "The trade-off each rule makes (ROC curves)",
            paragraphs=[
                "Each curve shows, for one group, every trade-off a threshold can make "
                "between approving would-be repayers (up) and approving would-be defaulters "
                "(right). Equal opportunity puts every group at the same height; equalized "
                "odds at the same point, which must lie under every group's curve, so it "
                "gives up more profit; demographic parity moves the groups along their curves "
                "until they approve the same share of applicants.",
            ],
            figures=[
                Figure(
                    figure_to_svg(_fig_roc(out["models"], out["groups"])),
                    alt="Trade-off curves (ROC curves) of the four groups with the point where "
                    "each rule puts each group.",
                    caption="Each group's curve: for every threshold, and every random mix "
                    "of two thresholds, the share of would-be repayers approved against the "
                    "share of would-be defaulters approved; markers: where each rule puts "
                    "each group.",
                )
            ],
            id="roc",
        ),
        Section(
            "Profit against the constraint",
            paragraphs=[
                "A rule may allow the groups' rates to differ by a few percentage points. The "
                "chart "
                "shows how much of the maximum profit each definition keeps as the allowed "
                "gap grows: most of the cost of demographic parity is paid for the last "
                "percentage points of equality.",
            ],
            figures=[
                Figure(
                    figure_to_svg(_fig_curve(curve, s)),
                    alt="Line chart of the share of maximum profit against the allowed gap for "
                    "demographic parity, equal opportunity and equalized odds.",
                    caption="Exact optimum at each allowed gap; crosses: the published values "
                    "(gap 0).",
                )
            ],
            tables=[
                Table(
                    curve.map(lambda v: f"{100 * v:.2f}")
                    .rename(columns=lambda r: RULES[r][0])
                    .set_axis([f"{100 * t:.0f}" for t in curve.index], axis=0)
                    .rename_axis("allowed gap (percentage points)"),
                    caption="Share of maximum profit (%) by allowed gap.",
                )
            ],
            id="curve",
        ),
        Section(
            "Exact optimum and the paper's grid search",
            paragraphs=[
                "The study's published code chose one deterministic threshold per group on the score "
                f"grid (step {GRID_STEP}) and searched over the target rate. A deterministic "
                "grid threshold can rarely make the groups' rates exactly equal, so the "
                "constraint holds only up to a grid step, which leaves a little more profit; "
                "fairaudit mixes two adjacent thresholds at random so that the rates are "
                "exactly equal, which is the true optimum of the stated problem. The table "
                "sets both against the published share. A grid search of the paper's kind, "
                "giving each group the grid threshold whose rate is closest to the target, is "
                "shown for the two one-rate constraints; near the optimum the profit is flat, "
                "so its thresholds can lie a few grid steps from the exact ones while the "
                "shares of maximum profit differ by at most "
                f"{_grid_profit_difference(out):.1f} percentage points: the grid's rule "
                "earns a little more because it leaves a gap between the groups.",
            ],
            tables=[
                Table(
                    _grid_table(out),
                    caption=("Exact (randomized) optimum against a deterministic grid search."),
                )
            ],
            id="grid",
        ),
        Section(
            "Method, caveats and reproducibility",
            paragraphs=[
                "Each (group, score) cell of the data is two weighted rows, its repayers and "
                "its defaulters; ThresholdOptimizer(objective={'true_positive': 0.18, "
                "'false_positive': -0.82}).fit_distribution(...) maximizes the mean profit "
                "per applicant over the convex hulls of the groups' ROC curves with a linear "
                "program (group_blind=True for the single threshold). The results are "
                "deterministic.",
                "Caveats: TransRisk is TransUnion's score, not FICO's own, although the "
                "study calls it a FICO score; the data are two decades old; race comes from "
                "Social Security Administration records matched by the Federal Reserve "
                "(the files' 'ssa'); default is "
                "observed only for people who already had credit; a rule's profit is measured on the "
                "same distribution it was chosen on. Randomized decisions at a boundary "
                "score are what make the constraint exact; a lender may prefer a "
                "deterministic rule with a small gap (see the profit chart).",
                f"Reproduce with: python case_studies/credit.py --out DIR, or "
                f"fairaudit case-study run credit. Run time {out['seconds']:.1f} s.",
            ],
            id="method",
        ),
    ]
