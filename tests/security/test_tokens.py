"""Token rotation and revocation: by command and in Django admin; a revoked or replaced token is refused at once."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from reporting import permits
from reporting.models import ApiClient, AuditEvent
from reporting.services import api_client_create
from tests.conftest import subprocess_database_url

ROOT = Path(__file__).resolve().parents[2]
METADATA = "/v1/reporting/metadata"


def call(client: Client, token: str) -> int:
    return request(client, token).status_code


def request(client: Client, token: str) -> Any:
    return client.post(
        METADATA,
        data={"report": "members"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "X-Customer": "235"},
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def feed(communities: Any) -> tuple[ApiClient, str]:
    return api_client_create(name="feed", permits=list(permits.ALL), community_ids=[235])


def test_revoked_by_another_process_is_refused_on_the_next_request(
    transactional_db: Any, communities: Any, client: Client
) -> None:
    api_client, token = api_client_create(name="to-revoke", permits=list(permits.ALL), community_ids=[235])
    assert call(client, token) == 200  # this process has just authenticated the token
    done = subprocess.run(
        [sys.executable, "manage.py", "revoke_api_client", str(api_client.id)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": subprocess_database_url()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"Revoked API client {api_client.id}" in done.stdout
    response = request(client, token)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid token"}


def test_rotate_by_name_replaces_the_token(feed: tuple[ApiClient, str], client: Client) -> None:
    api_client, old = feed
    assert call(client, old) == 200
    output = run("rotate_api_token", "feed").splitlines()
    new = output[-1]
    assert new.startswith("ci_")
    assert new != old
    assert call(client, old) == 401
    assert call(client, new) == 200
    api_client.refresh_from_db()
    assert api_client.token_prefix == new[:10]
    assert api_client.token_rotated_at is not None


def test_revoke_is_final(feed: tuple[ApiClient, str], client: Client) -> None:
    api_client, token = feed
    assert "Revoked" in run("revoke_api_client", "feed")
    assert call(client, token) == 401
    assert "already revoked" in run("revoke_api_client", str(api_client.id))
    with pytest.raises(CommandError, match="revoked"):
        run("rotate_api_token", str(api_client.id))
    ApiClient.objects.filter(id=api_client.id).update(is_active=True)  # even re-activated by hand
    assert call(client, token) == 401


def test_unknown_and_ambiguous_names(feed: tuple[ApiClient, str]) -> None:
    with pytest.raises(CommandError, match="no API client"):
        run("rotate_api_token", "nobody")
    api_client_create(name="feed", permits=[], community_ids=[235])
    with pytest.raises(CommandError, match="several API clients"):
        run("revoke_api_client", "feed")


@pytest.fixture
def admin_client(django_user_model: Any, client: Client) -> Client:
    admin = django_user_model.objects.create_superuser("root-admin", password="a-long-test-password-9")
    client.force_login(admin)
    return client


def test_admin_rotate_action_shows_the_new_token_once(feed: tuple[ApiClient, str], admin_client: Client) -> None:
    api_client, old = feed
    response = admin_client.post(
        "/admin/reporting/apiclient/",
        {"action": "rotate_token", "_selected_action": [str(api_client.id)]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    api_client.refresh_from_db()
    page = response.content.decode()
    start = page.index('<code class="new-token">') + len('<code class="new-token">')
    new = page[start : page.index("</code>", start)]
    assert new.startswith(api_client.token_prefix)
    api = Client()
    assert call(api, old) == 401
    assert call(api, new) == 200
    assert new not in admin_client.get(f"/admin/reporting/apiclient/{api_client.id}/change/").content.decode()


def test_admin_revoke_action(feed: tuple[ApiClient, str], admin_client: Client) -> None:
    api_client, token = feed
    response = admin_client.post(
        "/admin/reporting/apiclient/", {"action": "revoke", "_selected_action": [str(api_client.id)]}
    )
    assert response.status_code == 302
    assert call(Client(), token) == 401
    assert list(AuditEvent.objects.filter(action="api_client.revoked").values_list("target", flat=True)) == [
        f"client:{api_client.id}"
    ]
