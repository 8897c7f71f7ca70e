"""A synthetic hiring data set in which gender bias survives dropping the gender column.

The generator reproduces the mechanism behind the best-known story of algorithmic hiring
bias: a resume-screening model trained on a company's past hiring decisions learns to
penalise signals that merely *correlate* with gender (membership of a women's organisation,
the wording of the resume, career gaps), although gender itself is never a feature.

Every kind of bias named in the literature is a separate switch, ``0`` meaning off, so that
each can be injected on its own and its effect measured. See :func:`make_hiring`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm
from sklearn.utils import Bunch

__all__ = ["make_hiring"]

# ----------------------------------------------------------------------------- messages
ERR_N_SAMPLES = "n_samples must be a positive integer (number of rows to generate); got {value!r}."
ERR_UNIT_SWITCH = (
    "{name} must be a number in [0, 1] (0 switches this bias off, 1 is its strongest "
    "form); got {value!r}."
)
ERR_PROXY_STRENGTH = (
    "proxy_strength must be a finite number >= 0 (0 = proxies independent of gender, "
    "1 = the default strength); got {value!r}."
)
ERR_OPEN_UNIT = "{name} must be a number strictly between 0 and 1; got {value!r}."
ERR_RANDOM_STATE = (
    "random_state must be None, an int >= 0, a numpy Generator, RandomState or SeedSequence; "
    "got {value!r}."
)

# ----------------------------------------------------------------------- model constants
#: Rows drawn per independently seeded block. The population is an endless stream of rows in
#: blocks of this size, so ``make_hiring(n)`` is always a prefix of ``make_hiring(m)`` for
#: ``n < m`` with the same seed, and a selection-biased sample is a subsequence of it.
_BLOCK = 4096
#: Loading of each legitimate feature on the latent qualification (noise makes up the rest
#: of a unit variance).
_LOADING = 0.7
#: Noise between the latent qualification and true suitability.
_SUITABILITY_NOISE = 0.3
#: Proxies: log-odds of membership of a women's organisation (men, and women at strength 0),
#: and its increase for women per unit of proxy_strength.
_ORG_LOGIT, _ORG_SHIFT = -2.5, 2.5
#: Proxies: half the gap between women's and men's mean wording score per unit strength.
_WORDING_SHIFT = 0.75
#: Proxies: log-odds of a career gap (men, and women at strength 0), and the increase for
#: women per unit of proxy_strength; gap lengths in months ~ 1 + Gamma(shape, scale).
_GAP_LOGIT, _GAP_SHIFT = -2.2, 1.5
_GAP_SHAPE, _GAP_SCALE = 2.0, 5.0
#: Framing: probability (at framing=1) that a person leaves or interrupts within the tenure
#: window, by gender, multiplied by _FRAMING_GAP_FACTOR for someone with a past career gap.
_FRAMING_RATE_FEMALE, _FRAMING_RATE_MALE = 0.45, 0.10
_FRAMING_GAP_FACTOR = 1.6
#: Education levels and their cut points on (standardised) education aptitude.
_EDUCATION_CUTS = np.array([-0.8, 0.6, 1.6])

FEATURE_DESCRIPTIONS: dict[str, str] = {
    "experience_years": (
        "Years of relevant work experience as recorded on the resume. Legitimate: driven by "
        "the latent qualification. With measurement bias switched on, women's recorded years "
        "are lower than their true years (e.g. part-time years not counted)."
    ),
    "skills_score": (
        "Score of a work-sample skills test, 0-100. Legitimate: driven by the latent qualification."
    ),
    "education_level": (
        "Highest degree: 0 = none, 1 = bachelor's, 2 = master's, 3 = doctorate. Legitimate: "
        "driven by the latent qualification."
    ),
    "womens_org_member": (
        "1 if the resume lists a women's organisation (e.g. 'women's chess club captain'). "
        "Proxy: caused by gender (how strongly is set by the proxy strength), no effect on "
        "suitability."
    ),
    "gendered_wording": (
        "Standardised score of stereotypically feminine wording in the resume text (negative "
        "= masculine wording). Proxy: shifted by gender, no effect on suitability."
    ),
    "career_gap_months": (
        "Length of the longest career break in months (0 = none). Proxy: more frequent for "
        "women the stronger the proxies are, no effect on suitability."
    ),
}

_DESCR = """\
Synthetic hiring data (fairaudit.datasets.make_hiring)
======================================================

