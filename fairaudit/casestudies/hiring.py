"""Case study: gender bias in a resume screen survives dropping the gender column.

A screening model is trained on synthetic past hiring decisions
(:func:`fairaudit.datasets.make_hiring`) in which qualified women were under-hired. The case
study measures "fairness through unawareness" and what each mitigation does:

1. screening models (logistic regression and gradient-boosted trees) trained with and without
   the gender column, audited against the historical labels and against true suitability;
2. how well the remaining features predict gender (proxy leakage) and which features carry
   the penalty; the same with proxies switched off;
3. the four mitigators of :mod:`fairaudit.mitigation`, compared;
4. each kind of bias injected on its own, and which mitigation fixes which;
5. a shortlist audit: the top k% by score, overall and within each gender.

:func:`results` returns the numbers; :func:`run` writes the HTML report.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from fairaudit.datasets import make_hiring

__all__ = [
    "ACCURACY_SLACK",
    "COMPARE_CRITERIA",
    "CONTROL",
    "ERR_QUICK",
    "ERR_RANDOM_STATE",
    "GAP_TOLERANCE",
    "GB_WITH",
    "GB_WITHOUT",
    "LR_WITH",
    "LR_WITHOUT",
    "SCENARIOS",
    "TARGETED_FIX",
    "results",
    "run",
]

NAME = "hiring"
FEMALE, MALE = "female", "male"

ERR_QUICK = "quick must be True or False; got {value!r}."
ERR_RANDOM_STATE = "random_state must be an int >= 0 (the seed of every step); got {value!r}."

#: Absolute gap in selection rate or in true-positive rate (against true suitability) at or
#: below which the case study calls a disparity immaterial.
GAP_TOLERANCE = 0.05
#: Accuracy against true suitability, below the best achievable, that the case study calls
#: "selects the wrong people" even when the gaps are closed.
ACCURACY_SLACK = 0.02

CONTROL = "no bias (control)"
#: One bias at a time (proxies at their default strength in every scenario).
SCENARIOS: dict[str, dict[str, float]] = {
    CONTROL: {},
    "label bias": {"label_bias": 0.5},
    "selection bias": {"selection_bias": 0.7},
    "measurement bias": {"measurement_bias": 0.4},
    "framing": {"framing": 1.0},
}
_OFF = {"label_bias": 0.0, "selection_bias": 0.0, "measurement_bias": 0.0, "framing": 0.0}

#: The remedy that addresses each scenario's cause (needs information a mitigator lacks).
TARGETED_FIX = {
    "label bias": "train on true suitability",
    "selection bias": "inverse-probability weights",
    "measurement bias": "correct the measurement",
    "framing": "change the target",
}

LR_WITH = "logistic regression, with gender"
LR_WITHOUT = "logistic regression, without gender"
GB_WITH = "gradient boosting, with gender"
GB_WITHOUT = "gradient boosting, without gender"


# ------------------------------------------------------------------------------ sizes
def _sizes(quick: bool) -> dict[str, int]:
    if quick:
        return {"n_train": 6000, "n_test": 6000, "n_switch": 5000, "hgb_iter": 60,
                "n_bootstrap": 0}
    return {"n_train": 20000, "n_test": 20000, "n_switch": 15000, "hgb_iter": 150,
            "n_bootstrap": 500}


# ---------------------------------------------------------------------------- helpers
def _seeds(random_state: int, k: int) -> list[int]:
    return [int(s) for s in np.random.SeedSequence(random_state).generate_state(k)]


def _standardize(train: pd.DataFrame, *others: pd.DataFrame) -> list[pd.DataFrame]:
    scaler = StandardScaler().fit(train)
    return [
        pd.DataFrame(scaler.transform(df), columns=train.columns, index=df.index)
        for df in (train, *others)
    ]


def _with_gender(X: pd.DataFrame, gender: pd.Series) -> pd.DataFrame:
    return X.assign(is_female=(gender.to_numpy() == FEMALE).astype(float))


def _lr() -> LogisticRegression:
    return LogisticRegression(max_iter=2000)


#: Metrics computed for the many tabulated audits (embedded audits compute them all).
_TABLE_METRICS = [
    "selection_rate", "true_positive_rate", "false_positive_rate",
    "positive_predictive_value", "accuracy",
]


def _audit(y, pred, gender, *, score=None, n_bootstrap=0, random_state=0, name=None):
    """:func:`fairaudit.audit` with men as the reference group.

    Named audits (the ones embedded in the report) compute every metric and carry the name
    in ``meta["name"]``; unnamed ones compute only the metrics the tables use.
    """
    from fairaudit import AuditResult, audit

    result = audit(
        np.asarray(y),
        np.asarray(pred),
        sensitive_features=gender,
        y_score=None if score is None else np.asarray(score),
        reference_group=MALE,
        metrics=None if name is not None else _TABLE_METRICS,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
    )
    if name is None:
        return result
    data = result.to_dict()
    data["meta"]["name"] = name  # the report titles each audit with meta["name"]
    return AuditResult.from_dict(data)


def _group_values(result, metric: str) -> tuple[float, float]:
    by_group = result.by_group
    return float(by_group.loc[FEMALE, metric]), float(by_group.loc[MALE, metric])


def _criterion(result, name: str) -> str:
    crit = result.criteria
    row = crit[crit["criterion"] == name]
    return str(row["verdict"].iloc[0]) if len(row) else "n/a"


def _summary_row(pred, data, *, score=None, n_bootstrap=0, seed=0, name=None) -> tuple:
    """Audit one set of predictions against the recorded and against the true labels."""
    gender = data.sensitive_features
    hist = _audit(data.y, pred, gender, score=score, n_bootstrap=n_bootstrap,
                  random_state=seed,
                  name=None if name is None else f"{name}: against the historical labels")
    true = _audit(data.y_true, pred, gender, score=score, n_bootstrap=n_bootstrap,
                  random_state=seed,
                  name=None if name is None else f"{name}: against true suitability")
    sr_f, sr_m = _group_values(hist, "selection_rate")
    tpr_f, tpr_m = _group_values(true, "true_positive_rate")
    tprh_f, tprh_m = _group_values(hist, "true_positive_rate")
    row = {
        "selection_rate_female": sr_f,
        "selection_rate_male": sr_m,
        "dp_difference": sr_m - sr_f,
        "selection_ratio": sr_f / sr_m if sr_m > 0 else np.nan,
        "four_fifths_rule": _criterion(hist, "four_fifths_rule"),
        "accuracy_recorded": float(hist.overall["accuracy"]),
        "accuracy_true": float(true.overall["accuracy"]),
        "tpr_gap_recorded": tprh_m - tprh_f,
        "tpr_true_female": tpr_f,
        "tpr_true_male": tpr_m,
        "tpr_gap_true": tpr_m - tpr_f,
    }
    return row, hist, true


def _dp_difference(y, pred, gender, seed) -> float:
    f, m = _group_values(_audit(y, pred, gender, random_state=seed), "selection_rate")
    return m - f


# ------------------------------------------------------- steps 1-2: unawareness, audits
def _fit_models(train, test, sizes, seed) -> dict[str, tuple[np.ndarray, np.ndarray, Any]]:
    """The four screening models; name -> (predictions, scores, fitted model) on ``test``."""
    Xs_tr, Xs_te = _standardize(train.X, test.X)
    Xg_tr, Xg_te = _standardize(
        _with_gender(train.X, train.sensitive_features),
        _with_gender(test.X, test.sensitive_features),
    )

    def hgb():
        return HistGradientBoostingClassifier(max_iter=sizes["hgb_iter"], random_state=seed)

    specs = {
        LR_WITH: (_lr(), Xg_tr, Xg_te),
        LR_WITHOUT: (_lr(), Xs_tr, Xs_te),
        GB_WITH: (hgb(), _with_gender(train.X, train.sensitive_features),
                  _with_gender(test.X, test.sensitive_features)),
        GB_WITHOUT: (hgb(), train.X, test.X),
    }
    out = {}
    for name, (est, X_fit, X_eval) in specs.items():
        est.fit(X_fit, train.y.to_numpy())
        score = est.predict_proba(X_eval)[:, 1]
        out[name] = ((score >= 0.5).astype(np.int64), score, est)
    return out


def _models_table(train, test, sizes, seed, *, keep_audits=False):
    fitted = _fit_models(train, test, sizes, seed)
    rows, audits = [], {}
    for name, (pred, score, _) in fitted.items():
        row, hist, true = _summary_row(
            pred, test, score=score, n_bootstrap=sizes["n_bootstrap"] if keep_audits else 0,
            seed=seed, name=name if keep_audits else None,
        )
        row["auc_recorded"] = float(roc_auc_score(test.y, score))
        row["auc_true"] = float(roc_auc_score(test.y_true, score))
        rows.append({"model": name, **row})
        if keep_audits:
            audits[name] = (hist, true)
    return pd.DataFrame(rows).set_index("model"), audits, fitted


def _leakage(data, seed) -> tuple[pd.DataFrame, dict[str, float]]:
    """How well the features (gender excluded) predict gender: 5-fold cross-validated AUC."""
    is_f = (data.sensitive_features.to_numpy() == FEMALE).astype(int)
    cv = StratifiedKFold(5, shuffle=True, random_state=seed % (2**32))
    s_lr = cross_val_predict(_lr(), _standardize(data.X)[0], is_f, cv=cv,
                             method="predict_proba")[:, 1]
    s_gb = cross_val_predict(
        HistGradientBoostingClassifier(max_iter=60, random_state=seed), data.X, is_f, cv=cv,
        method="predict_proba",
    )[:, 1]
    combined = {
        "logistic regression": float(roc_auc_score(is_f, s_lr)),
        "gradient boosting": float(roc_auc_score(is_f, s_gb)),
    }
    rows = []
    for col in data.X.columns:
        auc = float(roc_auc_score(is_f, data.X[col].to_numpy()))
        rows.append({"feature": col, "auc_alone": auc})
    return pd.DataFrame(rows).set_index("feature"), combined


def _penalty(train, test, fitted, seed) -> pd.DataFrame:
    """Which features carry the penalty against women.

    For the logistic regression without gender (standardised features), the gap between
    women's and men's mean log-odds is exactly the sum over features of
    coefficient x (women's mean - men's mean); each term is that feature's part of the
    penalty. A model fitted to true suitability shows what the weights should be. For the
    gradient-boosted trees, each feature is permuted in turn (which cuts its link with gender
    and with the label) and the part of the selection-rate gap that disappears is recorded.
    """
    Xs_tr, Xs_te = _standardize(train.X, test.X)
    lr_hist = fitted[LR_WITHOUT][2]
    lr_true = _lr().fit(Xs_tr, train.y_true.to_numpy())
    is_f = test.sensitive_features.to_numpy() == FEMALE
    gap = Xs_te[is_f].mean() - Xs_te[~is_f].mean()
    coef = pd.Series(lr_hist.coef_[0], index=train.X.columns)
    table = pd.DataFrame(
        {
            "coefficient_historical": coef,
            "coefficient_true_target": pd.Series(lr_true.coef_[0], index=train.X.columns),
            "female_minus_male_mean": gap,
            "logit_gap_contribution": coef * gap,
        }
    )
    table.index.name = "feature"
    pred, _, gb = fitted[GB_WITHOUT]
    base = _dp_difference(test.y, pred, test.sensitive_features, seed)
    rng = np.random.default_rng(seed)
    removed = {}
    for col in test.X.columns:
        X_perm = test.X.copy()
        X_perm[col] = rng.permutation(X_perm[col].to_numpy())
        p = gb.predict(X_perm).astype(np.int64)
        removed[col] = base - _dp_difference(test.y, p, test.sensitive_features, seed)
    table["trees_gap_removed_by_permuting"] = pd.Series(removed)
    return table


def _proxy_sweep(n, seeds, strengths=(0.0, 0.25, 0.5, 1.0, 1.5, 2.0)) -> pd.DataFrame:
    """Leakage and surviving gap of the logistic regression as the proxies strengthen."""
    rows = []
    for strength in strengths:
        train = make_hiring(n, random_state=seeds[0], proxy_strength=strength)
        test = make_hiring(n, random_state=seeds[1], proxy_strength=strength)
        is_f = (test.sensitive_features.to_numpy() == FEMALE).astype(int)
        cv = StratifiedKFold(5, shuffle=True, random_state=seeds[2] % (2**32))
        leak = cross_val_predict(_lr(), _standardize(test.X)[0], is_f, cv=cv,
                                 method="predict_proba")[:, 1]
        gaps = {}
        for label, cols in (("without", (train.X, test.X)),
                            ("with", (_with_gender(train.X, train.sensitive_features),
                                      _with_gender(test.X, test.sensitive_features)))):
            Xtr, Xte = _standardize(*cols)
            pred = _lr().fit(Xtr, train.y.to_numpy()).predict(Xte).astype(np.int64)
            gaps[label] = _dp_difference(test.y, pred, test.sensitive_features, seeds[2])
        rows.append({
            "proxy_strength": strength,
            "leakage_auc": float(roc_auc_score(is_f, leak)),
            "gap_with_gender": gaps["with"],
            "gap_without_gender": gaps["without"],
            "share_surviving": gaps["without"] / gaps["with"] if gaps["with"] else np.nan,
        })
    return pd.DataFrame(rows).set_index("proxy_strength")


# ------------------------------------------------------------ step 3: the four mitigators
def _mitigators(seed: int) -> dict[str, Any]:
    from fairaudit.mitigation import (
        ConstrainedClassifier,
        Resampling,
        Reweighing,
        ThresholdOptimizer,
    )

    return {
        "reweighing": Reweighing(_lr()),
        "resampling": Resampling(_lr(), strategy="preferential", random_state=seed),
        "constrained (demographic parity)": ConstrainedClassifier(
            _lr(), constraint="demographic_parity", random_state=seed
        ),
        "threshold (equalized odds)": ThresholdOptimizer(
            _lr(), constraint="equalized_odds", random_state=seed
        ),
        "threshold (demographic parity)": ThresholdOptimizer(
            _lr(), constraint="demographic_parity", random_state=seed
        ),
    }


def _predict(model, X, gender) -> np.ndarray:
    from fairaudit.mitigation import ThresholdOptimizer

    if isinstance(model, ThresholdOptimizer):
        return np.asarray(model.predict(X, sensitive_features=gender)).astype(np.int64)
    return np.asarray(model.predict(X)).astype(np.int64)


#: Criteria tabulated by the mitigation comparison (the first one is plotted).
COMPARE_CRITERIA = [
    "demographic_parity_difference",
    "four_fifths_rule",
    "equal_opportunity_difference",
    "equalized_odds_difference",
]


def _comparison(train, test, seed, n_bootstrap) -> pd.DataFrame:
    """fairaudit.mitigation.compare on the default data (historical labels)."""
    from fairaudit.mitigation import compare

    Xs_tr, Xs_te = _standardize(train.X, test.X)
    return compare(
        _lr(), Xs_tr, train.y.to_numpy(), Xs_te, test.y.to_numpy(),
        sensitive_features_train=train.sensitive_features,
        sensitive_features_test=test.sensitive_features,
        mitigators=_mitigators(seed),
        criteria=COMPARE_CRITERIA,
        n_bootstrap=n_bootstrap,
        random_state=seed,
    )


def _evaluate_methods(name, train, population, sample, seed) -> pd.DataFrame:
    """Fit the unmitigated model, the mitigators and the targeted fix; audit each.

    ``population`` is where the model is deployed; ``sample`` is a held-out sample drawn like
    the training data (they differ only under selection bias).
    """
    Xtr, Xpop, Xsam = _standardize(train.X, population.X, sample.X)
    y = train.y.to_numpy()
    g_tr = train.sensitive_features
    models: dict[str, tuple[Any, pd.DataFrame, pd.DataFrame]] = {}
    models["unmitigated"] = (_lr().fit(Xtr, y), Xpop, Xsam)
    cols = _standardize(
        _with_gender(train.X, g_tr),
        _with_gender(population.X, population.sensitive_features),
        _with_gender(sample.X, sample.sensitive_features),
    )
    models["with gender"] = (_lr().fit(cols[0], y), cols[1], cols[2])
    for label, mitigator in _mitigators(seed).items():
        mitigator.fit(Xtr, y, sensitive_features=g_tr)
        models[label] = (mitigator, Xpop, Xsam)
    fix = TARGETED_FIX.get(name)
    if fix in ("train on true suitability", "change the target"):
        models[fix] = (_lr().fit(Xtr, train.y_true.to_numpy()), Xpop, Xsam)
    elif fix == "inverse-probability weights":
        keep = 1.0 - train.params["selection_bias"]
        w = np.where((g_tr.to_numpy() == FEMALE) & (y == 1), 1.0 / keep, 1.0)
        models[fix] = (_lr().fit(Xtr, y, sample_weight=w), Xpop, Xsam)
    elif fix == "correct the measurement":
        fixed = [
            d.X.assign(experience_years=d.latent["experience_years_true"].to_numpy())
            for d in (train, population, sample)
        ]
        cols = _standardize(*fixed)
        models[fix] = (_lr().fit(cols[0], y), cols[1], cols[2])

    rows = []
    for method, (model, X_pop, X_sam) in models.items():
        pred = _predict(model, X_pop, population.sensitive_features)
        row, _, _ = _summary_row(pred, population, seed=seed)
        if sample is population:
            row["dp_difference_sample"] = row["dp_difference"]
        else:
            pred_s = _predict(model, X_sam, sample.sensitive_features)
            row["dp_difference_sample"] = _dp_difference(
                sample.y, pred_s, sample.sensitive_features, seed
            )
        rows.append({"scenario": name, "method": method, **row})
    return pd.DataFrame(rows)


# --------------------------------------------------------- step 4: one bias at a time
def _scenario(name, switches, n, seeds) -> pd.DataFrame:
    kw = {**_OFF, **switches}
    train = make_hiring(n, random_state=seeds[0], **kw)
    population = make_hiring(n, random_state=seeds[1], **{**kw, "selection_bias": 0.0})
    sample = make_hiring(n, random_state=seeds[2], **kw) if kw["selection_bias"] else population
    return _evaluate_methods(name, train, population, sample, seeds[3])


def _verdict(row: pd.Series, unmitigated: pd.Series, best_accuracy: float) -> str:
    """One method on one scenario, in words.

    ``overcorrects``: women now selected (or qualified women now found) clearly more often
    than men; ``fixed``: both gaps within GAP_TOLERANCE and accuracy against true suitability
    within ACCURACY_SLACK of the best achievable; ``parity only``: gaps closed but accuracy
    against the truth clearly worse than achievable; ``partly``: the larger gap at most half
    the unmitigated one; otherwise ``not fixed``. In the control, and for the unmitigated
    model, ``no material gap`` / ``biased`` replace ``fixed`` / ``not fixed``.
    """
    dp, eo = row["dp_difference"], row["tpr_gap_true"]
    if dp < -GAP_TOLERANCE or eo < -GAP_TOLERANCE:
        return "overcorrects"
    if abs(dp) <= GAP_TOLERANCE and abs(eo) <= GAP_TOLERANCE:
        if row["scenario"] == CONTROL or row["method"] == "unmitigated":
            return "no material gap"
        return "fixed" if row["accuracy_true"] >= best_accuracy - ACCURACY_SLACK else (
            "parity only")
    if row["method"] == "unmitigated":
        return "biased"
    base = max(unmitigated["dp_difference"], unmitigated["tpr_gap_true"])
    return "partly" if max(dp, eo) <= 0.5 * base else "not fixed"


def _switch_experiment(n, random_state) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = [
        _scenario(name, switches, n, _seeds(random_state + 101 * i, 4))
        for i, (name, switches) in enumerate(SCENARIOS.items())
    ]
    table = pd.concat(frames, ignore_index=True)
    control = table[(table["scenario"] == CONTROL)
                     & (table["method"] == "unmitigated")]
    best_accuracy = float(control["accuracy_true"].iloc[0])
    verdicts = pd.Series("", index=table.index)
    for _, part in table.groupby("scenario", sort=False):
        unmitigated = part[part["method"] == "unmitigated"].iloc[0]
        for idx, row in part.iterrows():
            verdicts[idx] = _verdict(row, unmitigated, best_accuracy)
    table["verdict"] = verdicts
    matrix = table.pivot(index="method", columns="scenario", values="verdict")
    matrix = matrix.reindex(index=list(table["method"].drop_duplicates()),
                            columns=list(SCENARIOS)).fillna("-")
    return table, matrix


# ------------------------------------------------------------------ step 5: shortlists
def _shortlists(test, score, seed, fractions=(0.05, 0.10, 0.25)) -> pd.DataFrame:
    gender = test.sensitive_features
    is_f = gender.to_numpy() == FEMALE
    rows = []
    for k in fractions:
        overall = (score >= np.quantile(score, 1.0 - k)).astype(np.int64)
        within = np.zeros_like(overall)
        for mask in (is_f, ~is_f):
            within[mask] = (score[mask] >= np.quantile(score[mask], 1.0 - k)).astype(np.int64)
        for policy, chosen in (("top k% overall", overall),
                               ("top k% within each gender", within)):
            res = _audit(test.y_true, chosen, gender, random_state=seed)
            sr_f, sr_m = _group_values(res, "selection_rate")
            ppv_f, ppv_m = _group_values(res, "positive_predictive_value")
            counts = res.by_group["count"]
            women = sr_f * counts.loc[FEMALE]
            men = sr_m * counts.loc[MALE]
            rows.append({
                "k": k,
                "policy": policy,
                "women_share_of_shortlist": float(women / (women + men)),
                "selection_rate_female": sr_f,
                "selection_rate_male": sr_m,
                "selection_ratio": sr_f / sr_m if sr_m > 0 else np.nan,
                "truly_suitable_female": ppv_f,
                "truly_suitable_male": ppv_m,
                "truly_suitable_overall": float(res.overall["positive_predictive_value"]),
            })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- results
def _check_args(quick: Any, random_state: Any) -> None:
    if not isinstance(quick, (bool, np.bool_)):
        raise TypeError(ERR_QUICK.format(value=quick))
    if (
        isinstance(random_state, (bool, np.bool_))
        or not isinstance(random_state, (int, np.integer))
        or random_state < 0
    ):
        raise TypeError(ERR_RANDOM_STATE.format(value=random_state))


def results(quick: bool = False, random_state: int = 0) -> dict[str, Any]:
    """Run every step of the case study and return the measured numbers.

    Parameters
    ----------
    quick : bool, default=False
        Smaller samples (a few thousand rows instead of 15-20 thousand) and no bootstrap
        intervals, for tests.
    random_state : int, default=0
        Seed of every random step (data, models, mitigators, cross-validation).

    Returns
    -------
    dict
        ``settings`` (sizes, seeds, switches), ``models`` (DataFrame, one row per screening
        model on the default data: selection rates, gaps, accuracies against the historical
        and true labels), ``audits`` (model name -> (AuditResult against historical labels,
        AuditResult against true suitability)), ``leakage`` and ``leakage_auc`` (per-feature
        and cross-validated AUC of predicting gender), ``penalty`` (per-feature share of the
        penalty), ``proxy_free`` (models, leakage table and AUC with ``proxy_strength=0``),
        ``control`` (the models with every bias switched off), ``proxy_sweep`` (leakage AUC
        and the gap with and without gender as ``proxy_strength`` goes from 0 to 2),
        ``mitigation`` (DataFrame per method, recorded and true accuracy), ``comparison``
        (the table of :func:`fairaudit.mitigation.compare`), ``switches`` and
        ``fix_matrix`` (one bias at a time), ``shortlist``, ``findings`` (plain-language
        sentences; ``findings_by_topic`` groups them), ``summary`` (the key findings in a
        few sentences) and ``seconds``.

    Raises
    ------
    TypeError
        If ``quick`` is not a bool or ``random_state`` not a non-negative int.
    """
    _check_args(quick, random_state)
    with threadpool_limits(1):  # many small fits: threads only oversubscribe the cores
        return _results(quick, random_state)


def _results(quick: bool, random_state: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    sizes = _sizes(quick)
    s = _seeds(random_state, 8)
    train = make_hiring(sizes["n_train"], random_state=s[0])
    test = make_hiring(sizes["n_test"], random_state=s[1])
    models, audits, fitted = _models_table(train, test, sizes, s[2], keep_audits=True)
    leak_features, leak = _leakage(test, s[3])
    penalty = _penalty(train, test, fitted, s[4])

    train0 = make_hiring(sizes["n_train"], random_state=s[0], proxy_strength=0.0)
    test0 = make_hiring(sizes["n_test"], random_state=s[1], proxy_strength=0.0)
    models0, _, _ = _models_table(train0, test0, sizes, s[2])
    leak0_features, leak0 = _leakage(test0, s[3])

    # Control: every bias switched off (proxies on).
    train_c = make_hiring(sizes["n_train"], random_state=s[0], **_OFF)
    test_c = make_hiring(sizes["n_test"], random_state=s[1], **_OFF)
    control, _, _ = _models_table(train_c, test_c, sizes, s[2])

    mitigation = _evaluate_methods("default", train, test, test, s[5]).drop(
        columns=["scenario", "dp_difference_sample"]).set_index("method")
    comparison = _comparison(train, test, s[5], sizes["n_bootstrap"])
    switches, matrix = _switch_experiment(sizes["n_switch"], s[6])
    shortlist = _shortlists(test, fitted[LR_WITHOUT][1], s[7])
    sweep = _proxy_sweep(sizes["n_switch"], _seeds(s[3], 3))

    out = {
        "settings": {**sizes, "random_state": random_state, "seeds": s,
                     "switches": dict(train.params)},
        "models": models,
        "audits": audits,
        "leakage": leak_features,
        "leakage_auc": leak,
        "penalty": penalty,
        "proxy_free": {"models": models0, "leakage": leak0_features, "leakage_auc": leak0},
        "proxy_sweep": sweep,
        "control": control,
        "mitigation": mitigation,
        "comparison": comparison,
        "switches": switches,
        "fix_matrix": matrix,
        "shortlist": shortlist,
    }
    out["findings_by_topic"] = _findings(out)
    out["findings"] = [t for texts in out["findings_by_topic"].values() for t in texts]
    out["summary"] = _summary(out)
    out["seconds"] = time.perf_counter() - t0
    return out


# -------------------------------------------------------------------------- findings
def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _pts(x: float) -> str:
    """A difference of rates in percentage points, signed."""
    return f"{100 * x:+.1f} points"


def _findings(out: dict[str, Any]) -> dict[str, list[str]]:
    """The results in plain language, by topic; every number comes from ``out``."""
    m = out["models"]
    lw, lo = m.loc[LR_WITH], m.loc[LR_WITHOUT]
    gw, go = m.loc[GB_WITH], m.loc[GB_WITHOUT]
    m0 = out["proxy_free"]["models"].loc[LR_WITHOUT]
    leak = out["leakage_auc"]
    leak0 = out["proxy_free"]["leakage_auc"]
    pen = out["penalty"]["logit_gap_contribution"]
    total = float(pen.sum())
    proxies = ["womens_org_member", "gendered_wording", "career_gap_months"]
    proxy_part = float(pen[proxies].sum())
    top = pen.sort_values().index[0]
    c = out["control"]
    worst_control = float(c["dp_difference"].abs().max())
    topics: dict[str, list[str]] = {}
    topics["unawareness"] = [
        (
            ("Dropping the gender column does not remove the bias. "
             if lo.dp_difference > GAP_TOLERANCE else "Dropping the gender column removes "
             "the bias. ")
            + f"Trained on past decisions "
            f"without gender, the logistic regression shortlists {_pct(lo.selection_rate_female)}"
            f" of women and {_pct(lo.selection_rate_male)} of men: a selection ratio of "
            f"{lo.selection_ratio:.2f}, which {'fails' if lo.selection_ratio < 0.8 else 'passes'}"
            f" the four-fifths rule. With the gender column the gap is "
            f"{_pts(lw.dp_difference)}; without it {_pts(lo.dp_difference)}, i.e. "
            f"{_pct(lo.dp_difference / lw.dp_difference)} of the gap survives. Gradient-boosted "
            f"trees: {_pts(gw.dp_difference)} with gender, {_pts(go.dp_difference)} without "
            f"(selection ratio {go.selection_ratio:.2f})."
        ),
        (
            f"Measured against true suitability, which does not depend on gender, the model "
            f"without gender finds {_pct(lo.tpr_true_female)} of the suitable women and "
            f"{_pct(lo.tpr_true_male)} of the suitable men. Its accuracy is "
            f"{_pct(lo.accuracy_recorded)} against the historical labels and "
            f"{_pct(lo.accuracy_true)} against the truth"
            + (": the labels themselves carry the bias, and an audit against them overstates "
               "how good the screen is." if lo.accuracy_recorded > lo.accuracy_true else ".")
        ),
        (
            f"Control: with every bias switched off (proxies still on) the largest gap in "
            f"selection rates among the four models is {100 * worst_control:.1f} points. "
            f"Proxies do no harm when the labels are right; the harm comes from learning "
            f"biased past decisions."
        ),
    ]
    topics["proxies"] = [
        (
            f"The remaining six features predict gender with a cross-validated AUC of "
            f"{leak['logistic regression']:.2f} (logistic regression; "
            f"{leak['gradient boosting']:.2f} with boosted trees). The model learned to penalise "
            f"the proxies: women's mean score (log-odds) is {-total:.2f} below men's, the three "
            f"proxies account for {-proxy_part:.2f} of that and '{top}' for the largest part, "
            f"although a model fitted to true suitability gives the proxies weights near zero."
        ),
        (
            f"Without proxies (proxy_strength=0) the features predict gender no better than "
            f"chance (AUC {leak0['logistic regression']:.2f}) and dropping the gender column "
            f"removes almost all of the gap ({_pts(m0.dp_difference)}, selection ratio "
            f"{m0.selection_ratio:.2f}). Unawareness only works when nothing else encodes gender."
        ),
    ]
    sweep = out["proxy_sweep"]
    lo_s, hi_s = sweep.iloc[0], sweep.iloc[-1]
    topics["proxies"].append(
        f"As proxy_strength grows from {sweep.index[0]:g} to {sweep.index[-1]:g}, the leakage "
        f"AUC rises from {lo_s.leakage_auc:.2f} to {hi_s.leakage_auc:.2f} and the share of the "
        f"with-gender gap that survives dropping the column from "
        f"{_pct(lo_s.share_surviving)} to {_pct(hi_s.share_surviving)}: the better the other "
        f"features encode gender, the less dropping it achieves."
    )
    mit = out["mitigation"]
    base = mit.loc["unmitigated"]
    closes, keeps, hurts = [], [], []
    for method, row in mit.iterrows():
        if method in ("unmitigated", "with gender"):
            continue
        desc = (
            f"{method} (gap {_pts(row.dp_difference)}; accuracy against the historical labels "
            f"{_pts(row.accuracy_recorded - base.accuracy_recorded)}, against the truth "
            f"{_pts(row.accuracy_true - base.accuracy_true)})"
        )
        if abs(row.dp_difference) <= 0.5 * abs(base.dp_difference):
            closes.append(method)
        (keeps if row.accuracy_true >= base.accuracy_true - 0.005 else hurts).append(desc)
    mitigation = [
        f"The unmitigated model without gender has a gap of {_pts(base.dp_difference)}. "
        f"{len(closes)} of {len(mit) - 2} mitigation methods bring it below half of that: "
        + ", ".join(closes) + "."
    ]
    if keeps:
        mitigation.append(
            "Accuracy against true suitability does not fall (the price is paid only against "
            "the biased historical labels) for: " + "; ".join(keeps) + "."
        )
    if hurts:
        mitigation.append(
            "Accuracy against true suitability falls for: " + "; ".join(hurts) + "."
        )
        if any("equalized odds" in h for h in hurts):
            mitigation.append(
                "Why equalized odds fails here: measured against the historical labels, women's "
                "'false positives' are largely qualified women whom past decisions rejected. "
                "Equalising false-positive rates therefore pushes women's selection down, and "
                "equalising true-positive rates as well pushes men's down too: the constraint "
                "is met against the wrong labels."
            )
    topics["mitigation"] = mitigation
    topics["switches"] = []
    sw = out["switches"]
    for scenario in SCENARIOS:
        part = sw[sw["scenario"] == scenario].set_index("method")
        u = part.loc["unmitigated"]
        fixed = [k for k, v in part["verdict"].items() if v == "fixed"]
        over = [k for k, v in part["verdict"].items() if v == "overcorrects"]
        parity = [k for k, v in part["verdict"].items() if v == "parity only"]
        sentence = (
            f"{scenario.capitalize()}: the unmitigated model's gap is {_pts(u.dp_difference)} in"
            f" selection and {_pts(u.tpr_gap_true)} in finding suitable applicants."
        )
        if scenario == CONTROL:
            if (part["verdict"] == "no material gap").all():
                sentence += (
                    " No model, mitigated or not, shows a material disparity: proxies alone do "
                    "no harm when the labels are right."
                )
            else:
                sentence += " Some methods create a gap where there was none: " + ", ".join(
                    part.index[part["verdict"] != "no material gap"]) + "."
        if fixed:
            sentence += " Fixed by: " + ", ".join(fixed) + "."
        if parity:
            sentence += (
                " Gaps closed but still selecting the wrong people (accuracy against the truth "
                "well below what is achievable): " + ", ".join(parity) + "."
            )
        if over:
            sentence += " Overcorrects (favours women on the real population): " + ", ".join(
                over) + "."
        if scenario == "selection bias":
            for meth in ("constrained (demographic parity)", "threshold (demographic parity)"):
                r = part.loc[meth]
                held = abs(r.dp_difference_sample) <= GAP_TOLERANCE
                fails = abs(r.dp_difference) > GAP_TOLERANCE
                sentence += (
                    f" The {meth} model's gap is {_pts(r.dp_difference_sample)} on a sample "
                    f"drawn like the training data and {_pts(r.dp_difference)} on the "
                    f"population it is deployed on"
                    + (": the constraint holds on the wrong population." if held and fails
                       else ".")
                )
        if scenario == "measurement bias":
            w = part.loc["with gender"]
            if abs(w.dp_difference) < abs(u.dp_difference):
                sentence += (
                    f" Here using the gender column helps: the model with gender has a gap of "
                    f"{_pts(w.dp_difference)}, because it can learn that women's recorded "
                    f"experience understates their true experience."
                )
            sentence += (
                " Reweighing cannot help by construction: the labels do not depend on gender, "
                "so its weights are all close to 1."
            )
        if scenario == "framing":
            fix = part.loc["change the target"]
            sentence += (
                f" Post-processing to equalized odds against the framed target leaves accuracy "
                f"against true suitability at {_pct(part.loc['threshold (equalized odds)'].accuracy_true)};"
                f" changing the target to suitability gives {_pct(fix.accuracy_true)} and a gap "
                f"of {_pts(fix.dp_difference)}."
            )
        topics["switches"].append(sentence)
    topics["shortlist"] = []
    sl = out["shortlist"]
    row = sl[(sl["k"] == 0.10) & (sl["policy"] == "top k% overall")]
    if len(row):
        r = row.iloc[0]
        topics["shortlist"].append(
            f"Shortlisting the top 10% by the score of the model without gender, women make up "
            f"{_pct(r.women_share_of_shortlist)} of the shortlist although they are about half "
            f"of the applicants and as often suitable; the women who make it are "
            f"{_pct(r.truly_suitable_female)} truly suitable against {_pct(r.truly_suitable_male)}"
            f" of the men"
            + (", a sign that women face a higher bar." if r.truly_suitable_female
               > r.truly_suitable_male else ".")
        )
    return topics


def _summary(out: dict[str, Any]) -> list[str]:
    """The key findings in a few sentences (details in the topic sections)."""
    m = out["models"]
    lw, lo = m.loc[LR_WITH], m.loc[LR_WITHOUT]
    m0 = out["proxy_free"]["models"].loc[LR_WITHOUT]
    mit = out["mitigation"]
    base = mit.loc["unmitigated"]
    verdict = "fails" if lo.selection_ratio < 0.8 else "passes"
    lines = [
        f"Trained on past hiring decisions without the gender column, the screen selects women "
        f"at {lo.selection_ratio:.2f} times the rate of men ({verdict} the four-fifths rule); "
        f"{_pct(lo.dp_difference / lw.dp_difference)} of the gap of the model that sees gender "
        f"survives. Against true suitability it finds {_pct(lo.tpr_true_female)} of suitable "
        f"women and {_pct(lo.tpr_true_male)} of suitable men.",
        f"The other features predict gender with an AUC of "
        f"{out['leakage_auc']['logistic regression']:.2f}; the proxies (wording, women's "
        f"organisations, career gaps) carry the penalty. When they do not encode gender, "
        f"dropping the column works (selection ratio {m0.selection_ratio:.2f}, AUC "
        f"{out['proxy_free']['leakage_auc']['logistic regression']:.2f}).",
    ]
    better, worse = [], []
    for method, row in mit.iterrows():
        if method in ("unmitigated", "with gender"):
            continue
        closed = abs(row.dp_difference) <= 0.5 * abs(base.dp_difference)
        if closed and row.accuracy_true >= base.accuracy_true - 0.005:
            better.append(method)
        else:
            worse.append(method)
    line = (
        "Mitigation on the default data: " + ", ".join(better) + " close most of the gap "
        "without losing accuracy against the truth."
    )
    if worse:
        line += " Falling short (less of the gap closed, or accuracy against the truth lost): " + (
            ", ".join(worse) + ".")
    lines.append(line)
    matrix = out["fix_matrix"]
    parts = []
    for scenario in SCENARIOS:
        if scenario == CONTROL:
            continue
        col = matrix[scenario]
        mitigators = [k for k in col.index if k not in ("unmitigated", "with gender")
                      and k not in TARGETED_FIX.values()]
        fixed = [k for k in mitigators if col[k] == "fixed"]
        over = [k for k in mitigators if col[k] == "overcorrects"]
        text = f"{scenario}: " + ("fixed by " + ", ".join(fixed) if fixed else
                                  "no mitigator fixes it")
        if over:
            text += "; overcorrected by " + ", ".join(over)
        text += f"; the remedy for the cause ({TARGETED_FIX[scenario]}): {col[TARGETED_FIX[scenario]]}"
        parts.append(text)
    biases = [sc for sc in SCENARIOS if sc != CONTROL]
    universal = [k for k in matrix.index if (matrix.loc[k, biases] == "fixed").all()]
    lead = ("One bias at a time, " + ", ".join(universal) + " fixes every kind. "
            if universal else "One bias at a time, no mitigation fixes every kind. ")
    lines.append(lead + ". ".join(
        p[0].upper() + p[1:] for p in parts) + ".")
    control = out["switches"]
    control = control[control["scenario"] == CONTROL]
    lines.append(
        f"Control: with no bias switched on, no model or mitigator has a gap above "
        f"{100 * float(control['dp_difference'].abs().max()):.1f} points in selection or "
        f"{100 * float(control['tpr_gap_true'].abs().max()):.1f} points in finding suitable "
        f"applicants."
    )
    return lines


# ---------------------------------------------------------------------------- report
_COLORS = {FEMALE: "#C85200", MALE: "#1170AA", "neutral": "#7B848F"}


class _Figures:
    """``subplots`` without pyplot: figures are never registered with a GUI backend, so
    building a report does not switch or disturb the user's matplotlib backend."""

    @staticmethod
    def subplots(nrows=1, ncols=1, *, figsize, **kwargs):
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize)
        return fig, fig.subplots(nrows, ncols, **kwargs)


