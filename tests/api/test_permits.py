"""Permits of reporting-api.md §3: each endpoint's, the report's, and metadata listing only what one holds."""

from __future__ import annotations

import pytest

from reporting import permits

MEMBERS = permits.report_permit("Members")
COUNT = permits.report_permit("MembersCount")


@pytest.mark.parametrize(
    ("granted", "path", "body", "missing"),
    [
        ([MEMBERS], "/v1/reporting/query", {"report": "members"}, permits.QUERY),
        ([permits.QUERY], "/v1/reporting/query", {"report": "members"}, MEMBERS),
        ([permits.QUERY, MEMBERS], "/v1/reporting/query", {"report": "members_count"}, COUNT),
        ([MEMBERS], "/v1/reporting/metadata", {}, permits.QUERY),
        ([permits.QUERY], "/v1/reporting/field_metadata", {"report": "members", "field": "gender"}, MEMBERS),
        ([permits.QUERY, MEMBERS], "/v1/reporting/ingest/members", {"members": []}, permits.INGEST),
    ],
)
def test_missing_permit_is_403_naming_it(api_for, granted, path, body, missing):
    status, payload, _ = api_for(permit_list=granted).post(path, body)
    assert (status, payload) == (403, {"error": f"Missing permit {missing}"})


def test_report_permit_is_enough_with_query_permit(api_for, insert_members):
    insert_members([{"id": 1}])
    status, body, _ = api_for(permit_list=[permits.QUERY, COUNT], customer="235").query({"report": "members_count"})
    assert status == 200
    assert body["records"][0]["members_count"] == 1


def test_metadata_lists_only_permitted_reports(api_for):
    client = api_for(permit_list=[permits.QUERY, COUNT])
    status, body, _ = client.post("/v1/reporting/metadata", {})
    assert status == 200
    assert [r["report"] for r in body["reports"]] == ["members_count"]
    status, body, _ = client.post("/v1/reporting/metadata", {"report": "members"})
    assert status == 422
    assert body["details"]["report"][0] == {"error": "invalid_value", "options": {"allowed": ["members_count"]}}
