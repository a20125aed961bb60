"""Fixtures of the timeseries tests: clubs in awkward time zones, join/leave events around their DST changes,
week and month boundaries, and an API client for any context."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest

from reporting.models import Community, MemberEvent
from tests.conftest import ApiClient

UTC = dt.UTC
ZONES = {301: "Europe/Oslo", 302: "Europe/Oslo", 311: "America/Denver", 321: "Asia/Kathmandu"}

CHANNELS = [None, "app", "webforms", "Kiosk", "ÆØÅ"]
SUBCHANNELS = [None, "a", "b"]
PLATFORMS = ["android", "ios", "website", "webforms", "other"]
GENDERS = [None, "woman", "man"]
AGES = [None, "20-24", "40-44"]
CONSENT_KEYS = ["email_marketing", "sms_marketing"]
SCALES = [dt.timedelta(hours=6), dt.timedelta(days=3), dt.timedelta(days=60), dt.timedelta(days=500)]


@pytest.fixture(autouse=True)
def _unlimited_rate(settings: Any) -> None:
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 10**9, "RATE_LIMIT_REFILL_PER_SECOND": 10**6}


@pytest.fixture
def zoned_clubs(communities: dict[int, Community]) -> dict[int, str]:
    Community.objects.bulk_create(
        Community(id=cid, slug=f"club-{cid}", name=f"Club {cid}", country="NO", timezone=zone)
        for cid, zone in ZONES.items()
    )
    return dict(ZONES)


@pytest.fixture
def client_for(client: Any, make_token: Callable[..., str], zoned_clubs: dict[int, str]) -> Callable[[str], ApiClient]:
    token = make_token(community_ids=[235, 236, *ZONES])

    def build(customer: str) -> ApiClient:
        return ApiClient(client, token, customer)

    return build


def _attributes(rng: random.Random) -> dict[str, Any]:
    return {
        "optin_channel": rng.choice(CHANNELS),
        "optin_subchannel": rng.choice(SUBCHANNELS),
        "optin_platform": rng.choice(PLATFORMS),
        "gender": rng.choice(GENDERS),
        "age": rng.choice(AGES),
        "consents": {key: rng.random() < 0.5 for key in CONSENT_KEYS if rng.random() < 0.7},
    }


def boundaries(center: dt.datetime, zone: str) -> list[dt.datetime]:
    """Instants where buckets change near ``center`` in ``zone``: the DST change itself, the local midnights
    around it, the Monday and the 1st that start its week and month, the hours around it."""
    tz = zoneinfo.ZoneInfo(zone)
    local = center.astimezone(tz).replace(tzinfo=None)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    walls = [midnight + dt.timedelta(days=d) for d in (-1, 0, 1, 2)] + [
        midnight - dt.timedelta(days=midnight.weekday()),
        midnight.replace(day=1),
    ]
    moments = [center] + [w.replace(tzinfo=tz).astimezone(UTC) for w in walls]
    moments += [center + dt.timedelta(hours=h) for h in (-2, -1, 1, 2)]
    return moments


@pytest.fixture
def insert_events() -> Callable[..., None]:
    member_ids = itertools.count(1)

    def insert(community_ids: list[int], center: dt.datetime, *, seed: int, members: int = 250) -> None:
        rng = random.Random(seed)
        rows = []
        for community_id in community_ids:
            for _ in range(members):
                member = next(member_ids)
                scale = rng.choice(SCALES)
                joined = center + scale * (2 * rng.random() - 1)
                attributes = _attributes(rng)
                rows.append(MemberEvent(community_id=community_id, member_id=member, type="in", occurred_at=joined,
                                        **attributes))  # fmt: skip
                if rng.random() < 0.4:
                    left = joined + scale * rng.random() + dt.timedelta(microseconds=1)
                    if rng.random() < 0.2:
                        attributes = _attributes(rng)  # the member's attributes changed before they left
                    rows.append(MemberEvent(community_id=community_id, member_id=member, type="out",
                                            occurred_at=left, **attributes))  # fmt: skip
            zone = ZONES.get(community_id, "Europe/Oslo")
            for moment in boundaries(center, zone):
                for nudge in (-1, 0, 1):
                    at = moment + dt.timedelta(microseconds=nudge)
                    rows.append(MemberEvent(community_id=community_id, member_id=next(member_ids), type="in",
                                            occurred_at=at, **_attributes(rng)))  # fmt: skip
        MemberEvent.objects.bulk_create(rows)

    return insert
