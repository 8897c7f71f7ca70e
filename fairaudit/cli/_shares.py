"""``fairaudit audit --reference-shares FILE``: the "Who is in the data" report section.

The file is a CSV with a ``share`` column and one column per sensitive attribute whose
representation is audited (a subset of ``--sensitive``; several columns: their
intersections), one row per group::

    race,share
    Black,0.13
    White,0.60
    Other,0.27
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import ERR_FILE_MISSING, CLIError
from ._read import convert_like

ARG = "--reference-shares"
ERR_NO_SHARE = (
    "argument --reference-shares: '{path}' needs a 'share' column and one column per "
    "sensitive attribute (e.g. race,share); its columns are: {columns}"
)
ERR_NOT_SENSITIVE = (
    "argument --reference-shares: column '{column}' of '{path}' is not a --sensitive "
    "column ({sensitive}); name the groups' columns as in --sensitive"
)
ERR_SHARE_VALUE = (
    "argument --reference-shares: the 'share' column of '{path}' must hold numbers; row "
    "{row} has {value!r}"
)
ERR_DUPLICATE = "argument --reference-shares: group {group} appears twice in '{path}'"
ERR_NEEDS_OUT = (
    "argument --reference-shares adds the section 'Who is in the data' to the HTML report; "
    "pass --out FILE.html"
)
ERR_INVALID = "argument --reference-shares: {reason}"


def read_reference_shares(
    path: str, data: pd.DataFrame, sensitive: list[str]
) -> tuple[list[str], dict[Any, float]]:
    """The attributes named in the file and their reference share per group."""
    if not Path(path).is_file():
        raise CLIError(ERR_FILE_MISSING.format(arg=ARG, path=path))
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise CLIError(
            ERR_INVALID.format(reason=f"cannot read '{path}' as CSV: {exc}".splitlines()[0])
        ) from exc
    columns = [str(c) for c in table.columns]
    if "share" not in columns or len(columns) < 2:
        raise CLIError(ERR_NO_SHARE.format(path=path, columns=", ".join(columns)))
    attributes = [c for c in columns if c != "share"]
    for column in attributes:
        if column not in sensitive:
            raise CLIError(
                ERR_NOT_SENSITIVE.format(column=column, path=path, sensitive=", ".join(sensitive))
            )
    shares = pd.to_numeric(table["share"], errors="coerce")
    bad = shares.isna()
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise CLIError(ERR_SHARE_VALUE.format(path=path, row=i + 2, value=table["share"].iloc[i]))
    reference: dict[Any, float] = {}
    for i in range(len(table)):
        values = tuple(convert_like(table[c].iloc[i], data[c]) for c in attributes)
        key = values[0] if len(values) == 1 else values
        if key in reference:
            raise CLIError(ERR_DUPLICATE.format(group=key, path=path))
        reference[key] = float(shares.iloc[i])
    return attributes, reference


def representation_sections(args: Any, data: pd.DataFrame, pos_label: Any) -> list[Any]:
    """The report section for ``--reference-shares`` (none without the option)."""
    path = getattr(args, "reference_shares", None)
    if not path:
        return []
    if not args.out:
        raise CLIError(ERR_NEEDS_OUT)
    import fairaudit

    from ..report import representation_section

    attributes, reference = read_reference_shares(path, data, args.sensitive)
    groups = data[attributes] if len(attributes) > 1 else data[attributes[0]]
    try:
        rep = fairaudit.representation(
            groups,
            reference=reference,
            y_true=data[args.target],
            sample_weight=data[args.weight].to_numpy() if args.weight else None,
            pos_label=pos_label,
            confidence_level=args.confidence,
        )
    except (TypeError, ValueError) as exc:
        raise CLIError(ERR_INVALID.format(reason=str(exc))) from exc
    return [representation_section(rep)]
