"""Group-wise ROC curves by one sort, and their convex hulls, vectorized.

A threshold classifier "predict 1 when score >= t" has one operating point (FPR, TPR) per
distinct score value t. The points of a group are read off one ``lexsort`` of (group,
-score) with cumulative sums of the positive and negative weights. Mixing threshold
classifiers at random reaches every point of the convex hull of these points (Hardt, Price
& Srebro, 2016), so the hulls are the feasible sets of the post-processing problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GroupROC:
    """Operating points of the threshold classifiers of one group.

    ``threshold[k]`` selects rows with ``score >= threshold[k]``; ``threshold[0]`` is
    ``+inf`` (select none: (0, 0)) and the last is ``-inf`` (select all: (1, 1)).
    """

    fpr: np.ndarray
    tpr: np.ndarray
    threshold: np.ndarray
    pos: float  # total weight of positives
    neg: float  # total weight of negatives


def group_rocs(
    scores: np.ndarray, y: np.ndarray, codes: np.ndarray, n_groups: int, w: np.ndarray | None
) -> list[GroupROC]:
    """ROC points of every group, from one sort of (group, -score)."""
    if w is not None and not (w > 0).all():  # zero-weight rows carry no information
        keep = w > 0
        scores, y, codes, w = scores[keep], y[keep], codes[keep], w[keep]
    n = len(scores)
    w = np.ones(n) if w is None else w
    order = np.lexsort((-scores, codes))
    s = scores[order]
    g = codes[order]
    wp = (w * y)[order]
    cp = np.cumsum(wp)
    cn = np.cumsum(w[order] - wp)
    last = np.ones(n, dtype=bool)
    last[:-1] = (s[1:] != s[:-1]) | (g[1:] != g[:-1])
    starts = np.searchsorted(g, np.arange(n_groups), side="left")
    ends = np.searchsorted(g, np.arange(n_groups), side="right")
    out = []
    for k in range(n_groups):
        a, b = starts[k], ends[k]
        base_p = cp[a - 1] if a > 0 else 0.0
        base_n = cn[a - 1] if a > 0 else 0.0
        idx = a + np.flatnonzero(last[a:b])
        P = cp[b - 1] - base_p if b > a else 0.0
        N = cn[b - 1] - base_n if b > a else 0.0
        cum_p = np.concatenate([[0.0], cp[idx] - base_p])
        cum_n = np.concatenate([[0.0], cn[idx] - base_n])
        tpr = cum_p / P if P > 0 else np.zeros_like(cum_p)
        fpr = cum_n / N if N > 0 else np.zeros_like(cum_n)
        thr = np.concatenate([[np.inf], s[idx]])
        if len(thr) > 1:
            thr[-1] = -np.inf
        # the last point selects the whole group: make it exact despite rounding
        tpr[-1] = 1.0 if P > 0 else 0.0
        fpr[-1] = 1.0 if N > 0 else 0.0
        out.append(GroupROC(fpr, np.minimum(tpr, 1.0), thr, float(P), float(N)))
    return out


def _prune(x: np.ndarray, y: np.ndarray, upper: bool) -> np.ndarray:
    """Indices of the vertices of the upper (or lower) hull of points sorted by x.

    Repeatedly removes, all at once, every point that is not strictly above (below) the
    chord of its two neighbours; such a point is never a hull vertex, so the hull is
    unchanged and the survivors converge to its vertices.
    """
    # among equal x keep the highest (upper) or lowest (lower) point; y is non-decreasing
    if len(x) > 1:
        keep = np.ones(len(x), dtype=bool)
        if upper:
            keep[:-1] = x[1:] != x[:-1]
        else:
            keep[1:] = x[1:] != x[:-1]
        idx = np.flatnonzero(keep)
    else:
        idx = np.arange(len(x))
    sign = 1.0 if upper else -1.0
    while len(idx) > 2:
        xa, ya = x[idx[:-2]], y[idx[:-2]]
        xb, yb = x[idx[1:-1]], y[idx[1:-1]]
        xc, yc = x[idx[2:]], y[idx[2:]]
        cross = (xc - xa) * (yb - ya) - (yc - ya) * (xb - xa)
        strict = sign * cross > 1e-14 * (xc - xa)
        if strict.all():
            break
        idx = np.concatenate([idx[:1], idx[1:-1][strict], idx[-1:]])
    return idx


def hulls(roc: GroupROC) -> tuple[np.ndarray, np.ndarray]:
    """Indices into ``roc`` of the upper and lower convex hull vertices (by increasing FPR)."""
    return _prune(roc.fpr, roc.tpr, True), _prune(roc.fpr, roc.tpr, False)


def interpolate(x: np.ndarray, y: np.ndarray, x0: float) -> tuple[int, float, float]:
    """Segment ``k`` of the polyline (x, y) containing ``x0``, the mixing weight ``beta`` of
    vertex ``k + 1``, and the interpolated value."""
    if len(x) == 1:
        return 0, 0.0, float(y[0])
    k = int(np.clip(np.searchsorted(x, x0, side="right") - 1, 0, len(x) - 2))
    dx = x[k + 1] - x[k]
    beta = float(np.clip((x0 - x[k]) / dx, 0.0, 1.0)) if dx > 0 else 0.0
    return k, beta, float(y[k] + beta * (y[k + 1] - y[k]))
