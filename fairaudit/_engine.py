"""From labelled statistics to an :class:`AuditResult`: the part of an audit that never sees a
row. :func:`fairaudit.audit` reaches it after validating and counting the rows,
:func:`fairaudit.audit_from_stats` directly from statistics computed anywhere.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import warnings
from dataclasses import replace
from datetime import UTC, datetime
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from . import _validation as v
from ._meta import AuditMeta
from ._result import AuditResult, with_marginals
from .metrics._analysis import analyse_attributes, group_display
from .metrics._config import AuditConfig
from .metrics._criteria import resolve_tolerances
from .metrics._registry import PROBABILITY_METRICS, resolve_metric_names
from .metrics._significance import CORRECTION_SCOPES, CORRECTIONS
from .metrics._stats import ConfusionStats, ScoreStats, histogram_auc
from .metrics._tables import INTERSECTION

CI_METHODS = ("bootstrap", "wilson")
ERR_REFERENCE = "reference_group={ref!r} is not a group of {attribute}; the groups are {groups}."
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
ERR_CORRECTION_SCOPE = (
    "correction_scope must be one of {allowed} (adjust across every group and metric, or "
    "across the groups of each metric); got {value!r}."
)
ERR_THRESHOLD = "threshold must be a finite number; got {value!r}."
ERR_RANDOM_STATE = (
    "random_state must be None, a whole number >= 0 or a numpy.random.Generator; got {value!r}."
)
ERR_NAME = "name must be a string; got {type}."
ERR_SCORE_RANGE = (
    "y_score must be probabilities in [0, 1] for the metrics {metrics}; found values in "
    "[{lo:.4g}, {hi:.4g}]. Pass predict_proba scores, or leave those metrics out."
)
WARN_ONE_CLASS = (
    "the predictions are {label} for every row: the model does not discriminate at all, so "
    "parity criteria say nothing about it; the overall verdict cannot be PASS."
)
WARN_ONE_CLASS_PER_GROUP = (
    "every group receives a single prediction (each group all positive or all negative): the "
    "model decides by group alone; the overall verdict cannot be PASS."
)
WARN_THRESHOLD_OUTSIDE = (
    "threshold {threshold:g} is {side} every score (scores range from {lo:.4g} to {hi:.4g}), "
    "so every prediction is {label}{hint}; the overall verdict cannot be PASS."
)
LEFT_OUT_REASON = (
    "the scores are not probabilities in [0, 1] (they range from {lo:.4g} to {hi:.4g}); this "
    "metric needs probabilities"
)
NOTE_LEFT_OUT = (
    "scores are not probabilities in [0, 1]: brier_score and expected_calibration_error are "
    "left out"
)


def check_options(
    *,
    metrics: Any = None,
    reference_group: Any = None,
    n_bootstrap: Any = 1000,
    confidence_level: Any = 0.95,
    ci_method: Any = "bootstrap",
    min_group_size: Any = 30,
    suppress_below: Any = None,
    tolerances: Any = None,
    threshold: Any = None,
    correction: Any = "holm",
    correction_scope: Any = "all",
    random_state: Any = None,
    name: Any = None,
    pos_label: Any = None,
    max_groups: Any = None,
) -> AuditConfig:
    """Check the options of an audit and draw its seed; clear errors name the option."""
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, Integral) or n_bootstrap < 0:
        raise ValueError(ERR_N_BOOTSTRAP.format(value=n_bootstrap))
    if not isinstance(confidence_level, Real) or not 0 < float(confidence_level) < 1:
        raise ValueError(ERR_CONFIDENCE.format(value=confidence_level))
    if ci_method not in CI_METHODS:
        raise ValueError(ERR_CI_METHOD.format(allowed=", ".join(CI_METHODS), value=ci_method))
    if (
        isinstance(min_group_size, bool)
        or not isinstance(min_group_size, Integral)
        or (min_group_size < 0)
    ):
        raise ValueError(ERR_MIN_GROUP_SIZE.format(value=min_group_size))
    if suppress_below is not None and (
        isinstance(suppress_below, bool)
        or not isinstance(suppress_below, Integral)
        or suppress_below < 1
    ):
        raise ValueError(ERR_SUPPRESS.format(value=suppress_below))
    if correction not in CORRECTIONS:
        raise ValueError(ERR_CORRECTION.format(allowed=", ".join(CORRECTIONS), value=correction))
    if correction_scope not in CORRECTION_SCOPES:
        raise ValueError(
            ERR_CORRECTION_SCOPE.format(
                allowed=", ".join(CORRECTION_SCOPES), value=correction_scope
            )
        )
    if threshold is not None and (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or not np.isfinite(float(threshold))
    ):
        raise ValueError(ERR_THRESHOLD.format(value=threshold))
    if name is not None and not isinstance(name, str):
        raise TypeError(ERR_NAME.format(type=type(name).__name__))
    tol = resolve_tolerances(tolerances)
    if isinstance(random_state, np.random.Generator):
        seed = int(random_state.integers(0, 2**63 - 1))
    elif random_state is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    elif (
        isinstance(random_state, bool)
        or not isinstance(random_state, Integral)
        or (random_state < 0)
    ):
        raise ValueError(ERR_RANDOM_STATE.format(value=random_state))
    else:
        seed = int(random_state)
    return AuditConfig(
        metrics=metrics,
        reference_group=reference_group,
        n_bootstrap=int(n_bootstrap),
        confidence_level=float(confidence_level),
        ci_method=ci_method,
        min_group_size=int(min_group_size),
        suppress_below=None if suppress_below is None else int(suppress_below),
        tolerances=tol,
        threshold=None if threshold is None else float(threshold),
        correction=correction,
        correction_scope=correction_scope,
        random_state=random_state,
        seed=seed,
        name=name,
        pos_label=pos_label,
        max_groups=max_groups,
    )


def _find_group(labels: pd.Index, ref: Any, attribute: str) -> int:
    key = tuple(ref) if isinstance(labels, pd.MultiIndex) else ref
    matches = [i for i, g in enumerate(labels) if g == key]
    if not matches:
        shown = [group_display(g) for g in labels[:12]]
        more = "" if len(labels) <= 12 else f" ... ({len(labels)} in all)"
        raise ValueError(
            ERR_REFERENCE.format(ref=ref, attribute=attribute, groups=", ".join(map(repr, shown)))[
                :-1
            ]
            + more
            + "."
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
    ref: dict[str, Any] | None, conf: ConfusionStats, attribute: str
) -> tuple[int, str]:
    """Index of the reference group of one attribute, and why it was chosen."""
    names = conf.features
    if ref is None or not all(n in ref for n in names):
        i = int(np.argmax(conf.w.sum(axis=1)))
        why = "" if ref is None else "; no reference named for every feature"
        return i, f"largest group ({int(conf.n[i].sum())} rows{why})"
    value = tuple(ref[n] for n in names) if len(names) > 1 else ref[names[0]]
    return _find_group(conf.labels, value, attribute), "named by the user"


ERR_STATS_EMPTY = "stats hold no rows; pass statistics of at least one row."


def check_stats_rows(stats: Any) -> dict[str, int]:
    """Refuse statistics without rows or weight; the rows of each feature's missing group
    (for ``meta["n_missing"]``). ``stats`` has ``n``, ``w``, ``labels`` and ``features``."""
    if stats.n.sum() == 0:
        raise ValueError(ERR_STATS_EMPTY)
    if not stats.w.sum() > 0:
        raise ValueError(v.ERR_WEIGHT_ZERO)
    missing = {}
    for i, feature in enumerate(stats.features):
        level = (
            stats.labels.get_level_values(i)
            if isinstance(stats.labels, pd.MultiIndex)
            else stats.labels
        )
        missing[feature] = int(stats.n[np.asarray(level == v.MISSING_GROUP)].sum())
    return missing


def stats_hash(*arrays: np.ndarray | None) -> str:
    """A short hash of arrays (the audited data, or its statistics)."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"-")
        else:
            h.update(np.ascontiguousarray(a).view(np.uint8).tobytes())
    return h.hexdigest()[:16]


