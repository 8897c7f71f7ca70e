"""Case study: credit -- Hardt, Price & Srebro's FICO study of lending thresholds, reproduced.

Hardt, Price & Srebro ("Equality of Opportunity in Supervised Learning", NeurIPS 2016)
asked what it costs a lender to be fair by each definition. On TransUnion TransRisk scores
of four groups (the US Federal Reserve's 2007 data), a lender that earns 0.18 on a repaid
loan and loses 0.82 on a default keeps 100% of its maximum profit with a threshold per
group, 99.35% with one threshold for all, about 93% under equal opportunity, 80.4% under
equalized odds and 70.7% under demographic parity.

:func:`results` recomputes every number exactly with
:class:`fairaudit.mitigation.ThresholdOptimizer` (a profit objective, on the published score
distributions); :func:`run` writes the report ``credit.html``. The data is
:func:`fairaudit.datasets.load_fico`.
"""

from __future__ import annotations

import pathlib
import time
from typing import Any

import numpy as np

from fairaudit.datasets import load_fico

from .analysis import (
    CONSTRAINED,
    GRID_STEP,
    GROUPS,
    PROFIT,
    PUBLISHED_SHARE,
    RULES,
    describe_mixture,
    distribution,
    fit_rule,
    grid_search,
    median_threshold,
    profit_curve,
    rule_tables,
)
from .report import sections

__all__ = [
    "CONSTRAINED",
    "GRID_STEP",
    "GROUPS",
    "PROFIT",
    "PUBLISHED_SHARE",
    "RULES",
    "describe_mixture",
    "distribution",
    "fit_rule",
    "grid_search",
    "median_threshold",
    "profit_curve",
    "results",
    "rule_tables",
    "run",
]


def results(*, quick: bool = False) -> dict[str, Any]:
    """Compute every number of the credit case study.

    Parameters
    ----------
    quick : bool, default False
        Fewer points on the profit-against-tolerance curves (11 instead of 31); the five
        rules are identical.

    Returns
    -------
    dict
        ``summary`` (one row per rule: profit per applicant, share of the maximum, published
        share, difference in points, disparity), ``groups`` (per rule and group: median
        threshold, the rule as text, approval rate, true and false positive rates),
        ``models`` (the fitted ThresholdOptimizers), ``curve`` (share of the maximum profit
        against the tolerance of each constraint), ``grid`` (the paper's kind of grid
        search for demographic parity and equal opportunity), ``data`` (the FICO frame),
        ``totals`` and ``seconds``.
    """
    start = time.perf_counter()
    fico = load_fico()
    dist = distribution(fico)
    summary, groups, models = rule_tables(dist)
    tolerances = np.linspace(0.0, 0.3, 11 if quick else 31)
    curve = profit_curve(dist, tolerances)
    best = summary.loc["max_profit", "profit"]
    grid = {}
    for rule in CONSTRAINED:
        found = grid_search(fico, rule)
        grid[rule] = {**found, "share_of_max": found["profit"] / best}
    totals = fico.groupby("group", observed=True)["count"].sum()
    return {
        "summary": summary,
        "groups": groups,
        "models": models,
        "curve": curve,
        "grid": grid,
        "data": fico,
        "totals": totals,
        "seconds": time.perf_counter() - start,
    }


def run(out_dir: pathlib.Path, *, quick: bool = False) -> pathlib.Path:
    """Run the credit case study and write ``out_dir/credit.html``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder for the report; created if needed.
    quick : bool, default False
        See :func:`results`.

    Returns
    -------
    pathlib.Path
        The path of the written report.
    """
    from .. import write_report

    return write_report(
        out_dir,
        "credit",
        "Credit: what fairness costs a lender",
        sections(results(quick=quick)),
        subtitle="Reproducing Hardt, Price & Srebro's FICO study (2016) exactly with fairaudit",
    )
