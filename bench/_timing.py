"""Timing shared by the benchmarks (run as ``python bench/NAME.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(
    fn: Callable[[], object], repeat: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """The shortest wall time (or time of ``clock``, e.g. ``time.process_time`` for the CPU
    time of the process) of ``repeat`` calls of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times)
