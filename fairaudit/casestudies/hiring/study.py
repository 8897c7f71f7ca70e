"""Case study: gender bias in a resume screen survives dropping the gender column.

A screening model is trained on synthetic past hiring decisions
(:func:`fairaudit.datasets.make_hiring`) in which qualified women were under-hired. The case
study measures "fairness through unawareness" and what each mitigation does:

1. screening models (logistic regression and gradient-boosted trees) trained with and without
   the gender column, audited against the historical labels and against true suitability;
2. how well the remaining features predict gender (proxy leakage) and which features carry
   the penalty; the same with proxies switched off;
3. the mitigators of :mod:`fairaudit.mitigation` compared, feature repair included (with
   the leakage before and after repair);
4. each kind of bias injected on its own, and which mitigation fixes which;
5. a shortlist audit: the top k% by score, overall and within each gender.

:func:`results` returns the numbers; :func:`run` writes the HTML report. The numbers are
computed in :mod:`fairaudit.casestudies.hiring.analysis`, put into words in
:mod:`fairaudit.casestudies.hiring.text` and drawn in
:mod:`fairaudit.casestudies.hiring.report`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .analysis import (
    ACCURACY_SLACK,
    COMPARE_CRITERIA,
    CONTROL,
    GAP_TOLERANCE,
    GB_WITH,
    GB_WITHOUT,
    LR_WITH,
    LR_WITHOUT,
    REPAIR,
    SCENARIOS,
    TARGETED_FIX,
    measure,
    run_scenario,
    spawn_seeds,
)
from .options import FULL_SIZE, MIN_SIZE, QUICK_SIZE, SIZE_OPTION
from .report import sections
from .text import findings, summary

__all__ = [
    "ACCURACY_SLACK",
    "COMPARE_CRITERIA",
    "CONTROL",
    "ERR_N_APPLICANTS",
    "ERR_QUICK",
    "ERR_RANDOM_STATE",
    "FULL_SIZE",
    "GAP_TOLERANCE",
    "GB_WITH",
    "GB_WITHOUT",
    "LR_WITH",
    "LR_WITHOUT",
    "MIN_SIZE",
    "QUICK_SIZE",
    "REPAIR",
    "SCENARIOS",
    "SIZE_OPTION",
    "TARGETED_FIX",
    "results",
    "run",
]

NAME = "hiring"

ERR_QUICK = "quick must be True or False; got {value!r}."
ERR_RANDOM_STATE = "random_state must be an int >= 0 (the seed of every step); got {value!r}."
ERR_N_APPLICANTS = (
    "n_applicants must be None (the size set by quick) or an int >= {min}, the applicants in "
    "each of the training and test sets; got {value!r}."
)


# The seeds of each step and one scenario of the per-switch experiment, under the names
# the tests use to re-run a scenario exactly as results() did.
_seeds = spawn_seeds
_scenario = run_scenario


# --------------------------------------------------------------------------- results
def _check_args(quick: Any, random_state: Any, n_applicants: Any = None) -> None:
    if not isinstance(quick, (bool, np.bool_)):
        raise TypeError(ERR_QUICK.format(value=quick))
    if n_applicants is not None and (
        isinstance(n_applicants, (bool, np.bool_))
        or not isinstance(n_applicants, (int, np.integer))
        or n_applicants < MIN_SIZE
    ):
        raise ValueError(ERR_N_APPLICANTS.format(min=MIN_SIZE, value=n_applicants))
    if (
        isinstance(random_state, (bool, np.bool_))
        or not isinstance(random_state, (int, np.integer))
        or random_state < 0
    ):
        raise TypeError(ERR_RANDOM_STATE.format(value=random_state))


def results(
    quick: bool = False, random_state: int = 0, *, n_applicants: int | None = None
) -> dict[str, Any]:
    """Run every step of the case study and return the measured numbers.

    Parameters
    ----------
    quick : bool, default=False
        Smaller samples (6,000 applicants per set instead of 20,000), fewer boosting
        iterations and no bootstrap intervals.
    random_state : int, default=0
        Seed of every random step (data, models, mitigators, cross-validation).
    n_applicants : int, optional
        Applicants in each of the training and test sets, and per set of the
        one-bias-at-a-time experiment (at least ``MIN_SIZE``, 200). Default: 20,000, or
        6,000 with ``quick``. A few hundred give a report of the same layout in seconds,
        with noisier numbers.

    Returns
    -------
    dict
        ``settings`` (sizes, seeds, switches), ``models`` (DataFrame, one row per screening
        model on the default data: selection rates, gaps, accuracies against the historical
        and true labels), ``audits`` (model name -> (AuditResult against historical labels,
        AuditResult against true suitability)), ``leakage`` and ``leakage_auc`` (per-feature
        and cross-validated AUC of predicting gender), ``penalty`` (per-feature share of the
        penalty), ``proxy_free`` (models, leakage table and AUC with ``proxy_strength=0``),
        ``control`` (the models with every bias switched off), ``proxy_sweep`` (leakage AUC
        and the gap with and without gender as ``proxy_strength`` goes from 0 to 2),
        ``mitigation`` (DataFrame per method, recorded and true accuracy; feature repair
        included), ``repair`` (leakage AUC of the features before and after quantile
        repair at level 1, with the selection ratio and accuracies), ``comparison``
        (the table of :func:`fairaudit.mitigation.compare`), ``switches`` and
        ``fix_matrix`` (one bias at a time), ``shortlist``, ``findings`` (plain-language
        sentences; ``findings_by_topic`` groups them), ``summary`` (the key findings in a
        few sentences) and ``seconds``.

    Raises
    ------
    TypeError
        If ``quick`` is not a bool or ``random_state`` not a non-negative int.
    ValueError
        If ``n_applicants`` is not None or an int of at least ``MIN_SIZE``.
    """
    _check_args(quick, random_state, n_applicants)
    with threadpool_limits(1):  # many small fits: threads only oversubscribe the cores
        return _results(quick, random_state, n_applicants)


def _results(quick: bool, random_state: int, n_applicants: int | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    out = measure(quick, random_state, n_applicants)
    out["findings_by_topic"] = findings(out)
    out["findings"] = [t for texts in out["findings_by_topic"].values() for t in texts]
    out["summary"] = summary(out)
    out["seconds"] = time.perf_counter() - t0
    return out


def run(out_dir: Path | str, *, quick: bool = False, n_applicants: int | None = None) -> Path:
    """Run the case study and write ``out_dir/hiring.html``.

    Parameters
    ----------
    out_dir : path
        Folder for the report (created if missing).
    quick : bool, default=False
        Smaller, faster version (see :func:`results`).
    n_applicants : int, optional
        Applicants in each of the training and test sets (see :func:`results`); the
        command line's ``--size N``.

    Returns
    -------
    pathlib.Path
        The path of the written report.
    """
    from .. import write_report

    _check_args(quick, 0, n_applicants)
    out = results(quick=quick, n_applicants=n_applicants)
    run_kind = "quick run" if quick else "full run"
    if n_applicants is not None:
        run_kind = f"{n_applicants:,} applicants per set"
    return write_report(
        out_dir,
        NAME,
        "Hiring: bias that survives dropping the gender column",
        sections(out),
        subtitle=f"Synthetic resume screening with known causal structure ({run_kind}).",
    )
