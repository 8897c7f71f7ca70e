"""Fit a baseline and several mitigators and tabulate accuracy against disparity."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._comparison import Comparison
from .._estimators import is_column_names, takes_sensitive_features
from ..metrics._criteria import CRITERION_ALIASES, canonical_criterion
from ..metrics._tables import INTERSECTION
from ._base import accepts_weights, align_to_X, check_labels
from ._reductions import ConstrainedClassifier
from ._resampling import Resampling
from ._reweighing import Reweighing
from ._threshold import ThresholdOptimizer

#: Default criteria of the comparison table (all measured by :func:`fairaudit.audit`).
DEFAULT_CRITERIA: tuple[str, ...] = (
    "demographic_parity_difference",
    "equalized_odds_difference",
    "equal_opportunity_difference",
)
KIND = {
    "Reweighing": "preprocessing",
    "Resampling": "preprocessing",
    "ConstrainedClassifier": "in-processing",
    "ThresholdOptimizer": "post-processing",
}
ERR_MITIGATORS = (
    "mitigators must be a dict of name -> mitigator or a list of mitigators; got {type}."
)
ERR_CRITERION = (
    "criteria contains {name!r}, which the audit does not report; use some of {allowed}."
)
ERR_NAME = "the model name {name!r} is used twice; give each mitigator its own name."


def _default_mitigators(estimator: Any, random_state: Any) -> tuple[dict[str, Any], dict[str, str]]:
    out: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    if accepts_weights(estimator):
        out["Reweighing"] = Reweighing(estimator)
    else:
        skipped["Reweighing"] = "the estimator does not accept sample_weight"
    out["Resampling"] = Resampling(estimator, random_state=random_state)
    if accepts_weights(estimator):
        out["ConstrainedClassifier(demographic_parity)"] = ConstrainedClassifier(
            estimator, constraint="demographic_parity", random_state=random_state
        )
    else:
        skipped["ConstrainedClassifier"] = "the estimator does not accept sample_weight"
    if hasattr(estimator, "predict_proba") or hasattr(estimator, "decision_function"):
        out["ThresholdOptimizer(equalized_odds)"] = ThresholdOptimizer(
            estimator, constraint="equalized_odds", random_state=random_state
        )
    else:
        skipped["ThresholdOptimizer"] = "the estimator has no scores"
    return out, skipped


def _name(mitigator: Any) -> str:
    cls = type(mitigator).__name__
    constraint = getattr(mitigator, "constraint", None)
    strategy = getattr(mitigator, "strategy", None)
    if constraint is not None:
        return f"{cls}({constraint})"
    if strategy is not None and strategy != "uniform":
        return f"{cls}({strategy})"
    return cls


def compare(
    estimator: Any,
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    sensitive_features_train: Any,
    sensitive_features_test: Any,
    mitigators: Mapping[str, Any] | Sequence[Any] | None = None,
    criteria: Sequence[str] | None = None,
    sample_weight: Any = None,
    n_bootstrap: int = 500,
    confidence_level: float = 0.95,
    random_state: Any = None,
    return_audits: bool = False,
) -> Comparison | tuple[Comparison, dict[str, Any]]:
    """Fit the unmitigated estimator and each mitigator; audit them on held-out data.

    Parameters
    ----------
    estimator : classifier
        The unmitigated model (cloned; never modified). Also the inner estimator of the
        default mitigators.
    X_train, y_train, X_test, y_test
        Training and held-out data (binary labels). pandas labels, sensitive features and
        weights are paired with the rows of ``X_train`` / ``X_test`` by index label.
    sensitive_features_train, sensitive_features_test
        Values, or column name(s) of ``X_train`` / ``X_test``.
    mitigators : dict of name -> mitigator, or list of mitigators, optional
        Unfitted mitigators (cloned before fitting). Default: ``Reweighing``,
        ``Resampling``, ``ConstrainedClassifier(demographic_parity)`` and
        ``ThresholdOptimizer(equalized_odds)`` around ``estimator`` (those the estimator
        supports; the others are listed in :attr:`Comparison.skipped`).
    criteria : list of str, optional
        Criteria of :func:`fairaudit.audit` to tabulate. Default: demographic parity,
        equalized odds and equal opportunity differences.
    sample_weight : array-like, optional
        Training weights, passed to every ``fit``.
    n_bootstrap, confidence_level
        For the intervals (passed to :func:`fairaudit.audit`).
    random_state : None, int
        Seeds the mitigators and the bootstrap.
    return_audits : bool, default False
        Also return the :class:`~fairaudit.AuditResult` of each model as a dict (they are
        in :attr:`Comparison.audits` in any case).

    Returns
    -------
    comparison : Comparison
        ``comparison.table`` has one row per model (index ``model``; the baseline first):
        ``kind`` (baseline, preprocessing, in-processing, post-processing), ``accuracy`` and
        ``balanced_accuracy`` with ``_lower``/``_upper`` interval bounds, ``accuracy_cost``
        (baseline accuracy minus the model's), then for each criterion its value,
        ``<criterion>_lower``, ``<criterion>_upper`` and ``<criterion>_verdict``, and
        ``fit_seconds``, ``predict_seconds``. The other fields say what a
        performance-versus-disparity plot needs: ``performance`` ("accuracy"),
        ``criteria`` (the first is plotted), ``attribute`` (the sensitive attribute the
        criteria refer to), ``confidence_level``, ``skipped`` and ``audits`` (each model's
        audit, named after the model).
    audits : dict of name -> AuditResult
        Only with ``return_audits=True``.
    """
    from .. import audit  # the audit engine; imported here to keep import order simple

    criteria = list(DEFAULT_CRITERIA if criteria is None else criteria)
    skipped: dict[str, str] = {}
    if mitigators is None:
        models, skipped = _default_mitigators(estimator, random_state)
    elif isinstance(mitigators, Mapping):
        models = dict(mitigators)
    elif isinstance(mitigators, Sequence) and not isinstance(mitigators, str):
        models = {}
        for m in mitigators:
            name = _name(m)
            if name in models or name == "baseline":
                raise ValueError(ERR_NAME.format(name=name))
            models[name] = m
    else:
        raise TypeError(ERR_MITIGATORS.format(type=type(mitigators).__name__))
    if "baseline" in models:
        raise ValueError(ERR_NAME.format(name="baseline"))
    # labels, groups and weights follow the rows of X (pandas inputs paired by index label)
    train = align_to_X(
        X_train, y=y_train, sensitive_features=sensitive_features_train, sample_weight=sample_weight
    )
    test = align_to_X(X_test, y=y_test, sensitive_features=sensitive_features_test)
    sensitive_features_train, sample_weight = train["sensitive_features"], train["sample_weight"]
    sensitive_features_test = test["sensitive_features"]
    y_tr = check_labels(train["y"])
    y_te = check_labels(test["y"])
    classes = np.unique(np.concatenate([np.unique(y_tr), np.unique(y_te)]))
    pos_label = None if set(classes.tolist()) <= {0, 1} else classes[-1]
    fit_kw = {} if sample_weight is None else {"sample_weight": sample_weight}

    rows, audits = [], {}
    entries = [("baseline", clone(estimator))] + [(k, clone(v)) for k, v in models.items()]
    for name, model in entries:
        t0 = time.perf_counter()
        if name == "baseline":
            model.fit(X_train, y_tr, **fit_kw)  # X as given, like the mitigators' default
        else:
            model.fit(X_train, y_tr, sensitive_features=sensitive_features_train, **fit_kw)
        fit_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        if takes_sensitive_features(model.predict):
            pred = model.predict(X_test, sensitive_features=sensitive_features_test)
        else:
            pred = model.predict(X_test)
        predict_seconds = time.perf_counter() - t0
        sf_test = sensitive_features_test
        if is_column_names(sf_test):
            sf_test = X_test[[sf_test] if isinstance(sf_test, str) else sf_test]
        result = audit(
            y_te,
            pred,
            sensitive_features=sf_test,
            pos_label=pos_label,
            n_bootstrap=n_bootstrap,
            confidence_level=confidence_level,
            random_state=random_state,
            name=name,
        )
        audits[name] = result
        row: dict[str, Any] = {
            "model": name,
            "kind": "baseline" if name == "baseline" else KIND.get(type(model).__name__, "other"),
        }
        overall, intervals = result.overall, result.overall_intervals
        for metric in ("accuracy", "balanced_accuracy"):
            row[metric] = float(overall[metric])
            row[f"{metric}_lower"] = float(intervals.loc[metric, "lower"])
            row[f"{metric}_upper"] = float(intervals.loc[metric, "upper"])
        crit = result.criteria
        attribute = INTERSECTION.join(result.features)
        if attribute not in set(crit["attribute"]):
            attribute = crit["attribute"].iloc[0]
        crit = crit[crit["attribute"] == attribute].set_index("criterion")
        for c in criteria:
            name = canonical_criterion(c)
            if name not in crit.index:
                allowed = sorted([*crit.index, *CRITERION_ALIASES])
                raise ValueError(ERR_CRITERION.format(name=c, allowed=allowed))
            row[c] = float(crit.loc[name, "value"])
            row[f"{c}_lower"] = float(crit.loc[name, "lower"])
            row[f"{c}_upper"] = float(crit.loc[name, "upper"])
            row[f"{c}_verdict"] = crit.loc[name, "verdict"]
        row["fit_seconds"] = fit_seconds
        row["predict_seconds"] = predict_seconds
        rows.append(row)
    table = pd.DataFrame(rows).set_index("model")
    table.insert(
        list(table.columns).index("balanced_accuracy"),
        "accuracy_cost",
        table.loc["baseline", "accuracy"] - table["accuracy"],
    )
    comparison = Comparison(
        table,
        performance="accuracy",
        criteria=tuple(criteria),
        attribute=attribute,
        confidence_level=confidence_level,
        skipped=skipped,
        audits=audits,
    )
    return (comparison, dict(audits)) if return_audits else comparison
