"""Plain-language findings of the hiring case study.

Every number and every judgement in the text comes from the dictionary built by
:func:`fairaudit.casestudies.hiring.analysis.measure`.
"""

from __future__ import annotations

from typing import Any

from fairaudit.report._format import fmt_percent, fmt_points

from .analysis import (
    CONTROL,
    FEATURE_LABELS,
    GAP_TOLERANCE,
    GB_WITH,
    GB_WITHOUT,
    LR_WITH,
    LR_WITHOUT,
    SCENARIOS,
    TARGETED_FIX,
)


def findings(out: dict[str, Any]) -> dict[str, list[str]]:
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
            (
                "Dropping the gender column does not remove the bias. "
                if lo.dp_difference > GAP_TOLERANCE
                else "Dropping the gender column removes the bias. "
            )
            + f"Trained on past decisions "
            f"without gender, the logistic regression shortlists {fmt_percent(lo.selection_rate_female)}"
            f" of women and {fmt_percent(lo.selection_rate_male)} of men: a selection ratio of "
            f"{lo.selection_ratio:.2f}, which {'fails' if lo.selection_ratio < 0.8 else 'passes'}"
            f" the four-fifths rule. With the gender column the gap is "
            f"{fmt_points(lw.dp_difference, signed=True)}; without it {fmt_points(lo.dp_difference, signed=True)}, i.e. "
            f"{fmt_percent(lo.dp_difference / lw.dp_difference)} of the gap survives. Gradient-boosted "
            f"trees: {fmt_points(gw.dp_difference, signed=True)} with gender, {fmt_points(go.dp_difference, signed=True)} without "
            f"(selection ratio {go.selection_ratio:.2f})."
        ),
        (
            f"Measured against true suitability, which does not depend on gender, the model "
            f"without gender finds {fmt_percent(lo.tpr_true_female)} of the suitable women and "
            f"{fmt_percent(lo.tpr_true_male)} of the suitable men. Its accuracy is "
            f"{fmt_percent(lo.accuracy_recorded)} against the historical labels and "
            f"{fmt_percent(lo.accuracy_true)} against the truth"
            + (
                ": the labels themselves carry the bias, and an audit against them overstates "
                "how good the screen is."
                if lo.accuracy_recorded > lo.accuracy_true
                else "."
            )
        ),
        (
            f"Control: with every bias switched off (proxies still on) the largest gap in "
            f"selection rates among the four models is {100 * worst_control:.1f} percentage "
            f"points. "
            f"Proxies do no harm when the labels are right; the harm comes from learning "
            f"biased past decisions."
        ),
    ]
    topics["proxies"] = [
        (
            f"The remaining six features predict gender with a cross-validated AUC of "
            f"{leak['logistic regression']:.2f} (the AUC measures how well a score tells women "
            f"from men: 0.5 is chance, 1 is perfect; logistic regression; "
            f"{leak['gradient boosting']:.2f} with boosted trees). The model learned to penalise "
            f"the proxies: women's mean score (log-odds) is {-total:.2f} below men's, the three "
            f"proxies account for {-proxy_part:.2f} of that and \u201c{FEATURE_LABELS[top]}\u201d for the "
            f"largest part, "
            f"although a model fitted to true suitability gives the proxies weights near zero."
        ),
        (
            f"Without proxies (proxy strength 0) the features predict gender no better than "
            f"chance (AUC {leak0['logistic regression']:.2f}) and dropping the gender column "
            f"removes almost all of the gap ({fmt_points(m0.dp_difference, signed=True)}, selection ratio "
            f"{m0.selection_ratio:.2f}). Unawareness only works when nothing else encodes gender."
        ),
    ]
    sweep = out["proxy_sweep"]
    lo_s, hi_s = sweep.iloc[0], sweep.iloc[-1]
    topics["proxies"].append(
        f"As the proxy strength grows from {sweep.index[0]:g} to {sweep.index[-1]:g}, the leakage "
        f"AUC rises from {lo_s.leakage_auc:.2f} to {hi_s.leakage_auc:.2f} and the share of the "
        f"with-gender gap that survives dropping the column from "
        f"{fmt_percent(lo_s.share_surviving)} to {fmt_percent(hi_s.share_surviving)}: the better the other "
        f"features encode gender, the less dropping it achieves."
    )
    mit = out["mitigation"]
    base = mit.loc["unmitigated"]
    closes, keeps, hurts = [], [], []
    for method, row in mit.iterrows():
        if method in ("unmitigated", "with gender"):
            continue
        desc = (
            f"{method} (gap {fmt_points(row.dp_difference, signed=True)}; accuracy against the historical labels "
            f"{fmt_points(row.accuracy_recorded - base.accuracy_recorded, signed=True)}, against the truth "
            f"{fmt_points(row.accuracy_true - base.accuracy_true, signed=True)})"
        )
        if abs(row.dp_difference) <= 0.5 * abs(base.dp_difference):
            closes.append(method)
        (keeps if row.accuracy_true >= base.accuracy_true - 0.005 else hurts).append(desc)
    mitigation = [
        f"The unmitigated model without gender has a gap of {fmt_points(base.dp_difference, signed=True)}. "
        f"{len(closes)} of {len(mit) - 2} mitigation methods bring it below half of that: "
        + ", ".join(closes)
        + "."
    ]
    if keeps:
        mitigation.append(
            "Accuracy against true suitability does not fall (the price is paid only against "
            "the biased historical labels) for: " + "; ".join(keeps) + "."
        )
    if hurts:
        mitigation.append("Accuracy against true suitability falls for: " + "; ".join(hurts) + ".")
        if any("equalized odds" in h for h in hurts):
            mitigation.append(
                "Why equalized odds fails here: measured against the historical labels, women's "
                "'false positives' are largely qualified women whom past decisions rejected. "
                "Equalising false-positive rates therefore pushes women's selection down, and "
                "equalising true-positive rates as well pushes men's down too: the constraint "
                "is met against the wrong labels."
            )
    rep = out["repair"]
    before, after = rep.loc["before repair"], rep.loc["after repair"]
    mitigation.append(
        "Feature repair changes the features instead of the model: every feature is moved, "
        "within each gender, to the common distribution at its within-gender quantile "
        "(Feldman et al.'s repair at level 1). How well the features predict gender falls "
        f"from an AUC of {before.leakage_auc_logistic:.2f} to "
        f"{after.leakage_auc_logistic:.2f} for a logistic regression (gradient boosting: "
        f"{before.leakage_auc_trees:.2f} to {after.leakage_auc_trees:.2f}; 0.5 is chance), "
        f"and the same screening model's selection ratio (women / men) moves from "
        f"{before.selection_ratio:.2f} to {after.selection_ratio:.2f}. Each feature is "
        "repaired on its own, so what is left above 0.5 is gender carried by combinations "
        "of features; and the labels are untouched: the model still learns past decisions "
        "wherever a feature carries them."
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
            f"{scenario.capitalize()}: the unmitigated model's gap is {fmt_points(u.dp_difference, signed=True)} in"
            f" selection and {fmt_points(u.tpr_gap_true, signed=True)} in finding suitable applicants."
        )
        if scenario == CONTROL:
            if (part["verdict"] == "no material gap").all():
                sentence += (
                    " No model, mitigated or not, shows a material disparity: proxies alone do "
                    "no harm when the labels are right."
                )
            else:
                sentence += (
                    " Some methods create a gap where there was none: "
                    + ", ".join(part.index[part["verdict"] != "no material gap"])
                    + "."
                )
        if fixed:
            sentence += " Fixed by: " + ", ".join(fixed) + "."
        if parity:
            sentence += (
                " Gaps closed but still selecting the wrong people (accuracy against the truth "
                "well below what is achievable): " + ", ".join(parity) + "."
            )
        if over:
            sentence += (
                " Overcorrects (favours women on the real population): " + ", ".join(over) + "."
            )
        if scenario == "selection bias":
            for meth in ("constrained (demographic parity)", "threshold (demographic parity)"):
                r = part.loc[meth]
                held = abs(r.dp_difference_sample) <= GAP_TOLERANCE
                fails = abs(r.dp_difference) > GAP_TOLERANCE
                sentence += (
                    f" The {meth} model's gap is {fmt_points(r.dp_difference_sample, signed=True)} on a sample "
                    f"drawn like the training data and {fmt_points(r.dp_difference, signed=True)} on the "
                    f"population it is deployed on"
                    + (": the constraint holds on the wrong population." if held and fails else ".")
                )
        if scenario == "measurement bias":
            w = part.loc["with gender"]
            if abs(w.dp_difference) < abs(u.dp_difference):
                sentence += (
                    f" Here using the gender column helps: the model with gender has a gap of "
                    f"{fmt_points(w.dp_difference, signed=True)}, because it can learn that women's recorded "
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
                f"against true suitability at {fmt_percent(part.loc['threshold (equalized odds)'].accuracy_true)};"
                f" changing the target to suitability gives {fmt_percent(fix.accuracy_true)} and a gap "
                f"of {fmt_points(fix.dp_difference, signed=True)}."
            )
        topics["switches"].append(sentence)
    topics["shortlist"] = []
    sl = out["shortlist"]
    row = sl[(sl["k"] == 0.10) & (sl["policy"] == "top k% overall")]
    if len(row):
        r = row.iloc[0]
        topics["shortlist"].append(
            f"Shortlisting the top 10% by the score of the model without gender, women make up "
            f"{fmt_percent(r.women_share_of_shortlist)} of the shortlist although they are about half "
            f"of the applicants and as often suitable; the women who make it are "
            f"{fmt_percent(r.truly_suitable_female)} truly suitable against {fmt_percent(r.truly_suitable_male)}"
            f" of the men"
            + (
                ", a sign that women face a higher bar."
                if r.truly_suitable_female > r.truly_suitable_male
                else "."
            )
        )
    return topics


