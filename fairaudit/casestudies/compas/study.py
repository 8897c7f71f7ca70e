"""Case study: COMPAS -- reproducing ProPublica's analysis and Northpointe's reply.

ProPublica (Larson, Mattu, Kirchner & Angwin, 2016) found that COMPAS's "medium or high
risk" label wrongly flags African-American defendants who did not reoffend about twice as
often as Caucasian ones (false positive rate), and misses Caucasian reoffenders more often
(false negative rate). Northpointe (Dieterich, Mendoza & Brennan, 2016) replied that the
score is calibrated within groups: at each decile, both groups reoffend at similar rates.
Both are true at once, because the groups' base rates differ (Chouldechova 2017;
Kleinberg, Mullainathan & Raghavan 2016).

:func:`results` returns every number of the case study; :func:`run` writes the HTML
report ``compas.html``. The data is the bundled copy of ProPublica's two-year file
(:func:`fairaudit.datasets.load_compas`).
"""

from __future__ import annotations

import pathlib
from typing import Any

import numpy as np
import pandas as pd

from fairaudit.datasets import load_compas, propublica_filter

from .analysis import (
    AA,
    EO_TOLERANCE,
    GROUPS,
    MIN_DECILE_COUNT,
    PUBLISHED,
    PUBLISHED_ARTICLE,
    WHITE,
    DecileScorer,
    calibration_by_decile,
    calibration_differences,
    equalized_odds_thresholds,
    error_rates,
    impossibility_check,
    labels,
    newcombe_interval,
    published_subsets,
    ratio_interval,
    two_groups,
    wilson_interval,
)
from .report import sections

__all__ = [
    "EO_TOLERANCE",
    "GROUPS",
    "MIN_DECILE_COUNT",
    "OPTIMIZER_CONSTRAINTS",
    "PUBLISHED",
    "PUBLISHED_ARTICLE",
    "DecileScorer",
    "calibration_by_decile",
    "calibration_differences",
    "equalized_odds_thresholds",
    "error_rates",
    "impossibility_check",
    "newcombe_interval",
    "published_subsets",
    "results",
    "run",
    "wilson_interval",
]

_METRICS = [
    "count",
    "base_rate",
    "selection_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_positive_rate",
    "positive_predictive_value",
    "negative_predictive_value",
    "accuracy",
    "roc_auc",
]


# --------------------------------------------------------------------------------------
# the audits and the numbers of the case study
# --------------------------------------------------------------------------------------
def _audit(frame: pd.DataFrame, features: str | list[str], **kwargs: Any):
    """Audit ProPublica's label against two-year recidivism on ``frame``."""
    from fairaudit import audit

    y_true, y_pred = labels(frame)
    return audit(
        y_true,
        y_pred,
        sensitive_features=frame[features].reset_index(drop=True),
        y_score=frame["decile_score"].to_numpy() / 10.0,
        metrics=_METRICS,
        threshold=0.5,
        **kwargs,
    )


#: Constraints of ThresholdOptimizer compared in the case study, with their row labels.
OPTIMIZER_CONSTRAINTS = {
    "equalized_odds": "ThresholdOptimizer (equalized odds, randomized)",
    "equal_opportunity": "ThresholdOptimizer (equal opportunity, randomized)",
    "false_positive_rate_parity": "ThresholdOptimizer (equal FPR, randomized)",
    "demographic_parity": "ThresholdOptimizer (demographic parity, randomized)",
}