def _versions() -> dict[str, str]:
    """The versions an audit records (a new dict each call)."""
    return dict(_package_versions())


@functools.cache
def _package_versions() -> tuple[tuple[str, str], ...]:
    from importlib.metadata import version

    from . import __version__

    return (
        ("fairaudit", __version__),
        ("python", platform.python_version()),
        ("numpy", np.__version__),
        ("pandas", pd.__version__),
        # from its metadata: an audit of predictions need not import scikit-learn (over
        # half a second of a command-line audit's start)
        ("scikit-learn", version("scikit-learn")),
    )


def degenerate_causes(
    conf: ConfusionStats, threshold: float | None, score_range: tuple[float, float] | None
) -> list[str]:
    """Why the audited predictions cannot support a PASS (empty when they can).

    ``score_range`` is the smallest and largest score (or bounds that surely contain them).
    """
    if threshold is not None and score_range is not None and np.isfinite(score_range[0]):
        lo, hi = score_range
        t = float(threshold)
        if t > hi or t <= lo:
            above = t > hi
            hint = (
                f" (a threshold given in percent? {t / 100:g} is the same on a 0-1 scale)"
                if above and 1 < t <= 100 and hi <= 1
                else ""
            )
            return [
                WARN_THRESHOLD_OUTSIDE.format(
                    threshold=t,
                    side="above" if above else "at or below",
                    lo=lo,
                    hi=hi,
                    label="negative" if above else "positive",
                    hint=hint,
                )
            ]
    positives = conf.n[:, 1] + conf.n[:, 3]
    size = conf.n.sum(axis=1)
    if positives.sum() in (0, size.sum()):
        return [WARN_ONE_CLASS.format(label="positive" if positives.sum() else "negative")]
    present = size > 0
    # groups of one row always get a single prediction; they prove nothing
    if (
        conf.n_groups > 1
        and size.max() > 1
        and np.all((positives[present] == 0) | (positives[present] == size[present]))
    ):
        return [WARN_ONE_CLASS_PER_GROUP]
    return []


