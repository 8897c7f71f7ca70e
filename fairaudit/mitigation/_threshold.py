"""Post-processing: group-specific (randomized) thresholds (Hardt, Price & Srebro, 2016)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.utils.validation import _num_samples, check_is_fitted

from .._estimators import RESPONSE_METHODS, positive_scores
from .._validation import encode_groups
from ._base import (
    MitigatorMixin,
    align_to_X,
    binary_labels,
    check_choice,
    encode,
    fit_inner,
    inherit_input_tags,
    map_groups,
    plain,
    routed_params,
)
from ._constraints import check_constraint, warn_undefined
from ._hashing import draw_key, randomized_decisions
from ._objectives import Objective, parse_objective
from ._roc import group_rocs, hulls, interpolate
from ._score_distribution import ScoreColumn, distribution_rows
from ._threshold_lp import (
    constrained_rates,
    pooled_rates,
    rate_coefficients,
    solve_blind,
    solve_hulls,
)

#: Label of the single rule of a group-blind optimizer in ``rules_``.
ALL_GROUPS = "(all groups)"
MODES = ("randomized", "per_group_threshold")
ERR_NO_SCORES = (
    "{name} has no {what}; ThresholdOptimizer thresholds scores. Use a classifier with "
    "predict_proba or decision_function."
)
ERR_SCORE_NAN = (
    "the estimator's scores contain {k} missing or infinite value(s); thresholds need "
    "finite scores."
)
ERR_NOT_PREFITTED = (
    "prefit=True but the estimator is not fitted; fit it first, or use prefit=False."
)
ERR_CLASSES = (
    "the prefitted estimator has the classes {fitted} but y has {got}; fit it on the same labels."
)
ERR_TOLERANCE = "tolerance={value!r} is not valid; use a number in [0, 1]."
ERR_GROUP_BLIND = "group_blind must be True or False; got {value!r}."


def _scores(model: Any, X: Any, response_method: str) -> np.ndarray:
    s = positive_scores(model, X, response_method=response_method)
    if s is None:
        what = (
            "predict_proba or decision_function" if response_method == "auto" else (response_method)
        )
        raise TypeError(ERR_NO_SCORES.format(name=type(model).__name__, what=what))
    bad = int((~np.isfinite(s)).sum())
    if bad:
        raise ValueError(ERR_SCORE_NAN.format(k=bad))
    return s


class ThresholdOptimizer(MitigatorMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Post-processing mitigator: group-specific thresholds on the estimator's scores.

    For each group, a (randomized) threshold on the scores is chosen to maximize the
    objective on the training data subject to the constraint (Hardt, Price & Srebro, 2016).
    The problem is solved exactly: each group's reachable (FPR, TPR) points are the convex
    hull of its ROC curve (computed by one sort of the scores), and the best common
    operating point is the solution of a small linear program over these hulls. A group's
    decision rule mixes at most four threshold classifiers.

    Every objective is linear in the groups' rates (see ``objective``), so the optimum is
    exact under every constraint, demographic parity included. With ``group_blind=True``
    the rule is one (randomized) threshold shared by all groups. :meth:`fit_distribution`
    fits the rule on published score distributions instead of rows.

    Parameters
    ----------
    estimator : classifier
        Needs ``predict_proba`` (column 1 is used) or ``decision_function``. Not used by
        :meth:`fit_distribution`.
    constraint : str or None, default "equalized_odds"
        One of ``demographic_parity``, ``equalized_odds``, ``equal_opportunity``,
        ``false_positive_rate_parity``, ``error_rate_parity``; ``None`` for no constraint
        (the best threshold of each group, or the best common one with ``group_blind``).
    objective : "accuracy", "balanced_accuracy" or dict, default "accuracy"
        What the rule maximizes on the training data. A dict gives the utility of each
        outcome of a decision, with keys among ``true_positive``, ``false_positive``,
        ``true_negative``, ``false_negative`` (missing keys are 0; a gain is positive, a
        cost negative): the rule maximizes the mean utility per unit of weight. A lender
        whose repaid loan earns 0.18 and whose default costs 0.82 (Hardt et al.'s FICO
        study) is ``{"true_positive": 0.18, "false_positive": -0.82}``.
    tolerance : float, default 0.0
        Largest allowed difference of the constrained rate(s) between any two groups, on
        the training data.
    mode : {"randomized", "per_group_threshold"}, default "randomized"
        ``"randomized"`` is Hardt et al.'s optimum: rows whose score lies between a group's
        thresholds are decided at random. ``"per_group_threshold"`` uses one deterministic
        threshold per group, the one whose rates are closest to the randomized optimum's
        (the constraint then holds only approximately; see ``disparity_``; for
        ``equalized_odds`` a single threshold can rarely equalize both rates). With
        ``group_blind``, it is the best single deterministic threshold among those meeting
        the tolerance (the least disparate one if none does).
    group_blind : bool, default False
        One rule for every group: a mixture of common thresholds (a single threshold
        without a constraint), chosen exactly by a linear program over the distinct
        scores. ``predict`` then needs no ``sensitive_features``.
    prefit : bool, default False
        If True, ``estimator`` is already fitted and is used as is.
    response_method : {"auto", "predict_proba", "decision_function"}, default "auto"
    drop_sensitive : bool, default False
        Drop the sensitive columns (given by name) from ``X`` before the estimator sees it.
    random_state : None, int or numpy Generator
        Fixes the key of the randomized decisions. Decisions are a function of the row
        (features and group) and this key, so they are reproducible and do not depend on
        the batch or the order of the rows.

    Attributes
    ----------
    estimator_ : classifier
        The fitted estimator (a :class:`ScoreColumn` after :meth:`fit_distribution`).
    rules_ : pandas.DataFrame
        The decision rule: one row per (group, threshold) with the probability of using it;
        a row is positive with probability ``sum(probability[score >= threshold])``. A
        group-blind rule has the group ``"(all groups)"``.
    operating_points_ : pandas.DataFrame
        Per group, the training rates of the rule: ``false_positive_rate``,
        ``true_positive_rate``, ``selection_rate``, ``error_rate``, ``weight`` and
        ``objective`` (the group's contribution to ``objective_value_``, constant terms
        included).
    hulls_ : pandas.DataFrame
        The vertices of each group's ROC convex hull on the training data (``group``,
        ``side`` "upper"/"lower", ``false_positive_rate``, ``true_positive_rate``,
        ``threshold``): with ``operating_points_``, what a plot of the solution needs.
    disparity_ : float
        Training disparity of the constraint (largest between-group difference; 0.0
        without a constraint).
    objective_value_ : float
        Training objective of the rule (for a utility: mean utility per unit of weight).
    random_key_ : int
    classes_, groups_, sensitive_columns_
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        constraint: str | None = "equalized_odds",
        objective: str | dict = "accuracy",
        tolerance: float = 0.0,
        mode: str = "randomized",
        group_blind: bool = False,
        prefit: bool = False,
        response_method: str = "auto",
        drop_sensitive: bool = False,
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.constraint = constraint
        self.objective = objective
        self.tolerance = tolerance
        self.mode = mode
        self.group_blind = group_blind
        self.prefit = prefit
        self.response_method = response_method
        self.drop_sensitive = drop_sensitive
        self.random_state = random_state

    def _check_params(self) -> tuple[str | None, Objective, str, float]:
        constraint = None if self.constraint is None else check_constraint(self.constraint)
        objective = parse_objective(self.objective)
        mode = check_choice("mode", self.mode, MODES)
        check_choice("response_method", self.response_method, RESPONSE_METHODS)
        tol = self.tolerance
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 <= tol <= 1:
            raise ValueError(ERR_TOLERANCE.format(value=tol))
        if not isinstance(self.group_blind, bool | np.bool_):
            raise TypeError(ERR_GROUP_BLIND.format(value=self.group_blind))
        return constraint, objective, mode, float(tol)

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
        **fit_params: Any,
    ) -> ThresholdOptimizer:
        """Fit the estimator (unless prefit) and choose the thresholds.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), binary
        sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of X
            Required.
        sample_weight : array-like of shape (n_samples,), optional
            Passed to the estimator's fit and used in the rates.
        **fit_params : dict
            Other metadata for the estimator's fit (unless prefit): routed by its requests
            when metadata routing is enabled, passed as given otherwise.

        Returns
        -------
        self
        """
        constraint, objective, mode, tol = self._check_params()
        params = routed_params(self, fit_params)
        X_inner, y, groups, w = self._prepare(X, y, sensitive_features, sample_weight)
        classes = np.unique(y)
        y01 = binary_labels(y, classes, "ThresholdOptimizer")
        if self.prefit:
            try:
                check_is_fitted(self.estimator)
            except NotFittedError:
                raise ValueError(ERR_NOT_PREFITTED) from None
            fitted = getattr(self.estimator, "classes_", classes)
            if len(fitted) != 2 or not np.array_equal(np.asarray(fitted), classes):
                raise ValueError(ERR_CLASSES.format(fitted=plain(fitted), got=plain(classes)))
            self.estimator_ = self.estimator
        else:
            self.estimator_ = fit_inner(
                self._new_inner(), X_inner, y, w, "ThresholdOptimizer", params
            )
        self.classes_ = classes
        scores = _scores(self.estimator_, X_inner, self.response_method)
        self._fit_rule(scores, y01, groups, w, constraint, objective, mode, tol)
        self.random_key_ = draw_key(self.random_state)
        return self

    def fit_distribution(
        self,
        distribution: pd.DataFrame,
        *,
        group: str | list[str] = "group",
        score: str = "score",
        count: str = "count",
        positive_rate: str = "positive_rate",
    ) -> ThresholdOptimizer:
        """Choose the thresholds from score distributions (a per-group score grid).

        For data published as distributions rather than rows, such as the FICO scores of
        Hardt, Price & Srebro (2016): for each group and score, the number of people with
        that score and the share of them who are positive. The problem solved is the one
        :meth:`fit` solves on rows with these counts as weights. The fitted rule decides a
        score: ``predict(scores.reshape(-1, 1), sensitive_features=groups)``.

        Parameters
        ----------
        distribution : pandas.DataFrame
            One row per (group, score): the group column(s), the score, the count (any
            non-negative weight: people, or a share of a population) and the positive rate
            (in [0, 1]).
        group : str or list of str, default "group"
            The group column(s); several give intersectional groups.
        score, count, positive_rate : str
            The names of the other columns.

        Returns
        -------
        self
            Fitted, with ``estimator_`` a :class:`ScoreColumn`, ``classes_`` ``[0, 1]``.
        """
        constraint, objective, mode, tol = self._check_params()
        scores, y01, w, group_frame = distribution_rows(
            distribution, group=group, score=score, count=count, positive_rate=positive_rate
        )
        if len(np.unique(y01)) < 2:
            raise ValueError(
                "distribution has only positives or only negatives (every positive rate is "
                "0, or every one is 1); the thresholds need both."
            )
        groups = encode_groups(group_frame, n_samples=len(scores))
        X = scores.reshape(-1, 1)
        self.n_features_in_ = 1
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.sensitive_columns_ = []
        self.groups_ = groups.labels
        self.estimator_ = ScoreColumn().fit(X, y01)
        self.classes_ = np.array([0, 1])
        self._fit_rule(scores, y01, groups, w, constraint, objective, mode, tol)
        self.random_key_ = draw_key(self.random_state)
        return self

    def _fit_rule(
        self,
        scores: np.ndarray,
        y01: np.ndarray,
        groups: Any,
        w: np.ndarray | None,
        constraint: str | None,
        objective: Objective,
        mode: str,
        tol: float,
    ) -> None:
        G = groups.n_groups
        rocs = group_rocs(scores, y01, groups.codes, G, w)
        pos = np.array([r.pos for r in rocs])
        neg = np.array([r.neg for r in rocs])
        tot = pos + neg
        if constraint is None:
            tpr_ok, fpr_ok = pos > 0, neg > 0
        else:
            tpr_ok, fpr_ok = warn_undefined(constraint, pos, neg, groups.labels)
        pi = np.divide(pos, tot, out=np.zeros(G), where=tot > 0)
        coef_t, coef_f, const = objective.coefficients(pos, neg)
        hull_idx = [hulls(r) for r in rocs]
        if self.group_blind:
            thresholds, probs, f_fin, t_fin = self._blind_rule(
                scores,
                y01,
                groups,
                w,
                pos,
                neg,
                pi,
                coef_f,
                coef_t,
                constraint,
                mode,
                tol,
                tpr_ok,
                fpr_ok,
            )
        else:
            f_opt, t_opt = solve_hulls(
                rocs, hull_idx, pi, coef_f, coef_t, constraint, tol, tpr_ok, fpr_ok
            )
            thresholds, probs, f_fin, t_fin = [], [], np.empty(G), np.empty(G)
            for g, roc in enumerate(rocs):
                if mode == "randomized":
                    thr, p, f_fin[g], t_fin[g] = _mixture(roc, hull_idx[g], f_opt[g], t_opt[g])
                else:
                    k = _nearest(roc, f_opt[g], t_opt[g], pi[g], constraint, coef_f[g], coef_t[g])
                    thr, p = np.array([roc.threshold[k]]), np.array([1.0])
                    f_fin[g], t_fin[g] = roc.fpr[k], roc.tpr[k]
                order = np.argsort(thr, kind="stable")
                thresholds.append(thr[order])
                probs.append(p[order])
        self.hulls_ = _hull_frame(rocs, hull_idx, groups.labels)
        self._thresholds = thresholds
        self._cum_probs = [np.concatenate([[0.0], np.cumsum(p)]) for p in probs]
        labels = [str(v) for v in groups.labels]
        if self.group_blind:
            labels = [ALL_GROUPS]
        self.rules_ = pd.DataFrame(
            {
                "group": np.repeat(labels, [len(t) for t in thresholds]),
                "threshold": np.concatenate(thresholds),
                "probability": np.concatenate(probs),
            }
        )
        sel = pi * t_fin + (1 - pi) * f_fin
        err = pi * (1 - t_fin) + (1 - pi) * f_fin
        if objective.name == "balanced_accuracy":
            group_const = neg / neg.sum() / 2 if neg.sum() > 0 else np.zeros(G)
        else:
            u_tp, u_fp, u_tn, u_fn = objective.utility
            group_const = (u_fn * pos + u_tn * neg) / tot.sum()
        self.operating_points_ = pd.DataFrame(
            {
                "false_positive_rate": np.where(fpr_ok, f_fin, np.nan),
                "true_positive_rate": np.where(tpr_ok, t_fin, np.nan),
                "selection_rate": sel,
                "error_rate": err,
                "weight": tot,
                "objective": coef_t * t_fin - coef_f * f_fin + group_const,
            },
            index=groups.labels,
        )
        worst = 0.0
        for rate in constrained_rates(constraint):
            v = self.operating_points_[rate].dropna().to_numpy()
            if len(v) > 1:
                worst = max(worst, float(v.max() - v.min()))
        self.disparity_ = worst
        self.objective_value_ = float((coef_t * t_fin).sum() - (coef_f * f_fin).sum() + const)

    def _blind_rule(
        self,
        scores,
        y01,
        groups,
        w,
        pos,
        neg,
        pi,
        coef_f,
        coef_t,
        constraint,
        mode,
        tol,
        tpr_ok,
        fpr_ok,
    ):
        """One rule for all groups: pooled thresholds and their probabilities."""
        thr_all, F, T = pooled_rates(scores, y01, groups.codes, groups.n_groups, w, pos, neg)
        if mode == "randomized":
            p = solve_blind(F, T, pi, coef_f, coef_t, constraint, tol, tpr_ok, fpr_ok)
        else:
            value = coef_t @ T - coef_f @ F
            disp = np.zeros(F.shape[1])
            for rate in constrained_rates(constraint):
                R = np.vstack(
                    [
                        a_t * T[g] + a_f * F[g] + c
                        for g, (a_t, a_f, c) in enumerate(
                            rate_coefficients(rate, pi[g]) for g in range(len(pi))
                        )
                        if (rate != "true_positive_rate" or tpr_ok[g])
                        and (rate != "false_positive_rate" or fpr_ok[g])
                    ]
                )
                if len(R) > 1:
                    disp = np.maximum(disp, R.max(axis=0) - R.min(axis=0))
            feasible = disp <= tol + 1e-12
            if feasible.any():
                k = int(np.argmax(np.where(feasible, value, -np.inf)))
            else:
                k = int(np.lexsort((-value, np.round(disp, 12)))[0])
            p = np.zeros(F.shape[1])
            p[k] = 1.0
        used = p > 0
        thr, prob = thr_all[used], p[used]
        order = np.argsort(thr, kind="stable")
        return [thr[order]], [prob[order]], F @ p, T @ p

    def _positive_probability(
        self, X: Any, sensitive_features: Any
    ) -> tuple[np.ndarray, np.ndarray | None]:
        check_is_fitted(self)
        X_inner = self._check_predict_X(X)
        n = _num_samples(X_inner)
        scores = _scores(self.estimator_, X_inner, self.response_method)
        if self.group_blind:  # one rule; the group is neither needed nor used
            thr, cum = self._thresholds[0], self._cum_probs[0]
            p = cum[np.searchsorted(thr, scores, side="right")]
            return np.clip(p, 0.0, 1.0), None
        sensitive_features = align_to_X(X, sensitive_features=sensitive_features)[
            "sensitive_features"
        ]
        groups = encode(sensitive_features, X, n)
        codes = map_groups(groups, self.groups_)
        p = np.empty(n)
        if len(self._thresholds) <= 16:  # a mask per group beats sorting the codes
            for g, (thr, cum) in enumerate(zip(self._thresholds, self._cum_probs, strict=True)):
                rows = codes == g
                p[rows] = cum[np.searchsorted(thr, scores[rows], side="right")]
            return np.clip(p, 0.0, 1.0), codes
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(self._thresholds) + 1))
        for g, (thr, cum) in enumerate(zip(self._thresholds, self._cum_probs, strict=True)):
            rows = order[bounds[g] : bounds[g + 1]]
            p[rows] = cum[np.searchsorted(thr, scores[rows], side="right")]
        return np.clip(p, 0.0, 1.0), codes

    def decision_probability(self, X: Any, *, sensitive_features: Any = None) -> np.ndarray:
        """Probability that each row is decided positive (``classes_[1]``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sensitive_features : as in fit (values or column names of X)

        Returns
        -------
        ndarray of float in [0, 1]
            0 or 1 except for rows in a group's randomized band.
        """
        return self._positive_probability(X, sensitive_features)[0]

    def predict(
        self, X: Any, *, sensitive_features: Any = None, random_state: Any = None
    ) -> np.ndarray:
        """Decide each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sensitive_features : as in fit (values or column names of X)
            Required, except for a group-blind rule (which does not use it).
        random_state : None, int or numpy Generator
            Overrides the fitted key of the randomized decisions for this call.

        Returns
        -------
        ndarray of labels
        """
        p, codes = self._positive_probability(X, sensitive_features)
        if self.mode == "per_group_threshold":
            return self.classes_[(p >= 0.5).astype(np.intp)]
        key = self.random_key_ if random_state is None else draw_key(random_state)
        return self.classes_[randomized_decisions(X, codes, key, p).astype(np.intp)]

    def score(
        self, X: Any, y: Any, sample_weight: Any = None, *, sensitive_features: Any = None
    ) -> float:
        """Accuracy of ``predict`` (needs ``sensitive_features``, e.g. routed by GridSearchCV)."""
        rows = align_to_X(
            X, y=y, sample_weight=sample_weight, sensitive_features=sensitive_features
        )
        y, sample_weight = rows["y"], rows["sample_weight"]
        sensitive_features = rows["sensitive_features"]
        return float(
            accuracy_score(
                y,
                self.predict(X, sensitive_features=sensitive_features),
                sample_weight=sample_weight,
            )
        )

    def __sklearn_tags__(self):
        tags = inherit_input_tags(super().__sklearn_tags__(), self.estimator)
        tags.classifier_tags.multi_class = False
        return tags


def _hull_frame(rocs: list, hull_idx: list, labels: pd.Index) -> pd.DataFrame:
    """The vertices of every group's upper and lower ROC hull, one row each."""
    rows = []
    for g, roc in enumerate(rocs):
        for side, idx in zip(("upper", "lower"), hull_idx[g], strict=True):
            rows.append(
                pd.DataFrame(
                    {
                        "group": str(labels[g]),
                        "side": side,
                        "false_positive_rate": roc.fpr[idx],
                        "true_positive_rate": roc.tpr[idx],
                        "threshold": roc.threshold[idx],
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _mixture(roc, hull_idx, f: float, t: float):
    """Thresholds and probabilities reaching (f, t): upper-hull and lower-hull mixes."""
    up, lo = hull_idx
    ku, bu, U = interpolate(roc.fpr[up], roc.tpr[up], f)
    kl, bl, L = interpolate(roc.fpr[lo], roc.tpr[lo], f)
    alpha = float(np.clip((t - L) / (U - L), 0.0, 1.0)) if U - L > 1e-12 else 1.0
    thr, p = [], []

    def add(idx, k, beta, mass):
        thr.append(roc.threshold[idx[k]])
        p.append(mass * (1 - beta))
        if len(idx) > 1:
            thr.append(roc.threshold[idx[k + 1]])
            p.append(mass * beta)

    add(up, ku, bu, alpha)
    add(lo, kl, bl, 1 - alpha)
    thr_a, p_a = np.asarray(thr), np.asarray(p)
    thr_a, inverse = np.unique(thr_a, return_inverse=True)  # merge repeated thresholds
    p_a = np.bincount(inverse, p_a, len(thr_a))
    keep = p_a > 1e-9  # drop mixture weights that are rounding noise of the LP
    f_fin = f if len(up) > 1 else float(roc.fpr[up[0]])
    return thr_a[keep], p_a[keep] / p_a[keep].sum(), f_fin, alpha * U + (1 - alpha) * L


def _nearest(
    roc, f: float, t: float, pi: float, constraint: str | None, cf: float, ct: float
) -> int:
    """Single threshold whose constrained rates are closest to (f, t); ties: best objective."""
    dev = np.zeros(len(roc.fpr))
    for rate in constrained_rates(constraint):
        if rate == "true_positive_rate":
            d = np.abs(roc.tpr - t)
        elif rate == "false_positive_rate":
            d = np.abs(roc.fpr - f)
        elif rate == "selection_rate":
            d = np.abs(pi * (roc.tpr - t) + (1 - pi) * (roc.fpr - f))
        else:
            d = np.abs(-pi * (roc.tpr - t) + (1 - pi) * (roc.fpr - f))
        dev = np.maximum(dev, d)
    value = ct * roc.tpr - cf * roc.fpr
    return int(np.lexsort((-value, np.round(dev, 12)))[0])
