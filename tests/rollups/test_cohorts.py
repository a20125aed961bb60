"""Random join/leave batches (inserts, deletions, re-joins, moved and relabelled events) then random retention
queries under random rollup-covered filters: the cohort rollup path gives exactly the events' rows, and both equal
the plain-Python oracle of tests/dashboards/growth_dataset.py (zoneinfo, no production SQL)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.cohorts import choose_statement, retention_cohorts
from reporting.context import Context
from reporting.models import Community, MemberEvent
from reporting.query.errors import ErrorTree
from reporting.query.filters import parse_filter
from reporting.reports.history import MEMBER_BALANCE
from reporting.rollups import BASE, families, sources_recorded
from reporting.rollups.cohorts import SOURCE
from reporting.rollups.events_choice import base_path_only
from tests.dashboards import growth_dataset as g

UTC = dt.UTC
CLUBS = (235, 236, 240)
VALUES: dict[str, list[Any]] = {
    "optin_channel": [None, "app", "pos"],
    "optin_subchannel": [None, "store-1"],
    "optin_platform": ["ios", "android", "webforms"],
    "gender": [None, "woman", "man"],
}
MONTHS = [dt.date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 19)]  # 2024-01 … 2025-06

attributes = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in VALUES.items()})


@st.composite
def instants(draw: st.DrawFn, community: int) -> dt.datetime:
    """Mostly within two hours of a local month boundary of the club (where UTC and local months differ)."""
    month = draw(st.sampled_from(MONTHS))
    zone = zoneinfo.ZoneInfo(g.TIMEZONES[community])
    if draw(st.booleans()):
        boundary = dt.datetime.combine(month, dt.time(), zone).astimezone(UTC)
        return boundary + dt.timedelta(minutes=draw(st.integers(-120, 120)))
    return dt.datetime.combine(month, dt.time(), UTC) + dt.timedelta(minutes=draw(st.integers(0, 40 * 24 * 60)))


def new_events(data: st.DataObject, members: list[tuple[int, int]]) -> list[MemberEvent]:
    """Events for a few members, new or known: joins, leaves, re-joins, repeated joins, any order in time."""
    chosen = data.draw(st.lists(st.sampled_from(members), min_size=1, max_size=6, unique=True))
    rows: dict[tuple[int, int, str, dt.datetime], MemberEvent] = {}
    for community, member in chosen:
        for kind in data.draw(st.lists(st.sampled_from(["in", "out"]), min_size=1, max_size=4)):
            at = data.draw(instants(community))
            key = (community, member, kind, at)
            rows[key] = MemberEvent(community_id=community, member_id=member, type=kind, occurred_at=at,
                                    **data.draw(attributes))  # fmt: skip
    existing = set(
        MemberEvent.objects.filter(member_id__in=[m for _, m in chosen]).values_list(
            "community_id", "member_id", "type", "occurred_at"
        )
    )
    return [event for key, event in rows.items() if key not in existing]


def write(data: st.DataObject, members: list[tuple[int, int]]) -> None:
    ids = list(MemberEvent.objects.values_list("id", flat=True))
    kind = data.draw(st.sampled_from(["insert", "insert", "delete", "relabel", "move"]))
    if kind == "insert" or not ids:
        MemberEvent.objects.bulk_create(new_events(data, members))
        return
    chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=5, unique=True))
    if kind == "delete":
        MemberEvent.objects.filter(id__in=chosen).delete()
    elif kind == "relabel":
        MemberEvent.objects.filter(id__in=chosen).update(**data.draw(attributes))
    else:
        # one statement moving events in time (an update of both transition tables); a clash leaves them be
        shift = dt.timedelta(days=data.draw(st.integers(-60, 60)), minutes=data.draw(st.integers(-90, 90)))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reporting_memberevent AS e SET occurred_at = e.occurred_at + make_interval(secs => %s) WHERE e.id = ANY(%s)"
                " AND NOT EXISTS (SELECT FROM reporting_memberevent AS o WHERE o.community_id = e.community_id"
                " AND o.member_id = e.member_id AND o.type = e.type AND o.occurred_at = e.occurred_at + make_interval(secs => %s))",
                [shift.total_seconds(), chosen, shift.total_seconds()],
            )


def leaf(field: str) -> st.SearchStrategy[dict[str, Any]]:
    values = st.sampled_from(VALUES[field])
    return st.one_of(
        st.builds(lambda op, v: {"type": op, "field": field, "value": v}, st.sampled_from(["equal", "not_equal"]),
                  values),
        st.builds(lambda op, vs: {"type": op, "field": field, "value": vs}, st.sampled_from(["in", "not_in"]),
                  st.lists(values, min_size=1, max_size=2)),
        st.just({"type": "equal", "field": "type", "value": "in"}),
    )  # fmt: skip


leaves = st.sampled_from(sorted(VALUES)).flatmap(leaf)
filters = st.one_of(
    st.none(),
    leaves,
    st.builds(lambda op, ops: {"type": op, "operations": ops}, st.sampled_from(["and", "or"]),
              st.lists(leaves, min_size=1, max_size=3)),
)  # fmt: skip


def matcher(raw: dict[str, Any] | None) -> Callable[[dict[str, Any]], bool]:
    """The filter in Python over the join event (null is a value like any other, as in the API)."""
    if raw is None:
        return lambda event: True
    if raw["type"] in ("and", "or"):
        parts = [matcher(child) for child in raw["operations"]]
        combine = all if raw["type"] == "and" else any
        return lambda event: combine(part(event) for part in parts)
    field, value = raw["field"], raw["value"]
    tests: dict[str, Callable[[Any], bool]] = {
        "equal": lambda x: x == value,
        "not_equal": lambda x: x != value,
        "in": lambda x: x in value,
        "not_in": lambda x: x not in value,
    }
    return lambda event: tests[raw["type"]](event[field])


def all_events() -> list[dict[str, Any]]:
    return list(
        MemberEvent.objects.values(
            "community_id",
            "member_id",
            "type",
            "occurred_at",
            *sorted(VALUES),
        )
    )


def shaped(rows: Any) -> list[tuple[str, int, list[int]]]:
    return [(row.month.isoformat()[:7], row.members, list(row.retained)) for row in rows]


def cohorts(ids: tuple[int, ...], node: Any, first: dt.date, last: dt.date, as_of: dt.datetime) -> tuple[Any, Any]:
    context = Context(ids, tuple(g.TIMEZONES[i] for i in ids))
    with sources_recorded() as sources:
        rows = shaped(retention_cohorts(context=context, filter_node=node, first=first, last=last, as_of=as_of))
    return rows, sources


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rollup_path_equals_the_events_and_the_oracle(communities: dict[int, Community], data: st.DataObject) -> None:
    members = [(club, club * 100 + i) for club in CLUBS for i in range(4)]
    try:
        with transaction.atomic():
            for _ in range(data.draw(st.integers(1, 6))):
                write(data, members)
            events = all_events()
            for _ in range(3):
                ids = tuple(sorted(data.draw(st.lists(st.sampled_from(CLUBS), min_size=1, max_size=3, unique=True))))
                raw = data.draw(filters)
                errors = ErrorTree()
                node = parse_filter(raw, MEMBER_BALANCE, errors)
                assert not errors, errors
                start = data.draw(st.integers(0, len(MONTHS) - 1))
                first = MONTHS[start]
                last = g.next_bucket(MONTHS[data.draw(st.integers(start, len(MONTHS) - 1))], "1mo")
                last -= dt.timedelta(days=1)
                as_of = dt.datetime(2024, 3, 1, tzinfo=UTC) + dt.timedelta(hours=data.draw(st.integers(0, 16000)))
                from_rollup, sources = cohorts(ids, node, first, last, as_of)
                assert sources == [SOURCE]
                with base_path_only():
                    from_events, base_sources = cohorts(ids, node, first, last, as_of)
                assert base_sources == [BASE]
                expected = g.cohorts(g.select(events, ids), first, last, as_of=as_of, where=matcher(raw))
                assert from_rollup == from_events == expected, (raw, ids, first, last, as_of)
            assert families()["cohorts"].rebuild(None).rows_differing == 0
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
def test_uncovered_requests_read_the_events(communities: dict[int, Community]) -> None:
    context = Context((235,), ("Europe/Oslo",))
    as_of = dt.datetime(2025, 1, 1, tzinfo=UTC)
    age = parse_filter({"type": "equal", "field": "age", "value": "20-24"}, MEMBER_BALANCE, ErrorTree())
    gender = parse_filter({"type": "equal", "field": "gender", "value": "man"}, MEMBER_BALANCE, ErrorTree())
    months = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    mid_month = (dt.date(2024, 1, 1), dt.date(2024, 6, 15))
    assert (
        choose_statement(context=context, filter_node=gender, first=months[0], last=months[1], as_of=as_of)[1] == SOURCE
    )
    assert choose_statement(context=context, filter_node=age, first=months[0], last=months[1], as_of=as_of)[1] == BASE
    assert (
        choose_statement(context=context, filter_node=None, first=mid_month[0], last=mid_month[1], as_of=as_of)[1]
        == BASE
    )


@pytest.mark.django_db
def test_a_time_zone_change_recomputes_the_club(communities: dict[int, Community]) -> None:
    # Joins around Oslo's (Stockholm's) midnight of 1 March: two in February there, all five in March in Kathmandu.
    oslo = zoneinfo.ZoneInfo("Europe/Oslo")
    midnight = dt.datetime(2024, 3, 1, tzinfo=oslo)
    MemberEvent.objects.bulk_create(
        MemberEvent(community_id=240, member_id=i, type="in", occurred_at=midnight + dt.timedelta(minutes=m),
                    optin_platform="ios")
        for i, m in enumerate([-30, -20, 30, 40, 50])
    )  # fmt: skip
    Community.objects.filter(id=240).update(timezone="Asia/Kathmandu")
    context = Context((240,), ("Asia/Kathmandu",))
    as_of = dt.datetime(2024, 6, 1, tzinfo=UTC)
    args = {"context": context, "filter_node": None, "first": dt.date(2024, 2, 1), "last": dt.date(2024, 3, 31)}
    rows = retention_cohorts(**args, as_of=as_of)  # type: ignore[arg-type]
    with base_path_only():
        assert rows == retention_cohorts(**args, as_of=as_of)  # type: ignore[arg-type]
    assert [(r.month, r.members) for r in rows] == [(dt.date(2024, 3, 1), 5)]
    assert families()["cohorts"].rebuild([240]).rows_differing == 0
