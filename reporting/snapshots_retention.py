"""Thinning old count snapshots (docs/snapshots.md, "Retention"): full 15-minute resolution for a week, then the
last snapshot of each local hour, after 90 days the last of each local day, per club, grouping and value.

``members_count_snapshot`` shows the last snapshot inside each bucket, so deleting a snapshot that has a later one
in the same local hour (day) changes no ``1h`` (``1d``, ``1w``, ``1mo``) answer: a day, week or month ends with
the end of its last hour and day. Hours and days are the club's own (its time zone's local hours, which are
also the single-zone report's hours cut from local midnight in every zone whose clock changes by whole hours).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

HOURLY_AFTER = dt.timedelta(days=7)
DAILY_AFTER = dt.timedelta(days=90)
# Each beat run looks this far behind each age limit: everything that aged past it since the last runs, cheaply.
# A run with ``lookback=None`` (after beat was down for longer) thins everything older.
LOOKBACK = dt.timedelta(days=3)

_UNITS = {"hour": "hour", "day": "day"}
# Snapshots older than the limit that have a later one in the same local hour/day of their club, grouping and
# value (NULL values partition together). The unit is a constant from _UNITS.
_PRUNE = """
WITH ranked AS (
    SELECT s.id, row_number() OVER (
        PARTITION BY s.community_id, s.grouping_type, s.grouping_value,
                     date_trunc('{unit}', s.taken_at AT TIME ZONE c.timezone)
        ORDER BY s.taken_at DESC) AS position
    FROM reporting_membercountsnapshot AS s JOIN reporting_community AS c ON c.id = s.community_id
    WHERE s.taken_at < %(limit)s AND (%(since)s::timestamptz IS NULL OR s.taken_at >= %(since)s::timestamptz)
)
DELETE FROM reporting_membercountsnapshot AS t USING ranked AS r WHERE t.id = r.id AND r.position > 1
"""


@dataclass(frozen=True)
class Pruned:
    hourly: int  # rows deleted past HOURLY_AFTER
    daily: int  # rows deleted past DAILY_AFTER


def snapshots_prune(*, now: dt.datetime | None = None, lookback: dt.timedelta | None = LOOKBACK) -> Pruned:
    now = now or timezone.now()
    deleted = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for unit, age in (("hour", HOURLY_AFTER), ("day", DAILY_AFTER)):
            limit = now - age
            since = None if lookback is None else limit - lookback
            cursor.execute(_PRUNE.format(unit=_UNITS[unit]), {"limit": limit, "since": since})
            deleted[unit] = cursor.rowcount
    return Pruned(hourly=deleted["hour"], daily=deleted["day"])
