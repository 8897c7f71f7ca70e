"""compare(): the table's rows and columns against direct computation; naming and errors."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.neighbors import KNeighborsClassifier

from fairaudit import AuditResult, Comparison
from fairaudit.mitigation import Resampling, Reweighing, ThresholdOptimizer, compare
from fairaudit.mitigation._compare import ERR_CRITERION, ERR_MITIGATORS, ERR_NAME


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(8)
    n = 3000
    g = rng.choice(["f", "m"], size=n)
    X = rng.normal(size=(n, 3)) + 0.7 * (g == "m")[:, None]
    y = np.where(X[:, 0] + rng.normal(size=n) > 0.6, "hired", "rejected")
    h = n // 2
    return X[:h], y[:h], g[:h], X[h:], y[h:], g[h:]


def test_default_mitigators_and_columns(split):
    Xtr, ytr, gtr, Xte, yte, gte = split
    comparison = compare(
        LogisticRegression(),
        Xtr,
        ytr,
        Xte,
        yte,
        sensitive_features_train=gtr,
        sensitive_features_test=gte,
        n_bootstrap=50,
        random_state=0,
    )
    assert isinstance(comparison, Comparison)
    table = comparison.table
    assert list(table.index) == [
        "baseline",
        "Reweighing",
        "Resampling",
        "ConstrainedClassifier(demographic_parity)",
        "ThresholdOptimizer(equalized_odds)",
    ]
    assert list(table["kind"]) == [
        "baseline",
        "preprocessing",
        "preprocessing",
        "in-processing",
        "post-processing",
    ]
    for c in comparison.criteria:
        assert {c, f"{c}_lower", f"{c}_upper", f"{c}_verdict"} <= set(table.columns)
        assert (table[f"{c}_lower"] <= table[c] + 1e-12).all()
        assert (table[c] <= table[f"{c}_upper"] + 1e-12).all()
    # the baseline's numbers equal direct computation (the positive class is the larger
    # label, "rejected", as in scikit-learn; a selection-rate gap is the same either way)
    base = LogisticRegression().fit(Xtr, ytr).predict(Xte)
    assert table.loc["baseline", "accuracy"] == pytest.approx(accuracy_score(yte, base))
    assert table.loc["baseline", "balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(yte, base)
    )
    rates = pd.Series(base == "rejected").groupby(gte).mean()
    assert table.loc["baseline", "demographic_parity_difference"] == pytest.approx(
        rates.max() - rates.min(), abs=1e-12
    )
    assert dict(comparison.skipped) == {}
    # each model's audit is named after the model, as a report of them shows
    assert [a.meta["name"] for a in comparison.audits.values()] == list(table.index)
    # the Reweighing row: the same estimator fitted here with the reweighing weights
    # P(g) P(y) / P(g, y) from a crosstab of the training rows
    joint = pd.crosstab(gtr, ytr, normalize=True)
    w = (
        joint.sum(axis=1).to_numpy()[:, None]
        * joint.sum(axis=0).to_numpy()[None, :]
        / joint.to_numpy()
    )
    w = pd.DataFrame(w, index=joint.index, columns=joint.columns)
    weights = np.array([w.loc[a, b] for a, b in zip(gtr, ytr, strict=True)])
    rw = LogisticRegression().fit(Xtr, ytr, sample_weight=weights).predict(Xte)
    assert table.loc["Reweighing", "accuracy"] == pytest.approx(accuracy_score(yte, rw))
    rates = pd.Series(rw == "rejected").groupby(gte).mean()
    assert table.loc["Reweighing", "demographic_parity_difference"] == pytest.approx(
        rates.max() - rates.min(), abs=1e-12
    )
    assert (
        table.loc["Reweighing", "demographic_parity_difference"]
        < table.loc["baseline", "demographic_parity_difference"]
    )


def test_skips_what_the_estimator_cannot_support(split):
    Xtr, ytr, gtr, Xte, yte, gte = split
    comparison = compare(
        KNeighborsClassifier(),
        Xtr,
        ytr,
        Xte,
        yte,
        sensitive_features_train=gtr,
        sensitive_features_test=gte,
        n_bootstrap=20,
        random_state=0,
    )
    assert "Reweighing" not in comparison.models and "Resampling" in comparison.models
    assert set(comparison.skipped) == {"Reweighing", "ConstrainedClassifier"}


def test_list_of_mitigators_names_and_audits(split):
    Xtr, ytr, gtr, Xte, yte, gte = split
    comparison, audits = compare(
        LogisticRegression(),
        Xtr,
        ytr,
        Xte,
        yte,
        sensitive_features_train=gtr,
        sensitive_features_test=gte,
        mitigators=[
            Resampling(LogisticRegression(), strategy="preferential", random_state=0),
            ThresholdOptimizer(
                LogisticRegression(), constraint="equal_opportunity", random_state=0
            ),
        ],
        criteria=["equal_opportunity_difference", "four_fifths_rule"],
        n_bootstrap=20,
        random_state=0,
        return_audits=True,
    )
    table = comparison.table
    assert list(table.index) == [
        "baseline",
        "Resampling(preferential)",
        "ThresholdOptimizer(equal_opportunity)",
    ]
    assert dict(comparison.audits) == audits
    assert set(audits) == set(table.index)
    assert all(isinstance(a, AuditResult) for a in audits.values())
    assert comparison.disparity == "equal_opportunity_difference"
    assert (
        table.loc["ThresholdOptimizer(equal_opportunity)", "equal_opportunity_difference"]
        < table.loc["baseline", "equal_opportunity_difference"]
    )


def test_compare_errors(split):
    Xtr, ytr, gtr, Xte, yte, gte = split
    kw = dict(sensitive_features_train=gtr, sensitive_features_test=gte, n_bootstrap=10)
    with pytest.raises(ValueError) as err:
        compare(
            LogisticRegression(),
            Xtr,
            ytr,
            Xte,
            yte,
            mitigators=[Reweighing(LogisticRegression()), Reweighing(LogisticRegression())],
            **kw,
        )
    assert str(err.value) == ERR_NAME.format(name="Reweighing")
    with pytest.raises(TypeError) as err:
        compare(LogisticRegression(), Xtr, ytr, Xte, yte, mitigators="Reweighing", **kw)
    assert str(err.value) == ERR_MITIGATORS.format(type="str")
    with pytest.raises(ValueError) as err:
        compare(
            LogisticRegression(), Xtr, ytr, Xte, yte, mitigators={}, criteria=["calibration"], **kw
        )
    assert str(err.value) == ERR_CRITERION.format(
        name="calibration",
        allowed=sorted(
            [
                "demographic_parity_difference",
                "demographic_parity_ratio",
                "equalized_odds_difference",
                "equalized_odds_ratio",
                "equal_opportunity_difference",
                "equal_opportunity_ratio",
                "predictive_parity_difference",
                "four_fifths_rule",
            ]
        ),
    )


def test_comparison_is_typed_and_renders_with_named_audits(split):
    Xtr, ytr, gtr, Xte, yte, gte = split
    comparison = compare(
        LogisticRegression(),
        Xtr,
        ytr,
        Xte,
        yte,
        sensitive_features_train=gtr,
        sensitive_features_test=gte,
        mitigators={
            "Thresholds (DP)": ThresholdOptimizer(
                LogisticRegression(), constraint="demographic_parity", random_state=0
            )
        },
        n_bootstrap=0,
        random_state=0,
    )
    with pytest.raises(FrozenInstanceError):
        comparison.performance = "roc_auc"
    with pytest.raises(TypeError):
        comparison.audits["x"] = None  # a read-only mapping
    with pytest.raises(ValueError, match="not a numeric column"):
        Comparison(comparison.table, criteria=("no_such_column",))
    html = comparison.to_html()
    # the audits carry the models' names, and the comparison section is there
    assert "Thresholds (DP)" in html and "Audit 1" not in html
    assert "Mitigation and model comparison" in html
    # the report's table shows no wall-clock times and no empty header cell; the data
    # keep the times
    section = html.split('id="mitigation-and-model-comparison"', 1)[1].split("</section>", 1)[0]
    head = section.split("<caption>Model comparison</caption>", 1)[1].split("</thead>", 1)[0]
    assert "seconds" not in head.lower()
    assert re.findall(r"<th[^>]*>\s*</th>", section) == []
    assert {"fit_seconds", "predict_seconds"} <= set(comparison.table.columns)
    more = comparison.with_skipped({"X": "why"})
    assert dict(more.skipped) == {"X": "why"} and dict(comparison.skipped) == {}
