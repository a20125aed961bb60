"""Helpers for ingestion tests: an age-bucket oracle, member rows as dicts, places that survive flushes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from reporting.models import Community, Member, Place
from reporting.places import place_rows

MEMBER_COLUMNS = [f.column for f in Member._meta.get_fields() if hasattr(f, "column")]


def age_bucket(birth: dt.date | None, timezone: str, *, today: dt.date | None = None) -> str | None:
    """The seed's 15 buckets, computed independently of the SQL function."""
    if birth is None:
        return None
    today = today or dt.datetime.now(zoneinfo.ZoneInfo(timezone)).date()
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if years <= 14:
        return "-14"
    if years >= 80:
        return "80-"
    low = years - years % 5
    return f"{low}-{low + 4}"


def today_in(timezone: str) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(timezone)).date()


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def stored(member_id: int) -> dict[str, Any] | None:
    row = Member.objects.filter(id=member_id).values().first()
    return None if row is None else dict(row)


@pytest.fixture
def places() -> None:
    """Countries and the Nordic cities; a flush by a transactional test empties the table that migrations fill."""
    if Place.objects.filter(type="country").count() < 200:
        wanted = {"NO", "SE", "DK", "FI", "DE", "US"}
        Place.objects.bulk_create(
            [Place(**r) for r in place_rows() if r["type"] == "country" or r["country"] in wanted],
            ignore_conflicts=True,
        )


@pytest.fixture
def clubs(db: Any, places: None) -> dict[int, Community]:
    """235 Oslo (NO), 236 Stockholm (SE), with different time zones from UTC."""
    rows = [
        Community(id=235, slug="oslo-club", name="Oslo", country="NO", timezone="Europe/Oslo"),
        Community(id=236, slug="stockholm-club", name="Stockholm", country="SE", timezone="Europe/Stockholm"),
        Community(id=237, slug="auckland-club", name="Auckland", country="NZ", timezone="Pacific/Auckland"),
    ]
    Community.objects.bulk_create(rows)
    return {c.id: c for c in rows}


@pytest.fixture
def tx_clubs(transactional_db: Any, places: None) -> dict[int, Community]:
    """The same clubs, committed (for tests whose work crosses connections or processes)."""
    rows = [
        Community(id=235, slug="oslo-club", name="Oslo", country="NO", timezone="Europe/Oslo"),
        Community(id=236, slug="stockholm-club", name="Stockholm", country="SE", timezone="Europe/Stockholm"),
    ]
    Community.objects.bulk_create(rows)
    return {c.id: c for c in rows}
