"""Numbers of the COMPAS case study: error rates, calibration, the identity, thresholds.

Pure functions of the rows of :func:`fairaudit.datasets.load_compas`; the audit itself,
the figures and the report are in :mod:`fairaudit.casestudies.compas`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import BaseEstimator, ClassifierMixin

from fairaudit.datasets import propublica_filter

#: The two groups ProPublica compared.
GROUPS = ("African-American", "Caucasian")
AA, WHITE = GROUPS

#: Figures published by ProPublica ("How We Analyzed the COMPAS Recidivism Algorithm",
#: 2016, and the truth tables of its notebook, printed with two decimals in percent).
PUBLISHED = pd.DataFrame(
    {
        "false_positive_rate": [0.4485, 0.2345],
        "false_negative_rate": [0.2799, 0.4772],
    },
    index=pd.Index(GROUPS, name="race"),
)
#: The same figures as printed in the article, with one decimal (the notebook's two-decimal
#: figures rounded half up: 44.85% -> 44.9%).
PUBLISHED_ARTICLE = pd.DataFrame(
    {
        "false_positive_rate": [0.449, 0.235],
        "false_negative_rate": [0.280, 0.477],
    },
    index=pd.Index(GROUPS, name="race"),
)
#: Deciles whose calibration difference counts as measured: at least this many defendants
#: of each group.
MIN_DECILE_COUNT = 100
#: Largest equalized-odds difference (max of the FPR and TPR gaps) accepted by the
#: group-threshold search.
EO_TOLERANCE = 0.01

SUBSETS_ERROR = "df must hold the 7,214 unfiltered rows of load_compas(); got {n} rows"
CONFIDENCE_ERROR = "confidence_level must be a number strictly between 0 and 1; got {value!r}"


# --------------------------------------------------------------------------------------
# intervals
# --------------------------------------------------------------------------------------
def _z(confidence_level: float) -> float:
    if not isinstance(confidence_level, int | float) or not 0 < confidence_level < 1:
        raise ValueError(CONFIDENCE_ERROR.format(value=confidence_level))
    return float(norm.ppf(0.5 + confidence_level / 2))


def wilson_interval(
    successes: Any, trials: Any, confidence_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (vectorized; NaN where trials == 0).

    Parameters
    ----------
    successes, trials : array-like
        Counts of successes and of trials, broadcast together.
    confidence_level : float, default 0.95

    Returns
    -------
    lower, upper : numpy.ndarray
    """
    z = _z(confidence_level)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    ok = n > 0
    n_safe = np.where(ok, n, 1.0)
    p = k / n_safe
    z2 = z * z
    centre = (p + z2 / (2 * n_safe)) / (1 + z2 / n_safe)
    half = z * np.sqrt(p * (1 - p) / n_safe + z2 / (4 * n_safe**2)) / (1 + z2 / n_safe)
    return np.where(ok, centre - half, np.nan), np.where(ok, centre + half, np.nan)


