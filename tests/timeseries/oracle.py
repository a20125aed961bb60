"""The independent oracle of the timeseries reports: events read back with plain SQL, buckets with ``zoneinfo``.

Nothing here imports the query engine or reuses its SQL. The rules are written from reporting-api.md §5.4-§6 and
docs/api.md ("Timeseries") in the most literal Python: a bucket is a stretch of local wall-clock time (a day,
a Monday-started week, a month from the 1st) or, for 5m and 1h in one time zone, a stretch of elapsed time cut
from the local midnight the range starts on. Each event lands in the bucket holding its own local time.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from tests.query.oracle import matches

UTC = dt.UTC
FIXED = {"5m": dt.timedelta(minutes=5), "1h": dt.timedelta(hours=1)}
EVENT_GROUPINGS = ("total", "optin_channel", "optin_subchannel", "optin_platform", "gender")
MAX_BUCKETS = 150
MAX_POINTS = 1000


def read_events(community_ids: Iterable[int]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT community_id, member_id, type, occurred_at, optin_channel, optin_subchannel, optin_platform,"
            " gender, age, consents FROM reporting_memberevent WHERE community_id = ANY(%s)",
            [list(community_ids)],
        )
        names = [c.name for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        if isinstance(row["consents"], str):
            row["consents"] = json.loads(row["consents"])
    return rows


def truncate_wall(local: dt.datetime, interval: str) -> dt.datetime:
    if interval == "5m":
        return local.replace(minute=local.minute - local.minute % 5, second=0, microsecond=0)
    if interval == "1h":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "1d":
        return day
    if interval == "1w":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_wall(local: dt.datetime, interval: str) -> dt.datetime:
    if interval in FIXED:
        return local + FIXED[interval]
    if interval == "1d":
        return local + dt.timedelta(days=1)
    if interval == "1w":
        return local + dt.timedelta(days=7)
    return local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)


def instant(local: dt.datetime, zone: str) -> dt.datetime:
    """The instant of a wall-clock time (docs/api.md): a time shown twice (autumn) is its second occurrence, a time
    never shown (spring) is read with the offset in force before the change."""
    tz = zoneinfo.ZoneInfo(zone)
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if exists(local, zone) and local_of(second, zone) == local:
        return max(first, second)
    return first


def exists(local: dt.datetime, zone: str) -> bool:
    """Whether the zone's clocks ever show ``local`` (not inside a skipped spring hour)."""
    return local_of(local.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC), zone) == local


def local_of(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)


def bound(text: str, zone: str) -> dt.datetime:
    """A request's from/to as an instant in ``zone``: an offset is an instant, else wall-clock time there."""
    parsed = dt.datetime.fromisoformat(text)
    return parsed.astimezone(UTC) if parsed.tzinfo else instant(parsed, zone)


@dataclass
class Bucket:
    order: Any  # what sorts buckets: the instant (one zone) or the local start (several)
    label: str
    start: dt.datetime  # instant
    end: dt.datetime  # instant