def _plt() -> _Figures:
    return _Figures()


def _fig_selection(models: pd.DataFrame, truth: tuple[float, float]):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    labels = [*models.index, "true suitability (base rate)"]
    female = [*models["selection_rate_female"], truth[0]]
    male = [*models["selection_rate_male"], truth[1]]
    y = np.arange(len(labels))
    ax.barh(y - 0.2, female, 0.4, color=_COLORS[FEMALE], label="women")
    ax.barh(y + 0.2, male, 0.4, color=_COLORS[MALE], label="men", hatch="//")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("share selected")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _fig_bars(values: pd.Series, xlabel: str, ref: float | None = None, colors=None):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(values) + 1.0))
    y = np.arange(len(values))
    ax.barh(y, values.to_numpy(), color=colors or _COLORS["neutral"])
    ax.set_yticks(y, list(values.index))
    ax.invert_yaxis()
    if ref is not None:
        ax.axvline(ref, color="black", lw=1, ls="--")
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _fig_sweep(sweep: pd.DataFrame):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    x = sweep.index.to_numpy(dtype=float)
    ax.plot(x, sweep["leakage_auc"], marker="o", color=_COLORS["neutral"],
            label="leakage AUC (predicting gender)")
    ax.plot(x, sweep["share_surviving"], marker="s", color=_COLORS[FEMALE],
            label="share of the gap surviving without gender")
    ax.set_xlabel("proxy_strength")
    ax.set_ylim(0, 1.05)
    ax.legend(frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _fig_mitigation(mitigation: pd.DataFrame):
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), sharex=True)
    markers = "osD^vP*Xh"
    for ax, col, title in ((axes[0], "accuracy_recorded", "against the historical labels"),
                           (axes[1], "accuracy_true", "against true suitability")):
        for i, (method, row) in enumerate(mitigation.iterrows()):
            ax.scatter(row["dp_difference"], row[col], marker=markers[i % len(markers)], s=45,
                       label=method, zorder=3)
        ax.axvline(0.0, color="black", lw=0.8, ls=":")
        ax.set_title(f"Accuracy {title}", fontsize=10)
        ax.set_xlabel("gap in selection rate (men - women)")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy")
    axes[1].legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def _fig_switch_heatmap(switches: pd.DataFrame, value: str, title: str):
    plt = _plt()
    grid = switches.pivot(index="method", columns="scenario", values=value)
    grid = grid.reindex(index=list(switches["method"].drop_duplicates()),
                        columns=list(SCENARIOS))
    fig, ax = plt.subplots(figsize=(8.0, 0.42 * len(grid) + 1.6))
    lim = max(0.1, float(np.nanmax(np.abs(grid.to_numpy()))))
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    # pcolormesh keeps the chart vector (imshow would embed a bitmap).
    ax.pcolormesh(values, cmap="RdBu_r", vmin=-lim, vmax=lim, edgecolors="white")
    ax.set_xticks(np.arange(grid.shape[1]) + 0.5, list(grid.columns), rotation=20, ha="right")
    ax.set_yticks(np.arange(grid.shape[0]) + 0.5, list(grid.index))
    ax.invert_yaxis()
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid.iat[i, j]
            if np.isfinite(v):
                points = int(round(100 * v))
                ax.text(j + 0.5, i + 0.5, f"{points:+d}" if points else "0", ha="center",
                        va="center", fontsize=8,
                        color="white" if abs(v) > 0.6 * lim else "black")
    ax.set_title(title, fontsize=10)  # no colour bar: matplotlib draws it as a bitmap
    fig.tight_layout()
    return fig