def newcombe_interval(
    k1: Any, n1: Any, k2: Any, n2: Any, confidence_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for a difference of proportions ``k1/n1 - k2/n2``.

    Method 10 of Newcombe (1998, Statistics in Medicine 17:873-890), built from the two
    Wilson intervals; vectorized.
    """
    l1, u1 = wilson_interval(k1, n1, confidence_level)
    l2, u2 = wilson_interval(k2, n2, confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = np.asarray(k1, float) / np.asarray(n1, float)
        p2 = np.asarray(k2, float) / np.asarray(n2, float)
    d = p1 - p2
    return d - np.hypot(p1 - l1, u2 - p2), d + np.hypot(u1 - p1, p2 - l2)


def ratio_interval(
    k1: float, n1: float, k2: float, n2: float, confidence_level: float
) -> tuple[float, float, float]:
    """Ratio of two independent proportions with the Katz log interval."""
    z = _z(confidence_level)
    ratio = (k1 / n1) / (k2 / n2)
    se = np.sqrt(1 / k1 - 1 / n1 + 1 / k2 - 1 / n2)
    return float(ratio), float(ratio * np.exp(-z * se)), float(ratio * np.exp(z * se))


# --------------------------------------------------------------------------------------
# direct computations from counts
# --------------------------------------------------------------------------------------
def labels(df: pd.DataFrame, outcome: str = "two_year_recid") -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred): the outcome and ProPublica's 'medium or high risk' label."""
    y_true = df[outcome].to_numpy(dtype=np.int64)
    y_pred = (df["decile_score"].to_numpy() >= 5).astype(np.int64)  # == score_text != 'Low'
    return y_true, y_pred


def error_rates(
    df: pd.DataFrame,
    *,
    outcome: str = "two_year_recid",
    groups: tuple[str, ...] | None = GROUPS,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Confusion counts and error rates of the 'medium or high risk' label by race.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`~fairaudit.datasets.load_compas` (filtered or not).
    outcome : str, default "two_year_recid"
        The outcome column (``"is_recid"`` to try ProPublica's other flag).
    groups : tuple of str or None, default ("African-American", "Caucasian")
        Races to report; None for all present.
    confidence_level : float, default 0.95
        Level of the Wilson intervals of the false positive and false negative rates.

    Returns
    -------
    pandas.DataFrame
        Index race; columns n, tn, fp, fn, tp, base_rate, false_positive_rate (+ _lower,
        _upper), false_negative_rate (+ _lower, _upper), positive_predictive_value,
        negative_predictive_value.
    """
    y_true, y_pred = labels(df, outcome)
    race = df["race"].astype(str).to_numpy()
    cells = pd.crosstab(
        race, [y_true, y_pred], rownames=["race"], colnames=["y", "pred"], dropna=False
    ).reindex(columns=pd.MultiIndex.from_product([[0, 1], [0, 1]]), fill_value=0)
    out = pd.DataFrame(
        {
            "tn": cells[(0, 0)],
            "fp": cells[(0, 1)],
            "fn": cells[(1, 0)],
            "tp": cells[(1, 1)],
        }
    ).astype("int64")
    out.insert(0, "n", out.sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        negatives = out["tn"] + out["fp"]
        positives = out["fn"] + out["tp"]
        out["base_rate"] = positives / out["n"]
        out["false_positive_rate"] = out["fp"] / negatives
        lo, hi = wilson_interval(out["fp"], negatives, confidence_level)
        out["false_positive_rate_lower"], out["false_positive_rate_upper"] = lo, hi
        out["false_negative_rate"] = out["fn"] / positives
        lo, hi = wilson_interval(out["fn"], positives, confidence_level)
        out["false_negative_rate_lower"], out["false_negative_rate_upper"] = lo, hi
        out["positive_predictive_value"] = out["tp"] / (out["tp"] + out["fp"])
        out["negative_predictive_value"] = out["tn"] / (out["tn"] + out["fn"])
    out.index.name = "race"
    if groups is not None:
        out = out.reindex(list(groups))
    return out


def published_subsets(df: pd.DataFrame) -> pd.DataFrame:
    """Error rates of the two groups on candidate subsets, against ProPublica's figures.

    ProPublica's published 44.9% / 23.5% (FPR) and 28.0% / 47.7% (FNR) were not computed on
    the 6,172 filtered rows of its R analysis. This function evaluates the plausible
    candidates -- with or without the filter, with the outcome ``two_year_recid`` or
    ``is_recid``, with or without the rows lacking a screening-to-arrest interval -- and
    flags those that reproduce the published figures at the notebook's precision (two
    decimals in percent) and the article's (one decimal, obtained by rounding the two-decimal
    figures half up, as 44.85% -> 44.9%).

    Parameters
    ----------
    df : pandas.DataFrame
        All 7,214 rows of :func:`~fairaudit.datasets.load_compas`.

    Returns
    -------
    pandas.DataFrame
        One row per candidate (index ``subset``): description, outcome, n_rows, n (rows of
        the two groups), the four rates and ``matches_published_2dp`` / ``matches_published_1dp``.
    """
    if len(df) != 7214:
        raise ValueError(SUBSETS_ERROR.format(n=len(df)))
    filtered = propublica_filter(df)
    recorded = df[df["days_b_screening_arrest"].notna()]
    candidates = [
        ("all rows", "all 7,214 rows of the two-year file (no row filter)", df, "two_year_recid"),
        (
            "all rows, is_recid",
            "all 7,214 rows; outcome: any recorded reoffence",
            df,
            "is_recid",
        ),
        (
            "ProPublica filter",
            "the 6,172 rows left by ProPublica's filter",
            filtered,
            "two_year_recid",
        ),
        (
            "ProPublica filter, is_recid",
            "the 6,172 filtered rows; outcome: any recorded reoffence",
            filtered,
            "is_recid",
        ),
        (
            "screening interval recorded",
            "the 6,907 rows with a recorded number of days between arrest and screening (no 30-day window)",
            recorded,
            "two_year_recid",
        ),
    ]
    published_2dp = np.round(100 * PUBLISHED.to_numpy(), 2)
    published_1dp = np.round(100 * PUBLISHED_ARTICLE.to_numpy(), 1)
    rows = []
    for name, description, frame, outcome in candidates:
        rates = error_rates(frame, outcome=outcome)
        values = rates[["false_positive_rate", "false_negative_rate"]].to_numpy()
        rows.append(
            {
                "subset": name,
                "description": description,
                "outcome": outcome,
                "n_rows": len(frame),
                "n": int(rates["n"].sum()),
                "fpr_african_american": values[0, 0],
                "fpr_caucasian": values[1, 0],
                "fnr_african_american": values[0, 1],
                "fnr_caucasian": values[1, 1],
                "matches_published_2dp": bool(
                    np.array_equal(np.round(100 * values, 2), published_2dp)
                ),
                "matches_published_1dp": bool(
                    np.array_equal(_article_rounding(100 * values), published_1dp)
                ),
            }
        )
    return pd.DataFrame(rows).set_index("subset")


def _article_rounding(percent: np.ndarray) -> np.ndarray:
    """Round percentages as the article did: to two decimals, then half up to one."""
    two = np.round(percent, 2)
    return np.floor(two * 10 + 0.5 + 1e-9) / 10


def calibration_by_decile(
    df: pd.DataFrame, *, groups: tuple[str, ...] = GROUPS, confidence_level: float = 0.95
) -> pd.DataFrame:
    """Observed two-year recidivism rate per decile score and race, with Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        Columns decile, race, n, recidivists, rate, lower, upper (one row per decile and
        group, deciles 1-10; rate NaN where a cell is empty).
    """
    sub = df[df["race"].astype(str).isin(groups)]
    grid = pd.MultiIndex.from_product([range(1, 11), list(groups)], names=["decile", "race"])
    agg = (
        pd.DataFrame(
            {
                "decile": sub["decile_score"].to_numpy(),
                "race": sub["race"].astype(str).to_numpy(),
                "y": sub["two_year_recid"].to_numpy(),
            }
        )
        .groupby(["decile", "race"])["y"]
        .agg(n="size", recidivists="sum")
        .reindex(grid, fill_value=0)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        agg["rate"] = agg["recidivists"] / agg["n"].where(agg["n"] > 0)
    agg["lower"], agg["upper"] = wilson_interval(agg["recidivists"], agg["n"], confidence_level)
    return agg.reset_index()


def calibration_differences(
    calibration: pd.DataFrame,
    *,
    min_count: int = MIN_DECILE_COUNT,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Per-decile difference of recidivism rates, African-American minus Caucasian.

    Parameters
    ----------
    calibration : pandas.DataFrame
        Output of :func:`calibration_by_decile` for the two groups of :data:`GROUPS`.
    min_count : int, default 100
        A decile has ``enough_data`` when both groups have at least this many defendants.
    confidence_level : float, default 0.95
        Level of Newcombe's interval for each difference.

    Returns
    -------
    pandas.DataFrame
        Index decile; columns n_african_american, n_caucasian, rate_african_american,
        rate_caucasian, difference, lower, upper, enough_data.
    """
    wide = calibration.pivot(index="decile", columns="race", values=["n", "recidivists", "rate"])
    out = pd.DataFrame(
        {
            "n_african_american": wide[("n", AA)].astype("int64"),
            "n_caucasian": wide[("n", WHITE)].astype("int64"),
            "rate_african_american": wide[("rate", AA)],
            "rate_caucasian": wide[("rate", WHITE)],
        }
    )
    out["difference"] = out["rate_african_american"] - out["rate_caucasian"]
    out["lower"], out["upper"] = newcombe_interval(
        wide[("recidivists", AA)],
        wide[("n", AA)],
        wide[("recidivists", WHITE)],
        wide[("n", WHITE)],
        confidence_level,
    )
    out["enough_data"] = (out["n_african_american"] >= min_count) & (
        out["n_caucasian"] >= min_count
    )
    return out


def impossibility_check(by_group: pd.DataFrame) -> pd.DataFrame:
    """Check Chouldechova's identity FPR = p/(1-p) * (1-PPV)/PPV * (1-FNR) per group.

    Parameters
    ----------
    by_group : pandas.DataFrame
        Per-group metrics with columns base_rate, positive_predictive_value,
        false_negative_rate and false_positive_rate (e.g. ``AuditResult.by_group``).

    Returns
    -------
    pandas.DataFrame
        The four inputs, ``fpr_from_identity`` and ``abs_difference`` per group.
    """
    p = by_group["base_rate"].astype(float)
    ppv = by_group["positive_predictive_value"].astype(float)
    fnr = by_group["false_negative_rate"].astype(float)
    out = pd.DataFrame(
        {
            "base_rate": p,
            "positive_predictive_value": ppv,
            "false_negative_rate": fnr,
            "false_positive_rate": by_group["false_positive_rate"].astype(float),
        }
    )
    out["fpr_from_identity"] = p / (1 - p) * (1 - ppv) / ppv * (1 - fnr)
    out["abs_difference"] = (out["fpr_from_identity"] - out["false_positive_rate"]).abs()
    return out


def rates_at(score: np.ndarray, y: np.ndarray, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """FPR, TPR, PPV, NPV and correct counts of ``score >= t`` for each threshold t."""
    pred = score[None, :] >= thresholds[:, None]
    pos = y == 1
    tp = (pred & pos).sum(axis=1)
    fp = (pred & ~pos).sum(axis=1)
    fn = (~pred & pos).sum(axis=1)
    tn = (~pred & ~pos).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "fpr": fp / (fp + tn),
            "tpr": tp / (tp + fn),
            "ppv": tp / (tp + fp),
            "npv": tn / (tn + fn),
            "correct": tp + tn,
        }


def equalized_odds_thresholds(df: pd.DataFrame, *, tolerance: float = EO_TOLERANCE) -> pd.DataFrame:
    """Single threshold versus group thresholds on the decile score that equalize odds.

    The search tries every pair of thresholds (decile >= t, t = 2..10, so nobody is
    labelled all-high or all-low) for the two groups of :data:`GROUPS` and keeps the most
    accurate pair whose equalized-odds difference (the larger of the FPR and TPR gaps) is
    at most ``tolerance``. Returns one row per rule with the thresholds, each group's FPR,
    FNR, PPV and NPV, the gaps and the accuracy on the two groups.
    """
    sub = df[df["race"].astype(str).isin(GROUPS)]
    race = sub["race"].astype(str).to_numpy()
    score = sub["decile_score"].to_numpy()
    y = sub["two_year_recid"].to_numpy()
    ts = np.arange(2, 11)
    a = rates_at(score[race == AA], y[race == AA], ts)
    c = rates_at(score[race == WHITE], y[race == WHITE], ts)
    # all pairs (i for African-American, j for Caucasian)
    eo = np.maximum(
        np.abs(a["fpr"][:, None] - c["fpr"][None, :]),
        np.abs(a["tpr"][:, None] - c["tpr"][None, :]),
    )
    acc = (a["correct"][:, None] + c["correct"][None, :]) / len(y)
    feasible = eo <= tolerance
    if not feasible.any():  # pragma: no cover - never on the bundled data
        feasible = eo == eo.min()
    i, j = np.unravel_index(np.argmax(np.where(feasible, acc, -np.inf)), acc.shape)
    single = int(np.flatnonzero(ts == 5)[0])
    rows = []
    for rule, ia, ic in (
        ("single threshold (decile >= 5)", single, single),
        ("group thresholds for equalized odds", i, j),
    ):
        rows.append(_threshold_row(rule, ts[ia], ts[ic], a, c, ia, ic, acc[ia, ic]))
    return pd.DataFrame(rows).set_index("rule")


def _threshold_row(rule, t_a, t_c, a, c, ia, ic, accuracy) -> dict[str, Any]:
    return {
        "rule": rule,
        "threshold_african_american": float(t_a),
        "threshold_caucasian": float(t_c),
        "fpr_african_american": a["fpr"][ia],
        "fpr_caucasian": c["fpr"][ic],
        "fnr_african_american": 1 - a["tpr"][ia],
        "fnr_caucasian": 1 - c["tpr"][ic],
        "ppv_african_american": a["ppv"][ia],
        "ppv_caucasian": c["ppv"][ic],
        "npv_african_american": a["npv"][ia],
        "npv_caucasian": c["npv"][ic],
        "equalized_odds_difference": max(
            abs(a["fpr"][ia] - c["fpr"][ic]), abs(a["tpr"][ia] - c["tpr"][ic])
        ),
        "ppv_difference": a["ppv"][ia] - c["ppv"][ic],
        "npv_difference": a["npv"][ia] - c["npv"][ic],
        "accuracy": float(accuracy),
    }


class DecileScorer(ClassifierMixin, BaseEstimator):
    """A fitted-in-advance 'model' whose score is the COMPAS decile in column 0 of X.

    It lets post-processing mitigators (``ThresholdOptimizer(prefit=True)``) act on the
    COMPAS score itself: ``decision_function`` and ``predict_proba`` read the decile, and
    ``predict`` is ProPublica's label (decile >= 5).
    """

    def fit(self, X, y=None):
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def decision_function(self, X):
        return np.asarray(X, dtype=float)[:, 0]

    def predict_proba(self, X):
        p = self.decision_function(X) / 10.0
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.decision_function(X) >= 5).astype(np.int64)


def two_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the two groups of :data:`GROUPS`, with race as plain strings."""
    keep = frame["race"].astype(str).isin(GROUPS).to_numpy()
    out = frame.loc[keep].copy()
    out["race"] = out["race"].astype(str)
    return out
