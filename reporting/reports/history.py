"""The timeseries reports of reporting-api.md §5.4-5.5: ``member_balance``, ``members_count_history`` and
``members_count_snapshot``.

The first two read the join/leave events (``reporting_memberevent``), which carry the member's attributes at
that time; the filter language and its one compiler work over them unchanged, because the fields below are
plain columns of the source alias ``m``.
"""

from __future__ import annotations

from collections.abc import Sequence

from reporting import enums, permits
from reporting.reports.declarations import (
    COUNT,
    Aggregation,
    Field,
    FieldType,
    GroupKey,
    KeyedKind,
    Measure,
    Report,
    SeriesRollup,
    Source,
    Timeseries,
)

T = FieldType

ALL_INTERVALS = ("5m", "1h", "1d", "1w", "1mo")
SNAPSHOT_INTERVALS = ("1h", "1d", "1w", "1mo")

GROUPING_TYPES = enums.GROUPING_TYPES
# The groupings join/leave events can answer: they record channel, subchannel, platform and gender at that time.
# Not age (members change age bucket without any event, so joins minus leaves per age is not a count of anyone),
# location or reachability: history refuses those (422) rather than inventing them; the snapshots have them.
EVENT_GROUPING_TYPES = ("total", "optin_channel", "optin_subchannel", "optin_platform", "gender")

# +1 per join, -1 per leave, summed from the beginning of time: members at the end of each bucket.
RUNNING_MEMBER_COUNT = Measure("running_total", "sum(CASE m.type WHEN 'in' THEN 1 ELSE -1 END)", cumulative=True)
# The last snapshot taken inside the bucket (snapshots are stamped with the start of their period).
LAST_SNAPSHOT = Measure(
    "last_in_bucket", "(array_agg(m.members_count ORDER BY m.taken_at DESC))[1]", per_community=True
)


def _ensure_fresh(community_ids: Sequence[int]) -> None:
    from reporting.snapshots import snapshots_ensure_fresh  # the reports package stays free of the ORM at import

    snapshots_ensure_fresh(community_ids=community_ids)


_EVENTS = Source(from_sql="reporting_memberevent AS m", scope_sql="m.community_id = ANY(%s)")

# The daily event rollup (reporting/rollups/events.py): events per club, local date and these attributes. Not age
# or consents: on the bench's two years they multiply the rollup's rows by 3 and 5.6 (docs/performance.md).
EVENT_ROLLUP = "events_daily"
EVENT_ROLLUP_COLUMNS = ("type", "optin_channel", "optin_subchannel", "optin_platform", "gender")
_EVENT_ROLLUP_TABLE = "reporting_eventdailyrollup"

# Consents that are not JSON booleans cannot exist after ingestion; the guard keeps a cast error impossible.
_CONSENTS_LATERAL = (
    "CROSS JOIN LATERAL (SELECT c.key, c.value::boolean FROM jsonb_each(m.consents) AS c(key, value)"
    " WHERE jsonb_typeof(c.value) = 'boolean') AS consent(key, value)"
)

BALANCE_FIELDS: tuple[Field, ...] = (
    Field("type", T.ENUM, "m.type", "in = the member joined, out = the member left", values=enums.EVENT_TYPES,
          nullable=False),
    Field("optin_channel", T.STRING, "m.optin_channel", "Member's optin_channel at the time of the event"),
    Field("optin_subchannel", T.STRING, "m.optin_subchannel", "Member's optin_subchannel at the time of the event"),
    Field("optin_platform", T.ENUM, "m.optin_platform", "Member's optin_platform at the time of the event",
          values=enums.OPTIN_PLATFORMS, nullable=False),
    Field("gender", T.STRING, "m.gender", "Member's gender at the time of the event"),
    Field("age", T.ENUM, "m.age", "Member's age range on the day of the event (in the club's time zone)",
          values=enums.AGE_BUCKETS),
    Field("consents", T.OBJECT, "m.consents",
          "Member's consents at the time of the event (name -> boolean); keys filterable as consents.<key>",
          filterable=False, keyed=KeyedKind.BOOLEAN, nullable=False),
)  # fmt: skip

_BALANCE = {f.name: f for f in BALANCE_FIELDS}


def _by(field_name: str) -> Aggregation:
    field = _BALANCE[field_name]
    return Aggregation(
        field_name,
        f"One series per type and {field_name} (the label gains {field_name}).",
        (GroupKey(field_name, field.sql, field.type, field.values),),
    )


