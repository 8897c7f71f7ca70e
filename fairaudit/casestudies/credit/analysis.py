"""Numbers of the credit case study: Hardt, Price & Srebro's FICO study, solved exactly.

A lender approves applicants whose TransRisk score is at or above a threshold. A repaid loan
earns 0.18 and a default costs 0.82 (the paper's units: a loan is worth making when the
chance of repayment is at least 82%). Five rules are compared: the most profitable
threshold for each group, one threshold for everybody, and the most profitable thresholds
under demographic parity (equal approval rates), equal opportunity (equal approval rates
among those who would repay) and equalized odds (equal approval rates among those who
would repay and among those who would default). Each is solved exactly by
:class:`fairaudit.mitigation.ThresholdOptimizer` on the published score distributions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairaudit.mitigation import ThresholdOptimizer

#: The lender's utility of each outcome (positive = the applicant repays).
PROFIT: dict[str, float] = {"true_positive": 0.18, "false_positive": -0.82}
#: The spacing of the published score grid.
GRID_STEP = 0.5
#: The groups, in the report's order.
GROUPS = ("Asian", "White", "Hispanic", "Black")

#: Rule name -> (label, ThresholdOptimizer parameters).
RULES: dict[str, tuple[str, dict[str, Any]]] = {
    "max_profit": ("Maximum profit (a threshold per group)", {"constraint": None}),
    "single_threshold": (
        "Single threshold (the same for every group)",
        {"constraint": None, "group_blind": True, "mode": "per_group_threshold"},
    ),
    "demographic_parity": ("Demographic parity", {"constraint": "demographic_parity"}),
    "equal_opportunity": ("Equal opportunity", {"constraint": "equal_opportunity"}),
    "equalized_odds": ("Equalized odds", {"constraint": "equalized_odds"}),
}

#: Share of the maximum profit of each rule in Hardt et al.'s analysis.
PUBLISHED_SHARE: dict[str, float] = {
    "max_profit": 1.0,
    "single_threshold": 0.9935,
    "demographic_parity": 0.707,
    "equal_opportunity": 0.93,
    "equalized_odds": 0.804,
}

#: The constrained rate of each fairness rule (for the grid search of the paper's kind).
CONSTRAINED: dict[str, str] = {
    "demographic_parity": "selection_rate",
    "equal_opportunity": "true_positive_rate",
}


def distribution(fico: pd.DataFrame) -> pd.DataFrame:
    """The score distribution in the form ``ThresholdOptimizer.fit_distribution`` reads."""
    return fico[["group", "score", "count", "repay_rate"]].assign(group=fico["group"].astype(str))


def fit_rule(dist: pd.DataFrame, rule: str, tolerance: float = 0.0) -> ThresholdOptimizer:
    """The exact optimizer of ``rule`` (a key of :data:`RULES`) on the distribution."""
    params = dict(RULES[rule][1])
    if params.get("constraint") is not None:
        params["tolerance"] = tolerance
    return ThresholdOptimizer(objective=PROFIT, random_state=0, **params).fit_distribution(
        dist, group="group", score="score", count="count", positive_rate="repay_rate"
    )


def median_threshold(rules: pd.DataFrame) -> float:
    """The threshold at which a mixture's cumulative probability reaches one half.

    A randomized rule mixes thresholds (often two adjacent grid scores); this is the score
    at which at least half of the applicants' decisions switch to approval.
    """
    rules = rules.sort_values("threshold")
    cum = rules["probability"].cumsum().to_numpy()
    return float(rules["threshold"].to_numpy()[int(np.searchsorted(cum, 0.5 - 1e-12))])


def describe_mixture(rules: pd.DataFrame) -> str:
    """A short text form of a group's rule: ``"45.5"`` or ``"45.0 (47%) / 45.5 (53%)"``."""
    parts = []
    for thr, p in zip(rules["threshold"], rules["probability"], strict=True):
        if p < 0.005:
            continue
        name = (
            "approve all" if thr == -np.inf else "approve none" if thr == np.inf else (f"{thr:.1f}")
        )
        parts.append(name if p > 0.995 else f"{name} ({100 * p:.0f}%)")
    return " / ".join(parts)


