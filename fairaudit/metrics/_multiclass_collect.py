"""Labelled multiclass statistics from rows: the classes of y_true and y_pred, checked, and
the k x k confusion matrices of every group (:class:`MulticlassStats`), which chunks of the
data merge by label and :func:`fairaudit.audit_from_stats` audits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import _validation as v
from ._multiclass_stats import MulticlassStats, count_multiclass
from ._stats import _sort_key

#: The most classes a multiclass audit takes (each adds five rates per group).
MAX_CLASSES = 50

ERR_CONTINUOUS = (
    "{name} holds numbers with a fractional part (e.g. {examples}), which are not classes; "
    "audit numbers such as a score or an amount with task='regression'."
)
ERR_TOO_MANY = (
    "y_true and y_pred hold {k} classes, more than the {limit} a multiclass audit takes (it "
    "reports five rates per class and group); group rare classes into one (e.g. 'other'), "
    "or audit an ordered number with task='regression'."
)
ERR_ONE_CLASS = (
    "y_true and y_pred hold a single class ({cls!r}); a multiclass audit needs at least two "
    "classes."
)
ERR_MIXED = (
    "{name} mixes labels of different types ({types}); give classes of one type (e.g. all strings)."
)


def _factorized(arr: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code among ``arr``'s distinct values (in order of first appearance), and
    those values, checked: no missing value, no fraction, labels of one type."""
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    uniques = np.asarray(uniques)
    k = int(np.count_nonzero(codes < 0))
    if k:
        raise ValueError(v.ERR_NAN_LABEL.format(name=name, k=k))
    if uniques.dtype.kind == "f":
        whole = uniques == np.round(uniques)
        if not whole.all():
            examples = ", ".join(f"{x:g}" for x in uniques[~whole][:3])
            raise ValueError(ERR_CONTINUOUS.format(name=name, examples=examples))
    if arr.dtype.kind == "O":
        kinds = {type(x).__name__ for x in uniques[:1000]}
        numbers = {"int", "float", "bool"} | {k for k in kinds if k.startswith(("int", "float"))}
        if len(kinds) > 1 and not kinds <= numbers:
            raise ValueError(ERR_MIXED.format(name=name, types=", ".join(sorted(kinds))))
    return codes, uniques


def encode_classes(
    y_true: np.ndarray, y_pred: np.ndarray
) -> tuple[tuple, np.ndarray, np.ndarray, list]:
    """The classes (the union of y_true's and y_pred's, sorted), each row's class codes,
    and the classes that occur only in y_pred.

    Each array is factorized once; the classes are the union of the two small sets of
    distinct values (a value of y_pred equal to one of y_true is the same class).
    """
    t_codes, t_uniques = _factorized(y_true, "y_true")
    p_codes, p_uniques = _factorized(y_pred, "y_pred")
    same = t_uniques.dtype == p_uniques.dtype and t_uniques.dtype.kind != "O"
    both = (
        np.concatenate([t_uniques, p_uniques])
        if same
        else np.concatenate(
            [np.asarray(t_uniques, dtype=object), np.asarray(p_uniques, dtype=object)]
        )
    )
    union, uniques = pd.factorize(both, sort=False)
    uniques = np.asarray(uniques, dtype=object)
    k = len(uniques)
    if k > MAX_CLASSES:
        raise ValueError(ERR_TOO_MANY.format(k=k, limit=MAX_CLASSES))
    if k < 2:
        raise ValueError(ERR_ONE_CLASS.format(cls=_plain(uniques[0]) if k else None))
    order = _sort_key(uniques)
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    union = rank[union]
    classes = tuple(_plain(uniques[i]) for i in order)
    t_map, p_map = union[: len(t_uniques)], union[len(t_uniques) :]
    in_true = np.zeros(k, dtype=bool)
    in_true[t_map] = True
    pred_only = [classes[i] for i in np.flatnonzero(~in_true)]
    return classes, t_map[t_codes], p_map[p_codes], pred_only


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def multiclass_stats(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    max_groups: int | str = "auto",
) -> MulticlassStats:
    """The k x k confusion matrices per group of a chunk of rows.

    Statistics of chunks (files, partitions) merge with :meth:`MulticlassStats.merge`, by
    group and class label, and :func:`fairaudit.audit_from_stats` audits the result as
    :func:`fairaudit.audit` with ``task="multiclass"`` audits the rows.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Observed and predicted classes (labels of one type, no missing values).
    sensitive_features : Series, DataFrame, array-like or dict of name -> array
    sample_weight : array-like of shape (n_samples,), optional
    max_groups : int or "auto", default "auto"
        As in :func:`fairaudit.audit`.

    Returns
    -------
    MulticlassStats
    """
    rows = v.align_rows(
        {
            "y_true": y_true,
            "y_pred": y_pred,
            "sample_weight": sample_weight,
            "sensitive_features": sensitive_features,
        }
    )
    yt = v.check_1d(rows["y_true"], "y_true")
    yp = v.check_1d(rows["y_pred"], "y_pred")
    v.check_length(yp, len(yt), "y_pred")
    classes, t_codes, p_codes, _ = encode_classes(yt, yp)
    weight = v.check_sample_weight(rows["sample_weight"], len(yt))
    groups = v.encode_groups(
        rows["sensitive_features"], n_samples=len(yt), max_groups=v.check_max_groups(max_groups)
    )
    return count_multiclass(
        groups.codes, groups.n_groups, t_codes, p_codes, classes, weight, groups.labels
    )
