"""Figures and report sections of the COMPAS case study (see ``compas.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairaudit.datasets import load_compas
from fairaudit.report._format import fmt_percent, fmt_points

from .analysis import (
    AA,
    EO_TOLERANCE,
    GROUPS,
    MIN_DECILE_COUNT,
    WHITE,
    rates_at,
    two_groups,
)


# --------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------
def _interval(lower: pd.Series, upper: pd.Series) -> pd.Series:
    """Intervals of rates, in % (one decimal)."""
    return lower.map(lambda v: f"{100 * v:.1f}") + "\u2013" + upper.map(lambda v: f"{100 * v:.1f}%")


def _points_interval(lower: pd.Series, upper: pd.Series) -> pd.Series:
    """Intervals of differences of rates, in percentage points (one decimal)."""
    return lower.map(lambda v: f"{100 * v:+.1f}") + " to " + upper.map(lambda v: f"{100 * v:+.1f}")


def _as_pct(frame: pd.DataFrame, columns, digits: int = 1) -> pd.DataFrame:
    """``frame`` with ``columns`` (rates) written as percentages."""
    frame = frame.copy()
    for c in columns:
        frame[c] = frame[c].map(lambda v: "n/a" if pd.isna(v) else f"{100 * v:.{digits}f}%")
    return frame


def _as_points(frame: pd.DataFrame, columns, digits: int = 1) -> pd.DataFrame:
    """``frame`` with ``columns`` (differences of rates) in signed percentage points."""
    frame = frame.copy()
    for c in columns:
        frame[c] = frame[c].map(lambda v: "n/a" if pd.isna(v) else f"{100 * v:+.{digits}f}")
    return frame


#: What the outcome columns of ProPublica's file record, in words.
OUTCOME_WORDS = {
    "two_year_recid": "charged again within two years",
    "is_recid": "any recorded reoffence",
}
#: The candidate subsets of the published figures, named in words.
SUBSET_WORDS = {
    "all rows": "all rows",
    "all rows, is_recid": "all rows, any recorded reoffence",
    "ProPublica filter": "ProPublica's filter",
    "ProPublica filter, is_recid": "ProPublica's filter, any recorded reoffence",
    "screening interval recorded": "days between arrest and screening recorded",
}


#: Display names of the columns of the study's tables (the results keep their own names).
COLUMN_LABELS = {
    "n": "defendants",
    "fp": "false positives",
    "tn": "true negatives",
    "fn": "false negatives",
    "tp": "true positives",
    "base_rate": "reoffended (base rate)",
    "subset": "candidate subset",
    "false_positive_rate": "false positive rate",
    "false_negative_rate": "false negative rate",
    "positive_predictive_value": "precision (PPV)",
    "outcome": "outcome",
    "n_rows": "rows",
    "fpr_african_american": "false positive rate, African-American",
    "fpr_caucasian": "false positive rate, Caucasian",
    "fnr_african_american": "false negative rate, African-American",
    "fnr_caucasian": "false negative rate, Caucasian",
    "ppv_african_american": "high risk who reoffended, African-American",
    "ppv_caucasian": "high risk who reoffended, Caucasian",
    "npv_african_american": "low risk who did not reoffend, African-American",
    "npv_caucasian": "low risk who did not reoffend, Caucasian",
    "matches_published_2dp": "matches the notebook (2 decimals)",
    "matches_published_1dp": "matches the article (1 decimal)",
    "n_african_american": "African-American defendants",
    "n_caucasian": "Caucasian defendants",
    "rate_african_american": "African-American reoffended",
    "rate_caucasian": "Caucasian reoffended",
    "difference": "difference (percentage points)",
    "enough_data": "enough defendants in both groups",
    "fpr_from_identity": "false positive rate from the identity",
    "abs_difference": "difference (percentage points)",
    "threshold_african_american": "threshold (decile), African-American",
    "threshold_caucasian": "threshold (decile), Caucasian",
    "equalized_odds_difference": "largest gap in error rates (percentage points)",
    "ppv_difference": "gap in reoffending among high risk (percentage points)",
    "npv_difference": "gap in not reoffending among low risk (percentage points)",
    "accuracy": "accuracy",
}


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the display names of its columns and index (see COLUMN_LABELS)."""
    out = frame.rename(columns=COLUMN_LABELS)
    if out.index.name in COLUMN_LABELS:
        out.index.name = COLUMN_LABELS[out.index.name]
    return out


