"""Runnable case studies.

Each case study is a subpackage of this package (``analysis``, ``text``, ``report``, ``study``
where it has them, runnable as ``python -m fairaudit.casestudies.NAME``) whose function
``run(out_dir: pathlib.Path, *, quick: bool = False) -> pathlib.Path`` writes its
HTML report (and any figures) into ``out_dir`` and returns the report's path. The scripts in
the repository's ``case_studies/`` folder and ``fairaudit case-study run NAME`` both call it.
"""

from __future__ import annotations

import argparse
import importlib
import pathlib
from types import ModuleType

#: Name -> (module, one-line description). Modules are imported only when run.
CASE_STUDIES: dict[str, tuple[str, str]] = {
    "hiring": (
        "fairaudit.casestudies.hiring",
        "Synthetic hiring data: gender bias learned through proxies after the column is dropped.",
    ),
    "policing": (
        "fairaudit.casestudies.policing",
        "Simulated predictive-policing feedback loop (Ensign et al. 2018; Lum & Isaac 2016).",
    ),
    "recommendation": (
        "fairaudit.casestudies.recommendation",
        "Simulated recommender feedback loop that narrows what people see (Chaney et al. 2018).",
    ),
    "compas": (
        "fairaudit.casestudies.compas",
        "COMPAS: reproducing ProPublica's analysis and Northpointe's reply on real data.",
    ),
    "credit": (
        "fairaudit.casestudies.credit",
        "Credit: Hardt, Price & Srebro's FICO study of what fairness costs a lender, exactly.",
    ),
}

ERR_UNKNOWN_CASE_STUDY = "case study {name!r} is unknown; choose one of: {known}"

__all__ = ["CASE_STUDIES", "load_case_study", "script_main"]


def load_case_study(name: str) -> ModuleType:
    """Import and return the module of case study ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a known case study.
    """
    if name not in CASE_STUDIES:
        known = ", ".join(sorted(CASE_STUDIES))
        raise ValueError(ERR_UNKNOWN_CASE_STUDY.format(name=name, known=known))
    return importlib.import_module(CASE_STUDIES[name][0])


def script_main(name: str, argv: list[str] | None = None) -> int:
    """Command line of the script ``case_studies/NAME.py``: run the case study, print the path.

    Parameters
    ----------
    name : str
        A key of :data:`CASE_STUDIES`.
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``): ``--out DIR`` and ``--quick``.

    Returns
    -------
    int
        The exit code (0).
    """
    module = load_case_study(name)
    parser = argparse.ArgumentParser(
        prog=f"case_studies/{name}.py",
        description=CASE_STUDIES[name][1] + f" Same as `fairaudit case-study run {name}`.",
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path("."),
        help=f"folder for {name}.html (created if needed; default: current folder)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smaller, faster run (fewer samples or resamples) with the same findings",
    )
    args = parser.parse_args(argv)
    print(module.run(args.out, quick=args.quick))
    return 0
