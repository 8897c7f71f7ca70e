"""Result of a feedback-loop simulation: final shares, tidy history and summaries."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._params import PolicingParams
from ._state import PolicingState

ERR_SINCE = "since must be a step between 0 and n_steps={n_steps} (inclusive); got {got!r}."
ERR_COLUMN = "column must be one of {columns}; got {got!r}."
ERR_TALLY = "name must be one of {names}; got {got!r}."


def _shares(counts: np.ndarray) -> np.ndarray:
    """Row shares along the last axis; NaN where a row sums to 0 (nothing to share)."""
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, counts / np.where(total > 0, total, 1.0), np.nan)


def _tv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 0.5 * np.abs(a - b).sum(axis=-1)


@dataclass(frozen=True, eq=False)
class PolicingResult:
    """Outcome of :func:`~fairaudit.simulation.simulate_policing` (arrays are copies).

    Attributes
    ----------
    params : PolicingParams
        The model that was run.
    n_steps, n_runs : int
        Steps per run and number of runs.
    steps : ndarray of shape (n_records,)
        The steps at which the history was recorded (0 = before the first step).
    final_state : PolicingState
        State after the last step (tallies complete).
    """

    params: PolicingParams
    n_steps: int
    n_runs: int
    steps: np.ndarray
    allocation: np.ndarray = field(repr=False)
    belief: np.ndarray = field(repr=False)
    tallies: dict[str, np.ndarray] = field(repr=False)
    final_state: PolicingState = field(repr=False)

    def __post_init__(self) -> None:
        for arr in (self.steps, self.allocation, self.belief, *self.tallies.values()):
            arr.flags.writeable = False

    def __repr__(self) -> str:
        return (
            f"PolicingResult(n_runs={self.n_runs}, n_steps={self.n_steps}, "
            f"n_records={len(self.steps)}, params={self.params!r})"
        )

    # -- final values --------------------------------------------------------------
    @property
    def true_shares(self) -> np.ndarray:
        """Share of each region in the true incident rate, shape (K,)."""
        return self.params.true_shares

    @property
    def final_shares(self) -> np.ndarray:
        """Patrol allocation shares after the last step, shape (n_runs, K)."""
        return self.allocation[-1].copy()

    @property
    def final_belief(self) -> np.ndarray:
        """The model's belief (recorded counts incl. prior) after the last step."""
        return self.belief[-1].copy()

    @property
    def tv_distance(self) -> np.ndarray:
        """Total variation distance between final allocation and true shares, per run."""
        return _tv(self.allocation[-1], self.true_shares)

    @property
    def top_share(self) -> np.ndarray:
        """Largest final allocation share in each run."""
        return self.allocation[-1].max(axis=1)

    def tally(self, name: str) -> np.ndarray:
        """Cumulative tally ``name`` at every recorded step, shape (n_records, n_runs, K).

        Names: patrols, reported, discovered, recorded, hotspot, incidents, flagged.
        """
        if name not in self.tallies:
            raise ValueError(ERR_TALLY.format(names=sorted(self.tallies), got=name))
        return self.tallies[name].copy()

    def _index_since(self, since: int | None) -> int:
        if since is None:
            since = self.n_steps // 2
        if (
            isinstance(since, bool)
            or not isinstance(since, (int, np.integer))
            or not (0 <= since <= self.n_steps)
        ):
            raise ValueError(ERR_SINCE.format(n_steps=self.n_steps, got=since))
        # last recorded step at or before `since`
        return int(np.searchsorted(self.steps, since, side="right") - 1)

    def confirmation(self, since: int | None = None) -> np.ndarray:
        """The confirmation statistic: each region's share of the incidents recorded.

        Counted over the steps after ``since`` (default: the recorded step at or before
        half-way), shape (n_runs, K). It is what the model's own data say about where
        crime is; compare it with the allocation (the model's prediction) and with the
        true shares. NaN where nothing was recorded in that window.
        """
        j = self._index_since(since)
        recorded = self.tallies["recorded"]
        return _shares(recorded[-1] - recorded[j])

    def summary(self, since: int | None = None) -> pd.DataFrame:
        """One row per run: final top region and share, and three distances.

        Columns: ``top_region``, ``top_share``, ``tv_to_true`` (allocation vs true
        shares), ``tv_to_recorded`` (allocation vs :meth:`confirmation`: small means the
        model looks calibrated on its own records) and ``recorded_tv_to_true``.
        """
        final = self.allocation[-1]
        conf = self.confirmation(since)
        return pd.DataFrame(
            {
                "run": np.arange(self.n_runs),
                "top_region": final.argmax(axis=1),
                "top_share": final.max(axis=1),
                "tv_to_true": _tv(final, self.true_shares),
                "tv_to_recorded": _tv(final, conf),
                "recorded_tv_to_true": _tv(conf, self.true_shares),
            }
        ).set_index("run")

    # -- history -------------------------------------------------------------------
    def history(self) -> pd.DataFrame:
        """Tidy history: one row per (run, step, region) at the recorded steps.

        Columns: ``run``, ``step``, ``region``, ``allocation_share`` (patrol probability
        for the next step), ``belief_share``, ``true_share`` (share of the true rate),
        ``recorded_share`` and ``incident_share`` (shares of the incidents recorded /
        that truly happened since the previous recorded step; NaN at step 0 and where
        there were none), ``flagged_fraction`` (fraction of those steps flagged as a
        hotspot; NaN at step 0).
        """
        n_rec, n_runs, k = self.allocation.shape

        def interval_shares(name: str) -> np.ndarray:
            cum = self.tallies[name]
            out = np.full(cum.shape, np.nan)
            out[1:] = _shares(np.diff(cum, axis=0))
            return out

        flagged = np.full(self.allocation.shape, np.nan)
        flagged[1:] = np.diff(self.tallies["flagged"], axis=0) / np.diff(self.steps)[:, None, None]
        columns = {
            "allocation_share": self.allocation,
            "belief_share": _shares(self.belief),
            "true_share": np.broadcast_to(self.true_shares, self.allocation.shape),
            "recorded_share": interval_shares("recorded"),
            "incident_share": interval_shares("incidents"),
            "flagged_fraction": flagged,
        }
        # order rows by run, then step, then region
        data = {
            "run": np.repeat(np.arange(n_runs), n_rec * k),
            "step": np.tile(np.repeat(self.steps, k), n_runs),
            "region": np.tile(np.arange(k), n_runs * n_rec),
        }
        for name, arr in columns.items():
            data[name] = np.transpose(arr, (1, 0, 2)).reshape(-1)
        return pd.DataFrame(data)

    def spread(
        self,
        column: str = "allocation_share",
        quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    ) -> pd.DataFrame:
        """Mean and quantiles over runs of a history column, per (step, region).

        Returns a DataFrame indexed by (step, region) with columns ``mean`` and one per
        quantile (named by the quantile, e.g. ``0.05``). NaN values are ignored.
        """
        arrays = {
            "allocation_share": lambda: self.allocation,
            "belief_share": lambda: _shares(self.belief),
        }
        if column in arrays:
            arr = arrays[column]()
        else:
            hist = self.history()
            if column not in hist.columns or column in ("run", "step", "region"):
                names = [c for c in hist.columns if c not in ("run", "step", "region")]
                raise ValueError(ERR_COLUMN.format(columns=names, got=column))
            arr = np.transpose(
                hist[column].to_numpy().reshape(self.n_runs, len(self.steps), -1), (1, 0, 2)
            )
        q = np.asarray(quantiles, dtype=float)
        with warnings.catch_warnings():
            # all-NaN slices (e.g. recorded shares at step 0) are NaN by design
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(arr, axis=1)
            quant = np.nanquantile(arr, q, axis=1)
        k = arr.shape[2]
        index = pd.MultiIndex.from_arrays(
            [np.repeat(self.steps, k), np.tile(np.arange(k), len(self.steps))],
            names=["step", "region"],
        )
        out = {"mean": mean.reshape(-1)}
        for i, qq in enumerate(q):
            out[float(qq)] = quant[i].reshape(-1)
        return pd.DataFrame(out, index=index)
