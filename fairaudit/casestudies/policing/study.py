"""Case study: the predictive-policing feedback loop, simulated.

A crime-prediction model sends patrols where recorded crime is high; patrols discover
crime where they are sent; the new records "confirm" the prediction. Ensign et al.
("Runaway Feedback Loops in Predictive Policing", FAT* 2018) formalised this as a Pólya
urn; Lum & Isaac ("To predict and serve?", Significance 2016) showed it on Oakland data.
Five scenarios are simulated with :func:`fairaudit.simulation.simulate_policing`; the
report plots each as the allocation share over time against the true share, with the
spread over runs. The model, its assumptions and the derivations are in
``docs/case_studies/policing.md``.
"""

from __future__ import annotations

import pathlib
from typing import Any

from .analysis import _numbers, _simulate_all
from .report import _sections

__all__ = ["results", "run"]


def results(quick: bool = False) -> dict[str, Any]:
    """Run every scenario and return the measured numbers.

    Parameters
    ----------
    quick : bool, default False
        Fewer runs and steps (for tests); the qualitative findings are the same.

    Returns
    -------
    dict
        One entry per scenario (``"scenario1"`` ... ``"scenario5"``) with the final shares,
        distances and fixed points, and ``"confirmation"``: per scenario the median total
        variation distance of the allocation to the model's own records and to the truth.
    """
    return _numbers(_simulate_all(quick))


def run(out_dir: pathlib.Path, *, quick: bool = False) -> pathlib.Path:
    """Simulate the scenarios and write ``out_dir/policing.html``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder for the report (created if needed).
    quick : bool, default False
        Fewer runs and steps (seconds instead of tens of seconds).

    Returns
    -------
    pathlib.Path
        Path of the written report.
    """
    from .. import write_report

    sims = _simulate_all(quick)
    return write_report(
        out_dir,
        "policing",
        "The predictive-policing feedback loop",
        _sections(sims, _numbers(sims), quick),
        subtitle="Simulated after Ensign et al. (2018) and Lum & Isaac (2016)"
        + (" (quick run)" if quick else ""),
    )
