"""Benchmark: the LL144 bias audit of 1,000,000 applicants against the one-pass floor.

The floor is what any tool must do: count applicants and selections per sex, race/ethnicity
and intersectional category (one ``groupby`` of the text columns, the work a hand-made audit
with pandas does). ``ll144`` does that and adds the intervals, tests and flags of every
category. Prints both times and their ratio, for a selection and a scoring tool.

    python bench/bench_ll144.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import pandas as pd
from _timing import best_of

from fairaudit.regulatory import ll144
from fairaudit.regulatory._categories import RACE_ORDER

RACES = [*RACE_ORDER, "Unknown"]


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "sex": rng.choice(["Male", "Female", "Unknown"], n, p=[0.5, 0.47, 0.03]),
            "race": rng.choice(RACES, n, p=[0.18, 0.4, 0.14, 0.01, 0.15, 0.02, 0.05, 0.05]),
            "selected": (rng.random(n) < 0.3).astype(int),
            "score": rng.integers(0, 100, n),
        }
    )


def floor(df: pd.DataFrame, outcome: pd.Series) -> None:
    known = df[(df["sex"] != "Unknown") & (df["race"] != "Unknown")]
    for keys in (["sex"], ["race"], ["sex", "race"]):
        g = outcome.loc[known.index].groupby([known[k] for k in keys]).agg(["sum", "size"])
        rate = g["sum"] / g["size"]
        _ = rate / rate.max()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    df = make_data(args.rows)
    print(
        f"{args.rows:,} applicants; {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, pandas {pd.__version__}"
    )
    for kind in ("selected", "score"):
        outcome = df[kind] if kind == "selected" else (df["score"] > df["score"].median())
        t_floor = best_of(lambda o=outcome: floor(df, o.astype(int)), args.repeat)
        t_ours = best_of(
            lambda k=kind: ll144(df, sex="sex", race_ethnicity="race", **{k: k}), args.repeat
        )
        print(
            f"{kind:>8}: ll144 {t_ours:.3f} s, groupby floor {t_floor:.3f} s, "
            f"ratio {t_ours / t_floor:.2f}"
        )


if __name__ == "__main__":
    main()