def _threshold_optimizer(
    filtered: pd.DataFrame, random_state: int, constraint: str = "equalized_odds"
) -> tuple[dict, pd.DataFrame]:
    """A ``fairaudit.mitigation.ThresholdOptimizer`` rule on the decile score.

    The decile is the (prefit) model's score. ``X`` also carries the defendant's ``id`` so
    that the randomized decisions, which are a function of the row, differ between
    defendants with the same decile. Returns the table row (realized decisions) and the
    optimizer's decision rule.
    """
    from fairaudit.mitigation import ThresholdOptimizer

    sub = two_groups(filtered)
    X = sub[["decile_score", "id"]].to_numpy(dtype=float)
    y = sub["two_year_recid"].to_numpy()
    groups = sub["race"].to_numpy()
    mitigator = ThresholdOptimizer(
        DecileScorer().fit(X, y),
        constraint=constraint,
        objective="accuracy",
        prefit=True,
        random_state=random_state,
    )
    mitigator.fit(X, y, sensitive_features=groups)
    pred = np.asarray(mitigator.predict(X, sensitive_features=groups)).astype(np.int64)
    row: dict[str, Any] = {
        "rule": OPTIMIZER_CONSTRAINTS[constraint],
        "threshold_african_american": np.nan,
        "threshold_caucasian": np.nan,
    }
    per_group = {}
    for name, g in ((AA, "african_american"), (WHITE, "caucasian")):
        m = groups == name
        yy, pp = y[m], pred[m]
        tp = int(((pp == 1) & (yy == 1)).sum())
        fp = int(((pp == 1) & (yy == 0)).sum())
        fn = int(((pp == 0) & (yy == 1)).sum())
        tn = int(((pp == 0) & (yy == 0)).sum())
        per_group[g] = (fp / (fp + tn), fn / (fn + tp), tp / (tp + fp), tn / (tn + fn))
        row[f"fpr_{g}"], row[f"fnr_{g}"] = per_group[g][0], per_group[g][1]
        row[f"ppv_{g}"], row[f"npv_{g}"] = per_group[g][2], per_group[g][3]
    a, c = per_group["african_american"], per_group["caucasian"]
    row["equalized_odds_difference"] = max(abs(a[0] - c[0]), abs(a[1] - c[1]))
    row["ppv_difference"] = a[2] - c[2]
    row["npv_difference"] = a[3] - c[3]
    row["accuracy"] = float((pred == y).mean())
    return row, mitigator.rules_.copy()


