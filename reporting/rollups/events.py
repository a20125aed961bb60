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

from reporting.reports.history import EVENT_ROLLUP
from reporting.rollups.slotted import SCOPE, SlottedRollup

TABLE = "reporting_eventdailyrollup"
_KEY = "community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender"
# What the rollup must hold: recomputed from the events and each club's current time zone.
EXPECTED = (
    "SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date AS local_date, e.type, e.optin_channel,"
    " e.optin_subchannel, e.optin_platform, e.gender, count(*) AS events"
    " FROM reporting_memberevent AS e JOIN reporting_community AS c ON c.id = e.community_id"
    f" WHERE {SCOPE.format(alias='e')} GROUP BY 1, 2, 3, 4, 5, 6, 7"
)
ROLLUP = SlottedRollup(family=EVENT_ROLLUP, table=TABLE, key=_KEY, counted="events", expected=EXPECTED)
ROLLUP.register()
