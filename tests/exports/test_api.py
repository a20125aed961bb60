"""The export endpoints' HTTP contract (reporting-api.md §8): permits, context, validation, idempotency, owner
isolation, 404/409/410 paths, listing. Rows created here without a worker stay pending (nothing consumes them)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from reporting import permits
from reporting.models import Export
from tests.exports.conftest import wait_for

pytestmark = pytest.mark.django_db

EXPORT = "/v1/reporting/query/export"
TENANTS = "/v1/reporting/tenants/query/export"
OBJECT_KEYS = {
    "id", "status", "kind", "report", "aggregate_by", "format", "community_ids", "rows_total", "rows_done",
    "progress", "size_bytes", "created_at", "started_at", "finished_at", "expires_at", "download_url", "error",
    "waiting_for_worker", "notice",
}  # fmt: skip


def test_created_export_object_and_location(api: Any) -> None:
    status, body, response = api.post(EXPORT, {"report": "members", "aggregate_by": "gender_count"})
    assert status == 202, body
    assert set(body) == OBJECT_KEYS
    assert body["status"] == "pending"
    assert (body["report"], body["aggregate_by"], body["format"], body["kind"]) == (
        "members", "gender_count", "csv", "query",
    )  # fmt: skip
    assert body["community_ids"] == [235, 236]
    assert (body["progress"], body["rows_done"], body["rows_total"], body["download_url"]) == (0.0, 0, None, None)
    assert body["created_at"].endswith("Z")
    assert dt.datetime.fromisoformat(body["created_at"]) <= timezone.now()
    assert response["Location"] == f"/v1/reporting/exports/{body['id']}"
    assert response["ratelimit-cost"] == "50"  # members costs 10; an export x 5
    export = Export.objects.get(id=body["id"])
    assert export.owner_key.startswith("client:")
    assert export.query == {"report": "members", "aggregate_by": "gender_count"}


def test_export_cost_counts_filter_nodes(api: Any) -> None:
    body = {
        "report": "members",
        "filter": {"type": "and", "operations": [
            {"type": "or", "operations": [{"type": "equal", "field": "gender", "value": "woman"}]},
            {"type": "equal", "field": "age", "value": "20-24"},
        ]},
    }  # fmt: skip
    status, _, response = api.post(EXPORT, body)
    assert status == 202
    assert response["ratelimit-cost"] == str((10 + 1 + 3) * 5)


@pytest.mark.parametrize(
    ("permit_list", "path", "missing"),
    [
        ([permits.QUERY, permits.report_permit("Members")], EXPORT, permits.EXPORT),
        ([permits.EXPORT], EXPORT, permits.report_permit("Members")),
        ([permits.EXPORT, permits.report_permit("Members")], TENANTS, permits.TENANTS_EXPORT),
        ([permits.TENANTS_EXPORT, permits.report_permit("MembersCount")], TENANTS, permits.report_permit("Members")),
    ],
)
def test_permits(api_for: Any, permit_list: list[str], path: str, missing: str) -> None:
    client = api_for(permit_list=permit_list)
    status, body, _ = client.post(path, {"report": "members"})
    assert (status, body) == (403, {"error": f"Missing permit {missing}"})
    assert not Export.objects.exists()


def test_list_status_download_delete_need_an_export_permit(api_for: Any) -> None:
    client = api_for(permit_list=[permits.QUERY, permits.report_permit("Members")])
    some = uuid.uuid4()
    for method, path in [("get", "/v1/reporting/exports"), ("get", f"/v1/reporting/exports/{some}"),
                         ("get", f"/v1/reporting/exports/{some}/download"), ("delete", f"/v1/reporting/exports/{some}")]:  # fmt: skip
        status, body, _ = getattr(client, method)(path)
        assert (status, body) == (403, {"error": f"Missing permit {permits.EXPORT}"})
    tenants_only = api_for(permit_list=[permits.TENANTS_EXPORT])
    assert tenants_only.get("/v1/reporting/exports")[0] == 200


def test_context_is_required_and_only_narrows(api_for: Any) -> None:
    assert api_for(customer=None).post(EXPORT, {"report": "members"})[0] == 470
    assert api_for(customer="240").post(EXPORT, {"report": "members"})[0] == 403
    assert api_for(customer="id=235_999").post(EXPORT, {"report": "members"})[0] == 403
    assert api_for(customer="nonsense==").post(EXPORT, {"report": "members"})[0] == 471
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"report": "members", "format": "pdf"}, ("format",)),
        ({"report": "members", "format": 3}, ("format",)),
        ({"report": "members", "limit": 10}, ("limit",)),
        ({"report": "members", "next_page_info": "abc"}, ("next_page_info",)),
        ({"report": "members", "aggregate_by": "nope"}, ("aggregate_by",)),
        ({"report": "members", "filter": {"type": "equal", "field": "community_id", "value": 1}}, ("filter",)),
        ({"report": "nope"}, ("report",)),
        ({}, ("report",)),
    ],
)
def test_invalid_bodies_are_422_with_details(api: Any, body: dict[str, Any], path: tuple[str, ...]) -> None:
    status, payload, _ = api.post(EXPORT, body)
    assert status == 422, payload
    assert payload["error"] == "Invalid parameters"
    assert path[0] in payload["details"]
    assert not Export.objects.exists()


def test_malformed_json_and_non_objects(api: Any) -> None:
    assert api.post(EXPORT, b"{not json")[0] == 400
    assert api.post(EXPORT, [1, 2])[0] == 422


def test_idempotency_key_returns_the_same_export(api: Any, api_for: Any) -> None:
    body = {"report": "members", "aggregate_by": "age_count", "format": "xlsx"}
    status, first, _ = api.post(EXPORT, body, **{"Idempotency-Key": "retry-1"})
    assert status == 202
    status, again, response = api.post(EXPORT, body, **{"Idempotency-Key": "retry-1"})
    assert status == 202
    assert again["id"] == first["id"]
    assert response["Idempotent-Replayed"] == "true"
    assert Export.objects.count() == 1

    status, error, _ = api.post(EXPORT, {**body, "format": "csv"}, **{"Idempotency-Key": "retry-1"})
    assert status == 422
    assert error["details"]["Idempotency-Key"][0]["error"] == "not_allowed"
    status, error, _ = api.post(EXPORT, body, **{"Idempotency-Key": "retry-1", "X-Customer": "235"})
    assert status == 422, "a different context is a different request"
    assert api.post(TENANTS, body, **{"Idempotency-Key": "retry-1"})[0] == 422

    other = api_for()
    status, theirs, _ = other.post(EXPORT, body, **{"Idempotency-Key": "retry-1"})
    assert status == 202
    assert theirs["id"] != first["id"], "keys are per client"
    assert api.post(EXPORT, body, **{"Idempotency-Key": "two"})[2]["Location"] != f"/v1/reporting/exports/{first['id']}"
    assert Export.objects.count() == 3
    assert api.post(EXPORT, body, **{"Idempotency-Key": " spaced "})[0] == 422
    assert api.post(EXPORT, body, **{"Idempotency-Key": "x" * 201})[0] == 422


def test_another_clients_export_is_404(api: Any, api_for: Any) -> None:
    export_id = api.post(EXPORT, {"report": "members"})[1]["id"]
    other = api_for()
    for method, path in [("get", f"/v1/reporting/exports/{export_id}"),
                         ("get", f"/v1/reporting/exports/{export_id}/download"),
                         ("delete", f"/v1/reporting/exports/{export_id}"),
                         ("get", f"/v1/reporting/exports/{uuid.uuid4()}")]:  # fmt: skip
        status, body, _ = getattr(other, method)(path)
        assert (status, body) == (404, {"error": "Export not found"})
    assert other.get("/v1/reporting/exports")[1]["exports"] == []
    assert Export.objects.get(id=export_id).status == Export.Status.PENDING
    assert api.get("/v1/reporting/exports/not-a-uuid")[0] == 404


def test_an_export_of_a_club_no_longer_granted_is_404(api_for: Any) -> None:
    from reporting.models import ApiClient

    client = api_for(customer="235_236")
    export_id = client.post(EXPORT, {"report": "members"})[1]["id"]
    assert client.get(f"/v1/reporting/exports/{export_id}")[0] == 200
    ApiClient.objects.get(token_prefix=client.token[:10]).communities.remove(236)
    client.customer = None  # X-Customer naming 236 would itself be refused (403) now
    for path in (f"/v1/reporting/exports/{export_id}", f"/v1/reporting/exports/{export_id}/download"):
        assert client.get(path)[0] == 404


def test_download_while_pending_is_409_with_retry_after(api: Any) -> None:
    export_id = api.post(EXPORT, {"report": "members"})[1]["id"]
    status, body, response = api.get(f"/v1/reporting/exports/{export_id}/download")
    assert status == 409
    assert body == {"error": "Export is not finished yet (status pending)"}
    assert response["Retry-After"] == "5"
    Export.objects.filter(id=export_id).update(
        status="running", rows_total=1000, rows_done=250, started_at=timezone.now() - dt.timedelta(seconds=10)
    )
    status, _, response = api.get(f"/v1/reporting/exports/{export_id}/download", HTTP_ACCEPT="text/csv")
    assert status == 409
    assert 25 <= int(response["Retry-After"]) <= 35  # 750 rows to go at 25 rows/s
    Export.objects.filter(id=export_id).update(status="failed", error="Export failed: boom")
    status, body, response = api.get(f"/v1/reporting/exports/{export_id}/download")
    assert (status, body) == (409, {"error": "Export failed; it will never be ready: Export failed: boom"})
    assert "Retry-After" not in response


def test_delete_cancels_pending_then_deletes(api: Any) -> None:
    export_id = api.post(EXPORT, {"report": "members"})[1]["id"]
    status, body, _ = api.delete(f"/v1/reporting/exports/{export_id}")
    assert (status, body["status"], body["error"]) == (200, "cancelled", "Cancelled")
    assert body["finished_at"] is not None
    assert api.delete(f"/v1/reporting/exports/{export_id}")[0] == 204
    assert api.get(f"/v1/reporting/exports/{export_id}")[0] == 404


def test_list_is_newest_first_and_paginated(api: Any, api_for: Any) -> None:
    ids = [api.post(EXPORT, {"report": "members", "aggregate_by": "count"})[1]["id"] for _ in range(7)]
    api_for().post(EXPORT, {"report": "members"})
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "?limit=3" + (f"&next_page_info={cursor}" if cursor else "")
        status, body, _ = api.get("/v1/reporting/exports" + query)
        assert status == 200, body
        assert len(body["exports"]) <= 3
        seen += [item["id"] for item in body["exports"]]
        pages += 1
        cursor = body["pagination"]["next_page_info"]
        if cursor is None:
            break
    assert pages == 3
    expected = list(Export.objects.filter(id__in=ids).order_by("-created_at", "-id").values_list("id", flat=True))
    assert seen == [str(export_id) for export_id in expected]
    assert api.get("/v1/reporting/exports?limit=0")[0] == 422
    assert api.get("/v1/reporting/exports?limit=abc")[0] == 422
    assert api.get("/v1/reporting/exports?next_page_info=forged")[1]["details"]["next_page_info"][0]["error"] == (
        "invalid_cursor"
    )
    first_page = api.get("/v1/reporting/exports?limit=1")[1]["pagination"]["next_page_info"]
    assert api_for().get(f"/v1/reporting/exports?next_page_info={first_page}")[0] == 422, "cursor bound to owner"


def test_expired_download_is_410(api: Any, exports_dir: Any) -> None:
    export_id = api.post(EXPORT, {"report": "members"})[1]["id"]
    now = timezone.now()
    (exports_dir / export_id).mkdir()
    (exports_dir / export_id / "f.csv").write_bytes(b"id\n")
    Export.objects.filter(id=export_id).update(
        status="succeeded",
        file_name=f"{export_id}/f.csv",
        file_size=3,
        finished_at=now,
        expires_at=now + dt.timedelta(days=1),
    )
    response = api.client.get(f"/v1/reporting/exports/{export_id}/download", headers=api.headers())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"id\n"
    assert api.get(f"/v1/reporting/exports/{export_id}")[1]["size_bytes"] == 3
    Export.objects.filter(id=export_id).update(expires_at=now - dt.timedelta(seconds=1))
    status, body, _ = api.get(f"/v1/reporting/exports/{export_id}/download")
    assert (status, body) == (410, {"error": "Export expired"})
    state = api.get(f"/v1/reporting/exports/{export_id}")[1]
    assert (state["status"], state["download_url"], state["size_bytes"]) == ("succeeded", None, None)


def test_dashboard_session_owns_its_exports(client: Any, communities: Any, django_user_model: Any) -> None:
    from reporting.models import CommunityAccess

    user = django_user_model.objects.create_user("ada", password="pw-123456789")
    CommunityAccess.objects.create(user=user, community_id=235, role="admin")
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(
        EXPORT, {"report": "members"}, content_type="application/json", headers={"X-Customer": "235"}
    )
    assert response.status_code == 403, "a session request needs the CSRF token"
    client.force_login(user)
    response = client.post(
        EXPORT, {"report": "members"}, content_type="application/json", headers={"X-Customer": "235"}
    )
    assert response.status_code == 202, response.content
    assert Export.objects.get().owner_key == f"user:{user.pk}"
    marketer = django_user_model.objects.create_user("bob", password="pw-123456789")
    CommunityAccess.objects.create(user=marketer, community_id=235, role="marketer")
    client.force_login(marketer)
    response = client.post(
        EXPORT, {"report": "members"}, content_type="application/json", headers={"X-Customer": "235"}
    )
    assert response.status_code == 403


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_idempotent_replay_after_completion(worker: Any, api: Any, insert_members: Any) -> None:
    insert_members([{"id": i, "community_id": 235} for i in range(1, 6)])
    body = {"report": "members", "aggregate_by": "count"}
    first = api.post(EXPORT, body, **{"Idempotency-Key": "k-1"})[1]
    assert wait_for(first["id"]).status == Export.Status.SUCCEEDED
    status, replay, _ = api.post(EXPORT, body, **{"Idempotency-Key": "k-1"})
    assert status == 202
    assert replay["id"] == first["id"]
    assert replay["status"] == "succeeded"
    assert replay["download_url"].endswith(f"/v1/reporting/exports/{first['id']}/download")
    response = api.client.get(replay["download_url"], headers=api.headers())
    assert b"".join(response.streaming_content) == b"community_id,members_count\n235,5\n236,0\n"
    assert Export.objects.count() == 1