def _fig_shortlist(shortlist: pd.DataFrame):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    for policy, marker in (("top k% overall", "o"), ("top k% within each gender", "s")):
        part = shortlist[shortlist["policy"] == policy]
        ax.plot(100 * part["k"], part["women_share_of_shortlist"], marker=marker, label=policy)
    ax.axhline(0.5, color="black", lw=1, ls="--")
    ax.set_xlabel("shortlist size (% of applicants)")
    ax.set_ylabel("women's share of the shortlist")
    ax.set_ylim(0, 0.6)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


#: Short column labels for the report's tables (results() keeps the long names).
_LABELS = {
    "selection_rate_female": "women selected",
    "selection_rate_male": "men selected",
    "dp_difference": "gap (men - women)",
    "dp_difference_sample": "gap on a training-like sample",
    "selection_ratio": "ratio (women / men)",
    "four_fifths_rule": "four-fifths rule",
    "accuracy_recorded": "accuracy (historical labels)",
    "accuracy_true": "accuracy (truth)",
    "tpr_gap_recorded": "TPR gap (historical labels)",
    "tpr_true_female": "suitable women found",
    "tpr_true_male": "suitable men found",
    "tpr_gap_true": "suitable found: men - women",
    "auc_recorded": "AUC (historical labels)",
    "auc_true": "AUC (truth)",
    "auc_alone": "AUC of the feature alone",
    "coefficient_historical": "coefficient (historical labels)",
    "coefficient_true_target": "coefficient (truth)",
    "female_minus_male_mean": "women - men (sd)",
    "logit_gap_contribution": "part of the score gap",
    "trees_gap_removed_by_permuting": "trees: gap removed by permuting",
    "women_share_of_shortlist": "women's share of shortlist",
    "truly_suitable_female": "suitable among women shortlisted",
    "truly_suitable_male": "suitable among men shortlisted",
    "truly_suitable_overall": "suitable among all shortlisted",
}


