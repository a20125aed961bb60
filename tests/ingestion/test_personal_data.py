"""Personal data is used to derive fields and then dropped: a dump of the whole database holds none of it."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from reporting.models import Community, Member
from tests.conftest import subprocess_database_url

# The pgserver wheel's pg_dump (PostgreSQL 16 dumps a 15 server too); found without importing the package.
_SPEC = importlib.util.find_spec("pgserver")
assert _SPEC is not None
assert _SPEC.origin is not None
PG_DUMP = Path(_SPEC.origin).parent / "pginstall" / "bin" / "pg_dump"

# Distinctive values, so that a hit in the dump can only come from ingestion.
EMAILS = ["zebulon.quaxley@example.com", "QUIXOTE.VARNISH@example.org"]
PHONES = {"+4797531864": ["97531864", "975 31 864"], "+46730246813": ["0730246813", "073-024 68 13", "730246813"]}
NAMES = ["Zebulon", "Quaxley", "Quixotrova", "Varnishberg"]
TOKENS = ["pushtoken-7f3a9c1e5b", "pushtoken-2d8e4f6a0c"]
ADDRESSES = ["Zebulongata 42", "Quaxleyvagen 7B"]
ZIPS = ["ZQ-97531", "XQ-13579"]
KEPT = "bonus-marker-5e1f"  # a non-personal property: proves the dump does contain member data


def operational_lines() -> list[bytes]:
    (phone_a, phone_b) = PHONES
    members: list[dict[str, Any]] = [
        {
            "id": 501,
            "community_id": 235,
            "first_name": NAMES[0],
            "last_name": NAMES[1],
            "address": ADDRESSES[0],
            "zip_code": ZIPS[0],
            "msisdn": phone_a,
            "email": EMAILS[0],
            "sms_status": "verified",
            "push_status": "enabled",
            "push_tokens": TOKENS,
            "consents": {"sms_marketing": True},
            "properties": {
                "first_name": NAMES[0],
                "Full_Name": f"{NAMES[0]} {NAMES[1]}",
                "EMAIL": EMAILS[0],
                "phone": phone_a,
                "Street_Address": ADDRESSES[0],
                "postal_code": ZIPS[0],
                "household": {"Name": NAMES[2], "zip": ZIPS[1], "size": 3},
                "contacts": [{"msisdn": phone_b, "relation": "spouse"}],
                "campaign": KEPT,
            },
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-02T00:00:00Z",
        },
        {
            "id": 502,
            "community_id": 236,
            "name": NAMES[3],
            "street": ADDRESSES[1],
            "zip": ZIPS[1],
            "msisdn": phone_b,
            "email": EMAILS[1],
            "push_tokens": [TOKENS[1]],
            "properties": {"name": NAMES[3], "passport": "QX1234567"},
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-02T00:00:00Z",
        },
    ]
    bad = dict(members[0], id=503, sms_status="nonsense")  # rejected: its report must not echo it either
    return [json.dumps(m).encode() for m in (*members, bad)]


def secrets() -> list[str]:
    values = [*EMAILS, *NAMES, *TOKENS, *ADDRESSES, *ZIPS, "QX1234567"]
    for e164, national_forms in PHONES.items():
        values += [e164, e164[1:], *national_forms]
    return values + [value.lower() for value in values]


def dump_database() -> str:
    done = subprocess.run(
        [str(PG_DUMP), "--no-owner", "--dbname", subprocess_database_url()],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return done.stdout.decode()


def test_no_personal_data_anywhere_in_the_database(tmp_path: Path, tx_clubs: dict[int, Community]) -> None:
    before = dump_database()
    assert [value for value in secrets() if value in before] == []

    source = tmp_path / "members.jsonl"
    source.write_bytes(b"\n".join(operational_lines()) + b"\n")
    with pytest.raises(CommandError, match="1 line"):
        call_command("import_members", str(source), "--loaders", "2")
    assert sorted(Member.objects.values_list("id", "msisdn_country", "marketing_via_sms")) == [
        (501, "NO", True),
        (502, "SE", False),
    ]

    after = dump_database()
    assert KEPT in after
    assert "pushtoken" not in after
    assert [value for value in secrets() if value in after] == []
    report = (tmp_path / "members.jsonl.rejected.jsonl").read_text()
    assert json.loads(report)["line"] == 3
    assert [value for value in secrets() if value in report] == []


# Personal data hidden the ways real feeds hide it: variant key spellings and personal values under harmless keys.
VARIANT_SECRETS = {
    "firstName": "Ottoline",
    "lastName": "Brumbleworth",
    "surname": "Fennimore",
    "phoneNumber": "+4798765432",
    "e-mail": "ottoline.b@example.net",
    "email_address": "brumble@example.org",
    "mobile": "+46701112233",
    "birthDate": "1987-03-14",
    "zipCode": "N-4021",
    "Post Code": "SW1A 2AA",
}
SHAPED_SECRETS = ["fennimore.o@example.com", "+47 412 98 765", "4111 1111 1111 1111", "0733-445566"]


def adversarial_member(member_id: int, community_id: int) -> dict[str, Any]:
    return {
        "id": member_id,
        "community_id": community_id,
        "properties": {
            **VARIANT_SECRETS,
            "note": f"reach me at {SHAPED_SECRETS[0]}",
            "contact": {"preferred": SHAPED_SECRETS[1], "Given-Name": "Ottoline"},
            "cards": [SHAPED_SECRETS[2], {"backup": SHAPED_SECRETS[3]}],
            SHAPED_SECRETS[0]: True,
            "campaign": KEPT,
        },
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
    }


def test_variants_and_shaped_values_never_reach_the_database(
    tmp_path: Path, tx_clubs: dict[int, Community], client: Any
) -> None:
    secrets_ = [*VARIANT_SECRETS.values(), *SHAPED_SECRETS, "Ottoline"]
    # A value that is only in the dump if its digits survive in some form (the card, without separators).
    secrets_ += ["4111111111111111", "98765432", "701112233"]
    assert [value for value in secrets_ if value in dump_database()] == []

    source = tmp_path / "members.jsonl"
    source.write_bytes(json.dumps(adversarial_member(601, 235)).encode() + b"\n")
    call_command("import_members", str(source), "--workers", "0")

    from reporting import permits
    from reporting.services import api_client_create

    _, token = api_client_create(name="feed", permits=[permits.INGEST], community_ids=[236])
    response = client.post(
        "/v1/reporting/ingest/members",
        data=json.dumps({"members": [adversarial_member(602, 236)]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1

    stored = dict(Member.objects.values_list("id", "properties"))
    expected = {"contact": {}, "cards": [{}], "campaign": KEPT}
    assert stored == {601: expected, 602: expected}
    after = dump_database()
    assert KEPT in after
    assert [value for value in secrets_ if value in after] == []


def test_a_number_beyond_a_double_is_rejected_not_stored_as_null(
    tmp_path: Path, tx_clubs: dict[int, Community], client: Any
) -> None:
    line = (
        b'{"id": 700, "community_id": 235, "properties": {"points": 1e400}, '
        b'"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}'
    )
    source = tmp_path / "members.jsonl"
    source.write_bytes(line + b"\n")
    with pytest.raises(CommandError, match="1 line"):
        call_command("import_members", str(source), "--workers", "0")
    report = json.loads((tmp_path / "members.jsonl.rejected.jsonl").read_text())
    assert report["error"] == "invalid_value (number out of range)"

    from reporting import permits
    from reporting.services import api_client_create

    _, token = api_client_create(name="feed", permits=[permits.INGEST], community_ids=[235])
    response = client.post(
        "/v1/reporting/ingest/members",
        data=b'{"members": [' + line + b"]}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["rejected"] == [
        {
            "index": 0,
            "details": {
                "properties": {"points": [{"error": "invalid_value", "options": {"reason": "number out of range"}}]}
            },
        }
    ]
    assert not Member.objects.exists()
