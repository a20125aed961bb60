"""Collects benchmark results and prints them as the Markdown table the README shows."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    section: str
    metric: str
    value: str
    target: str = ""
    verdict: str = ""


@dataclass
class Reporter:
    results: list[Result] = field(default_factory=list)

    def add(self, section: str, metric: str, value: str, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("meets" if ok else "MISSES")
        result = Result(section, metric, value, target, verdict)
        self.results.append(result)
        print(f"  {section:12} {metric:58} {value:>14} {target:>10} {verdict}", flush=True)

    def markdown(self) -> str:
        lines = ["| section | measurement | value | target | |", "|---|---|---:|---:|---|"]
        lines += [f"| {r.section} | {r.metric} | {r.value} | {r.target} | {r.verdict} |" for r in self.results]
        return "\n".join(lines)


def median_seconds(action: Callable[[], Any], *, repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``action`` over ``repeat`` runs after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)
