"""``audit`` and ``audit_model``: validation -> statistics -> analysis -> AuditResult."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from . import _validation as v
from ._result import AuditResult
from .metrics._analysis import AnalysisConfig, analyse, group_display
from .metrics._criteria import resolve_tolerances
from .metrics._registry import PROBABILITY_METRICS, resolve_metric_names
from .metrics._significance import CORRECTIONS
from .metrics._stats import (
    ConfusionStats,
    confusion_stats,
    exact_auc,
    score_bin_edges,
    score_stats,
)

CI_METHODS = ("bootstrap", "wilson")
ERR_REFERENCE = (
    "reference_group={ref!r} is not a group of {attribute}; the groups are {groups}."
)
ERR_REFERENCE_SHAPE = (
    "reference_group must name one group per feature when there are several sensitive "
    "features: a tuple in the order {names} or a dict of feature -> value; got {ref!r}."
)
ERR_N_BOOTSTRAP = (
    "n_bootstrap must be a whole number >= 0 (0 turns the bootstrap off); got {value!r}."
)
ERR_CONFIDENCE = (
    "confidence_level must be a number strictly between 0 and 1, e.g. 0.95; got {value!r}."
)
ERR_CI_METHOD = "ci_method must be one of {allowed}; got {value!r}."
ERR_MIN_GROUP_SIZE = "min_group_size must be a whole number >= 0; got {value!r}."
ERR_SUPPRESS = "suppress_below must be None or a whole number >= 1; got {value!r}."
ERR_CORRECTION = "correction must be one of {allowed}; got {value!r}."
ERR_THRESHOLD = "threshold must be a finite number; got {value!r}."
ERR_NAME = "name must be a string; got {type}."
ERR_NO_PRED = (
    "y_pred is required; or pass y_score= together with threshold= to predict "
    "positive when the score is at least the threshold."
)


def _check_params(
    n_bootstrap: Any,
    confidence_level: Any,
    ci_method: Any,
    min_group_size: Any,
    suppress_below: Any,
    correction: Any,
    threshold: Any,
) -> None:
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, Integral) or n_bootstrap < 0:
        raise ValueError(ERR_N_BOOTSTRAP.format(value=n_bootstrap))
    if not isinstance(confidence_level, Real) or not 0 < float(confidence_level) < 1:
        raise ValueError(ERR_CONFIDENCE.format(value=confidence_level))
    if ci_method not in CI_METHODS:
        raise ValueError(ERR_CI_METHOD.format(allowed=", ".join(CI_METHODS), value=ci_method))
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, Integral) or (
        min_group_size < 0
    ):
        raise ValueError(ERR_MIN_GROUP_SIZE.format(value=min_group_size))
    if suppress_below is not None and (
        isinstance(suppress_below, bool) or not isinstance(suppress_below, Integral)
        or suppress_below < 1
    ):
        raise ValueError(ERR_SUPPRESS.format(value=suppress_below))
    if correction not in CORRECTIONS:
        raise ValueError(ERR_CORRECTION.format(allowed=", ".join(CORRECTIONS), value=correction))
    if threshold is not None and (
        not isinstance(threshold, Real) or not np.isfinite(float(threshold))
    ):
        raise ValueError(ERR_THRESHOLD.format(value=threshold))


def _find_group(labels: pd.Index, ref: Any, attribute: str) -> int:
    key = tuple(ref) if isinstance(labels, pd.MultiIndex) else ref
    matches = [i for i, g in enumerate(labels) if g == key]
    if not matches:
        shown = [group_display(g) for g in labels[:12]]
        more = "" if len(labels) <= 12 else f" ... ({len(labels)} in all)"
        raise ValueError(
            ERR_REFERENCE.format(ref=ref, attribute=attribute, groups=", ".join(map(repr, shown)))
            [:-1] + more + "."
        )
    return matches[0]


def _reference_by_feature(ref: Any, names: list[str]) -> dict[str, Any] | None:
    """The user's reference group as {feature: value} (None: the largest group)."""
    if ref is None or isinstance(ref, dict):
        return ref
    if len(names) == 1:
        return {names[0]: ref}
    if not isinstance(ref, tuple | list) or len(ref) != len(names):
        raise ValueError(ERR_REFERENCE_SHAPE.format(names=names, ref=ref))
    return dict(zip(names, ref, strict=True))


