"""Django admin saves segments through the API's filter parser and writes the audit log."""

from __future__ import annotations

import json

import pytest

from reporting.models import AuditEvent, Segment

pytestmark = pytest.mark.django_db


def test_admin_refuses_an_invalid_tree_and_records_a_valid_one(client, communities, django_user_model):
    staff = django_user_model.objects.create_superuser("root", password="a-long-test-password-42")
    client.force_login(staff)
    form = {"community": 235, "report": "members", "name": "Adults"}
    bad = client.post("/admin/reporting/segment/add/",
                      {**form, "filter": json.dumps({"type": "equal", "field": "community_id", "value": 235})})  # fmt: skip
    assert bad.status_code == 200
    assert "Not a valid filter of report members" in bad.content.decode()
    assert not Segment.objects.exists()
    good = client.post("/admin/reporting/segment/add/",
                       {**form, "filter": json.dumps({"type": "equal", "field": "age", "value": "30-34"})})  # fmt: skip
    assert good.status_code == 302
    segment = Segment.objects.get()
    assert segment.created_by == staff
    event = AuditEvent.objects.get(action="segment.created")
    assert (event.actor, event.target) == (f"user:{staff.pk}", f"segment:{segment.id}")


def test_admin_edits_are_audited_as_updates(client, communities, django_user_model):
    staff = django_user_model.objects.create_superuser("root", password="a-long-test-password-42")
    client.force_login(staff)
    segment = Segment.objects.create(community_id=235, name="Adults",
                                     filter={"type": "equal", "field": "age", "value": "30-34"})  # fmt: skip
    form = {"community": 235, "report": "members", "name": "Thirties",
            "filter": json.dumps({"type": "equal", "field": "age", "value": "30-34"})}  # fmt: skip
    assert client.post(f"/admin/reporting/segment/{segment.id}/change/", form).status_code == 302
    segment.refresh_from_db()
    assert segment.name == "Thirties"
    event = AuditEvent.objects.get(action="segment.updated")
    assert (event.actor, event.target) == (f"user:{staff.pk}", f"segment:{segment.id}")
    assert not AuditEvent.objects.filter(action="segment.created").exists()
