"""The fairness gate: ``--fail-on`` conditions evaluated on an AuditResult."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ..metrics import ALIASES, ALL_METRICS, CRITERIA, CRITERION_ALIASES
from ..metrics._multiclass import (
    MULTICLASS_CRITERIA,
    PER_CLASS_METRICS,
    class_column,
    split_class_column,
)
from ..metrics._regression_criteria import REGRESSION_CRITERIA
from ..metrics._regression_metrics import QUANTILES, REGRESSION_METRICS
from ._errors import CLIError

ERR_GATE_SYNTAX = (
    "argument --fail-on: cannot read '{text}'; write CRITERION<VALUE or CRITERION>VALUE "
    "(e.g. demographic_parity_ratio<0.8), optionally ATTRIBUTE:CRITERION<VALUE, or 'verdict'; "
    "a class of a multiclass audit goes in brackets, quoted if it holds brackets or quotes "
    "(selection_rate[B]<0.2, demographic_parity_difference['very high']>0.1)"
)
ERR_GATE_NAME = (
    "argument --fail-on: '{name}' is neither a criterion ({criteria}) nor an overall metric "
    "({metrics}) of this result"
)
ERR_GATE_PREFIX = (
    "argument --fail-on: '{text}': an ATTRIBUTE: prefix takes a criterion, checked for that "
    "attribute ({criteria}); '{name}' is {what}, so write '{bare}' without the prefix"
)
ERR_GATE_ATTRIBUTE = (
    "argument --fail-on: attribute '{attribute}' is not audited; the attributes are: {known}"
)
ERR_GATE_CLASS_NAME = (
    "argument --fail-on: '{text}': '{name}' has no value per class; a class in brackets "
    "goes with a per-class criterion ({criteria}) or metric ({metrics})"
)
ERR_GATE_CLASS_TASK = (
    "argument --fail-on: '{text}' names the class '{cls}', but this is a {task} audit; "
    "per-class gates need a multiclass audit (--task multiclass), or write '{bare}' "
    "without the class"
)
ERR_GATE_CLASS = (
    "argument --fail-on: '{text}': '{cls}' is not a class of this audit; the classes are: {known}"
)
_GATE = re.compile(
    r"^\s*(?:(?P<attribute>[^:<>=\[\]]+):)?\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?:\[\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\]\"']*?))\s*\]\s*)?"
    r"(?:(?P<op><=|>=|<|>)\s*(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?\s*$"
)
#: Names that take a class in brackets (``demographic_parity_difference[B]``): the
#: multiclass criteria and per-class metrics (and their aliases).
_PER_CLASS_CRITERIA = list(MULTICLASS_CRITERIA)
_PER_CLASS_METRICS = [
    *PER_CLASS_METRICS,
    *(a for a, m in ALIASES.items() if m in PER_CLASS_METRICS),
]
#: Every criterion a gate can name, of every task (binary and multiclass share names).
_ALL_CRITERIA = [*CRITERIA, *CRITERION_ALIASES, *REGRESSION_CRITERIA]
#: Every overall metric a gate can name, of every task.
_ALL_OVERALL = list(dict.fromkeys([*ALL_METRICS, *REGRESSION_METRICS, *QUANTILES]))
_KNOWN_NAMES = frozenset(_ALL_CRITERIA) | frozenset(_ALL_OVERALL) | frozenset(ALIASES)
_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Gate:
    """Fail when ``name`` (a criterion value or overall metric) satisfies ``op value``.

    Without an operator, fail when the criterion's verdict is "fail" (for ``verdict``: when
    the overall verdict is).
    """

    text: str
    name: str
    op: str | None
    value: float | None
    attribute: str | None = None
    #: The class of a per-class criterion or metric (as written between the brackets)
    cls: str | None = None

    def without_class(self) -> str:
        """The gate's text without its class (what to write for a binary audit)."""
        op = "" if self.op is None else f"{self.op}{self.value:g}"
        prefix = f"{self.attribute}:" if self.attribute else ""
        return f"{prefix}{self.name}{op}"


@dataclass(frozen=True)
class GateOutcome:
    gate: Gate
    status: str  # "pass", "fail", "not evaluated"
    detail: str


def parse_gate(text: str) -> Gate:
    match = _GATE.match(text)
    if match is None:
        raise CLIError(ERR_GATE_SYNTAX.format(text=text))
    value = match.group("value")
    if (match.group("op") is None) != (value is None):
        raise CLIError(ERR_GATE_SYNTAX.format(text=text))
    name = match.group("name")
    if name != "verdict" and name not in _KNOWN_NAMES:
        # a typo is reported before any audit is computed; names the result lacks (e.g. a
        # score metric without scores) are reported by evaluate()
        raise CLIError(
            ERR_GATE_NAME.format(
                name=name,
                criteria=", ".join(_ALL_CRITERIA),
                metrics=", ".join(_ALL_OVERALL),
            ).replace(" of this result", "")
        )
    cls = next((match.group(g) for g in ("dq", "sq", "bare") if match.group(g) is not None), None)
    if cls is not None and not cls.strip():
        raise CLIError(ERR_GATE_SYNTAX.format(text=text))
    if cls is not None and name not in _PER_CLASS_CRITERIA and name not in _PER_CLASS_METRICS:
        raise CLIError(
            ERR_GATE_CLASS_NAME.format(
                text=text.strip(),
                name=name,
                criteria=", ".join(_PER_CLASS_CRITERIA),
                metrics=", ".join(_PER_CLASS_METRICS),
            )
        )
    attribute = match.group("attribute")
    if attribute and name not in _ALL_CRITERIA:
        what = "the overall verdict" if name == "verdict" else "an overall metric"
        bare = text.strip().partition(":")[2].strip()
        raise CLIError(
            ERR_GATE_PREFIX.format(
                text=text.strip(),
                criteria=", ".join(_ALL_CRITERIA),
                name=name,
                what=what,
                bare=bare,
            )
        )
    return Gate(
        text=text.strip(),
        name=name,
        op=match.group("op"),
        value=None if value is None else float(value),
        attribute=attribute.strip() if attribute else None,
        cls=cls,
    )


