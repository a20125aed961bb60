"""Thinning old snapshots changes no answer of the intervals still allowed at their age: 1h (and longer) for
snapshots older than a week, 1d, 1w and 1mo for those older than 90 days (docs/snapshots.md, "Retention")."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from reporting.models import Community, MemberCountSnapshot
from reporting.snapshots import PERIOD, period_start
from reporting.snapshots_retention import snapshots_prune
from tests.conftest import ApiClient

ZONES = {235: "Europe/Oslo", 321: "Asia/Kathmandu"}
VALUES = [("total", None), ("gender", "woman")]
GROUPINGS = {"type": "in", "field": "grouping_type", "value": ["total", "gender"]}


@pytest.fixture(autouse=True)
def _unlimited_rate(settings: Any) -> None:
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 10**9, "RATE_LIMIT_REFILL_PER_SECOND": 10**6}


def _rows(now: dt.datetime) -> int:
    rng = random.Random(7)
    rows = []
    for start, end in ((now - dt.timedelta(days=100), now - dt.timedelta(days=84)),
                       (now - dt.timedelta(days=11), now - dt.timedelta(days=3))):  # fmt: skip
        moment = start
        while moment < end:
            if rng.random() < 0.9:  # beat misses a period now and then: the last one of an hour is not always :45
                for community_id in ZONES:
                    for grouping_type, value in VALUES:
                        rows.append(MemberCountSnapshot(
                            community_id=community_id, grouping_type=grouping_type, grouping_value=value,
                            members_count=rng.randrange(1000), taken_at=moment, changed_at=moment))  # fmt: skip
            moment += PERIOD
    MemberCountSnapshot.objects.bulk_create(rows)
    return len(rows)


def _stored() -> list[tuple[int, str, str | None, dt.datetime]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT community_id, grouping_type, grouping_value, taken_at FROM reporting_membercountsnapshot"
        )
        return list(cursor.fetchall())


def _per_local(rows: list[tuple[Any, ...]], unit: str) -> Counter[tuple[Any, ...]]:
    counts: Counter[tuple[Any, ...]] = Counter()
    for community_id, grouping_type, value, taken_at in rows:
        local = taken_at.astimezone(zoneinfo.ZoneInfo(ZONES[community_id]))
        key = local.date() if unit == "day" else local.replace(minute=0, second=0, microsecond=0)
        counts[(community_id, grouping_type, value, key)] += 1
    return counts


def test_pruning_keeps_every_allowed_answer(api_for: Callable[..., ApiClient]) -> None:
    Community.objects.create(id=321, slug="kathmandu", name="Kathmandu", country="NP", timezone="Asia/Kathmandu")
    now = period_start(timezone.now())
    written = _rows(now)

    def window(days_from: float, days_to: float) -> tuple[str, str]:
        return ((now - dt.timedelta(days=days_from)).isoformat(), (now - dt.timedelta(days=days_to)).isoformat())

    bodies = []
    for interval, (start, end) in [("1d", window(100, 84)), ("1w", window(100, 3)), ("1mo", window(100, 3)),
                                   ("1d", window(11, 3)), ("1h", window(9.5, 3.5))]:  # fmt: skip
        bodies.append({"report": "members_count_snapshot", "interval": interval, "from": start, "to": end,
                       "filter": GROUPINGS})  # fmt: skip
    clients = [api_for(customer, community_ids=list(ZONES)) for customer in ("235", "321", "235_321")]
    before = [client.query(body)[1] for client in clients for body in bodies]
    assert all(answer["series"] for answer in before)

    pruned = snapshots_prune(now=now, lookback=None)
    rows = _stored()
    assert pruned.hourly > 0
    assert pruned.daily > 0
    assert len(rows) < written
    old = [row for row in rows if row[3] < now - dt.timedelta(days=90)]
    middle = [row for row in rows if now - dt.timedelta(days=90) <= row[3] < now - dt.timedelta(days=7)]
    recent = [row for row in rows if now - dt.timedelta(days=7) <= row[3] < now - dt.timedelta(days=1)]
    assert old
    assert max(_per_local(old, "day").values()) <= 2  # a day cut by the 90-day limit keeps one row on each side
    assert max(_per_local(middle, "hour").values()) <= 2
    assert max(_per_local(recent, "hour").values()) >= 4  # a week's full resolution is untouched

    after = [client.query(body)[1] for client in clients for body in bodies]
    assert after == before
    assert snapshots_prune(now=now, lookback=None).hourly == 0
