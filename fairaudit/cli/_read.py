"""Reading the inputs: the audited table, its column names, saved results.

A CSV file is read once, with a type set per column: sensitive columns as text (``01``,
``1`` and ``NA`` are three groups; only an empty field, or a value given with
``--na-values``, is missing), every other column parsed by pandas with its usual missing
markers, over the whole column at once (no chunk-by-chunk type guessing). A Parquet file
keeps the types it was written with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._csv_text import PANDAS_NA, TEXT_NA, parsed
from ._errors import ERR_EMPTY, ERR_FILE_MISSING, ERR_FILE_READ, CLIError

__all__ = [
    "check_columns",
    "column_sample",
    "convert_like",
    "load_results",
    "open_relation",
    "parsed",
    "read_columns",
    "read_table",
]

ERR_DATA_FOLDER = (
    "argument {arg}: '{path}' is a folder without CSV or Parquet files; give a file, a "
    "folder of them or a glob such as 'data/*.parquet'"
)
ERR_NO_MATCH = "argument {arg}: no file matches '{path}'"
ERR_COLUMN = "argument {arg}: column '{column}' is not in {data}; its columns are: {columns}"
ERR_COLUMN_LIST = "argument {arg}: column '{column}' is not in {data}, but {parts} are; {fix}"
ERR_RESULTS = "argument RESULTS.json: cannot read '{path}': {reason}"
ERR_JSON = (
    "argument {arg}: '{path}' holds JSON, not a table; fairaudit reads CSV (optionally "
    "compressed), TSV or Parquet files: convert it first, e.g. "
    "pandas.read_json('{path}').to_csv('data.csv', index=False)"
)
ERR_BINARY = (
    "argument {arg}: '{path}' is not a text file (it holds binary data); fairaudit reads "
    "CSV (optionally compressed, .gz), TSV or Parquet (.parquet) files"
)
ERR_EXCEL = (
    "argument {arg}: '{path}' is an Excel workbook; save the sheet as CSV (or Parquet) and "
    "audit that file"
)
ERR_PARQUET_NAME = (
    "argument {arg}: '{path}' is a Parquet file with another file name; rename it to end "
    "in .parquet"
)
ERR_SEPARATOR = (
    "argument {arg}: '{path}' does not look separated by {used!r}: its header is one column, "
    "'{header}'; it looks {found!r}-separated: pass --sep '{found}'"
)
ERR_FOLDER_IN_MEMORY = (
    "argument {arg}: '{path}' is a folder; {why} reads one file: give one of its files{hint}"
)
ERR_NA_PARQUET = (
    "argument --na-values: applies to CSV files only; a Parquet file marks its missing "
    "values itself"
)


#: Field separators recognised in a header that was read as one column.
SEPARATORS = (";", "\t", "|", ",")
_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma", ".zst": None, ".zip": None}


def _format(path: str, sep: str | None = None) -> tuple[str, str]:
    """('Parquet' or 'CSV', the field separator)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return "Parquet", ""
    if sep is not None:
        return "CSV", sep
    return "CSV", "\t" if ".tsv" in suffixes else ","


def _head(path: str, size: int = 4096) -> bytes | None:
    """The first bytes of a file as stored or, if compressed, as decompressed (None when
    the compression is one that the standard library cannot read)."""
    import importlib

    suffix = Path(path).suffix.lower()
    try:
        if suffix in _COMPRESSED:
            module = _COMPRESSED[suffix]
            if module is None:
                return None
            with importlib.import_module(module).open(path, "rb") as f:
                return f.read(size)
        with open(path, "rb") as f:
            return f.read(size)
    except (OSError, EOFError, ValueError):
        return None  # unreadable or corrupt: the reader's own error names the reason


def check_text_file(path: str, arg: str = "DATA", shown: str | None = None) -> None:
    """Refuse a file given as CSV that holds JSON, an Excel workbook, Parquet or other
    binary data, with a message saying what it is and what to do.

    Parameters
    ----------
    path : str
        The file (read: its first 4 KiB).
    arg : str, default "DATA"
        The argument named in the message.
    shown : str, optional
        How the file is named in the message (default: ``path``).
    """
    head = _head(path)
    if head is None:
        return
    name = shown or path
    if head.startswith(b"PAR1"):
        raise CLIError(ERR_PARQUET_NAME.format(arg=arg, path=name))
    if head.startswith(b"PK\x03\x04") and Path(path).suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise CLIError(ERR_EXCEL.format(arg=arg, path=name))
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # the container of .xls workbooks
        raise CLIError(ERR_EXCEL.format(arg=arg, path=name))
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"[") or Path(path).suffix.lower() in (".json", ".jsonl", ".ndjson"):
        raise CLIError(ERR_JSON.format(arg=arg, path=name))
    if b"\x00" in head:
        raise CLIError(ERR_BINARY.format(arg=arg, path=name))
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            control = sum(b < 9 or 13 < b < 32 for b in head)
            if control > len(head) // 100:
                raise CLIError(ERR_BINARY.format(arg=arg, path=name)) from None


