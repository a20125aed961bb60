"""create_community and create_api_client (reporting-api.md §11)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from reporting import permits
from reporting.models import ApiClient, Community
from reporting.principals import hash_token


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_community_is_idempotent():
    args = (
        "create_community",
        "300",
        "--slug",
        "tromso",
        "--name",
        "Tromsø",
        "--country",
        "no",
        "--timezone",
        "Europe/Oslo",
    )
    assert "Created" in run(*args)
    assert "Updated" in run(*args)
    community = Community.objects.get()
    assert (community.id, community.name, community.country) == (300, "Tromsø", "NO")


@pytest.mark.django_db
def test_create_community_rejects_an_unknown_timezone():
    with pytest.raises(CommandError, match="timezone"):
        run("create_community", "1", "--slug", "x", "--name", "X", "--country", "NO", "--timezone", "Mars/Base")


def test_create_api_client_prints_a_working_token_last(client, communities):
    output = run(
        "create_api_client",
        "bi-tool",
        "--communities",
        "235,236",
        "--permits",
        "Reporting:Api:Query,Reporting:Api:Report:Members",
    )
    token = output.strip().splitlines()[-1]
    stored = ApiClient.objects.get()
    assert stored.token_hash == hash_token(token)
    assert sorted(stored.permits) == ["Reporting:Api:Query", "Reporting:Api:Report:Members"]
    assert sorted(stored.communities.values_list("id", flat=True)) == [235, 236]
    response = client.post(
        "/v1/reporting/query",
        data={"report": "members"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "X-Customer": "235"},
    )
    assert response.status_code == 200


def test_create_api_client_all_grants_everything(communities):
    run("create_api_client", "admin-tool", "--communities", "all", "--permits", "all")
    stored = ApiClient.objects.get()
    assert stored.all_communities
    assert set(stored.permits) == set(permits.ALL)


@pytest.mark.parametrize(
    ("communities_arg", "permits_arg", "message"),
    [("235", "Reporting:Api:Nope", "unknown permits"), ("999", "all", "unknown communities"), ("x", "all", "ids")],
)
def test_create_api_client_rejects_unknown_names(communities, communities_arg, permits_arg, message):
    with pytest.raises(CommandError, match=message):
        run("create_api_client", "c", "--communities", communities_arg, "--permits", permits_arg)
    assert not ApiClient.objects.exists()
