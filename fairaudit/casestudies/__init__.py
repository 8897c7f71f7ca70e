"""Runnable case studies.

Each case study is a subpackage of this package (``analysis``, ``text``, ``report``, ``study``
where it has them, runnable as ``python -m fairaudit.casestudies.NAME``) whose function
``run(out_dir: pathlib.Path, *, quick: bool = False) -> pathlib.Path`` writes its
HTML report (and any figures) into ``out_dir`` and returns the report's path. The scripts in
the repository's ``case_studies/`` folder and ``fairaudit case-study run NAME`` both call it.
A study whose size can be chosen names the keyword of ``run`` that sets it in
``SIZE_OPTION`` (keyword, help text) of its module ``options``, which imports nothing
heavy; the command line then offers ``--size N``. A study's package imports its modules
only when one of its names is used (:func:`lazy_study`), so ``--help`` answers at once.
:func:`write_report` is the last step every study shares: create the folder and render the
sections into ``NAME.html``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pathlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

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

__all__ = ["CASE_STUDIES", "lazy_study", "load_case_study", "script_main", "write_report"]


def lazy_study(
    package: str, namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a study's package (PEP 562).

    The package's public names are those of ``__all__`` of its ``study`` module, and its
    modules (``analysis``, ``report``, ...) are its attributes too; each is imported when
    first used and then kept in ``namespace`` (the package's globals), so importing the
    package costs nothing until the study runs.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    namespace : dict
        The package's ``globals()``.

    Returns
    -------
    tuple of callables
        ``(__getattr__, __dir__)`` for the package.
    """

    def study() -> ModuleType:
        return importlib.import_module(f"{package}.study")

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            value: Any = list(study().__all__)
        elif name.startswith("__"):
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        elif importlib.util.find_spec(f"{package}.{name}") is not None:
            value = importlib.import_module(f"{package}.{name}")
        elif name in study().__all__:
            value = getattr(study(), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *study().__all__})

    return __getattr__, __dir__


def load_case_study(name: str) -> ModuleType:
    """Import and return the module of case study ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a known case study.
    """
    return importlib.import_module(_module_name(name))


def _module_name(name: str) -> str:
    """The module of case study ``name`` (ValueError if it is unknown)."""
    if name not in CASE_STUDIES:
        known = ", ".join(sorted(CASE_STUDIES))
        raise ValueError(ERR_UNKNOWN_CASE_STUDY.format(name=name, known=known))
    return CASE_STUDIES[name][0]


def write_report(
    out_dir: pathlib.Path | str,
    name: str,
    title: str,
    sections: Sequence[Any],
    *,
    subtitle: str = "",
) -> pathlib.Path:
    """Render ``sections`` into ``out_dir/NAME.html`` and return its path.

    Parameters
    ----------
    out_dir : path
        Folder for the report; created (with its parents) if needed.
    name : str
        The study's name: the file is ``NAME.html``.
    title, subtitle : str
        The report's title and the line under it.
    sections : sequence
        The report's sections (:class:`fairaudit.report.Section` and the like).

    Returns
    -------
    pathlib.Path
        The path of the written report.
    """
    from fairaudit.report import render_document

    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.html"
    render_document(title, list(sections), subtitle=subtitle, path=path)
    return path


def script_main(name: str, argv: list[str] | None = None) -> int:
    """Command line of the script ``case_studies/NAME.py``: run the case study, print the path.

    Parameters
    ----------
    name : str
        A key of :data:`CASE_STUDIES`.
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``): ``--out DIR``, ``--quick`` and, for a study
        with a ``SIZE_OPTION``, ``--size N``.

    Returns
    -------
    int
        The exit code (0).
    """
    from ..cli._parser import whole_number

    options = f"{_module_name(name)}.options"
    size_option, min_size = None, 1
    if importlib.util.find_spec(options) is not None:
        found = importlib.import_module(options)
        size_option = getattr(found, "SIZE_OPTION", None)
        min_size = getattr(found, "MIN_SIZE", 1)
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
    if size_option is not None:
        size = whole_number(min_size, f"of at least {min_size}")
        parser.add_argument("--size", type=size, metavar="N", help=size_option[1])
    args = parser.parse_args(argv)
    module = load_case_study(name)
    extra = {}
    if size_option is not None and args.size is not None:
        extra[size_option[0]] = args.size
    print(module.run(args.out, quick=args.quick, **extra))
    return 0
