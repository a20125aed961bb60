"""Exports created and downloaded (API and dashboard) are written to the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from reporting.models import AuditEvent, CommunityAccess, Export

pytestmark = pytest.mark.django_db


def finish(export_id: str, exports_dir: Any) -> None:
    """Publish a file as a worker would (no worker runs here)."""
    now = timezone.now()
    (exports_dir / export_id).mkdir()
    (exports_dir / export_id / "f.csv").write_bytes(b"id\n")
    Export.objects.filter(id=export_id).update(
        status="succeeded", file_name=f"{export_id}/f.csv", file_size=3, finished_at=now,
        expires_at=now + dt.timedelta(days=1),
    )  # fmt: skip


def test_export_created_and_downloaded_through_the_api(api: Any, exports_dir: Any) -> None:
    status, body, _ = api.post("/v1/reporting/query/export", {"report": "members"})
    assert status == 202
    export = Export.objects.get(id=body["id"])
    assert api.get(f"/v1/reporting/exports/{body['id']}/download")[0] == 409  # not finished: no download event
    finish(body["id"], exports_dir)
    response = api.client.get(f"/v1/reporting/exports/{body['id']}/download", headers=api.headers())
    assert response.status_code == 200
    events = list(
        AuditEvent.objects.filter(action__startswith="export.")
        .order_by("id")
        .values_list("action", "actor", "target", "details")
    )
    assert events == [
        ("export.created", export.owner_key, f"export:{export.id}",
         {"kind": "query", "report": "members", "format": "csv", "community_ids": [235, 236]}),
        ("export.downloaded", export.owner_key, f"export:{export.id}", {"community_ids": [235, 236], "format": "csv"}),
    ]  # fmt: skip


def test_export_downloaded_from_the_dashboard(api: Any, exports_dir: Any, django_user_model: Any) -> None:
    export_id = api.post("/v1/reporting/query/export", {"report": "members"})[1]["id"]
    finish(export_id, exports_dir)
    admin = django_user_model.objects.create_user("club-admin", password="a-long-test-password-3")
    for club in (235, 236):
        CommunityAccess.objects.create(user=admin, community_id=club, role="admin")
    Export.objects.filter(id=export_id).update(owner_key=f"user:{admin.pk}")  # as if made on the Exports page
    browser = Client()
    browser.force_login(admin)
    response = browser.get(f"/exports/{export_id}/download")
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.filter(action="export.downloaded").get()
    assert (event.actor, event.target, event.network) == (f"user:{admin.pk}", f"export:{export_id}", "127.0.0.0/24")
