"""The audit log: every security-relevant change is recorded, readable by admins, read-only, and impersonal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from reporting import permits
from reporting.audit import network_of, username_fingerprint
from reporting.models import ApiClient, AuditEvent


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def admin_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("audit-admin", password="a-long-test-password-5")


@pytest.fixture
def admin_client(admin_user: Any, client: Client) -> Client:
    client.force_login(admin_user)
    return client


def actions() -> list[tuple[str, str, str]]:
    return list(AuditEvent.objects.order_by("id").values_list("action", "actor", "target"))


def test_client_lifecycle_is_audited(communities: Any, admin_user: Any, admin_client: Client) -> None:
    token = run("create_api_client", "feed", "--communities", "235", "--permits", permits.QUERY).splitlines()[-1]
    client_id = ApiClient.objects.get(name="feed").id
    target = f"client:{client_id}"
    run("rotate_api_token", str(client_id))
    response = admin_client.post(
        f"/admin/reporting/apiclient/{client_id}/change/",
        {
            "name": "feed",
            "permits": f"{permits.QUERY},{permits.EXPORT}",
            "communities": ["235", "236"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    # Saving again unchanged records nothing.
    admin_client.post(
        f"/admin/reporting/apiclient/{client_id}/change/",
        {
            "name": "feed",
            "permits": f"{permits.QUERY},{permits.EXPORT}",
            "communities": ["235", "236"],
            "is_active": "on",
        },
    )
    run("revoke_api_client", str(client_id))
    assert actions() == [
        ("api_client.created", "command", target),
        ("api_client.token_rotated", "command", target),
        ("api_client.permits_changed", f"user:{admin_user.pk}", target),
        ("api_client.revoked", "command", target),
    ]
    changed = AuditEvent.objects.get(action="api_client.permits_changed").details
    assert changed == {
        "permits": {"from": [permits.QUERY], "to": sorted([permits.QUERY, permits.EXPORT])},
        "community_ids": {"from": [235], "to": [235, 236]},
    }
    rotated = AuditEvent.objects.get(action="api_client.token_rotated").details
    assert set(rotated) == {"old_prefix", "new_prefix"}
    every_value = str(list(AuditEvent.objects.values_list("actor", "target", "details", "network")))
    assert token not in every_value
    assert token[10:] not in every_value  # only the public prefix, never the secret part


def test_admins_read_the_log_but_nobody_edits_it(communities: Any, admin_client: Client) -> None:
    run("create_api_client", "feed", "--communities", "235", "--permits", permits.QUERY)
    event = AuditEvent.objects.get()
    listing = admin_client.get("/admin/reporting/auditevent/")
    assert listing.status_code == 200
    assert b"api_client.created" in listing.content
    assert admin_client.get(f"/admin/reporting/auditevent/{event.id}/change/").status_code == 200
    assert admin_client.get("/admin/reporting/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/reporting/auditevent/{event.id}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post(f"/admin/reporting/auditevent/{event.id}/change/", {"actor": "forged"})
    event.refresh_from_db()
    assert event.actor == "command"


def test_networks_not_addresses_and_keyed_username_hashes(settings: Any) -> None:
    assert network_of("203.0.113.77") == "203.0.113.0/24"
    assert network_of("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert network_of("not an address") is None
    fingerprint = username_fingerprint("Kari@Example.com")
    assert fingerprint == username_fingerprint(" kari@example.com ")
    assert "kari" not in fingerprint
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    assert username_fingerprint("kari@example.com") != fingerprint
