"""Numbers of the hiring case study: models, audits, proxy leakage, penalty, mitigators,
one bias at a time, shortlists.

Everything here trains and audits on data from :func:`fairaudit.datasets.make_hiring`;
:func:`measure` runs every step. The plain-language findings are in
:mod:`fairaudit.casestudies.hiring.text`, the figures and report sections in
:mod:`fairaudit.casestudies.hiring.report`, and the public entry points in
:mod:`fairaudit.casestudies.hiring`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import StandardScaler

from fairaudit._comparison import Comparison
from fairaudit.datasets import make_hiring
from fairaudit.metrics._criteria import canonical_criterion

from .options import FULL_SIZE, QUICK_SIZE

FEMALE, MALE = "female", "male"

#: The features in words, for the report (the data's column names stay in the tables'
#: source frames and in the method note).
FEATURE_LABELS = {
    "experience_years": "years of experience",
    "skills_score": "skills test score",
    "education_level": "education level",
    "womens_org_member": "member of a women's organisation",
    "gendered_wording": "feminine wording of the resume",
    "career_gap_months": "career gap (months)",
}

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

#: The feature-repair method of the mitigation comparison: Feldman et al.'s quantile repair
#: at repair level 1 of every feature, then the same logistic regression.
REPAIR = "feature repair (quantile, level 1)"

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
#: The sizes (``FULL_SIZE``, ``QUICK_SIZE``, ``MIN_SIZE``) are in :mod:`.options`.


def _sizes(quick: bool, n_applicants: int | None = None) -> dict[str, int]:
    """Row counts, boosting iterations and bootstrap resamples of one run.

    ``n_applicants`` (checked by the caller) replaces the row counts of the training and
    test sets and of the one-bias-at-a-time experiment; ``quick`` sets the rest.
    """
    if quick:
        sizes = {
            "n_train": QUICK_SIZE,
            "n_test": QUICK_SIZE,
            "n_switch": 5000,
            "hgb_iter": 60,
            "n_bootstrap": 0,
        }
    else:
        sizes = {
            "n_train": FULL_SIZE,
            "n_test": FULL_SIZE,
            "n_switch": 15000,
            "hgb_iter": 150,
            "n_bootstrap": 500,
        }
    if n_applicants is not None:
        sizes.update(n_train=n_applicants, n_test=n_applicants, n_switch=n_applicants)
    return sizes


# ---------------------------------------------------------------------------- helpers
def spawn_seeds(random_state: int, k: int) -> list[int]:
    """``k`` independent integer seeds derived from ``random_state``."""
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
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "positive_predictive_value",
    "accuracy",
]


def _audit(y, pred, gender, *, score=None, n_bootstrap=0, random_state=0, name=None):
    """:func:`fairaudit.audit` with men as the reference group.

    Named audits (the ones embedded in the report) compute every metric and carry the name
    in ``meta["name"]`` (the report's title for each audit); unnamed ones compute only the
    metrics the tables use.
    """
    from fairaudit import audit

    return audit(
        np.asarray(y),
        np.asarray(pred),
        sensitive_features=gender,
        y_score=None if score is None else np.asarray(score),
        reference_group=MALE,
        metrics=None if name is not None else _TABLE_METRICS,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
        name=name,
    )


def group_values(result, metric: str) -> tuple[float, float]:
    by_group = result.by_group
    return float(by_group.loc[FEMALE, metric]), float(by_group.loc[MALE, metric])


def _criterion(result, name: str) -> str:
    crit = result.criteria
    row = crit[crit["criterion"] == canonical_criterion(name)]
    return str(row["verdict"].iloc[0]) if len(row) else "n/a"


def _summary_row(pred, data, *, score=None, n_bootstrap=0, seed=0, name=None) -> tuple:
    """Audit one set of predictions against the recorded and against the true labels."""
    gender = data.sensitive_features
    hist = _audit(
        data.y,
        pred,
        gender,
        score=score,
        n_bootstrap=n_bootstrap,
        random_state=seed,
        name=None if name is None else f"{name}: against the historical labels",
    )
    true = _audit(
        data.y_true,
        pred,
        gender,
        score=score,
        n_bootstrap=n_bootstrap,
        random_state=seed,
        name=None if name is None else f"{name}: against true suitability",
    )
    sr_f, sr_m = group_values(hist, "selection_rate")
    tpr_f, tpr_m = group_values(true, "true_positive_rate")
    tprh_f, tprh_m = group_values(hist, "true_positive_rate")
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
    f, m = group_values(_audit(y, pred, gender, random_state=seed), "selection_rate")
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
        GB_WITH: (
            hgb(),
            _with_gender(train.X, train.sensitive_features),
            _with_gender(test.X, test.sensitive_features),
        ),
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
            pred,
            test,
            score=score,
            n_bootstrap=sizes["n_bootstrap"] if keep_audits else 0,
            seed=seed,
            name=name if keep_audits else None,
        )
        row["auc_recorded"] = float(roc_auc_score(test.y, score))
        row["auc_true"] = float(roc_auc_score(test.y_true, score))
        rows.append({"model": name, **row})
        if keep_audits:
            audits[name] = (hist, true)
    return pd.DataFrame(rows).set_index("model"), audits, fitted


def _leakage_auc(X: pd.DataFrame, gender: pd.Series, seed: int) -> dict[str, float]:
    """How well the features ``X`` predict gender: 5-fold cross-validated AUC of a logistic
    regression and of gradient-boosted trees (0.5: no information)."""
    is_f = (gender.to_numpy() == FEMALE).astype(int)
    cv = StratifiedKFold(5, shuffle=True, random_state=seed % (2**32))
    s_lr = cross_val_predict(_lr(), _standardize(X)[0], is_f, cv=cv, method="predict_proba")[:, 1]
    s_gb = cross_val_predict(
        HistGradientBoostingClassifier(max_iter=60, random_state=seed),
        X,
        is_f,
        cv=cv,
        method="predict_proba",
    )[:, 1]
    return {
        "logistic regression": float(roc_auc_score(is_f, s_lr)),
        "gradient boosting": float(roc_auc_score(is_f, s_gb)),
    }


def _leakage(data, seed) -> tuple[pd.DataFrame, dict[str, float]]:
    """How well the features (gender excluded) predict gender: 5-fold cross-validated AUC."""
    is_f = (data.sensitive_features.to_numpy() == FEMALE).astype(int)
    combined = _leakage_auc(data.X, data.sensitive_features, seed)
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
        leak = cross_val_predict(
            _lr(), _standardize(test.X)[0], is_f, cv=cv, method="predict_proba"
        )[:, 1]
        gaps = {}
        for label, cols in (
            ("without", (train.X, test.X)),
            (
                "with",
                (
                    _with_gender(train.X, train.sensitive_features),
                    _with_gender(test.X, test.sensitive_features),
                ),
            ),
        ):
            Xtr, Xte = _standardize(*cols)
            pred = _lr().fit(Xtr, train.y.to_numpy()).predict(Xte).astype(np.int64)
            gaps[label] = _dp_difference(test.y, pred, test.sensitive_features, seeds[2])
        rows.append(
            {
                "proxy_strength": strength,
                "leakage_auc": float(roc_auc_score(is_f, leak)),
                "gap_with_gender": gaps["with"],
                "gap_without_gender": gaps["without"],
                "share_surviving": gaps["without"] / gaps["with"] if gaps["with"] else np.nan,
            }
        )
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
    from fairaudit._estimators import takes_sensitive_features

    if takes_sensitive_features(model.predict):
        return np.asarray(model.predict(X, sensitive_features=gender)).astype(np.int64)
    return np.asarray(model.predict(X)).astype(np.int64)


#: Criteria tabulated by the mitigation comparison (the first one is plotted).
COMPARE_CRITERIA = [
    "demographic_parity_difference",
    "four_fifths_rule",
    "equal_opportunity_difference",
    "equalized_odds_difference",
]


def _comparison(train, test, seed, n_bootstrap) -> Comparison:
    """fairaudit.mitigation.compare on the default data (historical labels)."""
    from fairaudit.mitigation import compare

    Xs_tr, Xs_te = _standardize(train.X, test.X)
    return compare(
        _lr(),
        Xs_tr,
        train.y.to_numpy(),
        Xs_te,
        test.y.to_numpy(),
        sensitive_features_train=train.sensitive_features,
        sensitive_features_test=test.sensitive_features,
        mitigators=_mitigators(seed),
        criteria=COMPARE_CRITERIA,
        n_bootstrap=n_bootstrap,
        random_state=seed,
    )


def _repaired(train, *others, seed: int) -> list[pd.DataFrame]:
    """The features of ``train`` and ``others`` after quantile repair at level 1, the repair
    fitted on ``train`` (each row repaired within its own gender)."""
    from fairaudit.mitigation import FeatureRepairer

    repair = FeatureRepairer(1.0, method="quantile", random_state=seed).fit(
        train.X, sensitive_features=train.sensitive_features
    )
    return [
        repair.transform(d.X, sensitive_features=d.sensitive_features) for d in (train, *others)
    ]


def _repair_effect(
    train, test, mitigation: pd.DataFrame, before: dict[str, float], seed: int
) -> pd.DataFrame:
    """Leakage (AUC of predicting gender from the features the model sees) and the
    screening model's selection ratio, before and after feature repair, on ``test``.

    ``before`` is :func:`_leakage_auc` of the original features with the same ``seed``
    (computed once for step 2)."""
    _, repaired = _repaired(train, test, seed=seed)
    after = _leakage_auc(repaired, test.sensitive_features, seed)
    rows = {}
    for label, leak, method in (
        ("before repair", before, "unmitigated"),
        ("after repair", after, REPAIR),
    ):
        row = mitigation.loc[method]
        rows[label] = {
            "leakage_auc_logistic": leak["logistic regression"],
            "leakage_auc_trees": leak["gradient boosting"],
            "selection_ratio": row["selection_ratio"],
            "dp_difference": row["dp_difference"],
            "accuracy_recorded": row["accuracy_recorded"],
            "accuracy_true": row["accuracy_true"],
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "features"
    return table


def _evaluate_methods(
    name, train, population, sample, seed, *, repair: bool = False
) -> pd.DataFrame:
    """Fit the unmitigated model, the mitigators and the targeted fix; audit each.

    ``population`` is where the model is deployed; ``sample`` is a held-out sample drawn like
    the training data (they differ only under selection bias). With ``repair``, the same
    logistic regression on quantile-repaired features (:data:`REPAIR`) too.
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
    if repair:
        cols = _standardize(*_repaired(train, population, sample, seed=seed))
        models[REPAIR] = (_lr().fit(cols[0], y), cols[1], cols[2])
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
def run_scenario(name, switches, n, seeds) -> pd.DataFrame:
    """One scenario of :data:`SCENARIOS`: every method's row, before the verdicts.

    ``seeds`` are four seeds: training data, deployed population, training-like sample and
    the models.
    """
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
        return (
            "fixed" if row["accuracy_true"] >= best_accuracy - ACCURACY_SLACK else ("parity only")
        )
    if row["method"] == "unmitigated":
        return "biased"
    base = max(unmitigated["dp_difference"], unmitigated["tpr_gap_true"])
    return "partly" if max(dp, eo) <= 0.5 * base else "not fixed"


def _switch_experiment(n, random_state) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = [
        run_scenario(name, switches, n, spawn_seeds(random_state + 101 * i, 4))
        for i, (name, switches) in enumerate(SCENARIOS.items())
    ]
    table = pd.concat(frames, ignore_index=True)
    control = table[(table["scenario"] == CONTROL) & (table["method"] == "unmitigated")]
    best_accuracy = float(control["accuracy_true"].iloc[0])
    verdicts = pd.Series("", index=table.index)
    for _, part in table.groupby("scenario", sort=False):
        unmitigated = part[part["method"] == "unmitigated"].iloc[0]
        for idx, row in part.iterrows():
            verdicts[idx] = _verdict(row, unmitigated, best_accuracy)
    table["verdict"] = verdicts
    matrix = table.pivot(index="method", columns="scenario", values="verdict")
    matrix = matrix.reindex(
        index=list(table["method"].drop_duplicates()), columns=list(SCENARIOS)
    ).fillna("-")
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
        for policy, chosen in (("top k% overall", overall), ("top k% within each gender", within)):
            res = _audit(test.y_true, chosen, gender, random_state=seed)
            sr_f, sr_m = group_values(res, "selection_rate")
            ppv_f, ppv_m = group_values(res, "positive_predictive_value")
            counts = res.by_group["count"]
            women = sr_f * counts.loc[FEMALE]
            men = sr_m * counts.loc[MALE]
            rows.append(
                {
                    "k": k,
                    "policy": policy,
                    "women_share_of_shortlist": float(women / (women + men)),
                    "selection_rate_female": sr_f,
                    "selection_rate_male": sr_m,
                    "selection_ratio": sr_f / sr_m if sr_m > 0 else np.nan,
                    "truly_suitable_female": ppv_f,
                    "truly_suitable_male": ppv_m,
                    "truly_suitable_overall": float(res.overall["positive_predictive_value"]),
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------ every step
def measure(quick: bool, random_state: int, n_applicants: int | None = None) -> dict[str, Any]:
    """Every step of the case study; the numbers of
    :func:`fairaudit.casestudies.hiring.results` without the text and the run time.

    Arguments are checked by the caller.
    """
    sizes = _sizes(quick, n_applicants)
    s = spawn_seeds(random_state, 8)
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

    mitigation = (
        _evaluate_methods("default", train, test, test, s[5], repair=True)
        .drop(columns=["scenario", "dp_difference_sample"])
        .set_index("method")
    )
    repair = _repair_effect(train, test, mitigation, leak, s[3])
    comparison = _comparison(train, test, s[5], sizes["n_bootstrap"])
    switches, matrix = _switch_experiment(sizes["n_switch"], s[6])
    shortlist = _shortlists(test, fitted[LR_WITHOUT][1], s[7])
    sweep = _proxy_sweep(sizes["n_switch"], spawn_seeds(s[3], 3))

    return {
        "settings": {
            **sizes,
            "random_state": random_state,
            "seeds": s,
            "switches": dict(train.params),
        },
        "models": models,
        "audits": audits,
        "leakage": leak_features,
        "leakage_auc": leak,
        "penalty": penalty,
        "proxy_free": {"models": models0, "leakage": leak0_features, "leakage_auc": leak0},
        "proxy_sweep": sweep,
        "control": control,
        "mitigation": mitigation,
        "repair": repair,
        "comparison": comparison,
        "switches": switches,
        "fix_matrix": matrix,
        "shortlist": shortlist,
    }
