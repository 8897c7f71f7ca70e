"""The FICO (TransUnion TransRisk) score distributions of Hardt, Price & Srebro (2016).

Published as distributions, not rows: for each of four groups and each score on a grid of
0.5 from 0 to 100, the share of the group at or below the score (a CDF, in %) and the share
of the people at that score who defaulted (in %), with the size of each group in the sample.
The files are those of the US Federal Reserve's 2007 report to Congress on credit scoring,
as used by Hardt et al.; see ``data/PROVENANCE.md``.
"""

from __future__ import annotations

import functools
import io

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._loaders import _check_as_frame, _read_bytes, read_provenance

__all__ = ["FICO_GROUPS", "load_fico"]

FICO_CDF_FILE = "transrisk_cdf_by_race_ssa.csv.gz"
FICO_PERFORMANCE_FILE = "transrisk_performance_by_race_ssa.csv.gz"
FICO_TOTALS_FILE = "transrisk_totals_ssa.csv.gz"

#: The groups, as named in the files -> as named by fairaudit (and by Hardt et al.'s plots).
FICO_GROUPS: dict[str, str] = {
    "Asian": "Asian",
    "Black": "Black",
    "Hispanic": "Hispanic",
    "Non- Hispanic white": "White",
}

ERR_FICO_FILES = (
    "bundled FICO files disagree ({what}); the package data is corrupted, reinstall fairaudit"
)


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(_read_bytes(name)))


@functools.cache
def _fico_frame() -> pd.DataFrame:
    cdf = _csv(FICO_CDF_FILE).set_index("Score")
    perf = _csv(FICO_PERFORMANCE_FILE).set_index("Score")
    totals = _csv(FICO_TOTALS_FILE).set_index("Kind").loc["SSA"]
    if not cdf.index.equals(perf.index) or list(cdf.columns) != list(perf.columns):
        raise ValueError(ERR_FICO_FILES.format(what="score grids or groups"))
    if set(cdf.columns) != set(FICO_GROUPS) or set(totals.index) != set(FICO_GROUPS):
        raise ValueError(ERR_FICO_FILES.format(what="group names"))
    frames = []
    for raw, name in sorted(FICO_GROUPS.items(), key=lambda kv: kv[1]):
        c = cdf[raw].to_numpy(dtype=float) / 100.0
        if np.any(np.diff(c) < 0) or abs(c[-1] - 1.0) > 1e-12:
            raise ValueError(ERR_FICO_FILES.format(what=f"the CDF of {name} is not a CDF"))
        share = np.diff(np.concatenate([[0.0], c]))
        default = perf[raw].to_numpy(dtype=float) / 100.0
        frames.append(
            pd.DataFrame(
                {
                    "group": name,
                    "score": cdf.index.to_numpy(dtype=float),
                    "cdf": c,
                    "share": share,
                    "count": share * float(totals[raw]),
                    "default_rate": default,
                    "repay_rate": 1.0 - default,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["group"] = frame["group"].astype(pd.CategoricalDtype(sorted(FICO_GROUPS.values())))
    return frame


def load_fico(*, as_frame: bool = True) -> pd.DataFrame | Bunch:
    """The TransRisk score distributions by race used in Hardt, Price & Srebro's FICO study.

    Parameters
    ----------
    as_frame : bool, default True
        Return a DataFrame (True) or a Bunch with ``frame``, ``totals`` and ``DESCR``.

    Returns
    -------
    pandas.DataFrame
        One row per (group, score), 4 x 198 rows: ``group`` (Asian, Black, Hispanic,
        White; "White" is the files' "Non- Hispanic white"), ``score`` (0 to 100 by 0.5;
        72.5, 77.5 and 92.5 are not in the files),
        ``cdf`` (share of the group at or below the score), ``share`` (share of the group at
        the score: the CDF's increments), ``count`` (``share`` times the group's size in the
        sample, 173,047 people in all), ``default_rate`` and ``repay_rate`` (share of the
        people at the score who defaulted, did not default). The files' percentages are
        divided by 100; nothing else is changed.

    Notes
    -----
    The data describe distributions, not people: use them with
    :meth:`fairaudit.mitigation.ThresholdOptimizer.fit_distribution`
    (``count="count", positive_rate="repay_rate"``).
    """
    as_frame = _check_as_frame(as_frame)
    frame = _fico_frame().copy()
    if as_frame:
        return frame
    totals = frame.groupby("group", observed=True)["count"].sum().round().astype(int)
    return Bunch(frame=frame, totals=totals, DESCR=read_provenance())
