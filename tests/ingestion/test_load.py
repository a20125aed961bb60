"""Loading through PostgreSQL: upsert, last write wins, deletions, tombstones, re-joins, events and counts."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.db import connection

from reporting.ingestion.service import ingest_members
from reporting.models import Community, Member, MemberEvent, MemberTombstone
from tests.ingestion.conftest import age_bucket, stored, today_in, years_before

UTC = dt.UTC
T1 = "2024-01-01T10:00:00Z"
T2 = "2024-02-01T10:00:00Z"
T3 = "2024-03-01T10:00:00Z"


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def op(member_id: int = 1, **changes: Any) -> dict[str, Any]:
    base = {"id": member_id, "community_id": 235, "created_at": "2023-06-01T08:00:00Z", "updated_at": T1}
    return {**base, **changes}


def gone(member_id: int, updated_at: str, deleted_at: str | None = None, community_id: int = 235) -> dict[str, Any]:
    deletion: dict[str, Any] = {
        "id": member_id,
        "community_id": community_id,
        "deleted": True,
        "updated_at": updated_at,
    }
    if deleted_at:
        deletion["deleted_at"] = deleted_at
    return deletion


def counts(result: Any) -> tuple[int, int, int, int, int]:
    return result.created, result.updated, result.deleted, result.unchanged, len(result.rejected)


def table_digest() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT md5(string_agg(m::text, '|' ORDER BY m.id)) FROM reporting_member AS m")
        members = cursor.fetchone()[0]
        cursor.execute(
            "SELECT md5(string_agg(e::text, '|' ORDER BY e.member_id, e.type, e.occurred_at)) "
            "FROM (SELECT member_id, type, occurred_at, optin_platform, age, consents FROM reporting_memberevent) e"
        )
        events = cursor.fetchone()[0]
    return hashlib.sha256(f"{members}:{events}".encode()).hexdigest()


def events(member_id: int) -> list[dict[str, Any]]:
    return [dict(e) for e in MemberEvent.objects.filter(member_id=member_id).order_by("occurred_at", "type").values()]


FULL = {
    "id": 4066131,
    "community_id": 235,
    "optin_channel": "webforms",
    "optin_subchannel": "store-7",
    "msisdn": "+4791234567",
    "email": "kari@example.com",
    "sms_status": "verified",
    "email_status": "verified",
    "push_status": "enabled",
    "push_tokens": ["tok-a"],
    "birth_date": "2000-05-17",
    "properties": {"gender": "woman", "interests": ["food"], "bonus_points": 0, "first_name": "Kari", "country": "se"},
    "consents": {"sms_marketing": True, "email_marketing": False, "cookie_tracking": None},
    "subunit_ids": [5],
    "group_ids": [32454, 32463],
    "favorite_stores": [],
    "place_id": "3143244",
    "city_place_id": "3143244",
    "created_at": "2017-06-19T09:56:22.527Z",
    "updated_at": "2024-04-09T15:34:29.439+02:00",
}


def test_a_member_is_stored_as_its_analytical_record(clubs: dict[int, Community]) -> None:
    result = ingest_members([FULL])
    assert counts(result) == (1, 0, 0, 0, 0)
    row = stored(4066131)
    assert row == {
        "id": 4066131,
        "community_id": 235,
        "optin_channel": "webforms",
        "optin_subchannel": "store-7",
        "optin_platform": "webforms",
        "gender": "woman",
        "age": age_bucket(dt.date(2000, 5, 17), "Europe/Oslo"),
        "birth_year_group": 2000,
        "birth_date": dt.date(2000, 5, 17),
        "subunit_ids": [5],
        "group_ids": [32454, 32463],
        "favorite_stores": [],
        "properties": {"gender": "woman", "interests": ["food"], "bonus_points": 0, "country": "se"},
        "consents": {"sms_marketing": True, "email_marketing": False},
        "marketing_via_sms": True,
        "marketing_via_email": False,
        "marketing_via_push": True,
        "marketing_via_anything": True,
        "sms_status": "verified",
        "email_status": "verified",
        "push_status": "enabled",
        "push_devices": 1,
        "msisdn_country": "NO",
        "location_country": "SE",
        "city_place_id": "3143244",
        "place_id": "3143244",
        "created_at": dt.datetime(2017, 6, 19, 9, 56, 22, 527000, tzinfo=UTC),
        "updated_at": dt.datetime(2024, 4, 9, 13, 34, 29, 439000, tzinfo=UTC),
    }


def test_text_survives_copy_escaping(clubs: dict[int, Community]) -> None:
    channel = "tab\there\nnew line\\back\rslash é 😀 \\N"
    properties = {"quote": 'say "hi"', "back": "C:\\temp\\new", "ctl": "a\u0001b", "nested": {"k": ["\t", "\\"]}}
    ingest_members([op(optin_channel=channel, optin_subchannel="\\.", properties=properties)])
    row = stored(1)
    assert row is not None
    assert row["optin_channel"] == channel
    assert row["optin_subchannel"] == "\\."
    assert row["properties"] == properties


@pytest.mark.parametrize(
    ("years", "days", "timezone"),
    [(15, 0, "Europe/Oslo"), (15, -1, "Europe/Oslo"), (14, 0, "Europe/Oslo"), (80, 0, "Europe/Stockholm"),
     (79, 300, "Europe/Stockholm"), (35, 0, "Pacific/Auckland"), (34, -1, "Pacific/Auckland"), (0, 0, "Europe/Oslo")],
)  # fmt: skip
def test_age_is_computed_in_the_communitys_time_zone(
    clubs: dict[int, Community], years: int, days: int, timezone: str
) -> None:
    community = {"Europe/Oslo": 235, "Europe/Stockholm": 236, "Pacific/Auckland": 237}[timezone]
    birth = years_before(today_in(timezone), years) - dt.timedelta(days=days)
    ingest_members([op(community_id=community, birth_date=birth.isoformat())])
    row = stored(1)
    assert row is not None
    assert row["age"] == age_bucket(birth, timezone)


def test_reimport_is_a_no_op(clubs: dict[int, Community]) -> None:
    members = [op(n, birth_date="1990-01-01", properties={"n": n}) for n in range(1, 21)]
    members.append(gone(50, T1, "2024-01-01T00:00:00Z"))
    assert counts(ingest_members(members)) == (20, 0, 0, 1, 0)
    before = table_digest()
    assert counts(ingest_members(members)) == (0, 0, 0, 21, 0)
    assert table_digest() == before
    assert MemberEvent.objects.count() == 20


def test_last_write_wins_both_ways(clubs: dict[int, Community]) -> None:
    ingest_members([op(optin_channel="v1", updated_at=T1)])
    assert counts(ingest_members([op(optin_channel="v2", updated_at=T2)])) == (0, 1, 0, 0, 0)
    assert stored(1)["optin_channel"] == "v2"  # type: ignore[index]
    assert counts(ingest_members([op(optin_channel="late", updated_at=T1)])) == (0, 0, 0, 1, 0)
    assert stored(1)["optin_channel"] == "v2"  # type: ignore[index]
    # Equal updated_at: the stored version stays.
    assert counts(ingest_members([op(optin_channel="same-time", updated_at=T2)])) == (0, 0, 0, 1, 0)
    assert stored(1)["optin_channel"] == "v2"  # type: ignore[index]
    assert stored(1)["updated_at"] == ts(T2)  # type: ignore[index]


def test_versions_in_one_batch_apply_newest_last(clubs: dict[int, Community]) -> None:
    result = ingest_members(
        [op(optin_channel="v2", updated_at=T2), op(optin_channel="v3", updated_at=T3), op(optin_channel="v1")]
    )
    assert counts(result) == (1, 2, 0, 0, 0)  # v1 created, then v2 and v3 applied in order
    assert stored(1)["optin_channel"] == "v3"  # type: ignore[index]
    assert [e["type"] for e in events(1)] == ["in"]
    same_time = ingest_members([op(2, optin_channel="first"), op(2, optin_channel="second")])
    assert counts(same_time) == (1, 0, 0, 1, 0)
    assert stored(2)["optin_channel"] == "first"  # type: ignore[index]


def test_deletion_tombstone_and_rejoin(clubs: dict[int, Community]) -> None:
    ingest_members([op(properties={"gender": "man"}, consents={"sms_marketing": True}, optin_channel="ios-app")])
    ingest_members(
        [op(properties={"gender": "woman"}, consents={"sms_marketing": False}, optin_channel="ios-app", updated_at=T2)]
    )
    result = ingest_members([gone(1, T2, "2024-02-10T00:00:00Z")])  # equal updated_at: deletion wins
    assert counts(result) == (0, 0, 1, 0, 0)
    assert stored(1) is None
    tombstone = MemberTombstone.objects.get(member_id=1)
    assert (tombstone.updated_at, tombstone.deleted_at) == (ts(T2), ts("2024-02-10T00:00:00Z"))
    out = events(1)[-1]
    assert (out["type"], out["occurred_at"], out["gender"], out["consents"]) == (
        "out", ts("2024-02-10T00:00:00Z"), "woman", {"sms_marketing": False},
    )  # fmt: skip
    assert (out["optin_channel"], out["optin_platform"], out["community_id"]) == ("ios-app", "ios", 235)

    # A late, older update cannot resurrect the member; repeating the deletion changes nothing.
    assert counts(ingest_members([op(updated_at="2024-01-15T00:00:00Z")])) == (0, 0, 0, 1, 0)
    assert counts(ingest_members([gone(1, T2, "2024-02-10T00:00:00Z")])) == (0, 0, 0, 1, 0)
    assert stored(1) is None
    assert len(events(1)) == 2

    # A newer record is a re-join: the member is back, the tombstone gone, a new `in` recorded.
    rejoin = ingest_members([op(created_at="2024-02-20T00:00:00Z", updated_at=T3)])
    assert counts(rejoin) == (1, 0, 0, 0, 0)
    assert stored(1) is not None
    assert not MemberTombstone.objects.filter(member_id=1).exists()
    assert [(e["type"], e["occurred_at"]) for e in events(1)] == [
        ("in", ts("2023-06-01T08:00:00Z")),
        ("out", ts("2024-02-10T00:00:00Z")),
        ("in", ts("2024-02-20T00:00:00Z")),
    ]


def test_rejoin_with_the_old_created_at_joins_when_it_came_back(clubs: dict[int, Community]) -> None:
    ingest_members([op()])
    ingest_members([gone(1, T2, "2024-02-01T12:00:00Z")])
    ingest_members([op(updated_at=T3)])  # same created_at as the first join
    assert [(e["type"], e["occurred_at"]) for e in events(1)] == [
        ("in", ts("2023-06-01T08:00:00Z")),
        ("out", ts("2024-02-01T12:00:00Z")),
        ("in", ts(T3)),
    ]


def test_join_and_leave_in_one_batch_are_both_events(clubs: dict[int, Community]) -> None:
    result = ingest_members([gone(1, T2, "2024-01-20T00:00:00Z"), op(properties={"gender": "x"})])
    assert counts(result) == (1, 0, 1, 0, 0)
    assert stored(1) is None
    assert [(e["type"], e["gender"]) for e in events(1)] == [("in", "x"), ("out", "x")]


def test_deleting_an_unknown_member_blocks_older_records(clubs: dict[int, Community]) -> None:
    assert counts(ingest_members([gone(9, T2)])) == (0, 0, 0, 1, 0)
    assert MemberTombstone.objects.filter(member_id=9).exists()
    assert counts(ingest_members([op(9, updated_at=T1)])) == (0, 0, 0, 1, 0)
    assert counts(ingest_members([op(9, updated_at=T3)])) == (1, 0, 0, 0, 0)
    assert [e["type"] for e in events(9)] == ["in"]


def test_older_deletion_is_ignored(clubs: dict[int, Community]) -> None:
    ingest_members([op(updated_at=T2)])
    assert counts(ingest_members([gone(1, T1)])) == (0, 0, 0, 1, 0)
    assert stored(1) is not None
    assert not MemberTombstone.objects.filter(member_id=1).exists()


def test_default_deleted_at_is_now(clubs: dict[int, Community]) -> None:
    ingest_members([op()])
    ingest_members([gone(1, T2)])
    out = events(1)[-1]
    assert out["type"] == "out"
    assert abs(out["occurred_at"] - dt.datetime.now(UTC)) < dt.timedelta(minutes=10)


def test_events_carry_the_members_attributes(clubs: dict[int, Community]) -> None:
    birth = years_before(today_in("Europe/Stockholm"), 31)
    ingest_members(
        [op(7, community_id=236, optin_channel="Android-App", optin_subchannel="store-1",
            properties={"gender": "other"}, birth_date=birth.isoformat(), consents={"dmp_profiling": True})]
    )  # fmt: skip
    (joined,) = events(7)
    assert {k: joined[k] for k in ("community_id", "type", "occurred_at", "optin_channel", "optin_subchannel")} == {
        "community_id": 236,
        "type": "in",
        "occurred_at": ts("2023-06-01T08:00:00Z"),
        "optin_channel": "Android-App",
        "optin_subchannel": "store-1",
    }
    assert (joined["optin_platform"], joined["gender"], joined["age"]) == ("android", "other", "30-34")
    assert joined["consents"] == {"dmp_profiling": True}


def test_another_communitys_member_is_rejected(clubs: dict[int, Community]) -> None:
    ingest_members([op(1, optin_channel="mine", updated_at=T1)])
    result = ingest_members([op(2), op(1, community_id=236, updated_at=T2), gone(1, T3, community_id=236)])
    assert counts(result) == (1, 0, 0, 0, 2)
    assert [(r.index, r.id, r.details) for r in result.rejected] == [
        (1, 1, {"community_id": [{"error": "not_allowed", "options": {}}]}),
        (2, 1, {"community_id": [{"error": "not_allowed", "options": {}}]}),
    ]
    row = stored(1)
    assert row is not None
    assert (row["community_id"], row["optin_channel"]) == (235, "mine")
    assert not MemberTombstone.objects.filter(member_id=1).exists()


def test_bad_members_rejected_others_stored(clubs: dict[int, Community]) -> None:
    members: list[Any] = [op(1), {"id": 2}, "text", op(3, sms_status="nope"), op(4, community_id=999), op(5)]
    result = ingest_members(members, allowed_community_ids=None)
    assert counts(result) == (2, 0, 0, 0, 4)
    assert [(r.index, r.id) for r in result.rejected] == [(1, 2), (2, None), (3, 3), (4, 4)]
    assert sorted(Member.objects.values_list("id", flat=True)) == [1, 5]


def test_allowed_communities(clubs: dict[int, Community]) -> None:
    result = ingest_members([op(1), op(2, community_id=236), op(3, community_id=999)], allowed_community_ids={235})
    assert counts(result) == (1, 0, 0, 0, 2)
    assert [r.details for r in result.rejected] == [{"community_id": [{"error": "not_allowed", "options": {}}]}] * 2
    assert list(Member.objects.values_list("id", flat=True)) == [1]


def test_empty_input(clubs: dict[int, Community]) -> None:
    assert counts(ingest_members([])) == (0, 0, 0, 0, 0)