def rule_tables(dist: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every rule's profit and share of the maximum, and its per-group thresholds and rates.

    Returns
    -------
    summary : DataFrame
        One row per rule: ``profit`` (per applicant), ``share_of_max``, ``published_share``,
        ``difference_points`` (ours - published, percentage points), ``disparity``.
    groups : DataFrame
        One row per (rule, group): ``threshold`` (median threshold), ``rule_text``,
        ``approval_rate``, ``true_positive_rate`` (repayers approved),
        ``false_positive_rate`` (defaulters approved).
    models : dict
        Rule -> the fitted ThresholdOptimizer.
    """
    models = {rule: fit_rule(dist, rule) for rule in RULES}
    best = models["max_profit"].objective_value_
    rows, group_rows = [], []
    for rule, model in models.items():
        rows.append(
            {
                "rule": rule,
                "label": RULES[rule][0],
                "profit": model.objective_value_,
                "share_of_max": model.objective_value_ / best,
                "published_share": PUBLISHED_SHARE[rule],
                "difference_points": 100 * (model.objective_value_ / best - PUBLISHED_SHARE[rule]),
                "disparity": model.disparity_,
            }
        )
        ops = model.operating_points_
        for group in GROUPS:
            key = "(all groups)" if model.group_blind else group
            rules = model.rules_[model.rules_["group"] == key]
            group_rows.append(
                {
                    "rule": rule,
                    "group": group,
                    "threshold": median_threshold(rules),
                    "rule_text": describe_mixture(rules),
                    "approval_rate": float(ops.loc[group, "selection_rate"]),
                    "true_positive_rate": float(ops.loc[group, "true_positive_rate"]),
                    "false_positive_rate": float(ops.loc[group, "false_positive_rate"]),
                }
            )
    return pd.DataFrame(rows).set_index("rule"), pd.DataFrame(group_rows), models


def profit_curve(dist: pd.DataFrame, tolerances: np.ndarray) -> pd.DataFrame:
    """Share of the maximum profit kept by each fairness rule as its tolerance grows.

    Returns
    -------
    DataFrame
        Index ``tolerance``; one column per constrained rule.
    """
    best = fit_rule(dist, "max_profit").objective_value_
    out = {
        rule: [fit_rule(dist, rule, float(t)).objective_value_ / best for t in tolerances]
        for rule in ("demographic_parity", "equal_opportunity", "equalized_odds")
    }
    return pd.DataFrame(out, index=pd.Index(np.asarray(tolerances, float), name="tolerance"))


def grid_rates(fico: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per group, the rates of every deterministic grid threshold (approve ``score >= c``)."""
    out = {}
    for group in GROUPS:
        g = fico[fico["group"] == group].sort_values("score")
        count = g["count"].to_numpy()
        repay = count * g["repay_rate"].to_numpy()
        default = count - repay
        # approving scores >= c: reverse cumulative sums
        approved = np.cumsum(count[::-1])[::-1] / count.sum()
        tpr = np.cumsum(repay[::-1])[::-1] / repay.sum()
        fpr = np.cumsum(default[::-1])[::-1] / default.sum()
        out[group] = pd.DataFrame(
            {
                "threshold": g["score"].to_numpy(),
                "selection_rate": approved,
                "true_positive_rate": tpr,
                "false_positive_rate": fpr,
                "repayers": repay.sum(),
                "defaulters": default.sum(),
            }
        )
    return out


def grid_search(fico: pd.DataFrame, rule: str, targets: int = 2001) -> dict[str, Any]:
    """The paper's kind of solution: one deterministic grid threshold per group.

    For demographic parity and equal opportunity, every target rate on a fine grid gives each
    group the grid threshold whose rate is closest to it; the most profitable target wins.
    The constraint then holds only up to the grid: the rates differ by up to a grid step.

    Returns
    -------
    dict
        ``profit`` (per applicant), ``thresholds`` (group -> score), ``disparity`` (largest
        gap of the constrained rate).
    """
    rates = grid_rates(fico)
    total = sum(float(r["repayers"].iloc[0] + r["defaulters"].iloc[0]) for r in rates.values())

    def profit(choice: dict[str, int]) -> float:
        value = 0.0
        for group, k in choice.items():
            r = rates[group].iloc[k]
            value += PROFIT["true_positive"] * r["repayers"] * r["true_positive_rate"]
            value += PROFIT["false_positive"] * r["defaulters"] * r["false_positive_rate"]
        return value / total

    rate = CONSTRAINED[rule]
    best: dict[str, Any] = {"profit": -np.inf}
    for target in np.linspace(0.0, 1.0, targets):
        choice = {g: int(np.argmin(np.abs(rates[g][rate].to_numpy() - target))) for g in GROUPS}
        value = profit(choice)
        if value > best["profit"]:
            achieved = [float(rates[g][rate].iloc[k]) for g, k in choice.items()]
            best = {
                "profit": value,
                "thresholds": {g: float(rates[g]["threshold"].iloc[k]) for g, k in choice.items()},
                "disparity": max(achieved) - min(achieved),
            }
    return best