def _reference_for(
    ref: dict[str, Any] | None, g: v.Groups, conf: ConfusionStats, attribute: str
) -> tuple[int, str]:
    """Index of the reference group of one attribute, and why it was chosen."""
    if ref is None or not all(n in ref for n in g.names):
        i = int(np.argmax(conf.w.sum(axis=1)))
        why = "" if ref is None else "; no reference named for every feature"
        return i, f"largest group ({int(conf.n[i].sum())} rows{why})"
    value = tuple(ref[n] for n in g.names) if len(g.names) > 1 else ref[g.names[0]]
    return _find_group(g.labels, value, attribute), "named by the user"


def _data_hash(*arrays: np.ndarray | None) -> str:
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"-")
        else:
            h.update(np.ascontiguousarray(a).view(np.uint8).tobytes())
    return h.hexdigest()[:16]


def _versions() -> dict[str, str]:
    import sklearn

    from . import __version__

    return {
        "fairaudit": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
    }


def audit(
    y_true: Any,
    y_pred: Any = None,
    *,
    sensitive_features: Any,
    y_score: Any = None,
    sample_weight: Any = None,
    metrics: Any = None,
    reference_group: Any = None,
    pos_label: Any = None,
    n_bootstrap: int = 1000,
    confidence_level: float = 0.95,
    ci_method: str = "bootstrap",
    min_group_size: int = 30,
    suppress_below: int | None = None,
    tolerances: dict[str, float] | None = None,
    threshold: float | None = None,
    correction: str = "holm",
    random_state: int | np.random.Generator | None = None,
    name: str | None = None,
) -> AuditResult:
    """Audit binary predictions for group fairness.

    Computes weighted confusion counts (and score histograms) once per group, derives every
    metric from them, and attaches confidence intervals, disparities between groups, tests
    against the reference group and verdicts on named fairness criteria.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed outcomes: 0/1, booleans, or two labels with ``pos_label``.
    y_pred : array-like of shape (n_samples,), optional
        Predicted outcomes, with the labels of ``y_true``. May be omitted when ``y_score``
        and ``threshold`` are given (positive when ``y_score >= threshold``).
    sensitive_features : Series, DataFrame, array-like or dict of name -> array
        One feature or several; with several, the groups are their intersections present in
        the data, and each feature on its own is audited too (``AuditResult.marginals``).
        Missing values form their own group, with a warning.
    y_score : array-like of shape (n_samples,), optional
        Scores for the positive class (probabilities for ``brier_score`` and
        ``expected_calibration_error``); enables the score metrics and curves.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights, used by every metric.
    metrics : list of str, optional
        Metrics to report (default: all that the inputs allow). ``precision`` and ``recall``
        are aliases. Criteria are always computed.
    reference_group : scalar, tuple or dict, optional
        The group others are compared with. Default: the largest group (by weight).
    pos_label : scalar, optional
        The positive label when labels are not 0/1 or booleans.
    n_bootstrap : int, default 1000
        Bootstrap replicates, drawn from the statistics (0 turns the bootstrap off; group
        intervals are then Wilson intervals and criteria have none).
    confidence_level : float, default 0.95
    ci_method : {"bootstrap", "wilson"}, default "bootstrap"
        Interval of each group's rates. Disparities and criteria always use the bootstrap.
    min_group_size : int, default 30
        Groups with fewer rows are flagged as small.
    suppress_below : int, optional
        Groups with fewer rows are left out of every output (and of disparities).
    tolerances : dict, optional
        Tolerance per criterion name, overriding the defaults (0.1 for differences, 0.8 for
        ratios).
    threshold : float, optional
        The decision threshold behind ``y_pred``, recorded for reports.
    correction : {"holm", "bh", "none"}, default "holm"
        Multiple-comparison adjustment of the p-values against the reference group.
    random_state : int, Generator or None
        Seed of the bootstrap. With None a seed is drawn and recorded in ``config["seed"]``.
    name : str, optional
        What was audited (a model, a data set), shown in reports; ``meta["name"]``.

    Returns
    -------
    AuditResult
    """
    _check_params(n_bootstrap, confidence_level, ci_method, min_group_size, suppress_below,
                  correction, threshold)
    yt = v.check_1d(y_true, "y_true")
    n = len(yt)
    score = None if y_score is None else v.check_scores(y_score, n)
    if y_pred is None:
        if score is None or threshold is None:
            raise ValueError(ERR_NO_PRED)
        labels01 = v.binarize_labels({"y_true": yt}, pos_label)
        yt01 = labels01["y_true"]
        yp01 = (score >= float(threshold)).astype(np.int8)
    else:
        yp = v.check_1d(y_pred, "y_pred")
        v.check_length(yp, n, "y_pred")
        labels01 = v.binarize_labels({"y_true": yt, "y_pred": yp}, pos_label)
        yt01, yp01 = labels01["y_true"], labels01["y_pred"]
    weight = v.check_sample_weight(sample_weight, n)
    groups = v.encode_groups(sensitive_features, n_samples=n)
    tol = resolve_tolerances(tolerances)

    metric_names = resolve_metric_names(metrics, has_scores=score is not None)
    edges = None
    notes: list[str] = []
    if score is not None:
        edges = score_bin_edges(score)
        if not edges[1]:
            asked = [m for m in metric_names if m in PROBABILITY_METRICS]
            if metrics is not None and asked:
                raise ValueError(
                    v.ERR_SCORE_RANGE.format(
                        metrics=", ".join(asked), lo=float(score.min()), hi=float(score.max())
                    )
                )
            metric_names = tuple(m for m in metric_names if m not in PROBABILITY_METRICS)
            notes.append(
                "scores are not probabilities in [0, 1]: brier_score and "
                "expected_calibration_error are left out"
            )
    if "count" not in metric_names:
        metric_names = ("count", *metric_names)

    if isinstance(random_state, np.random.Generator):
        seed = int(random_state.integers(0, 2**63 - 1))
    elif random_state is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    else:
        seed = int(random_state)
    attributes: list[tuple[str, v.Groups]] = [(" × ".join(groups.names), groups)]
    if len(groups.names) > 1:
        attributes += [(name, groups.feature(name)) for name in groups.names]
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(attributes))]
    reference = _reference_by_feature(reference_group, groups.names)

    overall_auc = np.nan
    if score is not None:
        wt = np.ones(n) if weight is None else weight
        overall_auc = float(exact_auc(np.zeros(n, dtype=np.int64), 1, yt01, score, wt)[0])

    config = AnalysisConfig(
        metrics=metric_names,
        n_bootstrap=int(n_bootstrap),
        confidence_level=float(confidence_level),
        ci_method=ci_method,
        min_group_size=int(min_group_size),
        suppress_below=None if suppress_below is None else int(suppress_below),
        tolerances=tol,
        correction=correction,
        weighted=weight is not None,
        probabilistic=edges is None or bool(edges[1]),
    )
    config_dict = {
        "metrics": list(metric_names),
        "n_bootstrap": int(n_bootstrap),
        "confidence_level": float(confidence_level),
        "ci_method": ci_method if n_bootstrap > 0 else "wilson",
        "bootstrap": (
            "Bayesian, stratified by group: gamma cell totals, Jeffreys prior on every rate"
            + ("; weights as Kish effective counts" if weight is not None else "")
            if n_bootstrap > 0 else "off"
        ),
        "min_group_size": int(min_group_size),
        "suppress_below": config.suppress_below,
        "tolerances": tol,
        "correction": correction,
        "pos_label": _jsonable(pos_label),
        "reference_group": _jsonable(reference_group),
        "threshold": None if threshold is None else float(threshold),
        "random_state": random_state if isinstance(random_state, int) else None,
        "seed": seed,
    }
    if name is not None and not isinstance(name, str):
        raise TypeError(ERR_NAME.format(type=type(name).__name__))
    meta = {
        "name": name,
        "n_samples": n,
        "weighted": weight is not None,
        "has_scores": score is not None,
        "n_missing": dict(groups.n_missing),
        "data_hash": _data_hash(yt01, yp01, groups.codes, weight, score),
        "versions": _versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "notes": notes,
    }

    results = []
    for (attribute, g), rng in zip(attributes, rngs, strict=True):
        conf = confusion_stats(g.codes, g.n_groups, yt01, yp01, weight)
        sstats = None
        if score is not None:
            sstats = score_stats(g.codes, g.n_groups, yt01, score, weight, edges)
        ref_index, reason = _reference_for(reference, g, conf, attribute)
        tables = analyse(
            conf, sstats, overall_auc, g.labels, attribute=attribute, ref_index=ref_index,
            config=config, rng=rng,
        )
        tables.update(
            {
                "attribute": attribute,
                "features": list(g.names),
                "reference_reason": reason,
                "config": config_dict,
                "meta": {**meta, "n_missing": {k: groups.n_missing[k] for k in g.names}},
                "marginals": {},
            }
        )
        results.append(tables)

    top = results[0]
    if len(results) > 1:
        marginals = {}
        for name, tables in zip(groups.names, results[1:], strict=True):
            marginals[name] = AuditResult(tables)
        top["marginals"] = marginals
        top["criteria"] = pd.concat(
            [t["criteria"] for t in results[1:]] + [top["criteria"]], ignore_index=True
        )
    return AuditResult(top)


