"""Figures and report sections of the hiring case study.

:func:`sections` turns the dictionary returned by :func:`fairaudit.casestudies.hiring.results`
into the sections of ``hiring.html``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairaudit.report import PRINT_FIGURE_IN

from .analysis import (
    ACCURACY_SLACK,
    FEATURE_LABELS,
    FEMALE,
    GAP_TOLERANCE,
    LR_WITH,
    LR_WITHOUT,
    MALE,
    SCENARIOS,
    group_values,
)

_COLORS = {FEMALE: "#C85200", MALE: "#1170AA", "neutral": "#7B848F"}


class _Figures:
    """``subplots`` without pyplot: figures are never registered with a GUI backend, so
    building a report does not switch or disturb the user's matplotlib backend."""

    @staticmethod
    def subplots(nrows=1, ncols=1, *, figsize, **kwargs):
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize)
        return fig, fig.subplots(nrows, ncols, **kwargs)


def _plt() -> _Figures:
    return _Figures()


def _fig_selection(models: pd.DataFrame, truth: tuple[float, float]):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(PRINT_FIGURE_IN, 3.4))
    labels = [*models.index, "true suitability (base rate)"]
    female = [*models["selection_rate_female"], truth[0]]
    male = [*models["selection_rate_male"], truth[1]]
    y = np.arange(len(labels))
    ax.barh(y - 0.2, female, 0.4, color=_COLORS[FEMALE], label="women")
    ax.barh(y + 0.2, male, 0.4, color=_COLORS[MALE], label="men", hatch="//")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("share selected")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _fig_bars(values: pd.Series, xlabel: str, ref: float | None = None, colors=None):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(values) + 1.0))
    y = np.arange(len(values))
    ax.barh(y, values.to_numpy(), color=colors or _COLORS["neutral"])
    ax.set_yticks(y, [FEATURE_LABELS.get(i, i) for i in values.index])
    ax.invert_yaxis()
    if ref is not None:
        ax.axvline(ref, color="black", lw=1, ls="--")
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _fig_sweep(sweep: pd.DataFrame):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    x = sweep.index.to_numpy(dtype=float)
    ax.plot(
        x,
        sweep["leakage_auc"],
        marker="o",
        color=_COLORS["neutral"],
        label="how well the features predict gender (AUC)",
    )
    ax.plot(
        x,
        sweep["share_surviving"],
        marker="s",
        color=_COLORS[FEMALE],
        label="share of the gap surviving without gender",
    )
    ax.set_xlabel("proxy strength")
    ax.set_ylim(0, 1.05)
    ax.legend(frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _fig_mitigation(mitigation: pd.DataFrame):
    plt = _plt()
    rows = -(-len(mitigation) // 3)  # legend rows under the panels, three entries each
    height = 3.4 + 0.2 * rows
    fig, axes = plt.subplots(1, 2, figsize=(PRINT_FIGURE_IN, height), sharex=True)
    markers = "osD^vP*Xh"
    for ax, col, title in (
        (axes[0], "accuracy_recorded", "against the historical labels"),
        (axes[1], "accuracy_true", "against true suitability"),
    ):
        for i, (method, row) in enumerate(mitigation.iterrows()):
            ax.scatter(
                row["dp_difference"],
                row[col],
                marker=markers[i % len(markers)],
                s=45,
                label=method,
                zorder=3,
            )
        ax.axvline(0.0, color="black", lw=0.8, ls=":")
        ax.set_title(f"Accuracy {title}", fontsize=10)
        ax.set_xlabel("selection gap, men minus women")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, frameon=False, loc="lower center", ncol=3)
    fig.tight_layout(rect=(0, (0.2 * rows + 0.05) / height, 1, 1))
    return fig


def _fig_switch_heatmap(switches: pd.DataFrame, value: str, title: str):
    plt = _plt()
    grid = switches.pivot(index="method", columns="scenario", values=value)
    grid = grid.reindex(index=list(switches["method"].drop_duplicates()), columns=list(SCENARIOS))
    fig, ax = plt.subplots(figsize=(PRINT_FIGURE_IN, 0.42 * len(grid) + 1.6))
    lim = max(0.1, float(np.nanmax(np.abs(grid.to_numpy()))))
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    # pcolormesh keeps the chart vector (imshow would embed a bitmap).
    ax.pcolormesh(values, cmap="RdBu_r", vmin=-lim, vmax=lim, edgecolors="white")
    ax.set_xticks(np.arange(grid.shape[1]) + 0.5, list(grid.columns), rotation=20, ha="right")
    ax.set_yticks(np.arange(grid.shape[0]) + 0.5, list(grid.index))
    ax.invert_yaxis()
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid.iat[i, j]
            if np.isfinite(v):
                points = int(round(100 * v))
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    f"{points:+d}" if points else "0",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if abs(v) > 0.6 * lim else "black",
                )
    ax.set_title(title, fontsize=10)  # no colour bar: matplotlib draws it as a bitmap
    fig.tight_layout()
    return fig


