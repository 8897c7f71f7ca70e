"""Case study: the recommender feedback loop that narrows what people see, simulated.

A recommender learns from what users clicked, but users mostly click what they were
shown, so it is retrained on data that its own recommendations produced. Chaney, Stewart
& Engelhardt ("How algorithmic confounding in recommendation systems increases
homogeneity and decreases utility", RecSys 2018) showed by simulation that this loop makes
users' consumption more alike without making it better. Four recommenders (ideal,
popularity, matrix factorisation, random) and an exploration grid are simulated with
:func:`fairaudit.simulation.simulate_recommendation` in the same worlds; the report is
written by :mod:`fairaudit.casestudies.recommendation.report`. The model, its assumptions
and where it differs from the paper are in ``docs/case_studies/recommendation.md``.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairaudit.simulation import (
    RecommendationParams,
    RecommendationResult,
    simulate_recommendation,
)

__all__ = ["EXPLORATION", "RECOMMENDERS", "results", "run"]

#: The recommenders compared, in the report's order.
RECOMMENDERS = ("ideal", "popularity", "mf", "random")
#: Exploration shares simulated for the feedback-trained recommenders (0 = none).
EXPLORATION = (0.0, 0.05, 0.1, 0.2, 0.4)
SEED = 2018


@dataclass(frozen=True)
class _Size:
    n_runs: int
    n_users: int
    n_items: int
    n_steps: int


FULL = _Size(n_runs=12, n_users=600, n_items=300, n_steps=100)
QUICK = _Size(n_runs=6, n_users=200, n_items=150, n_steps=40)


def _params(size: _Size, recommender: str, exploration: float = 0.0) -> RecommendationParams:
    return RecommendationParams(
        recommender,
        n_users=size.n_users,
        n_items=size.n_items,
        n_steps=size.n_steps,
        exploration=exploration,
    )


def simulate_all(quick: bool = False) -> dict[Any, RecommendationResult]:
    """Every simulation of the case study, all with the same seed (the same worlds).

    Keys: the recommender names, and ``(recommender, exploration)`` for the exploration
    grid of ``popularity`` and ``mf`` (exploration 0 is the plain recommender).
    """
    size = QUICK if quick else FULL
    sims: dict[Any, RecommendationResult] = {}
    for rec in RECOMMENDERS:
        sims[rec] = simulate_recommendation(
            _params(size, rec), n_runs=size.n_runs, random_state=SEED
        )
    for rec in ("popularity", "mf"):
        sims[(rec, 0.0)] = sims[rec]
        for eps in EXPLORATION[1:]:
            sims[(rec, eps)] = simulate_recommendation(
                _params(size, rec, eps), n_runs=size.n_runs, random_state=SEED
            )
    return sims


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


def _after_warmup(res: RecommendationResult) -> float:
    """Minority items' mean share of the slates shown after the warm-up."""
    return float(res.measure("minority_slate")[res.steps > res.params.warmup].mean())


def _final_relative(res: RecommendationResult, ideal: RecommendationResult) -> pd.DataFrame:
    rel = res.relative_to(ideal)
    return rel[rel.step == res.steps[-1]].set_index("run")


def numbers(sims: dict[Any, RecommendationResult]) -> dict[str, Any]:
    """The measured numbers of the report from the simulations."""
    ideal = sims["ideal"]
    warm = ideal.params.warmup
    rows = []
    for rec in RECOMMENDERS:
        res = sims[rec]
        rel = _final_relative(res, ideal)
        hom, hom_se = _mean_se(rel["homogenisation"])
        gini = res.measure("gini")
        rows.append(
            {
                "recommender": rec,
                "homogenisation": hom,
                "homogenisation_se": hom_se,
                "homogenisation_similar": float(rel["homogenisation_similar"].mean()),
                "gini_after_warmup": float(gini[warm].mean()),
                "gini_final": float(gini[-1].mean()),
                "gini_final_se": _mean_se(gini[-1])[1],
                "top_share": float(res.final("top_share").mean()),
                "utility_ratio": float(rel["utility_ratio"].mean()),
                "utility_ratio_se": _mean_se(rel["utility_ratio"])[1],
                "minority_exposure": float(res.final("minority_exposure").mean()),
                "minority_choices": float(res.final("minority_choices").mean()),
                "minority_slate": float(res.final("minority_slate").mean()),
                "minority_shown": _after_warmup(res),
            }
        )
    table = pd.DataFrame(rows).set_index("recommender")
    explore = []
    for rec in ("popularity", "mf"):
        for eps in EXPLORATION:
            res = sims[(rec, eps)]
            rel = _final_relative(res, ideal)
            hom, se = _mean_se(rel["homogenisation"])
            explore.append(
                {
                    "recommender": rec,
                    "exploration": eps,
                    "homogenisation": hom,
                    "homogenisation_se": se,
                    "gini_final": float(res.final("gini").mean()),
                    "utility_ratio": float(rel["utility_ratio"].mean()),
                    "minority_shown": _after_warmup(res),
                }
            )
    explore_table = pd.DataFrame(explore)
    catalogue = float(ideal.catalogue_share[1])
    preference = float(ideal.preference_share[:, 1].mean())
    favourite = float(ideal.favourite_share[:, 1].mean())
    snapshot = pd.DataFrame(
        {
            "share of slots in the log": table["minority_exposure"],
            "share of clicks in the log": table["minority_choices"],
            "shown / clicked": table["minority_exposure"] / table["minority_choices"],
            "shown after warm-up / share of favourites": table["minority_shown"] / favourite,
        }
    )
    return {
        "table": table,
        "exploration": explore_table,
        "snapshot": snapshot,
        "catalogue_share": catalogue,
        "preference_share": preference,
        "favourite_share": favourite,
        "size": {
            "n_runs": ideal.n_runs,
            "n_users": ideal.params.n_users,
            "n_items": ideal.params.n_items,
            "n_steps": ideal.params.n_steps,
            "warmup": warm,
            "slate_size": ideal.params.slate_size,
            "n_topics": ideal.params.n_topics,
        },
    }


def results(quick: bool = False) -> dict[str, Any]:
    """Run every simulation and return the measured numbers (see :func:`numbers`).

    Parameters
    ----------
    quick : bool, default False
        Fewer, smaller runs (for tests); the qualitative findings are the same.
    """
    return numbers(simulate_all(quick))


def run(out_dir: pathlib.Path, *, quick: bool = False) -> pathlib.Path:
    """Simulate the recommenders and write ``out_dir/recommendation.html``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder for the report (created if needed).
    quick : bool, default False
        Fewer, smaller runs (seconds instead of about a minute).

    Returns
    -------
    pathlib.Path
        Path of the written report.
    """
    from .. import write_report
    from .report import TITLE, sections, subtitle

    sims = simulate_all(quick)
    return write_report(
        out_dir,
        "recommendation",
        TITLE,
        sections(sims, numbers(sims), quick=quick),
        subtitle=subtitle(quick),
    )
