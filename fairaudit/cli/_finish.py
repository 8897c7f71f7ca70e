"""The end of ``audit`` and ``check``: the summary, the gates' outcomes and the exit code."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._errors import EXIT_GATE_FAILED, EXIT_INCONCLUSIVE, EXIT_NOTHING_EVALUATED, EXIT_OK
from ._gates import GateOutcome, describe, evaluate, gate_exit_code, parse_gate
from ._outputs import emit, summary_stream
from ._summary import summary_lines

MSG_NOTHING_EVALUATED = "nothing could be evaluated: every criterion is N/A"
MSG_STRICT = "gate 'strict': FAIL \u2014 overall verdict {verdict}, not PASS"
MSG_CAUSE = "  cause: {cause}"


def nothing_evaluated(result: Any) -> bool:
    """Whether no criterion of ``result`` could be evaluated."""
    verdicts = result.criteria["verdict"].astype(str)
    return str(result.verdict) == "n/a" or bool((verdicts == "n/a").all())


def cause_text(cause: Any) -> str:
    """One degenerate cause recorded in a result's meta, as text."""
    if isinstance(cause, dict):
        for key in ("message", "reason", "detail", "cause"):
            if key in cause:
                return str(cause[key])
    return str(cause)


def strict_causes(result: Any) -> list[str]:
    """Why the verdict is not PASS, one line each: the result's degenerate causes if it
    records any (``meta["degenerate"]``), else the criteria that did not pass."""
    causes = [cause_text(c) for c in (result.meta.get("degenerate") or [])]
    if not causes:
        crit = result.criteria
        rows = crit[crit["verdict"].astype(str) != "pass"]
        causes = [
            f"{row.attribute}: {row.criterion} is {str(row.verdict).upper()}"
            for row in rows.itertuples(index=False)
        ]
    return [" ".join(c.split()) for c in causes]


def quiet_reason(outcomes: list[GateOutcome]) -> str:
    """The one line a failing run prints under --quiet: the first failing gate, and how
    many more fail."""
    failing = [o for o in outcomes if o.status == "fail"]
    more = f" (and {len(failing) - 1} more failing)" if len(failing) > 1 else ""
    return describe(failing[0]) + more


def finish(
    result: Any,
    args: argparse.Namespace,
    gates: list[str],
    *,
    default_gate: bool,
    strict: bool = False,
    notes: tuple[str, ...] = (),
) -> int:
    """Print the summary and gate outcomes; return the exit code."""
    stream = summary_stream(args)
    gates_parsed = [parse_gate(g) for g in gates]
    # a gate that cannot apply to this result (an attribute or class it lacks) is a usage
    # error reported alone, before the summary
    outcomes = [o for gate in gates_parsed for o in evaluate(gate, result)]
    if not args.quiet:
        emit(summary_lines(result), stream)
        emit(list(notes), stream)
    verdict = str(result.verdict)
    if not gates_parsed:
        if nothing_evaluated(result):
            print(MSG_NOTHING_EVALUATED, file=sys.stderr)
            if strict:
                emit([MSG_CAUSE.format(cause=c) for c in strict_causes(result)], sys.stderr)
            return EXIT_NOTHING_EVALUATED
        if default_gate and verdict == "fail":
            line = f"gate 'verdict': FAIL \u2014 overall verdict {verdict}"
            print(line, file=sys.stderr if args.quiet else stream)  # why, even when quiet
            return EXIT_GATE_FAILED
        code = EXIT_OK
    else:
        if not args.quiet:
            emit([describe(o) for o in outcomes], stream)
        code = gate_exit_code(outcomes)
        if args.quiet and code == EXIT_GATE_FAILED:
            print(quiet_reason(outcomes), file=sys.stderr)
    if strict and code == EXIT_OK and verdict != "pass":
        print(MSG_STRICT.format(verdict=verdict.upper()), file=sys.stderr)
        emit([MSG_CAUSE.format(cause=c) for c in strict_causes(result)], sys.stderr)
        return EXIT_INCONCLUSIVE
    return code
