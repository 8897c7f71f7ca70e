"""Overfitting by group: a model's metric on its training data against held-out data.

A model that fits its training data and fails on new data usually fails worst for the
smallest groups: they contribute few rows, so what the model learns about them is mostly
noise. :func:`generalization_gap` measures, for each group, the metric on the training rows
and on held-out rows and the gap between them, with an interval;
:func:`learning_curve_by_group` shows the held-out metric per group as the training set
grows (on scikit-learn's ``learning_curve`` splits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._estimators import takes_sensitive_features
from ._json_frames import frame_from_dict, frame_to_dict
from ._validation import (
    _is_names,
    align_rows,
    binarize_labels,
    check_1d,
    check_length,
    encode_groups,
)
from .metrics._intervals import modified_wilson_interval, wilson_interval
from .metrics._registry import ALIASES, RATES

__all__ = [
    "GeneralizationGap",
    "LearningCurveByGroup",
    "generalization_gap",
    "learning_curve_by_group",
    "newcombe_interval",
]

DEFAULT_METRICS = ("accuracy", "true_positive_rate", "false_positive_rate")
OVERALL = "(overall)"

ERR_METRIC = "metrics: unknown metric {metric!r}; known metrics are {known}."
ERR_METRICS_TYPE = "metrics must be a metric name or a list of names; got {value!r}."
ERR_LEVEL = "confidence_level={value!r} is not valid; use a number strictly between 0 and 1."
ERR_SIZES = (
    "train_sizes must be fractions in (0, 1] or row counts >= 1 (at most the training "
    "fold's size); got {value!r}."
)


def newcombe_interval(
    x1: np.ndarray,
    n1: np.ndarray,
    x2: np.ndarray,
    n2: np.ndarray,
    confidence_level: float,
    *,
    modified: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Interval for p1 - p2 of two independent proportions (Newcombe's hybrid score).

    Combines intervals ``(l, u)`` of the two proportions (Newcombe, 1998, method 10):
    ``D - sqrt((p1 - l1)^2 + (u2 - p2)^2)`` to ``D + sqrt((u1 - p1)^2 + (p2 - l2)^2)``.
    Newcombe combines Wilson intervals; here they are the modified Wilson intervals of
    Brown, Cai and DasGupta (2001), equal to Wilson's except within a few successes of 0 or
    of n, where Wilson's coverage dips -- as a training accuracy of 1 does. Exact coverage
    over n in {10, 30, 100} and proportions from 0.02 to 1 is at least 0.93 at the 95%
    level (0.90 with plain Wilson intervals; see tests/test_generalization.py).
    ``modified=False`` gives Newcombe's original (plain Wilson) interval. NaN where
    either proportion has no trials.
    """
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (x1, n1, x2, n2))
    single = modified_wilson_interval if modified else wilson_interval
    l1, u1 = single(x1, n1, confidence_level)
    l2, u2 = single(x2, n2, confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


def _metric_names(metrics: Any) -> list[str]:
    if metrics is None:
        return list(DEFAULT_METRICS)
    names = [metrics] if isinstance(metrics, str) else metrics
    if not isinstance(names, list | tuple) or not all(isinstance(m, str) for m in names):
        raise TypeError(ERR_METRICS_TYPE.format(value=metrics))
    out = []
    for m in names:
        m = ALIASES.get(m, m)
        if m not in RATES:
            raise ValueError(ERR_METRIC.format(metric=m, known=sorted(RATES)))
        out.append(m)
    return out


def _check_level(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, float | int) or not 0 < value < 1:
        raise ValueError(ERR_LEVEL.format(value=value))
    return float(value)


def _cells(y: np.ndarray, pred: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Confusion counts per group, shape (k + 1, 4): the groups, then all rows."""
    cell = codes * 4 + 2 * y.astype(np.int64) + pred.astype(np.int64)
    counts = np.bincount(cell, minlength=4 * k).reshape(k, 4).astype(np.float64)
    return np.vstack([counts, counts.sum(axis=0, keepdims=True)])


def _rate(counts: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    rate = RATES[metric]
    return counts[:, list(rate.numerator)].sum(axis=1), counts[:, list(rate.denominator)].sum(
        axis=1
    )


def _aligned(X: Any, y: Any, sensitive_features: Any) -> tuple[Any, Any, Any]:
    """``y`` and the sensitive features paired with the rows of ``X`` (pandas by index
    label); column names of ``X`` given as sensitive features follow ``X`` already."""
    names = _is_names(sensitive_features, X) and hasattr(X, "columns")
    rows = align_rows({"X": X, "y": y, "sensitive_features": None if names else sensitive_features})
    return rows["X"], rows["y"], sensitive_features if names else rows["sensitive_features"]


def _predict(estimator: Any, X: Any, sensitive_features: Any) -> np.ndarray:
    if takes_sensitive_features(estimator.predict):
        return check_1d(estimator.predict(X, sensitive_features=sensitive_features), "y_pred")
    return check_1d(estimator.predict(X), "y_pred")


def _labels(y: Any, pred: np.ndarray, pos_label: Any, estimator: Any) -> tuple:
    y = check_1d(y, "y")
    check_length(pred, len(y), "y_pred", "y")
    if pos_label is None:
        classes = getattr(estimator, "classes_", None)
        if classes is not None and len(classes) == 2 and set(classes.tolist()) != {0, 1}:
            pos_label = classes[1]
    out = binarize_labels({"y": y, "y_pred": pred}, pos_label)
    return out["y"], out["y_pred"]


@dataclass(frozen=True)
class GeneralizationGap:
    """The result of :func:`generalization_gap`.

    Attributes
    ----------
    table : pandas.DataFrame
        Index (group, metric), the groups followed by ``"(overall)"``. Columns:
        ``n_train`` and ``n_test`` (the metric's denominators: rows, actual positives, ...),
        ``train`` and ``test`` (the metric on each), ``gap`` = train - test and its interval
        ``gap_lower``/``gap_upper`` (Newcombe's hybrid score interval for the difference of
        two independent proportions, :func:`newcombe_interval`). The interval is about
        sampling noise in the two sets of rows given the fitted model. NaN where a denominator is empty.
    metrics : tuple of str
    confidence_level : float
    """

    table: pd.DataFrame
    metrics: tuple[str, ...]
    confidence_level: float

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict:
        """A JSON-ready dict (NaN as None), as an audit result holds it."""
        return {
            "table": frame_to_dict(self.table),
            "metrics": list(self.metrics),
            "confidence_level": self.confidence_level,
        }

    @classmethod
    def from_dict(cls, d: dict) -> GeneralizationGap:
        """Rebuild the result from :meth:`to_dict` output."""
        table = frame_from_dict(d["table"])
        for column in table.columns:
            kind = np.int64 if column in ("n_train", "n_test") else np.float64
            table[column] = table[column].astype(kind)
        return cls(
            table=table,
            metrics=tuple(d["metrics"]),
            confidence_level=float(d["confidence_level"]),
        )

    def most_overfit(self, metric: str | None = None) -> pd.DataFrame:
        """The groups ranked by gap, largest first, for ``metric`` (default: the first).

        For rates where lower is better on held-out data (error rate, false positive
        rate, ...) the gap is still train - test, so a large *negative* gap is the warning
        sign; the ranking is by the absolute gap.
        """
        metric = ALIASES.get(metric, metric) if metric is not None else self.metrics[0]
        part = self.table.xs(metric, level="metric")
        part = part.drop(index=OVERALL, errors="ignore")
        return part.reindex(part["gap"].abs().sort_values(ascending=False).index)

    def overfit_groups(self, metric: str | None = None) -> list:
        """Groups whose gap interval excludes 0 (on the side of a worse held-out metric for
        accuracy-like rates, either side otherwise)."""
        part = self.most_overfit(metric)
        return [g for g, row in part.iterrows() if row["gap_lower"] > 0 or row["gap_upper"] < 0]


def generalization_gap(
    estimator: Any,
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    sensitive_features_train: Any,
    sensitive_features_test: Any,
    metrics: Any = None,
    pos_label: Any = None,
    confidence_level: float = 0.95,
) -> GeneralizationGap:
    """Each group's metric on the training rows and on held-out rows, and the gap.

    Parameters
    ----------
    estimator : fitted binary classifier
        Fitted on ``X_train`` (the function does not fit it). An estimator whose ``predict``
        takes ``sensitive_features`` is given them.
    X_train, y_train : the training rows and labels
    X_test, y_test : held-out rows and labels
    sensitive_features_train, sensitive_features_test : array-like, Series, DataFrame, dict, or column name(s) of X
        The group of each row. Groups are matched by label; a group present in only one
        of the two sets has NaN for the other and for the gap.
    metrics : str or list of str, optional
        Rates of the metric registry (default: accuracy, true and false positive rate).
    pos_label : scalar, optional
        The positive class (default: ``estimator.classes_[1]`` when the labels are not 0/1).
    confidence_level : float, default 0.95

    Returns
    -------
    GeneralizationGap
    """
    from sklearn.utils.validation import _num_samples  # scikit-learn loads on first use

    names = _metric_names(metrics)
    level = _check_level(confidence_level)
    parts = {}
    for side, X, y, sf in (
        ("train", X_train, y_train, sensitive_features_train),
        ("test", X_test, y_test, sensitive_features_test),
    ):
        X, y, sf = _aligned(X, y, sf)
        n = _num_samples(X)
        groups = encode_groups(sf, n_samples=n, X=X)
        pred = _predict(estimator, X, sf)
        y, pred = _labels(y, pred, pos_label, estimator)
        check_length(y, n, f"y_{side}", f"X_{side}")
        parts[side] = (_cells(y, pred, groups.codes, groups.n_groups), groups.labels)
    (c_tr, g_tr), (c_te, g_te) = parts["train"], parts["test"]
    labels = g_tr.append(g_te.difference(g_tr, sort=False))
    labels = (
        labels.append(pd.Index([OVERALL], name=labels.name))
        if not isinstance(labels, pd.MultiIndex)
        else labels.append(pd.MultiIndex.from_tuples([(OVERALL,) * labels.nlevels]))
    )

    def on(counts: np.ndarray, own: pd.Index) -> np.ndarray:
        out = np.full((len(labels), 4), np.nan)
        pos = labels[:-1].get_indexer(own)
        out[pos] = counts[:-1]
        out[-1] = counts[-1]
        return out

    c_tr, c_te = on(c_tr, g_tr), on(c_te, g_te)
    frames = []
    for m in names:
        x1, n1 = _rate(c_tr, m)
        x2, n2 = _rate(c_te, m)
        with np.errstate(invalid="ignore", divide="ignore"):
            train = np.where(n1 > 0, x1 / n1, np.nan)
            test = np.where(n2 > 0, x2 / n2, np.nan)
        ok = (n1 > 0) & (n2 > 0)
        lo, hi = newcombe_interval(
            np.where(ok, x1, 0),
            np.where(ok, n1, 0),
            np.where(ok, x2, 0),
            np.where(ok, n2, 0),
            level,
        )
        frames.append(
            pd.DataFrame(
                {
                    "n_train": np.nan_to_num(n1).astype(np.int64),
                    "n_test": np.nan_to_num(n2).astype(np.int64),
                    "train": train,
                    "test": test,
                    "gap": train - test,
                    "gap_lower": np.where(ok, lo, np.nan),
                    "gap_upper": np.where(ok, hi, np.nan),
                },
                index=labels,
            ).assign(metric=m)
        )
    table = pd.concat(frames)
    group_names = list(labels.names) if labels.nlevels > 1 else [labels.name or "group"]
    table.index.names = group_names
    table = table.set_index("metric", append=True)
    return GeneralizationGap(table=table, metrics=tuple(names), confidence_level=level)


# -------------------------------------------------------------- learning curves
@dataclass(frozen=True)
class LearningCurveByGroup:
    """The result of :func:`learning_curve_by_group`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per (train size, fold, group), the groups followed by ``"(overall)"``:
        ``train_size`` (rows the model was fitted on), ``fold``, ``group``, ``n_test`` (the
        metric's denominator in the held-out fold) and ``test`` (the held-out metric).
    metric : str
    """

    scores: pd.DataFrame
    metric: str

    def to_frame(self) -> pd.DataFrame:
        """Mean and standard deviation over the folds, per train size and group."""
        grouped = self.scores.groupby(["train_size", "group"], sort=False)
        return grouped.agg(
            test_mean=("test", "mean"), test_std=("test", "std"), n_test=("n_test", "sum")
        )


def _sizes(train_sizes: Any, n_max: int) -> np.ndarray:
    """Row counts from fractions (floats in (0, 1]) or counts (integers), as scikit-learn."""
    arr = np.asarray(train_sizes)
    if arr.ndim != 1 or not len(arr) or arr.dtype.kind not in "iuf":
        raise ValueError(ERR_SIZES.format(value=train_sizes))
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or (arr <= 0).any() or (arr > 1).any():
            raise ValueError(ERR_SIZES.format(value=train_sizes))
        arr = np.clip((arr * n_max).astype(np.int64), 1, n_max)
    elif (arr < 1).any() or (arr > n_max).any():
        raise ValueError(ERR_SIZES.format(value=train_sizes))
    return np.unique(arr.astype(np.int64))


def learning_curve_by_group(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    sensitive_features: Any,
    train_sizes: Any = (0.1, 0.325, 0.55, 0.775, 1.0),
    cv: Any = 5,
    metric: str = "accuracy",
    pos_label: Any = None,
    shuffle: bool = False,
    random_state: Any = None,
) -> LearningCurveByGroup:
    """The held-out metric per group as the training set grows: does more data help the
    small groups?

    The splits are those of :func:`sklearn.model_selection.learning_curve`: for each
    cross-validation split, the model is fitted on the first ``train_size`` rows of the
    training fold (shuffled first with ``shuffle=True``) and scored on the whole held-out
    fold, here per group. Without shuffling, data sorted by group gives small training
    sets of one group only.

    Parameters
    ----------
    estimator : unfitted binary classifier (cloned for every fit)
    X, y : the data
    sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of X
    train_sizes : array-like, default (0.1, 0.325, 0.55, 0.775, 1.0)
        Fractions (floats in (0, 1]) of the training fold, or row counts (integers).
    cv : int, cross-validation splitter or iterable, default 5
        As in scikit-learn (stratified folds for a classifier).
    metric : str, default "accuracy"
        A rate of the metric registry.
    pos_label : scalar, optional
    shuffle : bool, default False
        Shuffle each training fold before taking its first rows (as scikit-learn).
    random_state : None, int or RandomState
        Seed of the shuffle; the same seed gives scikit-learn's subsets.

    Returns
    -------
    LearningCurveByGroup
    """
    from sklearn.base import clone, is_classifier  # scikit-learn loads on first use
    from sklearn.model_selection import check_cv
    from sklearn.utils import _safe_indexing, check_random_state
    from sklearn.utils.validation import _num_samples

    (metric,) = _metric_names([metric])
    X, y_raw, sf = _aligned(X, y, sensitive_features)
    n = _num_samples(X)
    groups = encode_groups(sf, n_samples=n, X=X)
    y_arr = check_1d(y_raw, "y")
    check_length(y_arr, n, "y", "X")
    splitter = check_cv(cv, y_arr, classifier=is_classifier(estimator))
    splits = list(splitter.split(X, y_arr))
    if shuffle:
        rng = check_random_state(random_state)
        splits = [(rng.permutation(train), test) for train, test in splits]
    n_max = min(len(train) for train, _ in splits)
    sizes = _sizes(train_sizes, n_max)
    labels = (
        [*map(str, groups.labels), OVERALL]
        if groups.labels.nlevels == 1
        else [
            *map(str, groups.labels.to_flat_index()),
            OVERALL,
        ]
    )
    records = []
    for fold, (train, test) in enumerate(splits):
        X_te = _safe_indexing(X, test)
        for size in sizes:
            part = train[:size]
            model = clone(estimator).fit(_safe_indexing(X, part), y_arr[part])
            pred = check_1d(model.predict(X_te), "y_pred")
            yt, yp = _labels(y_arr[test], pred, pos_label, model)
            counts = _cells(yt, yp, groups.codes[test], groups.n_groups)
            x, d = _rate(counts, metric)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = np.where(d > 0, x / d, np.nan)
            records.append(
                pd.DataFrame(
                    {
                        "train_size": int(size),
                        "fold": fold,
                        "group": labels,
                        "n_test": d,
                        "test": value,
                    }
                )
            )
    return LearningCurveByGroup(scores=pd.concat(records, ignore_index=True), metric=metric)