#: Two-row headers of the threshold tables: (what, whose) for each column.
_TWO_ROW = {
    "threshold_african_american": ("decile threshold", "African-American"),
    "threshold_caucasian": ("decile threshold", "Caucasian"),
    "fpr_african_american": ("false positive rate", "African-American"),
    "fpr_caucasian": ("false positive rate", "Caucasian"),
    "fnr_african_american": ("false negative rate", "African-American"),
    "fnr_caucasian": ("false negative rate", "Caucasian"),
    "equalized_odds_difference": ("largest gap", "points"),
    "ppv_african_american": ("labelled high risk: reoffended", "African-American"),
    "ppv_caucasian": ("labelled high risk: reoffended", "Caucasian"),
    "npv_african_american": ("labelled low risk: did not reoffend", "African-American"),
    "npv_caucasian": ("labelled low risk: did not reoffend", "Caucasian"),
    "ppv_difference": ("gap, high risk", "points"),
    "npv_difference": ("gap, low risk", "points"),
    "accuracy": ("accuracy", ""),
}


def two_row(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the two-row headers of :data:`_TWO_ROW`."""
    out = frame.copy()
    out.columns = pd.MultiIndex.from_tuples([_TWO_ROW[c] for c in frame.columns])
    return out


def rule_label(rule: str) -> str:
    """A threshold rule's short name for the reader: the optimizer's rules say what they do."""
    if rule.startswith("ThresholdOptimizer (") and rule.endswith(", randomized)"):
        constraint = rule[len("ThresholdOptimizer (") : -len(", randomized)")]
        return "randomized, " + constraint.replace("equal FPR", "equal false positive rates")
    return rule.replace("single threshold (decile >= 5)", "one threshold, decile 5 or higher")


def _figure_error_rates(rates: pd.DataFrame, subsets: pd.DataFrame):
    import matplotlib.pyplot as plt

    from fairaudit.report import Figure, figure_to_svg

    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.0), sharey=True)
    published = subsets.loc["all rows"]
    for ax, metric, short in zip(
        axes, ("false_positive_rate", "false_negative_rate"), ("fpr", "fnr"), strict=True
    ):
        values = rates.loc[list(GROUPS), metric].to_numpy()
        lower = rates.loc[list(GROUPS), f"{metric}_lower"].to_numpy()
        upper = rates.loc[list(GROUPS), f"{metric}_upper"].to_numpy()
        x = np.arange(len(GROUPS))
        ax.bar(x, values, color=["#D55E00", "#0072B2"], width=0.55)
        ax.errorbar(
            x,
            values,
            yerr=[values - lower, upper - values],
            fmt="none",
            ecolor="black",
            capsize=4,
            linewidth=1,
        )
        pub = [published[f"{short}_african_american"], published[f"{short}_caucasian"]]
        ax.plot(
            x,
            pub,
            linestyle="none",
            marker="D",
            color="black",
            markersize=5,
        )
        for xi, v in zip(x, values, strict=True):
            ax.text(xi, v / 2, fmt_percent(v), ha="center", color="white", fontsize=8)
        ax.set_xticks(x, list(GROUPS))
        ax.set_title("False positive rate" if short == "fpr" else "False negative rate")
        ax.set_ylim(0, 0.65)
    axes[0].set_ylabel("rate (95% Wilson interval)")
    # The bars are coloured by group (named under each bar); the legend, above the panels
    # where it covers nothing, says what bars and diamonds are.
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor="#D55E00",
            edgecolor="#0072B2",
            linewidth=2,
            label="bar: the 6,172 filtered rows, with 95% interval",
        ),
        Line2D(
            [],
            [],
            linestyle="none",
            marker="D",
            color="black",
            markersize=5,
            label="diamond: all 7,214 rows (the published figures)",
        ),
    ]
    fig.legend(
        handles=handles,
        loc="upper center",
        ncol=2,
        frameon=False,
        fontsize=8,
        bbox_to_anchor=(0.5, 1.0),
    )
    fig.tight_layout(rect=(0, 0, 1, 0.88))
    svg = figure_to_svg(fig)
    return Figure(
        svg=svg,
        alt=(
            "Bar charts of the false positive and false negative rates of the medium-or-high "
            "risk label for African-American and Caucasian defendants, with 95% intervals: "
            f"FPR {fmt_percent(values_of(rates, 'false_positive_rate', AA))} vs "
            f"{fmt_percent(values_of(rates, 'false_positive_rate', WHITE))}, FNR "
            f"{fmt_percent(values_of(rates, 'false_negative_rate', AA))} vs "
            f"{fmt_percent(values_of(rates, 'false_negative_rate', WHITE))}."
        ),
        caption=(
            "Bars: ProPublica's filtered rows with 95% Wilson intervals, orange for "
            "African-American and blue for Caucasian defendants. Diamonds: the same rates on "
            "all 7,214 rows, where the published figures come from."
        ),
    )


def values_of(frame: pd.DataFrame, column: str, group: str) -> float:
    """``frame.loc[group, column]`` as a float (small helper for report text)."""
    return float(frame.loc[group, column])


def _figure_calibration(calibration: pd.DataFrame):
    import matplotlib.pyplot as plt

    from fairaudit.report import Figure, figure_to_svg

    # 7.1 in: the legend drawn outside the axes widens the saved figure a little
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.1, 3.3), layout="constrained")
    styles = {AA: ("#D55E00", "o", -0.12), WHITE: ("#0072B2", "s", 0.12)}
    for group, (colour, marker, shift) in styles.items():
        part = calibration[calibration["race"] == group]
        x = part["decile"].to_numpy() + shift
        rate = part["rate"].to_numpy()
        left.errorbar(
            x,
            rate,
            yerr=[rate - part["lower"].to_numpy(), part["upper"].to_numpy() - rate],
            color=colour,
            marker=marker,
            markersize=4,
            capsize=2,
            linewidth=1,
            label=group,
        )
        share = part["n"].to_numpy() / part["n"].sum()
        right.bar(
            part["decile"].to_numpy() + shift * 1.6,
            share,
            width=0.38,
            color=colour,
            label=group,
            hatch="//" if group == WHITE else None,
            edgecolor="white",
        )
    for ax in (left, right):
        ax.set_xticks(range(1, 11))
        ax.set_xlabel("COMPAS decile score")
    left.set_ylabel("two-year recidivism rate (95% CI)")
    left.set_ylim(0, 1)
    left.set_title("Calibration within groups")
    left.legend(loc="upper left")
    right.set_ylabel("share of the group's defendants")
    right.set_title("Distribution of scores")
    right.legend(loc="upper right")
    return Figure(
        svg=figure_to_svg(fig),
        alt=(
            "Left: observed two-year recidivism rate by COMPAS decile for African-American "
            "and Caucasian defendants; the two lines rise together and overlap within their "
            "intervals. Right: African-American defendants' scores are spread across all "
            "deciles while Caucasian defendants' concentrate in the low deciles."
        ),
        caption=(
            "At the same decile both groups reoffend at similar rates (Northpointe's point); "
            "but the groups' score distributions differ, and so do their base rates."
        ),
    )


def _figure_tradeoff(filtered: pd.DataFrame, thresholds: pd.DataFrame):
    import matplotlib.pyplot as plt

    from fairaudit.report import Figure, figure_to_svg

    sub = two_groups(filtered)
    ts = np.arange(2, 11)
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    styles = {AA: ("#D55E00", "o", "african_american"), WHITE: ("#0072B2", "s", "caucasian")}
    for group, (colour, marker, key) in styles.items():
        part = sub[sub["race"] == group]
        r = rates_at(part["decile_score"].to_numpy(), part["two_year_recid"].to_numpy(), ts)
        ax.plot(
            r["fpr"],
            r["tpr"],
            color=colour,
            marker=marker,
            markersize=3,
            linewidth=1,
            label=f"{group}: threshold at decile 2 to 10",
        )
        single = thresholds.iloc[0]
        eo = thresholds.iloc[1]
        ax.plot(
            single[f"fpr_{key}"],
            1 - single[f"fnr_{key}"],
            marker=marker,
            markersize=9,
            markerfacecolor="none",
            markeredgecolor=colour,
            linestyle="none",
        )
        ax.plot(
            eo[f"fpr_{key}"],
            1 - eo[f"fnr_{key}"],
            marker="*",
            markersize=11,
            color=colour,
            linestyle="none",
        )
    ax.plot(
        [],
        [],
        marker="o",
        markerfacecolor="none",
        markeredgecolor="black",
        linestyle="none",
        label="one threshold (decile 5 or higher)",
    )
    ax.plot(
        [],
        [],
        marker="*",
        color="black",
        linestyle="none",
        label="group thresholds, equalized odds",
    )
    ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.8, linestyle=":")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right", fontsize=7)
    return Figure(
        svg=figure_to_svg(fig),
        alt=(
            "ROC points of the decile score for the two groups. With one threshold the "
            "groups sit at different points (higher FPR and TPR for African-American "
            "defendants); with group thresholds they meet at nearly the same point."
        ),
        caption=(
            "Equalizing error rates means using a higher decile threshold for African-American "
            "than for Caucasian defendants: the same decile then leads to different labels."
        ),
    )


# --------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------
def sections(res: dict[str, Any], filtered: pd.DataFrame, *, quick: bool = False) -> list:
    """The report's sections; ``quick`` embeds only the sex audit in the last audit section."""
    from fairaudit.report import Section, Table

    rates = res["error_rates"]
    subsets = res["published_subsets"]
    diffs = res["calibration_differences"]
    thresholds = res["thresholds"]
    fpr_r, fnr_r = res["fpr_ratio"], res["fnr_ratio"]
    a_fpr, c_fpr = (values_of(rates, "false_positive_rate", g) for g in GROUPS)
    a_fnr, c_fnr = (values_of(rates, "false_negative_rate", g) for g in GROUPS)
    a_ppv, c_ppv = (values_of(rates, "positive_predictive_value", g) for g in GROUPS)
    a_p, c_p = (values_of(rates, "base_rate", g) for g in GROUPS)
    enough = diffs[diffs["enough_data"]]
    max_gap = float(enough["difference"].abs().max())
    n_excl = int(((enough["lower"] > 0) | (enough["upper"] < 0)).sum())
    single, eo = thresholds.iloc[0], thresholds.iloc[1]
    opt = thresholds.iloc[2]
    others = ", ".join(
        f"{fmt_points(row['ppv_difference'])} under {rule.split('(')[1].split(',')[0]}"
        for rule, row in thresholds.iloc[3:].iterrows()
    )
    rules = res["threshold_optimizer_rules"]
    rule_text = "; ".join(
        f"{group}: "
        + ", ".join(
            f"decile {10 * t:.0f} or higher with probability {100 * p:.0f}%"
            for t, p in zip(part["threshold"], part["probability"], strict=True)
        )
        for group, part in rules.groupby("group", sort=False)
    )
    sex = res["audit_sex"].by_group
    pub = subsets.loc[res["published_subset"]] if res["published_subset"] else None
    matching = subsets.index[subsets["matches_published_2dp"]].tolist()
    if len(matching) == 1:
        matches = f"Only '{matching[0]}' ({subsets.loc[matching[0], 'description']}) reproduces"
    elif matching:
        matches = "Only " + " and ".join(f"'{m}'" for m in matching) + " reproduce"
    else:
        matches = "None of them reproduces"
    rate_cols = ["fpr_african_american", "fpr_caucasian", "fnr_african_american", "fnr_caucasian"]
    pub_fpr = float(subsets.loc["all rows", "fpr_african_american"])
    max_subset_gap = float(
        (subsets.loc["all rows", rate_cols] - subsets.loc["ProPublica filter", rate_cols])
        .abs()
        .max()
    )

    counts = (
        pd.DataFrame(
            {
                "all rows": load_compas()["race"].astype(str).value_counts(),
                "after ProPublica's filter": filtered["race"].astype(str).value_counts(),
            }
        )
        .fillna(0)
        .astype("int64")
    )
    counts.index.name = "race"
    counts.loc["total"] = counts.sum()

    shown = rates.loc[["African-American", "Caucasian", "Hispanic", "Other"]]
    rate_table = readable(_as_pct(shown[["n", "fp", "tn", "fn", "tp", "base_rate"]], ["base_rate"]))
    for metric in ("false_positive_rate", "false_negative_rate"):
        rate_table[f"{COLUMN_LABELS[metric]} (95% interval)"] = (
            shown[metric].map(lambda v: f"{100 * v:.1f}%")
            + " ("
            + _interval(shown[f"{metric}_lower"], shown[f"{metric}_upper"])
            + ")"
        )
    rate_table["high risk who reoffended (PPV)"] = shown["positive_predictive_value"].map(
        lambda v: f"{100 * v:.1f}%"
    )
    subset_table = subsets.drop(columns=["description", "n"]).copy()
    subset_table["outcome"] = subset_table["outcome"].map(lambda v: OUTCOME_WORDS.get(v, v))
    subset_table = readable(
        _as_pct(subset_table, rate_cols, digits=2).rename(index=lambda v: SUBSET_WORDS.get(v, v))
    )
    calib_table = _as_pct(
        diffs.drop(columns=["lower", "upper"]), ["rate_african_american", "rate_caucasian"]
    )
    calib_table = _as_points(calib_table, ["difference"])
    calib_table.insert(
        calib_table.columns.get_loc("difference") + 1,
        "95% interval (percentage points)",
        _points_interval(diffs["lower"], diffs["upper"]),
    )
    calib_table = readable(calib_table)
    calib_table.index.name = "decile"
    identity = res["impossibility"].copy()
    identity["abs_difference"] = identity["abs_difference"].map(
        lambda v: f"{100 * v:.1g}" if v else "0"
    )
    identity = readable(
        _as_pct(
            identity,
            [
                "base_rate",
                "positive_predictive_value",
                "false_negative_rate",
                "false_positive_rate",
                "fpr_from_identity",
            ],
            digits=3,
        )
    )
    threshold_table = thresholds.rename(index=rule_label)
    group_rule = threshold_table.index.str.startswith("group thresholds")
    threshold_table.index = [
        f"group thresholds, decile {row['threshold_african_american']:.0f} / "
        f"{row['threshold_caucasian']:.0f} or higher"
        if grouped
        else name
        for (name, row), grouped in zip(threshold_table.iterrows(), group_rule, strict=True)
    ]
    threshold_table = _as_pct(
        threshold_table,
        [
            c
            for c in threshold_table.columns
            if (c.startswith(("fpr_", "fnr_", "ppv_", "npv_")) and not c.endswith("_difference"))
            or c == "accuracy"
        ],
    )
    threshold_table = _as_points(
        threshold_table, ["equalized_odds_difference", "ppv_difference", "npv_difference"]
    )
    threshold_table.index.name = "rule"
    error_cols = [
        "fpr_african_american",
        "fpr_caucasian",
        "fnr_african_american",
        "fnr_caucasian",
        "equalized_odds_difference",
        "accuracy",
    ]
    value_cols = [
        "ppv_african_american",
        "ppv_caucasian",
        "npv_african_american",
        "npv_caucasian",
        "ppv_difference",
        "npv_difference",
    ]

    summary = [
        f"On the {res['n_rows']['filtered']:,} defendants kept by ProPublica's filter, COMPAS's "
        f"'medium or high risk' label (decile 5 or more) wrongly flags {fmt_percent(a_fpr)} of the "
        f"African-American defendants who did not reoffend within two years, against "
        f"{fmt_percent(c_fpr)} of the Caucasian ones: a ratio of {fpr_r['value']:.2f} (95% CI "
        f"{fpr_r['lower']:.2f}-{fpr_r['upper']:.2f}). It misses {fmt_percent(c_fnr)} of the "
        f"Caucasian reoffenders against {fmt_percent(a_fnr)} of the African-American ones (ratio "
        f"{fnr_r['value']:.2f}, 95% CI {fnr_r['lower']:.2f}-{fnr_r['upper']:.2f}).",
        f"At the same time the score is calibrated within groups: for every decile with at "
        f"least {MIN_DECILE_COUNT} defendants of each group, the two groups' recidivism rates "
        f"differ by at most {fmt_points(max_gap)}, and {n_excl} of these {len(enough)} differences "
        f"is distinguishable from zero (95% Newcombe interval excluding zero).",
        f"Both statements hold at once because the groups' base rates differ ({fmt_percent(a_p)} vs "
        f"{fmt_percent(c_p)}). An identity ties the false positive rate to the base rate, the false "
        f"negative rate and the share of those labelled high risk who reoffend; the audited "
        f"numbers satisfy it exactly. With unequal base rates, a label that is equally "
        f"predictive in both groups and misses reoffenders equally often must flag "
        f"non-reoffenders at unequal rates.",
    ]
    if pub is not None:
        summary.append(
            f"ProPublica's published 44.9% / 23.5% (FPR) and 28.0% / 47.7% (FNR) are "
            f"reproduced exactly on all {int(pub['n_rows']):,} rows of the two-year file "
            f"(outcome: charged again within two years; no row filter), not on the 6,172 "
            f"filtered rows."
        )

    return [
        Section("Summary", paragraphs=summary, id="summary"),
        Section(
            "Data and ProPublica's filter",
            paragraphs=[
                "ProPublica's two-year file (compas-scores-two-years.csv, Broward County, "
                "Florida, defendants screened in 2013-2014) bundled with fairaudit: 7,214 "
                "defendants with their COMPAS general-recidivism decile score (1-10), its "
                "label (Low 1-4, Medium 5-7, High 8-10) and whether they were charged with a "
                "new offence within two years (re-arrested within two years).",
                "ProPublica's filter keeps screenings within 30 days of the arrest (the "
                "number of days between arrest and screening is between -30 and 30), drops "
                "cases without a COMPAS case record, ordinary traffic offences and invalid "
                "scores. On this file only the screening window removes rows: 307 without a "
                "recorded number of days and 735 outside the window, leaving 6,172.",
                "The prediction audited is ProPublica's: 'medium or high risk' (decile 5 or "
                "higher); the outcome is whether the defendant was charged again within two "
                "years. The data note at the end gives the file's column names.",
            ],
            tables=[Table(counts, caption="Defendants by race.", digits=0)],
        ),
        Section(
            "ProPublica: error rates differ by race",
            paragraphs=[
                f"False positive rate (non-reoffenders labelled medium or high risk): "
                f"{fmt_percent(a_fpr)} for African-American and {fmt_percent(c_fpr)} for Caucasian "
                f"defendants. False negative rate (reoffenders labelled low risk): "
                f"{fmt_percent(a_fnr)} and {fmt_percent(c_fnr)}. The intervals are far apart; the audit "
                f"below (bootstrap intervals, reference group Caucasian) says the same.",
                f"Hispanic and Other defendants have false positive rates at or below the "
                f"Caucasian one ({fmt_percent(values_of(rates, 'false_positive_rate', 'Hispanic'))} "
                f"and {fmt_percent(values_of(rates, 'false_positive_rate', 'Other'))}) and higher "
                f"false negative rates ({fmt_percent(values_of(rates, 'false_negative_rate', 'Hispanic'))}"
                f" and {fmt_percent(values_of(rates, 'false_negative_rate', 'Other'))}). Asian "
                f"({int(values_of(rates, 'n', 'Asian'))}) and Native American "
                f"({int(values_of(rates, 'n', 'Native American'))}) defendants are too few for "
                "stable rates and are left out of the audits.",
            ],
            figures=[_figure_error_rates(rates, subsets)],
            tables=[
                Table(
                    rate_table,
                    caption="Counts of correct and wrong labels and the rates on the filtered "
                    "rows, with 95% Wilson intervals, computed directly from the counts. A "
                    "false positive is a defendant labelled medium or high risk who did not "
                    "reoffend; a false negative, one labelled low risk who did.",
                )
            ],
            audits=[res["audit_race"]],
        ),
        Section(
            "Which rows the published figures come from",
            paragraphs=[
                f"The filtered rows give {fmt_percent(a_fpr)} / {fmt_percent(c_fpr)} (FPR) and "
                f"{fmt_percent(a_fnr)} / {fmt_percent(c_fnr)} (FNR), not the published 44.9% / 23.5% and "
                "28.0% / 47.7%. ProPublica's notebook computed the published figures in its "
                "'direction of the bias' section from the survival-analysis records "
                "(cox-parsed.csv), keeping everyone with a valid score who either reoffended "
                "within 730 days or was followed for more than 730 days: 7,214 people, the "
                "rows of the two-year file. The screening-window filter was not applied there.",
                f"The table tries the candidate subsets. {matches} the notebook's "
                "figures to two decimals (44.85%, 23.45%, 27.99%, 47.72%); the article's "
                "one-decimal figures are these rounded half up (the exact false positive rate "
                f"of African-American defendants on all rows is {pub_fpr:.3%}, which rounds to "
                "44.8% directly). Restricting to the two groups changes nothing, since each "
                "rate is computed within a group. The two subsets differ by at most "
                f"{fmt_points(max_subset_gap)} on these rates and lead to the same conclusions.",
            ],
            tables=[
                Table(
                    subset_table,
                    caption="Candidate subsets: false positive and false negative rates of "
                    "the two groups, to two decimals.",
                )
            ],
        ),
        Section(
            "Northpointe: the score is calibrated within groups",
            paragraphs=[
                "Northpointe (Dieterich, Mendoza & Brennan, 2016) replied that COMPAS is "
                "equally predictive for both groups. At each decile the observed two-year "
                "recidivism rates of African-American and Caucasian defendants are close: "
                f"for the {len(enough)} deciles with at least {MIN_DECILE_COUNT} defendants "
                f"of each group, the largest gap is {fmt_points(max_gap)}, and the 95% Newcombe "
                "interval of each difference includes zero "
                f"({n_excl} exclude it). For the highest deciles there are few Caucasian "
                "defendants and the intervals are wide.",
                f"The label is also roughly equally predictive: among those labelled medium "
                f"or high risk, {fmt_percent(a_ppv)} of African-American and {fmt_percent(c_ppv)} of "
                f"Caucasian defendants reoffended (positive predictive value).",
            ],
            figures=[_figure_calibration(res["calibration"])],
            tables=[
                Table(
                    calib_table,
                    caption="Share who reoffended, by decile; difference: African-American "
                    "minus Caucasian, in percentage points, with 95% Newcombe intervals.",
                )
            ],
        ),
        Section(
            "Why both are true",
            paragraphs=[
                "For any classifier and any group, FPR = p/(1-p) x (1-PPV)/PPV x (1-FNR), "
                "where FPR is the false positive rate, FNR the false negative rate, PPV the "
                "share of those labelled high risk who reoffend (positive predictive value) "
                "and p the group's base rate (Chouldechova 2017). If PPV (predictive "
                "parity) and FNR are equal across groups but p is not, FPR cannot be equal. "
                f"Here p is {fmt_percent(a_p)} for African-American and {fmt_percent(c_p)} for Caucasian "
                "defendants. Kleinberg, Mullainathan & Raghavan (2016) prove the general "
                "version: unless the base rates are equal or prediction is perfect, no score "
                "is both calibrated within groups and balanced for both classes.",
                "The identity, applied to the audit's per-group numbers, reproduces each "
                "group's false positive rate exactly: the differences are the computer's "
                f"rounding error (at most {res['identity_max_error']:.1e}).",
            ],
            tables=[
                Table(
                    identity,
                    caption="The identity on the audited numbers (filtered rows).",
                )
            ],
        ),
        Section(
            "Equalizing error rates breaks calibration",
            paragraphs=[
                f"Post-processing for equalized odds picks a threshold per group. Searching "
                f"all pairs of decile thresholds for the most accurate pair whose gaps in "
                f"false and true positive rates are at most {fmt_points(EO_TOLERANCE, 0)} gives "
                f"decile {eo['threshold_african_american']:.0f} or higher for African-American "
                f"and {eo['threshold_caucasian']:.0f} or higher for Caucasian defendants: FPR "
                f"{fmt_percent(eo['fpr_african_american'])} vs {fmt_percent(eo['fpr_caucasian'])}, FNR "
                f"{fmt_percent(eo['fnr_african_american'])} vs {fmt_percent(eo['fnr_caucasian'])}.",
                f"The price is calibration of the label: the share of labelled-high "
                f"defendants who reoffend (PPV) now differs by "
                f"{fmt_points(eo['ppv_difference'])} instead of {fmt_points(single['ppv_difference'])}, "
                f"and the gap of the share of labelled-low defendants who do not reoffend "
                f"(NPV) grows from {fmt_points(abs(single['npv_difference']))} to "
                f"{fmt_points(abs(eo['npv_difference']))}. A defendant with decile "
                f"{eo['threshold_caucasian']:.0f} to {eo['threshold_african_american'] - 1:.0f} "
                f"is labelled high risk if Caucasian and low risk if African-American, although "
                f"both groups reoffend at about the same rate at those deciles. Accuracy moves "
                f"from {fmt_percent(single['accuracy'])} to {fmt_percent(eo['accuracy'])}.",
                f"fairaudit's threshold optimizer (Hardt, Price & Srebro 2016), given "
                f"the decile as a ready-made score, finds the exact equalized-odds optimum by "
                f"randomizing between adjacent thresholds ({rule_text}). Its realized decisions "
                f"have error rates within {fmt_points(opt['equalized_odds_difference'])} of each "
                f"other and a PPV gap of {fmt_points(opt['ppv_difference'])}: the same trade-off, now with "
                f"a coin flip for some defendants. Methods: a direct search over pairs of "
                f"decile thresholds, and the threshold optimizer's randomized thresholds.",
                "The other post-processing constraints do the same to calibration: the PPV "
                f"gap becomes {others}. Each of them moves the two groups' thresholds apart, "
                "and a calibrated score read with different thresholds no longer means the "
                "same thing for both groups.",
            ],
            figures=[_figure_tradeoff(filtered, thresholds)],
            tables=[
                Table(
                    two_row(threshold_table[error_cols]),
                    caption="One threshold versus group thresholds (African-American and "
                    "Caucasian defendants, filtered rows): error rates and accuracy. Group "
                    "thresholds: African-American / Caucasian, for equalized odds; randomized: "
                    "the threshold optimizer's rule for each fairness definition. Largest "
                    "gap: the larger of the two error-rate gaps, in percentage points.",
                ),
                Table(
                    two_row(threshold_table[value_cols]),
                    caption="The same rules: what the labels mean in each group, and "
                    "accuracy. Gaps (African-American minus Caucasian) in percentage points.",
                ),
            ],
        ),
        Section(
            "By sex, and by race and sex",
            paragraphs=[
                "The same label audited for every race with at least 50 defendants, by sex, "
                "and by the intersection of race and sex (cells of at least 50 defendants).",
                f"By sex the pattern is reversed. Women reoffend less often than men "
                f"({fmt_percent(sex.loc['Female', 'base_rate'])} vs "
                f"{fmt_percent(sex.loc['Male', 'base_rate'])}); the label's false positive rates are "
                f"almost equal ({fmt_percent(sex.loc['Female', 'false_positive_rate'])} vs "
                f"{fmt_percent(sex.loc['Male', 'false_positive_rate'])}), so by the same identity its "
                f"positive predictive values cannot be: "
                f"{fmt_percent(sex.loc['Female', 'positive_predictive_value'])} of the women "
                f"labelled medium or high risk reoffended, against "
                f"{fmt_percent(sex.loc['Male', 'positive_predictive_value'])} of the men. Here the "
                "label is balanced in its errors but not in its meaning across sexes: the "
                "same label corresponds to a lower recidivism rate for women than for men.",
            ],
            audits=(
                [res["audit_sex"]]
                if quick
                else [res["audit_race_all"], res["audit_sex"], res["audit_race_sex"]]
            ),
        ),
        Section(
            "What an auditor should and should not conclude",
            paragraphs=[
                "Should conclude: with ProPublica's label and outcome, African-American "
                "defendants who did not reoffend were labelled higher risk about twice as "
                "often as Caucasian ones, and Caucasian reoffenders were labelled low risk "
                "more often. This is a measured, statistically clear disparity in who bears "
                "the errors, and it matters for a punitive decision such as detention.",
                "Should conclude: the score is also calibrated within groups, so a judge "
                "reading a given decile gets about the same recidivism risk for either "
                "group. Neither party's numbers are wrong; they measure different criteria, "
                "and with unequal base rates no threshold rule can satisfy both. Choosing "
                "between them is a normative decision about which errors matter, not a "
                "statistical one.",
                "Should not conclude: that the score is or is not 'biased' in a single "
                "sense, or that the error-rate gap proves intent or that calibration proves "
                "fairness. Should not read the outcome as crime: it is a new charge in "
                "Broward County, which depends on policing. Should not treat the base rates "
                "as fixed facts about groups: they reflect this sample, its recording "
                "problems and the two-year construction of the file. Should not generalize "
                "beyond Broward County 2013-2014, nor from the small groups.",
                "Should check before acting: the data's recording problems (below), the "
                "choice of the label's threshold (the results above are for decile 5 or "
                "higher), "
                "and what decision the score feeds.",
            ],
        ),
        Section(
            "Limits of the data, and sources",
            id="limits",
            paragraphs=[
                "Outcome: being charged again within two years is a new criminal charge, not "
                "a new offence; arrests depend on where and whom the police patrol. People "
                "jailed during the follow-up could not be rearrested.",
                "Construction: Barenstein (2019) found that the two-year file applies the "
                "two-year cut-off to non-recidivists but not to recidivists, inflating the "
                "recidivism rate (45% in the file, about 36% after his correction) and the "
                "predictive values; false positive and false negative rates change little. "
                "The screening dates needed for his correction are not in the bundled file.",
                "Matching: the scored offence was matched to the arrest by date; 1,042 rows "
                "with a screening more than 30 days from the arrest, or no recorded interval, "
                "are dropped by ProPublica's filter because the match may be wrong.",
                "Data note, for reproducing the numbers: in ProPublica's file the outcome is "
                "the column two_year_recid (any recorded reoffence: is_recid), the days "
                "between arrest and screening are days_b_screening_arrest, the charge degree "
                "is c_charge_degree ('O' for ordinary traffic offences) and the label is "
                "score_text (medium or high risk: not 'Low'; the decile is decile_score).",
                "Sources: J. Angwin, J. Larson, S. Mattu and L. Kirchner, 'Machine Bias', "
                "ProPublica, 2016; J. Larson, S. Mattu, L. Kirchner and J. Angwin, 'How We "
                "Analyzed the COMPAS Recidivism Algorithm', ProPublica, 2016, and its "
                "repository propublica/compas-analysis; W. Dieterich, C. Mendoza and T. "
                "Brennan, 'COMPAS Risk Scales: Demonstrating Accuracy Equity and Predictive "
                "Parity', Northpointe, 2016; A. Chouldechova, 'Fair prediction with disparate "
                "impact', Big Data 5(2), 2017; J. Kleinberg, S. Mullainathan and M. Raghavan, "
                "'Inherent Trade-Offs in the Fair Determination of Risk Scores', ITCS 2017; "
                "M. Barenstein, 'ProPublica's COMPAS Data Revisited', arXiv:1906.04711, 2019; "
                "M. Bao et al., 'It's COMPASlicated', NeurIPS Datasets and Benchmarks 2021; "
                "M. Hardt, E. Price and N. Srebro, 'Equality of Opportunity in Supervised "
                "Learning', NeurIPS 2016.",
            ],
        ),
    ]