MEMBER_BALANCE = Report(
    name="member_balance",
    result_type="timeseries",
    permit=permits.report_permit("MemberBalance"),
    cost=3,
    description="Member inflow (type in: joins) and outflow (type out: leaves) per time bucket.",
    source=_EVENTS,
    fields=BALANCE_FIELDS,
    order_by=(),
    aggregations=(
        Aggregation("total", "One series per type, summed over everything (the same as no aggregation)."),
        _by("optin_channel"),
        _by("optin_subchannel"),
        _by("optin_platform"),
        _by("gender"),
        _by("age"),
        Aggregation(
            "consents",
            "One series per type, consent key and consent value (a member counts once per consent key).",
            (GroupKey("consent_key", "consent.key", T.STRING), GroupKey("consent_value", "consent.value", T.BOOLEAN)),
            lateral=_CONSENTS_LATERAL,
        ),
    ),
    intervals=ALL_INTERVALS,
    timeseries=Timeseries(
        time_sql="m.occurred_at",
        measure=COUNT,
        labels=(GroupKey("type", "m.type", T.ENUM, enums.EVENT_TYPES),),
        rollup=SeriesRollup(
            name=EVENT_ROLLUP,
            source=Source(from_sql=f"{_EVENT_ROLLUP_TABLE} AS m", scope_sql="m.community_id = ANY(%s)"),
            day_sql="m.local_date",
            measure=Measure("count", "sum(m.events)"),
            fields=frozenset(EVENT_ROLLUP_COLUMNS),
            aggregations=frozenset({"total", *EVENT_ROLLUP_COLUMNS}),
        ),
    ),
)

_GROUPING_LABELS = (
    GroupKey("grouping_type", "m.grouping_type", T.ENUM),
    GroupKey("grouping_value", "m.grouping_value", T.STRING),
)


def _grouping_fields(types: tuple[str, ...]) -> tuple[Field, ...]:
    return (
        Field("grouping_type", T.ENUM, "m.grouping_type", "What the members are grouped by (default total)",
              values=types, nullable=False),
        Field("grouping_value", T.STRING, "m.grouping_value",
              "The group's value (booleans as \"true\"/\"false\"; null for total and for members without one)"),
    )  # fmt: skip


def _by_grouping(table: str, columns: str) -> str:
    return (
        "("
        + " UNION ALL ".join(
            f"SELECT e.community_id, {columns}, e.type, '{grouping}'::text AS grouping_type,"
            f" {'NULL::text' if grouping == 'total' else 'e.' + grouping} AS grouping_value FROM {table} AS e"
            for grouping in EVENT_GROUPING_TYPES
        )
        + ") AS m"
    )


_HISTORY_SOURCE = _by_grouping("reporting_memberevent", "e.occurred_at")

MEMBERS_COUNT_HISTORY = Report(
    name="members_count_history",
    result_type="timeseries",
    permit=permits.report_permit("MembersCountHistory"),
    cost=3,
    description=(
        "Members at the end of each bucket per grouping, reconstructed exactly from the join/leave events"
        " (joins minus leaves up to the bucket's end). Groupings the events record: "
        + ", ".join(EVENT_GROUPING_TYPES)
        + "."
    ),
    # Each event once per grouping it answers. UNION ALL of constant-typed branches rather than a lateral VALUES
    # list: the grouping_type condition (default total) is pushed into every branch and folds to false in all but
    # the asked-for ones, so the default reads the events once, exactly like a hand-written query.
    source=Source(from_sql=_HISTORY_SOURCE, scope_sql="m.community_id = ANY(%s)"),
    fields=_grouping_fields(EVENT_GROUPING_TYPES),
    order_by=(),
    intervals=ALL_INTERVALS,
    timeseries=Timeseries(
        time_sql="m.occurred_at",
        measure=RUNNING_MEMBER_COUNT,
        labels=_GROUPING_LABELS,
        defaults=(("grouping_type", "total"),),
        rollup=SeriesRollup(
            name=EVENT_ROLLUP,
            source=Source(
                from_sql=_by_grouping(_EVENT_ROLLUP_TABLE, "e.local_date, e.events"),
                scope_sql="m.community_id = ANY(%s)",
            ),
            day_sql="m.local_date",
            measure=Measure(
                "running_total", "sum(CASE m.type WHEN 'in' THEN m.events ELSE -m.events END)", cumulative=True
            ),
            fields=frozenset({"grouping_type", "grouping_value"}),
        ),
    ),
)

MEMBERS_COUNT_SNAPSHOT = Report(
    name="members_count_snapshot",
    result_type="timeseries",
    permit=permits.report_permit("MembersCountSnapshot"),
    cost=3,
    description="The last count snapshot (taken every 15 minutes) inside each bucket, per grouping.",
    # Brought up to the current period before a read, as members_grouped_count is (docs/snapshots.md).
    source=Source(
        from_sql="reporting_membercountsnapshot AS m", scope_sql="m.community_id = ANY(%s)", prepare=_ensure_fresh
    ),
    fields=_grouping_fields(GROUPING_TYPES),
    order_by=(),
    intervals=SNAPSHOT_INTERVALS,
    timeseries=Timeseries(
        time_sql="m.taken_at",
        measure=LAST_SNAPSHOT,
        labels=_GROUPING_LABELS,
        defaults=(("grouping_type", "total"),),
    ),
)
