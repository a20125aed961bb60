"""SQL of a timeseries query: buckets in each community's time zone, one value per (series, bucket).

One planner for every timeseries report. What differs between reports is declared (``Report.timeseries``): the
time column, the measure (a bucket count, a running total, the last value in a bucket) and the labels. The rows
come from ``scoped_rows`` (context scope AND filter) like every other query; the buckets from the closed interval
table (``reporting.query.intervals``). Statement outline::

    z        one row per time zone in context: the range as instants and the local midnight it starts on
    buckets  every bucket of each zone (generate_series, in SQL), with its start, end and local start
    bounds   per zone, the start of the first bucket and the end of the last
    ctx      community -> time zone
    per_community  the measure per community, series labels and bucket key (key NULL = before the range)
    grouped  summed over the communities of a series
    points   grouped values on their buckets; cumulative measures run the sum over every bucket of the series
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.context import Context
from reporting.query.compiler import compile_filter
from reporting.query.intervals import Bucketing
from reporting.query.plan import scoped_rows
from reporting.query.series_request import MAX_TIME_POINTS, SeriesQuery
from reporting.query.sql import Fragment
from reporting.reports.declarations import GroupKey

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
    bucket_count: Fragment  # how many distinct buckets the range has (the 150 limit)
    # timezone, the labels, time_bucket (text), _bucket_order, value, _buckets: every non-null value. No rows when
    # the range has more than 150 buckets (or no data): then ``bucket_count`` tells which.
    points: Fragment
    labels: tuple[GroupKey, ...]


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


def series_plan(*, context: Context, query: SeriesQuery) -> SeriesPlan:
    timeseries = query.report.timeseries
    assert timeseries is not None
    bucketing = Bucketing.of(query.interval, local_form=query.local_form)
    prelude = _prelude(context, query, bucketing)
    labels = series_labels(query)
    names = [f'"{label.name}"' for label in labels]
    measure = timeseries.measure
    time_sql = timeseries.time_sql
    key = bucketing.key_of(time_sql)
    if measure.cumulative:
        key = f"CASE WHEN {time_sql} >= bounds.first_start THEN {key} END"
        window = f"{time_sql} < bounds.last_end AND {time_sql} < (SELECT max(last_end) FROM bounds)"
    else:
        window = (
            f"{time_sql} >= bounds.first_start AND {time_sql} < bounds.last_end"
            f" AND {time_sql} >= (SELECT min(first_start) FROM bounds)"
            f" AND {time_sql} < (SELECT max(last_end) FROM bounds)"
        )
    lateral = query.aggregation.lateral if query.aggregation is not None else ""
    joins = Fragment(
        " JOIN ctx ON ctx.community_id = m.community_id JOIN z ON z.zone = ctx.zone"
        f" JOIN bounds ON bounds.zone = z.zone {lateral}"
    )
    # The range once more as uncorrelated sub-selects: values known before the scan, so the (community_id,
    # occurred_at) index reads only the range; and the bucket limit as a gate, so a refused range reads nothing.
    condition = compile_filter(query.filter) + Fragment(f" AND {window} AND {_BUCKETS} <= %s", (MAX_TIME_POINTS,))
    label_select = "".join(f", {label.sql} AS {name}" for label, name in zip(labels, names, strict=True))
    label_list = "".join(f", {name}" for name in names)
    per_community = (
        Fragment(
            ", bounds AS (SELECT b.zone, min(b.start_at) AS first_start, max(b.end_at) AS last_end"
            " FROM buckets AS b GROUP BY b.zone)"
            ", ctx AS (SELECT c.community_id, c.zone"
            " FROM unnest((%s)::bigint[], (%s)::text[]) AS c(community_id, zone))",
            (list(context.community_ids), list(context.time_zones)),
        )
        + Fragment(
            f", per_community AS (SELECT m.community_id, z.zone{label_select}, {key} AS key,"
            f" {measure.sql} AS value FROM "
        )
        + scoped_rows(query.report, context.community_ids, Fragment("(") + condition + Fragment(")"), joins=joins)
        # By position: a lateral's own columns (consent.key) could shadow the output names.
        + Fragment(f" GROUP BY {', '.join(str(i) for i in range(1, len(names) + 4))})")
        + Fragment(
            f", grouped AS (SELECT zone{label_list}, key, sum(value) AS value FROM per_community"
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
        f" p.value::bigint AS value, {_BUCKETS} AS _buckets FROM points AS p{offset} WHERE p.value IS NOT NULL"
    )
    return SeriesPlan(
        bucket_count=prelude + Fragment(f" SELECT {_BUCKETS}"),
        points=prelude + per_community + points + final,
        labels=labels,
    )
