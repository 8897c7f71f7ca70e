"""What an audit was run on, and when: the ``meta`` part of a result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class AuditMeta:
    """A description of the audited data and of the run, recorded in every result.

    Attributes
    ----------
    n_samples : int
        Rows audited (the sum of the counts for an audit from statistics).
    weighted : bool
        Whether sample weights were given.
    n_missing : Mapping of str to int
        Rows whose value of each sensitive feature was missing (the "(missing)" group).
    data_hash : str
        A short hash of the audited data (or of its statistics).
    source : str
        ``"rows"`` (:func:`fairaudit.audit`) or ``"statistics"``
        (:func:`fairaudit.audit_from_stats`).
    name : str or None
        What was audited, as given by ``name=``; the report's title for the audit.
    has_scores : bool
        Whether scores were audited.
    versions : Mapping of str to str
        Versions of fairaudit, Python and the libraries that computed the numbers.
    created : str
        Time of the audit (ISO 8601, UTC).
    notes : tuple of str
        What the audit did that the reader should know (metrics left out, ...).
    degenerate : tuple of str
        Why the audited model cannot support a PASS; empty when nothing is wrong.
    """

    n_samples: int
    weighted: bool
    n_missing: Mapping[str, int]
    data_hash: str
    source: str = "rows"
    name: str | None = None
    has_scores: bool = False
    versions: Mapping[str, str] = field(default_factory=dict)
    created: str = ""
    notes: tuple[str, ...] = ()
    degenerate: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "n_missing", MappingProxyType({str(k): int(v) for k, v in self.n_missing.items()})
        )
        object.__setattr__(self, "versions", MappingProxyType(dict(self.versions)))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "degenerate", tuple(self.degenerate))

    def __reduce__(self) -> tuple:
        # a read-only mapping cannot be pickled as it is
        return (type(self).from_dict, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``AuditResult.meta``)."""
        return {
            "n_samples": self.n_samples,
            "weighted": self.weighted,
            "n_missing": dict(self.n_missing),
            "data_hash": self.data_hash,
            "source": self.source,
            "name": self.name,
            "has_scores": self.has_scores,
            "versions": dict(self.versions),
            "created": self.created,
            "notes": list(self.notes),
            "degenerate": list(self.degenerate),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuditMeta:
        """Read :meth:`to_dict` output (files of schema 1.0 lack ``source``/``degenerate``)."""
        return cls(
            n_samples=int(d["n_samples"]),
            weighted=bool(d["weighted"]),
            n_missing=dict(d.get("n_missing") or {}),
            data_hash=str(d.get("data_hash", "")),
            source=str(d.get("source", "rows")),
            name=d.get("name"),
            has_scores=bool(d.get("has_scores", False)),
            versions=dict(d.get("versions") or {}),
            created=str(d.get("created", "")),
            notes=tuple(d.get("notes") or ()),
            degenerate=tuple(d.get("degenerate") or ()),
        )
