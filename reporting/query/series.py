"""Running a timeseries query and shaping its answer (reporting-api.md §6) or its export rows (§8).

The database computes every bucket and value; Python only lays the (series, bucket, value) rows out as the
envelope: series in label order, buckets in time order, ``null`` where a series has no value, buckets no series
has a value in left out, and at most 1,000 values (whole series, in order, until the next would pass the cap).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reporting.context import Context
from reporting.exports.rows import Column, Rows
from reporting.query import errors
from reporting.query.errors import invalid
from reporting.query.series_plan import ZoneRange, ranges_statement, series_plan
from reporting.query.series_request import MAX_DATA_POINTS, MAX_TIME_POINTS, SeriesQuery
from reporting.query.sql import Fragment
from reporting.reports.declarations import FieldType, GroupKey
from reporting.selectors import fetch_rows, fetch_rows_with, prepare_source

SeriesKey = tuple[Any, ...]


def zone_ranges(*, context: Context, query: SeriesQuery) -> list[ZoneRange]:
    """Every zone's bucket range (statement 1); 422 ``too_many_time_points`` past 150 buckets in the context's
    time zones (in the local form, the union of every zone's local buckets)."""
    rows = fetch_rows(ranges_statement(context=context, query=query))
    count = rows[0]["buckets"] if rows else 0
    if count > MAX_TIME_POINTS:
        raise invalid(
            ("interval",), errors.TOO_MANY_TIME_POINTS, max=MAX_TIME_POINTS, buckets=count, interval=query.interval.name
        )
    return [
        ZoneRange(row["zone"], row["origin"], row["first_start"], row["last_end"], row["first_day"], row["last_day"])
        for row in rows
    ]


def series_envelope(*, context: Context, query: SeriesQuery) -> dict[str, Any]:
    prepare_source(report=query.report, community_ids=context.community_ids)
    plan = series_plan(context=context, query=query, zones=zone_ranges(context=context, query=query))
    rows = fetch_rows_with(plan.settings, plan.points)
    values: dict[SeriesKey, dict[Any, int]] = {}
    bucket_text: dict[Any, str] = {}
    for row in rows:
        key = (row["timezone"], *(row[label.name] for label in plan.labels))
        values.setdefault(key, {})[row["_bucket_order"]] = row["value"]
        bucket_text[row["_bucket_order"]] = row["time_bucket"]
    kept, data_points = _within_cap(sorted(values, key=_label_order), values)
    buckets = sorted({bucket for key in kept for bucket in values[key]})
    series = []
    for key in kept:
        entry: dict[str, Any] = {
            "label": {label.name: value for label, value in zip(plan.labels, key[1:], strict=True)},
            "values": [values[key].get(bucket) for bucket in buckets],
        }
        if query.local_form:
            entry["timezone"] = key[0]
        series.append(entry)
    return {
        "interval": query.interval.name,
        "range_timezone": query.range_timezone(context),
        "time_buckets": [bucket_text[bucket] for bucket in buckets],
        "series": series,
        "data_points": data_points,
        "result_type": "timeseries",
    }


def _label_order(key: SeriesKey) -> tuple[tuple[bool, Any], ...]:
    # Nulls last; Python orders text by code point, as COLLATE "C" does.
    return tuple((value is None, value if value is not None else 0) for value in key)


def _within_cap(ordered: Sequence[SeriesKey], values: dict[SeriesKey, dict[Any, int]]) -> tuple[list[SeriesKey], int]:
    kept: list[SeriesKey] = []
    total = 0
    for key in ordered:
        if total + len(values[key]) > MAX_DATA_POINTS:
            break
        kept.append(key)
        total += len(values[key])
    return kept, total


def series_export_rows(*, context: Context, query: SeriesQuery) -> Rows:
    """One row per (bucket, series) with a value: ``time_bucket``, [``timezone``,] the label keys, ``value``.
    Every value, without the API's 1,000-point cap (an export is for taking all of it)."""
    plan = series_plan(context=context, query=query, zones=zone_ranges(context=context, query=query))
    labels: list[GroupKey] = list(plan.labels)
    columns = [Column("time_bucket", FieldType.STRING)]
    if query.local_form:
        columns.append(Column("timezone", FieldType.STRING))
    columns += [Column(label.name, _export_type(label)) for label in labels]
    columns.append(Column("value", FieldType.INTEGER))
    order = ['t."_bucket_order"']
    if query.local_form:
        order.append('t."timezone" COLLATE "C"')
    order += [
        f't."{label.name}" COLLATE "C" ASC NULLS LAST' if _export_type(label) is not FieldType.BOOLEAN
        else f't."{label.name}" ASC NULLS LAST'
        for label in labels
    ]  # fmt: skip
    body = Fragment("SELECT * FROM (") + plan.points + Fragment(") AS q")
    return Rows(body=body, columns=tuple(columns), order_by=", ".join(order), settings=plan.settings)


def _export_type(label: GroupKey) -> FieldType:
    return FieldType.BOOLEAN if label.type is FieldType.BOOLEAN else FieldType.STRING
