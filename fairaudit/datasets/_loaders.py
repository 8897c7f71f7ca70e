"""Loaders for the real data sets bundled with fairaudit (COMPAS and UCI Adult).

The files live in ``fairaudit/datasets/data/`` as gzip-compressed text and are read with
:mod:`importlib.resources`; nothing is ever downloaded. Provenance, licences and known
problems of the data are in ``data/PROVENANCE.md`` (returned as ``DESCR`` by the Bunch
form of each loader).
"""

from __future__ import annotations

import functools
import gzip
import io
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["load_adult", "load_compas", "propublica_filter"]

_DATA_PACKAGE = "fairaudit.datasets"

# --------------------------------------------------------------------------------------
# Error messages (matched exactly in the tests)
# --------------------------------------------------------------------------------------
AS_FRAME_TYPE_ERROR = (
    "as_frame must be True (return a pandas DataFrame) or False (return a sklearn Bunch); "
    "got {value!r}"
)
ADULT_SUBSET_ERROR = "subset must be one of 'train', 'test' or 'all'; got {value!r}"
FILTER_TYPE_ERROR = (
    "df must be a pandas DataFrame such as the one returned by load_compas(); got {type_name}"
)
FILTER_COLUMNS_ERROR = (
    "df is missing the column(s) {missing} that ProPublica's filter needs; pass the frame "
    "returned by load_compas() (or a row subset of it)"
)
UNKNOWN_CATEGORY_ERROR = (
    "bundled file {file} has value(s) {values} in column {column!r} outside the documented "
    "categories; the package data is corrupted, reinstall fairaudit"
)

# --------------------------------------------------------------------------------------
# COMPAS
# --------------------------------------------------------------------------------------
COMPAS_FILE = "compas-two-years.csv.gz"
COMPAS_N_ROWS = 7214

#: Ordered categories (low to high) and plain categories of the COMPAS file.
_COMPAS_ORDERED = {
    "age_cat": ["Less than 25", "25 - 45", "Greater than 45"],
    "score_text": ["Low", "Medium", "High"],
    "v_score_text": ["Low", "Medium", "High"],
}
_COMPAS_UNORDERED = {
    "sex": ["Female", "Male"],
    "race": ["African-American", "Asian", "Caucasian", "Hispanic", "Native American", "Other"],
    "c_charge_degree": ["F", "M"],
}
_COMPAS_INTS = [
    "id",
    "age",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
    "priors_count",
    "is_recid",
    "is_violent_recid",
    "decile_score",
    "v_decile_score",
    "two_year_recid",
]
_COMPAS_FLOATS = ["days_b_screening_arrest", "length_of_stay_days"]
#: Columns the Bunch form keeps out of ``data``: identifiers, outcomes and COMPAS outputs.
_COMPAS_NOT_FEATURES = [
    "id",
    "is_recid",
    "is_violent_recid",
    "two_year_recid",
    "decile_score",
    "score_text",
    "v_decile_score",
    "v_score_text",
]

#: Columns used by ProPublica's filter.
PROPUBLICA_FILTER_COLUMNS = ("days_b_screening_arrest", "is_recid", "c_charge_degree", "score_text")

# --------------------------------------------------------------------------------------
# Adult
# --------------------------------------------------------------------------------------
ADULT_TRAIN_FILE = "adult.data.gz"
ADULT_TEST_FILE = "adult.test.gz"
ADULT_N_ROWS = {"train": 32561, "test": 16281}

#: Column names in the order of ``adult.names``; the label column is named ``income``.
ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
    "income",
]
ADULT_TARGET = "income_above_50k"