def _metric_names(options: AuditConfig, scores: ScoreStats | None):
    """Metrics to report, and those left out because the scores are not probabilities."""
    names = resolve_metric_names(options.metrics, has_scores=scores is not None)
    left_out: tuple[tuple[str, str], ...] = ()
    notes: list[str] = []
    if scores is not None and not scores.probabilistic:
        lo, hi = scores.score_range()
        asked = [m for m in names if m in PROBABILITY_METRICS]
        if options.metrics is not None and asked:
            raise ValueError(ERR_SCORE_RANGE.format(metrics=", ".join(asked), lo=lo, hi=hi))
        why = LEFT_OUT_REASON.format(lo=lo, hi=hi)
        left_out = tuple((m, why) for m in asked)
        names = tuple(m for m in names if m not in PROBABILITY_METRICS)
        notes.append(NOTE_LEFT_OUT)
    if "count" not in names:
        names = ("count", *names)
    return names, left_out, notes


def run(
    conf: ConfusionStats,
    scores: ScoreStats | None,
    *,
    options: AuditConfig,
    meta: dict,
    overall_auc: float | None = None,
    marginal_scores: dict[str, ScoreStats] | None = None,
    threshold_range: tuple[float, float] | None = None,
) -> AuditResult:
    """The audit of labelled statistics.

    Parameters
    ----------
    conf : ConfusionStats
        Labelled statistics of the intersectional groups (one label level per feature).
    scores : ScoreStats, optional
        Score histograms of the same groups.
    options : AuditConfig
        The validated options (from :func:`check_options`).
    meta : dict
        What was audited: ``n_samples``, ``weighted``, ``n_missing``, ``data_hash``,
        ``source`` and optional ``notes``; the run adds the name, versions, time, notes and
        degenerate causes (see :class:`~fairaudit._meta.AuditMeta`).
    overall_auc : float, optional
        The exact AUC of all rows, when the rows were seen (else from the histogram).
    marginal_scores : dict, optional
        Score statistics of each feature computed from the rows (exact AUCs); by default
        the intersectional histograms are summed.
    threshold_range : tuple, optional
        The exact smallest and largest score, for the threshold check (else the bins').
    """
    metric_names, left_out, notes = _metric_names(options, scores)
    names = conf.features
    if threshold_range is None and scores is not None:
        threshold_range = scores.score_range()
    degenerate = degenerate_causes(conf, options.threshold, threshold_range)
    for cause in degenerate:
        warnings.warn(cause, UserWarning, stacklevel=3)
    if overall_auc is None:
        overall_auc = np.nan if scores is None else float(histogram_auc(scores.w.sum(axis=0)))
    lo_score = np.nan if scores is None else scores.score_range()[0]
    config = replace(
        options,
        metrics=metric_names,
        weighted=conf.weighted,
        probabilistic=scores is None or scores.probabilistic,
        nonnegative_scores=scores is None or not lo_score < 0,
        left_out=left_out,
    )
    info = AuditMeta(
        n_samples=int(meta["n_samples"]),
        weighted=bool(meta["weighted"]),
        n_missing=meta.get("n_missing", {}),
        data_hash=str(meta["data_hash"]),
        source=str(meta.get("source", "rows")),
        name=options.name,
        has_scores=scores is not None,
        versions=_versions(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        notes=(*meta.get("notes", ()), *notes),
        degenerate=tuple(degenerate),
    )
    attributes: list[tuple[str, ConfusionStats, ScoreStats | None]] = [
        (INTERSECTION.join(names), conf, scores)
    ]
    if len(names) > 1:
        for feature in names:
            marginal = scores
            if scores is not None:
                marginal = (marginal_scores or {}).get(feature) or scores.marginal(feature)
            attributes.append((feature, conf.marginal(feature), marginal))
    seeds = np.random.SeedSequence(options.seed).spawn(len(attributes))
    reference = _reference_by_feature(options.reference_group, names)
    parts, reasons = [], []
    for (attribute, stats, sstats), seed in zip(attributes, seeds, strict=True):
        ref_index, reason = _reference_for(reference, stats, attribute)
        parts.append(
            {
                "conf": stats,
                "scores": sstats,
                "overall_auc": overall_auc,
                "labels": stats.labels,
                "attribute": attribute,
                "ref_index": ref_index,
                "rng": np.random.default_rng(seed),
            }
        )
        reasons.append(reason)
    # the criteria of every attribute in one table: the features' first, the intersection last
    order = [*range(1, len(parts)), 0]
    analysed, criteria = analyse_attributes([parts[i] for i in order], config=config)
    tables_of = dict(zip(order, analysed, strict=True))
    results = []
    for i, ((attribute, stats, _), reason) in enumerate(zip(attributes, reasons, strict=True)):
        part_info = replace(info, n_missing={k: info.n_missing.get(k, 0) for k in stats.features})
        results.append(
            AuditResult(
                attribute=attribute,
                features=tuple(stats.features),
                reference_reason=reason,
                settings=config,
                info=part_info,
                tables=tables_of[i],
            )
        )
    return with_marginals(results, names, criteria)
