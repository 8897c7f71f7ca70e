"""The immutable result of an audit, and its JSON form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ._generalization import GeneralizationGap
from ._json_frames import frame_from_dict as _frame_from_dict
from ._json_frames import frame_to_dict as _frame_to_dict
from ._json_frames import py as _py
from ._meta import AuditMeta
from ._representation import Representation
from .metrics._analysis import group_display
from .metrics._config import AuditConfig
from .metrics._criteria import overall_verdict, verdict_counts
from .metrics._tables import AttributeTables

#: Version of the JSON layout written by :meth:`AuditResult.to_dict`.
SCHEMA_VERSION = "1.3"
#: A JSON document without ``schema_version``: not written by ``AuditResult.to_json``.
ERR_NOT_A_RESULT = (
    "not an audit result: it has no schema_version ({keys}); write one with "
    "AuditResult.to_json or fairaudit audit --json."
)


def _keys(d: object) -> str:
    if not isinstance(d, dict):
        return f"it holds a {type(d).__name__}, not an object"
    names = ", ".join(repr(k) for k in list(d)[:5])
    return f"its keys: {names}{', ...' if len(d) > 5 else ''}" if d else "it is empty"


_FRAMES = (
    "by_group",
    "lower",
    "upper",
    "disparities",
    "to_reference",
    "criteria",
    "groups",
    "undefined",
    "overall_intervals",
    "denominators",
)
#: Tables added after schema 1.0; files of that version load with them empty (all NaN).
_ADDED_FRAMES = ("denominators",)


@dataclass(frozen=True, eq=False, repr=False)
class AuditResult:
    """The outcome of :func:`fairaudit.audit`: per-group metrics, disparities and verdicts.

    A frozen record of typed parts; the table properties return copies, so the result
    cannot be changed through them.

    Attributes
    ----------
    attribute : str
        What the groups are: a feature, or ``"a × b"`` for an intersection.
    features : tuple of str
        The sensitive features, in the order given.
    reference_reason : str
        Why the reference group is the reference (named by the user, or the largest).
    settings : AuditConfig
        The options of the audit and what the data decided (weights, kind of scores);
        :attr:`config` is its JSON form.
    info : AuditMeta
        What was audited and when; :attr:`meta` is its JSON form.
    tables : AttributeTables
        Every table of the audit of :attr:`attribute` (shared: read them through the
        properties below, which copy).
    marginals : Mapping of str to AuditResult
        Each sensitive feature on its own (empty for a single feature).
    representation : Representation or None
        Who is in the data: the groups' shares against the reference population, when
        :func:`fairaudit.audit` was given ``reference_shares`` (None otherwise).
    generalization : GeneralizationGap or None
        Each group's metric on the training rows against the audited (held-out) rows, when
        :func:`fairaudit.audit_model` was given ``X_train`` and ``y_train`` (None otherwise).

    Properties
    ----------
    overall : pandas.Series
        Every metric over all rows.
    by_group : pandas.DataFrame
        One row per group (a ``MultiIndex`` named after the features for intersections),
        one column per metric, including ``count``.
    intervals : pandas.DataFrame
        Confidence bounds of ``by_group``: columns ``(metric, "lower" | "upper")``.
    disparities : pandas.DataFrame
        One row per metric: difference (max - min) and ratio (min / max) between groups, to
        the overall value and to the reference group, each with ``_lower``/``_upper`` bounds.
    to_reference : pandas.DataFrame
        Each group against the reference group, per metric: difference and ratio with
        intervals, p-value, adjusted p-value and significance.
    criteria : pandas.DataFrame
        The named fairness criteria for every attribute (each feature and, with several, their
        intersection): value, interval, tolerance and verdict.
    """

    attribute: str
    features: tuple[str, ...]
    reference_reason: str
    settings: AuditConfig
    info: AuditMeta
    tables: AttributeTables
    marginals: Mapping[str, AuditResult] = field(default_factory=dict)
    representation: Representation | None = None
    generalization: GeneralizationGap | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(str(f) for f in self.features))
        object.__setattr__(self, "marginals", MappingProxyType(dict(self.marginals)))
        for name, kind in (
            ("representation", Representation),
            ("generalization", GeneralizationGap),
        ):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                raise TypeError(
                    f"{name} must be a fairaudit.{kind.__name__} or None; got "
                    f"{type(value).__name__}."
                )

    def __reduce__(self) -> tuple:
        # pickle, copy and deepcopy rebuild the result from its parts (a read-only mapping
        # cannot be pickled as it is)
        return (
            type(self),
            (
                self.attribute,
                self.features,
                self.reference_reason,
                self.settings,
                self.info,
                self.tables,
                dict(self.marginals),
                self.representation,
                self.generalization,
            ),
        )

    # ---------------------------------------------------------------- tables
    @property
    def overall(self) -> pd.Series:
        return self.tables.overall.copy()

    @property
    def overall_intervals(self) -> pd.DataFrame:
        return self.tables.overall_intervals.copy()

    @property
    def by_group(self) -> pd.DataFrame:
        return self.tables.by_group.copy()

    @property
    def intervals(self) -> pd.DataFrame:
        lower, upper = self.tables.lower, self.tables.upper
        parts = {}
        for m in lower.columns:
            parts[(m, "lower")] = lower[m]
            parts[(m, "upper")] = upper[m]
        out = pd.DataFrame(parts, index=lower.index)
        out.columns = pd.MultiIndex.from_tuples(out.columns, names=["metric", "bound"])
        return out

    @property
    def disparities(self) -> pd.DataFrame:
        return self.tables.disparities.copy()

    @property
    def to_reference(self) -> pd.DataFrame:
        return self.tables.to_reference.copy()

    @property
    def criteria(self) -> pd.DataFrame:
        return self.tables.criteria.copy()

    @property
    def groups(self) -> pd.DataFrame:
        return self.tables.groups.copy()

    @property
    def undefined(self) -> pd.DataFrame:
        return self.tables.undefined.copy()

    @property
    def denominators(self) -> pd.DataFrame:
        """Observations each value of ``by_group`` rests on: the rows in the denominator of a
        rate (actual positives for the true positive rate, predicted positives for the
        positive predictive value, ...), the Kish effective size with sample weights; NaN for
        ``count``."""
        return self.tables.denominators.copy()

    @property
    def few_observations(self) -> pd.DataFrame:
        """True where a value of ``by_group`` rests on fewer than ``min_group_size``
        observations (see :attr:`denominators`)."""
        den = self.tables.denominators
        return den.lt(self.settings.min_group_size) & den.notna()

    @property
    def curves(self) -> dict[str, pd.DataFrame] | None:
        c = self.tables.curves
        return None if c is None else {k: v.copy() for k, v in c.items()}

    # ---------------------------------------------------------------- descriptions
    @property
    def reference_group(self) -> Any:
        return self.tables.reference_group

    @property
    def small_groups(self) -> list[str]:
        g = self.tables.groups
        return [group_display(x) for x in g.index[g["small"].to_numpy(dtype=bool)]]

    @property
    def suppressed_groups(self) -> list[str]:
        return list(self.tables.suppressed)

    @property
    def config(self) -> dict:
        """The configuration as JSON holds it (from :attr:`settings`)."""
        return self.settings.to_dict()

    @property
    def meta(self) -> dict:
        """What was audited, as JSON holds it (from :attr:`info`)."""
        return self.info.to_dict()

    @property
    def degenerate(self) -> list[str]:
        """Why the audited model cannot support a PASS (one class predicted for everyone, a
        threshold outside the scores); empty when nothing is wrong."""
        return list(self.info.degenerate)

    @property
    def verdict(self) -> str:
        """``"fail"`` if any criterion fails; else ``"inconclusive"`` if any is, if none could
        be evaluated, or if the model is :attr:`degenerate`; else ``"pass"``."""
        return overall_verdict(
            self.tables.criteria["verdict"].tolist(), degenerate=bool(self.info.degenerate)
        )

    @property
    def verdict_counts(self) -> dict[str, int]:
        """Number of criteria rows per verdict: ``pass``, ``fail``, ``inconclusive`` and
        ``n/a`` (not evaluated)."""
        return verdict_counts(self.tables.criteria["verdict"].tolist())

    # ---------------------------------------------------------------- serialisation
    def to_dict(self) -> dict:
        """A JSON-ready dict (NaN as None) with a ``schema_version``."""
        t = self.tables
        return {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict,
            "verdict_counts": self.verdict_counts,
            "attribute": self.attribute,
            "features": list(self.features),
            "reference_group": _py(t.reference_group),
            "reference_reason": self.reference_reason,
            "suppressed": list(t.suppressed),
            "config": self.config,
            "meta": self.meta,
            "overall": {str(k): _py(v) for k, v in t.overall.items()},
            **{name: _frame_to_dict(getattr(t, name)) for name in _FRAMES},
            "curves": None
            if t.curves is None
            else {k: _frame_to_dict(v) for k, v in t.curves.items()},
            "marginals": {k: v.to_dict() for k, v in self.marginals.items()},
            # optional parts, written only when present (schema 1.3)
            **(
                {}
                if self.representation is None
                else {"representation": self.representation.to_dict()}
            ),
            **(
                {}
                if self.generalization is None
                else {"generalization": self.generalization.to_dict()}
            ),
        }

    def to_json(self, path: str | Path | None = None, *, indent: int | None = None) -> str:
        """The result as JSON text (NaN written as null); written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)
        if path is not None:
            from ._io import write_text  # atomic: never a truncated file

            write_text(path, text)
        return text

    @classmethod
    def from_dict(cls, d: dict) -> AuditResult:
        """Rebuild a result from :meth:`to_dict` output (of this or an earlier 1.x schema)."""
        if not isinstance(d, dict) or "schema_version" not in d:
            raise ValueError(ERR_NOT_A_RESULT.format(keys=_keys(d)))
        version = d.get("schema_version")
        if version is None or str(version).split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise ValueError(
                f"cannot read an audit result with schema_version {version!r}; this version of "
                f"fairaudit reads schema {SCHEMA_VERSION}."
            )
        frames = {
            name: _frame_from_dict(
                d[name], group_index=name not in ("disparities", "overall_intervals")
            )
            for name in _FRAMES
            if name in d or name not in _ADDED_FRAMES
        }
        for name in _ADDED_FRAMES:
            if name not in frames:  # written by schema 1.0
                by_group = frames["by_group"]
                frames[name] = pd.DataFrame(np.nan, index=by_group.index, columns=by_group.columns)
        frames["overall_intervals"].index.name = "metric"
        frames["disparities"].index.name = "metric"
        for name in ("to_reference", "criteria", "undefined"):
            frames[name] = frames[name].reset_index(drop=True)
        frames["groups"]["small"] = frames["groups"]["small"].astype(bool)
        if "significant" in frames["to_reference"]:
            frames["to_reference"]["significant"] = frames["to_reference"]["significant"].astype(
                bool
            )
        ref = d["reference_group"]
        tables = AttributeTables(
            overall=pd.Series(
                {k: (np.nan if v is None else v) for k, v in d["overall"].items()}, dtype=float
            ),
            curves=None
            if d["curves"] is None
            else {k: _frame_from_dict(v).reset_index(drop=True) for k, v in d["curves"].items()},
            reference_group=tuple(ref) if isinstance(ref, list) else ref,
            suppressed=tuple(d["suppressed"]),
            **frames,
        )
        info = AuditMeta.from_dict(d["meta"])
        return cls(
            attribute=d["attribute"],
            features=tuple(d["features"]),
            reference_reason=d["reference_reason"],
            settings=AuditConfig.from_dict(d["config"], name=info.name, weighted=info.weighted),
            info=info,
            tables=tables,
            marginals={k: cls.from_dict(v) for k, v in d["marginals"].items()},
            representation=None
            if d.get("representation") is None
            else (Representation.from_dict(d["representation"])),
            generalization=None
            if d.get("generalization") is None
            else (GeneralizationGap.from_dict(d["generalization"])),
        )

    @staticmethod
    def json_schema() -> dict:
        """The JSON Schema (draft 7) of :meth:`to_dict` output, shipped with the package."""
        from importlib.resources import files

        text = (
            files("fairaudit")
            .joinpath("schema/audit-result.schema.json")
            .read_text(encoding="utf-8")
        )
        return json.loads(text)

    @classmethod
    def from_json(cls, source: str | Path) -> AuditResult:
        """Read a result written by :meth:`to_json` (JSON text or a path to a file)."""
        if isinstance(source, Path) or not str(source).lstrip().startswith("{"):
            text = Path(source).read_text(encoding="utf-8")
        else:
            text = str(source)
        return cls.from_dict(json.loads(text))

    # ---------------------------------------------------------------- rendering
    def to_html(self, path: str | Path | None = None, **kwargs: Any) -> str:
        """The self-contained HTML report; written to ``path`` when given."""
        from .report import render

        return render(self, path=path, **kwargs)

    def _summary_lines(self) -> list[str]:
        t = self.tables
        lines = [
            f"AuditResult: verdict {self.verdict.upper()} — {self.info.n_samples} rows, "
            f"{len(t.by_group)} groups of {self.attribute}; reference group "
            f"{group_display(t.reference_group)} ({self.reference_reason})"
        ]
        crit = t.criteria
        for row in crit.itertuples(index=False):
            ci = (
                f" [{row.lower:.3f}, {row.upper:.3f}]"
                if np.isfinite(row.lower) and np.isfinite(row.upper)
                else ""
            )
            op = "<=" if row.kind == "difference" else ">="
            needs = (
                f"needs {op} {row.tolerance:g}"
                if np.isfinite(row.tolerance)
                else "no tolerance given"
            )
            lines.append(
                f"  {row.verdict.upper():<12} {row.attribute}: {row.criterion} = {row.value:.3f}"
                f"{ci} ({needs})"
            )
        return lines

    def __repr__(self) -> str:
        return "\n".join(self._summary_lines())

    def _repr_html_(self) -> str:
        from html import escape

        head = escape(self._summary_lines()[0])
        crit = self.tables.criteria[
            ["attribute", "criterion", "value", "lower", "upper", "tolerance", "verdict"]
        ]
        return (
            f"<div><p><strong>{head}</strong></p>"
            f"{crit.to_html(index=False, escape=True, float_format='{:.3f}'.format)}"
            f"{self.tables.by_group.to_html(escape=True, float_format='{:.3f}'.format)}</div>"
        )


def with_marginals(
    results: list[AuditResult], names: list[str], criteria: pd.DataFrame | None = None
) -> AuditResult:
    """The first result (the audit of the intersection of ``names``) with the others, one
    per feature in the order of ``names``, as its marginals, and every attribute's criteria
    in its criteria table: the features' first, the intersection's last (``criteria``, when
    the engine has already put them together). A single result is returned as it is."""
    top = results[0]
    if len(results) == 1:
        return top
    if criteria is None:
        criteria = pd.concat(
            [r.tables.criteria for r in results[1:]] + [top.tables.criteria], ignore_index=True
        )
    return replace(
        top,
        tables=replace(top.tables, criteria=criteria),
        marginals=dict(zip(names, results[1:], strict=True)),
    )
