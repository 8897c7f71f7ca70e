"""Exponentiated gradient with warm-started best responses and an exact final mixture.

The candidates are generated as in Agarwal et al. (2018): the Lagrange multipliers follow
an exponentiated-gradient update on the constraint violations, and each iteration's best
response is a cost-sensitive fit of the estimator (fairlearn's moments give the costs and the
violations). Two things differ from ``fairlearn.reductions.ExponentiatedGradient``:

- one best response per iteration, by the *same* estimator object refitted with
  ``warm_start=True`` where the estimator (or a step of it) has that parameter: successive
  multipliers change the costs little, so each fit starts near its optimum;
- the returned mixture is the exact solution of a linear program over the classifiers
  found: minimize the training error subject to the constraint (every group's rate within
  ``tolerance / 2`` of the overall rate, as in fairlearn's moments), computed from each
  classifier's per-group rates (the statistics), never from the rows again. When no
  mixture meets the tolerance, the least disparate one is returned;
- among the mixtures whose training error is within half a standard error of that least
  error (fairlearn's ``nu``: the precision to which the program is solved), the one
  farthest inside the constraint is returned: the least-error mixture sits on the bound,
  which held-out rows then exceed about half of the time.
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
#: Column generation stops when the best responses to the multipliers (at each of
#: ``SCALES`` in turn) lower the program's value by less than ``NU_MUL`` standard errors of
#: the error rate (fairlearn's ``nu``), and never by less than ``GAP``.
GAP = 1e-9
NU_MUL = 0.5
SCALES = (1.0, 2.0, 0.5)
#: The final mixture: among those whose training error is within this many standard errors
#: of the least (half of one: fairlearn's ``nu``, the precision to which column generation
#: solves the program), the one farthest inside the constraint.
SELECT_SE = 0.5
ERR_EG_LP = "the mixture of the classifiers found could not be solved: {message}"


def _linear_warm_keys(estimator: Any) -> list[str]:
    """The ``warm_start`` parameters of the linear classifiers in ``estimator`` (itself or
    Pipeline steps): for them a warm start only changes the solver's starting point.
    (For ensembles ``warm_start`` means "add members", which would change the model.)"""
    from sklearn.linear_model._base import LinearClassifierMixin

    params = estimator.get_params(deep=True)
    keys = []
    for key in params:
        if key == "warm_start" and isinstance(estimator, LinearClassifierMixin):
            keys.append(key)
        elif key.endswith("__warm_start"):
            owner = params.get(key[: -len("__warm_start")])
            if isinstance(owner, LinearClassifierMixin):
                keys.append(key)
    return keys


def _warm(estimator: Any) -> Any:
    """A clone of ``estimator`` with the ``warm_start`` parameters of its linear classifiers
    (itself or nested steps) set True."""
    est = clone(estimator)
    keys = _linear_warm_keys(est)
    if keys:
        est.set_params(**{k: True for k in keys})
    return est


#: The event of fairlearn's moments that each constrained rate is taken over.
EVENT = {
    "selection_rate": "all",
    "error_rate": "all",
    "true_positive_rate": "label=1",
    "false_positive_rate": "label=0",
}


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
    *,
    constraint: str | None = None,
    n_groups: int = 0,
    sample_weight: np.ndarray | None = None,
    warm_start: bool = True,
) -> tuple[list[Any], np.ndarray]:
    """At most ``max_iter`` best responses, and their 0/1 predictions on the training rows.

    Exponentiated-gradient iterations run until some mixture of the best responses meets
    the constraint. With ``constraint`` given, the following steps are column generation: solve the linear program of
    :func:`best_mixture` over the classifiers found and ask the estimator for the best
    response to the program's dual multipliers, the classifier that most lowers the
    program's value. When that (and the responses at the scaled multipliers ``SCALES``)
    lowers the value by less than half a standard error of the error rate (fairlearn's
    ``nu``), the duality gap is closed to that precision and the iterations stop.
    """
    fit_params = dict(fit_params or {})
    moment.load_data(X, y01, sensitive_features=codes)
    objective.load_data(X, y01, sensitive_features=codes)
    n = len(y01)
    B = 1.0 / eps
    eta = ETA0 / B
    theta = pd.Series(0.0, index=moment.index)
    worker = _warm(estimator) if warm_start else clone(estimator)
    found: list[Any] = []
    preds: list[np.ndarray] = []
    base = objective.signed_weights()

    def respond(lam: pd.Series) -> pd.Series:
        """Fit the best response to ``lam``; return its constraint values."""
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
        pred = np.asarray(h.predict(X)).astype(np.int8)
        found.append(h)
        preds.append(pred)
        return moment.gamma(lambda _: pred)

    previous = None
    feasible_mixture = False
    H = np.empty((n, 0))
    misses = 0
    nu = None
    for it in range(max_iter):
        if not feasible_mixture or constraint is None:
            # exponentiated gradient until some mixture of the best responses meets the
            # constraint
            expt = np.exp(theta)
            lam = moment.project_lambda(B * expt / (1.0 + expt.sum()))
            gamma = respond(lam)
            H = np.column_stack([H, preds[-1].astype(np.float64)])
            violation = gamma - eps
            feasible = bool((violation <= 0).all())
            if previous is not None:
                # accelerate while on one side of the constraint's boundary; once across
                # it, take smaller steps around it
                eta = eta * 0.5 if feasible != previous else eta * GROWTH
            previous = feasible
            theta = theta + eta * violation
            if constraint is not None and it > 0:
                rates = group_rate_matrices(H, y01, codes, n_groups, sample_weight)
                feasible_mixture = best_mixture(rates, constraint, 2 * eps, duals=True)[3] <= 0
            continue
        # column generation: the best response to the mixture program's multipliers
        if nu is None:
            # fairlearn's precision: half the standard error of the first response's error
            nu = max(GAP, NU_MUL * float(np.std(np.abs(preds[0] - y01))) / np.sqrt(n))
        rates = group_rate_matrices(H, y01, codes, n_groups, sample_weight)
        _, duals, price, _ = best_mixture(rates, constraint, 2 * eps, duals=True)
        lam = pd.Series(0.0, index=moment.index)
        for key, value in duals.items():
            if key in lam.index:
                lam[key] = value
        # the estimator minimizes a surrogate of the weighted error, so its best response
        # to the multipliers may miss; then it is asked at scaled multipliers
        gamma = respond(lam * SCALES[misses % len(SCALES)])
        H = np.column_stack([H, preds[-1].astype(np.float64)])
        err = float(objective.gamma(lambda _: preds[-1]).iloc[0])
        if err + float(gamma.reindex(lam.index).fillna(0.0) @ lam) >= price - nu:
            misses += 1
            if misses >= len(SCALES):
                break  # no classifier improves the mixture: the duality gap is closed
        else:
            misses = 0
    return found, H


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
            # Kish's effective number of rows (n for unit weights)
            "n_eff": w.sum() ** 2 / (w @ w),
            # the weight of each group's rows that a rate is taken over
            "weight": {
                "selection_rate": tot,
                "true_positive_rate": pos,
                "false_positive_rate": neg,
                "error_rate": tot,
            },
        }


def _constraint_rows(
    rates: dict[str, Any], constraint: str
) -> tuple[np.ndarray, list[tuple[str, str, int]]]:
    """Each constrained group's rate minus the overall rate, linear in the mixture weights
    (one row per group, rate and sign), keyed as fairlearn's moments index them."""
    k = len(rates["error"])
    rows, keys = [], []
    for name in CONSTRAINED_RATES[constraint]:
        R = rates[name]
        defined = np.isfinite(R).all(axis=1) & (rates["weight"][name] > 0)
        if defined.sum() < 2:
            continue
        share = rates["weight"][name] * defined
        overall = (share / share.sum()) @ np.where(defined[:, None], R, 0.0)
        for g in np.flatnonzero(defined):
            diff = R[g] - overall
            for sign in (1.0, -1.0):
                rows.append(sign * diff)
                keys.append(("+" if sign > 0 else "-", EVENT[name], int(g)))
    return (np.array(rows) if rows else np.zeros((0, k))), keys


