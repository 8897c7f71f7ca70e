"""``audit``, ``audit_from_stats`` and ``audit_model``: validation -> statistics -> analysis
-> AuditResult. The part after the statistics lives in :mod:`fairaudit._engine`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from . import _validation as v
from ._engine import (  # noqa: F401  (error texts re-exported for callers and tests)
    ERR_REFERENCE,
    ERR_REFERENCE_SHAPE,
    ERR_STATS_EMPTY,
    WARN_ONE_CLASS,
    WARN_ONE_CLASS_PER_GROUP,
    WARN_THRESHOLD_OUTSIDE,
    check_options,
    check_stats_rows,
    run,
    stats_hash,
)
from ._estimators import is_column_names, positive_scores, takes_sensitive_features
from ._representation import audit_representation, check_reference_shares
from ._result import AuditResult
from ._task import check_task, infer_task, task_note
from .metrics._collect import declared_edges
from .metrics._criteria import resolve_tolerances
from .metrics._multiclass_stats import MulticlassStats
from .metrics._regression_stats import RegressionStats
from .metrics._stats import (
    ConfusionStats,
    ScoreStats,
    confusion_cells,
    count_confusion,
    count_scores,
    exact_auc,
    score_bin_edges,
)

ERR_NO_PRED = (
    "y_pred is required; or pass y_score= together with threshold= to predict "
    "positive when the score is at least the threshold."
)
ERR_STATS_TYPE = (
    "stats must be ConfusionStats with group labels (from fairaudit.metrics.confusion_stats "
    "or ConfusionStats.from_frame); got {type}."
)
ERR_SCORE_STATS_TYPE = "score_stats must be ScoreStats or None; got {type}."
ERR_SCORE_STATS_GROUPS = (
    "score_stats must describe the same groups as stats (the same labels); {k} group(s) "
    "differ, e.g. {examples}."
)


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
    correction_scope: str = "all",
    random_state: int | np.random.Generator | None = None,
    name: str | None = None,
    score_bins: Any = None,
    max_groups: int | str = "auto",
    task: str = "auto",
    reference_shares: Any = None,
) -> AuditResult:
    """Audit predictions for group fairness: binary decisions, numbers or classes.

    Computes weighted confusion counts (and score histograms) once per group, derives every
    metric from them, and attaches confidence intervals, disparities between groups, tests
    against the reference group and verdicts on named fairness criteria.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed outcomes: 0/1, booleans, or two labels with ``pos_label``. Every row input
        may be a list, a numpy array, any pandas array (``Categorical``, nullable ``Int64``
        or ``boolean``, ``string``, Arrow-backed), a pandas Series or a polars Series.
        pandas inputs are paired by index label, in the row order of the first of them;
        other inputs by position (see the auditing guide, "Inputs: alignment, types and
        groups").
    y_pred : array-like of shape (n_samples,), optional
        Predicted outcomes, with the labels of ``y_true``. May be omitted when ``y_score``
        and ``threshold`` are given (positive when ``y_score >= threshold``).
    sensitive_features : Series, DataFrame, array-like or dict of name -> array
        One feature or several; with several, the groups are their intersections present in
        the data, and each feature on its own is audited too (``AuditResult.marginals``).
        Missing values form their own group, with a warning. A feature must hold values of
        one kind (numbers, booleans, strings, ...).
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
    correction_scope : {"all", "metric"}, default "all"
        The family the adjustment runs over: every group and metric of an attribute together
        (``"all"``; a rate and its complement, such as the true positive and false negative
        rates, are one test), or the groups of each metric separately (``"metric"``).
    random_state : int, Generator or None
        Seed of the bootstrap. With None a seed is drawn and recorded in ``config["seed"]``.
    name : str, optional
        What was audited (a model, a data set), shown in reports; ``meta["name"]``.
    score_bins : array-like of bin edges, optional
        Edges of the score histograms (curves, calibration, intervals of the score metrics).
        Default: 200 equal bins on [0, 1] for probabilities, the score quantiles otherwise.
        Declare them to compare with :func:`audit_from_stats` on statistics computed with
        the same edges.
    max_groups : int or "auto", default "auto"
        The most groups a sensitive feature, and the intersection of several, may have.
        ``"auto"``: at most 1,000,000, and a feature (or intersection) with at least 100
        groups that outnumber half the rows is refused too, as its values are mostly unique
        like those of a score or an identifier. A number sets the limit and turns the
        uniqueness rule off. Recorded in ``config["max_groups"]``.
    task : {"auto", "binary", "regression", "multiclass"}, default "auto"
        What the predictions are: yes/no decisions (``"binary"``), numbers such as a salary
        offer or a 0-100 risk score (``"regression"``), or one of several classes
        (``"multiclass"``). ``"auto"`` chooses from ``y_true``: two values or fewer are
        binary, numbers with a fractional part or more than 20 distinct whole numbers are
        a regression, other labels multiclass; the choice is recorded in
        ``config["task"]`` (and, when not binary, in ``meta["notes"]``). A score audited
        against yes/no outcomes (COMPAS deciles against reoffending) needs
        ``task="regression"``.
    reference_shares : dict or Series, optional
        Each group's share of a reference population (census figures, the applicant pool),
        summing to 1, keyed by the groups of the audited attribute (tuples in the order of
        the features for several). Adds the representation audit of
        :func:`fairaudit.representation` (``reference=``) on the same rows, weights and
        confidence level -- with the label measures for binary outcomes -- as
        ``AuditResult.representation``, and the report section "Who is in the data".

    Returns
    -------
    AuditResult
    """
    task = check_task(task)
    check_reference_shares(reference_shares)
    options = check_options(
        metrics=metrics,
        reference_group=reference_group,
        n_bootstrap=n_bootstrap,
        confidence_level=confidence_level,
        ci_method=ci_method,
        min_group_size=min_group_size,
        suppress_below=suppress_below,
        # the criteria and their names depend on the task: resolved once it is known
        tolerances=tolerances if task == "binary" else None,
        threshold=threshold,
        correction=correction,
        correction_scope=correction_scope,
        random_state=random_state,
        name=name,
        pos_label=pos_label,
        max_groups=v.check_max_groups(max_groups),
    )
    rows = v.align_rows(
        {
            "y_true": y_true,
            "y_pred": y_pred,
            "y_score": y_score,
            "sample_weight": sample_weight,
            "sensitive_features": sensitive_features,
        }
    )
    y_true, y_pred, y_score = rows["y_true"], rows["y_pred"], rows["y_score"]
    sample_weight, sensitive_features = rows["sample_weight"], rows["sensitive_features"]
    yt = v.check_1d(y_true, "y_true")
    n = len(yt)
    notes: tuple[str, ...] = ()
    if task == "auto":
        task, why = infer_task(yt)
        if task != "binary":
            notes = (task_note(task, why),)
        elif tolerances is not None:
            options = replace(options, tolerances=resolve_tolerances(tolerances))
    if task != "binary":
        # the task's module resolves the user's tolerances against its own criteria
        options = replace(options, task=task, tolerances=tolerances)
        # the families of statistics other than binary confusion counts
        if task == "regression":
            from ._audit_regression import audit_regression as run_task
        else:
            from ._audit_multiclass import audit_multiclass as run_task
        result = run_task(
            yt,
            y_pred,
            sensitive_features=sensitive_features,
            y_score=y_score,
            sample_weight=sample_weight,
            options=options,
            notes=notes,
            score_bins=score_bins,
        )
        rep = _representation_of(
            reference_shares, sensitive_features, None, sample_weight, pos_label, options
        )
        return result if rep is None else replace(result, representation=rep)
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
    if score is None:  # the groups and the rows' cells in one pass where the features allow
        groups = v.group_cells(
            sensitive_features, yt01, yp01, n_samples=n, max_groups=options.max_groups
        )
    else:
        groups = v.encode_groups(sensitive_features, n_samples=n, max_groups=options.max_groups)
    if isinstance(groups, v.GroupCells):
        cells = groups.cells
        conf = count_confusion(
            None,
            len(groups.labels),
            yt01,
            yp01,
            weight,
            groups.labels,
            cells=cells,
            counts=groups.counts,
        )
    else:
        cells = confusion_cells(groups.codes, groups.n_groups, yt01, yp01)
        conf = count_confusion(
            groups.codes, groups.n_groups, yt01, yp01, weight, groups.labels, cells=cells
        )
    # before the analysis, so that a wrong reference is refused at once
    rep = _representation_of(reference_shares, sensitive_features, yt, weight, pos_label, options)
    sstats = None
    marginal_scores: dict[str, ScoreStats] = {}
    overall_auc = None
    score_range = None
    if score is not None:
        edges = score_bin_edges(score) if score_bins is None else declared_edges(score_bins, score)
        sstats = count_scores(
            groups.codes, groups.n_groups, yt01, score, weight, edges, groups.labels
        )
        if len(groups.names) > 1:
            # from the rows, so that each feature's groups keep their exact AUC
            for feature in groups.names:
                g = groups.feature(feature)
                marginal_scores[feature] = count_scores(
                    g.codes, g.n_groups, yt01, score, weight, edges, g.labels
                )
        wt = np.ones(n) if weight is None else weight
        overall_auc = float(exact_auc(np.zeros(n, dtype=np.int64), 1, yt01, score, wt)[0])
        score_range = (float(score.min()), float(score.max()))
    meta = {
        "n_samples": n,
        "weighted": weight is not None,
        "n_missing": dict(groups.n_missing),
        # the rows' cells hold their group, label and prediction
        "data_hash": stats_hash(cells, weight, score),
        "source": "rows",
    }
    result = run(
        conf,
        sstats,
        options=options,
        meta=meta,
        overall_auc=overall_auc,
        marginal_scores=marginal_scores,
        threshold_range=score_range,
    )
    return result if rep is None else replace(result, representation=rep)


def _representation_of(
    reference_shares: Any,
    sensitive_features: Any,
    y_true: Any,
    sample_weight: Any,
    pos_label: Any,
    options: Any,
) -> Any:
    """The representation audit of ``reference_shares`` on the audit's rows (None without)."""
    if reference_shares is None:
        return None
    return audit_representation(
        sensitive_features,
        reference_shares,
        y_true=y_true,
        sample_weight=sample_weight,
        pos_label=pos_label,
        confidence_level=options.confidence_level,
        suppress_below=options.suppress_below,
    )


def audit_from_stats(
    stats: ConfusionStats,
    *,
    score_stats: ScoreStats | None = None,
    metrics: Any = None,
    reference_group: Any = None,
    n_bootstrap: int = 1000,
    confidence_level: float = 0.95,
    ci_method: str = "bootstrap",
    min_group_size: int = 30,
    suppress_below: int | None = None,
    tolerances: dict[str, float] | None = None,
    threshold: float | None = None,
    correction: str = "holm",
    correction_scope: str = "all",
    random_state: int | np.random.Generator | None = None,
    name: str | None = None,
) -> AuditResult:
    """Audit from per-group statistics instead of rows.

    The statistics may come from chunks of a file merged with :meth:`ConfusionStats.merge`,
    or from a ``GROUP BY`` in a database read with :meth:`ConfusionStats.from_frame`. The
    result equals :func:`audit` on the rows the statistics were computed from — every
    value, interval and verdict, with the same ``random_state`` — except that AUCs come from
    the score histograms (ties within a bin count one half; the bins are 1/200 wide for
    probabilities) where :func:`audit` computes them exactly from the rows.

    Parameters
    ----------
    stats : ConfusionStats, MulticlassStats or RegressionStats
        Labelled statistics of the intersectional groups, one label level per sensitive
        feature (each feature on its own is audited too, as in :func:`audit`). k x k
        matrices (:func:`fairaudit.metrics.multiclass_stats`) are audited as
        ``audit(..., task="multiclass")`` audits their rows; moments and histograms
        (:func:`fairaudit.metrics.regression_stats`) as ``audit(..., task="regression")``
        does, with the distribution metrics from the histograms (bounds in
        ``meta["notes"]``).
    score_stats : ScoreStats, optional
        Score histograms of the same groups, for the score metrics.
    metrics, reference_group, n_bootstrap, confidence_level, ci_method, min_group_size, suppress_below, tolerances, threshold, correction, correction_scope, random_state, name
        As in :func:`audit`.

    Returns
    -------
    AuditResult
    """
    multiclass = isinstance(stats, MulticlassStats)
    regression = isinstance(stats, RegressionStats)
    options = check_options(
        metrics=metrics,
        reference_group=reference_group,
        n_bootstrap=n_bootstrap,
        confidence_level=confidence_level,
        ci_method=ci_method,
        min_group_size=min_group_size,
        suppress_below=suppress_below,
        tolerances=None if multiclass or regression else tolerances,
        threshold=threshold,
        correction=correction,
        correction_scope=correction_scope,
        random_state=random_state,
        name=name,
    )
    if multiclass:  # k x k matrices (fairaudit.metrics.multiclass_stats)
        from ._audit_multiclass import audit_multiclass_stats

        return audit_multiclass_stats(
            stats,
            score_stats=score_stats,
            options=replace(options, task="multiclass", tolerances=tolerances),
        )
    if regression:  # moments and histograms (fairaudit.metrics.regression_stats)
        from ._audit_regression import audit_regression_stats

        return audit_regression_stats(
            stats, options=replace(options, task="regression", tolerances=tolerances)
        )
    if not isinstance(stats, ConfusionStats) or stats.labels is None:
        raise TypeError(ERR_STATS_TYPE.format(type=type(stats).__name__))
    if score_stats is not None:
        if not isinstance(score_stats, ScoreStats) or score_stats.labels is None:
            raise TypeError(ERR_SCORE_STATS_TYPE.format(type=type(score_stats).__name__))
        differ = stats.labels.symmetric_difference(score_stats.labels)
        if len(differ) or list(stats.labels.names) != list(score_stats.labels.names):
            examples = [str(x) for x in list(differ)[:3]] or [str(score_stats.labels.names)]
            raise ValueError(ERR_SCORE_STATS_GROUPS.format(k=len(differ), examples=examples))
        order = score_stats.labels.get_indexer(stats.labels)
        score_stats = ScoreStats(
            score_stats.edges,
            score_stats.probabilistic,
            score_stats.n[order],
            score_stats.w[order],
            score_stats.ws[order],
            score_stats.ws2[order],
            score_stats.auc[order],
            stats.labels,
        )
    missing = check_stats_rows(stats)
    meta = {
        "n_samples": int(stats.n.sum()),
        "weighted": stats.weighted,
        "n_missing": missing,
        "data_hash": stats_hash(
            stats.n, stats.w, stats.w2, None if score_stats is None else score_stats.w
        ),
        "source": "statistics",
    }
    return run(stats, score_stats, options=options, meta=meta)


def audit_model(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    sensitive_features: Any,
    X_train: Any = None,
    y_train: Any = None,
    sensitive_features_train: Any = None,
    threshold: float | None = None,
    pos_label: Any = None,
    max_groups: int | str = "auto",
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
        pandas inputs (``y``, ``sensitive_features``) are paired with the rows of ``X`` by
        index label when ``X`` is a DataFrame; the predictions follow the rows of ``X``.
    X_train, y_train : array-like or DataFrame, optional
        The rows the model was fitted on (both or neither). With them the result also
        carries :func:`fairaudit.generalization_gap` of the model on its training rows
        against the audited rows (``AuditResult.generalization``: accuracy, true and false
        positive rates per group, with the gap's interval at the audit's
        ``confidence_level``), and the report shows "Overfitting by group". The audited rows
        should be held out from training for the gap to mean overfitting.
    sensitive_features_train : array-like, Series, DataFrame, dict, or column name(s), optional
        The groups of the training rows. Default: when ``sensitive_features`` are column
        names of ``X``, the same columns of ``X_train``; otherwise required with ``X_train``.
    threshold : float, optional
        Predict positive when the positive-class score is at least this value.
    pos_label : scalar, optional
        The positive class; default: ``estimator.classes_[1]`` when labels are not 0/1.
    max_groups : int or "auto", default "auto"
        As in :func:`audit`.
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
    by_name = isinstance(sensitive_features, str) or (
        is_column_names(sensitive_features) and hasattr(X, "columns")
    )
    if by_name:
        sensitive_features = v.sensitive_columns(X, sensitive_features)
    # y and the sensitive features follow the rows of X, and so do the predictions
    rows = v.align_rows({"X": X, "y": y, "sensitive_features": sensitive_features})
    y, sensitive_features = rows["y"], rows["sensitive_features"]
    if not isinstance(raw_sensitive, str | list | tuple):
        raw_sensitive = sensitive_features
    # postprocessing mitigators decide per group: give them the groups at predict time
    needs_groups = takes_sensitive_features(estimator.predict)
    predict_kwargs = {"sensitive_features": raw_sensitive} if needs_groups else {}
    classes = list(getattr(estimator, "classes_", [0, 1]))
    if len(classes) != 2:
        raise ValueError(f"estimator must be a binary classifier; its classes_ are {classes}.")
    if pos_label is None and not set(map(_plain_value, classes)) <= {0, 1}:
        pos_label = classes[1]
    pos_index = (
        classes.index(pos_label)
        if pos_label is not None
        else classes.index(1)
        if (1 in classes)
        else 1
    )
    score = None if needs_groups else positive_scores(estimator, X, pos_index=pos_index)
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
    train = _training_rows(
        X_train, y_train, sensitive_features_train, raw_sensitive if by_name else None
    )
    kwargs.setdefault("name", type(estimator).__name__)
    kwargs.setdefault("task", "binary")  # a binary classifier's decisions
    result = audit(
        y,
        y_pred,
        sensitive_features=sensitive_features,
        y_score=score,
        pos_label=pos_label,
        threshold=threshold,
        max_groups=max_groups,
        **kwargs,
    )
    if train is None:
        return result
    from ._generalization import generalization_gap

    # the audited decisions: those of predict, or of the scores at the threshold
    model = estimator if threshold is None else _Thresholded(estimator, pos_index, threshold)
    gap = generalization_gap(
        model,
        train[0],
        train[1],
        X,
        y,
        sensitive_features_train=train[2],
        sensitive_features_test=raw_sensitive,
        pos_label=pos_label,
        confidence_level=result.settings.confidence_level,
    )
    return replace(result, generalization=gap)


ERR_TRAIN_PAIR = (
    "X_train and y_train go together: {given} was given without {missing}. Pass both (the "
    "rows the model was fitted on and their labels) to add the overfitting-by-group "
    "audit, or neither."
)
ERR_TRAIN_GROUPS = (
    "sensitive_features_train is required with X_train when sensitive_features are not "
    "column names of X; pass the groups of the training rows."
)
ERR_TRAIN_GROUPS_ALONE = (
    "sensitive_features_train was given without X_train and y_train; pass the training rows "
    "too, or leave it out."
)


def _training_rows(
    X_train: Any, y_train: Any, sf_train: Any, names: Any
) -> tuple[Any, Any, Any] | None:
    """The training rows of :func:`audit_model` and their groups (None without); ``names``
    are the column names of the audited groups, if they were given so."""
    if X_train is None and y_train is None:
        if sf_train is not None:
            raise ValueError(ERR_TRAIN_GROUPS_ALONE)
        return None
    if X_train is None or y_train is None:
        given, missing = ("X_train", "y_train") if y_train is None else ("y_train", "X_train")
        raise ValueError(ERR_TRAIN_PAIR.format(given=given, missing=missing))
    if sf_train is None:
        if names is None or not hasattr(X_train, "columns"):
            raise ValueError(ERR_TRAIN_GROUPS)
        sf_train = names
    return X_train, y_train, sf_train


class _Thresholded:
    """A classifier's decisions at a threshold on its positive-class score."""

    def __init__(self, estimator: Any, pos_index: int, threshold: float) -> None:
        self.estimator, self.pos_index, self.threshold = estimator, pos_index, threshold
        self.classes_ = np.asarray(estimator.classes_)

    def predict(self, X: Any) -> np.ndarray:
        score = positive_scores(self.estimator, X, pos_index=self.pos_index)
        return np.where(
            score >= float(self.threshold),
            self.classes_[self.pos_index],
            self.classes_[1 - self.pos_index],
        )


def _plain_value(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x
