"""POST /v1/reporting/ingest/members (reporting-api.md §9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reporting import permits
from reporting.models import Community, Member

PATH = "/v1/reporting/ingest/members"


def op(member_id: int, community_id: int = 235, **changes: Any) -> dict[str, Any]:
    return {
        "id": member_id,
        "community_id": community_id,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
        **changes,
    }


def test_needs_the_ingest_permit(api_for: Callable[..., Any], communities: dict[int, Community]) -> None:
    client = api_for(customer=None, permit_list=[permits.QUERY, permits.report_permit("Members")])
    status, body, _ = client.post(PATH, {"members": [op(1)]})
    assert status == 403
    assert body == {"error": "Missing permit Reporting:Api:Ingest"}
    assert not Member.objects.exists()


def test_stores_members_and_answers_counts(api_for: Callable[..., Any], communities: dict[int, Community]) -> None:
    client = api_for(customer=None, permit_list=[permits.INGEST])
    status, body, _ = client.post(PATH, {"members": [op(1), op(2, optin_channel="ios-app")]})
    assert status == 200, body
    assert body == {"created": 2, "updated": 0, "deleted": 0, "rejected": []}
    status, body, _ = client.post(
        PATH, {"members": [op(2, updated_at="2024-02-01T00:00:00Z"), {"id": 1, "community_id": 235,
                                                                      "deleted": True, "updated_at": "2024-03-01"}]}
    )  # fmt: skip
    assert status == 200, body
    assert body == {"created": 0, "updated": 1, "deleted": 1, "rejected": []}
    assert list(Member.objects.values_list("id", "optin_channel")) == [(2, None)]


def test_inaccessible_community_rejected_others_stored(
    api_for: Callable[..., Any], communities: dict[int, Community]
) -> None:
    client = api_for(customer=None, permit_list=[permits.INGEST], community_ids=[235])
    members = [op(1), op(2, community_id=236), op(3, community_id=999_999), op(4, sms_status="bad"), op(5)]
    status, body, _ = client.post(PATH, {"members": members})
    assert status == 200, body
    assert body["created"] == 2
    assert body["rejected"] == [
        {"index": 1, "details": {"community_id": [{"error": "not_allowed", "options": {}}]}},
        {"index": 2, "details": {"community_id": [{"error": "not_allowed", "options": {}}]}},
        {
            "index": 3,
            "details": {
                "sms_status": [
                    {"error": "invalid_value", "options": {"values": ["disabled", "enabled", "verified", "barred"]}}
                ]
            },
        },
    ]
    assert sorted(Member.objects.values_list("id", flat=True)) == [1, 5]


def test_client_with_every_community_may_use_any(
    api_for: Callable[..., Any], communities: dict[int, Community]
) -> None:
    client = api_for(customer=None, permit_list=[permits.INGEST], community_ids=None)
    status, body, _ = client.post(PATH, {"members": [op(1, community_id=240), op(2, community_id=999_999)]})
    assert status == 200, body
    assert body["created"] == 1
    assert body["rejected"] == [{"index": 1, "details": {"community_id": [{"error": "unknown", "options": {}}]}}]


def test_more_than_ten_thousand_members(api_for: Callable[..., Any], communities: dict[int, Community]) -> None:
    client = api_for(customer=None, permit_list=[permits.INGEST])
    status, body, _ = client.post(PATH, {"members": [{}] * 10_001})
    assert status == 422
    assert body == {
        "error": "Invalid parameters",
        "details": {"members": [{"error": "too_many", "options": {"max_items": 10_000}}]},
    }
    status, body, _ = client.post(PATH, {"members": [op(n) for n in range(1, 10_001)]})
    assert status == 200
    assert body["created"] == 10_000
    assert Member.objects.count() == 10_000


def test_bad_bodies_are_4xx(api_for: Callable[..., Any], communities: dict[int, Community]) -> None:
    client = api_for(customer=None, permit_list=[permits.INGEST])
    assert client.post(PATH, {"members": "x"})[0] == 422
    assert client.post(PATH, {})[0] == 422
    assert client.post(PATH, {"members": [], "extra": 1})[0] == 422
    assert client.post(PATH, b"{not json")[0] == 400
    status, body, _ = client.post(PATH, {"members": [{"id": 1}, None, [], "x", 1.5]})
    assert status == 422  # not a member at all: the body's shape is wrong (the OpenAPI schema says objects)
    assert sorted(body["details"]["members"]) == ["1", "2", "3", "4"]
    assert body["details"]["members"]["1"] == [{"error": "invalid_type", "options": {"expected": "object"}}]
    assert Member.objects.count() == 0
    status, body, _ = client.post(PATH, {"members": [{"id": 1}, {}]})
    assert status == 200
    assert [r["index"] for r in body["rejected"]] == [0, 1]
