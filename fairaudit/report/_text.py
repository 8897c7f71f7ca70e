"""Fixed wording of the report: criteria explanations, glossary, general caveats."""

from __future__ import annotations

from typing import Any

from ..metrics._multiclass import split_class_column

CRITERIA_TEXT: dict[str, tuple[str, str, str]] = {
    # name -> (label, what it asks, when it matters)
    "demographic_parity_difference": (
        "Demographic parity (difference)",
        "Largest minus smallest selection rate across groups.",
        "When the decision is a benefit that should reach groups in similar proportions "
        "regardless of the recorded outcome (which may itself be biased).",
    ),
    "demographic_parity_ratio": (
        "Demographic parity (ratio)",
        "Smallest selection rate divided by the largest, judged by its interval against "
        "the tolerance.",
        "As above, on a relative scale; the usual form in employment law (US EEOC Uniform "
        "Guidelines, 1978: a ratio below 0.8 is evidence of adverse impact).",
    ),
    "equalized_odds_difference": (
        "Equalized odds (difference)",
        "The larger of the gaps in true positive rate and in false positive rate.",
        "When both kinds of error hurt: people with the same true outcome should face the "
        "same chance of each error whatever their group.",
    ),
    "equalized_odds_ratio": (
        "Equalized odds (ratio)",
        "The smaller of the min/max ratios of true positive rate and false positive rate.",
        "As above, on a relative scale.",
    ),
    "equal_opportunity_difference": (
        "Equal opportunity (difference)",
        "Largest minus smallest true positive rate.",
        "Assistive decisions (loans, hiring, treatment): qualified people should be "
        "selected at the same rate in every group.",
    ),
    "equal_opportunity_ratio": (
        "Equal opportunity (ratio)",
        "Smallest true positive rate divided by the largest.",
        "As above, on a relative scale.",
    ),
    "four_fifths_rule": (
        "Four-fifths rule (EEOC)",
        "Each group's selection rate divided by the highest group's; a ratio below the "
        "tolerance (4/5) fails only when the difference is statistically significant "
        "(two-proportion z of 2 standard deviations or more, Fisher's exact test for small "
        "numbers), and is inconclusive when it is not.",
        "US employment decisions: the rule of thumb of the Uniform Guidelines (29 CFR "
        "1607.4(D)), which itself says that small numbers and significance matter.",
    ),
    "predictive_parity_difference": (
        "Predictive parity (difference)",
        "Largest minus smallest precision (positive predictive value).",
        "When a positive prediction is acted on as evidence: it should mean the same thing "
        "for every group. Incompatible with equalized odds when base rates differ.",
    ),
}

#: The criteria of regression audits (numeric predictions).
REGRESSION_CRITERIA_TEXT: dict[str, tuple[str, str, str]] = {
    "mean_difference": (
        "Mean difference",
        "Largest minus smallest mean prediction across groups, in the units of the "
        "prediction (no default tolerance).",
        "When the number itself is the benefit or the burden (an offer, a limit, a "
        "score): groups should receive similar amounts on average.",
    ),
    "smd": (
        "Standardized mean difference",
        "The largest Cohen's d between two groups: the difference of mean predictions "
        "over the pooled standard deviation (0.2 is a small effect).",
        "As above, on a scale free of units, comparable across models and data sets.",
    ),
    "ks_distance": (
        "KS distance",
        "The largest gap between two groups' distribution functions of the prediction.",
        "When any cut-off may later be applied to the number: a small distance means "
        "similar shares of each group above every threshold.",
    ),
    "max_group_error_ratio": (
        "Error ratio",
        "The worst group's mean absolute error divided by the best group's.",
        "When the model should be as accurate for everyone: a group predicted worse bears "
        "more wrong decisions downstream.",
    ),
    "bounded_group_loss": (
        "Bounded group loss",
        "The largest mean squared error of any group, against a bound you set (Agarwal, "
        "Dudík & Wu 2019).",
        "When an accuracy floor applies to every group, whatever the others get.",
    ),
    "scoring_rate_ratio": (
        "Scoring rate ratio",
        "The lowest share of a group's predictions above the overall median, over the "
        "highest (NYC Local Law 144 impact ratio).",
        "Automated employment decision tools that score candidates (New York City Local "
        "Law 144 bias audits); 0.8 as the four-fifths rule.",
    ),
}
CRITERIA_TEXT.update(REGRESSION_CRITERIA_TEXT)

#: Names results written by earlier versions gave to a check another name now covers (none:
#: ``four_fifths_rule`` is a criterion of its own, see CRITERIA_TEXT).
OLD_NAMES: dict[str, str] = {}


