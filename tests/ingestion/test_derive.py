"""Every derivation and validation rule of ingestion.md, on the pure function (no database)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from reporting.ingestion.derive import (
    PERSONAL_PROPERTY_KEYS,
    CommunityRef,
    MemberRow,
    Reference,
    derive,
    optin_platform,
)

UTC = dt.UTC
LATEST = dt.date(2026, 6, 15)
REF = Reference(
    communities={235: CommunityRef("NO", {}), 236: CommunityRef("SE", {"kiosk": "other", "android-beta": "website"})},
    country_codes=frozenset({"NO", "SE", "DK", "FI", "US", "GB"}),
    place_countries={"3143244": "NO", "2673730": "SE", "2618425": "DK"},
    latest_birth_date=LATEST,
)


def member(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 7,
        "community_id": 235,
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-02-03T04:05:06.123456Z",
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not ...}


def row(**changes: Any) -> MemberRow:
    result = derive(member(**changes), REF)
    assert isinstance(result, MemberRow), result
    return result


def rejected(obj: Any, ref: Reference = REF) -> dict[str, Any]:
    result = derive(obj, ref)
    assert isinstance(result, dict), result
    return result


def codes(details: dict[str, Any], *path: str) -> list[str]:
    node: Any = details
    for part in path:
        node = node[part]
    return [entry["error"] for entry in node]


# --- optin_platform -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "platform"),
    [
        ("android-app", "android"),
        ("My-ANDROID", "android"),
        ("ios-app", "ios"),
        ("IOS", "ios"),
        ("webforms", "webforms"),
        ("WebForms", "webforms"),
        ("webforms-2", "website"),  # contains web, is not exactly webforms
        ("website", "website"),
        ("partner-WEB", "website"),
        ("pos", "other"),
        ("", "other"),
        (None, "other"),
        ("android-ios-web", "android"),  # android is tested first
        ("ios-web", "ios"),
        ("kiosk", "ios"),  # the literal rule: "kiosk" contains "ios"
    ],
)
def test_optin_platform_default_rule(channel: str | None, platform: str) -> None:
    assert optin_platform(channel, {}) == platform
    assert row(optin_channel=channel).optin_platform == platform


def test_community_override_wins_and_is_case_insensitive() -> None:
    assert row(community_id=236, optin_channel="KIOSK").optin_platform == "other"
    assert row(community_id=236, optin_channel="Android-Beta").optin_platform == "website"
    assert row(community_id=236, optin_channel="android-app").optin_platform == "android"
    assert row(community_id=235, optin_channel="kiosk").optin_platform == "ios"


# --- gender, birth year group -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("properties", "gender"),
    [
        ({"gender": "woman"}, "woman"),
        ({"gender": "x"}, "x"),
        ({"gender": ""}, None),
        ({"gender": "   "}, None),
        ({"gender": 1}, None),
        ({"gender": None}, None),
        ({}, None),
    ],
)
def test_gender_from_properties(properties: dict[str, Any], gender: str | None) -> None:
    assert row(properties=properties).gender == gender


@pytest.mark.parametrize(
    ("birth_date", "group"),
    [("2000-01-01", 2000), ("2004-12-31", 2000), ("2005-01-01", 2005), ("1999-12-31", 1995), (None, None)],
)
def test_birth_year_group(birth_date: str | None, group: int | None) -> None:
    derived = row(birth_date=birth_date)
    assert derived.birth_year_group == group
    assert derived.birth_date == (None if birth_date is None else dt.date.fromisoformat(birth_date))


def test_birth_date_limits() -> None:
    assert row(birth_date=LATEST.isoformat()).birth_date == LATEST
    assert row(birth_date="1900-01-01").birth_year_group == 1900
    future = (LATEST + dt.timedelta(days=1)).isoformat()
    assert codes(rejected(member(birth_date=future)), "birth_date") == ["invalid_value"]
    assert codes(rejected(member(birth_date="1899-12-31")), "birth_date") == ["invalid_value"]
    for bad in ("2000-02-30", "2000-1-01", "20000101", "2000-01-01T00:00:00", "٢٠٠٠-01-01"):
        assert codes(rejected(member(birth_date=bad)), "birth_date") == ["invalid_value"], bad
    assert codes(rejected(member(birth_date=20000101)), "birth_date") == ["invalid_type"]


def test_default_latest_birth_date_is_today_somewhere() -> None:
    ref = Reference(communities={235: CommunityRef("NO")}, country_codes=frozenset(), place_countries={})
    earliest_today = (dt.datetime.now(UTC) - dt.timedelta(hours=12)).date()
    assert ref.latest_birth_date >= earliest_today
    assert ref.latest_birth_date <= earliest_today + dt.timedelta(days=2)


# --- marketing flags and push devices ---------------------------------------------------------------------------

SMS_OK = {"msisdn": "+4791234567", "sms_status": "verified", "consents": {"sms_marketing": True}}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"msisdn": None}, False),
        ({"msisdn": ""}, False),
        ({"msisdn": "+4712"}, True),  # present is enough; validity only matters for msisdn_country
        ({"sms_status": "enabled"}, False),
        ({"sms_status": "barred"}, False),
        ({"sms_status": None}, False),
        ({"consents": {"sms_marketing": False}}, False),
        ({"consents": {}}, False),
        ({"consents": {"sms_marketing": None}}, False),
        ({"consents": {"email_marketing": True}}, False),
    ],
)
def test_marketing_via_sms(changes: dict[str, Any], expected: bool) -> None:
    derived = row(**{**SMS_OK, **changes})
    assert derived.marketing_via_sms is expected
    assert derived.marketing_via_anything is expected


EMAIL_OK = {"email": "a@example.com", "email_status": "verified", "consents": {"email_marketing": True}}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"email_status": "enabled"}, True),
        ({"email_status": "disabled"}, False),
        ({"email_status": "complained"}, False),
        ({"email_status": "hard_bounced"}, False),
        ({"email_status": "unsubscribed"}, False),
        ({"email": None}, False),
        ({"email": "  "}, False),
        ({"consents": {"email_marketing": False}}, False),
        ({"consents": {"sms_marketing": True}}, False),
    ],
)
def test_marketing_via_email(changes: dict[str, Any], expected: bool) -> None:
    derived = row(**{**EMAIL_OK, **changes})
    assert derived.marketing_via_email is expected
    assert derived.marketing_via_anything is expected


@pytest.mark.parametrize(
    ("tokens", "status", "devices", "expected"),
    [
        (["t1"], "enabled", 1, True),
        (["t1", "t2"], "enabled", 2, True),
        (["t1"], "disabled", 1, False),
        ([], "enabled", 0, False),
        ([""], "enabled", 0, False),
        (None, "enabled", 0, False),
        (["t1", " "], None, 1, False),
    ],
)
def test_marketing_via_push_and_devices(tokens: Any, status: Any, devices: int, expected: bool) -> None:
    derived = row(push_tokens=tokens, push_status=status)
    assert derived.push_devices == devices
    assert derived.marketing_via_push is expected
    assert derived.marketing_via_anything is expected


def test_marketing_via_anything_is_any_of_three() -> None:
    both = row(**{**SMS_OK, **EMAIL_OK, "consents": {"sms_marketing": True, "email_marketing": True}})
    assert (both.marketing_via_sms, both.marketing_via_email, both.marketing_via_anything) == (True, True, True)
    none = row()
    assert (none.marketing_via_sms, none.marketing_via_email, none.marketing_via_push) == (False, False, False)
    assert none.marketing_via_anything is False


# --- countries ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msisdn", "country"),
    [
        ("+4791234567", "NO"),
        ("+46701234567", "SE"),
        ("+12015550123", "US"),
        ("+14165550123", "US"),  # a valid Canadian number: +1's main region
        ("+447911123456", "GB"),
        ("+4712", None),
        ("4791234567", None),
        ("+47 912 34 567", "NO"),
        ("+80012345678", None),  # non-geographic: no country
        ("not a number", None),
        (None, None),
    ],
)
def test_msisdn_country(msisdn: str | None, country: str | None) -> None:
    assert row(msisdn=msisdn).msisdn_country == country


@pytest.mark.parametrize(
    ("properties", "place_id", "community_id", "country"),
    [
        ({"country": "SE"}, "3143244", 235, "SE"),
        ({"country": "dk"}, None, 235, "DK"),
        ({"country": "XX"}, "2673730", 235, "SE"),
        ({"country": 47}, None, 236, "SE"),
        ({}, "2618425", 235, "DK"),
        ({}, "999999999", 235, "NO"),
        ({}, None, 236, "SE"),
        ({"country": "Norway"}, None, 236, "SE"),
    ],
)
def test_location_country(properties: dict[str, Any], place_id: Any, community_id: int, country: str) -> None:
    assert row(properties=properties, place_id=place_id, community_id=community_id).location_country == country


def test_place_ids_kept_and_numbers_become_text() -> None:
    derived = row(place_id=2673730, city_place_id="3143244")
    assert (derived.place_id, derived.city_place_id) == ("2673730", "3143244")
    assert derived.location_country == "SE"


# --- properties and consents --------------------------------------------------------------------------------------


def test_personal_keys_dropped_case_insensitively_at_every_depth() -> None:
    properties = {
        "First_Name": "Kari",
        "EMAIL": "kari@example.com",
        "bonus_points": 10,
        "gender": "woman",
        "contact": {"Phone": "+4791234567", "zip_code": "0150", "preferred": "sms"},
        "visits": [{"street": "Storgata 1", "city": "Oslo"}, "plain"],
        "interests": ["fashion"],
    }
    derived = row(properties=properties)
    assert derived.properties == {
        "bonus_points": 10,
        "gender": "woman",
        "contact": {"preferred": "sms"},
        "visits": [{"city": "Oslo"}, "plain"],
        "interests": ["fashion"],
    }
    assert properties["First_Name"] == "Kari"  # the input is not modified


@pytest.mark.parametrize("key", sorted(PERSONAL_PROPERTY_KEYS))
def test_every_listed_personal_key_is_dropped(key: str) -> None:
    assert row(properties={key: "x", key.upper(): "y", "kept": 1}).properties == {"kept": 1}


def test_extra_personal_keys_from_the_reference() -> None:
    ref = Reference(
        communities=REF.communities,
        country_codes=REF.country_codes,
        place_countries={},
        personal_keys=PERSONAL_PROPERTY_KEYS | {"loyalty_card"},
    )
    derived = derive(member(properties={"Loyalty_Card": "123", "nested": {"LOYALTY_CARD": 1}, "a": 1}), ref)
    assert isinstance(derived, MemberRow)
    assert derived.properties == {"nested": {}, "a": 1}


def test_consents_null_dropped_other_types_rejected() -> None:
    assert row(consents={"sms_marketing": True, "dmp_profiling": None, "x": False}).consents == {
        "sms_marketing": True,
        "x": False,
    }
    details = rejected(member(consents={"sms_marketing": "yes", "ok": True, "n": 1}))
    assert set(details["consents"]) == {"sms_marketing", "n"}
    assert codes(details, "consents", "sms_marketing") == ["invalid_type"]
    assert codes(rejected(member(consents=["sms_marketing"])), "consents") == ["invalid_type"]


def test_defaults() -> None:
    derived = row()
    assert (derived.sms_status, derived.email_status, derived.push_status) == ("disabled", "disabled", "disabled")
    assert (derived.subunit_ids, derived.group_ids, derived.favorite_stores) == ([], [], [])
    assert (derived.properties, derived.consents) == ({}, {})
    assert (derived.push_devices, derived.msisdn_country, derived.gender, derived.birth_date) == (0, None, None, None)
    assert derived.deleted is False
    explicit_nulls = row(sms_status=None, group_ids=None, properties=None, consents=None, push_tokens=None)
    assert explicit_nulls._replace(id=derived.id) == derived


# --- timestamps ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-04-09T13:34:29.439000Z", dt.datetime(2024, 4, 9, 13, 34, 29, 439000, tzinfo=UTC)),
        ("2024-04-09T13:34:29", dt.datetime(2024, 4, 9, 13, 34, 29, tzinfo=UTC)),
        ("2024-04-09", dt.datetime(2024, 4, 9, tzinfo=UTC)),
        ("2024-04-09T12:00:00+02:00", dt.datetime(2024, 4, 9, 10, tzinfo=UTC)),
        ("2024-04-09T00:30:00-06:00", dt.datetime(2024, 4, 9, 6, 30, tzinfo=UTC)),
    ],
)
def test_timestamps_normalised_to_utc(text: str, expected: dt.datetime) -> None:
    derived = row(created_at=text, updated_at=text, deleted_at=text)
    assert derived.created_at == expected
    assert derived.updated_at == expected
    assert derived.deleted_at == expected
    assert derived.updated_at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01", "0001-01-01T00:00:00+01:00", ""])
def test_bad_timestamps_rejected(bad: str) -> None:
    assert codes(rejected(member(updated_at=bad)), "updated_at") == ["invalid_value"]


# --- rejections ---------------------------------------------------------------------------------------------------


def test_required_keys() -> None:
    details = rejected({})
    assert {key: codes(details, key) for key in details} == {
        "id": ["required"],
        "community_id": ["required"],
        "updated_at": ["required"],
        "created_at": ["required"],
    }
    assert codes(rejected(member(created_at=...)), "created_at") == ["required"]
    assert codes(rejected(member(updated_at=None)), "updated_at") == ["required"]


def test_deletion_needs_no_created_at() -> None:
    derived = row(created_at=..., deleted=True, deleted_at="2024-03-01T00:00:00Z")
    assert derived.deleted is True
    assert derived.created_at is None
    assert derived.deleted_at == dt.datetime(2024, 3, 1, tzinfo=UTC)
    assert codes(rejected(member(deleted="yes")), "deleted") == ["invalid_type"]


@pytest.mark.parametrize(
    ("value", "code"),
    [("7", "invalid_type"), (True, "invalid_type"), (7.0, "invalid_type"), (0, "invalid_value"),
     (-1, "invalid_value"), (2**63, "invalid_value")],
)  # fmt: skip
def test_bad_ids(value: Any, code: str) -> None:
    assert codes(rejected(member(id=value)), "id") == [code]


def test_largest_id_accepted() -> None:
    assert row(id=2**63 - 1).id == 2**63 - 1


def test_community_rules() -> None:
    assert codes(rejected(member(community_id=999)), "community_id") == ["unknown"]
    assert codes(rejected(member(community_id="235")), "community_id") == ["invalid_type"]
    limited = Reference(
        communities=REF.communities,
        country_codes=REF.country_codes,
        place_countries={},
        allowed_community_ids=frozenset({235}),
    )
    assert isinstance(derive(member(community_id=235), limited), MemberRow)
    # Neither an inaccessible nor a missing community is told apart for a limited caller.
    assert codes(rejected(member(community_id=236), limited), "community_id") == ["not_allowed"]
    assert codes(rejected(member(community_id=999), limited), "community_id") == ["not_allowed"]


@pytest.mark.parametrize(
    ("changes", "path", "code"),
    [
        ({"sms_status": "pending"}, ("sms_status",), "invalid_value"),
        ({"email_status": "VERIFIED"}, ("email_status",), "invalid_value"),
        ({"push_status": 1}, ("push_status",), "invalid_type"),
        ({"optin_channel": 5}, ("optin_channel",), "invalid_type"),
        ({"msisdn": 4791234567}, ("msisdn",), "invalid_type"),
        ({"email": ["a@example.com"]}, ("email",), "invalid_type"),
        ({"push_tokens": "token"}, ("push_tokens",), "invalid_type"),
        ({"push_tokens": ["ok", 5]}, ("push_tokens", "1"), "invalid_type"),
        ({"group_ids": [1, "2"]}, ("group_ids", "1"), "invalid_type"),
        ({"group_ids": [1, True]}, ("group_ids", "1"), "invalid_type"),
        ({"subunit_ids": [2**63]}, ("subunit_ids", "0"), "invalid_value"),
        ({"favorite_stores": {"a": 1}}, ("favorite_stores",), "invalid_type"),
        ({"properties": [1]}, ("properties",), "invalid_type"),
        ({"place_id": ["1"]}, ("place_id",), "invalid_type"),
        ({"optin_channel": "a\x00b"}, ("optin_channel",), "invalid_value"),
        ({"properties": {"a": {"b": "x\x00"}}}, ("properties", "a", "b"), "invalid_value"),
        ({"properties": {"k\x00": 1}}, ("properties", "k\x00"), "invalid_value"),
        ({"consents": {"c\x00": True}}, ("consents", "c\x00"), "invalid_value"),
        ({"push_tokens": ["\x00"]}, ("push_tokens", "0"), "invalid_value"),
    ],
)
def test_wrong_types_and_values(changes: dict[str, Any], path: tuple[str, ...], code: str) -> None:
    assert codes(rejected(member(**changes)), *path) == [code]


@pytest.mark.parametrize("value", [None, 1, "x", [], [{"id": 1}], True])
def test_non_objects_rejected(value: Any) -> None:
    assert rejected(value) == {"non_field_errors": [{"error": "invalid_type", "options": {"expected": "object"}}]}


def test_several_errors_reported_together_without_values() -> None:
    details = rejected(
        member(msisdn=4791234567, email=12345, sms_status="secret-status", birth_date="1985-13-40", id="abc")
    )
    assert set(details) == {"msisdn", "email", "sms_status", "birth_date", "id"}
    text = json.dumps(details)
    for value in ("4791234567", "12345", "secret-status", "1985-13-40", "abc"):
        assert value not in text


def test_unknown_top_level_keys_are_ignored() -> None:
    derived = row(first_name="Kari", address="Storgata 1", zip="0150", anything={"x": 1})
    assert "Kari" not in repr(derived)
    assert "Storgata" not in repr(derived)
