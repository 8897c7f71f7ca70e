"""The public constructor of regression statistics: :func:`regression_stats`."""

from __future__ import annotations

from typing import Any

from ._regression_stats import RegressionStats, prediction_edges
from ._regression_stats import regression_stats as _count

ERR_BINS = (
    "bins must be given to merge statistics of several chunks: declare the same edges for "
    "every chunk (e.g. bins=np.linspace(0, 100, 201)); without them each chunk's edges "
    "would come from its own predictions."
)


def regression_stats(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    bins: Any = None,
    max_groups: int | str = "auto",
) -> RegressionStats:
    """Per-group moments and prediction histograms of numeric predictions, labelled and
    mergeable: what :func:`fairaudit.audit_from_stats` needs for a regression audit.

    Compute them chunk by chunk (every chunk with the same ``bins``), merge them with
    :meth:`RegressionStats.merge`, and audit the result: every value from the moments
    (means, errors, R², standardized mean differences, Welch tests) and every interval of a
    mean-based value equals ``fairaudit.audit(..., task="regression", score_bins=bins)`` on
    the rows; quantiles, shares above the median and distances come from the histograms
    (error bounds in the result's ``meta["notes"]``).

    Parameters
    ----------
    y_true, y_pred : array-like of numbers
        Outcomes and predictions, finite.
    sensitive_features : array-like, Series, DataFrame or dict
        One or several sensitive features, as in :func:`fairaudit.audit`.
    sample_weight : array-like, optional
        Nonnegative weights of the rows.
    bins : array-like of float, optional
        Increasing edges of the histograms of the predictions, covering every prediction.
        Default: from the predictions (one bin per value for at most 200 values, else 200
        bins between quantiles) — fine for one chunk; required to merge chunks.
    max_groups : int or "auto", default "auto"
        As in :func:`fairaudit.audit`.

    Returns
    -------
    RegressionStats
    """
    from .. import _validation as v
    from .._audit_regression import _numbers

    yt = _numbers(v.check_1d(y_true, "y_true"), "y_true")
    yp = _numbers(y_pred, "y_pred", len(yt))
    weight = v.check_sample_weight(sample_weight, len(yt))
    groups = v.encode_groups(
        sensitive_features, n_samples=len(yt), max_groups=v.check_max_groups(max_groups)
    )
    edges = prediction_edges(yp, bins)
    return _count(groups.codes, groups.n_groups, yt, yp, weight, edges, groups.labels)
