"""SQL of a timeseries query: buckets in each community's time zone, one value per (series, bucket).

One planner for every timeseries report. What differs between reports is declared (``Report.timeseries``): the
time column, the measure (a bucket count, a running total, the last value in a bucket) and the labels. The rows
come from ``scoped_rows`` (context scope AND filter) like every other query; the buckets from the closed interval
table (``reporting.query.intervals``). Statement outline::

    z        one row per time zone in context: the range as instants and the local midnight it starts on
    buckets  every bucket of each zone (generate_series, in SQL), with its start, end and local start
    per_community  the measure per community, series labels and bucket key (key NULL = before the range), one
             branch per zone over that zone's communities, with the zone's range as constants (statement 1,
             ``ranges_statement``, computed them from the same buckets)
    grouped  summed over the communities of a series
    points   grouped values on their buckets; cumulative measures run the sum over every bucket of the series
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reporting.context import Context
from reporting.query.compiler import compile_filter
from reporting.query.intervals import Bucketing
from reporting.query.plan import scoped_rows
from reporting.query.series_request import SeriesQuery
from reporting.query.sql import Fragment, join
from reporting.reports.declarations import GroupKey, SeriesRollup
from reporting.rollups import BASE, record_source
from reporting.rollups.events_choice import usable_rollup

_BUCKETS = "(SELECT count(DISTINCT key) FROM buckets)"
_LOCAL_TEXT = "to_char(p.local_start, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS')"
# The bucket's UTC offset as +HH:MM, from the difference between its local start and its instant.
_OFFSET_TEXT = (
    " || CASE WHEN off.s < 0 THEN '-' ELSE '+' END || lpad((abs(off.s) / 3600)::text, 2, '0')"
    " || ':' || lpad((abs(off.s) %% 3600 / 60)::text, 2, '0')"
)
_OFFSET_LATERAL = (
    " CROSS JOIN LATERAL (SELECT extract(epoch FROM p.local_start - (p.start_at AT TIME ZONE 'UTC'))::integer)"
    " AS off(s)"
)


@dataclass(frozen=True)
class SeriesPlan:
    points: Fragment  # timezone, the labels, time_bucket (text), _bucket_order, value: every non-null value
    labels: tuple[GroupKey, ...]
    # Constant statements setting transaction-local settings (SET LOCAL, set_config(…, true)) run before ``points``.
    settings: tuple[str, ...] = ()


# Grouping the events of a window per bucket is estimated at tens of thousands of groups (the bucket is an
# expression, estimated from the rows, not the buckets); with the default 4 MB PostgreSQL sorts them on disk instead
# of hashing at most 150 buckets in memory, which halved the base path's time over two years of a 650,000-event
# club. The estimate grows with the events (at 5M members 16 MB sorted on disk again), the real hash table does
# not: hash_mem_multiplier lets the planner hash up to 128 MB by estimate (hashing spills in batches past that)
# while sorts keep 16 MB (docs/performance.md, "The base path too"). One statement: one round trip, as SET LOCAL.
BASE_SETTINGS = ("SELECT set_config('work_mem', '16MB', true), set_config('hash_mem_multiplier', '8', true)",)


def series_labels(query: SeriesQuery) -> tuple[GroupKey, ...]:
    assert query.report.timeseries is not None
    groups = query.aggregation.groups if query.aggregation is not None else ()
    return query.report.timeseries.labels + groups


def _prelude(context: Context, query: SeriesQuery, bucketing: Bucketing) -> Fragment:
    start, end = query.start, query.end
    zones = Fragment(
        "WITH z AS (SELECT r.zone, r.lo, r.hi, date_trunc('day', r.lo, r.zone) AS origin FROM ("
        "SELECT u.zone, COALESCE((%s)::timestamptz, (%s)::timestamp AT TIME ZONE u.zone) AS lo,"
        " COALESCE((%s)::timestamptz, (%s)::timestamp AT TIME ZONE u.zone) AS hi"
        " FROM unnest((%s)::text[]) AS u(zone)) AS r)",
        (start.instant, start.wall, end.instant, end.wall, list(context.distinct_time_zones)),
    )
    buckets = Fragment(
        f", buckets AS (SELECT z.zone, s.key, {bucketing.start_at()} AS start_at, {bucketing.end_at()} AS end_at,"
        f" {bucketing.local_start()} AS local_start FROM z CROSS JOIN LATERAL {bucketing.series()}"
        f" WHERE {bucketing.exists()})"
    )
    return zones + buckets


@dataclass(frozen=True)
class ZoneRange:
    """One time zone's buckets as the database computed them: what the events statement reads as constants."""

    zone: str
    origin: dt.datetime  # the local midnight the range starts on (fixed-length buckets are cut from it)
    first_start: dt.datetime
    last_end: dt.datetime
    # The local dates first_start and last_end begin, when each is the first instant of its date in the zone and no
    # earlier instant (back over the longest day) shows that date or a later one; else None. A rollup of whole
    # local days covers exactly the window's instants only then.
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def _day_starting_at(instant: str) -> str:
    """SQL: the zone's local date ``instant`` is the first instant of, or NULL (a bound inside a day, or a clock
    change turning back over midnight shortly before it)."""
    day = f"({instant} AT TIME ZONE q.zone)::date"
    return (
        f"CASE WHEN (({instant} - interval '1 microsecond') AT TIME ZONE q.zone)::date < {day}"
        f" AND NOT EXISTS (SELECT 1 FROM generate_series({instant} - interval '27 hours',"
        f" {instant} - interval '1 minute', interval '1 minute') AS p(at)"
        f" WHERE (p.at AT TIME ZONE q.zone)::date >= {day}) THEN {day} END"
    )


