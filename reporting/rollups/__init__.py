"""Rollups: member counts kept per combination of a few dimensions, exact and never stale.

Every rollup is maintained by PostgreSQL in the transaction of the write that changes its base table (statement
triggers over transition tables, so a batch is one set-based delta however it was written), and the planner
answers from one whenever it covers the aggregation and every filter field (docs/performance.md).

This module holds what the rollup families share: how a request learns which source answered it (the
``x-reporting-source`` header) and the registry ``rebuild_rollups`` walks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

BASE = "base"

_sources: ContextVar[list[str] | None] = ContextVar("reporting_sources", default=None)


def record_source(name: str) -> None:
    """Note that the running request was answered (in part) from ``name`` (``BASE`` or ``rollup:<name>``)."""
    recorded = _sources.get()
    if recorded is not None and name not in recorded:
        recorded.append(name)


@contextmanager
def sources_recorded() -> Iterator[list[str]]:
    """Collect the sources every planner records while the block runs."""
    recorded: list[str] = []
    token = _sources.set(recorded)
    try:
        yield recorded
    finally:
        _sources.reset(token)


def source_header(recorded: Sequence[str]) -> str:
    return ", ".join(sorted(recorded)) if recorded else BASE


@dataclass(frozen=True)
class Drift:
    """What a rebuild found: rows of the rollup that differed from the base tables (0 when it was exact)."""

    family: str
    rows_differing: int
    rows_after: int


@dataclass(frozen=True)
class RollupFamily:
    name: str
    # Recompute the family's rows of these communities (every community when None) from the base tables, in one
    # transaction, and report how many rows differed before.
    rebuild: Callable[[Sequence[int] | None], Drift]


# Modules that register a family when imported; each adds itself here.
FAMILY_MODULES: tuple[str, ...] = (
    "reporting.rollups.members",
    "reporting.rollups.events",
    "reporting.rollups.cohorts",
    "reporting.rollups.events_totals",
)

_families: dict[str, RollupFamily] = {}


def register(family: RollupFamily) -> RollupFamily:
    _families[family.name] = family
    return family


def families() -> dict[str, RollupFamily]:
    for module in FAMILY_MODULES:
        importlib.import_module(module)
    return dict(_families)
