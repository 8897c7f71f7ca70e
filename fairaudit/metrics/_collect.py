"""Labelled statistics from rows: the public way to reduce a chunk of data to what an audit
needs, so that chunks (or partitions, or files) can be merged and audited with
:func:`fairaudit.audit_from_stats`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _validation as v
from ._stats import (
    N_SCORE_BINS,
    ConfusionStats,
    ScoreStats,
    count_confusion,
    count_scores,
)

ERR_SCORE_BINS = (
    "score_bins must be increasing finite bin edges (at least two), e.g. "
    "np.linspace(-10, 10, 401); got {value!r}."
)
ERR_SCORES_OUTSIDE = (
    "y_score has {k} value(s) outside the bin edges [{lo:.6g}, {hi:.6g}] (found [{smin:.6g}, "
    "{smax:.6g}]); declare score_bins that cover every score of every chunk."
)
ERR_NEED_BINS = (
    "y_score is not a probability in [0, 1] (found values in [{smin:.6g}, {smax:.6g}]); "
    "declare score_bins=, the same bin edges for every chunk (e.g. np.linspace(lo, hi, 401) "
    "for scores known to lie in [lo, hi]), so that the statistics of chunks merge exactly."
)


def probability_edges() -> np.ndarray:
    """The fixed bin edges of probability scores: ``N_SCORE_BINS`` equal bins on [0, 1]."""
    return np.linspace(0.0, 1.0, N_SCORE_BINS + 1)


def declared_edges(score_bins: Any, y_score: np.ndarray) -> tuple[np.ndarray, bool]:
    """Bin edges declared before the data is seen, and whether they are the probability grid.

    ``score_bins=None`` means the probability grid (the scores must lie in [0, 1]).
    """
    smin, smax = float(y_score.min()), float(y_score.max())
    if score_bins is None:
        if smin < 0.0 or smax > 1.0:
            raise ValueError(ERR_NEED_BINS.format(smin=smin, smax=smax))
        return probability_edges(), True
    try:
        edges = np.asarray(score_bins, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(ERR_SCORE_BINS.format(value=score_bins)) from None
    if (
        edges.ndim != 1
        or len(edges) < 2
        or not np.isfinite(edges).all()
        or (np.diff(edges) <= 0).any()
    ):
        raise ValueError(ERR_SCORE_BINS.format(value=score_bins))
    outside = (y_score < edges[0]) | (y_score > edges[-1])
    if outside.any():
        raise ValueError(
            ERR_SCORES_OUTSIDE.format(
                k=int(outside.sum()), lo=edges[0], hi=edges[-1], smin=smin, smax=smax
            )
        )
    grid = probability_edges()
    return edges, bool(len(edges) == len(grid) and np.array_equal(edges, grid))


def prepare_labels(
    y_true: Any, y_pred: Any, sample_weight: Any, pos_label: Any, *, chunk: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Outcomes and predictions as 0/1 ``int8`` and weights as float, paired row by row."""
    rows = v.align_rows({"y_true": y_true, "y_pred": y_pred, "sample_weight": sample_weight})
    yt = v.check_1d(rows["y_true"], "y_true")
    yp = v.check_1d(rows["y_pred"], "y_pred")
    v.check_length(yp, len(yt), "y_pred")
    labels = v.binarize_labels({"y_true": yt, "y_pred": yp}, pos_label)
    weight = v.check_sample_weight(rows["sample_weight"], len(yt), allow_zero_total=chunk)
    return labels["y_true"], labels["y_pred"], weight


def confusion_stats(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    pos_label: Any = None,
) -> ConfusionStats:
    """Weighted confusion counts of every (intersectional) group, with the group labels.

    The inputs are checked as by :func:`fairaudit.audit`. The statistics of chunks of rows
    merge with :meth:`ConfusionStats.merge` (by group label), and
    :func:`fairaudit.audit_from_stats` audits them.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Outcomes and predictions: 0/1, booleans, or two labels with ``pos_label``.
    sensitive_features : Series, DataFrame, array-like or dict of name -> array
        One feature or several (then the groups are their intersections).
    sample_weight : array-like of shape (n_samples,), optional
    pos_label : scalar, optional

    Returns
    -------
    ConfusionStats
    """
    return labelled_confusion(
        y_true, y_pred, sensitive_features, sample_weight, pos_label, chunk=True
    )


def labelled_confusion(
    y_true: Any,
    y_pred: Any,
    sensitive_features: Any,
    sample_weight: Any,
    pos_label: Any,
    *,
    chunk: bool,
) -> ConfusionStats:
    """:func:`confusion_stats`; ``chunk=False`` also refuses weights that sum to 0 (for data
    that is the whole of an audit, not a part of it)."""
    rows = v.align_rows(
        {
            "y_true": y_true,
            "y_pred": y_pred,
            "sample_weight": sample_weight,
            "sensitive_features": sensitive_features,
        }
    )
    yt, yp, weight = prepare_labels(
        rows["y_true"], rows["y_pred"], rows["sample_weight"], pos_label, chunk=chunk
    )
    groups = v.encode_groups(rows["sensitive_features"], n_samples=len(yt))
    return count_confusion(groups.codes, groups.n_groups, yt, yp, weight, groups.labels)


def score_stats(
    y_true: Any,
    y_score: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    score_bins: Any = None,
    pos_label: Any = None,
) -> ScoreStats:
    """Score histograms of every (intersectional) group on bin edges declared in advance.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_score : array-like of shape (n_samples,)
        Scores of the positive class.
    sensitive_features : Series, DataFrame, array-like or dict of name -> array
    sample_weight : array-like of shape (n_samples,), optional
    score_bins : array-like of bin edges, optional
        The same edges for every chunk. Default: 200 equal bins on [0, 1] for probabilities
        (then the calibration metrics are available); scores on another scale need edges
        covering all of them.
    pos_label : scalar, optional

    Returns
    -------
    ScoreStats
        With the exact AUC of each group of this chunk (merged statistics take the AUC from
        the histogram).
    """
    rows = v.align_rows(
        {
            "y_true": y_true,
            "y_score": y_score,
            "sample_weight": sample_weight,
            "sensitive_features": sensitive_features,
        }
    )
    y_true, y_score, sample_weight = rows["y_true"], rows["y_score"], rows["sample_weight"]
    sensitive_features = rows["sensitive_features"]
    yt = v.check_1d(y_true, "y_true")
    score = v.check_scores(y_score, len(yt))
    yt01 = v.binarize_labels({"y_true": yt}, pos_label)["y_true"]
    weight = v.check_sample_weight(sample_weight, len(yt), allow_zero_total=True)
    groups = v.encode_groups(sensitive_features, n_samples=len(yt))
    edges = declared_edges(score_bins, score)
    return count_scores(groups.codes, groups.n_groups, yt01, score, weight, edges, groups.labels)
