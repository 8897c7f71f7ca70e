"""How the text of a CSV column becomes values: pandas' missing markers and its parsing.

Shared by the in-memory reader of the command line and the out-of-core engine, which reads
CSV columns as text and parses the labels after the aggregation.
"""

from __future__ import annotations

import pandas as pd

#: What pandas reads as missing in a column it parses (its documented default list).
PANDAS_NA = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
#: What is missing in a sensitive column of a CSV file (besides ``--na-values``).
TEXT_NA = ("",)
_TRUE = frozenset({"True", "TRUE", "true"})
_FALSE = frozenset({"False", "FALSE", "false"})


def parsed(column: pd.Series) -> pd.Series:
    """A text column as pandas parses a CSV column: numbers, booleans, else text.

    Used where a column read as text (a sensitive column, or any column of a CSV file read
    out of core) is needed with the values pandas would have given it. pandas' missing
    markers are missing here.

    Parameters
    ----------
    column : pandas.Series
        Text values (or missing).

    Returns
    -------
    pandas.Series
        Numbers when every present value is one, booleans when every value is a spelling
        of True or False, else the text with the missing markers as missing.
    """
    values = column.where(~column.isin(PANDAS_NA))
    present = values.dropna()
    try:
        return pd.to_numeric(values)
    except (ValueError, TypeError):
        pass
    if len(present) and present.isin(_TRUE | _FALSE).all() and len(present) == len(values):
        return values.isin(_TRUE)
    return values
