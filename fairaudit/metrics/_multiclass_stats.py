"""Sufficient statistics of multiclass decisions: the weighted k x k confusion matrix of every
group (rows: the observed class, columns: the predicted class), labelled and mergeable.

Everything a multiclass audit reports comes from these counts: each class's one-vs-rest
confusion counts (:meth:`MulticlassStats.one_vs_rest`), accuracy, and the macro and weighted
averages of recall, precision and F1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._stats import (
    ConfusionStats,
    _align,
    _check_labels,
    _marginal,
    _sort_key,
    _union,
)

ERR_CLASSES = (
    "cannot merge multiclass statistics with different classes without labels; both must "
    "carry their class labels."
)
ERR_SHAPE = (
    "multiclass statistics need n, w and w2 of shape (n_groups, k, k) with k = len(classes) "
    "= {k}; got {shape}."
)


def _class_union(a: tuple, b: tuple) -> tuple:
    both = list(dict.fromkeys([*a, *b]))
    order = _sort_key(np.asarray(both, dtype=object))
    return tuple(both[i] for i in order)


def _align_classes(x: np.ndarray, classes: tuple, union: tuple) -> np.ndarray:
    """A (G, k, k) array re-indexed onto the classes ``union`` (absent classes count 0)."""
    if classes == union:
        return x
    where = np.array([union.index(c) for c in classes], dtype=np.int64)
    out = np.zeros((x.shape[0], len(union), len(union)), dtype=x.dtype)
    out[:, where[:, None], where[None, :]] = x
    return out


@dataclass(frozen=True)
class MulticlassStats:
    """Weighted k x k confusion matrices per group.

    Attributes
    ----------
    classes : tuple
        The class labels, sorted (numbers by value, other labels by their text); the order
        of both axes of the matrices.
    n : ndarray of int64, shape (n_groups, k, k)
        Rows per group, observed class (axis 1) and predicted class (axis 2).
    w : ndarray of float64, shape (n_groups, k, k)
        Sum of sample weights per cell (equal to ``n`` without weights).
    w2 : ndarray of float64, shape (n_groups, k, k)
        Sum of squared sample weights per cell (for effective sample sizes).
    labels : pandas.Index, optional
        The group of each matrix, as in :class:`~fairaudit.metrics.ConfusionStats`.
    """

    classes: tuple
    n: np.ndarray
    w: np.ndarray
    w2: np.ndarray
    labels: pd.Index | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", tuple(self.classes))
        k = len(self.classes)
        for a in (self.n, self.w, self.w2):
            if a.ndim != 3 or a.shape[1:] != (k, k) or a.shape[0] != self.n.shape[0]:
                raise ValueError(ERR_SHAPE.format(k=k, shape=a.shape))
        _check_labels(self.labels, self.n.shape[0])

    @property
    def n_groups(self) -> int:
        return self.n.shape[0]

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def features(self) -> list[str]:
        """Names of the sensitive features the groups are made of (empty without labels)."""
        return [] if self.labels is None else [str(x) for x in self.labels.names]

    @property
    def weighted(self) -> bool:
        """Whether any weight differs from 1."""
        return not (np.array_equal(self.w, self.n) and np.array_equal(self.w2, self.n))

    def merge(self, other: MulticlassStats) -> MulticlassStats:
        """Statistics of the union of two disjoint chunks of rows.

        Groups are matched by label and classes by class label (outer joins: a group or a
        class that one chunk lacks counts zero there).
        """
        union = _union(self.labels, other.labels)
        classes = _class_union(self.classes, other.classes)
        mine = [_align_classes(x, self.classes, classes) for x in (self.n, self.w, self.w2)]
        theirs = [_align_classes(x, other.classes, classes) for x in (other.n, other.w, other.w2)]
        a = _align(self.labels, union, tuple(mine))
        b = _align(other.labels, union, tuple(theirs))
        return MulticlassStats(classes, a[0] + b[0], a[1] + b[1], a[2] + b[2], union)

    def marginal(self, feature: str) -> MulticlassStats:
        """The statistics of one feature's groups, summed over the other features."""
        labels, (n, w, w2) = _marginal(self.labels, feature, (self.n, self.w, self.w2))
        return MulticlassStats(self.classes, n, w, w2, labels)

    def one_vs_rest(self, j: int) -> ConfusionStats:
        """The binary confusion counts (TN, FP, FN, TP) of class ``classes[j]`` against all
        others: TP the rows of the class predicted as it, FN its rows predicted as another,
        FP other classes' rows predicted as it, TN the rest."""
        # each count summed from its own cells, never as a difference of sums: weighted
        # counts of no row stay exactly 0 (a difference leaves a rounding residue, which
        # would turn an undefined rate, 0 / 0, into 0 / 1e-16 = 0)
        others = np.arange(self.n_classes) != j
        parts = []
        for x in (self.n, self.w, self.w2):
            tp = x[:, j, j]
            fn = x[:, j, others].sum(axis=1)
            fp = x[:, others, j].sum(axis=1)
            tn = x[:, others][:, :, others].sum(axis=(1, 2))
            parts.append(np.stack([tn, fp, fn, tp], axis=1))
        return ConfusionStats(*parts, self.labels)

    def correct(self) -> ConfusionStats:
        """Correct against wrong decisions as binary counts: the correct rows in TP, the
        wrong ones in TN (so that the selection rate is the accuracy)."""
        off = ~np.eye(self.n_classes, dtype=bool)  # the wrong cells, summed as themselves
        parts = []
        for x in (self.n, self.w, self.w2):
            right = np.trace(x, axis1=1, axis2=2)
            zero = np.zeros_like(right)
            parts.append(np.stack([x[:, off].sum(axis=1), zero, zero, right], axis=1))
        return ConfusionStats(*parts, self.labels)

    def to_frame(self) -> pd.DataFrame:
        """The long table of per-cell counts: one column per feature, then ``y_true``,
        ``y_pred`` (class labels), ``n``, ``w`` and ``w2``; k * k rows per group."""
        from ._stats import ERR_UNLABELLED

        if self.labels is None:
            raise ValueError(ERR_UNLABELLED)
        g, k = self.n_groups, self.n_classes
        rep = np.repeat(np.arange(g), k * k)
        if isinstance(self.labels, pd.MultiIndex):
            feats = {
                str(name): np.asarray(self.labels.get_level_values(i), dtype=object)[rep]
                for i, name in enumerate(self.labels.names)
            }
        else:
            feats = {str(self.labels.name): np.asarray(self.labels, dtype=object)[rep]}
        cls = np.asarray(self.classes, dtype=object)
        cells = np.tile(np.arange(k * k), g)
        return pd.DataFrame(
            {
                **feats,
                "y_true": cls[cells // k],
                "y_pred": cls[cells % k],
                "n": self.n.reshape(-1),
                "w": self.w.reshape(-1),
                "w2": self.w2.reshape(-1),
            }
        )


def count_multiclass(
    codes: np.ndarray,
    n_groups: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: tuple,
    sample_weight: np.ndarray | None = None,
    labels: pd.Index | None = None,
) -> MulticlassStats:
    """Weighted k x k confusion matrices per group in one ``bincount`` pass over the cells
    ``group * k * k + y_true * k + y_pred``.

    Parameters
    ----------
    codes : ndarray of int, shape (n,)
        Group code of each row, in ``[0, n_groups)``.
    n_groups : int
    y_true, y_pred : ndarray of int, shape (n,)
        Class codes, positions in ``classes``.
    classes : tuple
        The class labels.
    sample_weight : ndarray of float, shape (n,), optional
    labels : pandas.Index, optional
        The label of each group code.

    Returns
    -------
    MulticlassStats
    """
    k = len(classes)
    size = n_groups * k * k
    dtype = np.int32 if size < np.iinfo(np.int32).max else np.int64
    cell = codes.astype(dtype) * (k * k)
    cell += y_true.astype(dtype) * k
    cell += y_pred.astype(dtype)
    shape = (n_groups, k, k)
    n = np.bincount(cell, minlength=size).reshape(shape).astype(np.int64)
    if sample_weight is None:
        w = n.astype(np.float64)
        return MulticlassStats(classes, n, w, w.copy(), labels)
    w = np.bincount(cell, weights=sample_weight, minlength=size).reshape(shape)
    w2 = np.bincount(cell, weights=sample_weight * sample_weight, minlength=size)
    return MulticlassStats(classes, n, w, w2.reshape(shape), labels)


def averaged_scores(
    w: np.ndarray, n: np.ndarray | None = None, occurs: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Macro and weighted (by support) recall, precision and F1 per group from weighted
    k x k matrices of shape (..., k, k).

    As scikit-learn's ``precision_recall_fscore_support`` on each group's rows with
    ``zero_division=0``: the classes averaged over are those that occur in the group (in
    y_true or y_pred); a class's precision with no predictions of it, or its recall with no
    rows of it, counts 0. A class occurs in a group when it has rows there (``n``, the row
    counts, default ``w``: rows of zero weight count), or as ``occurs`` (shape (..., k))
    says. NaN for a group without rows (or of zero weight).
    """
    if occurs is None:
        rows = w if n is None else n
        occurs = (rows.sum(axis=-1) > 0) | (rows.sum(axis=-2) > 0)
    diag = np.diagonal(w, axis1=-2, axis2=-1)
    support = w.sum(axis=-1)
    predicted = w.sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(support > 0, diag / np.where(support > 0, support, 1.0), 0.0)
        precision = np.where(predicted > 0, diag / np.where(predicted > 0, predicted, 1.0), 0.0)
        both = support + predicted
        f1 = np.where(both > 0, 2.0 * diag / np.where(both > 0, both, 1.0), 0.0)
        n_occurs = occurs.sum(axis=-1)
        total = support.sum(axis=-1)
        out = {}
        for name, v in (("recall", recall), ("precision", precision), ("f1", f1)):
            macro = np.where(occurs, v, 0.0).sum(axis=-1) / n_occurs
            weighted = (v * support).sum(axis=-1) / total
            out[f"macro_{name}"] = np.where((n_occurs > 0) & (total > 0), macro, np.nan)
            out[f"weighted_{name}"] = np.where(total > 0, weighted, np.nan)
    return out
