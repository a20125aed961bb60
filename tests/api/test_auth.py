"""Authentication: bearer tokens in either header, sessions with CSRF, and 401 for everything else."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from reporting.models import ApiClient, CommunityAccess

QUERY = "/v1/reporting/query"
BODY = {"report": "members", "aggregate_by": "total_count"}


def post(client: Client, headers: dict[str, str], body: object = BODY):
    import json

    return client.post(QUERY, data=json.dumps(body), content_type="application/json", headers=headers)


def test_bearer_token_authenticates(client, make_token, insert_members):
    insert_members([{"id": 1}])
    response = post(client, {"Authorization": f"Bearer {make_token()}", "X-Customer": "235"})
    assert response.status_code == 200
    assert response.json()["records"] == [{"members_count": 1}]


def test_x_client_authorization_header_authenticates(client, make_token):
    response = post(client, {"X-Client-Authorization": make_token(), "X-Customer": "235"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ci_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"X-Client-Authorization": "  "},
    ],
    ids=["missing", "unknown", "wrong-scheme", "empty-bearer", "empty-x-client"],
)
def test_missing_or_bad_credentials_are_401(client, communities, headers):
    response = post(client, {**headers, "X-Customer": "235"})
    assert response.status_code == 401
    assert set(response.json()) == {"error"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_inactive_client_is_401(client, make_token):
    token = make_token()
    ApiClient.objects.update(is_active=False)
    assert post(client, {"Authorization": f"Bearer {token}", "X-Customer": "235"}).status_code == 401


def test_token_is_stored_only_as_hash(make_token):
    token = make_token()
    stored = ApiClient.objects.get()
    assert token not in (stored.token_hash, stored.token_prefix)
    assert len(stored.token_hash) == 64


@pytest.fixture
def marketer(communities):
    user = get_user_model().objects.create_user("mia", password="a-long-password-1")
    CommunityAccess.objects.create(user=user, community=communities[235], role="marketer")
    return user


def test_session_user_needs_csrf_token(marketer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(marketer)
    refused = post(browser, {"X-Customer": "235"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]

    browser.get("/accounts/login/")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    accepted = post(browser, {"X-Customer": "235", "X-CSRFToken": token})
    assert accepted.status_code == 200


def test_session_user_sees_only_their_clubs(marketer, insert_members):
    insert_members([{"id": 1, "community_id": 235}, {"id": 2, "community_id": 236}])
    browser = Client()
    browser.force_login(marketer)
    assert post(browser, {"X-Customer": "236"}).status_code == 403
    all_clubs = post(browser, {"X-Customer": "all=all"}, {"report": "members"})
    assert [r["id"] for r in all_clubs.json()["records"]] == [1]


def test_marketer_session_may_not_export_or_ingest(marketer):
    browser = Client()
    browser.force_login(marketer)
    response = browser.post("/v1/reporting/ingest/members", data={"members": []}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"error": "Missing permit Reporting:Api:Ingest"}