def _positive_scores(estimator: Any, X: Any, pos_index: int) -> np.ndarray | None:
    if hasattr(estimator, "predict_proba"):
        try:
            proba = np.asarray(estimator.predict_proba(X))
        except (AttributeError, NotImplementedError):
            proba = None
        if proba is not None:
            return proba[:, pos_index] if proba.ndim == 2 else proba
    if hasattr(estimator, "decision_function"):
        try:
            d = np.asarray(estimator.decision_function(X), dtype=float)
        except (AttributeError, NotImplementedError):
            return None
        return d if pos_index == 1 else -d
    return None


def audit_model(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    sensitive_features: Any,
    threshold: float | None = None,
    pos_label: Any = None,
    **kwargs: Any,
) -> AuditResult:
    """Predict with a fitted binary classifier and audit its predictions.

    Scores come from ``predict_proba`` (the positive class's column) or, failing that,
    ``decision_function``. Predictions come from ``predict``, or from the scores with
    ``threshold`` when given. An estimator whose ``predict`` takes ``sensitive_features``
    (such as :class:`fairaudit.mitigation.ThresholdOptimizer`) is given them, and its
    decisions are audited without scores (its inner model's scores are not its decisions).

    Parameters
    ----------
    estimator : fitted classifier
    X : array-like or DataFrame
    y : array-like
        Observed outcomes.
    sensitive_features : array-like, Series, DataFrame, dict, or column name(s) of ``X``
    threshold : float, optional
        Predict positive when the positive-class score is at least this value.
    pos_label : scalar, optional
        The positive class; default: ``estimator.classes_[1]`` when labels are not 0/1.
    **kwargs
        Passed on to :func:`audit`.

    Returns
    -------
    AuditResult
    """
    if not hasattr(estimator, "predict"):
        raise TypeError(
            f"estimator must be a fitted classifier with a predict method; got "
            f"{type(estimator).__name__}."
        )
    raw_sensitive = sensitive_features
    if isinstance(sensitive_features, str) or (
        isinstance(sensitive_features, list | tuple)
        and sensitive_features and all(isinstance(s, str) for s in sensitive_features)
        and hasattr(X, "columns")
    ):
        sensitive_features = v.encode_groups(sensitive_features, X=X).frame
    # postprocessing mitigators decide per group: give them the groups at predict time
    needs_groups = _takes_sensitive_features(estimator.predict)
    predict_kwargs = {"sensitive_features": raw_sensitive} if needs_groups else {}
    classes = list(getattr(estimator, "classes_", [0, 1]))
    if len(classes) != 2:
        raise ValueError(
            f"estimator must be a binary classifier; its classes_ are {classes}."
        )
    if pos_label is None and not set(map(_plain, classes)) <= {0, 1}:
        pos_label = classes[1]
    pos_index = classes.index(pos_label) if pos_label is not None else classes.index(1) if (
        1 in classes
    ) else 1
    score = None if needs_groups else _positive_scores(estimator, X, pos_index)
    if threshold is not None:
        if score is None:
            raise ValueError(
                "threshold needs scores, but the estimator has neither predict_proba nor "
                "decision_function; leave threshold out to use predict."
            )
        neg_label = classes[1 - pos_index]
        pos = classes[pos_index]
        y_pred = np.where(score >= float(threshold), pos, neg_label)
    else:
        y_pred = np.asarray(estimator.predict(X, **predict_kwargs))
    kwargs.setdefault("name", type(estimator).__name__)
    return audit(
        y, y_pred, sensitive_features=sensitive_features, y_score=score, pos_label=pos_label,
        threshold=threshold, **kwargs,
    )


def _takes_sensitive_features(method: Any) -> bool:
    """Whether a predict method has a ``sensitive_features`` parameter."""
    import inspect

    try:
        return "sensitive_features" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _jsonable(value: Any) -> Any:
    """A configuration value as JSON can hold it, keeping numbers and booleans as they are."""
    value = _plain(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
