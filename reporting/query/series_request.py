"""Timeseries request bodies (reporting-api.md §6), validated against the report declaration and the context.

``from``/``to`` are both required: the window decides the interval ``auto`` picks and the 150-bucket limit, and
"everything since the first event" is rarely what a chart wants. A value with an offset is an instant; one without
(or a plain date, meaning its midnight) is a wall-clock time read in each community's own time zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from reporting.context import Context
from reporting.query import errors
from reporting.query.errors import ErrorTree
from reporting.query.filters import Condition, FieldRef, Logical, Node, parse_filter
from reporting.query.intervals import AUTO, INTERVALS, Interval, auto_interval
from reporting.query.request import reject_unknown_keys
from reporting.query.sql import Fragment, all_of
from reporting.query.values import is_unicode_text
from reporting.reports.declarations import Aggregation, Report

SERIES_KEYS = frozenset({"report", "filter", "aggregate_by", "interval", "from", "to"})
MAX_TIME_POINTS = 150
MAX_DATA_POINTS = 1000
# Far enough for any club's history and future, near enough that no time zone arithmetic can overflow.
_EARLIEST, _LATEST = dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)


@dataclass(frozen=True)
class Bound:
    """``from`` or ``to``: an instant (aware, UTC) or a wall-clock time (naive), exactly one of them."""

    instant: dt.datetime | None = None
    wall: dt.datetime | None = None

    def in_zone(self, zone: str) -> dt.datetime:
        """The instant this bound means in ``zone`` (only for validating the window and choosing ``auto``)."""
        if self.instant is not None:
            return self.instant
        assert self.wall is not None
        return self.wall.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


@dataclass(frozen=True)
class SeriesQuery:
    report: Report
    filter: Node | None  # the request's filter with the report's defaults added
    filter_raw: Any
    aggregation: Aggregation | None
    interval: Interval
    start: Bound
    end: Bound
    local_form: bool  # the context spans several time zones: wall-clock buckets, one time zone per series

    def range_timezone(self, context: Context) -> str:
        return "local" if self.local_form else context.time_zones[0]


def parse_bound(raw: Any, path: str, errors_: ErrorTree) -> Bound | None:
    if raw is None:
        errors_.add((path,), errors.REQUIRED)
        return None
    if not isinstance(raw, str):
        errors_.add((path,), errors.INVALID_TYPE, expected="timestamp")
        return None
    text = raw.strip()
    try:
        if not is_unicode_text(text) or len(text) > 64:
            raise ValueError
        parsed = dt.datetime.fromisoformat(text)
        wall = parsed.replace(tzinfo=None)
        if not _EARLIEST <= wall < _LATEST:
            raise ValueError
    except ValueError:
        errors_.add((path,), errors.INVALID_VALUE, expected="ISO 8601 timestamp between 1900 and 2200")
        return None
    if parsed.tzinfo is None:
        return Bound(wall=parsed)
    return Bound(instant=parsed.astimezone(dt.UTC))


def with_defaults(report: Report, node: Node | None, *, except_field: str | None = None) -> Node | None:
    """The filter with the report's default equalities for fields it names no condition on."""
    assert report.timeseries is not None
    named = _fields_named(node)
    extra: list[Node] = []
    for field_name, value in report.timeseries.defaults:
        field = report.get_field(field_name)
        assert field is not None
        if field_name not in named and field_name != except_field:
            extra.append(Condition("equal", FieldRef(field), value))
    if not extra:
        return node
    return Logical("and", tuple(extra + ([node] if node is not None else [])))


def _fields_named(node: Node | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, Logical):
        return set().union(*(_fields_named(child) for child in node.operations))
    return {node.ref.field.name}


def parse_series_query(body: dict[str, Any], report: Report, *, context: Context) -> SeriesQuery:
    """Validate a timeseries body; raises InvalidParameters with every error found (the bucket limit is checked
    where the buckets are computed, in SQL)."""
    errors_ = ErrorTree()
    reject_unknown_keys(body, SERIES_KEYS, errors_)
    node = parse_filter(body.get("filter"), report, errors_)
    aggregation = _aggregation(body.get("aggregate_by"), report, errors_)
    start = parse_bound(body.get("from"), "from", errors_)
    end = parse_bound(body.get("to"), "to", errors_)
    requested = body.get("interval", AUTO)
    if requested is None:
        requested = AUTO
    allowed = [AUTO, *report.intervals]
    if not isinstance(requested, str):
        errors_.add(("interval",), errors.INVALID_TYPE, expected="string")
    elif requested not in allowed:
        errors_.add(("interval",), errors.INVALID_VALUE, allowed=allowed)
    interval = None
    if start is not None and end is not None:
        spans = [end.in_zone(zone) - start.in_zone(zone) for zone in context.distinct_time_zones]
        if min(spans) <= dt.timedelta(0):
            errors_.add(("to",), errors.INVALID_VALUE, reason="must be later than from")
        elif isinstance(requested, str) and requested in allowed:
            interval = (
                auto_interval(max(spans), report.intervals, max_buckets=MAX_TIME_POINTS)
                if requested == AUTO
                else INTERVALS[requested]
            )
            # A cheap lower bound on the number of buckets: enough to refuse a ten-year range at 5m without
            # asking the database to list a million buckets first.
            fewest = max(spans) // interval.longest
            if fewest > MAX_TIME_POINTS:
                errors_.add(("interval",), errors.TOO_MANY_TIME_POINTS, max=MAX_TIME_POINTS, interval=interval.name)
    errors_.raise_if_any()
    assert start is not None
    assert end is not None
    assert interval is not None
    return SeriesQuery(
        report=report,
        filter=with_defaults(report, node),
        filter_raw=body.get("filter"),
        aggregation=aggregation,
        interval=interval,
        start=start,
        end=end,
        local_form=len(context.distinct_time_zones) > 1,
    )


def _aggregation(raw: Any, report: Report, errors_: ErrorTree) -> Aggregation | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors_.add(("aggregate_by",), errors.INVALID_TYPE, expected="string")
        return None
    aggregation = report.get_aggregation(raw)
    if aggregation is None:
        errors_.add(("aggregate_by",), errors.INVALID_VALUE, allowed=[a.name for a in report.aggregations])
    return aggregation


def window_condition(report: Report, context: Context, start: Bound | None, end: Bound | None) -> Fragment:
    """Rows inside ``[from, to)``: a wall-clock bound is read in each row's community's time zone."""
    assert report.timeseries is not None
    time_sql = report.timeseries.time_sql
    zone = "(SELECT c.zone FROM unnest((%s)::bigint[], (%s)::text[]) AS c(id, zone) WHERE c.id = m.community_id)"
    zone_params = (list(context.community_ids), list(context.time_zones))
    parts = []
    for bound, symbol in ((start, ">="), (end, "<")):
        if bound is None:
            continue
        if bound.instant is not None:
            parts.append(Fragment(f"{time_sql} {symbol} (%s)::timestamptz", (bound.instant,)))
        else:
            parts.append(
                Fragment(f"{time_sql} {symbol} ((%s)::timestamp AT TIME ZONE {zone})", (bound.wall, *zone_params))
            )
    return all_of(parts)
