"""The hiring study's sizes and its ``--size`` option (imports nothing else, so the
command line's ``--help`` does not load the study)."""

from __future__ import annotations

#: Applicants in each of the training and test sets, and per set of the one-bias-at-a-time
#: experiment: full run, quick run.
FULL_SIZE, QUICK_SIZE = 20000, 6000
#: The smallest study that still fits every model and mitigator.
MIN_SIZE = 200

#: The keyword of :func:`~fairaudit.casestudies.hiring.run` that ``--size N`` sets on the
#: command line, and its help.
SIZE_OPTION = (
    "n_applicants",
    f"applicants in each of the training and test sets (at least {MIN_SIZE}; default "
    f"{FULL_SIZE:,}, or {QUICK_SIZE:,} with --quick)",
)

__all__ = ["FULL_SIZE", "MIN_SIZE", "QUICK_SIZE", "SIZE_OPTION"]