def criterion_label(name: str, tolerance: Any = None) -> str:
    """Display name of a criterion (``tolerance`` is accepted for the callers that pass it;
    the four-fifths rule has its own criterion, so no tolerance renames another)."""
    name = str(name)
    if name in OLD_NAMES:
        return OLD_NAMES[name]
    per_class = split_class_column(name)  # a multiclass audit's "criterion[class]"
    if per_class is not None:
        return f"{criterion_label(per_class[0])}, class {per_class[1]}"
    return CRITERIA_TEXT.get(name, (name.replace("_", " ").capitalize(), "", ""))[0]


GLOSSARY: list[tuple[str, str]] = [
    (
        "TP, FP, TN, FN",
        "True positives, false positives, true negatives, false negatives: "
        "(weighted) counts of each combination of prediction and true outcome in a group; n = "
        "TP + FP + TN + FN.",
    ),
    ("Base rate", "Share of positive true outcomes: (TP + FN) / n."),
    ("Selection rate", "Share of positive predictions: (TP + FP) / n."),
    (
        "True positive rate (recall)",
        "TP / (TP + FN): share of actual positives predicted positive.",
    ),
    ("False positive rate", "FP / (FP + TN): share of actual negatives predicted positive."),
    ("True negative rate", "TN / (FP + TN)."),
    ("False negative rate", "FN / (TP + FN) = 1 \u2212 true positive rate."),
    ("Precision (PPV)", "TP / (TP + FP): share of positive predictions that are correct."),
    ("Negative predictive value", "TN / (TN + FN)."),
    ("False discovery rate", "FP / (TP + FP) = 1 \u2212 precision."),
    ("False omission rate", "FN / (TN + FN) = 1 \u2212 negative predictive value."),
    ("Accuracy / error rate", "(TP + TN) / n and (FP + FN) / n."),
    ("Balanced accuracy", "(true positive rate + true negative rate) / 2."),
    (
        "ROC AUC",
        "Probability that a random positive case scores higher than a random "
        "negative one (ties count one half).",
    ),
    ("Brier score", "Mean of (score \u2212 outcome)\u00b2; lower is better."),
    (
        "Expected calibration error",
        "\u03a3 over score bins of (bin weight / n) \u00d7 "
        "|mean score \u2212 observed positive rate|.",
    ),
    (
        "Difference / ratio between groups",
        "For a metric m: max_g m(g) \u2212 min_g m(g), and "
        "min_g m(g) / max_g m(g). The named criteria use these.",
    ),
    (
        "Ratio to the reference",
        "m(g) / m(reference group); 1 means parity. The disparity "
        "charts use a log axis so that 0.5 and 2 are equally far from parity.",
    ),
    (
        "Tolerance band",
        "A ratio criterion with tolerance t passes when the ratio is at least t; "
        "for ratios to the reference the band is [t, 1/t]. A difference criterion with tolerance "
        "d passes when the difference is at most d.",
    ),
    (
        "Confidence interval",
        "Range that covers the true value with the stated probability "
        "under repeated sampling (here by the method named in the configuration).",
    ),
    (
        "Verdict",
        "PASS when the whole confidence interval meets the tolerance, FAIL when the "
        "whole interval violates it, INCONCLUSIVE when it straddles the tolerance, N/A when the "
        "value is undefined. Unrounded values are compared.",
    ),
    (
        "Adjusted p-value",
        "p-value of the test that a group's metric equals the reference "
        "group's, adjusted for testing several groups at once (the configuration names the "
        "method and which p-values are adjusted together).",
    ),
]

AUDIT_LIMITS = [
    "Proxies: removing a sensitive attribute does not remove its information; other features "
    "(postcode, name, school) can carry it. An audit measures outcomes, not how they arise.",
    "Label bias: the true outcomes used here may themselves record past discrimination "
    "(arrests rather than offences, past hiring decisions rather than ability). Metrics that "
    "condition on the label inherit that bias.",
    "Feedback loops: decisions change the data collected next (who is policed, who gets a "
    "loan and can repay). A one-off audit cannot see such dynamics.",
    "Groups not recorded cannot be audited, and intersections of attributes can hide "
    "disparities that no single attribute shows.",
    "Passing these checks is not the same as being fair: the criteria are partial, mutually "
    "incompatible in general, and say nothing about whether the decision should be automated "
    "at all.",
]

ERROR_FRAMING = (
    "Which error matters depends on the decision. In a punitive decision (detention, fraud "
    "investigation) a false positive harms the person wrongly flagged; in an assistive "
    "decision (a loan, a job, a treatment) a false negative wrongly denies a benefit. "
    "Compare the groups on the error that hurts."
)

CORRECTION_METHODS = {
    "holm": "Holm's step-down method (controls the chance of any false flag)",
    "bh": "the Benjamini\u2013Hochberg method (controls the share of false flags)",
}
CORRECTION_SCOPES = {
    "metric": "across the groups of each metric",
    "all": "across all groups and metrics of the attribute",
}
NO_CORRECTION = "none: p-values are not adjusted for testing several groups"
