"""Result of a recommender-loop simulation: measures per step, tidy history and comparisons."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ._recommend_params import RecommendationParams

#: Measures recorded per (step, run), in the order of the history's columns.
MEASURES = (
    "jaccard_similar",
    "jaccard_random",
    "gini",
    "top_share",
    "step_utility",
    "mean_utility",
    "minority_exposure",
    "minority_choices",
    "minority_slate",
)
#: Measures of :meth:`RecommendationResult.relative_to`.
RELATIVE = ("homogenisation", "homogenisation_similar", "utility_ratio")

ERR_MEASURE = "measure must be one of {names}; got {got!r}."
ERR_IDEAL = "ideal must be a RecommendationResult; got {got}."
ERR_NOT_PAIRED = (
    "relative_to needs the same worlds: simulate the ideal recommender with the same "
    "params (other than recommender and exploration), n_runs, random_state and "
    "record_every; {reason}."
)


@dataclass(frozen=True, eq=False)
class RecommendationResult:
    """Outcome of :func:`~fairaudit.simulation.simulate_recommendation` (read-only arrays).

    Attributes
    ----------
    params : RecommendationParams
        The model that was run.
    n_runs : int
        Number of runs.
    steps : ndarray of shape (n_records,)
        Steps at which the measures were recorded (0 = before the first step).
    preference_share : ndarray of shape (n_runs, n_groups)
        Each item group's share of the users' total true utility (what people would
        choose with full information).
    favourite_share : ndarray of shape (n_runs, n_groups)
        Each item group's share of the users' own top-``slate_size`` items by true
        utility: what the slates would hold if everyone saw their favourites.
    catalogue_share : ndarray of shape (n_groups,)
        Each item group's share of the catalogue.
    world_checksum : ndarray of shape (n_runs,)
        Sum of each run's true utilities: equal for results that met the same worlds.
    final_counts : ndarray of shape (n_runs, n_items)
        How often each item was chosen, over the whole run.
    final_exposure, final_choices : ndarray of shape (n_runs, n_groups)
        Slots shown and choices made, by item group, over the whole run.
    """

    params: RecommendationParams
    n_runs: int
    steps: np.ndarray
    measures: dict[str, np.ndarray] = field(repr=False)
    preference_share: np.ndarray = field(repr=False)
    favourite_share: np.ndarray = field(repr=False)
    catalogue_share: np.ndarray = field(repr=False)
    world_checksum: np.ndarray = field(repr=False)
    final_counts: np.ndarray = field(repr=False)
    final_exposure: np.ndarray = field(repr=False)
    final_choices: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        for arr in (
            self.steps,
            self.preference_share,
            self.favourite_share,
            self.catalogue_share,
            self.world_checksum,
            self.final_counts,
            self.final_exposure,
            self.final_choices,
            *self.measures.values(),
        ):
            arr.flags.writeable = False

    def __repr__(self) -> str:
        return (
            f"RecommendationResult(recommender={self.params.recommender!r}, "
            f"exploration={self.params.exploration}, n_runs={self.n_runs}, "
            f"n_steps={self.params.n_steps})"
        )

    def measure(self, name: str) -> np.ndarray:
        """Measure ``name`` at every recorded step, shape (n_records, n_runs) (a copy).

        Names: ``jaccard_similar`` and ``jaccard_random`` (mean Jaccard similarity of the
        consumed sets of each user and their most similar / a random other user),
        ``gini`` (of item popularity), ``top_share`` (share of consumption of the top 1%
        of items), ``step_utility`` (mean true utility of this step's choices),
        ``mean_utility`` (of all choices so far), ``minority_exposure`` and
        ``minority_choices`` (the minority group's share of slots shown and of choices
        so far) and ``minority_slate`` (its share of this step's slates). NaN where
        undefined: at step 0 (nothing consumed yet) and without item groups.
        """
        if name not in self.measures:
            raise ValueError(ERR_MEASURE.format(names=list(MEASURES), got=name))
        return self.measures[name].copy()

    def final(self, name: str) -> np.ndarray:
        """Measure ``name`` after the last step, shape (n_runs,)."""
        return self.measure(name)[-1]

    def history(self) -> pd.DataFrame:
        """Tidy history: one row per (run, recorded step), one column per measure."""
        n_rec = len(self.steps)
        data = {
            "run": np.repeat(np.arange(self.n_runs), n_rec),
            "step": np.tile(self.steps, self.n_runs),
        }
        for name in MEASURES:
            data[name] = self.measures[name].T.reshape(-1)
        return pd.DataFrame(data)

    def relative_to(self, ideal: RecommendationResult) -> pd.DataFrame:
        """Measures relative to the ideal recommender in the same worlds, as Chaney et al.

        Returns a tidy frame (``run``, ``step``, ``homogenisation``,
        ``homogenisation_similar``, ``utility_ratio``): the mean Jaccard similarity of
        randomly paired users (of users paired with the most similar other user) minus
        the ideal recommender's in the same run and step (positive: users' consumption is
        more alike than under ideal recommendations), and the mean true utility of all
        choices so far divided by the ideal's.
        """
        if not isinstance(ideal, RecommendationResult):
            raise TypeError(ERR_IDEAL.format(got=type(ideal).__name__))
        a = replace(self.params, recommender="ideal", exploration=0.0)
        b = replace(ideal.params, exploration=0.0)
        if a != b:
            raise ValueError(ERR_NOT_PAIRED.format(reason="the params differ"))
        if ideal.n_runs != self.n_runs or not np.array_equal(ideal.steps, self.steps):
            raise ValueError(ERR_NOT_PAIRED.format(reason="the runs or steps differ"))
        if not np.array_equal(ideal.world_checksum, self.world_checksum):
            raise ValueError(ERR_NOT_PAIRED.format(reason="the worlds differ (another seed)"))
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {
                "homogenisation": self.measures["jaccard_random"]
                - ideal.measures["jaccard_random"],
                "homogenisation_similar": self.measures["jaccard_similar"]
                - ideal.measures["jaccard_similar"],
                "utility_ratio": self.measures["mean_utility"] / ideal.measures["mean_utility"],
            }
        n_rec = len(self.steps)
        data = {
            "run": np.repeat(np.arange(self.n_runs), n_rec),
            "step": np.tile(self.steps, self.n_runs),
        }
        for name, arr in values.items():
            data[name] = arr.T.reshape(-1)
        return pd.DataFrame(data)

    def spread(
        self,
        name: str,
        quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
        *,
        relative: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Mean, its Monte-Carlo standard error and quantiles over runs, per recorded step.

        ``name`` is a measure, or a column of ``relative`` (a frame from
        :meth:`relative_to`). Returns a frame indexed by ``step`` with columns ``mean``,
        ``se`` and one per quantile. NaN values are ignored.
        """
        if relative is not None:
            if name not in RELATIVE:
                raise ValueError(ERR_MEASURE.format(names=list(RELATIVE), got=name))
            arr = relative[name].to_numpy().reshape(self.n_runs, -1).T
        else:
            arr = self.measure(name)
        q = np.asarray(quantiles, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN steps are NaN
            n = np.sum(~np.isnan(arr), axis=1)
            out = {
                "mean": np.nanmean(arr, axis=1),
                "se": np.nanstd(arr, axis=1, ddof=1) / np.sqrt(np.maximum(n, 1)),
            }
            quant = np.nanquantile(arr, q, axis=1)
        for i, qq in enumerate(q):
            out[float(qq)] = quant[i]
        return pd.DataFrame(out, index=pd.Index(self.steps, name="step"))
