"""The linear programs of post-processing: group-aware on the ROC hulls, and group-blind.

Both maximize a linear objective ``sum_g coef_t[g] t_g - coef_f[g] f_g`` of the groups'
operating points (FPR ``f_g``, TPR ``t_g``) subject to the constraint: every constrained rate
lies in a band ``[lo, hi]`` of width at most ``tolerance`` shared by the groups. A group's
rates are linear in its operating point:

- true positive rate ``t``; false positive rate ``f``;
- selection rate ``pi t + (1 - pi) f`` and error rate ``pi (1 - t) + (1 - pi) f``, with ``pi``
  the group's share of positives,

so demographic parity and error-rate parity are as exact as the rates of the ROC curve.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from ._constraints import CONSTRAINED_RATES

ERR_LP = "the threshold problem could not be solved: {message}"


def rate_coefficients(rate: str, pi: float) -> tuple[float, float, float]:
    """``(a_t, a_f, c)`` with ``rate = a_t t + a_f f + c`` for a group with share ``pi``."""
    if rate == "true_positive_rate":
        return 1.0, 0.0, 0.0
    if rate == "false_positive_rate":
        return 0.0, 1.0, 0.0
    if rate == "selection_rate":
        return float(pi), float(1 - pi), 0.0
    return float(-pi), float(1 - pi), float(pi)  # error_rate


def constrained_rates(constraint: str | None) -> tuple[str, ...]:
    """The rates ``constraint`` equalizes (none for ``None``)."""
    return () if constraint is None else CONSTRAINED_RATES[constraint]


def _usable(rate: str, g: int, tpr_ok: np.ndarray, fpr_ok: np.ndarray) -> bool:
    if rate == "true_positive_rate":
        return bool(tpr_ok[g])
    if rate == "false_positive_rate":
        return bool(fpr_ok[g])
    return True


def _bands(
    A_t: np.ndarray,
    A_f: np.ndarray,
    pi: np.ndarray,
    constraint: str | None,
    tolerance: float,
    tpr_ok: np.ndarray,
    fpr_ok: np.ndarray,
    n_head: int,
) -> tuple[list[np.ndarray], list[float]]:
    """Rows ``A x <= b`` of the bands: group ``g``'s (t, f) are ``A_t[g] @ x``, ``A_f[g] @ x``.

    ``n_head`` is the number of variables before the 2 band variables of each rate.
    """
    rates = constrained_rates(constraint)
    n_var = n_head + 2 * len(rates)
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    for r, rate in enumerate(rates):
        lo_var, hi_var = n_head + 2 * r, n_head + 2 * r + 1
        for g in range(len(pi)):
            if not _usable(rate, g, tpr_ok, fpr_ok):
                continue
            a_t, a_f, const = rate_coefficients(rate, pi[g])
            a = np.zeros(n_var)
            a[:n_head] = a_t * A_t[g] + a_f * A_f[g]
            upper = a.copy()
            upper[hi_var] = -1.0  # rate <= hi
            lower = -a
            lower[lo_var] = 1.0  # lo <= rate
            rows.extend([upper, lower])
            rhs.extend([-const, const])
        band = np.zeros(n_var)
        band[hi_var], band[lo_var] = 1.0, -1.0
        rows.append(band)
        rhs.append(tolerance)
    return rows, rhs


def solve_hulls(
    rocs: list,
    hull_idx: list,
    pi: np.ndarray,
    coef_f: np.ndarray,
    coef_t: np.ndarray,
    constraint: str | None,
    tolerance: float,
    tpr_ok: np.ndarray,
    fpr_ok: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Best operating point of every group inside its ROC hull, subject to the bands.

    Variables: ``(f_0, t_0, f_1, t_1, ...)`` then the bands; each group's point lies below
    every segment of its upper hull and above every segment of its lower hull.

    Returns
    -------
    f, t : ndarray
        The groups' false and true positive rates at the optimum.
    """
    G = len(rocs)
    n_head = 2 * G
    A_f = np.zeros((G, n_head))
    A_t = np.zeros((G, n_head))
    A_f[np.arange(G), 2 * np.arange(G)] = 1.0
    A_t[np.arange(G), 2 * np.arange(G) + 1] = 1.0
    band_rows, band_rhs = _bands(A_t, A_f, pi, constraint, tolerance, tpr_ok, fpr_ok, n_head)
    n_var = n_head + 2 * len(constrained_rates(constraint))
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    bounds = [(0.0, 1.0)] * n_var
    for g, roc in enumerate(rocs):
        up, lo = hull_idx[g]
        for idx, sign in ((up, 1.0), (lo, -1.0)):
            x, y = roc.fpr[idx], roc.tpr[idx]
            dx = np.diff(x)
            ok = dx > 0
            m = np.diff(y)[ok] / dx[ok]
            c = y[:-1][ok] - m * x[:-1][ok]
            block = np.zeros((len(m), n_var))
            block[:, 2 * g + 1] = sign
            block[:, 2 * g] = -sign * m
            rows.append(block)
            rhs.extend((sign * c).tolist())
        bounds[2 * g] = (float(roc.fpr[up].min()), float(roc.fpr[up].max()))
        bounds[2 * g + 1] = (float(roc.tpr[lo].min()), float(roc.tpr[up].max()))
    if band_rows:
        rows.append(np.vstack(band_rows))
        rhs.extend(band_rhs)
    cost = np.zeros(n_var)
    cost[0:n_head:2] = coef_f
    cost[1:n_head:2] = -coef_t
    A_ub = np.vstack(rows) if rows else None
    b_ub = np.asarray(rhs) if rows else None
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(ERR_LP.format(message=res.message))
    return res.x[0:n_head:2], res.x[1:n_head:2]


