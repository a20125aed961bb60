"""Whether a timeseries query can be answered from its report's rollup (the daily event rollup) instead of its
source: the part of the one series planner (reporting/query/series_plan.py) that decides, kept apart so the
conditions read in one place.

The rollup holds whole local days per club. It answers when the interval is made of whole days (1d, 1w, 1mo)
in each club's own zone, every filter field and the aggregation are rollup columns, and each zone's window starts
and ends on the first instant of a local date (computed by PostgreSQL with the buckets, ``ZoneRange.first_day``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from reporting.query.filters import Logical, Node
from reporting.reports.declarations import SeriesRollup
from reporting.rollups.events_totals import narrower

if TYPE_CHECKING:
    from reporting.query.series_plan import ZoneRange
    from reporting.query.series_request import SeriesQuery

_base_only: ContextVar[bool] = ContextVar("reporting_series_base_only", default=False)


@contextmanager
def base_path_only() -> Iterator[None]:
    """Answer every timeseries from the reports' own sources while the block runs (tests, the benchmark)."""
    token = _base_only.set(True)
    try:
        yield
    finally:
        _base_only.reset(token)


def base_path_forced() -> bool:
    """Whether ``base_path_only`` is in force (the cohorts' choice honours it too)."""
    return _base_only.get()


def filter_fields(node: Node | None) -> set[str]:
    """Every field a filter reads, with a keyed field's key (``consents.email``) as the field itself."""
    if node is None:
        return set()
    if isinstance(node, Logical):
        return set().union(*(filter_fields(child) for child in node.operations))
    return {node.ref.field.name}


def usable_rollup(query: SeriesQuery, zones: Sequence[ZoneRange]) -> SeriesRollup | None:
    assert query.report.timeseries is not None
    rollup = query.report.timeseries.rollup
    if rollup is None or _base_only.get() or not zones:
        return None
    if query.interval.name not in rollup.intervals:
        return None
    fields = filter_fields(query.filter)
    if not fields <= rollup.fields:
        return None
    if query.aggregation is not None and query.aggregation.name not in rollup.aggregations:
        return None
    if any(zone.first_day is None or zone.last_day is None for zone in zones):
        return None
    return narrower(query, rollup, fields)
