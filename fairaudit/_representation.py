"""Representation audit: is the sample like the population, and are its labels balanced?

Before any model exists, bias can be in the data: a group under-represented in the sample
(selection bias in data collection), or labels that favour one group. This module compares
each group's share of the data with a reference population (e.g. census shares), tests the
fit, and computes the label-based measures of SageMaker Clarify's pre-training report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ._json_frames import frame_from_dict, frame_to_dict, py
from ._validation import (
    align_rows,
    binarize_labels,
    check_1d,
    check_length,
    check_sample_weight,
    encode_groups,
)
from .metrics._intervals import effective_size, modified_wilson_interval

__all__ = ["Representation", "representation"]

#: The exact multinomial test is used when an expected count is below this ...
EXACT_BELOW = 5.0
#: ... and the sample's outcomes (compositions of n into k groups) are at most this many.
EXACT_MAX_OUTCOMES = 200_000

ERR_REF_TYPE = (
    "{arg} must be a dict or a pandas Series of population shares, one per group; got {type}."
)
ERR_REF_VALUES = (
    "{arg}: the shares must be finite numbers >= 0 summing to 1; got {values} (sum "
    "{total:.6g}). Shares rounded in a publication: divide each by their sum."
)
ERR_REF_MISSING = (
    "the group(s) {groups} occur in the data but not in {arg} (which has {have}); give "
    "every group a reference share."
)
ERR_REF_ZERO = (
    "the group(s) {groups} occur in the data but have reference share 0 in {arg}; the "
    "sample cannot be compared with a population that has no such members. Correct the "
    "reference shares."
)
ERR_LEVEL = "confidence_level={value!r} is not valid; use a number strictly between 0 and 1."
ERR_STRATA_NEEDS_Y = "strata= needs y_true: conditional demographic disparity is about labels."


@dataclass(frozen=True)
class Representation:
    """The result of :func:`representation`.

    Attributes
    ----------
    groups : pandas.DataFrame
        One row per group (index: the groups, including groups of the reference absent from
        the data): ``n`` (rows; weighted with sample weights), ``share`` and its interval
        ``share_lower``/``share_upper``, and, with a reference, ``reference_share``,
        ``ratio`` (share / reference share) and ``difference`` (share - reference share).
    test : str or None
        ``"chi-square"``, ``"exact multinomial"`` or None (no reference).
    statistic, dof, p_value : float
        The goodness-of-fit test of the sample's group counts against the reference shares
        (the statistic is the chi-square statistic, also for the exact test; ``dof`` is
        the number of groups minus 1). NaN without a reference.
    divergences : dict
        The sample's distribution over the groups, P, against the reference, Q:
        ``kl`` = KL(P || Q), ``js`` = Jensen-Shannon divergence (natural log; the square
        of scipy's ``jensenshannon``), ``tvd`` = total variation distance. NaN without a
        reference.
    labels : pandas.DataFrame or None
        With ``y_true``: Clarify's pre-training measures for each group d against the rest
        a (index: the groups): ``n``, ``positive_rate`` with its interval, ``ci`` (class
        imbalance (n_a - n_d) / (n_a + n_d)), ``dpl`` (q_a - q_d), ``kl``, ``js``, ``lp``
        (L2 norm), ``tvd``, ``ks`` of the label distributions, ``dd`` (demographic
        disparity) and, with strata, ``cdd``.
    confidence_level : float
    n_rows : int
    effective_n : float
        Kish's effective sample size (the row count without weights).
    notes : tuple of str
        What the numbers rest on (weights, small counts, strata left out).
    """

    groups: pd.DataFrame
    test: str | None
    statistic: float
    dof: int
    p_value: float
    divergences: dict[str, float]
    labels: pd.DataFrame | None
    confidence_level: float
    n_rows: int
    effective_n: float
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The group table, with the label measures (prefixed ``label_``) when computed."""
        if self.labels is None:
            return self.groups.copy()
        labels = self.labels.drop(columns="n").add_prefix("label_")
        return self.groups.join(labels)

    def flagged(self, alpha: float = 0.05) -> bool:
        """Whether the goodness-of-fit test rejects the reference at level ``alpha``."""
        return bool(self.p_value < alpha)

    def to_dict(self) -> dict:
        """A JSON-ready dict (NaN as None), as an audit result holds it."""
        return {
            "groups": frame_to_dict(self.groups),
            "test": self.test,
            "statistic": py(self.statistic),
            "dof": int(self.dof),
            "p_value": py(self.p_value),
            "divergences": {k: py(v) for k, v in self.divergences.items()},
            "labels": None if self.labels is None else frame_to_dict(self.labels),
            "confidence_level": self.confidence_level,
            "n_rows": int(self.n_rows),
            "effective_n": py(self.effective_n),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Representation:
        """Rebuild the result from :meth:`to_dict` output."""

        def num(x: Any) -> float:
            return np.nan if x is None else float(x)

        return cls(
            groups=frame_from_dict(d["groups"]).astype(float),
            test=d["test"],
            statistic=num(d["statistic"]),
            dof=int(d["dof"]),
            p_value=num(d["p_value"]),
            divergences={k: num(v) for k, v in d["divergences"].items()},
            labels=None if d["labels"] is None else frame_from_dict(d["labels"]).astype(float),
            confidence_level=float(d["confidence_level"]),
            n_rows=int(d["n_rows"]),
            effective_n=num(d["effective_n"]),
            notes=tuple(d["notes"]),
        )


# --------------------------------------------------------------------- reference
def _reference(reference: Any, labels: pd.Index, arg: str = "reference") -> pd.Series:
    """Reference shares on the group labels, plus groups of the reference not in the data."""
    if isinstance(reference, Mapping):
        ref = pd.Series(dict(reference), dtype=float)
        if isinstance(labels, pd.MultiIndex) and len(ref):
            ref.index = pd.MultiIndex.from_tuples(ref.index, names=labels.names)
    elif isinstance(reference, pd.Series):
        ref = reference.astype(float)
    else:
        raise TypeError(ERR_REF_TYPE.format(arg=arg, type=type(reference).__name__))
    values = ref.to_numpy()
    total = float(values.sum()) if len(values) else 0.0
    if (
        not len(values)
        or not np.isfinite(values).all()
        or (values < 0).any()
        or abs(total - 1.0) > 1e-6
    ):
        raise ValueError(ERR_REF_VALUES.format(arg=arg, values=ref.to_dict(), total=total))
    pos = ref.index.get_indexer(labels)
    if (pos < 0).any():
        raise ValueError(
            ERR_REF_MISSING.format(
                groups=[str(g) for g in labels[pos < 0]],
                arg=arg,
                have=[str(g) for g in ref.index],
            )
        )
    zero = ref.to_numpy()[pos] == 0
    if zero.any():
        raise ValueError(ERR_REF_ZERO.format(groups=[str(g) for g in labels[zero]], arg=arg))
    extra = ref.index.difference(labels, sort=False)
    index = labels.append(extra) if len(extra) else labels
    out = pd.Series(ref.reindex(index).to_numpy(), index=index, name="reference_share")
    return out


# --------------------------------------------------------------------------- tests
def _compositions(n: int, k: int) -> np.ndarray:
    """Every vector of k non-negative integers summing to n, shape (C(n+k-1, k-1), k)."""
    parts = np.zeros((1, 0), dtype=np.int64)
    rem = np.array([n], dtype=np.int64)
    for _ in range(k - 1):
        counts = rem + 1
        idx = np.repeat(np.arange(len(rem)), counts)
        take = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        parts = np.column_stack([parts[idx], take])
        rem = rem[idx] - take
    return np.column_stack([parts, rem])


def _n_compositions(n: int, k: int) -> float:
    from scipy.special import gammaln  # heavy import, only when needed

    return float(np.exp(gammaln(n + k) - gammaln(k) - gammaln(n + 1)))


def _exact_multinomial(counts: np.ndarray, p: np.ndarray) -> float:
    """P-value of the exact multinomial test: the probability of the outcomes no likelier
    than the one observed (the two-sided rule of scipy's ``binomtest``)."""
    from scipy.special import gammaln  # heavy import, only when needed

    n, k = int(counts.sum()), len(counts)
    outcomes = _compositions(n, k)
    logp = np.log(p)

    def log_pmf(x: np.ndarray) -> np.ndarray:
        return gammaln(n + 1) - gammaln(x + 1).sum(axis=-1) + (x * logp).sum(axis=-1)

    pmf = np.exp(log_pmf(outcomes))
    observed = np.exp(log_pmf(counts))
    return float(min(1.0, pmf[pmf <= observed * (1 + 1e-7)].sum()))


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) with 0 log 0 = 0; inf where q = 0 < p."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / q), 0.0)
    return float(terms.sum())


def _divergences(p: np.ndarray, q: np.ndarray) -> dict[str, float]:
    m = 0.5 * (p + q)
    return {
        "kl": _kl(p, q),
        "js": 0.5 * _kl(p, m) + 0.5 * _kl(q, m),
        "tvd": 0.5 * float(np.abs(p - q).sum()),
    }


# ------------------------------------------------------------------------ labels
def _binary_kl(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    """KL between Bernoulli(a) and Bernoulli(d), elementwise."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(a > 0, a * np.log(a / d), 0.0)
        neg = np.where(a < 1, (1 - a) * np.log((1 - a) / (1 - d)), 0.0)
    return pos + neg


def _label_measures(
    y: np.ndarray,
    codes: np.ndarray,
    labels: pd.Index,
    w: np.ndarray,
    level: float,
    strata: np.ndarray | None,
    notes: list[str],
) -> pd.DataFrame:
    k = len(labels)
    n_g = np.bincount(codes, w, k)
    pos_g = np.bincount(codes, w * y, k)
    sq_g = np.bincount(codes, w * w, k)
    n_all, pos_all = n_g.sum(), pos_g.sum()
    n_a, pos_a = n_all - n_g, pos_all - pos_g
    with np.errstate(divide="ignore", invalid="ignore"):
        q_d = pos_g / n_g
        q_a = np.where(n_a > 0, pos_a / n_a, np.nan)
    eff = effective_size(n_g, sq_g)
    lo, hi = modified_wilson_interval(q_d * eff, eff, level)
    dpl = q_a - q_d
    m = 0.5 * (q_a + q_d)
    # demographic disparity: share of d among the rejected minus its share among the accepted
    neg_all = n_all - pos_all
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = (n_g - pos_g) / neg_all - pos_g / pos_all
    table = pd.DataFrame(
        {
            "n": n_g,
            "positive_rate": q_d,
            "positive_rate_lower": lo,
            "positive_rate_upper": hi,
            "ci": (n_a - n_g) / (n_a + n_g),
            "dpl": dpl,
            "kl": _binary_kl(q_a, q_d),
            "js": 0.5 * _binary_kl(q_a, m) + 0.5 * _binary_kl(q_d, m),
            "lp": np.sqrt(2.0) * np.abs(dpl),
            "tvd": np.abs(dpl),
            "ks": np.abs(dpl),
            "dd": dd,
        },
        index=labels,
    )
    if strata is not None:
        s_codes, s_labels = pd.factorize(strata, use_na_sentinel=False)
        ns = len(s_labels)
        cell = codes * ns + s_codes
        n_gs = np.bincount(cell, w, k * ns).reshape(k, ns)
        pos_gs = np.bincount(cell, w * y, k * ns).reshape(k, ns)
        n_s, pos_s = n_gs.sum(axis=0), pos_gs.sum(axis=0)
        neg_s = n_s - pos_s
        defined = (pos_s > 0) & (neg_s > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dd_s = (n_gs - pos_gs) / neg_s - pos_gs / pos_s
        weights = np.where(defined, n_s, 0.0)
        table["cdd"] = (np.where(defined, dd_s, 0.0) * weights).sum(axis=1) / weights.sum()
        if (~defined).any():
            notes.append(
                f"{int((~defined).sum())} stratum/strata with only one label left out of the "
                "conditional demographic disparity (its demographic disparity is undefined)."
            )
    return table


# -------------------------------------------------------------------------- main
def representation(
    sensitive_features: Any,
    *,
    reference: Any = None,
    y_true: Any = None,
    sample_weight: Any = None,
    strata: Any = None,
    pos_label: Any = None,
    confidence_level: float = 0.95,
) -> Representation:
    """Who is in the data: each group's share against a reference population, and the
    label measures that exist before any model.

    Parameters
    ----------
    sensitive_features : array-like, Series, DataFrame or dict
        The group of each row (several features: their intersections).
    reference : dict or Series, optional
        The population share of each group (e.g. census figures), summing to 1. Keys are
        the group labels (tuples, or a MultiIndex Series, for intersections). Groups of the
        reference absent from the data are listed with share 0. Every group of the data
        needs a positive reference share.
    y_true : array-like, optional
        Binary labels; adds the label measures (:attr:`Representation.labels`).
    sample_weight : array-like, optional
        Survey or design weights: shares and rates are weighted; intervals and the test use
        Kish's effective sample size.
    strata : array-like, optional
        A variable to condition on (e.g. the department applied to) for the conditional
        demographic disparity. Needs ``y_true``.
    pos_label : scalar, optional
        The positive label of ``y_true`` when it is not 0/1 or boolean.
    confidence_level : float, default 0.95
        Of the share and rate intervals (modified Wilson, which keeps coverage for small
        shares).

    Returns
    -------
    Representation

    Notes
    -----
    The goodness-of-fit test is Pearson's chi-square test with ``k - 1`` degrees of freedom
    unless an expected count is below 5; then the exact multinomial test is used (when the
    sample's possible outcomes are few enough to enumerate, at most 200,000; otherwise the
    chi-square test, with a note). With sample weights the chi-square statistic is computed
    on the weighted shares with the effective sample size as n (no exact test).
    Pandas inputs are paired by index label.
    """
    return _measure(
        sensitive_features,
        reference,
        y_true,
        sample_weight,
        strata,
        pos_label,
        confidence_level,
        arg="reference",
    )


def _measure(
    sensitive_features: Any,
    reference: Any,
    y_true: Any,
    sample_weight: Any,
    strata: Any,
    pos_label: Any,
    confidence_level: float,
    *,
    arg: str,
) -> Representation:
    """:func:`representation`, with the reference named ``arg`` in error messages."""
    if not (isinstance(confidence_level, float | int) and 0 < confidence_level < 1):
        raise ValueError(ERR_LEVEL.format(value=confidence_level))
    if strata is not None and y_true is None:
        raise ValueError(ERR_STRATA_NEEDS_Y)
    rows = align_rows(
        {
            "sensitive_features": sensitive_features,
            "y_true": y_true,
            "sample_weight": sample_weight,
            "strata": strata,
        }
    )
    groups = encode_groups(rows["sensitive_features"])
    n = len(groups.codes)
    w_in = check_sample_weight(rows["sample_weight"], n)
    weighted = w_in is not None
    w = np.ones(n) if w_in is None else w_in
    notes: list[str] = []
    k = groups.n_groups
    n_g = np.bincount(groups.codes, w, k)
    total, eff = float(n_g.sum()), float(effective_size(w.sum(), np.dot(w, w)))
    share = n_g / total
    lo, hi = modified_wilson_interval(share * eff, np.full(k, eff), confidence_level)
    table = pd.DataFrame(
        {"n": n_g, "share": share, "share_lower": lo, "share_upper": hi}, index=groups.labels
    )
    test, stat, dof, p_value = None, np.nan, k - 1, np.nan
    div = {"kl": np.nan, "js": np.nan, "tvd": np.nan}
    if reference is not None:
        ref = _reference(reference, groups.labels, arg)
        table = table.reindex(ref.index)
        absent = table["n"].isna().to_numpy()
        if absent.any():
            table.loc[absent, ["n", "share"]] = 0.0
            a_lo, a_hi = modified_wilson_interval(
                np.zeros(int(absent.sum())), np.full(int(absent.sum()), eff), confidence_level
            )
            table.loc[absent, "share_lower"], table.loc[absent, "share_upper"] = a_lo, a_hi
            notes.append(
                "group(s) "
                + ", ".join(str(g) for g in ref.index[absent])
                + " of the reference have no row in the data."
            )
        q = ref.to_numpy()
        p = table["share"].to_numpy()
        table["reference_share"] = q
        table["ratio"] = p / q
        table["difference"] = p - q
        dof = len(q) - 1
        expected = eff * q
        stat = float((eff * (p - q) ** 2 / q).sum())
        counts = table["n"].to_numpy()
        small = expected.min() < EXACT_BELOW
        if small and not weighted and _n_compositions(n, len(q)) <= EXACT_MAX_OUTCOMES:
            test, p_value = "exact multinomial", _exact_multinomial(counts.astype(np.int64), q)
        else:
            from scipy.stats import chi2  # heavy import, only when needed

            test, p_value = "chi-square", float(chi2.sf(stat, dof)) if dof > 0 else 1.0
            if small:
                notes.append(
                    "an expected count is below 5: the chi-square approximation may be poor"
                    + (
                        " (weighted data: no exact test)."
                        if weighted
                        else " (too many outcomes for the exact test)."
                    )
                )
        div = _divergences(p, q)
    if weighted:
        notes.append(
            f"weighted: shares use the weights; intervals and the test use Kish's effective "
            f"sample size {eff:.1f} of {n} rows."
        )
    labels = None
    if y_true is not None:
        y = check_1d(rows["y_true"], "y_true")
        check_length(y, n, "y_true", "sensitive_features")
        y = binarize_labels({"y_true": y}, pos_label)["y_true"].astype(float)
        s = None
        if rows["strata"] is not None:
            s = check_1d(rows["strata"], "strata")
            check_length(s, n, "strata", "sensitive_features")
        labels = _label_measures(y, groups.codes, groups.labels, w, confidence_level, s, notes)
    return Representation(
        groups=table,
        test=test,
        statistic=stat,
        dof=dof,
        p_value=p_value,
        divergences=div,
        labels=labels,
        confidence_level=float(confidence_level),
        n_rows=n,
        effective_n=eff,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------- within an audit
ERR_SHARES_TYPE = (
    "reference_shares must be a dict or a pandas Series of population shares, one per group "
    "of the audited attribute (tuples in the order of the features for several); got {type}."
)
#: Columns of a group withheld when the audit suppresses it (``suppress_below``).
_WITHHELD = ("n", "share", "share_lower", "share_upper", "ratio", "difference")


def check_reference_shares(reference_shares: Any) -> None:
    """The cheap check of ``audit(reference_shares=)``, before any work is done."""
    if reference_shares is not None and not isinstance(reference_shares, Mapping | pd.Series):
        raise TypeError(ERR_SHARES_TYPE.format(type=type(reference_shares).__name__))


def audit_representation(
    sensitive_features: Any,
    reference_shares: Any,
    *,
    y_true: Any,
    sample_weight: Any,
    pos_label: Any,
    confidence_level: float,
    suppress_below: int | None,
) -> Representation:
    """The representation audit that :func:`fairaudit.audit` stores with its result.

    The same numbers as :func:`representation` on the audit's rows (``y_true`` is None for
    tasks other than binary: the label measures are those of binary labels). Groups the
    audit suppresses (fewer rows than ``suppress_below``) keep their reference share, but
    their counts, shares and label measures are withheld (NaN); the test and the
    divergences still use every row.
    """
    rep = _measure(
        sensitive_features,
        reference_shares,
        y_true,
        sample_weight,
        None,
        pos_label,
        confidence_level,
        arg="reference_shares",
    )
    if suppress_below is None:
        return rep
    groups = encode_groups(sensitive_features)
    rows = pd.Series(np.bincount(groups.codes, minlength=groups.n_groups), index=groups.labels)
    rows = rows.reindex(rep.groups.index, fill_value=0)
    hide = ((rows > 0) & (rows < suppress_below)).to_numpy()
    if not hide.any():
        return rep
    table = rep.groups.copy()
    columns = [c for c in _WITHHELD if c in table.columns]
    table.loc[hide, columns] = np.nan
    labels = None
    if rep.labels is not None:
        labels = rep.labels.copy()
        labels.loc[hide[: len(labels)], :] = np.nan
    note = (
        f"{int(hide.sum())} group(s) with fewer than suppress_below={suppress_below} rows: "
        "their counts, shares and label measures are withheld; the test and the divergences "
        "use every row."
    )
    return replace(rep, groups=table, labels=labels, notes=(*rep.notes, note))
