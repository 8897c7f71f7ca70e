"""The configuration of one audit: what the user chose and what the data decided, in one
place, and its JSON form (``AuditResult.config``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: How the bootstrap is described in the configuration of a result.
BOOTSTRAP_TEXT = "Bayesian, stratified by group: gamma cell totals, Jeffreys prior on every rate"
BOOTSTRAP_WEIGHTS_TEXT = "; weights as Kish effective counts"
#: The bootstrap of the other tasks' audits, where it differs from the binary one.
TASK_BOOTSTRAP_TEXT = {
    "regression": (
        "Poisson, stratified by group: moments of random blocks of rows (one row per block "
        "in groups of up to 200 rows), histogram bins Poisson with their effective counts"
    ),
}


def jsonable(value: Any) -> Any:
    """A configuration value as JSON can hold it, keeping numbers and booleans as they are."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


@dataclass(frozen=True)
class AuditConfig:
    """Everything that decides an audit's numbers besides the data (validated).

    The options the user chose are set by :func:`fairaudit._engine.check_options`; the
    fields under "decided by the data" are filled in once the statistics are known.
    """

    metrics: Any
    n_bootstrap: int
    confidence_level: float
    ci_method: str
    min_group_size: int
    suppress_below: int | None
    tolerances: dict[str, float]
    correction: str
    correction_scope: str = "all"
    reference_group: Any = None
    threshold: float | None = None
    pos_label: Any = None
    max_groups: Any = None
    random_state: Any = None
    seed: int = 0
    name: str | None = None
    #: "binary", "regression" or "multiclass" (what ``task="auto"`` chose is recorded)
    task: str = "binary"
    # decided by the data
    weighted: bool = False
    probabilistic: bool = True
    nonnegative_scores: bool = True
    left_out: tuple[tuple[str, str], ...] = ()

    @property
    def interval_method(self) -> str:
        """How the intervals were formed: ``ci_method``, or ``"wilson"`` with the bootstrap
        off."""
        return self.ci_method if self.n_bootstrap > 0 else "wilson"

    def to_dict(self) -> dict:
        """The JSON form recorded in every result (``AuditResult.config``)."""
        return {
            "task": self.task,
            "metrics": list(self.metrics),
            "n_bootstrap": self.n_bootstrap,
            "confidence_level": self.confidence_level,
            "ci_method": self.interval_method,
            "bootstrap": (
                TASK_BOOTSTRAP_TEXT.get(self.task, BOOTSTRAP_TEXT)
                + (BOOTSTRAP_WEIGHTS_TEXT if self.weighted else "")
                if self.n_bootstrap > 0
                else "off"
            ),
            "min_group_size": self.min_group_size,
            "suppress_below": self.suppress_below,
            "max_groups": self.max_groups,
            "tolerances": dict(self.tolerances),
            "correction": self.correction,
            "correction_scope": self.correction_scope,
            "pos_label": jsonable(self.pos_label),
            "reference_group": jsonable(self.reference_group),
            "threshold": self.threshold,
            "random_state": self.random_state if isinstance(self.random_state, int) else None,
            "seed": self.seed,
            "weighted": self.weighted,
            "probabilistic": self.probabilistic,
            "nonnegative_scores": self.nonnegative_scores,
            "left_out": [list(pair) for pair in self.left_out],
        }

    @classmethod
    def from_dict(
        cls, d: dict, *, name: str | None = None, weighted: bool | None = None
    ) -> AuditConfig:
        """The configuration of a result read from JSON (:meth:`to_dict` output).

        Files before schema 1.3 have no ``task`` (they are binary audits). Files of schema
        1.0 and 1.1 lack the fields decided by the data: ``weighted`` is then
        taken from the result's ``meta``, the scores are taken as probabilities unless
        metrics were left out, and ``correction_scope`` is ``"metric"`` (how those versions
        adjusted p-values). ``name`` is the result's ``meta["name"]``.
        """
        left_out = tuple((str(m), str(why)) for m, why in d.get("left_out") or ())
        return cls(
            metrics=tuple(d["metrics"]),
            n_bootstrap=int(d["n_bootstrap"]),
            confidence_level=float(d["confidence_level"]),
            ci_method=d["ci_method"],
            min_group_size=int(d["min_group_size"]),
            suppress_below=d.get("suppress_below"),
            tolerances={str(k): float(v) for k, v in d["tolerances"].items()},
            correction=d["correction"],
            correction_scope=d.get("correction_scope", "metric"),
            reference_group=d.get("reference_group"),
            threshold=d.get("threshold"),
            pos_label=d.get("pos_label"),
            max_groups=d.get("max_groups"),
            random_state=d.get("random_state"),
            seed=int(d.get("seed", 0)),
            name=name,
            task=str(d.get("task", "binary")),
            weighted=bool(d.get("weighted", bool(weighted))),
            probabilistic=bool(d.get("probabilistic", not left_out)),
            nonnegative_scores=bool(d.get("nonnegative_scores", True)),
            left_out=left_out,
        )
