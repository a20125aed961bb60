"""Retention cohorts in SQL against the Python oracle over the same events (zoneinfo, no production SQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from reporting.cohorts import retention_cohorts
from reporting.context import Context
from reporting.models import MemberEvent
from reporting.query.errors import ErrorTree
from reporting.query.filters import parse_filter
from reporting.reports.history import MEMBER_BALANCE
from tests.dashboards import growth_dataset as g

TODAY = dt.date(2025, 11, 20)
AS_OF = dt.datetime(2025, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture
def events(communities) -> list[dict[str, Any]]:
    rows = g.growth_events(TODAY)
    MemberEvent.objects.bulk_create(MemberEvent(**row) for row in rows)
    return rows


def ctx(*ids: int) -> Context:
    return Context(tuple(ids), tuple(g.TIMEZONES[i] for i in ids))


def shaped(rows: Any) -> list[tuple[str, int, list[int]]]:
    return [(row.month.isoformat()[:7], row.members, list(row.retained)) for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ids", "first", "last"),
    [
        ((235,), dt.date(2023, 1, 1), TODAY),
        ((235, 236, 240), dt.date(2024, 6, 1), dt.date(2025, 3, 31)),
        ((236,), dt.date(2024, 3, 1), dt.date(2024, 5, 31)),
        # only the duplicate join of 5001 (3 days ago) is in range; its first join, 8 days ago, is not
        ((235,), TODAY - dt.timedelta(days=5), TODAY),
    ],
)
def test_cohorts_match_the_oracle(events, ids, first, last):
    expected = g.cohorts(g.select(events, ids), first, last, as_of=AS_OF)
    got = shaped(retention_cohorts(context=ctx(*ids), filter_node=None, first=first, last=last, as_of=AS_OF))
    assert got == expected
    assert sum(members for _, members, _ in got) > 0 or first > TODAY - dt.timedelta(days=7)


@pytest.mark.django_db
def test_a_join_half_an_hour_into_a_local_month_belongs_to_that_month(events):
    (boundary,) = [e for e in events if e["member_id"] == 5999]
    month = g.local(boundary["occurred_at"], 235).date()
    assert boundary["occurred_at"].month != month.month  # UTC still says the month before
    rows = retention_cohorts(
        context=ctx(
            235,
        ),
        filter_node=None,
        first=month,
        last=month,
        as_of=AS_OF,
    )
    assert [(r.month, r.members) for r in rows] == [(month, 1)]


@pytest.mark.django_db
def test_rejoins_start_new_memberships_and_duplicate_joins_do_not(events):
    member: Callable[[dict[str, Any]], bool] = lambda e: e["member_id"] in (5001, 5024)  # noqa: E731
    ids = (235,)
    wanted = g.select(events, ids, member)
    ins = [e for e in wanted if e["type"] == "in"]
    assert len(ins) == 4  # 5001: join + duplicate join; 5024: join + re-join
    MemberEvent.objects.exclude(member_id__in=(5001, 5024)).delete()
    got = retention_cohorts(context=ctx(*ids), filter_node=None, first=dt.date(2020, 1, 1), last=TODAY, as_of=AS_OF)
    assert sum(r.members for r in got) == 3
    assert shaped(got) == g.cohorts(wanted, dt.date(2020, 1, 1), TODAY, as_of=AS_OF)


@pytest.mark.django_db
def test_months_not_over_are_not_reported(events):
    rows = retention_cohorts(
        context=ctx(
            235,
        ),
        filter_node=None,
        first=dt.date(2020, 1, 1),
        last=TODAY,
        as_of=AS_OF,
    )
    latest = rows[-1]
    assert latest.month == dt.date(2025, 11, 1)
    assert latest.retained == ()  # November 2025 has not ended at AS_OF
    assert len(rows[-2].retained) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"type": "equal", "field": "gender", "value": "woman"}, lambda e: e["gender"] == "woman"),
        ({"type": "in", "field": "age", "value": ["25-29", None]}, lambda e: e["age"] in ("25-29", None)),
        (
            {
                "type": "and",
                "operations": [
                    {"type": "equal", "field": "consents.email_marketing", "value": True},
                    {"type": "not_equal", "field": "optin_channel", "value": "app"},
                ],
            },
            lambda e: e["consents"].get("email_marketing") is True and e["optin_channel"] != "app",
        ),
    ],
)
def test_the_filter_applies_to_the_join_event_through_the_shared_parser_and_compiler(events, raw, where):
    errors = ErrorTree()
    node = parse_filter(raw, MEMBER_BALANCE, errors)
    assert not errors
    first = dt.date(2023, 1, 1)
    expected = g.cohorts(g.select(events, (235, 236)), first, TODAY, as_of=AS_OF, where=where)
    got = shaped(retention_cohorts(context=ctx(235, 236), filter_node=node, first=first, last=TODAY, as_of=AS_OF))
    assert got == expected
    unfiltered = retention_cohorts(context=ctx(235, 236), filter_node=None, first=first, last=TODAY, as_of=AS_OF)
    assert 0 < sum(members for _, members, _ in got) < sum(r.members for r in unfiltered)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["America/Denver", "Asia/Kathmandu", "Pacific/Auckland"])
def test_each_club_counts_in_its_own_time_zone(events, monkeypatch, zone):
    monkeypatch.setitem(g.TIMEZONES, 236, zone)
    ids = (235, 236, 240)
    first = dt.date(2023, 1, 1)
    expected = g.cohorts(g.select(events, ids), first, TODAY, as_of=AS_OF)
    got = shaped(retention_cohorts(context=ctx(*ids), filter_node=None, first=first, last=TODAY, as_of=AS_OF))
    assert got == expected
