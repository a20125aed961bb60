"""What the daily event rollup must hold, from the events read back with plain SQL and dates from ``zoneinfo``."""

from __future__ import annotations

import zoneinfo
from collections import Counter
from typing import Any

from django.db import connection

from tests.timeseries import oracle

Key = tuple[Any, ...]


def expected_rows(zone_of: dict[int, str]) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for event in oracle.read_events(zone_of):
        day = event["occurred_at"].astimezone(zoneinfo.ZoneInfo(zone_of[event["community_id"]])).date()
        counts[(event["community_id"], day, event["type"], event["optin_channel"], event["optin_subchannel"],
                event["optin_platform"], event["gender"])] += 1  # fmt: skip
    return counts


def rollup_rows(community_ids: list[int]) -> Counter[Key]:
    """The rollup summed over slots; every stored row must hold at least one event."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_eventdailyrollup WHERE events <= 0")
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT community_id, local_date, type, optin_channel, optin_subchannel, optin_platform, gender,"
            " sum(events) FROM reporting_eventdailyrollup WHERE community_id = ANY(%s) GROUP BY 1, 2, 3, 4, 5, 6, 7",
            [community_ids],
        )
        return Counter({tuple(row[:7]): int(row[7]) for row in cursor.fetchall()})