def _fig_shortlist(shortlist: pd.DataFrame):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    for policy, marker in (("top k% overall", "o"), ("top k% within each gender", "s")):
        part = shortlist[shortlist["policy"] == policy]
        ax.plot(
            100 * part["k"],
            100 * part["women_share_of_shortlist"],
            marker=marker,
            label=_POLICY_LABELS.get(policy, policy),
        )
    ax.axhline(50, color="black", lw=1, ls="--")
    ax.set_xlabel("shortlist size (% of applicants)")
    ax.set_ylabel("women's share of the shortlist (%)")
    ax.set_ylim(0, 60)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


#: The shortlist policies in words.
_POLICY_LABELS = {
    "top k% overall": "highest scores overall",
    "top k% within each gender": "highest scores within each gender",
}

#: Short column labels for the report's tables (results() keeps the long names).
_LABELS = {
    "selection_rate_female": "women selected",
    "selection_rate_male": "men selected",
    "dp_difference": "selection gap",
    "dp_difference_sample": "selection gap on a training-like sample",
    "selection_ratio": "ratio (women / men)",
    "four_fifths_rule": "four-fifths rule",
    "accuracy_recorded": "accuracy (historical labels)",
    "accuracy_true": "accuracy (truth)",
    "tpr_gap_recorded": "gap in qualified applicants selected (historical labels)",
    "tpr_true_female": "suitable women found",
    "tpr_true_male": "suitable men found",
    "tpr_gap_true": "gap in suitable found",
    "auc_recorded": "AUC (historical labels)",
    "auc_true": "AUC (truth)",
    "auc_alone": "AUC of the feature alone",
    "coefficient_historical": "coefficient (historical labels)",
    "coefficient_true_target": "coefficient (truth)",
    "female_minus_male_mean": "women minus men (standard deviations)",
    "logit_gap_contribution": "part of the score gap",
    "trees_gap_removed_by_permuting": "gap removed by shuffling the feature (boosted trees)",
    "women_share_of_shortlist": "women's share of shortlist",
    "k": "shortlist size",
    "policy": "ranking",
    "scenario": "bias switched on",
    "method": "method",
    "verdict": "verdict",
    "feature": "feature",
    "truly_suitable_female": "suitable among women shortlisted",
    "truly_suitable_male": "suitable among men shortlisted",
    "truly_suitable_overall": "suitable among all shortlisted",
    "leakage_auc_logistic": "gender predicted from the features, AUC (logistic regression)",
    "leakage_auc_trees": "gender predicted from the features, AUC (gradient boosting)",
}


#: Columns shown as percentages (rates and accuracies) and as percentage points (their
#: differences); the rest keep three decimals.
_PERCENT = {
    "selection_rate_female",
    "selection_rate_male",
    "accuracy_recorded",
    "accuracy_true",
    "tpr_true_female",
    "tpr_true_male",
    "women_share_of_shortlist",
    "truly_suitable_female",
    "truly_suitable_male",
    "truly_suitable_overall",
    "share_surviving",
}
_POINTS = {
    "dp_difference",
    "dp_difference_sample",
    "tpr_gap_true",
    "tpr_gap_recorded",
    "gap_with_gender",
    "gap_without_gender",
    "trees_gap_removed_by_permuting",
}


def _shown(column: str, values: pd.Series) -> pd.Series:
    """``values`` as the report shows them: rates in %, their differences in points,
    ratios to two decimals and other numbers to three (all as text, so that a transposed
    table's columns align alike)."""
    if column in _PERCENT:
        return values.map(lambda v: f"{100 * v:.1f}%")
    if column in _POINTS:
        return values.map(lambda v: f"{100 * v:+.1f}")
    if column == "selection_ratio":
        return values.map(lambda v: f"{v:.2f}")
    if pd.api.types.is_float_dtype(values):
        return values.map(lambda v: f"{v:.3f}")
    return values