#: Categories exactly as listed in ``adult.names`` (education is ordered by education-num).
_ADULT_CATEGORIES = {
    "workclass": [
        "Private",
        "Self-emp-not-inc",
        "Self-emp-inc",
        "Federal-gov",
        "Local-gov",
        "State-gov",
        "Without-pay",
        "Never-worked",
    ],
    "marital-status": [
        "Married-civ-spouse",
        "Divorced",
        "Never-married",
        "Separated",
        "Widowed",
        "Married-spouse-absent",
        "Married-AF-spouse",
    ],
    "occupation": [
        "Tech-support",
        "Craft-repair",
        "Other-service",
        "Sales",
        "Exec-managerial",
        "Prof-specialty",
        "Handlers-cleaners",
        "Machine-op-inspct",
        "Adm-clerical",
        "Farming-fishing",
        "Transport-moving",
        "Priv-house-serv",
        "Protective-serv",
        "Armed-Forces",
    ],
    "relationship": [
        "Wife",
        "Own-child",
        "Husband",
        "Not-in-family",
        "Other-relative",
        "Unmarried",
    ],
    "race": ["White", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other", "Black"],
    "sex": ["Female", "Male"],
    "native-country": [
        "United-States",
        "Cambodia",
        "England",
        "Puerto-Rico",
        "Canada",
        "Germany",
        "Outlying-US(Guam-USVI-etc)",
        "India",
        "Japan",
        "Greece",
        "South",
        "China",
        "Cuba",
        "Iran",
        "Honduras",
        "Philippines",
        "Italy",
        "Poland",
        "Jamaica",
        "Vietnam",
        "Mexico",
        "Portugal",
        "Ireland",
        "France",
        "Dominican-Republic",
        "Laos",
        "Ecuador",
        "Taiwan",
        "Haiti",
        "Columbia",
        "Hungary",
        "Guatemala",
        "Nicaragua",
        "Scotland",
        "Thailand",
        "Yugoslavia",
        "El-Salvador",
        "Trinadad&Tobago",
        "Peru",
        "Hong",
        "Holand-Netherlands",
    ],
    "income": ["<=50K", ">50K"],
}
#: Education levels from lowest to highest (education-num 1 to 16).
ADULT_EDUCATION_LEVELS = [
    "Preschool",
    "1st-4th",
    "5th-6th",
    "7th-8th",
    "9th",
    "10th",
    "11th",
    "12th",
    "HS-grad",
    "Some-college",
    "Assoc-voc",
    "Assoc-acdm",
    "Bachelors",
    "Masters",
    "Prof-school",
    "Doctorate",
]
_ADULT_INTS = [
    "age",
    "fnlwgt",
    "education-num",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
]
_ADULT_SENSITIVE = ["race", "sex"]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _read_bytes(name: str) -> bytes:
    """Return the decompressed bytes of the bundled file ``data/name``."""
    resource = resources.files(_DATA_PACKAGE).joinpath("data", name)
    with resource.open("rb") as raw, gzip.open(raw, "rb") as fh:
        return fh.read()


def read_provenance() -> str:
    """Return the text of the bundled ``data/PROVENANCE.md``."""
    resource = resources.files(_DATA_PACKAGE).joinpath("data", "PROVENANCE.md")
    return resource.read_text(encoding="utf-8")


def _to_category(
    frame: pd.DataFrame, column: str, categories: list[str], *, ordered: bool, file: str
) -> None:
    """Convert ``frame[column]`` in place (on a private frame) to a categorical dtype.

    Raises if a non-missing value falls outside ``categories`` (which would otherwise turn
    silently into a missing value).
    """
    values = frame[column]
    unknown = values.notna() & ~values.isin(categories)
    if unknown.any():
        bad = sorted(map(str, values[unknown].unique()))
        raise ValueError(UNKNOWN_CATEGORY_ERROR.format(file=file, values=bad, column=column))
    frame[column] = values.astype(pd.CategoricalDtype(categories, ordered=ordered))


def _check_as_frame(as_frame: object) -> bool:
    if not isinstance(as_frame, bool | np.bool_):
        raise TypeError(AS_FRAME_TYPE_ERROR.format(value=as_frame))
    return bool(as_frame)


# --------------------------------------------------------------------------------------
# COMPAS
# --------------------------------------------------------------------------------------
@functools.cache
def _compas_frame() -> pd.DataFrame:
    """Parse the bundled COMPAS file once; callers receive copies."""
    text = _read_bytes(COMPAS_FILE)
    frame = pd.read_csv(
        io.BytesIO(text),
        dtype={**dict.fromkeys(_COMPAS_INTS, "int64"), **dict.fromkeys(_COMPAS_FLOATS, "float64")},
        keep_default_na=False,
        na_values={c: [""] for c in [*_COMPAS_FLOATS, "c_charge_desc"]},
    )
    for column, categories in _COMPAS_ORDERED.items():
        _to_category(frame, column, categories, ordered=True, file=COMPAS_FILE)
    for column, categories in _COMPAS_UNORDERED.items():
        _to_category(frame, column, categories, ordered=False, file=COMPAS_FILE)
    descriptions = frame["c_charge_desc"]
    frame["c_charge_desc"] = descriptions.astype(
        pd.CategoricalDtype(sorted(descriptions.dropna().unique()), ordered=False)
    )
    if len(frame) != COMPAS_N_ROWS:  # pragma: no cover - guards the shipped file
        raise ValueError(f"bundled file {COMPAS_FILE} has {len(frame)} rows, not {COMPAS_N_ROWS}")
    return frame


def load_compas(*, as_frame: bool = True) -> pd.DataFrame | Bunch:
    """Load ProPublica's COMPAS two-year recidivism data (Broward County, FL, 2013-2014).

    All 7,214 rows of ProPublica's ``compas-scores-two-years.csv`` are returned, unfiltered:
    apply :func:`propublica_filter` for the 6,172 rows of ProPublica's main analysis.
    Names, dates of birth, case numbers and raw dates were removed before bundling;
    ``length_of_stay_days`` is ``c_jail_out - c_jail_in`` in days. The data is read from
    the installed package; nothing is downloaded.

    Parameters
    ----------
    as_frame : bool, default True
        If True, return one DataFrame with all columns. If False, return a
        :class:`sklearn.utils.Bunch` that splits it for modelling and auditing.

    Returns
    -------
    pandas.DataFrame or sklearn.utils.Bunch
        The DataFrame has a fresh ``RangeIndex`` and 20 columns: ``id``, ``sex``, ``age``,
        ``age_cat``, ``race``, ``juv_fel_count``, ``juv_misd_count``, ``juv_other_count``,
        ``priors_count``, ``days_b_screening_arrest`` (float, NaN for 307 rows where it was not
        recorded), ``length_of_stay_days`` (float, NaN likewise), ``c_charge_degree``
        (``F``/``M``), ``c_charge_desc``, ``is_recid``, ``is_violent_recid``, ``decile_score``
        (1-10), ``score_text`` (Low < Medium < High), ``v_decile_score``, ``v_score_text`` and
        ``two_year_recid`` (the outcome ProPublica used). Counts and flags are ``int64``; text
        columns are categoricals (``age_cat`` and the score texts ordered).

        The Bunch has ``frame`` (the DataFrame above), ``data`` (the defendant's attributes:
        every column except the id, the outcomes and the COMPAS scores), ``target``
        (``two_year_recid``), ``target_name``, ``feature_names``, ``scores`` (``decile_score``),
        ``sensitive_features`` (``race`` and ``sex``) and ``DESCR`` (provenance and known
        problems of the data).

    Raises
    ------
    TypeError
        If ``as_frame`` is not a bool.

    Notes
    -----
    Source: J. Larson, S. Mattu, L. Kirchner and J. Angwin, "How We Analyzed the COMPAS
    Recidivism Algorithm", ProPublica, 2016 (repository propublica/compas-analysis). See
    ``docs/datasets.md`` for the known recording problems of this data.

    Examples
    --------
    >>> from fairaudit.datasets import load_compas, propublica_filter
    >>> df = load_compas()
    >>> len(df), len(propublica_filter(df))
    (7214, 6172)
    """
    as_frame = _check_as_frame(as_frame)
    frame = _compas_frame().copy(deep=True)
    if as_frame:
        return frame
    features = [c for c in frame.columns if c not in _COMPAS_NOT_FEATURES]
    return Bunch(
        frame=frame,
        data=frame[features].copy(),
        target=frame["two_year_recid"].copy(),
        target_name="two_year_recid",
        feature_names=features,
        scores=frame["decile_score"].copy(),
        sensitive_features=frame[["race", "sex"]].copy(),
        DESCR=read_provenance(),
    )


def propublica_filter(df: pd.DataFrame) -> pd.DataFrame:
    """Apply ProPublica's row filter to the COMPAS two-year data.

    Keeps the rows with ``-30 <= days_b_screening_arrest <= 30`` (the COMPAS screening was
    done within 30 days of the arrest, otherwise the scored offence may not be the right
    one), ``is_recid != -1`` (a COMPAS case was found), ``c_charge_degree != 'O'`` (not an
    ordinary traffic offence) and ``score_text != 'N/A'`` (a valid score), as in the R code
    of ProPublica's analysis. A missing ``days_b_screening_arrest`` fails the first condition
    (R's ``filter`` drops ``NA``), so the 307 rows without a screening date are dropped; on the
    bundled file the other three conditions remove nothing, and 7,214 rows become 6,172.

    Parameters
    ----------
    df : pandas.DataFrame
        The frame returned by :func:`load_compas`, or a row subset of it. Not modified.

    Returns
    -------
    pandas.DataFrame
        A new frame with the kept rows, in their original order and with their original
        index labels (so they can be aligned with ``df``), and the same columns and dtypes.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame.
    ValueError
        If a column the filter needs is missing.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(FILTER_TYPE_ERROR.format(type_name=type(df).__name__))
    missing = [c for c in PROPUBLICA_FILTER_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(FILTER_COLUMNS_ERROR.format(missing=missing))
    days = pd.to_numeric(df["days_b_screening_arrest"], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        in_window = (days >= -30) & (days <= 30)  # NaN compares False: dropped, as in R
    degree = df["c_charge_degree"].astype("object").to_numpy()
    score = df["score_text"].astype("object").to_numpy()
    keep = (
        in_window
        & (pd.to_numeric(df["is_recid"], errors="coerce").to_numpy(float) != -1)
        & (degree != "O")
        & (score != "N/A")
        & pd.notna(score)
    )
    return df.loc[keep].copy()


# --------------------------------------------------------------------------------------
# Adult
# --------------------------------------------------------------------------------------
@functools.cache
def _adult_frame(subset: str) -> pd.DataFrame:
    """Parse one bundled Adult file (``train`` or ``test``) once; callers receive copies."""
    file = ADULT_TRAIN_FILE if subset == "train" else ADULT_TEST_FILE
    text = _read_bytes(file)
    frame = pd.read_csv(
        io.BytesIO(text),
        header=None,
        names=ADULT_COLUMNS,
        skiprows=1 if subset == "test" else 0,  # adult.test starts with "|1x3 Cross validator"
        sep=",",
        skipinitialspace=True,
        skip_blank_lines=True,
        dtype={**dict.fromkeys(_ADULT_INTS, "int64")},
        keep_default_na=False,
        na_values=["?"],
    )
    for column in frame.columns.difference(_ADULT_INTS):
        stripped = frame[column].str.strip()
        if column == "income":
            stripped = stripped.str.removesuffix(".")  # test labels end in '.'
        frame[column] = stripped
    for column, categories in _ADULT_CATEGORIES.items():
        _to_category(frame, column, categories, ordered=False, file=file)
    _to_category(frame, "education", ADULT_EDUCATION_LEVELS, ordered=True, file=file)
    frame[ADULT_TARGET] = (frame["income"] == ">50K").astype("int64")
    if len(frame) != ADULT_N_ROWS[subset]:  # pragma: no cover - guards the shipped file
        raise ValueError(f"bundled file {file} has {len(frame)} rows, not {ADULT_N_ROWS[subset]}")
    return frame


def load_adult(*, subset: str = "train", as_frame: bool = True) -> pd.DataFrame | Bunch:
    """Load the UCI Adult census-income data (1994 Current Population Survey extract).

    Parameters
    ----------
    subset : {"train", "test", "all"}, default "train"
        ``"train"`` is ``adult.data`` (32,561 rows), ``"test"`` is ``adult.test`` (16,281
        rows), ``"all"`` is both, train first, with a fresh index (48,842 rows).
    as_frame : bool, default True
        If True, return one DataFrame. If False, return a :class:`sklearn.utils.Bunch`.

    Returns
    -------
    pandas.DataFrame or sklearn.utils.Bunch
        Columns named as in ``adult.names`` (``age``, ``workclass``, ``fnlwgt``,
        ``education``, ``education-num``, ``marital-status``, ``occupation``,
        ``relationship``, ``race``, ``sex``, ``capital-gain``, ``capital-loss``,
        ``hours-per-week``, ``native-country``), the label ``income`` (``"<=50K"`` or
        ``">50K"``; the trailing ``'.'`` of the test file's labels removed) and the binary
        target ``income_above_50k`` (1 for ``">50K"``). Whitespace is stripped; ``'?'`` is a
        missing value (NaN) in ``workclass``, ``occupation`` and ``native-country``. Numbers
        are ``int64``; text columns are categoricals with the categories listed in
        ``adult.names`` (the same in every subset), ``education`` ordered from
        ``Preschool`` to ``Doctorate``.

        The Bunch has ``frame``, ``data`` (the 14 attributes), ``target``
        (``income_above_50k``), ``target_name``, ``feature_names``, ``sensitive_features``
        (``race`` and ``sex``) and ``DESCR``.

    Raises
    ------
    ValueError
        If ``subset`` is not one of the three names.
    TypeError
        If ``as_frame`` is not a bool.

    Notes
    -----
    Source: B. Becker and R. Kohavi, "Adult", UCI Machine Learning Repository, 1996,
    https://doi.org/10.24432/C5XW20, licensed CC BY 4.0.

    Examples
    --------
    >>> from fairaudit.datasets import load_adult
    >>> load_adult(subset="test").shape
    (16281, 16)
    """
    if not isinstance(subset, str) or subset not in ("train", "test", "all"):
        raise ValueError(ADULT_SUBSET_ERROR.format(value=subset))
    as_frame = _check_as_frame(as_frame)
    if subset == "all":
        frame = pd.concat([_adult_frame("train"), _adult_frame("test")], ignore_index=True)
    else:
        frame = _adult_frame(subset).copy(deep=True)
    if as_frame:
        return frame
    features = ADULT_COLUMNS[:-1]
    return Bunch(
        frame=frame,
        data=frame[features].copy(),
        target=frame[ADULT_TARGET].copy(),
        target_name=ADULT_TARGET,
        feature_names=list(features),
        sensitive_features=frame[_ADULT_SENSITIVE].copy(),
        DESCR=read_provenance(),
    )
