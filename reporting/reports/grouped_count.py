"""The ``members_grouped_count`` report (reporting-api.md §5.3): the latest count snapshot of each community.

Its source is ``reporting_membercountsnapshot`` at each community's latest period; before any read the source
makes that period the current one (``snapshots_ensure_fresh``), so the numbers are never more than one
15-minute period old, whether or not beat is running (docs/snapshots.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from reporting import enums, permits
from reporting.reports.declarations import Aggregation, Field, FieldType, GroupKey, Measure, Report, Source

T = FieldType


def _ensure_fresh(community_ids: Sequence[int]) -> None:
    from reporting.snapshots import snapshots_ensure_fresh  # the reports package stays free of the ORM at import

    snapshots_ensure_fresh(community_ids=community_ids)


# One index probe for each community's latest period, then its rows by the unique index.
_LATEST_SNAPSHOT = (
    "(SELECT s.community_id, s.grouping_type, s.grouping_value, s.members_count, s.changed_at"
    " FROM unnest(%s::integer[]) AS ctx(id)"
    " CROSS JOIN LATERAL (SELECT max(l.taken_at) AS taken_at FROM reporting_membercountsnapshot AS l"
    " WHERE l.community_id = ctx.id) AS latest"
    " JOIN reporting_membercountsnapshot AS s ON s.community_id = ctx.id AND s.taken_at = latest.taken_at) AS m"
)

MEMBERS_GROUPED_COUNT = Report(
    name="members_grouped_count",
    result_type="records",
    permit=permits.report_permit("MembersGroupedCount"),
    cost=2,
    description=(
        "Number of current members per community and grouping value, from the latest 15-minute count snapshot"
        " (never more than one period old); a value the community no longer has counts 0."
    ),
    source=Source(from_sql=_LATEST_SNAPSHOT, scope_sql="TRUE", prepare=_ensure_fresh),
    fields=(
        Field("community_id", T.INTEGER, "m.community_id", "ID of the community", filterable=False, nullable=False),
        Field(
            "grouping_type",
            T.ENUM,
            "m.grouping_type",
            "What the members are grouped by (total: all members of the community)",
            values=enums.GROUPING_TYPES,
            nullable=False,
        ),
        Field(
            "grouping_value",
            T.STRING,
            "m.grouping_value",
            'The group: a value of the grouping field ("true"/"false" for booleans), null for total or no value',
        ),
        Field(
            "members_count",
            T.INTEGER,
            "m.members_count",
            "Number of members in the group",
            filterable=False,
            nullable=False,
        ),
        Field(
            "updated_at",
            T.TIMESTAMP,
            "m.changed_at",
            "When this count last changed",
            filterable=False,
            nullable=False,
        ),
    ),
    order_by=("community_id", "grouping_type", "grouping_value"),
    aggregations=(
        Aggregation(
            "by_grouping_type_and_value",
            "Number of members per grouping type and value, summed over the communities in context.",
            (
                GroupKey("grouping_type", "m.grouping_type", T.ENUM, enums.GROUPING_TYPES),
                GroupKey("grouping_value", "m.grouping_value", T.STRING),
            ),
            per_community=False,
            # sum(bigint) is numeric; the cast keeps the count a JSON integer, as every other count is.
            measure=Measure("sum", "COALESCE(sum(m.members_count), 0)::bigint"),
        ),
    ),
)