def check_separator(columns: list[str], path: str, sep: str, arg: str = "DATA") -> None:
    """Refuse a header read as one column that another separator would split."""
    if len(columns) != 1:
        return
    header = str(columns[0])
    found = [s for s in SEPARATORS if s != sep and s in header]
    if found:
        raise CLIError(
            ERR_SEPARATOR.format(arg=arg, path=path, used=sep, header=header, found=found[0])
        )


def _read_error(exc: BaseException, path: str, kind: str, arg: str) -> CLIError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return CLIError(ERR_FILE_READ.format(arg=arg, path=path, kind=kind, reason=reason))


def _split_list(column: str, known: list[str]) -> list[str] | None:
    """The names in ``column`` if it is a list of known columns ('sex,race', 'sex race')."""
    parts = [p for p in re.split(r"[,;\s]+", column) if p]
    names = set(map(str, known))
    return parts if len(parts) > 1 and all(p in names for p in parts) else None


#: Options that take one column and may be repeated (``action="append"``).
REPEATABLE = ("--sensitive",)
#: Options that take several columns, separated by spaces (``nargs="+"``).
SPACED = ("--features",)


def _list_fix(arg: str, parts: list[str]) -> str:
    if arg in REPEATABLE:
        repeated = " ".join(f"{arg} {p}" for p in parts)
        return f"{arg} names one column: repeat it for several, {repeated}"
    if arg in SPACED:
        return "separate the columns with spaces: " + " ".join([arg, *parts])
    return f"{arg} names one column: choose one of them"


def check_columns(known: list[str], columns: list[str] | None, arg: str, data: str) -> None:
    """Refuse a column name that the file does not have, listing the ones it has (or, for a
    list of columns given in one argument, showing the option repeated)."""
    for column in columns or []:
        if column not in known:
            parts = _split_list(str(column), known)
            if parts is not None:
                raise CLIError(
                    ERR_COLUMN_LIST.format(
                        arg=arg,
                        column=column,
                        data=data,
                        parts=", ".join(f"'{p}'" for p in parts),
                        fix=_list_fix(arg, parts),
                    )
                )
            listed = ", ".join(map(str, known[:40]))
            if len(known) > 40:
                listed += ", ..."
            raise CLIError(ERR_COLUMN.format(arg=arg, column=column, data=data, columns=listed))


