"""The result of comparing models: a table and what a performance-versus-disparity plot needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from ._result import AuditResult

ERR_TABLE = "Comparison.table must be a pandas DataFrame with one row per model; got {type}."
ERR_COLUMN = (
    "Comparison.{field}={value!r} is not a numeric column of the table; the columns are {columns}."
)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Models trained or post-processed differently, audited on the same held-out data.

    Returned by :func:`fairaudit.mitigation.compare`; rendered by
    :func:`fairaudit.report.render` (``comparison=``) and :meth:`to_html`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model (index ``model``, the baseline first): ``kind``, the performance
        metrics with ``_lower``/``_upper`` bounds, ``accuracy_cost``, each criterion with
        ``_lower``, ``_upper`` and ``_verdict`` columns, ``fit_seconds``,
        ``predict_seconds``. Treat it as read-only; :meth:`to_frame` returns a copy.
    performance : str
        The column plotted as performance (``"accuracy"``).
    criteria : tuple of str
        The criterion columns, in the order they are shown; the first is plotted first.
    attribute : str
        The sensitive attribute the criteria refer to.
    confidence_level : float
        Level of the intervals in the table.
    skipped : Mapping of str to str
        Mitigators that were not compared, with the reason.
    audits : Mapping of str to AuditResult
        The audit of each model on the held-out data, by model name.
    """

    table: pd.DataFrame
    performance: str = "accuracy"
    criteria: tuple[str, ...] = ()
    attribute: str = ""
    confidence_level: float = 0.95
    skipped: Mapping[str, str] = field(default_factory=dict)
    audits: Mapping[str, AuditResult] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.table, pd.DataFrame):
            raise TypeError(ERR_TABLE.format(type=type(self.table).__name__))
        numeric = [c for c in self.table.columns if pd.api.types.is_numeric_dtype(self.table[c])]
        for name, value in (
            ("performance", self.performance),
            *(("criteria", c) for c in self.criteria),
        ):
            if value not in numeric:
                raise ValueError(ERR_COLUMN.format(field=name, value=value, columns=numeric))
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "skipped", MappingProxyType(dict(self.skipped)))
        object.__setattr__(self, "audits", MappingProxyType(dict(self.audits)))

    def __reduce__(self) -> tuple:
        # read-only mappings cannot be pickled as they are
        return (
            type(self),
            (
                self.table,
                self.performance,
                self.criteria,
                self.attribute,
                self.confidence_level,
                dict(self.skipped),
                dict(self.audits),
            ),
        )

    @property
    def disparity(self) -> str | None:
        """The criterion plotted against performance first (``None`` without criteria)."""
        return self.criteria[0] if self.criteria else None

    @property
    def models(self) -> list[str]:
        """Names of the compared models, in the table's order."""
        return [str(m) for m in self.table.index]

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def with_skipped(self, skipped: Mapping[str, str]) -> Comparison:
        """The same comparison with more models listed as not compared."""
        return replace(self, skipped={**self.skipped, **skipped})

    def to_html(self, path: str | Path | None = None, *, title: str = "Model comparison") -> str:
        """A report of the comparison and the audit of each model; written to ``path``."""
        from .report import render

        return render(*self.audits.values(), comparison=self, title=title, path=path)

    def __repr__(self) -> str:
        shown = [self.performance, *self.criteria]
        return (
            f"Comparison of {len(self.table)} models on {self.attribute or 'the groups'}\n"
            + self.table[[c for c in shown if c in self.table]].to_string(
                float_format="{:.3f}".format
            )
        )

    def _repr_html_(self) -> str:
        return self.table.to_html(escape=True, float_format="{:.3f}".format)
