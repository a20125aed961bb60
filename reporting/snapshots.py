"""Count snapshots: every community's members per grouping value, once per 15-minute period (docs/snapshots.md).

``snapshots_take`` is the one writer. It is one set-based statement (``GROUPING SETS`` over ``reporting_member``,
merged with each community's previous snapshot) and holds no lock that ingestion waits for: reading
``reporting_member`` takes ACCESS SHARE, which conflicts only with ACCESS EXCLUSIVE (DDL), never with the ROW
EXCLUSIVE of inserts, updates and deletes. The first run of a period wins: a community that already has the
period's ``total`` row is skipped, and runs are serialised by a transaction-level advisory lock, so running twice
(beat, the command, a web request that found the period missing) leaves the same rows.

Rules a reader may rely on:
- ``taken_at`` is the start of the UTC-aligned 15-minute period in which the snapshot was taken;
- every community in a snapshot has a ``total`` row (0 when it has no members);
- a value a community had in its previous snapshot and has no longer is written with ``members_count = 0``
  (and so on in every later snapshot): a series falls to zero instead of ending, and a value never returns to
  "no data" once seen;
- ``changed_at`` is carried from the previous snapshot while the count is unchanged, else the time of the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from reporting import enums

PERIOD = dt.timedelta(minutes=15)
# Any constant: it only has to differ from the other advisory locks of the product.
_ADVISORY_LOCK_KEY = 0x5E_A9_5A_0B
# A snapshot never queues behind DDL for long: every statement queued behind it would wait too.
_LOCK_TIMEOUT = "5s"

# grouping_type -> the member column it groups by (booleans become "true"/"false" through ::text).
GROUPING_COLUMNS: dict[str, str] = {
    "optin_channel": "m.optin_channel",
    "optin_subchannel": "m.optin_subchannel",
    "optin_platform": "m.optin_platform",
    "gender": "m.gender",
    "age": "m.age",
    "location_country": "m.location_country::text",
    "marketing_via_sms": "m.marketing_via_sms::text",
    "marketing_via_email": "m.marketing_via_email::text",
    "marketing_via_push": "m.marketing_via_push::text",
    "marketing_via_anything": "m.marketing_via_anything::text",
}
assert ("total", *GROUPING_COLUMNS) == enums.GROUPING_TYPES


@dataclass(frozen=True)
class SnapshotRun:
    taken_at: dt.datetime
    communities: int  # communities snapshotted by this run (0 when the period was already taken)
    rows: int


def period_start(at: dt.datetime) -> dt.datetime:
    """The start of the 15-minute period containing ``at``, in UTC."""
    utc = at.astimezone(dt.UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def _counts_sql() -> str:
    """Counts per community x grouping value of the communities in ``todo``, in one scan of the members."""
    types = "\n".join(f"WHEN GROUPING({column}) = 0 THEN '{name}'" for name, column in GROUPING_COLUMNS.items())
    values = "\n".join(f"WHEN GROUPING({column}) = 0 THEN {column}" for column in GROUPING_COLUMNS.values())
    sets = ", ".join(["(m.community_id)", *(f"(m.community_id, {column})" for column in GROUPING_COLUMNS.values())])
    return f"""
        SELECT m.community_id,
               CASE {types} ELSE 'total' END AS grouping_type,
               CASE {values} END AS grouping_value,
               count(*) AS members_count
        FROM reporting_member AS m
        WHERE m.community_id IN (SELECT id FROM todo)
        GROUP BY GROUPING SETS ({sets})
        UNION ALL
        SELECT t.id, 'total', NULL, 0 FROM todo AS t
        WHERE NOT EXISTS (SELECT 1 FROM reporting_member AS x WHERE x.community_id = t.id)
    """


# NULL grouping values are real groups (members without a gender); the join matches them as equal with
# hashable conditions only, which a FULL JOIN requires (IS NOT DISTINCT FROM is not hashable).
_SNAPSHOT_SQL = f"""
WITH todo AS (
    SELECT c.id FROM reporting_community AS c
    WHERE (%(ids)s::integer[] IS NULL OR c.id = ANY(%(ids)s::integer[]))
      AND NOT EXISTS (
          SELECT 1 FROM reporting_membercountsnapshot AS s
          WHERE s.community_id = c.id AND s.grouping_type = 'total' AND s.grouping_value IS NULL
            AND s.taken_at = %(taken_at)s)
),
counts AS ({_counts_sql()}),
previous AS (
    SELECT s.community_id, s.grouping_type, s.grouping_value, s.members_count, s.changed_at
    FROM todo AS t
    CROSS JOIN LATERAL (
        SELECT max(l.taken_at) AS taken_at FROM reporting_membercountsnapshot AS l
        WHERE l.community_id = t.id AND l.taken_at < %(taken_at)s) AS last
    JOIN reporting_membercountsnapshot AS s ON s.community_id = t.id AND s.taken_at = last.taken_at
),
merged AS (
    SELECT COALESCE(c.community_id, p.community_id) AS community_id,
           COALESCE(c.grouping_type, p.grouping_type) AS grouping_type,
           COALESCE(c.grouping_value, p.grouping_value) AS grouping_value,
           COALESCE(c.members_count, 0) AS members_count,
           CASE WHEN p.members_count = COALESCE(c.members_count, 0) THEN p.changed_at
                ELSE %(now)s::timestamptz END AS changed_at
    FROM counts AS c
    FULL JOIN previous AS p
      ON c.community_id = p.community_id AND c.grouping_type = p.grouping_type
     AND COALESCE(c.grouping_value, '') = COALESCE(p.grouping_value, '')
     AND (c.grouping_value IS NULL) = (p.grouping_value IS NULL)
),
inserted AS (
    INSERT INTO reporting_membercountsnapshot
        (community_id, grouping_type, grouping_value, members_count, taken_at, changed_at)
    SELECT community_id, grouping_type, grouping_value, members_count, %(taken_at)s, changed_at FROM merged
    ON CONFLICT (community_id, grouping_type, grouping_value, taken_at) DO NOTHING
    RETURNING grouping_type
)
SELECT count(*) FILTER (WHERE grouping_type = 'total'), count(*) FROM inserted
"""


def snapshots_take(*, community_ids: Sequence[int] | None = None, now: dt.datetime | None = None) -> SnapshotRun:
    """Take the current period's snapshot of ``community_ids`` (default: every community) where it is missing.

    Idempotent per period; safe to run concurrently from beat, the command and web requests.
    """
    now = now or timezone.now()
    taken_at = period_start(now)
    ids = None if community_ids is None else [int(cid) for cid in community_ids]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        cursor.execute(_SNAPSHOT_SQL, {"ids": ids, "taken_at": taken_at, "now": now})
        communities, rows = cursor.fetchone()
    return SnapshotRun(taken_at=taken_at, communities=communities, rows=rows)


def snapshots_missing(*, community_ids: Sequence[int], now: dt.datetime | None = None) -> list[int]:
    """The communities among ``community_ids`` without a snapshot of the current period (one index probe each)."""
    taken_at = period_start(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id FROM unnest(%s::integer[]) AS c(id) WHERE NOT EXISTS ("
            " SELECT 1 FROM reporting_membercountsnapshot AS s WHERE s.community_id = c.id"
            " AND s.grouping_type = 'total' AND s.grouping_value IS NULL AND s.taken_at = %s) ORDER BY 1",
            [[int(cid) for cid in community_ids], taken_at],
        )
        return [row[0] for row in cursor.fetchall()]


def snapshots_ensure_fresh(*, community_ids: Sequence[int]) -> None:
    """Make the latest snapshot of ``community_ids`` the current period's, taking it here if beat has not yet.

    A reader of snapshots calls this first, so its numbers are never more than one period old even while beat
    is down; when beat is up it costs one index probe per community.
    """
    missing = snapshots_missing(community_ids=community_ids)
    if missing:
        snapshots_take(community_ids=missing)


# The groupings join/leave events carry as they were at the time; age (an event holds the age on its own day,
# not on each later day), location and reachability are not on events, so their history starts live.
BACKFILL_GROUPINGS = ("optin_channel", "optin_subchannel", "optin_platform", "gender")
_BACKFILL_SQL = """
WITH events AS (
    SELECT e.community_id, e.type, e.occurred_at, {columns},
           (date_trunc('day', e.occurred_at AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC' AS taken_at
    FROM reporting_memberevent AS e
    WHERE e.community_id = ANY(%(ids)s::integer[]) AND e.occurred_at < %(until)s
),
deltas AS (
    SELECT community_id, taken_at,
           CASE {types} ELSE 'total' END AS grouping_type,
           CASE {values} END AS grouping_value,
           sum(CASE WHEN type = 'in' THEN 1 ELSE -1 END) AS delta,
           max(occurred_at) AS last_event
    FROM events
    GROUP BY GROUPING SETS ({sets})
),
running AS (
    SELECT community_id, grouping_type, grouping_value, taken_at,
           sum(delta) OVER w AS members_count, max(last_event) OVER w AS changed_at,
           lead(taken_at) OVER w AS next_taken_at
    FROM deltas
    WINDOW w AS (PARTITION BY community_id, grouping_type, grouping_value ORDER BY taken_at)
)
INSERT INTO reporting_membercountsnapshot
    (community_id, grouping_type, grouping_value, members_count, taken_at, changed_at)
SELECT r.community_id, r.grouping_type, r.grouping_value, r.members_count, d.taken_at, r.changed_at
FROM running AS r
-- Each count holds from its day until the day before the next change of the same value.
CROSS JOIN LATERAL generate_series(
    r.taken_at, COALESCE(r.next_taken_at - interval '1 day', %(until)s), interval '1 day') AS d(taken_at)
WHERE d.taken_at <= %(until)s
ON CONFLICT (community_id, grouping_type, grouping_value, taken_at) DO NOTHING
"""


def _backfill_sql() -> str:
    columns = ", ".join(f"e.{name}" for name in BACKFILL_GROUPINGS)
    types = " ".join(f"WHEN GROUPING({name}) = 0 THEN '{name}'" for name in BACKFILL_GROUPINGS)
    values = " ".join(f"WHEN GROUPING({name}) = 0 THEN {name}" for name in BACKFILL_GROUPINGS)
    sets = ", ".join(
        ["(community_id, taken_at)", *(f"(community_id, taken_at, {name})" for name in BACKFILL_GROUPINGS)]
    )
    return _BACKFILL_SQL.format(columns=columns, types=types, values=values, sets=sets)


def snapshots_backfill_daily(*, community_ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """Daily snapshots (00:00 UTC) from the first event to today, reconstructed from the join/leave events.

    For ``total`` and the groupings events carry (``BACKFILL_GROUPINGS``), with each member's attributes as they
    were when it joined; ``changed_at`` is the last event of that value before the snapshot. Periods that
    already have a snapshot keep it. Returns the rows written. Used by ``seed_demo`` (docs/snapshots.md).
    """
    until = period_start(now or timezone.now()).replace(hour=0, minute=0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        cursor.execute(_backfill_sql(), {"ids": [int(cid) for cid in community_ids], "until": until})
        return cursor.rowcount