def _rates_frame(table: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return _labelled(table[cols])


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Rates formatted, features and column names in words."""
    frame = frame.copy()
    for column in frame.columns:
        frame[column] = _shown(column, frame[column])
    frame = frame.rename(index=lambda i: FEATURE_LABELS.get(i, i))
    frame = frame.rename_axis(index=[_LABELS.get(n, n) for n in frame.index.names])
    return frame.rename(columns=lambda c: _LABELS.get(c, c))


#: The two halves of a wide table of rates: who is selected, and how accurately.
_SELECTION_COLS = [
    "selection_rate_female",
    "selection_rate_male",
    "dp_difference",
    "selection_ratio",
    "four_fifths_rule",
]
_ACCURACY_COLS = [
    "accuracy_recorded",
    "accuracy_true",
    "tpr_true_female",
    "tpr_true_male",
    "tpr_gap_true",
]
#: What every table of gaps says about them.
_GAPS = "Gaps: men minus women, in percentage points."

_RATE_COLS = [
    "selection_rate_female",
    "selection_rate_male",
    "dp_difference",
    "selection_ratio",
    "four_fifths_rule",
    "accuracy_recorded",
    "accuracy_true",
    "tpr_true_female",
    "tpr_true_male",
    "tpr_gap_true",
]

#: Display names of the columns of the proxy-strength table.
_SWEEP_LABELS = {
    "leakage_auc": "AUC of predicting gender",
    "gap_with_gender": "selection gap with gender",
    "gap_without_gender": "selection gap without gender",
    "share_surviving": "share of the gap surviving",
}

#: Display names of the data generator's settings.
_SETTING_LABELS = {
    "label_bias": "label bias",
    "selection_bias": "selection bias",
    "measurement_bias": "measurement bias",
    "framing": "framing",
    "proxy_strength": "proxy strength",
    "female_share": "share of women",
    "base_rate": "share of suitable applicants",
    "n_samples": "applicants",
}

_STRUCTURE = [
    "Each row is an applicant. The data are generated from a known causal structure, so the "
    "truth is known: gender causes three proxy features (membership of a women's "
    "organisation, the gendered wording of the resume, career gaps); a latent qualification "
    "that does not depend on gender causes the legitimate features (experience, a skills test, "
    "education) and true suitability. The proxies have no effect on suitability.",
    "In arrows: gender -> the three proxies (how strongly is set by the proxy strength). "
    "Qualification -> experience, skills test, education and suitability. Each bias can be "
    "switched on: label bias, gender -> the historical label (qualified women were turned "
    "down); selection bias, gender -> who is in the sample; measurement bias, gender -> the "
    "recorded experience; framing, gender -> the target 'suitable and stays without "
    "interruption'.",
    "The historical label, what past decisions recorded, is what a screening model is trained "
    "on. By default label bias is 0.5 (half of the suitable women were turned down) and the "
    "proxies are on; the other switches are off.",
]


#: Columns of the model comparison that a reader of this report does not need (the
#: mitigator's family, a second accuracy; no report shows the timings): without them the
#: table fits a page.
_COMPARISON_DROPPED = ("kind", "balanced_accuracy")


def _compact(comparison):
    """The model comparison without the columns of ``_COMPARISON_DROPPED``."""
    import dataclasses

    table = comparison.table
    dropped = [c for c in table.columns if str(c).startswith(_COMPARISON_DROPPED)]
    return dataclasses.replace(comparison, table=table.drop(columns=dropped))


def sections(out: dict[str, Any]) -> list:
    from fairaudit.datasets._hiring import FEATURE_DESCRIPTIONS
    from fairaudit.report import Figure, Section, Table, figure_to_svg

    find = out["findings_by_topic"]
    models = out["models"]
    audits = out["audits"]
    truth = tuple(float(v) for v in group_values(audits[LR_WITHOUT][1], "base_rate"))
    settings = out["settings"]
    sections = [
        Section("Summary", paragraphs=out["summary"], id="summary"),
        Section(
            "The data and its causal structure",
            paragraphs=[
                *_STRUCTURE,
                "The features given to the screening models (gender is not among them):",
                *(
                    f"{FEATURE_LABELS[name].capitalize()}: {text}"
                    for name, text in FEATURE_DESCRIPTIONS.items()
                ),
            ],
            tables=[
                Table(
                    pd.Series(
                        {
                            _SETTING_LABELS.get(k, k): f"{v:g}"
                            for k, v in settings["switches"].items()
                        },
                        name="value",
                    )
                    .rename_axis("setting")
                    .to_frame(),
                    caption="Generator settings of the main experiment.",
                ),
            ],
            id="data",
        ),
        Section(
            "Dropping the gender column",
            paragraphs=find["unawareness"],
            figures=[
                Figure(
                    figure_to_svg(_fig_selection(models, truth)),
                    alt="Bar chart of the share of women and of men selected by each model and the "
                    "share truly suitable.",
                    caption="Share selected by each model, women and men, at threshold 0.5; the "
                    "last bars are the share truly suitable.",
                )
            ],
            tables=[
                Table(
                    _rates_frame(models, [*_RATE_COLS, "auc_recorded", "auc_true"]).T.rename_axis(
                        "measure"
                    ),
                    caption=f"Held-out audit of each screening model (default data). {_GAPS}",
                ),
                Table(
                    _rates_frame(out["control"], _RATE_COLS).T.rename_axis("measure"),
                    caption=f"Control: the same models with every bias switched off. {_GAPS}",
                ),
            ],
            audits=[audits[LR_WITHOUT][0], audits[LR_WITHOUT][1], audits[LR_WITH][0]],
            id="unawareness",
        ),
        Section(
            "Proxy leakage and which features carry the penalty",
            paragraphs=find["proxies"],
            figures=[
                Figure(
                    figure_to_svg(
                        _fig_bars(
                            out["leakage"]["auc_alone"],
                            "AUC of the feature alone for predicting 'female'",
                            ref=0.5,
                        )
                    ),
                    alt="Bar chart of how well each feature alone predicts gender.",
                    caption="0.5 = no information about gender. The proxies leak gender; the "
                    "legitimate features do not.",
                ),
                Figure(
                    figure_to_svg(
                        _fig_bars(
                            out["penalty"]["logit_gap_contribution"],
                            "contribution to women's minus men's mean log-odds",
                            ref=0.0,
                        )
                    ),
                    alt="Bar chart of each feature's contribution to the gap in scores "
                    "between women and men.",
                    caption="Logistic regression without gender: coefficient x difference of "
                    "means (standardised). Negative bars push women's scores down.",
                ),
                Figure(
                    figure_to_svg(_fig_sweep(out["proxy_sweep"])),
                    alt="Line chart: as proxy strength grows, leakage AUC and the share of the "
                    "gap surviving without gender both rise.",
                    caption="Logistic regression, default label bias, proxies from absent (0) "
                    "to strong (2).",
                ),
            ],
            tables=[
                Table(_labelled(out["leakage"]), caption="Per-feature AUC for predicting gender."),
                Table(
                    pd.DataFrame(
                        {
                            "default proxies": out["leakage_auc"],
                            "proxies that do not encode gender": out["proxy_free"]["leakage_auc"],
                        }
                    ).rename_axis("model"),
                    caption="Cross-validated AUC of predicting gender from all six features.",
                ),
                Table(
                    _labelled(out["penalty"]),
                    caption="Which features carry the penalty. The "
                    "gap removed by shuffling a feature is in percentage points.",
                ),
                Table(
                    _labelled(out["proxy_sweep"])
                    .rename(columns=_SWEEP_LABELS)
                    .rename_axis("proxy strength"),
                    caption="Logistic regression as the proxies "
                    "strengthen: how well the features predict gender (AUC) and the selection "
                    f"gap with and without gender. {_GAPS}",
                ),
                Table(
                    _rates_frame(out["proxy_free"]["models"], _RATE_COLS).T.rename_axis("measure"),
                    caption="The same models when the proxies do not encode gender "
                    f"(proxy strength 0). {_GAPS}",
                ),
            ],
            id="proxies",
        ),
        Section(
            "Mitigation",
            paragraphs=[
                *find["mitigation"],
                "The chart and the first table put accuracy against the historical "
                "labels next to accuracy against true suitability. After them comes "
                "the comparison of fairaudit's mitigation methods on the same data (logistic regression "
                "without gender, historical labels), with confidence intervals.",
            ],
            figures=[
                Figure(
                    figure_to_svg(_fig_mitigation(out["mitigation"])),
                    alt="Two scatter plots of accuracy against the gap in selection rates for each "
                    "method: against the historical labels mitigation costs accuracy, against "
                    "true suitability most mitigators gain accuracy.",
                    caption="Each point is a method on held-out data; left: accuracy against the "
                    "historical labels, right: against true suitability.",
                )
            ],
            comparison=_compact(out["comparison"]),
            tables=[
                Table(
                    _rates_frame(out["mitigation"], _SELECTION_COLS).rename_axis("method"),
                    caption=f"Whom each mitigator selects (held-out data). {_GAPS}",
                ),
                Table(
                    _rates_frame(out["mitigation"], _ACCURACY_COLS).rename_axis("method"),
                    caption="Each mitigator's accuracy against the historical labels "
                    f"and against true suitability. {_GAPS}",
                ),
                Table(
                    _labelled(out["repair"]),
                    caption="Feature repair (quantile, level 1): how well the features "
                    "the model sees predict gender (cross-validated AUC on the "
                    "held-out applicants; 0.5 = no information), and the "
                    f"screening model's selection, before and after. {_GAPS}",
                ),
            ],
            id="mitigation",
        ),
        Section(
            "One bias at a time: which mitigation fixes which",
            paragraphs=[
                *find["switches"],
                "Verdicts: 'fixed' = both gaps (selection rate, and rate of finding suitable "
                f"applicants) within {100 * GAP_TOLERANCE:.0f} percentage points and accuracy "
                f"against the truth within {100 * ACCURACY_SLACK:.0f} percentage points of the "
                "best achievable; 'parity "
                "only' = gaps closed but accuracy clearly below that; 'overcorrects' = women "
                "clearly favoured; 'partly' = the larger gap at most half the unmitigated one. "
                "All measured on the population the model is deployed on.",
            ],
            figures=[
                Figure(
                    figure_to_svg(
                        _fig_switch_heatmap(
                            out["switches"],
                            "tpr_gap_true",
                            "Suitable men found minus suitable women found (percentage points)",
                        )
                    ),
                    alt="Heat map of the gap in true-positive rate between men and women for each "
                    "method and each kind of bias.",
                    caption="Red: suitable women found less often than suitable men; blue: more "
                    "often.",
                )
            ],
            tables=[
                Table(out["fix_matrix"], caption="Which mitigation fixes which bias."),
                Table(
                    _labelled(
                        out["switches"].set_index(["scenario", "method"])[
                            [*_SELECTION_COLS, "dp_difference_sample", "verdict"]
                        ]
                    ),
                    caption=f"The per-switch experiment: whom each method selects. {_GAPS}",
                ),
                Table(
                    _labelled(out["switches"].set_index(["scenario", "method"])[_ACCURACY_COLS]),
                    caption=f"The per-switch experiment: accuracy. {_GAPS}",
                ),
            ],
            id="switches",
        ),
        Section(
            "Shortlists: the highest-scoring applicants",
            paragraphs=find["shortlist"],
            figures=[
                Figure(
                    figure_to_svg(_fig_shortlist(out["shortlist"])),
                    alt="Women's share of the shortlist by shortlist size, overall ranking and "
                    "ranking within each gender.",
                    caption="Dashed line: women's share of applicants (about half).",
                )
            ],
            tables=[
                Table(
                    _labelled(
                        out["shortlist"]
                        .assign(
                            k=lambda f: f["k"].map(lambda v: f"top {100 * v:.0f}%"),
                            policy=lambda f: f["policy"].map(lambda v: _POLICY_LABELS.get(v, v)),
                        )
                        .set_index(["k", "policy"])
                    ),
                    caption="Shortlists from the model without gender.",
                )
            ],
            id="shortlist",
        ),
        Section(
            "Method and reproducibility",
            paragraphs=[
                f"Training and held-out test sets of {settings['n_train']} and "
                f"{settings['n_test']} applicants drawn independently from the generator; "
                f"{settings['n_switch']} per set in the per-switch experiment. All numbers are "
                f"on held-out data. Random seed {settings['random_state']}; confidence "
                f"intervals from {settings['n_bootstrap']} bootstrap resamples in the embedded "
                f"audits. Run time {out['seconds']:.0f} s.",
                "Reproduce with: python case_studies/hiring.py --out DIR, or from Python: "
                "fairaudit.casestudies.hiring.results(random_state=0). In the generated data "
                "(fairaudit.datasets.make_hiring) the features are the columns "
                + ", ".join(f"{name} ({label})" for name, label in FEATURE_LABELS.items())
                + ".",
                "Caveats: synthetic data make the truth known, which real audits lack; the "
                "sizes of the effects follow from the chosen switch values, the mechanisms do "
                "not. Passing an audit against historical labels is not evidence of fairness "
                "when the labels are biased.",
            ],
            id="method",
        ),
    ]
    return sections
