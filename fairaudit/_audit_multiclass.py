"""``audit(..., task="multiclass")``: decisions among several classes.

input -> validation (classes, options that mean nothing here) -> k x k confusion matrices
per group (:class:`~fairaudit.metrics._multiclass_stats.MulticlassStats`) -> per-class and
averaged tables with criteria (:func:`~fairaudit.metrics._multiclass.analyse_multiclass`)
-> :class:`~fairaudit.AuditResult`.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from . import _validation as v
from ._engine import (
    _reference_by_feature,
    _reference_for,
    _versions,
    check_stats_rows,
    stats_hash,
)
from ._meta import AuditMeta
from ._result import AuditResult, with_marginals
from .metrics._config import AuditConfig
from .metrics._criteria import CRITERIA
from .metrics._multiclass import MULTICLASS_CRITERIA, analyse_multiclass
from .metrics._multiclass_collect import MAX_CLASSES, encode_classes
from .metrics._multiclass_stats import MulticlassStats, count_multiclass
from .metrics._tables import INTERSECTION

ERR_OPTION = (
    "{option} has no meaning for a multiclass audit (task='multiclass'): the decisions are "
    "the classes in y_pred. Leave {option} out, or audit one class against the rest as a "
    "binary decision (task='binary', y_true == c, y_pred == c){extra}."
)
ERR_OPTIONS = (
    "{options} have no meaning for a multiclass audit (task='multiclass'): the decisions "
    "are the classes in y_pred. Leave them out, or audit one class against the rest as a "
    "binary decision (task='binary', y_true == c, y_pred == c){extra}."
)
#: Why each option that a multiclass audit refuses has no meaning there, beyond the rest.
OPTION_REASONS = {
    "y_score": "; per-class scores are not audited",
    "score_bins": "",
    "score_stats": "",
    "threshold": "",
    "pos_label": "",
    "metrics": "; a multiclass audit reports every per-class metric",
}
ERR_NO_PRED = "y_pred is required for a multiclass audit: the predicted class of every row."
WARN_PRED_ONLY = (
    "y_pred holds class(es) that never occur in y_true: {classes}; their true positive rate "
    "is undefined (NaN with a reason) and their precision 0, as every prediction of them is "
    "an error. Check that y_true and y_pred spell the classes alike ({true})."
)
WARN_ONE_PREDICTION = (
    "the model predicts one class ({cls!r}) for everyone; the audit cannot support a PASS."
)


def refuse_options(**given: Any) -> None:
    """Refuse the options a multiclass audit has no use for (those of
    :data:`OPTION_REASONS` given a value other than None), in one message naming each."""
    bad = [name for name, value in given.items() if value is not None]
    if not bad:
        return
    extra = "".join(dict.fromkeys(OPTION_REASONS[name] for name in bad))
    if len(bad) == 1:
        raise ValueError(ERR_OPTION.format(option=bad[0], extra=extra))
    names = ", ".join(bad[:-1]) + " and " + bad[-1]
    raise ValueError(ERR_OPTIONS.format(options=names, extra=extra))


def resolve_multiclass_tolerances(tolerances: Any) -> dict[str, float]:
    """Tolerance of every multiclass criterion: the defaults updated with the user's, by
    the binary audit's resolver (the same checks and messages) on
    :data:`MULTICLASS_CRITERIA`."""
    from .metrics._criteria import resolve_tolerances

    criteria = {name: CRITERIA[name] for name in MULTICLASS_CRITERIA}
    return resolve_tolerances(tolerances, criteria, task="multiclass")


def audit_multiclass(
    yt: np.ndarray,
    y_pred: Any,
    *,
    sensitive_features: Any,
    y_score: Any = None,
    sample_weight: Any = None,
    options: AuditConfig,
    notes: tuple[str, ...] = (),
    score_bins: Any = None,
) -> AuditResult:
    """The multiclass audit of rows (called by :func:`fairaudit.audit` with
    ``task="multiclass"``; the rows are aligned, ``options`` checked).

    ``options.tolerances`` holds the user's tolerances as given (or None); they are
    resolved against the multiclass criteria here.
    """
    refuse_options(
        y_score=y_score,
        score_bins=score_bins,
        threshold=options.threshold,
        pos_label=options.pos_label,
        metrics=options.metrics,
    )
    if y_pred is None:
        raise ValueError(ERR_NO_PRED)
    tolerances = resolve_multiclass_tolerances(options.tolerances)
    n = len(yt)
    yp = v.check_1d(y_pred, "y_pred")
    v.check_length(yp, n, "y_pred")
    classes, t_codes, p_codes, pred_only = encode_classes(yt, yp)
    weight = v.check_sample_weight(sample_weight, n)
    groups = v.encode_groups(sensitive_features, n_samples=n, max_groups=options.max_groups)
    stats = count_multiclass(
        groups.codes, groups.n_groups, t_codes, p_codes, classes, weight, groups.labels
    )
    extra_notes = warn_pred_only(classes, pred_only, stacklevel=5)
    meta = {
        "n_samples": n,
        "weighted": weight is not None,
        "n_missing": dict(groups.n_missing),
        "data_hash": stats_hash(stats.n, stats.w, stats.w2),
        "source": "rows",
        "notes": (*notes, *extra_notes),
    }
    return run_multiclass(stats, options=options, tolerances=tolerances, meta=meta)


def warn_pred_only(classes: tuple, pred_only: list, *, stacklevel: int) -> list[str]:
    """Warn of classes that occur only in y_pred; the note to record (none: [])."""
    if not pred_only:
        return []
    text = WARN_PRED_ONLY.format(
        classes=", ".join(map(repr, pred_only)),
        true=", ".join(map(repr, [c for c in classes if c not in pred_only][:10])),
    )
    warnings.warn(text, UserWarning, stacklevel=stacklevel)
    return [text]


def audit_multiclass_stats(
    stats: MulticlassStats, *, score_stats: Any = None, options: AuditConfig
) -> AuditResult:
    """The multiclass audit of labelled k x k statistics (from
    :func:`fairaudit.audit_from_stats`; ``options.tolerances`` as the user gave them)."""
    refuse_options(score_stats=score_stats, threshold=options.threshold, metrics=options.metrics)
    if stats.labels is None:
        from .metrics._stats import ERR_UNLABELLED

        raise TypeError(ERR_UNLABELLED)
    missing = check_stats_rows(stats)
    meta = {
        "n_samples": int(stats.n.sum()),
        "weighted": stats.weighted,
        "n_missing": missing,
        "data_hash": stats_hash(stats.n, stats.w, stats.w2),
        "source": "statistics",
    }
    return run_multiclass(stats, options=options, meta=meta)


def degenerate_multiclass(stats: MulticlassStats) -> list[str]:
    """Why the decisions cannot support a PASS: one class predicted for everyone."""
    predicted = stats.n.sum(axis=(0, 1))
    if (predicted > 0).sum() == 1:
        return [WARN_ONE_PREDICTION.format(cls=stats.classes[int(np.argmax(predicted))])]
    return []


def run_multiclass(
    stats: MulticlassStats,
    *,
    options: AuditConfig,
    tolerances: dict[str, float] | None = None,
    meta: dict,
) -> AuditResult:
    """The multiclass audit of labelled k x k statistics (of rows, or merged chunks).

    Parameters
    ----------
    stats : MulticlassStats
        The intersectional groups' matrices (one label level per feature).
    options : AuditConfig
        Checked options; ``tolerances`` given here replace ``options.tolerances``.
    tolerances : dict, optional
        Resolved tolerances of :data:`MULTICLASS_CRITERIA` (default: resolved from
        ``options.tolerances``).
    meta : dict
        ``n_samples``, ``weighted``, ``n_missing``, ``data_hash``, ``source``, ``notes``.
    """
    if tolerances is None:
        tolerances = resolve_multiclass_tolerances(options.tolerances)
    degenerate = degenerate_multiclass(stats)
    for cause in degenerate:
        warnings.warn(cause, UserWarning, stacklevel=4)
    metric_names = (
        "count",
        *(
            f"{m}[{c}]"
            for m in (
                "base_rate",
                "selection_rate",
                "true_positive_rate",
                "false_positive_rate",
                "positive_predictive_value",
            )
            for c in stats.classes
        ),
    )
    config = replace(
        options,
        task="multiclass",
        tolerances=dict(tolerances),
        metrics=metric_names,
        weighted=stats.weighted,
    )
    info = AuditMeta(
        n_samples=int(meta["n_samples"]),
        weighted=bool(meta["weighted"]),
        n_missing=meta.get("n_missing", {}),
        data_hash=str(meta["data_hash"]),
        source=str(meta.get("source", "rows")),
        name=options.name,
        has_scores=False,
        versions=_versions(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        notes=(
            *meta.get("notes", ()),
            NOTE_CLASSES.format(k=stats.n_classes, classes=", ".join(map(repr, stats.classes))),
        ),
        degenerate=tuple(degenerate),
    )
    names = stats.features
    attributes = [(INTERSECTION.join(names), stats)]
    if len(names) > 1:
        attributes += [(f, stats.marginal(f)) for f in names]
    seeds = np.random.SeedSequence(options.seed).spawn(len(attributes))
    reference = _reference_by_feature(options.reference_group, names)
    results = []
    for (attribute, s), seed in zip(attributes, seeds, strict=True):
        ref_index, reason = _reference_for(reference, s.correct(), attribute)
        tables = analyse_multiclass(
            s,
            attribute=attribute,
            ref_index=ref_index,
            config=config,
            tolerances=tolerances,
            rng=np.random.default_rng(seed),
        )
        part_info = replace(info, n_missing={k: info.n_missing.get(k, 0) for k in s.features})
        results.append(
            AuditResult(
                attribute=attribute,
                features=tuple(s.features),
                reference_reason=reason,
                settings=config,
                info=part_info,
                tables=tables,
            )
        )
    return with_marginals(results, names)


NOTE_CLASSES = (
    "multiclass audit of {k} classes ({classes}): each class is audited one-vs-rest "
    "(columns metric[class]); criteria without a class are the worst case across classes."
)

__all__ = [
    "CRITERIA",
    "MAX_CLASSES",
    "audit_multiclass",
    "encode_classes",
    "refuse_options",
    "resolve_multiclass_tolerances",
    "run_multiclass",
]