def solve_blind(
    F: np.ndarray,
    T: np.ndarray,
    pi: np.ndarray,
    coef_f: np.ndarray,
    coef_t: np.ndarray,
    constraint: str | None,
    tolerance: float,
    tpr_ok: np.ndarray,
    fpr_ok: np.ndarray,
) -> np.ndarray:
    """Best mixture of common thresholds: one probability per pooled threshold.

    ``F[g, k]``, ``T[g, k]`` are group ``g``'s rates when every row with a score at or above
    pooled threshold ``k`` is selected. The mixture is the same for every group, so the rule
    never looks at the group. Without a constraint the optimum is a single threshold.

    Returns
    -------
    ndarray of shape (K,)
        The probability of each pooled threshold.
    """
    value = coef_t @ T - coef_f @ F
    K = F.shape[1]
    if not constrained_rates(constraint):
        p = np.zeros(K)
        p[int(np.argmax(value))] = 1.0
        return p
    n_var = K + 2 * len(constrained_rates(constraint))
    band_rows, band_rhs = _bands(T, F, pi, constraint, tolerance, tpr_ok, fpr_ok, K)
    cost = np.zeros(n_var)
    cost[:K] = -value
    A_eq = np.zeros((1, n_var))
    A_eq[0, :K] = 1.0
    res = linprog(
        cost,
        A_ub=np.vstack(band_rows),
        b_ub=np.asarray(band_rhs),
        A_eq=A_eq,
        b_eq=[1.0],
        bounds=[(0.0, 1.0)] * n_var,
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(ERR_LP.format(message=res.message))
    p = np.clip(res.x[:K], 0.0, None)
    p[p < 1e-12] = 0.0
    return p / p.sum()


def pooled_rates(
    scores: np.ndarray,
    y01: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    w: np.ndarray | None,
    pos: np.ndarray,
    neg: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every group's (FPR, TPR) at the pooled thresholds, by one sort of the scores.

    Returns
    -------
    thresholds : ndarray of shape (K,)
        ``+inf`` (select none), then the distinct scores in decreasing order (select
        ``score >= threshold``).
    F, T : ndarray of shape (n_groups, K)
    """
    w = np.ones(len(scores)) if w is None else w
    uniq, inv = np.unique(-scores, return_inverse=True)  # ascending -score: descending score
    K = len(uniq) + 1
    idx = codes * K + inv + 1
    wp = np.bincount(idx, w * y01, n_groups * K).reshape(n_groups, K)
    wn = np.bincount(idx, w * (1 - y01), n_groups * K).reshape(n_groups, K)
    cp, cn = np.cumsum(wp, axis=1), np.cumsum(wn, axis=1)
    T = np.divide(cp, pos[:, None], out=np.zeros_like(cp), where=pos[:, None] > 0)
    F = np.divide(cn, neg[:, None], out=np.zeros_like(cn), where=neg[:, None] > 0)
    T[:, -1] = np.where(pos > 0, 1.0, 0.0)
    F[:, -1] = np.where(neg > 0, 1.0, 0.0)
    thresholds = np.concatenate([[np.inf], -uniq])
    thresholds[-1] = -np.inf  # the last threshold selects every row, seen or not
    return thresholds, np.minimum(F, 1.0), np.minimum(T, 1.0)
