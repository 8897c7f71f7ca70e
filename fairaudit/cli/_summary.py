"""Short terminal summary of an AuditResult (plain text, read from the result)."""

from __future__ import annotations

import math
from typing import Any

WORDS = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE", "n/a": "N/A"}


def _num(x: Any) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "n/a" if not math.isfinite(x) else f"{x:.3f}"


def summary_lines(result: Any, *, limit: int = 40) -> list[str]:
    crit = result.criteria
    counts = crit["verdict"].astype(str).value_counts()
    n = int(len(crit))
    features = ", ".join(map(str, result.features))
    lines = [
        f"{WORDS.get(str(result.verdict), str(result.verdict).upper())}: {features} "
        f"({result.meta.get('n_samples', '?')} rows) - {int(counts.get('fail', 0))} of {n} "
        f"checks fail, {int(counts.get('inconclusive', 0))} inconclusive, "
        f"{int(counts.get('pass', 0))} pass, {int(counts.get('n/a', 0))} n/a"
    ]
    width = max((len(str(a)) for a in crit["attribute"]), default=8)
    shown = crit if len(crit) <= limit else crit[crit["verdict"].astype(str) != "pass"]
    for row in shown.head(limit).itertuples(index=False):
        op = ">=" if row.kind == "ratio" else "<="
        ci = ""
        if math.isfinite(float(row.lower)) and math.isfinite(float(row.upper)):
            ci = f" [{_num(row.lower)}, {_num(row.upper)}]"
        needs = (
            f"needs {op} {float(row.tolerance):g}"
            if math.isfinite(float(row.tolerance))
            else f"no tolerance given: --tolerance {row.criterion}=VALUE"
        )
        lines.append(
            f"  {WORDS.get(str(row.verdict), str(row.verdict)):<12} "
            f"{str(row.attribute):<{width}}  {row.criterion} = {_num(row.value)}{ci} ({needs})"
        )
    if len(shown) > limit or len(shown) < len(crit):
        lines.append(f"  ... {len(crit) - min(len(shown), limit)} more rows in the report")
    return lines
