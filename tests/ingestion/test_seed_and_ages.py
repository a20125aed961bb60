"""seed_demo (deterministic, through the ingestion path) and the daily age refresh."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from typing import Any

from django.core.management import call_command
from django.db import connection

from reporting.demo import DEMO_COMMUNITIES, demo_member_lines
from reporting.ingestion.service import ingest_members, refresh_ages
from reporting.models import Community, Member, MemberEvent, MemberTombstone
from tests.ingestion.conftest import age_bucket, stored, today_in, years_before

UNTIL = "2026-01-01"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def digest() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(m::text, '|' ORDER BY m.id)), count(*) FROM reporting_member AS m "
            "WHERE m.community_id IN (235, 236)"
        )
        members = cursor.fetchone()
        cursor.execute(
            "SELECT md5(string_agg(e::text, '|' ORDER BY e.member_id, e.type, e.occurred_at)) FROM ("
            " SELECT community_id, member_id, type, occurred_at, optin_channel, optin_subchannel, optin_platform,"
            " gender, age, consents FROM reporting_memberevent) AS e"
        )
        events = cursor.fetchone()[0]
    return f"{members}:{events}"


def test_seed_demo_is_deterministic(db: Any, places: None) -> None:
    output = seed("--members", "600", "--seed", "7", "--until", UNTIL, "--workers", "0")
    assert "Created community 235 oslo-city" in output
    assert "rejected 0" in output
    first = digest()
    again = seed("--members", "600", "--seed", "7", "--until", UNTIL, "--reset")
    assert "Kept community 235" in again
    assert "Reset: removed" in again
    assert digest() == first
    seed("--members", "600", "--seed", "8", "--until", UNTIL, "--reset")
    assert digest() != first
    assert list(Community.objects.filter(id__in=[235, 236]).values_list("slug", "country", "timezone")) == [
        ("oslo-city", "NO", "Europe/Oslo"),
        ("stockholm-city", "SE", "Europe/Stockholm"),
    ]


def test_seed_demo_if_empty(db: Any, places: None) -> None:
    seed("--members", "50", "--until", UNTIL)
    before = Member.objects.count()
    assert "nothing to do" in seed("--members", "50", "--seed", "9", "--if-empty")
    assert Member.objects.count() == before


def test_demo_data_is_realistic_and_goes_through_ingestion(db: Any, places: None) -> None:
    lines = [json.loads(text) for text in demo_member_lines(3000, seed=42, until=dt.date(2026, 1, 1))]
    joins = [m for m in lines if not m.get("deleted")]
    leaves = [m for m in lines if m.get("deleted")]
    assert len(joins) == 3000
    assert 0.05 < len(leaves) / len(joins) < 0.11
    shares = Counter(m["community_id"] for m in joins)
    assert 0.55 < shares[235] / 3000 < 0.65
    assert all(m["created_at"] < d["deleted_at"] for d in leaves for m in joins if m["id"] == d["id"])
    assert {m["optin_channel"] for m in joins} >= {"android-app", "ios-app", "webforms", "website", "pos", "kiosk"}
    assert None in {m["optin_channel"] for m in joins}
    seed("--members", "3000", "--until", "2026-01-01")
    assert Member.objects.count() + MemberTombstone.objects.count() == 3000
    ages = set(Member.objects.values_list("age", flat=True))
    assert ages >= {"-14", "15-19", "25-29", "35-39", "45-49", "60-64", "75-79", "80-", None}
    genders = Counter(Member.objects.values_list("gender", flat=True))
    assert set(genders) == {"woman", "man", "other", None}
    assert genders["woman"] > genders["man"] > genders[None] > genders["other"]
    # The demo clubs override "kiosk" (which the default rule would call ios).
    assert set(Member.objects.filter(optin_channel="kiosk").values_list("optin_platform", flat=True)) == {"other"}
    assert Member.objects.filter(msisdn_country="NO").count() > Member.objects.filter(msisdn_country="SE").count()
    assert Member.objects.exclude(location_country__in=["NO", "SE"]).exists()  # neighbouring countries
    assert MemberEvent.objects.filter(type="out").count() == MemberTombstone.objects.count()
    first_join = MemberEvent.objects.filter(type="in").order_by("occurred_at").first()
    assert first_join is not None
    assert first_join.occurred_at.date() >= dt.date(2024, 1, 1)
    assert [c.id for c in DEMO_COMMUNITIES] == [235, 236]


def test_refresh_ages_moves_a_birthday_to_the_next_bucket(db: Any, places: None) -> None:
    Community.objects.create(id=235, slug="oslo", name="Oslo", country="NO", timezone="Europe/Oslo")
    Community.objects.create(id=237, slug="akl", name="Auckland", country="NZ", timezone="Pacific/Auckland")
    today_oslo, today_akl = today_in("Europe/Oslo"), today_in("Pacific/Auckland")
    birthdays = {
        1: (235, years_before(today_oslo, 25)),  # 25 today: 20-24 yesterday, 25-29 now
        2: (235, years_before(today_oslo, 25) + dt.timedelta(days=1)),  # 25 tomorrow: still 20-24
        3: (237, years_before(today_akl, 80)),  # 80 today in Auckland
        4: (235, None),
    }
    base = {"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}
    members = [
        {"id": k, "community_id": c, "birth_date": b and b.isoformat(), **base} for k, (c, b) in birthdays.items()
    ]
    ingest_members(members)
    # As the daily task finds them: ages computed yesterday.
    Member.objects.filter(id=1).update(age="20-24")
    Member.objects.filter(id=3).update(age="75-79")
    Member.objects.filter(id=4).update(age="30-34")
    assert refresh_ages() == 3
    expected = {k: age_bucket(b, "Europe/Oslo" if c == 235 else "Pacific/Auckland") for k, (c, b) in birthdays.items()}
    assert expected == {1: "25-29", 2: "20-24", 3: "80-", 4: None}
    assert {k: stored(k)["age"] for k in birthdays} == expected  # type: ignore[index]
    assert refresh_ages() == 0
    out = io.StringIO()
    call_command("refresh_ages", stdout=out)
    assert out.getvalue().strip() == "age changed for 0 member(s)"
