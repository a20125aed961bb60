"""The daily event totals (``reporting_eventdailytotal``): join/leave events per club, local date and type only.

The daily event rollup keeps five dimensions, so a club's two years are ~112,000 rows that an unfiltered series
sums; the totals are ~1,500. The series planner answers from them when the request reads no dimension: a
``member_balance`` filtered on ``type`` at most and not aggregated, a ``members_count_history`` of the total
grouping. PostgreSQL keeps them exactly as the daily event rollup (migration 0051, same writer slots).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reporting.query.filters import Condition, Logical
from reporting.reports.declarations import Measure, SeriesRollup, Source
from reporting.reports.history import EVENT_ROLLUP, MEMBER_BALANCE, MEMBERS_COUNT_HISTORY
from reporting.rollups.slotted import SlottedRollup

if TYPE_CHECKING:
    from reporting.query.series_request import SeriesQuery

NAME = "events_daily_total"
TABLE = "reporting_eventdailytotal"
_SCOPE = "m.community_id = ANY(%s)"
BALANCE_TOTALS = SeriesRollup(
    name=NAME,
    source=Source(from_sql=f"{TABLE} AS m", scope_sql=_SCOPE),
    day_sql="m.local_date",
    measure=Measure("count", "sum(m.events)"),
    fields=frozenset({"type"}),
    aggregations=frozenset({"total"}),
)
HISTORY_TOTALS = SeriesRollup(
    name=NAME,
    source=Source(
        from_sql=(
            "(SELECT e.community_id, e.local_date, e.events, e.type, 'total'::text AS grouping_type,"
            f" NULL::text AS grouping_value FROM {TABLE} AS e) AS m"
        ),
        scope_sql=_SCOPE,
    ),
    day_sql="m.local_date",
    measure=Measure("running_total", "sum(CASE m.type WHEN 'in' THEN m.events ELSE -m.events END)", cumulative=True),
    fields=frozenset({"grouping_type", "grouping_value"}),
)


def _pins_total(node: Any) -> bool:
    """The filter is an ``and`` holding ``grouping_type = total`` (the default): only the total grouping."""
    if not isinstance(node, Logical) or node.op != "and":
        return False
    return any(
        isinstance(child, Condition)
        and child.ref.field.name == "grouping_type"
        and child.op == "equal"
        and child.value == "total"
        for child in node.operations
    )


def narrower(query: SeriesQuery, rollup: SeriesRollup, fields: set[str]) -> SeriesRollup:
    """The totals in place of the daily event rollup when the request reads none of its dimensions."""
    if rollup.name != EVENT_ROLLUP:
        return rollup
    if query.report is MEMBER_BALANCE:
        if fields <= {"type"} and (query.aggregation is None or query.aggregation.name == "total"):
            return BALANCE_TOTALS
    elif query.report is MEMBERS_COUNT_HISTORY and _pins_total(query.filter):
        return HISTORY_TOTALS
    return rollup


EXPECTED = (
    "SELECT e.community_id, (e.occurred_at AT TIME ZONE c.timezone)::date AS local_date, e.type, count(*) AS events"
    " FROM reporting_memberevent AS e JOIN reporting_community AS c ON c.id = e.community_id"
    " WHERE (%(every)s OR e.community_id = ANY(%(ids)s)) GROUP BY 1, 2, 3"
)
ROLLUP = SlottedRollup(
    family=NAME, table=TABLE, key="community_id, local_date, type", counted="events", expected=EXPECTED
)
ROLLUP.register()
