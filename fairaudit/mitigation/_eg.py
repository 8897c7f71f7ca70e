"""Exponentiated gradient with warm-started best responses and an exact final mixture.

The candidates are generated as in Agarwal et al. (2018): the Lagrange multipliers follow
an exponentiated-gradient update on the constraint violations, and each iteration's best
response is a cost-sensitive fit of the estimator (fairlearn's moments give the costs and the
violations). Two things differ from ``fairlearn.reductions.ExponentiatedGradient``:

- one best response per iteration, by the *same* estimator object refitted with
  ``warm_start=True`` where the estimator (or a step of it) has that parameter: successive
  multipliers change the costs little, so each fit starts near its optimum;
- the returned mixture is the exact solution of a linear program over the classifiers
  found: minimize the training error subject to the constraint (every group's rate in a
  band of width ``tolerance``), computed from each classifier's per-group rates (the
  statistics), never from the rows again. When no mixture meets the tolerance, the least
  disparate one is returned.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog
from sklearn.base import clone

from ._constraints import CONSTRAINED_RATES

#: Step size of the multipliers, times 1 / B (fairlearn uses 2).
ETA0 = 2.0
#: Growth of the step while the best responses stay on one side of the boundary.
GROWTH = 2.0
ERR_EG_LP = "the mixture of the classifiers found could not be solved: {message}"


def _warm(estimator: Any) -> Any:
    """A clone of ``estimator`` with every ``warm_start`` parameter (nested too) set True."""
    est = clone(estimator)
    keys = [k for k in est.get_params(deep=True) if k == "warm_start" or k.endswith("__warm_start")]
    if keys:
        est.set_params(**{k: True for k in keys})
    return est


def candidates(
    estimator: Any,
    X: Any,
    y01: np.ndarray,
    codes: np.ndarray,
    moment: Any,
    objective: Any,
    eps: float,
    max_iter: int,
    weight_name: str,
    fit_params: dict[str, Any] | None = None,
) -> list[Any]:
    """The best responses of ``max_iter`` exponentiated-gradient iterations."""
    fit_params = dict(fit_params or {})
    moment.load_data(X, y01, sensitive_features=codes)
    objective.load_data(X, y01, sensitive_features=codes)
    n = len(y01)
    B = 1.0 / eps
    eta = ETA0 / B
    theta = pd.Series(0.0, index=moment.index)
    worker = _warm(estimator)
    found = []
    base = objective.signed_weights()
    previous = None
    for _ in range(max_iter):
        expt = np.exp(theta)
        lam = moment.project_lambda(B * expt / (1.0 + expt.sum()))
        signed = base + moment.signed_weights(lam)
        red_y = (signed > 0).astype(np.int64).to_numpy()
        red_w = np.abs(signed.to_numpy())
        total = red_w.sum()
        red_w = red_w * (n / total) if total > 0 else np.ones(n)
        if len(np.unique(red_y)) < 2:  # a constant best response: no fit needed
            h = _Constant(int(red_y[0]))
        else:
            worker.fit(X, red_y, **{weight_name: red_w}, **fit_params)
            h = copy.deepcopy(worker)
        found.append(h)
        gamma = moment.gamma(h.predict)
        violation = gamma - eps
        feasible = bool((violation <= 0).all())
        if previous is not None:
            # accelerate while on one side of the constraint's boundary; once across it,
            # take smaller steps around it
            eta = eta * 0.5 if feasible != previous else eta * GROWTH
        previous = feasible
        theta = theta + eta * violation
    return found


class _Constant:
    """A classifier that predicts one label (the best response when all costs agree)."""

    def __init__(self, label: int) -> None:
        self.label = label
        self.classes_ = np.array([0, 1])

    def predict(self, X: Any) -> np.ndarray:
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        return np.full(n, self.label, dtype=np.int64)


def group_rate_matrices(
    H: np.ndarray, y01: np.ndarray, codes: np.ndarray, n_groups: int, w: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Per group (rows) and classifier (columns): every rate, and the overall error."""
    n = len(y01)
    w = np.ones(n) if w is None else np.asarray(w, float)
    y = y01.astype(float)
    rows = np.arange(n)

    def sums(mask_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        M = sp.csr_matrix((mask_w, (codes, rows)), shape=(n_groups, n))
        return np.asarray(M @ H), np.asarray(M.sum(axis=1)).ravel()

    sel, tot = sums(w)
    tp, pos = sums(w * y)
    fp, neg = sums(w * (1 - y))
    err_rows = np.abs(H - y[:, None])
    er = np.asarray(sp.csr_matrix((w, (codes, rows)), shape=(n_groups, n)) @ err_rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "selection_rate": sel / tot[:, None],
            "true_positive_rate": tp / pos[:, None],
            "false_positive_rate": fp / neg[:, None],
            "error_rate": er / tot[:, None],
            "error": (w @ err_rows) / w.sum(),
        }


def best_mixture(rates: dict[str, np.ndarray], constraint: str, tolerance: float) -> np.ndarray:
    """Weights over the classifiers: least training error with every constrained rate in a
    band of width ``tolerance`` (plus the least slack needed, when none fits)."""
    err = rates["error"]
    k = len(err)
    names = CONSTRAINED_RATES[constraint]
    n_var = k + 2 * len(names) + 1  # q, (lo, hi) per rate, slack
    A, b = [], []
    for r, name in enumerate(names):
        R = rates[name]
        lo, hi = k + 2 * r, k + 2 * r + 1
        for g in range(R.shape[0]):
            if not np.isfinite(R[g]).all():
                continue  # undefined rate for this group: left out (as in the moments)
            up = np.zeros(n_var)
            up[:k], up[hi] = R[g], -1.0
            down = np.zeros(n_var)
            down[:k], down[lo] = -R[g], 1.0
            A += [up, down]
            b += [0.0, 0.0]
        band = np.zeros(n_var)
        band[hi], band[lo], band[-1] = 1.0, -1.0, -1.0
        A.append(band)
        b.append(tolerance)
    cost = np.zeros(n_var)
    cost[:k] = err
    cost[-1] = 1e3  # violating the tolerance costs more than any error
    A_eq = np.zeros((1, n_var))
    A_eq[0, :k] = 1.0
    bounds = [(0.0, 1.0)] * (n_var - 1) + [(0.0, None)]
    res = linprog(
        cost,
        A_ub=np.array(A),
        b_ub=np.array(b),
        A_eq=A_eq,
        b_eq=[1.0],
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(ERR_EG_LP.format(message=res.message))
    q = np.clip(res.x[:k], 0.0, None)
    q[q < 1e-12] = 0.0
    return q / q.sum()