def _rates_frame(table: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return _labelled(table[cols])


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=lambda c: _LABELS.get(c, c))


_RATE_COLS = [
    "selection_rate_female", "selection_rate_male", "dp_difference", "selection_ratio",
    "four_fifths_rule", "accuracy_recorded", "accuracy_true", "tpr_true_female",
    "tpr_true_male", "tpr_gap_true",
]

_STRUCTURE = [
    "Each row is an applicant. The data are generated from a known causal structure, so the "
    "truth is known: gender causes three proxy features (membership of a women's "
    "organisation, the gendered wording of the resume, career gaps); a latent qualification "
    "that does not depend on gender causes the legitimate features (experience, a skills test, "
    "education) and true suitability. The proxies have no effect on suitability.",
    "gender -> womens_org_member, gendered_wording, career_gap_months (strength: "
    "proxy_strength). qualification -> experience_years, skills_score, education_level, "
    "suitability. gender -> historical label (label_bias: qualified women were turned down); "
    "gender -> which rows are in the sample (selection_bias); gender -> recorded experience "
    "(measurement_bias); gender -> the target 'suitable and stays without interruption' "
    "(framing).",
    "The historical label, what past decisions recorded, is what a screening model is trained "
    "on. By default label bias is 0.5 (half of the suitable women were turned down) and the "
    "proxies are on; the other switches are off.",
]


