"""What kind of audit the outcomes call for: ``binary`` decisions, ``regression`` (a number
such as a salary offer or a 0-100 risk score) or ``multiclass`` decisions (one of several
classes), and how ``task="auto"`` chooses among them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: The tasks an audit can run, in the order they are described.
TASKS = ("binary", "regression", "multiclass")

#: Integer outcomes with more distinct values than this are taken as numbers under "auto".
MAX_AUTO_CLASSES = 20

ERR_TASK = "task must be one of 'auto', 'binary', 'regression' or 'multiclass'; got {value!r}."


def check_task(task: Any) -> str:
    """The task option, checked (``"auto"`` or one of :data:`TASKS`)."""
    if not isinstance(task, str) or task not in ("auto", *TASKS):
        raise ValueError(ERR_TASK.format(value=task))
    return task


def infer_task(y_true: np.ndarray) -> tuple[str, str]:
    """The task ``"auto"`` chooses from the observed outcomes, and why.

    * at most two distinct values (booleans, 0/1, two labels): ``"binary"``;
    * numbers with a fractional part, or whole numbers with more than
      :data:`MAX_AUTO_CLASSES` distinct values: ``"regression"``;
    * otherwise (three or more labels, or a few whole numbers): ``"multiclass"``.

    Missing values are not counted. A score audited against binary outcomes (COMPAS
    deciles against reoffending) is a regression audit of the score and needs
    ``task="regression"``: with two outcome values ``"auto"`` keeps the binary audit.
    """
    arr = np.asarray(y_true)
    kind = arr.dtype.kind
    if kind == "b":
        return "binary", "y_true holds booleans"
    if kind in "iuf" and arr.size:
        # two values or fewer without hashing every row (the common binary case)
        finite = arr if kind != "f" else arr[np.isfinite(arr)]
        if finite.size == 0:
            return "binary", "y_true holds no finite value"
        lo, hi = finite.min(), finite.max()
        # whole numbers at most 1 apart are two values at most, with no pass over the rows
        if (kind in "iu" and int(hi) - int(lo) <= 1) or np.all((finite == lo) | (finite == hi)):
            return "binary", f"y_true holds {1 if lo == hi else 2} distinct value(s)"
    values = pd.Series(arr).dropna()
    k = int(values.nunique())
    if k <= 2:
        return "binary", f"y_true holds {k} distinct value(s)"
    if kind in "iuf":
        numbers = values.to_numpy(dtype=float)
        if kind == "f" and not np.all(np.isfinite(numbers)):
            numbers = numbers[np.isfinite(numbers)]
        if not np.all(numbers == np.round(numbers)):
            return "regression", f"y_true holds {k} distinct numbers, some not whole"
        if k > MAX_AUTO_CLASSES:
            return "regression", (
                f"y_true holds {k} distinct whole numbers (more than {MAX_AUTO_CLASSES})"
            )
        return "multiclass", f"y_true holds {k} distinct whole numbers"
    return "multiclass", f"y_true holds {k} distinct labels"


def task_note(task: str, reason: str) -> str:
    """The note an audit records when ``task="auto"`` chose its task."""
    return f"task {task!r} chosen from the data ({reason}); pass task= to choose another."