def ranges_statement(*, context: Context, query: SeriesQuery) -> Fragment:
    """Per zone: origin, start of the first bucket, end of the last, and (every row) the number of buckets; for
    a report with a rollup, the local dates the range starts and ends on (``ZoneRange.first_day``)."""
    bucketing = Bucketing.of(query.interval, local_form=query.local_form)
    assert query.report.timeseries is not None
    days = (
        f"{_day_starting_at('q.first_start')} AS first_day, {_day_starting_at('q.last_end')} AS last_day"
        if query.report.timeseries.rollup is not None
        else "NULL::date AS first_day, NULL::date AS last_day"
    )
    return _prelude(context, query, bucketing) + Fragment(
        f" SELECT q.*, {days} FROM (SELECT z.zone, z.origin, min(b.start_at) AS first_start,"
        f" max(b.end_at) AS last_end, {_BUCKETS} AS buckets"
        " FROM z JOIN buckets AS b ON b.zone = z.zone GROUP BY z.zone, z.origin) AS q ORDER BY q.zone"
    )


def _zone_rows(
    context: Context, query: SeriesQuery, zone: ZoneRange, key: str, window: str, rollup: SeriesRollup | None
) -> Fragment:
    """The measure per community, labels and bucket key over one zone's communities. The zone's values are a
    one-row subquery of constants, which the planner pulls up: the time range is then an index range it can
    estimate, and no event row joins anything to learn its zone."""
    timeseries = query.report.timeseries
    assert timeseries is not None
    report = query.report if rollup is None else replace(query.report, source=rollup.source)
    measure = timeseries.measure if rollup is None else rollup.measure
    labels = series_labels(query)
    names = [f'"{label.name}"' for label in labels]
    label_select = "".join(f", {label.sql} AS {name}" for label, name in zip(labels, names, strict=True))
    lateral = query.aggregation.lateral if query.aggregation is not None else ""
    joins = Fragment(
        " CROSS JOIN (SELECT (%s)::text AS zone, (%s)::timestamptz AS origin, (%s)::timestamptz AS first_start,"
        f" (%s)::timestamptz AS last_end, (%s)::date AS first_day, (%s)::date AS last_day) AS z {lateral}",
        (zone.zone, zone.origin, zone.first_start, zone.last_end, zone.first_day, zone.last_day),
    )
    ids = [cid for cid, tz in zip(context.community_ids, context.time_zones, strict=True) if tz == zone.zone]
    condition = Fragment("(") + compile_filter(query.filter) + Fragment(f" AND {window})")
    per_community = measure.per_community
    community = "m.community_id" if per_community else "NULL::bigint"
    # By position: a lateral's own columns (consent.key) could shadow the output names.
    positions = range(1 if per_community else 2, len(names) + 4)
    return (
        Fragment(f"SELECT {community} AS community_id, z.zone{label_select}, {key} AS key,")
        + Fragment(f" {measure.sql} AS value FROM ")
        + scoped_rows(report, ids, condition, joins=joins)
        + Fragment(f" GROUP BY {', '.join(str(i) for i in positions)}")
    )