def _sections(out: dict[str, Any]) -> list:
    from fairaudit.datasets._hiring import FEATURE_DESCRIPTIONS
    from fairaudit.report import Figure, Section, Table, figure_to_svg

    find = out["findings_by_topic"]
    models = out["models"]
    audits = out["audits"]
    truth = tuple(
        float(v) for v in _group_values(audits[LR_WITHOUT][1], "base_rate")
    )
    settings = out["settings"]
    sections = [
        Section("Summary", paragraphs=out["summary"], id="summary"),
        Section(
            "The data and its causal structure",
            paragraphs=_STRUCTURE,
            tables=[
                Table(pd.DataFrame({"meaning": FEATURE_DESCRIPTIONS}), caption=(
                    "Features given to the screening models (gender is not among them).")),
                Table(pd.Series({k: f"{v:g}" for k, v in settings["switches"].items()},
                                name="value").to_frame(),
                      caption="Generator settings of the main experiment."),
            ],
            id="data",
        ),
        Section(
            "Dropping the gender column",
            paragraphs=find["unawareness"],
            figures=[Figure(
                figure_to_svg(_fig_selection(models, truth)),
                alt="Bar chart of the share of women and of men selected by each model and the "
                    "share truly suitable.",
                caption="Share selected by each model, women and men, at threshold 0.5; the "
                        "last bars are the share truly suitable.",
            )],
            tables=[
                Table(_rates_frame(models, [*_RATE_COLS, "auc_recorded", "auc_true"]).T,
                      caption="Held-out audit of each screening model (default data)."),
                Table(_rates_frame(out["control"], _RATE_COLS).T,
                      caption="Control: the same models with every bias switched off."),
            ],
            audits=[audits[LR_WITHOUT][0], audits[LR_WITHOUT][1], audits[LR_WITH][0]],
            id="unawareness",
        ),
        Section(
            "Proxy leakage and which features carry the penalty",
            paragraphs=find["proxies"],
            figures=[
                Figure(
                    figure_to_svg(_fig_bars(out["leakage"]["auc_alone"],
                                            "AUC of the feature alone for predicting 'female'",
                                            ref=0.5)),
                    alt="Bar chart of how well each feature alone predicts gender.",
                    caption="0.5 = no information about gender. The proxies leak gender; the "
                            "legitimate features do not.",
                ),
                Figure(
                    figure_to_svg(_fig_bars(out["penalty"]["logit_gap_contribution"],
                                            "contribution to women's minus men's mean "
                                            "log-odds", ref=0.0)),
                    alt="Bar chart of each feature's contribution to the gap in scores "
                        "between women and men.",
                    caption="Logistic regression without gender: coefficient x difference of "
                            "means (standardised). Negative bars push women's scores down.",
                ),
                Figure(
                    figure_to_svg(_fig_sweep(out["proxy_sweep"])),
                    alt="Line chart: as proxy strength grows, leakage AUC and the share of the "
                        "gap surviving without gender both rise.",
                    caption="Logistic regression, default label bias, proxies from absent (0) "
                            "to strong (2).",
                ),
            ],
            tables=[
                Table(_labelled(out["leakage"]),
                      caption="Per-feature AUC for predicting gender."),
                Table(pd.DataFrame({
                    "default proxies": out["leakage_auc"],
                    "proxy_strength=0": out["proxy_free"]["leakage_auc"],
                }), caption="Cross-validated AUC of predicting gender from all six features."),
                Table(_labelled(out["penalty"]), caption="Which features carry the penalty."),
                Table(out["proxy_sweep"], caption="Logistic regression as the proxies "
                      "strengthen: leakage AUC and gap (men - women) with and without gender."),
                Table(_rates_frame(out["proxy_free"]["models"], _RATE_COLS).T,
                      caption="The same models when the proxies do not encode gender "
                              "(proxy_strength=0)."),
            ],
            id="proxies",
        ),
        Section(
            "Mitigation",
            paragraphs=[*find["mitigation"],
                        "The chart and the first table put accuracy against the historical "
                        "labels next to accuracy against true suitability. After them comes "
                        "fairaudit.mitigation.compare on the same data (logistic regression "
                        "without gender, historical labels), with confidence intervals."],
            figures=[Figure(
                figure_to_svg(_fig_mitigation(out["mitigation"])),
                alt="Two scatter plots of accuracy against the gap in selection rates for each "
                    "method: against the historical labels mitigation costs accuracy, against "
                    "true suitability most mitigators gain accuracy.",
                caption="Each point is a method on held-out data; left: accuracy against the "
                        "historical labels, right: against true suitability.",
            )],
            comparison=out["comparison"],
            tables=[Table(_rates_frame(out["mitigation"], _RATE_COLS),
                          caption="Each mitigator audited against the historical labels and "
                                  "against true suitability.")],
            id="mitigation",
        ),
        Section(
            "One bias at a time: which mitigation fixes which",
            paragraphs=[
                *find["switches"],
                "Verdicts: 'fixed' = both gaps (selection rate, and rate of finding suitable "
                f"applicants) within {100 * GAP_TOLERANCE:.0f} points and accuracy against the "
                f"truth within {100 * ACCURACY_SLACK:.0f} points of the best achievable; 'parity "
                "only' = gaps closed but accuracy clearly below that; 'overcorrects' = women "
                "clearly favoured; 'partly' = the larger gap at most half the unmitigated one. "
                "All measured on the population the model is deployed on.",
            ],
            figures=[Figure(
                figure_to_svg(_fig_switch_heatmap(
                    out["switches"], "tpr_gap_true",
                    "Suitable men found minus suitable women found (points)")),
                alt="Heat map of the gap in true-positive rate between men and women for each "
                    "method and each kind of bias.",
                caption="Red: suitable women found less often than suitable men; blue: more "
                        "often.",
            )],
            tables=[
                Table(out["fix_matrix"], caption="Which mitigation fixes which bias."),
                Table(_labelled(out["switches"].set_index(["scenario", "method"])[
                    [*_RATE_COLS, "dp_difference_sample", "verdict"]]),
                    caption="All numbers of the per-switch experiment."),
            ],
            id="switches",
        ),
        Section(
            "Shortlists: the top k% by score",
            paragraphs=find["shortlist"],
            figures=[Figure(
                figure_to_svg(_fig_shortlist(out["shortlist"])),
                alt="Women's share of the shortlist by shortlist size, overall ranking and "
                    "ranking within each gender.",
                caption="Dashed line: women's share of applicants (about half).",
            )],
            tables=[Table(_labelled(out["shortlist"].set_index(["k", "policy"])),
                          caption="Shortlists from the model without gender.")],
            id="shortlist",
        ),
        Section(
            "Method and reproducibility",
            paragraphs=[
                f"Training and held-out test sets of {settings['n_train']} and "
                f"{settings['n_test']} applicants drawn independently from the generator; "
                f"{settings['n_switch']} per set in the per-switch experiment. All numbers are "
                f"on held-out data. random_state={settings['random_state']}; confidence "
                f"intervals from {settings['n_bootstrap']} bootstrap resamples in the embedded "
                f"audits. Run time {out['seconds']:.0f} s.",
                "Reproduce with: python case_studies/hiring.py --out DIR, or from Python: "
                "fairaudit.casestudies.hiring.results(random_state=0).",
                "Caveats: synthetic data make the truth known, which real audits lack; the "
                "sizes of the effects follow from the chosen switch values, the mechanisms do "
                "not. Passing an audit against historical labels is not evidence of fairness "
                "when the labels are biased.",
            ],
            id="method",
        ),
    ]
    return sections


def run(out_dir: Path | str, *, quick: bool = False) -> Path:
    """Run the case study and write ``out_dir/hiring.html``.

    Parameters
    ----------
    out_dir : path
        Folder for the report (created if missing).
    quick : bool, default=False
        Smaller, faster version (for tests).

    Returns
    -------
    pathlib.Path
        The path of the written report.
    """
    from fairaudit.report import render_document

    _check_args(quick, 0)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = results(quick=quick)
    path = out_dir / f"{NAME}.html"
    render_document(
        "Hiring: bias that survives dropping the gender column",
        _sections(out),
        subtitle="Synthetic resume screening with known causal structure "
                 f"({'quick run' if quick else 'full run'}).",
        path=path,
    )
    return path