def check_gate_task(gate: Gate, task: str) -> None:
    """Refuse a per-class gate on an audit that has no classes (binary or regression)."""
    if gate.cls is not None and task not in ("multiclass", "auto"):
        raise CLIError(
            ERR_GATE_CLASS_TASK.format(
                text=gate.text, cls=gate.cls, task=task, bare=gate.without_class()
            )
        )


def _result_classes(result: Any) -> list[str]:
    """The classes of a multiclass result as its column names write them."""
    found = (split_class_column(n) for n in result.overall.index)
    return [
        c for part in found if part is not None and part[0] == "selection_rate" for c in [part[1]]
    ]


def _class_of(gate: Gate, result: Any) -> str:
    """The class of the result that ``gate`` names (its text, or the same number)."""
    task = str(getattr(getattr(result, "settings", None), "task", "binary"))
    check_gate_task(gate, task)
    classes = _result_classes(result)
    wanted = gate.cls
    if wanted not in classes and wanted.strip() in classes:
        wanted = wanted.strip()
    if wanted in classes:
        return wanted
    try:
        number = float(wanted)
    except ValueError:
        number = None
    for c in classes:
        try:
            if number is not None and float(c) == number:
                return c
        except ValueError:
            continue
    raise CLIError(
        ERR_GATE_CLASS.format(
            text=gate.text, cls=gate.cls, known=", ".join(repr(c) for c in classes)
        )
    )


def _fmt(x: float) -> str:
    return "nan" if not math.isfinite(x) else f"{x:.6g}"


def evaluate(gate: Gate, result: Any) -> list[GateOutcome]:
    """One outcome per attribute the gate applies to (one for overall metrics)."""
    criteria = result.criteria
    if gate.name == "verdict":
        verdict = str(result.verdict)
        if verdict == "n/a":
            return [GateOutcome(gate, "not evaluated", "no criterion could be evaluated")]
        status = "fail" if verdict == "fail" else "pass"
        return [GateOutcome(gate, status, f"overall verdict {verdict}")]
    known_criteria = list(dict.fromkeys(criteria["criterion"].astype(str)))
    overall = result.overall
    criterion = CRITERION_ALIASES.get(gate.name, gate.name)
    metric = gate.name
    if gate.cls is not None:
        cls = _class_of(gate, result)
        criterion = class_column(criterion, cls)
        metric = class_column(ALIASES.get(gate.name, gate.name), cls)
    if criterion in known_criteria:
        rows = criteria[criteria["criterion"].astype(str) == criterion]
        if gate.attribute is not None:
            attributes = list(dict.fromkeys(criteria["attribute"].astype(str)))
            if gate.attribute not in attributes:
                raise CLIError(
                    ERR_GATE_ATTRIBUTE.format(attribute=gate.attribute, known=", ".join(attributes))
                )
            rows = rows[rows["attribute"].astype(str) == gate.attribute]
        outcomes = []
        for row in rows.itertuples(index=False):
            value = float(row.value)
            where = f"{row.attribute}: {row.criterion} = {_fmt(value)}"
            if gate.op is None:
                verdict = str(row.verdict)
                status = {"fail": "fail", "n/a": "not evaluated"}.get(verdict, "pass")
                outcomes.append(GateOutcome(gate, status, f"{where} (verdict {verdict})"))
            elif not math.isfinite(value):
                outcomes.append(GateOutcome(gate, "not evaluated", f"{where} (undefined)"))
            else:
                hit = _OPS[gate.op](value, gate.value)
                outcomes.append(GateOutcome(gate, "fail" if hit else "pass", where))
        return outcomes
    if metric in overall.index and gate.op is not None and gate.attribute is None:
        value = float(overall[metric])
        where = f"overall {metric} = {_fmt(value)}"
        if not math.isfinite(value):
            return [GateOutcome(gate, "not evaluated", f"{where} (undefined)")]
        hit = _OPS[gate.op](value, gate.value)
        return [GateOutcome(gate, "fail" if hit else "pass", where)]
    aliases = [a for a, c in CRITERION_ALIASES.items() if c in known_criteria]
    raise CLIError(
        ERR_GATE_NAME.format(
            name=gate.name,
            criteria=", ".join([*known_criteria, *aliases]),
            metrics=", ".join(map(str, overall.index)),
        )
    )


def gate_exit_code(outcomes: list[GateOutcome]) -> int:
    """1 when any gate fails; else 4 when a gate could not be evaluated; else 0."""
    if any(o.status == "fail" for o in outcomes):
        return 1
    if not outcomes or any(o.status == "not evaluated" for o in outcomes):
        return 4
    return 0


def describe(outcome: GateOutcome) -> str:
    word = {"fail": "FAIL", "pass": "ok", "not evaluated": "NOT EVALUATED"}[outcome.status]
    return f"gate {outcome.gate.text!r}: {word} \u2014 {outcome.detail}"