def _solve(cost, A_ub, b_ub, A_eq, b_eq, bounds) -> Any:
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(ERR_EG_LP.format(message=res.message))
    return res


def _weights(x: np.ndarray) -> np.ndarray:
    q = np.clip(x, 0.0, None)
    q[q < 1e-12] = 0.0
    return q / q.sum()


def error_standard_error(rates: dict[str, Any], error: float) -> float:
    """Standard error of a training error rate ``error``: ``sqrt(e (1 - e) / n_eff)``, with
    Kish's effective number of rows for weighted rows. For a 0/1 classifier it is the
    standard error of its error rate (fairlearn's ``nu`` is half of it for the first best
    response); for a mixture, whose per-row loss lies in [0, 1], an upper bound."""
    e = min(max(error, 0.0), 1.0)
    return float(np.sqrt(e * (1.0 - e) / rates["n_eff"]))


def best_mixture(
    rates: dict[str, Any],
    constraint: str,
    tolerance: float,
    *,
    duals: bool = False,
    select_se: float = 0.0,
) -> Any:
    """Weights over the classifiers: least training error with every group's constrained
    rate within ``tolerance / 2`` of the overall rate (the constraint of fairlearn's moments
    with ``difference_bound = tolerance / 2``, which keeps every difference between two
    groups within ``tolerance``), plus the least slack needed when none fits.

    With ``select_se > 0`` and a mixture that meets the constraint, a second program picks,
    among the mixtures whose training error is within ``select_se`` standard errors
    (:func:`error_standard_error`) of that least error, the one whose largest distance of a
    group's rate from the overall rate is smallest: column generation solves the first
    program only to half a standard error (fairlearn's ``nu``), so errors that close are
    not told apart, and the optimum of the first program sits on the bound, where held-out
    rows exceed it about half of the time.

    With ``duals=True`` (first program only) also returns the program's multipliers, keyed
    as fairlearn's moments index their constraints (sign, event, group code), and the
    multiplier of the weights' sum (the value a new classifier must beat), and the slack
    (0 when a mixture meets the constraint)."""
    err = rates["error"]
    k = len(err)
    D, keys = _constraint_rows(rates, constraint)
    bound = tolerance / 2
    # variables: q (k weights), then one slack (first program) or the largest distance
    A = np.hstack([D, -np.ones((len(D), 1))])
    b = np.full(len(D), bound)
    if not len(D):  # one group: nothing to constrain
        A, b = np.zeros((1, k + 1)), np.zeros(1)
    A_eq = np.append(np.ones(k), 0.0)[None, :]
    bounds = [(0.0, 1.0)] * k + [(0.0, None)]
    cost = np.append(err, 1e3)  # violating the tolerance costs more than any error
    res = _solve(cost, A, b, A_eq, [1.0], bounds)
    q = _weights(res.x[:k])
    slack = float(res.x[-1])
    if duals:
        mu = -np.asarray(res.ineqlin.marginals, dtype=np.float64)[: len(keys)]
        mu = dict(zip(keys, np.clip(mu, 0.0, None), strict=True))
        return q, mu, float(res.eqlin.marginals[0]), slack
    if select_se > 0 and slack <= 0 and len(D):
        least = float(err @ q)
        cap = least + select_se * error_standard_error(rates, least)
        A2 = np.vstack([np.hstack([D, -np.ones((len(D), 1))]), np.append(err, 0.0)[None, :]])
        b2 = np.append(np.zeros(len(D)), cap)
        res2 = _solve(np.append(np.zeros(k), 1.0), A2, b2, A_eq, [1.0], bounds)
        q2 = _weights(res2.x[:k])
        # numerical safety: keep the first solution unless the second is within the cap
        # and the tolerance
        if float(err @ q2) <= cap + 1e-12 and float(np.max(D @ q2)) <= bound + 1e-12:
            q = q2
    return q
