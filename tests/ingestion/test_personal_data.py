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