One row per applicant. Causal structure (arrows are the only dependencies):

    gender ----------------------------> womens_org_member, gendered_wording,
      |        (proxy_strength)           career_gap_months        [proxies]
      |
      +--(measurement_bias)--> recorded experience_years
      +--(label_bias)--------> historical label y (qualified women recorded as not hired)
      +--(framing)-----------> "uninterrupted tenure" target (also via career gap)
      +--(selection_bias)----> which rows enter the sample (women hired are dropped)

    qualification (latent, N(0, 1), independent of gender)
      +--> experience_years, skills_score, education_level   [legitimate features]
      +--> y_true: true suitability

The proxies have no causal effect on true suitability. With every switch at 0 the
historical label equals y_true row by row, and neither depends on gender.

Returned fields: X (features, gender not among them), y (historical label "hired"),
y_true (true suitability "suitable"), sensitive_features (Series "gender": "female" /
"male"), latent (qualification, experience_years_true, interrupted), frame (all columns),
feature_descriptions, params, DESCR.
"""


# ------------------------------------------------------------------------ validation
def _check_n_samples(n_samples: Any) -> int:
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, numbers.Integral)
        or int(n_samples) < 1
    ):
        raise ValueError(ERR_N_SAMPLES.format(value=n_samples))
    return int(n_samples)


def _is_real(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and bool(np.isfinite(float(value)))
    )


def _check_unit(name: str, value: Any) -> float:
    if not _is_real(value) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(ERR_UNIT_SWITCH.format(name=name, value=value))
    return float(value)


def _check_open_unit(name: str, value: Any) -> float:
    if not _is_real(value) or not 0.0 < float(value) < 1.0:
        raise ValueError(ERR_OPEN_UNIT.format(name=name, value=value))
    return float(value)


def _check_proxy_strength(value: Any) -> float:
    if not _is_real(value) or float(value) < 0.0:
        raise ValueError(ERR_PROXY_STRENGTH.format(value=value))
    return float(value)


def _seed_sequence(random_state: Any) -> np.random.SeedSequence:
    """One SeedSequence from any of the accepted random_state forms."""
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(0, 2**63 - 1)))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(0, 2**31 - 1)))
    if (
        isinstance(random_state, numbers.Integral)
        and not isinstance(random_state, bool)
        and int(random_state) >= 0
    ):
        return np.random.SeedSequence(int(random_state))
    raise TypeError(ERR_RANDOM_STATE.format(value=random_state))


# ------------------------------------------------------------------------ generation
def _draw_block(seed: np.random.SeedSequence, p: dict[str, float]) -> dict[str, np.ndarray]:
    """Draw one block of ``_BLOCK`` applicants.

    Every random number is drawn whatever the switches are, so that two calls with the same
    seed that differ in one switch differ only in what that switch acts on.
    """
    rng = np.random.default_rng(seed)
    m = _BLOCK
    female = rng.random(m) < p["female_share"]
    qualification = rng.standard_normal(m)
    noise = rng.standard_normal((m, 4))
    u_org, u_gap, u_label, u_frame, u_select = rng.random((5, m))
    wording_noise = rng.standard_normal(m)
    gap_length = rng.gamma(_GAP_SHAPE, _GAP_SCALE, m)

    resid = np.sqrt(1.0 - _LOADING**2)
    # Legitimate features: the latent qualification plus independent noise.
    exp_z = _LOADING * qualification + resid * noise[:, 0]
    experience_true = np.round(np.maximum(0.0, 6.0 + 3.0 * exp_z), 1)
    skills = np.clip(
        np.round(60.0 + 12.0 * (_LOADING * qualification + resid * noise[:, 1])), 0, 100
    )
    edu_z = _LOADING * qualification + resid * noise[:, 2]
    education = np.searchsorted(_EDUCATION_CUTS, edu_z).astype(np.int64)

    # True suitability: a threshold on qualification plus a little noise.
    sd = np.sqrt(1.0 + _SUITABILITY_NOISE**2)
    cut = norm.ppf(1.0 - p["base_rate"]) * sd
    y_true = (qualification + _SUITABILITY_NOISE * noise[:, 3] > cut).astype(np.int64)

    # Proxies: caused by gender only, scaled by proxy_strength.
    s = p["proxy_strength"] * female
    org = (u_org < expit(_ORG_LOGIT + _ORG_SHIFT * s)).astype(np.int64)
    sign = np.where(female, 1.0, -1.0)
    wording = np.round(p["proxy_strength"] * _WORDING_SHIFT * sign + wording_noise, 3)
    has_gap = u_gap < expit(_GAP_LOGIT + _GAP_SHIFT * s)
    gap = np.where(has_gap, np.round(1.0 + gap_length), 0.0)

    # Measurement bias: a share of women's experience is not recorded.
    experience = np.where(
        female, np.round(experience_true * (1.0 - p["measurement_bias"]), 1), experience_true
    )

    # Framing: the recorded target is "suitable and stays without interruption"; the
    # interruption rate differs by gender (and is higher after a past career gap).
    rate = np.where(female, _FRAMING_RATE_FEMALE, _FRAMING_RATE_MALE)
    rate = rate * np.where(has_gap, _FRAMING_GAP_FACTOR, 1.0)
    interrupted = u_frame < p["framing"] * rate
    target = y_true * (~interrupted)

    # Label bias: past decisions turned down qualified women.
    y = np.where(female & (target == 1) & (u_label < p["label_bias"]), 0, target)

    # Selection bias: women hired in the past are under-represented in the sample.
    keep = ~(female & (y == 1) & (u_select < p["selection_bias"]))

    return {
        "experience_years": experience,
        "skills_score": skills.astype(np.int64),
        "education_level": education,
        "womens_org_member": org,
        "gendered_wording": wording,
        "career_gap_months": gap.astype(np.int64),
        "female": female,
        "y": y.astype(np.int64),
        "y_true": y_true,
        "qualification": qualification,
        "experience_years_true": experience_true,
        "interrupted": interrupted,
        "keep": keep,
    }


def make_hiring(
    n_samples: int = 5000,
    *,
    random_state: Any = None,
    label_bias: float = 0.5,
    selection_bias: float = 0.0,
    measurement_bias: float = 0.0,
    framing: float = 0.0,
    proxy_strength: float = 1.0,
    female_share: float = 0.5,
    base_rate: float = 0.35,
) -> Bunch:
    """Generate synthetic applicants with a known causal structure and switchable biases.

    The data reproduce how a screening model trained on past hiring decisions learns to
    penalise women through proxies although gender is not among its features.

    Causal structure (arrows are the only dependencies)::

        gender --(proxy_strength)--> womens_org_member, gendered_wording, career_gap_months
        gender --(measurement_bias)--> recorded experience_years
        gender --(label_bias)--> historical label y
        gender --(framing)--> "uninterrupted tenure" target (also raised by a career gap)
        gender --(selection_bias)--> which rows enter the sample
        qualification (latent, independent of gender) --> experience_years, skills_score,
            education_level, y_true (true suitability)

    The proxies have no causal effect on true suitability. With every bias switch at 0 the
    historical label ``y`` equals ``y_true`` row by row and neither depends on gender; with
    ``proxy_strength=0`` the proxy columns are still present but independent of gender.

    Parameters
    ----------
    n_samples : int, default=5000
        Number of rows (applicants) returned, whatever the selection bias.
    random_state : None, int, numpy Generator, RandomState or SeedSequence, default=None
        Seed. The rows form a stream in fixed blocks, so with the same seed the first
        ``n`` rows do not depend on ``n_samples``, and calls that differ in one switch
        differ only in what that switch acts on.
    label_bias : float in [0, 1], default=0.5
        Probability that a woman who meets the recorded target was nevertheless turned down
        by past decisions (her historical label flipped from 1 to 0).
    selection_bias : float in [0, 1], default=0.0
        Probability that a woman with historical label 1 is missing from the sample: her
        positive examples are under-represented. Rows are drawn until ``n_samples`` are
        kept, so the sample is a biased view of the population produced with
        ``selection_bias=0`` (same other arguments).
    measurement_bias : float in [0, 1], default=0.0
        Share of each woman's years of experience that is not recorded (e.g. part-time
        years not counted). ``latent["experience_years_true"]`` holds the true years.
    framing : float in [0, 1], default=0.0
        Redefines the recorded target as "suitable *and* stays without interruption for the
        tenure window". The interruption probability is ``framing`` times 0.45 for women and
        0.10 for men, times 1.6 after a past career gap. ``y_true`` stays true suitability.
    proxy_strength : float >= 0, default=1.0
        How strongly the proxies encode gender: 0 = independent of gender. At 1, 50% of
        women and 8% of men list a women's organisation, the wording scores of women and men
        differ by 1.5 standard deviations, and 33% of women and 10% of men have a career gap.
    female_share : float in (0, 1), default=0.5
        Share of women among applicants (before selection bias).
    base_rate : float in (0, 1), default=0.35
        Share of truly suitable applicants (independent of gender).

    Returns
    -------
    sklearn.utils.Bunch
        ``X`` : DataFrame of the six features (gender is not among them);
        ``y`` : Series ``hired``, the historical label (0/1);
        ``y_true`` : Series ``suitable``, true suitability (0/1);
        ``sensitive_features`` : Series ``gender`` with values ``"female"`` and ``"male"``;
        ``latent`` : DataFrame with ``qualification``, ``experience_years_true`` and
        ``interrupted`` (the framing event);
        ``frame`` : all of the above in one DataFrame;
        ``feature_descriptions`` : dict column -> meaning; ``params`` : the arguments used;
        ``DESCR`` : a description of the data and its causal structure.

    Raises
    ------
    ValueError
        If ``n_samples`` is not a positive integer or a switch is out of range.
    TypeError
        If ``random_state`` is of an unsupported type.

    Examples
    --------
    >>> from fairaudit.datasets._hiring import make_hiring
    >>> data = make_hiring(1000, random_state=0)
    >>> list(data.X.columns)[:3]
    ['experience_years', 'skills_score', 'education_level']
    >>> sorted(data.sensitive_features.unique())
    ['female', 'male']
    """
    n = _check_n_samples(n_samples)
    params = {
        "label_bias": _check_unit("label_bias", label_bias),
        "selection_bias": _check_unit("selection_bias", selection_bias),
        "measurement_bias": _check_unit("measurement_bias", measurement_bias),
        "framing": _check_unit("framing", framing),
        "proxy_strength": _check_proxy_strength(proxy_strength),
        "female_share": _check_open_unit("female_share", female_share),
        "base_rate": _check_open_unit("base_rate", base_rate),
    }
    root = _seed_sequence(random_state)

    blocks: list[dict[str, np.ndarray]] = []
    kept = 0
    k = 0
    while kept < n:  # loop over blocks of rows, each block vectorised
        seed = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k))
        block = _draw_block(seed, params)
        keep = block.pop("keep")
        block = {key: value[keep] for key, value in block.items()}
        blocks.append(block)
        kept += int(keep.sum())
        k += 1
    cols = {key: np.concatenate([b[key] for b in blocks])[:n] for key in blocks[0]}

    X = pd.DataFrame({name: cols[name] for name in FEATURE_DESCRIPTIONS})
    y = pd.Series(cols["y"], name="hired")
    y_true = pd.Series(cols["y_true"], name="suitable")
    gender = pd.Series(np.where(cols["female"], "female", "male"), name="gender")
    latent = pd.DataFrame(
        {
            "qualification": cols["qualification"],
            "experience_years_true": cols["experience_years_true"],
            "interrupted": cols["interrupted"],
        }
    )
    frame = pd.concat([X, gender, y, y_true], axis=1)
    return Bunch(
        X=X,
        y=y,
        y_true=y_true,
        sensitive_features=gender,
        latent=latent,
        frame=frame,
        feature_descriptions=dict(FEATURE_DESCRIPTIONS),
        params={**params, "n_samples": n},
        DESCR=_DESCR,
    )