def load_results(path: str) -> Any:
    """The :class:`~fairaudit.AuditResult` saved in ``path`` (``RESULTS.json``)."""
    from .._result import AuditResult

    p = Path(path)
    if not p.is_file():
        raise CLIError(f"argument RESULTS.json: file '{path}' does not exist")
    try:
        return AuditResult.from_json(p)
    except (ValueError, KeyError, TypeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise CLIError(ERR_RESULTS.format(path=path, reason=reason)) from exc


def read_columns(
    path: str, arg: str = "DATA", *, sep: str | None = None, why: str = "--in-memory"
) -> list[str]:
    """The column names of a CSV or Parquet file, read from its header or schema only.

    Parameters
    ----------
    path : str
        The file.
    arg : str, default "DATA"
        The argument named in error messages.
    sep : str, optional
        The field separator of a CSV file (default: a tab for ``.tsv``, else a comma).
    why : str, default "--in-memory"
        What reads one file, for the message when ``path`` is a folder.

    Returns
    -------
    list of str
    """
    if Path(path).is_dir():
        from .._table_engine import _files

        try:
            _files(str(path))
        except (FileNotFoundError, ValueError):
            raise CLIError(ERR_DATA_FOLDER.format(arg=arg, path=path)) from None
        hint = "" if why == "this command" else f", or leave out {why} to audit the folder"
        raise CLIError(ERR_FOLDER_IN_MEMORY.format(arg=arg, path=path, why=why, hint=hint))
    if not Path(path).is_file():
        raise CLIError(ERR_FILE_MISSING.format(arg=arg, path=path))
    kind, sep = _format(path, sep)
    if kind == "CSV":
        check_text_file(path, arg)
    try:
        if kind == "Parquet":
            import pyarrow.parquet as pq

            schema = pq.read_schema(path)
            index = (schema.pandas_metadata or {}).get("index_columns", [])
            hidden = {c for c in index if isinstance(c, str)}
            return [n for n in schema.names if n not in hidden]
        columns = [str(c) for c in pd.read_csv(path, sep=sep, nrows=0).columns]
    except Exception as exc:
        raise _read_error(exc, path, kind, arg) from exc
    check_separator(columns, path, sep, arg)
    return columns


def read_table(
    path: str,
    *,
    text_columns: Sequence[str] = (),
    na_values: Sequence[str] = (),
    arg: str = "DATA",
    sep: str | None = None,
    why: str = "--in-memory",
) -> pd.DataFrame:
    """Read a CSV (optionally compressed) or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str
        The file: ``.parquet``/``.pq`` is Parquet, ``.tsv`` tab-separated, anything else CSV.
    text_columns : sequence of str, default ()
        CSV columns read as text exactly as written; only an empty field or one of
        ``na_values`` is missing in them.
    na_values : sequence of str, default ()
        Further values read as missing, in every column of a CSV file.
    arg : str, default "DATA"
        The argument named in error messages.
    sep : str, optional
        The field separator of a CSV file (default: a tab for ``.tsv``, else a comma).
    why : str, default "--in-memory"
        What reads one file, for the message when ``path`` is a folder.

    Returns
    -------
    pandas.DataFrame
    """
    kind, sep = _format(path, sep)
    if kind == "Parquet" and na_values:
        raise CLIError(ERR_NA_PARQUET)
    columns = read_columns(path, arg, sep=sep, why=why)
    try:
        if kind == "Parquet":
            frame = pd.read_parquet(path)
        else:
            text = set(text_columns)
            extra = tuple(na_values)
            frame = pd.read_csv(
                path,
                sep=sep,
                dtype={c: str for c in columns if c in text},
                keep_default_na=False,
                na_values={c: (TEXT_NA if c in text else PANDAS_NA) + extra for c in columns},
                low_memory=False,
            )
    except Exception as exc:  # a parse error, or a missing Parquet engine
        raise _read_error(exc, path, kind, arg) from exc
    if frame.empty:
        raise CLIError(ERR_EMPTY.format(path=path))
    return frame


def convert_like(value: str, column: pd.Series) -> Any:
    """Turn a command-line string into a value of the column's type (for labels, groups).

    A categorical column is converted like its categories; a text column keeps the string.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = pd.Series(column.cat.categories)
    values = column.dropna()
    if values.empty:
        return value
    sample = values.iloc[0]
    if isinstance(sample, bool) or pd.api.types.is_bool_dtype(column):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        return value
    if pd.api.types.is_integer_dtype(column):
        try:
            return int(value)
        except ValueError:
            return value
    if pd.api.types.is_float_dtype(column):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def is_glob(path: str) -> bool:
    return any(ch in str(path) for ch in "*?[")


def open_relation(
    path: str,
    *,
    text_columns: Sequence[str] = (),
    na_values: Sequence[str] = (),
    arg: str = "DATA",
    sep: str | None = None,
) -> Any:
    """A DuckDB relation over a CSV or Parquet file, folder or glob (nothing is read yet).

    The errors a user can fix (no such file, an empty folder, a file that is not CSV or
    Parquet, ``--na-values`` with Parquet) become :class:`CLIError`.
    """
    from .._table_engine import _files, read_path

    p = Path(path)
    if not is_glob(path) and not p.exists():
        raise CLIError(ERR_FILE_MISSING.format(arg=arg, path=path))
    try:
        files, kind = _files(str(path))
    except FileNotFoundError:
        message = ERR_DATA_FOLDER if p.is_dir() else ERR_NO_MATCH
        raise CLIError(message.format(arg=arg, path=path)) from None
    except ValueError as exc:
        raise CLIError(f"argument {arg}: {exc}") from None
    label = "Parquet" if kind == "parquet" else "CSV"
    if kind == "parquet" and na_values:
        raise CLIError(ERR_NA_PARQUET)
    if kind == "csv":
        for file in files:
            check_text_file(file, arg)
    try:
        relation = read_path(str(path), text_columns=text_columns, na_values=na_values, sep=sep)
    except ImportError as exc:
        raise CLIError(f"argument {arg}: {exc}") from None
    except Exception as exc:
        raise _read_error(exc, str(path), label, arg) from exc
    if kind == "csv":
        used = sep if sep is not None else _format(files[0])[1]
        check_separator([str(c) for c in relation.columns], str(path), used, arg)
    return relation


def column_sample(relation: Any, column: str, *, text: bool, limit: int = 100) -> pd.Series:
    """A few present values of a column, typed as the audit will see them (for converting
    a command-line value such as ``--pos-label`` or ``--reference``)."""
    quoted = '"' + column.replace('"', '""') + '"'
    sample = relation.filter(f"{quoted} IS NOT NULL").project(quoted).limit(limit).df()
    values = sample.iloc[:, 0]
    if relation_is_text(relation, column) and not text:
        return parsed(values.astype(object))
    return values


def relation_is_text(relation: Any, column: str) -> bool:
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    return types.get(column) == "VARCHAR"
