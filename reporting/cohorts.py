"""Retention cohorts from the join/leave events, in one SQL statement: read from the cohort rollup
(``reporting_cohortmonthly``, reporting/rollups/cohorts.py) when the period is whole local months and every filter
field is one it keeps, from the events otherwise; both give the same rows (tests/rollups/test_cohorts.py).

A *membership* starts at a join (``in``) event and ends at the member's first leave (``out``) event after it (an
``in`` and an ``out`` at the same instant: the join comes first). A re-join after a leave starts a new membership
in the month of the re-join; a join that follows another join with no leave in between is the same membership
(the member already belonged), so it starts nothing. A membership belongs to the cohort of its join month in its
community's own time zone (the context's). Cell (cohort, k) counts the memberships still running at the end of the
k-th month after the join month (k = 0: the join month itself), i.e. not ended before the first instant of month k + 1
in that time zone; months that have not ended by ``as_of`` are not returned (no invented future).

The filter is a ``member_balance`` filter tree (parsed by the API's parser) applied to the join event's
attributes at that time; it is compiled by the shared compiler, over the same ``m`` alias as that report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from reporting.conf import reporting_setting
from reporting.context import Context
from reporting.query.compiler import compile_filter
from reporting.query.filters import Node
from reporting.query.sql import Fragment
from reporting.rollups import BASE, record_source
from reporting.rollups import cohorts as cohort_rollup
from reporting.rollups.events_choice import base_path_forced, filter_fields
from reporting.selectors import fetch_rows

MAX_MONTHS = 36


@dataclass(frozen=True)
class CohortRow:
    """``month`` is the cohort's local month (first day); ``retained[k]`` the memberships running at the end of
    month k after it, for every month that has ended."""

    month: dt.date
    members: int
    retained: tuple[int, ...]


_BASE_MEMBERSHIPS = """
WITH joined AS (
    -- Members with a join near the range (one day of margin covers every UTC offset): only their events are sorted.
    SELECT DISTINCT j.member_id FROM reporting_memberevent AS j
    WHERE j.community_id = ANY((%s)::bigint[]) AND j.type = 'in'
      AND j.occurred_at >= ((%s)::timestamp - interval '1 day') AT TIME ZONE 'UTC'
      AND j.occurred_at < ((%s)::timestamp + interval '1 day') AT TIME ZONE 'UTC'
),
ordered AS (
    SELECT m.community_id, m.type, m.occurred_at, ({condition}) AS matches,
           lag(m.type) OVER member_events AS previous_type,
           min(m.occurred_at) FILTER (WHERE m.type = 'out') OVER (
               member_events ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
           ) AS ended_at
    FROM reporting_memberevent AS m
    WHERE m.community_id = ANY((%s)::bigint[]) AND m.member_id IN (SELECT member_id FROM joined)
    WINDOW member_events AS (PARTITION BY m.community_id, m.member_id ORDER BY m.occurred_at, m.type)
),
memberships AS (
    SELECT c.timezone AS tz, date_trunc('month', o.occurred_at AT TIME ZONE c.timezone) AS cohort,
           date_trunc('month', o.ended_at AT TIME ZONE c.timezone) AS ended_month, 1 AS memberships
    FROM ordered AS o
    JOIN unnest((%s)::bigint[], (%s)::text[]) AS c(id, timezone) ON c.id = o.community_id
    WHERE o.type = 'in' AND o.previous_type IS DISTINCT FROM 'in' AND o.matches
      AND (o.occurred_at AT TIME ZONE c.timezone) >= (%s)::timestamp
      AND (o.occurred_at AT TIME ZONE c.timezone) < (%s)::timestamp
),
"""

# The rollup keeps the join's attributes under the events' column names (and its type, always a join), so the
# same compiled filter runs on it; its months are already local to each club's (current) zone.
_ROLLUP_MEMBERSHIPS = """
WITH memberships AS (
    SELECT c.timezone AS tz, m.cohort::timestamp AS cohort, m.ended::timestamp AS ended_month,
           m.members AS memberships
    FROM (SELECT r.*, 'in'::text AS type FROM reporting_cohortmonthly AS r) AS m
    JOIN unnest((%s)::bigint[], (%s)::text[]) AS c(id, timezone) ON c.id = m.community_id
    WHERE m.community_id = ANY((%s)::bigint[]) AND m.cohort >= (%s)::date AND m.cohort < (%s)::date
      AND ({condition})
),
"""

_SURVIVAL = """-- Months survived: a membership ended in month j after its cohort was still running at the end of months
-- 0 .. j - 1. Grouping here keeps the expansion over months tiny (cohorts x months, not memberships x months).
survival AS (
    SELECT tz, cohort, sum(memberships) AS memberships,
           CASE WHEN ended_month IS NULL THEN (%s)::integer ELSE least((%s)::integer,
               ((extract(year FROM ended_month) - extract(year FROM cohort)) * 12
                + extract(month FROM ended_month) - extract(month FROM cohort))::integer) END AS survived
    FROM memberships
    GROUP BY 1, 2, 4
    -- the rollup's writer slots may hold +1 and -1 of one key: a group that sums to nothing holds no one
    HAVING sum(memberships) <> 0
)
SELECT s.cohort::date AS month, NULL::integer AS months_since, sum(s.memberships)::bigint AS members
FROM survival AS s
GROUP BY s.cohort
UNION ALL
SELECT s.cohort::date, k.n, coalesce(sum(s.memberships) FILTER (WHERE s.survived > k.n), 0)::bigint
FROM survival AS s
CROSS JOIN generate_series(0, (%s)::integer - 1) AS k(n)
GROUP BY s.cohort, k.n
-- a month that has not ended everywhere in the cohort (each club's own time zone) is not known yet
HAVING bool_and(((s.cohort + (k.n + 1) * interval '1 month') AT TIME ZONE s.tz) <= %s)
ORDER BY 1, 2 NULLS FIRST
"""


def _covered(filter_node: Node | None, first: dt.date, last: dt.date) -> bool:
    """Whether the rollup holds exactly these memberships: whole local months, a filter on kept fields only."""
    if base_path_forced() or not reporting_setting("ROLLUPS"):
        return False
    whole_months = first.day == 1 and (last + dt.timedelta(days=1)).day == 1
    return whole_months and filter_fields(filter_node) <= cohort_rollup.FIELDS


def cohort_statement(
    *, context: Context, filter_node: Node | None, first: dt.date, last: dt.date, as_of: dt.datetime
) -> Fragment:
    """The statement for memberships that started on local days ``[first, last]`` of their club, read from the
    events."""
    condition = compile_filter(filter_node)
    end = last + dt.timedelta(days=1)
    ids, zones = list(context.community_ids), list(context.time_zones)
    start, stop = first.isoformat(), end.isoformat()
    joined = (ids, start, stop)
    params = (ids, ids, zones, start, stop, *_survival_params(as_of))
    return Fragment(_BASE_MEMBERSHIPS.format(condition=condition.sql) + _SURVIVAL, joined + condition.params + params)


def rollup_statement(
    *, context: Context, filter_node: Node | None, first: dt.date, last: dt.date, as_of: dt.datetime
) -> Fragment:
    """The same rows from the cohort rollup; only for whole months and covered filters (``_covered``)."""
    condition = compile_filter(filter_node)
    end = last + dt.timedelta(days=1)
    ids, zones = list(context.community_ids), list(context.time_zones)
    head = (ids, zones, ids, first, end)
    sql = _ROLLUP_MEMBERSHIPS.format(condition=condition.sql) + _SURVIVAL
    return Fragment(sql, head + condition.params + _survival_params(as_of))


def _survival_params(as_of: dt.datetime) -> tuple[Any, ...]:
    return (MAX_MONTHS, MAX_MONTHS, MAX_MONTHS, as_of)


def choose_statement(
    *, context: Context, filter_node: Node | None, first: dt.date, last: dt.date, as_of: dt.datetime
) -> tuple[Fragment, str]:
    """The cohort rollup's statement when it covers the request, the events' otherwise, and the source's name."""
    if _covered(filter_node, first, last):
        statement = rollup_statement(context=context, filter_node=filter_node, first=first, last=last, as_of=as_of)
        return statement, cohort_rollup.SOURCE
    return cohort_statement(context=context, filter_node=filter_node, first=first, last=last, as_of=as_of), BASE


def retention_cohorts(
    *, context: Context, filter_node: Node | None, first: dt.date, last: dt.date, as_of: dt.datetime
) -> list[CohortRow]:
    """Cohorts of memberships that started on local days ``[first, last]``, oldest first, at most ``MAX_MONTHS``
    months each."""
    statement, source = choose_statement(context=context, filter_node=filter_node, first=first, last=last, as_of=as_of)
    record_source(source)
    rows = fetch_rows(statement)
    sizes: dict[dt.date, int] = {}
    retained: dict[dt.date, list[int]] = {}
    for row in rows:
        if row["months_since"] is None:
            sizes[row["month"]] = row["members"]
            retained[row["month"]] = []
        else:
            retained[row["month"]].append(row["members"])
    return [CohortRow(month, sizes[month], tuple(retained[month])) for month in sorted(sizes)]