def offset_text(moment: dt.datetime, zone: str) -> str:
    offset = moment.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class Buckets:
    """The buckets of one zone for a range, and the bucket of any instant."""

    def __init__(self, zone: str, start: str, end: str, interval: str, *, local_form: bool):
        self.zone, self.interval, self.local_form = zone, interval, local_form
        lo, hi = bound(start, zone), bound(end, zone)
        self.elapsed = interval in FIXED and not local_form
        self.buckets: list[Bucket] = []
        if self.elapsed:
            step = FIXED[interval]
            self.origin = instant(local_of(lo, zone).replace(hour=0, minute=0, second=0, microsecond=0), zone)
            moment = self.origin + ((lo - self.origin) // step) * step
            while moment < hi:
                label = f"{local_of(moment, zone):%Y-%m-%dT%H:%M:%S}.000{offset_text(moment, zone)}"
                self.buckets.append(Bucket(moment, label, moment, moment + step))
                moment += step
        else:
            local, local_hi = truncate_wall(local_of(lo, zone), interval), local_of(hi, zone)
            while local < local_hi:
                if interval in FIXED and not exists(local, zone):  # a skipped hour has no 5m or 1h buckets
                    local = next_wall(local, interval)
                    continue
                begins = instant(local, zone)
                label = f"{local:%Y-%m-%dT%H:%M:%S}.000"
                if not local_form:
                    label += offset_text(begins, zone)
                order = local if local_form else begins
                self.buckets.append(Bucket(order, label, begins, instant(next_wall(local, interval), zone)))
                local = next_wall(local, interval)
        self.by_order = {b.order: b for b in self.buckets}

    def of(self, moment: dt.datetime) -> Bucket | None:
        # Outside the buckets' instants no bucket holds it, even where its wall-clock hour names one: a window
        # from the second 01:00 of an autumn night does not take in the first (docs/api.md, "Whole buckets").
        if not self.buckets or not self.buckets[0].start <= moment < self.buckets[-1].end:
            return None
        if self.elapsed:
            step = FIXED[self.interval]
            return self.by_order.get(self.origin + ((moment - self.origin) // step) * step)
        key = truncate_wall(local_of(moment, self.zone), self.interval)
        return self.by_order.get(key if self.local_form else instant(key, self.zone))


def _label_order(key: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    return tuple((value is None, value if value is not None else 0) for value in key)


def envelope(
    values: dict[tuple[Any, ...], dict[Any, int]],
    label_keys: Sequence[str],
    labels_of_bucket: dict[Any, str],
    *,
    interval: str,
    range_timezone: str,
) -> dict[str, Any]:
    """Series keyed (zone, label values...) -> {bucket order: value} as the API's envelope."""
    kept, total = [], 0
    for key in sorted((k for k in values if values[k]), key=_label_order):
        if total + len(values[key]) > MAX_POINTS:
            break
        kept.append(key)
        total += len(values[key])
    orders = sorted({order for key in kept for order in values[key]})
    series = []
    for key in kept:
        entry: dict[str, Any] = {
            "label": dict(zip(label_keys, key[1:], strict=True)),
            "values": [values[key].get(order) for order in orders],
        }
        if range_timezone == "local":
            entry["timezone"] = key[0]
        series.append(entry)
    return {
        "interval": interval,
        "range_timezone": range_timezone,
        "time_buckets": [labels_of_bucket[order] for order in orders],
        "series": series,
        "data_points": total,
        "result_type": "timeseries",
    }


def _fields_named(node: dict[str, Any] | None) -> set[str]:
    if node is None:
        return set()
    if node["type"] in ("and", "or"):
        return set().union(*(_fields_named(child) for child in node["operations"]))
    return {node["field"]}


def _zones(events_zone: dict[int, str]) -> list[str]:
    return sorted(set(events_zone.values()))


def member_balance(
    events: Sequence[dict[str, Any]],
    zone_of: dict[int, str],
    *,
    start: str,
    end: str,
    interval: str,
    aggregate_by: str | None = None,
    filter_node: dict[str, Any] | None = None,
) -> dict[str, Any]:
    local_form = len(_zones(zone_of)) > 1
    grids = {zone: Buckets(zone, start, end, interval, local_form=local_form) for zone in _zones(zone_of)}
    values: dict[tuple[Any, ...], dict[Any, int]] = {}
    labels: dict[Any, str] = {}
    group = [] if aggregate_by in (None, "total") else [aggregate_by]
    label_keys = ["type", "consent_key", "consent_value"] if aggregate_by == "consents" else ["type", *group]
    for event in events:
        if event["community_id"] not in zone_of or not matches(filter_node, event):
            continue
        zone = zone_of[event["community_id"]]
        bucket = grids[zone].of(event["occurred_at"])
        if bucket is None:
            continue
        if aggregate_by == "consents":
            keys = [
                (zone, event["type"], key, value) for key, value in event["consents"].items() if isinstance(value, bool)
            ]
        else:
            keys = [(zone, event["type"], *(event[g] for g in group))]
        for key in keys:
            series = values.setdefault(key, {})
            series[bucket.order] = series.get(bucket.order, 0) + 1
            labels[bucket.order] = bucket.label
    return envelope(
        values, label_keys, labels, interval=interval, range_timezone="local" if local_form else _zones(zone_of)[0]
    )


def members_count_history(
    events: Sequence[dict[str, Any]],
    zone_of: dict[int, str],
    *,
    start: str,
    end: str,
    interval: str,
    filter_node: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Members at the end of each bucket: joins minus leaves that happened before the bucket's end."""
    local_form = len(_zones(zone_of)) > 1
    names_grouping_type = "grouping_type" in _fields_named(filter_node)
    default = {"type": "equal", "field": "grouping_type", "value": "total"}
    node = filter_node if names_grouping_type else (
        {"type": "and", "operations": [default, filter_node]} if filter_node else default
    )  # fmt: skip
    deltas: dict[tuple[Any, ...], list[tuple[dt.datetime, int]]] = {}
    for event in events:
        if event["community_id"] not in zone_of:
            continue
        for grouping in EVENT_GROUPINGS:
            value = None if grouping == "total" else event[grouping]
            row = {"grouping_type": grouping, "grouping_value": value}
            if matches(node, row):
                key = (zone_of[event["community_id"]], grouping, value)
                deltas.setdefault(key, []).append((event["occurred_at"], 1 if event["type"] == "in" else -1))
    values: dict[tuple[Any, ...], dict[Any, int]] = {}
    labels: dict[Any, str] = {}
    for key, changes in deltas.items():
        grid = Buckets(key[0], start, end, interval, local_form=local_form)
        for bucket in grid.buckets:
            before = [delta for moment, delta in changes if moment < bucket.end]
            if before:
                values.setdefault(key, {})[bucket.order] = sum(before)
                labels[bucket.order] = bucket.label
    return envelope(
        values,
        ["grouping_type", "grouping_value"],
        labels,
        interval=interval,
        range_timezone="local" if local_form else _zones(zone_of)[0],
    )
