"""Benchmark: an audit of very many small groups (time and peak memory).

100,000 groups of 10 rows each (1,000,000 rows), default options of ``fairaudit.audit``
(1,000 bootstrap replicates). Each case runs in a fresh child process, whose peak resident
memory is that child's ``ru_maxrss`` (from ``os.wait4``); the "one pass" case only makes
the data and computes the confusion counts, the floor of any audit of these rows.

    python bench/bench_many_groups.py [--groups 100000] [--rows-per-group 10]
                                      [--cases floor,default,no-bootstrap]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
import numpy as np

groups, per, case = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
n = groups * per
g = rng.permutation(np.repeat(np.arange(groups), per))
y = (rng.random(n) < 0.3).astype(np.int8)
pred = (rng.random(n) < np.where(y == 1, 0.7, 0.2)).astype(np.int8)
import fairaudit
from fairaudit.metrics import group_confusion_stats

t = time.perf_counter()
if case == "floor":
    group_confusion_stats(y, pred, sensitive_features=g)
    out = {}
elif case == "default":
    r = fairaudit.audit(y, pred, sensitive_features=g)
    out = {"groups": len(r.by_group), "verdict": r.verdict}
elif case == "no-bootstrap":
    r = fairaudit.audit(y, pred, sensitive_features=g, n_bootstrap=0)
    out = {"groups": len(r.by_group), "verdict": r.verdict}
else:
    raise SystemExit(f"unknown case {case!r}")
out["seconds"] = time.perf_counter() - t
print(json.dumps(out))
"""


def run_case(groups: int, per: int, case: str) -> dict:
    """Run one case in a child process; its time and that child's peak RSS in GiB."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(groups), str(per), case],
            stdout=subprocess.PIPE,
            stderr=err,
            env=os.environ.copy(),
        )
        stdout = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"case {case} failed:\n{err.read().decode()}")
    out = json.loads(stdout.strip().splitlines()[-1])
    out["peak_gib"] = usage.ru_maxrss / 2**20  # KiB on Linux
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--rows-per-group", type=int, default=10)
    parser.add_argument("--cases", default="floor,default,no-bootstrap")
    args = parser.parse_args()

    import fairaudit

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, fairaudit {fairaudit.__version__}"
    )
    print(f"groups: {args.groups:,} x {args.rows_per_group} rows")
    for case in args.cases.split(","):
        out = run_case(args.groups, args.rows_per_group, case)
        extra = f"  ({out['groups']:,} groups, verdict {out['verdict']})" if "groups" in out else ""
        print(
            f"{case:14s} {out['seconds']:8.1f} s   peak RSS {out['peak_gib']:6.2f} GiB{extra}",
            flush=True,
        )


if __name__ == "__main__":
    main()
