"""Rollups stay exact through every writer, are visible to the very next query after a commit, are rebuilt by
``rebuild_rollups`` (which reports drift), and the answer names the table it came from."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from reporting.models import Community, Member
from tests.rollups.helpers import rollup_differences

INGEST = "/v1/reporting/ingest/members"


def member(member_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": member_id,
        "community_id": 235,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
        **changes,
    }


def exact() -> dict[str, int]:
    return dict.fromkeys(rollup_differences(), 0)


def channel_counts(api: Any) -> tuple[dict[Any, int], str]:
    status, body, response = api.query({"report": "members", "aggregate_by": "total_optin_channel_count"})
    assert status == 200, body
    return {row["optin_channel"]: row["members_count"] for row in body["records"]}, response["x-reporting-source"]


def test_committed_ingestion_is_in_the_very_next_query(transactional_db: Any, api: Any) -> None:
    members = [member(1, optin_channel="pos"), member(2, optin_channel="pos"), member(3)]
    status, body, _ = api.post(INGEST, {"members": members})
    assert status == 200, body
    assert channel_counts(api) == ({"pos": 2, None: 1}, "rollup:member_channels")
    changes = [
        member(1, optin_channel="web", updated_at="2024-02-01T00:00:00Z"),
        {"id": 3, "community_id": 235, "deleted": True, "updated_at": "2024-03-01T00:00:00Z"},
        member(4, community_id=236, optin_channel="web"),
    ]
    status, body, _ = api.post(INGEST, {"members": changes})
    assert status == 200, body
    assert channel_counts(api) == ({"pos": 1, "web": 2}, "rollup:member_channels")
    # a re-join: the deleted member comes back with a newer version
    status, body, _ = api.post(INGEST, {"members": [member(3, optin_channel="x", updated_at="2024-04-01T00:00:00Z")]})
    assert body["created"] == 1, body
    assert channel_counts(api)[0] == {"pos": 1, "web": 2, "x": 1}
    assert rollup_differences() == exact()


def test_import_members_keeps_rollups_exact(tmp_path: Path, communities: dict[int, Community], api: Any) -> None:
    lines = [member(i, gender=("woman", "man")[i % 2], consents={"sms_marketing": i % 3 == 0}) for i in range(1, 40)]
    lines += [{"id": 5, "community_id": 235, "deleted": True, "updated_at": "2024-05-01T00:00:00Z"}]
    source = tmp_path / "members.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    call_command("import_members", str(source), stdout=io.StringIO())
    assert rollup_differences() == exact()
    status, body, response = api.query({"report": "members", "aggregate_by": "total_consents_count"})
    assert status == 200, body
    assert response["x-reporting-source"] == "rollup:member_consents"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (consents->>'sms_marketing')::boolean, count(*) FROM reporting_member"
            " WHERE consents ? 'sms_marketing' GROUP BY 1"
        )
        truth = dict(cursor.fetchall())
    assert {row["consent_value"]: row["members_count"] for row in body["records"]} == truth


def test_deleting_a_community_empties_its_rows(insert_members: Callable[..., Any]) -> None:
    insert_members([{"id": 1, "gender": "man"}, {"id": 2, "community_id": 236}])
    Community.objects.filter(id=236).delete()
    assert rollup_differences() == exact()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_rollup_member_profile WHERE community_id = 236")
        assert cursor.fetchone()[0] == 0


def test_rebuild_reports_drift_and_fixes_it(insert_members: Callable[..., Any]) -> None:
    insert_members([{"id": i, "gender": ("man", "woman")[i % 2], "age": "20-24"} for i in range(1, 11)])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reporting_rollup_member_audience SET members_count = members_count + 3")
        cursor.execute("DELETE FROM reporting_rollup_member_channels")
        cursor.execute("INSERT INTO reporting_rollup_member_places (community_id, members_count) VALUES (236, 9)")
    assert rollup_differences()["audience"] == 4  # two groups, each wrong (counted once per side)
    out = io.StringIO()
    with pytest.raises(CommandError, match="drifted") as raised:
        call_command("rebuild_rollups", stdout=out)
    assert raised.value.returncode == 3
    report = out.getvalue()
    assert "member_audience: 2 row(s), 2 differed" in report
    assert "member_channels: 1 row(s), 1 differed" in report
    assert "member_places: 1 row(s), 1 differed" in report
    assert "member_profile: 2 row(s), 0 differed" in report
    assert rollup_differences() == exact()
    again = io.StringIO()
    call_command("rebuild_rollups", "--communities", "235", stdout=again)
    assert "differed" in again.getvalue()
    assert " 0 differed" in again.getvalue()
    assert Member.objects.count() == 10


FILTERED = [
    ("total_gender_count", None, "rollup:member_audience"),
    ("count", None, "rollup:member_channels"),
    ("optin_subchannel_count", {"type": "equal", "field": "optin_platform", "value": "ios"}, "rollup:member_channels"),
    ("gender_count", {"type": "equal", "field": "optin_channel", "value": "pos"}, "rollup:member_profile"),
    ("total_interests_count", None, "rollup:member_interests"),
    ("consents_count", {"type": "equal", "field": "consents.sms_marketing", "value": True}, "rollup:member_consents"),
    ("city_place_count", {"type": "equal", "field": "location_country", "value": "NO"}, "rollup:member_places"),
    # the dashboards' drill-downs by gender and reachability
    ("gender_count", {"type": "equal", "field": "city_place_id", "value": "1"}, "rollup:member_places_gender_reach"),
    (
        "total_interests_count",
        {"type": "equal", "field": "gender", "value": "man"},
        "rollup:member_interests_gender_reach",
    ),
    (
        "consents_count",
        {"type": "equal", "field": "marketing_via_email", "value": True},
        "rollup:member_consents_gender_reach",
    ),
    # not covered by one rollup: the member table, never a rollup that would ignore the filter
    ("city_place_count", {"type": "equal", "field": "age", "value": "25-29"}, "base"),
    ("consents_count", {"type": "equal", "field": "optin_platform", "value": "ios"}, "base"),
    ("gender_count", {"type": "greater_than", "field": "created_at", "value": "2024-01-01T00:00:00Z"}, "base"),
    ("gender_count", {"type": "equal", "field": "properties.interests", "value": "golf"}, "base"),
    ("consents_count", {"type": "equal", "field": "group_ids", "value": 1}, "base"),
    ("total_interests_count", {"type": "equal", "field": "optin_channel", "value": "pos"}, "base"),
]


@pytest.mark.parametrize(("aggregation", "node", "source"), FILTERED)
def test_header_names_the_table_that_answered(
    insert_members: Callable[..., Any], api: Any, aggregation: str, node: Any, source: str
) -> None:
    insert_members(
        [
            {"id": 1, "gender": "man", "city_place_id": "1", "group_ids": [1], "properties": {"interests": ["golf"]}},
            {"id": 2, "gender": "woman", "optin_channel": "pos", "consents": {"sms_marketing": True}},
        ]
    )
    body = {"report": "members", "aggregate_by": aggregation, "filter": node}
    status, payload, response = api.query(body)
    assert status == 200, payload
    assert response["x-reporting-source"] == source
    assert payload["records"] == api_rows_without_rollups(api, body)


def api_rows_without_rollups(api: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    with override_settings(REPORTING={**settings.REPORTING, "ROLLUPS": False}):
        status, payload, response = api.query(body)
    assert status == 200, payload
    assert response["x-reporting-source"] == "base"
    return payload["records"]


def test_field_metadata_reads_a_covering_rollup(insert_members: Callable[..., Any], api: Any) -> None:
    insert_members([{"id": 1, "gender": "man"}, {"id": 2, "gender": "man"}, {"id": 3}])
    status, body, response = api.post("/v1/reporting/field_metadata", {"report": "members", "field": "gender"})
    assert status == 200, body
    assert response["x-reporting-source"] == "rollup:member_audience"
    assert body["values"] == [{"value": "man", "members_count": 2}, {"value": None, "members_count": 1}]


def test_truncating_the_member_table_empties_the_rollups(
    transactional_db: Any, insert_members: Callable[..., Any]
) -> None:
    # committed first: PostgreSQL refuses TRUNCATE with the inserts' deferred foreign-key checks pending
    insert_members([{"id": 1, "gender": "man"}, {"id": 2, "community_id": 236}])
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reporting_member CASCADE")
        cursor.execute("SELECT count(*) FROM reporting_rollup_member_audience")
        assert cursor.fetchone()[0] == 0
    assert rollup_differences() == exact()