def series_plan(*, context: Context, query: SeriesQuery, zones: Sequence[ZoneRange]) -> SeriesPlan:
    timeseries = query.report.timeseries
    assert timeseries is not None
    bucketing = Bucketing.of(query.interval, local_form=query.local_form)
    prelude = _prelude(context, query, bucketing)
    labels = series_labels(query)
    names = [f'"{label.name}"' for label in labels]
    measure = timeseries.measure
    # Buckets are always in each community's own zone (one branch per zone over that zone's communities), which is
    # the zone the rollup's local dates are in.
    rollup = usable_rollup(query, zones)
    record_source(BASE if rollup is None else f"rollup:{rollup.name}")
    if rollup is None:
        time_sql, first, last = timeseries.time_sql, "z.first_start", "z.last_end"
        key = bucketing.key_of(time_sql)
    else:
        time_sql, first, last = rollup.day_sql, "z.first_day", "z.last_day"
        key = bucketing.key_of_local_date(time_sql)
    if measure.cumulative:
        key = f"CASE WHEN {time_sql} >= {first} THEN {key} END"
        window = f"{time_sql} < {last}"
    else:
        window = f"{time_sql} >= {first} AND {time_sql} < {last}"
    label_list = "".join(f", {name}" for name in names)
    branches = [_zone_rows(context, query, zone, key, window, rollup) for zone in zones]
    if not branches:  # no zone has a bucket (a window inside a skipped hour): nothing to read
        empty_labels = "".join(f", NULL::text AS {name}" for name in names)
        key_type = "timestamp" if bucketing.wall_clock else "timestamptz"
        branches = [
            Fragment(
                f"SELECT NULL::bigint AS community_id, NULL::text AS zone{empty_labels}, NULL::{key_type} AS key,"
                " NULL::bigint AS value WHERE FALSE"
            )
        ]
    per_community = (
        Fragment(", per_community AS (")
        + join(branches, " UNION ALL ")
        + Fragment(
            f"), grouped AS (SELECT zone{label_list}, key, sum(value) AS value FROM per_community"
            f" GROUP BY zone{label_list}, key)"
        )
    )
    if measure.cumulative:
        same = "".join(f" AND g.{name} IS NOT DISTINCT FROM grid.{name}" for name in names)
        same_base = same.replace("g.", "base.")
        grid_labels = "".join(f", grid.{name}" for name in names)
        points = Fragment(
            f", series AS (SELECT DISTINCT zone{label_list} FROM grouped)"
            f", grid AS (SELECT s.zone{''.join(f', s.{n}' for n in names)}, b.key, b.start_at, b.local_start"
            " FROM series AS s JOIN buckets AS b ON b.zone = s.zone WHERE b.start_at <= now())"
            f", points AS (SELECT grid.zone{grid_labels}, grid.start_at, grid.local_start,"
            " CASE WHEN base.value IS NULL AND count(g.value) OVER w = 0 THEN NULL"
            " ELSE COALESCE(base.value, 0) + COALESCE(sum(g.value) OVER w, 0) END AS value"
            f" FROM grid LEFT JOIN grouped AS g ON g.zone = grid.zone{same} AND g.key = grid.key"
            f" LEFT JOIN grouped AS base ON base.zone = grid.zone{same_base} AND base.key IS NULL"
            f" WINDOW w AS (PARTITION BY grid.zone{grid_labels} ORDER BY grid.key))"
        )
    else:
        g_labels = "".join(f", g.{name}" for name in names)
        points = Fragment(
            f", points AS (SELECT g.zone{g_labels}, b.start_at, b.local_start, g.value"
            " FROM grouped AS g JOIN buckets AS b ON b.zone = g.zone AND b.key = g.key)"
        )
    if query.local_form:
        time_bucket, order, offset = _LOCAL_TEXT, "p.local_start", ""
    else:
        time_bucket, order, offset = _LOCAL_TEXT + _OFFSET_TEXT, "p.start_at", _OFFSET_LATERAL
    p_labels = "".join(f", p.{name}" for name in names)
    final = Fragment(
        f' SELECT p.zone AS "timezone"{p_labels}, {time_bucket} AS time_bucket, {order} AS "_bucket_order",'
        f" p.value::bigint AS value FROM points AS p{offset} WHERE p.value IS NOT NULL"
    )
    return SeriesPlan(
        points=prelude + per_community + points + final,
        labels=labels,
        settings=BASE_SETTINGS if rollup is None else (),
    )
