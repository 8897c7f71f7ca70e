"""Tables and values in JSON: the layout every typed result of the package writes
(``{"index", "index_names", "columns", "data"}`` for a frame, NaN as null)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["frame_from_dict", "frame_to_dict", "py"]


def py(value: Any) -> Any:
    """A JSON-ready Python value: NaN/inf -> None, numpy scalars -> Python scalars."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple):
        return [py(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if value is None or isinstance(value, bool | int | float | str | list):
        return value
    # group labels such as pd.Interval (from pd.cut) or dates are written as their text
    return str(value)


def frame_to_dict(df: pd.DataFrame) -> dict:
    return {
        "index": [py(v) for v in df.index],
        "index_names": [None if n is None else str(n) for n in df.index.names],
        "columns": [str(c) for c in df.columns],
        "data": [[py(v) for v in row] for row in df.itertuples(index=False, name=None)],
    }


def frame_from_dict(d: dict, *, group_index: bool = True) -> pd.DataFrame:
    names = d["index_names"]
    if len(names) > 1:
        levels = (
            list(zip(*[tuple(v) for v in d["index"]], strict=True))
            if d["index"]
            else [() for _ in names]
        )
        index: pd.Index = pd.MultiIndex.from_arrays(
            [pd.Index(list(level), dtype=object) for level in levels], names=names
        )
    else:
        index = pd.Index(d["index"], name=names[0], dtype=object if group_index else None)
    df = pd.DataFrame(d["data"], columns=d["columns"], index=index)
    for col in df.columns:
        if df[col].dtype == object:
            converted = pd.to_numeric(df[col], errors="coerce")
            if converted.notna().sum() == df[col].notna().sum() and df[col].notna().any():
                df[col] = converted
            elif df[col].isna().all():
                df[col] = df[col].astype(float)
    return df
