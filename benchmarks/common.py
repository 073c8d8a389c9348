"""Helpers shared by the benchmarks: timing with medians, ratio lines."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Median wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(
    label: str, ours: float, baseline: float, goal: float | None = None, higher_is_better: bool = True
) -> None:
    """Print one ratio line: ours/baseline for rates (or baseline/ours for times when higher_is_better=False)."""
    ratio = ours / baseline if higher_is_better else baseline / ours
    verdict = "" if goal is None else ("  OK" if ratio >= goal else f"  BELOW GOAL {goal}")
    print(f"   {label}: ratio {ratio:.2f}{verdict}", flush=True)