#: What removing the cause of a bias did, in words (the verdicts of the fix matrix).
REMEDY_WORDS = {
    "fixed": "fixes it",
    "overcorrects": "overcorrects it",
    "partly": "fixes it partly",
    "not fixed": "does not fix it",
    "parity only": "reaches parity but loses accuracy",
}


def _join(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(n: int, total: int) -> str:
    return "all" if n == total else f"{n} of the {total}"


def summary(out: dict[str, Any]) -> list[str]:
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
        f"{fmt_percent(lo.dp_difference / lw.dp_difference)} of the gap of the model that sees gender "
        f"survives. Against true suitability it finds {fmt_percent(lo.tpr_true_female)} of suitable "
        f"women and {fmt_percent(lo.tpr_true_male)} of suitable men.",
        f"The other features predict gender with an AUC of "
        f"{out['leakage_auc']['logistic regression']:.2f} (0.5 is chance, 1 is perfect); the "
        f"proxies (wording, women's "
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
    n_methods = len(better) + len(worse)
    line = (
        f"On the default data, {_count(len(better), n_methods)} mitigation methods close most "
        f"of the gap without losing accuracy against the truth: {_join(better)}."
        if better
        else "On the default data, no mitigation method closes most of the gap without losing "
        "accuracy against the truth."
    )
    if worse:
        line += (
            f" {_capital(_join(worse))} {'falls' if len(worse) == 1 else 'fall'} short: "
            f"{'it closes' if len(worse) == 1 else 'they close'} less of the gap or "
            f"{'loses' if len(worse) == 1 else 'lose'} accuracy against the truth."
        )
    lines.append(line)
    matrix = out["fix_matrix"]
    biases = [sc for sc in SCENARIOS if sc != CONTROL]
    universal = [k for k in matrix.index if (matrix.loc[k, biases] == "fixed").all()]
    sentences = [
        f"Switching on one bias at a time, {_join(universal)} "
        f"{'fixes' if len(universal) == 1 else 'fix'} every kind."
        if universal
        else "Switching on one bias at a time shows that no mitigation fixes every kind."
    ]
    for scenario in biases:
        col = matrix[scenario]
        mitigators = [
            k
            for k in col.index
            if k not in ("unmitigated", "with gender") and k not in TARGETED_FIX.values()
        ]
        fixed = [k for k in mitigators if col[k] == "fixed"]
        over = [k for k in mitigators if col[k] == "overcorrects"]
        text = (
            f"{_capital(scenario)} is fixed by {_join(fixed)}"
            if fixed
            else f"For {scenario}, no mitigator fixes it"
        )
        if over:
            text += (
                f", and overcorrected by {_join(over)}"
                if fixed
                else (
                    f", and {_join(over)} {'overcorrects' if len(over) == 1 else 'overcorrect'} it"
                )
            )
        remedy = TARGETED_FIX[scenario]
        text += f"; removing its cause ({remedy}) {REMEDY_WORDS.get(col[remedy], col[remedy])}."
        sentences.append(text)
    lines.append(" ".join(sentences))
    control = out["switches"]
    control = control[control["scenario"] == CONTROL]
    lines.append(
        f"Control: with no bias switched on, no model or mitigator has a gap above "
        f"{100 * float(control['dp_difference'].abs().max()):.1f} percentage points in selection or "
        f"{100 * float(control['tpr_gap_true'].abs().max()):.1f} percentage points in finding suitable "
        f"applicants."
    )
    return lines
