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
        "Largest standardized mean difference",
        "The largest Cohen's d between two groups: the difference of mean predictions "
        "over the pooled standard deviation (0.2 is a small effect).",
        "As above, on a scale free of units, comparable across models and data sets.",
    ),
    "ks_distance": (
        "Largest Kolmogorov–Smirnov distance",
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


#: Glossary terms written for the reader where the engine has no wording of its own:
#: label -> definition. The metrics and criteria take theirs from the engine's registries
#: (see :mod:`._glossary`).
CONFUSION_TERM = (
    "TP, FP, TN, FN",
    "True positives, false positives, true negatives, false negatives: (weighted) counts "
    "of each combination of prediction and true outcome in a group; n = TP + FP + TN + FN.",
)
SCORES_TERM = (
    "s, y, w",
    "A row's score (y_score), its true outcome (1 or 0) and its sample weight (1 without "
    "weights), in the formulas of the score metrics; W is a group's total weight and W_b "
    "the weight of its rows in score bin b.",
)
ONE_VS_REST_TERM = (
    "One-vs-rest (per class)",
    "Each class c is audited as its own yes/no decision, predicted c or not against being "
    "of class c or not: TP counts the rows of class c predicted c, FN its rows predicted "
    "as another class, FP the rows of other classes predicted c, TN the rest. Every rate, "
    "interval and criterion of class c is the binary one on these counts (shown as "
    "\u201crate, class c\u201d).",
)
CONFUSION_MATRIX_TERM = (
    "Confusion matrix (k \u00d7 k)",
    "For k classes, the (weighted) count of a group's rows of each observed class (rows) "
    "predicted as each class (columns). The report shows each row as shares adding up to "
    "1, so that its diagonal holds each class's true positive rate (recall).",
)
MULTICLASS_ACCURACY = (
    "For a multiclass audit, the share of rows whose predicted class is the observed one "
    "(the diagonal of the k \u00d7 k confusion matrix over n)."
)
REGRESSION_VALUES_TERM = (
    "y, \u0177",
    "The observed outcome and the prediction of a row, numbers in the same unit; means, "
    "shares and quantiles are weighted by the sample weights when given.",
)

#: The terms of every report: (label, definition, column headers that name the term).
GENERAL_TERMS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "Difference / ratio between groups",
        "For a metric m: max_g m(g) \u2212 min_g m(g), and "
        "min_g m(g) / max_g m(g). The named criteria use these.",
        (),
    ),
    (
        "Ratio to the reference",
        "m(g) / m(reference group); 1 means parity. The disparity "
        "charts use a log axis so that 0.5 and 2 are equally far from parity.",
        ("ratio",),
    ),
    (
        "Tolerance band",
        "A ratio criterion with tolerance t passes when the ratio is at least t; "
        "for ratios to the reference the band is [t, 1/t]. A difference criterion with tolerance "
        "d passes when the difference is at most d.",
        ("tolerance",),
    ),
    (
        "Confidence interval",
        "Range that covers the true value with the stated probability "
        "under repeated sampling (here by the method named in the configuration).",
        ("interval",),
    ),
    (
        "Verdict",
        "PASS when the whole confidence interval meets the tolerance, FAIL when the "
        "whole interval violates it, INCONCLUSIVE when it straddles the tolerance, N/A when the "
        "value is undefined. Unrounded values are compared.",
        ("verdict",),
    ),
    (
        "Adjusted p-value",
        "p-value of the test that a group's metric equals the reference "
        "group's, adjusted for testing several groups at once (the configuration names the "
        "method and which p-values are adjusted together).",
        ("p-value", "adjusted p"),
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
