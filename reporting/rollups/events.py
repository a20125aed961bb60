"""The daily event rollup (``reporting_eventdailyrollup``): join/leave events per club, local date in the club's
time zone, type, channel, subchannel, platform and gender, with their count.

PostgreSQL keeps it (migration 0045): statement-level triggers on ``reporting_memberevent`` turn each statement's
transition tables into one set-based delta, in the writing transaction, whoever writes (the import loader, the
ingest API, seeding, tests). A change of a club's time zone recomputes that club. Concurrent writers add to
different ``slot`` rows (a transaction-level advisory lock picks a free one of eight), so two importers of one
club never wait on each other's rows of today; readers sum over slots.

The series planner answers ``member_balance`` and ``members_count_history`` from it when it can
(``reporting/rollups/events_choice.py``); this module registers the family ``rebuild_rollups`` recomputes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from reporting.reports.history import EVENT_ROLLUP
from reporting.rollups import Drift, RollupFamily, register

TABLE = "reporting_eventdailyrollup"
_KEY = "community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender"
_SCOPE = "(%(every)s OR {alias}.community_id = ANY(%(ids)s))"
# What the rollup must hold: recomputed from the events and each club's current time zone.
EXPECTED = (
    "SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date AS local_date, e.type, e.optin_channel,"
    " e.optin_subchannel, e.optin_platform, e.gender, count(*) AS events"
    " FROM reporting_memberevent AS e JOIN reporting_community AS c ON c.id = e.community_id"
    f" WHERE {_SCOPE.format(alias='e')} GROUP BY 1, 2, 3, 4, 5, 6, 7"
)
ACTUAL = f"SELECT {_KEY}, sum(events) AS events FROM {TABLE} AS r WHERE {_SCOPE.format(alias='r')} GROUP BY {_KEY}"
# Keys whose count differs, counted once (EXCEPT and UNION compare nulls as equal).
DIFFERING = (
    f"SELECT count(*) FROM (SELECT {_KEY} FROM (({EXPECTED}) EXCEPT ({ACTUAL})) AS missing"
    f" UNION SELECT {_KEY} FROM (({ACTUAL}) EXCEPT ({EXPECTED})) AS extra) AS d"
)
# Writers add to the rollup under ROW EXCLUSIVE until they commit: this waits for them and holds new ones back,
# so the events read below are all the rollup will ever have been told about.
LOCK = f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE"
CLEAR = f"DELETE FROM {TABLE} AS r WHERE {_SCOPE.format(alias='r')}"
FILL = f"INSERT INTO {TABLE} ({_KEY}, slot, events) SELECT {_KEY}, 0, events FROM ({EXPECTED}) AS x"
COUNT = f"SELECT count(*) FROM {TABLE} AS r WHERE {_SCOPE.format(alias='r')}"


def rebuild_event_rollup(community_ids: Sequence[int] | None) -> Drift:
    """Recompute the rollup rows of these clubs (every club when None) from the events, slots merged into one
    row per key; report the keys whose count differed."""
    params: dict[str, Any] = {"every": community_ids is None, "ids": list(community_ids or [])}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(LOCK)
        cursor.execute(DIFFERING, params)
        differing = cursor.fetchone()[0]
        cursor.execute(CLEAR, params)
        cursor.execute(FILL, params)
        cursor.execute(COUNT, params)
        after = cursor.fetchone()[0]
    return Drift(family=EVENT_ROLLUP, rows_differing=differing, rows_after=after)


register(RollupFamily(name=EVENT_ROLLUP, rebuild=rebuild_event_rollup))