def results(*, quick: bool = False, random_state: int = 0) -> dict[str, Any]:
    """Compute every number of the COMPAS case study.

    Parameters
    ----------
    quick : bool, default False
        Fewer bootstrap replicates in the audits (200 instead of 1000); the point estimates
        are identical.
    random_state : int, default 0
        Seed of the audits' bootstrap (and of a randomized threshold optimizer).

    Returns
    -------
    dict
        ``n_rows`` (all, filtered); the audits (``AuditResult``) ``audit_race`` (African-American
        vs Caucasian, filtered rows, reference Caucasian), ``audit_race_all`` (every race with
        at least 50 rows), ``audit_sex``, ``audit_race_sex`` (race x sex, cells of at least 50
        rows) and ``audit_published`` (the two groups on all 7,214 rows); ``error_rates``
        (direct counts and Wilson intervals, filtered rows, every race); ``fpr_ratio`` and
        ``fnr_ratio`` (value, lower, upper: Katz interval; the audit's bootstrap interval is
        in its ``to_reference``); ``published_subsets`` and ``published_subset`` (the
        candidate that reproduces the published figures); ``calibration`` and
        ``calibration_differences``; ``impossibility`` (the identity on the audited numbers)
        with ``identity_max_error``; ``thresholds`` (one threshold, the best pair of group
        thresholds, and ThresholdOptimizer's randomized rules for equalized odds, equal
        opportunity, equal false positive rates and demographic parity),
        ``threshold_optimizer_rules`` (the equalized-odds rule),
        ``threshold_optimizer_all_rules`` and ``threshold_method``.
    """
    n_boot = 200 if quick else 1000
    everything = load_compas()
    filtered = propublica_filter(everything)
    two = two_groups(filtered)
    common = {"n_bootstrap": n_boot, "random_state": random_state}

    audit_race = _audit(
        two,
        "race",
        reference_group=WHITE,
        name="Race: African-American vs Caucasian (6,172 filtered rows)",
        **common,
    )
    audit_race_all = _audit(
        filtered,
        "race",
        reference_group=WHITE,
        suppress_below=50,
        name="Race: every group of at least 50 defendants",
        **common,
    )
    audit_sex = _audit(filtered, "sex", reference_group="Male", name="Sex", **common)
    audit_race_sex = _audit(
        filtered,
        ["race", "sex"],
        reference_group=(WHITE, "Male"),
        suppress_below=50,
        name="Race x sex: cells of at least 50 defendants",
        **common,
    )
    audit_published = _audit(
        two_groups(everything),
        "race",
        reference_group=WHITE,
        name="Race: all 7,214 rows (the published figures)",
        **common,
    )

    rates = error_rates(filtered, groups=None)
    fpr_ratio = ratio_interval(
        rates.loc[AA, "fp"],
        rates.loc[AA, "tn"] + rates.loc[AA, "fp"],
        rates.loc[WHITE, "fp"],
        rates.loc[WHITE, "tn"] + rates.loc[WHITE, "fp"],
        0.95,
    )
    fnr_ratio = ratio_interval(
        rates.loc[WHITE, "fn"],
        rates.loc[WHITE, "fn"] + rates.loc[WHITE, "tp"],
        rates.loc[AA, "fn"],
        rates.loc[AA, "fn"] + rates.loc[AA, "tp"],
        0.95,
    )
    subsets = published_subsets(everything)
    matching = subsets.index[subsets["matches_published_2dp"]].tolist()

    calibration = calibration_by_decile(filtered)
    differences = calibration_differences(calibration)
    impossibility = impossibility_check(audit_race.by_group)

    thresholds = equalized_odds_thresholds(filtered)
    optimizer_rows, all_rules = [], []
    for constraint in OPTIMIZER_CONSTRAINTS:
        row, rules = _threshold_optimizer(filtered, random_state, constraint)
        optimizer_rows.append(row)
        all_rules.append(rules.assign(constraint=constraint))
    optimizer_rules = all_rules[0].drop(columns="constraint")
    thresholds = pd.concat([thresholds, pd.DataFrame(optimizer_rows).set_index("rule")])
    method = (
        "a direct search over pairs of decile thresholds, and "
        "fairaudit.mitigation.ThresholdOptimizer(prefit=True) on the decile score "
        "(Hardt et al.'s randomized thresholds)"
    )

    return {
        "n_rows": {"all": len(everything), "filtered": len(filtered)},
        "audit_race": audit_race,
        "audit_race_all": audit_race_all,
        "audit_sex": audit_sex,
        "audit_race_sex": audit_race_sex,
        "audit_published": audit_published,
        "error_rates": rates,
        "fpr_ratio": dict(zip(("value", "lower", "upper"), fpr_ratio, strict=True)),
        "fnr_ratio": dict(zip(("value", "lower", "upper"), fnr_ratio, strict=True)),
        "published_subsets": subsets,
        "published_subset": matching[0] if matching else None,
        "calibration": calibration,
        "calibration_differences": differences,
        "impossibility": impossibility,
        "identity_max_error": float(impossibility["abs_difference"].max()),
        "thresholds": thresholds,
        "threshold_optimizer_rules": optimizer_rules,
        "threshold_optimizer_all_rules": pd.concat(all_rules, ignore_index=True),
        "threshold_method": method,
    }


def run(out_dir: pathlib.Path, *, quick: bool = False) -> pathlib.Path:
    """Run the COMPAS case study and write ``out_dir/compas.html``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder for the report; created if needed.
    quick : bool, default False
        Fewer bootstrap replicates (see :func:`results`) and only the sex audit embedded
        in the last audit section (the race-by-sex and all-race audits are left out);
        same findings.

    Returns
    -------
    pathlib.Path
        The path of the written report.
    """
    from .. import write_report

    res = results(quick=quick)
    filtered = propublica_filter(load_compas())
    return write_report(
        out_dir,
        "compas",
        "COMPAS: ProPublica, Northpointe, and why both are right",
        sections(res, filtered, quick=quick),
        subtitle=(
            "Reproducing the 2016 analyses on ProPublica's Broward County data with fairaudit"
        ),
    )
