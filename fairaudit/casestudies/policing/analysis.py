"""The numbers of the policing case study: the five scenarios simulated with
:func:`fairaudit.simulation.simulate_policing`, and the shares, distances and fixed points
the report quotes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from fairaudit.simulation import PolicingResult, reported_fixed_point, simulate_policing

#: Colour-blind-safe colours (matplotlib's tableau-colorblind10).
COLORS = ("#006BA4", "#FF800E", "#ABABAB", "#595959", "#5F9ED1", "#C85200", "#898989")

#: Rates of the reported-incidents scenario (the worked example of the case study: true share 0.567).
RATES_REPORTED = (3.685, 2.816)
REPORTED_FRACTIONS = (0.0, 0.25, 0.5, 0.75)
RATES_5 = (1.0, 2.0, 3.0, 4.0, 5.0)
RATES_HOTSPOT = tuple(np.round(np.linspace(0.6, 1.4, 10), 3))


@dataclass(frozen=True)
class _Size:
    n_runs: int
    n_steps: int


FULL = _Size(n_runs=200, n_steps=8000)
QUICK = _Size(n_runs=20, n_steps=1000)


def _simulate_all(quick: bool) -> dict[str, PolicingResult]:
    """Every simulation of the case study (fixed seeds)."""
    size = QUICK if quick else FULL
    common = {"n_steps": size.n_steps, "n_runs": size.n_runs}
    sims: dict[str, PolicingResult] = {}
    sims["s1_proportional"] = simulate_policing([1, 1], prior=[55, 45], random_state=101, **common)
    sims["s1_greedy"] = simulate_policing(
        [1, 1], prior=[55, 45], allocation="greedy", random_state=102, **common
    )
    sims["s2"] = simulate_policing([2, 1], prior=[50, 50], random_state=201, **common)
    for i, r in enumerate(REPORTED_FRACTIONS):
        sims[f"s3_r{r}"] = simulate_policing(
            RATES_REPORTED, prior=[50, 50], reported_fraction=r, random_state=301 + i, **common
        )
    for i, corr in enumerate((None, "reject", "weight")):
        sims[f"s4_k2_{corr}"] = simulate_policing(
            [2, 1], prior=[50, 50], correction=corr, random_state=401 + i, **common
        )
    for i, corr in enumerate((None, "complement", "reject", "weight")):
        sims[f"s4_k5_{corr}"] = simulate_policing(
            RATES_5, prior=20, correction=corr, random_state=411 + i, **common
        )
    hot = {
        "prior": 10,
        "reported_fraction": 0.3,
        "hotspot_k": 2,
        "decay": 0.995,
        "n_steps": size.n_steps // 2,
        "n_runs": size.n_runs,
        "record_every": max(1, size.n_steps // 100),  # shares over windows of 50 points
    }
    sims["s5_hotspot"] = simulate_policing(
        RATES_HOTSPOT, hotspot_boost=0.5, random_state=501, **hot
    )
    sims["s5_control"] = simulate_policing(
        RATES_HOTSPOT, hotspot_boost=0.0, random_state=501, **hot
    )
    return sims


def _flagged_shares(res: PolicingResult) -> pd.DataFrame:
    """Per (run, step): share of recorded / true incidents in the flagged regions."""
    hist = res.history()
    weights = hist["flagged_fraction"]
    frame = pd.DataFrame(
        {
            "run": hist["run"],
            "step": hist["step"],
            "recorded": weights * hist["recorded_share"],
            "true": weights * hist["true_share"],
            "allocation": weights * hist["allocation_share"],
        }
    )
    out = frame.groupby(["run", "step"], sort=True).sum(min_count=1)
    return out[out.index.get_level_values("step") > 0]


def _numbers(sims: dict[str, PolicingResult]) -> dict[str, Any]:
    beta = stats.beta(55, 45)
    prop = sims["s1_proportional"].final_shares[:, 0]
    greedy = sims["s1_greedy"].final_shares[:, 0]
    s2 = sims["s2"]
    s2_share = s2.final_shares[:, 0]
    s2_summary = s2.summary()
    out: dict[str, Any] = {
        "scenario1": {
            "proportional_mean": float(prop.mean()),
            "proportional_sd": float(prop.std(ddof=1)),
            "beta_mean": float(beta.mean()),
            "beta_sd": float(beta.std()),
            "greedy_mean": float(greedy.mean()),
            "greedy_locked_fraction": float(np.mean(greedy == 1.0)),
            "true_share": 0.5,
        },
        "scenario2": {
            "true_share": 2 / 3,
            "mean_share": float(s2_share.mean()),
            "median_share": float(np.median(s2_share)),
            "fraction_above_0.9": float(np.mean(s2_share > 0.9)),
            "median_tv_to_true": float(s2_summary["tv_to_true"].median()),
            "median_tv_to_recorded": float(s2_summary["tv_to_recorded"].median()),
        },
    }
    true_rep = RATES_REPORTED[0] / sum(RATES_REPORTED)
    rows = []
    for r in REPORTED_FRACTIONS:
        share = sims[f"s3_r{r}"].final_shares[:, 0]
        fixed = reported_fixed_point(RATES_REPORTED, r)[0] if r > 0 else 1.0
        rows.append(
            {
                "reported_fraction": r,
                "mean_share": float(share.mean()),
                "q05": float(np.quantile(share, 0.05)),
                "q95": float(np.quantile(share, 0.95)),
                "fixed_point": float(fixed),
                "true_share": true_rep,
            }
        )
    out["scenario3"] = {"table": pd.DataFrame(rows), "true_share": true_rep}
    k2 = {
        str(c): float(sims[f"s4_k2_{c}"].final_shares[:, 0].mean())
        for c in (None, "reject", "weight")
    }
    k5 = {
        str(c): float(sims[f"s4_k5_{c}"].tv_distance.mean())
        for c in (None, "complement", "reject", "weight")
    }
    out["scenario4"] = {
        "two_regions_mean_share": k2,
        "five_regions_mean_tv": k5,
        "true_share": 2 / 3,
    }
    s5: dict[str, Any] = {}
    for name in ("hotspot", "control"):
        res = sims[f"s5_{name}"]
        flagged = _flagged_shares(res)
        late = flagged[flagged.index.get_level_values("step") > res.n_steps // 2]
        late = late.groupby("run").mean()
        most = res.tally("flagged")[-1].argmax(axis=1)
        s5[name] = {
            "flagged_recorded_share": float(late["recorded"].mean()),
            "flagged_true_share": float(late["true"].mean()),
            "flagged_allocation_share": float(late["allocation"].mean()),
            "most_flagged_is_highest_rate": float(np.mean(most == np.argmax(RATES_HOTSPOT))),
        }
    out["scenario5"] = s5
    out["confirmation"] = _confirmation_table(sims)
    return out


def _confirmation_table(sims: dict[str, PolicingResult]) -> pd.DataFrame:
    rows = []
    labels = {
        "s1_proportional": "1. Equal rates, proportional",
        "s1_greedy": "1. Equal rates, greedy",
        "s2": "2. Rates 2:1",
        "s3_r0.5": "3. Half reported",
        "s4_k5_None": "4. Five regions, no correction",
        "s4_k5_reject": "4. Five regions, corrected",
        "s5_hotspot": "5. Hotspots",
    }
    for key, label in labels.items():
        summary = sims[key].summary()
        rows.append(
            {
                "scenario": label,
                "allocation vs own records (TV)": summary["tv_to_recorded"].median(),
                "allocation vs truth (TV)": summary["tv_to_true"].median(),
            }
        )
    return pd.DataFrame(rows).set_index("scenario")
