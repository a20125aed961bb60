"""The cohort rollup (``reporting_cohortmonthly``): memberships per club, local join month, local end month (none
while running) and the join's channel, subchannel, platform and gender, summed over writer slots.

PostgreSQL keeps it (migration 0051) in the transaction of every write to ``reporting_memberevent``; a
membership depends on the member's neighbouring events, so each statement recomputes the touched members'
memberships before and after it. ``reporting.cohorts`` answers retention cohorts from it when the period is whole
months and every filter field is kept here; this module registers the family ``rebuild_rollups`` recomputes.
"""

from __future__ import annotations

from reporting.rollups.slotted import SCOPE, SlottedRollup

NAME = "cohorts"
SOURCE = f"rollup:{NAME}"
TABLE = "reporting_cohortmonthly"
# The join event's columns the rollup keeps: a filter on anything else reads the events.
FIELDS = frozenset({"type", "optin_channel", "optin_subchannel", "optin_platform", "gender"})
_KEY = "community_id, cohort, ended, optin_channel, optin_subchannel, optin_platform, gender"
# What the rollup must hold: the memberships of the events (reporting/cohorts.py) in each club's current zone.
EXPECTED = f"""
SELECT o.community_id, date_trunc('month', o.occurred_at AT TIME ZONE c.timezone)::date AS cohort,
       date_trunc('month', o.ended_at AT TIME ZONE c.timezone)::date AS ended,
       o.optin_channel, o.optin_subchannel, o.optin_platform, o.gender, count(*) AS members
FROM (
    SELECT e.community_id, e.type, e.occurred_at, e.optin_channel, e.optin_subchannel, e.optin_platform, e.gender,
           lag(e.type) OVER member_events AS previous_type,
           min(e.occurred_at) FILTER (WHERE e.type = 'out') OVER (
               member_events ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
           ) AS ended_at
    FROM reporting_memberevent AS e
    WHERE {SCOPE.format(alias="e")}
    WINDOW member_events AS (PARTITION BY e.community_id, e.member_id ORDER BY e.occurred_at, e.type)
) AS o JOIN reporting_community AS c ON c.id = o.community_id
WHERE o.type = 'in' AND o.previous_type IS DISTINCT FROM 'in'
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
ROLLUP = SlottedRollup(family=NAME, table=TABLE, key=_KEY, counted="members", expected=EXPECTED, keep_zero_keys=False)
ROLLUP.register()
