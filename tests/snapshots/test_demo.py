"""seed_demo's history: seasonality and churn in the generated lines, and what seeding leaves behind
(events with their ages at the time, daily back-filled snapshots, the live snapshot), each against an oracle."""

from __future__ import annotations

import datetime as dt
import io
import json
import statistics
import zoneinfo
from collections import Counter, defaultdict
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from reporting.demo import demo_member_lines, in_summer_campaign
from reporting.models import Community, Member, MemberCountSnapshot, MemberEvent
from reporting.snapshots import BACKFILL_GROUPINGS, last_backfill_day, period_start
from tests.ingestion.conftest import age_bucket
from tests.snapshots.conftest import oracle_counts

UNTIL = dt.date(2026, 1, 1)


def _daily_rate(joins: list[dt.datetime], first: dt.date, last: dt.date) -> float:
    return sum(first <= j.date() <= last for j in joins) / ((last - first).days + 1)


def test_two_years_with_a_december_peak_a_summer_campaign_and_a_dip(db: Any, places: None) -> None:
    lines = [json.loads(text) for text in demo_member_lines(12_000, seed=42, until=UNTIL)]
    joined = {m["id"]: dt.datetime.fromisoformat(m["created_at"]) for m in lines if not m.get("deleted")}
    joins = sorted(joined.values())
    assert joins[0].date() >= dt.date(2024, 1, 2)
    assert joins[-1].date() <= dt.date(2025, 12, 31)
    day = dt.date
    november = _daily_rate(joins, day(2025, 11, 1), day(2025, 11, 20))
    assert _daily_rate(joins, day(2025, 12, 8), day(2025, 12, 22)) > 1.8 * november
    may = _daily_rate(joins, day(2025, 5, 1), day(2025, 5, 31))
    assert _daily_rate(joins, day(2025, 6, 8), day(2025, 6, 28)) > 1.8 * may
    assert _daily_rate(joins, day(2025, 7, 8), day(2025, 8, 3)) < 0.6 * may
    assert _daily_rate(joins, day(2025, 1, 2), day(2025, 1, 31)) < 0.85 * _daily_rate(
        joins, day(2025, 2, 1), day(2025, 2, 28)
    )
    # Growth: the second year brings more members than the first.
    assert sum(j.year == 2025 for j in joins) > 1.3 * sum(j.year == 2024 for j in joins)
    # Churn: early-heavy, and campaign joiners leave more often than the others.
    stays = [(dt.datetime.fromisoformat(m["deleted_at"]) - joined[m["id"]]).days for m in lines if m.get("deleted")]
    assert statistics.median(stays) < 100
    left = {m["id"] for m in lines if m.get("deleted")}
    campaign = [i for i, j in joined.items() if in_summer_campaign(j.date())]
    others = [i for i, j in joined.items() if not in_summer_campaign(j.date())]
    campaign_share = sum(i in left for i in campaign) / len(campaign)
    assert campaign_share > 1.5 * sum(i in left for i in others) / len(others)
    assert 0.05 < len(left) / len(joined) < 0.09  # 55,000 joins keep over 50,000 members (make run)


def test_seeding_leaves_events_with_ages_then_and_daily_and_live_snapshots(db: Any, places: None) -> None:
    out = io.StringIO()
    call_command("seed_demo", "--members", "2500", "--seed", "3", "--workers", "0", stdout=out)
    assert "Snapshots:" in out.getvalue()
    zones = dict(Community.objects.values_list("id", "timezone"))
    members: list[dict[str, Any]] = [dict(row) for row in Member.objects.values()]
    births = {m["id"]: m["birth_date"] for m in members}
    events: list[dict[str, Any]] = [dict(row) for row in MemberEvent.objects.values()]

    # Every join carries the member's age bucket on the day it joined, in the club's time zone.
    changed_since = 0
    for event in events:
        if event["type"] == "in" and event["member_id"] in births:
            zone = zones[event["community_id"]]
            joined_day = event["occurred_at"].astimezone(zoneinfo.ZoneInfo(zone)).date()
            assert event["age"] == age_bucket(births[event["member_id"]], zone, today=joined_day)
            changed_since += event["age"] != age_bucket(births[event["member_id"]], zone)
    assert changed_since > 0  # two years of history: some members have moved bucket since they joined

    # The live snapshot of this period equals the members; values of the last daily snapshot that no member
    # has any more carry on as 0.
    today = last_backfill_day(timezone.now())
    live_expected = dict(oracle_counts(members))
    for row in MemberCountSnapshot.objects.filter(taken_at=today):
        live_expected.setdefault((row.community_id, row.grouping_type, row.grouping_value), 0)
    live = MemberCountSnapshot.objects.filter(taken_at=period_start(timezone.now()))
    assert {(r.community_id, r.grouping_type, r.grouping_value): r.members_count for r in live} == live_expected

    # Daily snapshots: at each midnight UTC, joins minus leaves before it, per value the events carry.
    deltas: dict[tuple[int, str, str | None], Counter[dt.datetime]] = defaultdict(Counter)
    for event in events:
        midnight = dt.datetime.combine(event["occurred_at"].astimezone(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)
        step = 1 if event["type"] == "in" else -1
        for grouping in ("total", *BACKFILL_GROUPINGS):
            value = None if grouping == "total" else event[grouping]
            deltas[(event["community_id"], grouping, value)][midnight + dt.timedelta(days=1)] += step
    expected = {}
    for key, by_day in deltas.items():
        running, first = 0, min(by_day)
        moment = first
        while moment <= today:
            running += by_day.get(moment, 0)
            expected[(*key, moment)] = running
            moment += dt.timedelta(days=1)
    daily = MemberCountSnapshot.objects.filter(taken_at__lte=today, taken_at__hour=0, taken_at__minute=0)
    assert {(r.community_id, r.grouping_type, r.grouping_value, r.taken_at): r.members_count for r in daily} == (
        expected
    )
    assert len({key[3] for key in expected}) > 700
