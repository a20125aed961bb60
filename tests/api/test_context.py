"""X-Customer / X-Loyalty-Club-Slug (reporting-api.md §2): every form, every refusal, and tenant isolation."""

from __future__ import annotations

import pytest

from reporting.models import ApiClient
from reporting.principals import hash_token

BODY = {"report": "members", "aggregate_by": "count"}
FORBIDDEN = {"error": "Access to the requested communities is not allowed"}


@pytest.fixture
def members(insert_members):
    # 235: 3 members, 236: 2, 240 (not granted to the default client): 4
    rows = [(1, 235), (2, 235), (3, 235), (4, 236), (5, 236), (6, 240), (7, 240), (8, 240), (9, 240)]
    insert_members([{"id": i, "community_id": c} for i, c in rows])
    return rows


def counts(body):
    return {r["community_id"]: r["members_count"] for r in body["records"]}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("235", {235: 3}),
        ("id=235", {235: 3}),
        ("id=235_236", {235: 3, 236: 2}),
        ("235_236", {235: 3, 236: 2}),
        ("all=all", {235: 3, 236: 2}),
        ("country=NO", {235: 3, 236: 2}),
        ("country=no;slug=oslo-city", {235: 3}),
        ("name=Bergen Sentrum", {236: 2}),
    ],
)
def test_customer_header_forms(api_for, members, header, expected):
    status, body, _ = api_for(customer=header).query(BODY)
    assert status == 200, body
    assert counts(body) == expected


def test_slug_header_selects_one_community(api_for, members):
    status, body, _ = api_for(customer=None).query(BODY, **{"X-Loyalty-Club-Slug": "bergen-sentrum"})
    assert status == 200
    assert counts(body) == {236: 2}


def test_missing_context_is_470(api_for, members):
    status, body, _ = api_for(customer=None).query(BODY)
    assert (status, body) == (470, {"error": "Missing X-Customer header"})


@pytest.mark.parametrize("header", ["abc", "id=", "235,236", "all", "country=NO;country=SE", "colour=red", "1_"])
def test_unparseable_customer_header_is_471(api_for, members, header):
    status, body, _ = api_for(customer=header).query(BODY)
    assert status == 471
    assert body["error"].startswith("Invalid X-Customer header")


@pytest.mark.parametrize(
    "header", ["240", "235_240", "999", "235_999", "9999999999", "235_9999999999", "country=SE", "slug=sthlm-galleria"]
)
def test_inaccessible_or_unknown_communities_look_the_same(api_for, members, header):
    """A community that exists but is not granted and one that does not exist get the same 403."""
    status, body, _ = api_for(customer=header).query(BODY)
    assert (status, body) == (403, FORBIDDEN)


@pytest.mark.parametrize("slug", ["sthlm-galleria", "nope", "bad slug!"])
def test_slug_header_refusals_are_403(api_for, members, slug):
    status, body, _ = api_for(customer=None).query(BODY, **{"X-Loyalty-Club-Slug": slug})
    assert (status, body) == (403, FORBIDDEN)


def test_all_communities_grant_sees_every_club(api_for, members):
    status, body, _ = api_for(customer="all=all", community_ids=None).query(BODY)
    assert status == 200
    assert counts(body) == {235: 3, 236: 2, 240: 4}


def test_all_all_never_leaks_outside_the_grant(api_for, members):
    client = api_for(customer="all=all", community_ids=[235])
    records = client.walk({"report": "members", "limit": 2})
    assert sorted(r["id"] for r in records) == [1, 2, 3]
    for aggregation in ("total_count", "total_gender_count", "count"):
        status, body, _ = client.query({"report": "members", "aggregate_by": aggregation})
        assert status == 200
        assert sum(r["members_count"] for r in body["records"]) == 3


def test_community_id_cannot_be_filtered(api, members):
    status, body, _ = api.query(
        {"report": "members", "filter": {"type": "equal", "field": "community_id", "value": 240}}
    )
    assert status == 422
    assert body["details"] == {"filter": {"field": [{"error": "not_filterable", "options": {}}]}}


def test_cursor_from_one_context_is_refused_in_another(api_for, members):
    wide = api_for(customer="235_236")
    status, body, _ = wide.query({"report": "members", "limit": 1})
    cursor = body["pagination"]["next_page_info"]
    narrow = api_for(customer="235")
    status, body, _ = narrow.query({"report": "members", "limit": 1, "next_page_info": cursor})
    assert status == 422
    assert body["details"] == {"next_page_info": [{"error": "invalid_cursor", "options": {}}]}


def test_all_communities_grant_names_any_club_by_id(api_for, members):
    status, body, _ = api_for(customer="235_240", community_ids=None).query(BODY)
    assert status == 200
    assert counts(body) == {235: 3, 240: 4}


def test_a_withdrawn_grant_is_refused_on_the_next_request(api_for, members):
    """The token's statement reads the grants and the named communities on every request: nothing is cached."""
    client = api_for(customer="235_236")
    assert client.query(BODY)[0] == 200
    ApiClient.objects.get(token_hash=hash_token(client.token)).communities.remove(236)
    assert client.query(BODY)[:2] == (403, FORBIDDEN)
    client.customer = "235"
    status, body, _ = client.query(BODY)
    assert (status, counts(body)) == (200, {235: 3})


def test_id_list_context_carries_each_communitys_time_zone(api_for, members):
    from reporting.models import Community

    Community.objects.filter(id=236).update(timezone="America/New_York")
    status, body, _ = api_for(customer="236").query(
        {"report": "member_balance", "from": "2024-01-01", "to": "2024-01-02", "interval": "1d"}
    )
    assert status == 200, body
    # The community's zone, read with the token in the same statement, is the range's zone.
    assert body["range_timezone"] == "America/New_York"
