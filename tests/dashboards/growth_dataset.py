"""Join/leave events for the growth tests, and a plain-Python oracle over the same events (``zoneinfo``).

The events are fixed arithmetic relative to a given local day (so the relative periods 30 days, 90 days, 12
months always cover some of them): joins spread over two years, about a quarter leave, some come back, one join
is a duplicate (a second ``in`` with no ``out`` between), and one join lies half an hour into a local month
(still the previous month in UTC). The oracle never calls the product.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Event = dict[str, Any]
TIMEZONES = {235: "Europe/Oslo", 236: "Europe/Oslo", 240: "Europe/Stockholm"}
GENDERS = ("woman", "man", None, "woman", "other")
AGES = ("20-24", "25-29", None, "30-34", "40-44", "25-29")
CHANNELS = ("app", "pos", None, "webforms")
PLATFORMS = ("ios", "android", "webforms", "other")


def _event(community_id: int, member_id: int, kind: str, at: dt.datetime, i: int) -> Event:
    return {
        "community_id": community_id,
        "member_id": member_id,
        "type": kind,
        "occurred_at": at,
        "gender": GENDERS[i % len(GENDERS)],
        "age": AGES[i % len(AGES)],
        "optin_channel": CHANNELS[i % len(CHANNELS)],
        "optin_subchannel": None,
        "optin_platform": PLATFORMS[i % len(PLATFORMS)],
        "consents": {"email_marketing": i % 3 != 0} if i % 5 else {},
    }


def growth_events(today: dt.date, *, duplicate_join: bool = True) -> list[Event]:
    """Events before local midnight of ``today`` (Europe/Oslo), member ids 5001…"""
    oslo = zoneinfo.ZoneInfo("Europe/Oslo")
    anchor = dt.datetime.combine(today, dt.time(), oslo).astimezone(dt.UTC)
    events: list[Event] = []
    for i in range(1, 91):
        community_id = 235 if i <= 66 else (236 if i <= 80 else 240)
        member_id = 5000 + i
        joined = anchor - dt.timedelta(days=8 * i, hours=(i % 5) * 7 + 1)
        events.append(_event(community_id, member_id, "in", joined, i))
        if i % 4 == 0:
            left = joined + dt.timedelta(days=(i % 7 + 1) * 19, hours=3)
            if left < anchor:
                events.append(_event(community_id, member_id, "out", left, i + 1))
                if i % 12 == 0 and left + dt.timedelta(days=16) < anchor:
                    events.append(_event(community_id, member_id, "in", left + dt.timedelta(days=16), i + 2))
    # Half an hour into a local month: that month's cohort, although UTC still says the month before.
    first = (today.replace(day=1) - dt.timedelta(days=70)).replace(day=1)
    boundary = dt.datetime.combine(first, dt.time(0, 30), oslo).astimezone(dt.UTC)
    events.append(_event(235, 5999, "in", boundary, 1))
    if duplicate_join:
        # A second join of member 5001 with no leave in between: the same membership, not a new one.
        events.append(_event(235, 5001, "in", anchor - dt.timedelta(days=3), 7))
    return events


def local(at: dt.datetime, community_id: int) -> dt.datetime:
    return at.astimezone(zoneinfo.ZoneInfo(TIMEZONES[community_id]))


def bucket_start(day: dt.date, interval: str) -> dt.date:
    if interval == "1w":
        return day - dt.timedelta(days=day.weekday())
    if interval == "1mo":
        return day.replace(day=1)
    return day


def next_bucket(start: dt.date, interval: str) -> dt.date:
    if interval == "1w":
        return start + dt.timedelta(days=7)
    if interval == "1mo":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


def whole_buckets(first: dt.date, last: dt.date, interval: str) -> tuple[dt.date, dt.date]:
    """The local days the engine's buckets cover for the days ``[first, last]``: whole buckets, from the one
    holding ``first`` to the one holding ``last`` (reporting-api.md: buckets start on interval boundaries)."""
    end = next_bucket(bucket_start(last, interval), interval)
    return bucket_start(first, interval), end - dt.timedelta(days=1)


def whole_months(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    return whole_buckets(first, last, "1mo")


def select(
    events: Iterable[Event], community_ids: Iterable[int], where: Callable[[Event], bool] = lambda e: True
) -> list[Event]:
    ids = set(community_ids)
    return [e for e in events if e["community_id"] in ids and where(e)]


def balance(events: Iterable[Event], first: dt.date, last: dt.date, interval: str) -> dict[str, tuple[int, int]]:
    """Local bucket start (``YYYY-MM-DD``) -> (joins, leaves) over local days ``[first, last]``; only buckets
    with events (as the API leaves out buckets where no series has data)."""
    counts: Counter[tuple[str, str]] = Counter()
    for event in events:
        day = local(event["occurred_at"], event["community_id"]).date()
        if first <= day <= last:
            counts[(bucket_start(day, interval).isoformat(), event["type"])] += 1
    buckets = sorted({bucket for bucket, _ in counts})
    return {b: (counts[(b, "in")], counts[(b, "out")]) for b in buckets}


def running_count(events: Iterable[Event], bucket: str, interval: str) -> int:
    """Members at the end of the local bucket starting ``bucket`` (joins minus leaves before its end)."""
    end = next_bucket(dt.date.fromisoformat(bucket), interval)
    total = 0
    for event in events:
        if local(event["occurred_at"], event["community_id"]).date() < end:
            total += 1 if event["type"] == "in" else -1
    return total


def cohorts(
    events: Sequence[Event],
    first: dt.date,
    last: dt.date,
    *,
    as_of: dt.datetime,
    where: Callable[[Event], bool] = lambda e: True,
) -> list[tuple[str, int, list[int]]]:
    """(local join month ``YYYY-MM``, memberships, still running at the end of month 0, 1, … that has ended)."""
    by_member: dict[tuple[int, int], list[Event]] = {}
    for event in events:
        by_member.setdefault((event["community_id"], event["member_id"]), []).append(event)
    spells: list[tuple[dt.date, int, dt.datetime | None]] = []
    for (community_id, _), history in by_member.items():
        history.sort(key=lambda e: (e["occurred_at"], e["type"]))
        previous = None
        for index, event in enumerate(history):
            if event["type"] == "in" and previous != "in":
                ended = next((e["occurred_at"] for e in history[index + 1 :] if e["type"] == "out"), None)
                day = local(event["occurred_at"], community_id).date()
                if first <= day <= last and where(event):
                    spells.append((day.replace(day=1), community_id, ended))
            previous = event["type"]
    result = []
    for month in sorted({m for m, _, _ in spells}):
        members = [(c, ended) for m, c, ended in spells if m == month]
        retained = []
        k = 0
        while True:
            end_local = month
            for _ in range(k + 1):
                end_local = next_bucket(end_local, "1mo")
            ends = {c: dt.datetime.combine(end_local, dt.time(), zoneinfo.ZoneInfo(TIMEZONES[c])) for c, _ in members}
            if any(end > as_of for end in ends.values()) or k >= 36:
                break
            retained.append(sum(1 for c, ended in members if ended is None or ended >= ends[c]))
            k += 1
        result.append((month.isoformat()[:7], len(members), retained))
    return result
