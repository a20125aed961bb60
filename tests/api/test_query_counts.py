"""A fixed, small number of SQL queries per request, whatever the data: auth with the context, bucket, the query.

The token lookup also reads the communities an X-Customer id list names (one statement); other context headers
(attributes, all=all, the slug header) are a second statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.models import MemberEvent

# The rate-limit bucket is one SQL statement unless Redis holds the buckets.
BUCKET = 0 if settings.REDIS_URL else 1

FILTER = {"type": "in", "field": "age", "value": ["20-24", "25-29"]}


@pytest.fixture(autouse=True)
def no_credentials_cache(settings):
    """The counts below read the token every time; test_cached_credentials_skip_the_token_lookup counts a hit."""
    settings.REPORTING = {**settings.REPORTING, "CREDENTIALS_CACHE_SECONDS": 0}


@pytest.fixture
def some_members(insert_members):
    insert_members([{"id": i, "community_id": 235 + i % 2, "age": "20-24", "gender": "woman"} for i in range(1, 40)])
    joined = dt.datetime(2024, 12, 31, tzinfo=dt.UTC)
    MemberEvent.objects.bulk_create(
        MemberEvent(community_id=235, member_id=i, type="in", occurred_at=joined, optin_platform="other")
        for i in range(1, 5)
    )


@pytest.mark.parametrize(
    ("path", "body", "queries"),
    [
        # token lookup with the context, rate-limit bucket, the report query
        ("/v1/reporting/query", {"report": "members", "filter": FILTER, "limit": 5}, 2 + BUCKET),
        ("/v1/reporting/query", {"report": "members", "aggregate_by": "age_count"}, 2 + BUCKET),
        ("/v1/reporting/query", {"report": "members_count"}, 2 + BUCKET),
        ("/v1/reporting/field_metadata", {"report": "members", "field": "age"}, 2 + BUCKET),
        # token lookup with the context (and its time zones), bucket, the buckets' range, the timeseries query
        ("/v1/reporting/query", {"report": "member_balance", "from": "2024-01-01", "to": "2024-02-01"}, 3 + BUCKET),
        # 5m is answered from the events: their statement runs after SET LOCAL work_mem (docs/performance.md)
        (
            "/v1/reporting/query",
            {"report": "members_count_history", "from": "2025-01-01", "to": "2025-01-01T12:00", "interval": "5m"},
            4 + BUCKET,
        ),
        (
            "/v1/reporting/field_metadata",
            {"report": "member_balance", "field": "gender", "from": "2024-01-01"},
            2 + BUCKET,
        ),
        # token lookup with the context (sent, so checked), bucket; metadata runs no report query
        ("/v1/reporting/metadata", {"report": "members"}, 1 + BUCKET),
    ],
)
def test_queries_per_endpoint(api, some_members, django_assert_num_queries, path, body, queries):
    api.post(path, body)  # warm the connection (first use sets the time zone)
    with django_assert_num_queries(queries):
        status, _, _ = api.post(path, body)
    assert status == 200


def test_next_page_costs_the_same_queries(api, some_members, django_assert_num_queries):
    status, body, _ = api.query({"report": "members", "limit": 5})
    cursor = body["pagination"]["next_page_info"]
    with django_assert_num_queries(2 + BUCKET):
        status, _, _ = api.query({"report": "members", "limit": 5, "next_page_info": cursor})
    assert status == 200


@pytest.mark.parametrize(
    ("customer", "queries"),
    [
        # an id list is read with the token; attributes and all=all are the context's own statement
        ("235_236", 2 + BUCKET),
        ("235", 2 + BUCKET),
        ("slug=oslo-city", 3 + BUCKET),
        ("all=all", 3 + BUCKET),
    ],
)
def test_context_headers_queries(api, some_members, customer, queries):
    api.customer = customer
    assert _queries(api, "/v1/reporting/query", {"report": "members", "limit": 5}) > 0  # warm
    assert _queries(api, "/v1/reporting/query", {"report": "members", "limit": 5}) == queries


def test_cached_credentials_skip_the_token_lookup(api, some_members, settings):
    """With Redis (which holds the credentials epoch) a token seen lately is not read again; without, always."""
    settings.REPORTING = {**settings.REPORTING, "CREDENTIALS_CACHE_SECONDS": 60}
    body = {"report": "members", "limit": 5}
    first = _queries(api, "/v1/reporting/query", body)  # this process learns the epoch
    second = _queries(api, "/v1/reporting/query", body)  # read from the database, tagged with that epoch
    assert first == second == 2 + BUCKET
    assert _queries(api, "/v1/reporting/query", body) == (1 if settings.REDIS_URL else 2 + BUCKET)


def _queries(api, path, body=None, method="post"):
    with CaptureQueriesContext(connection) as captured:
        status, payload, _ = api.post(path, body) if method == "post" else api.get(path)
    assert status in (200, 202), payload
    return len(captured.captured_queries)


def _operational(member_id):
    return {
        "id": member_id,
        "community_id": 235,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-02T00:00:00Z",
        "properties": {"gender": "woman"},
    }


def test_ingestion_queries_do_not_grow_with_members(api):
    api.post("/v1/reporting/ingest/members", {"members": [_operational(1)]})  # warm up
    few = _queries(api, "/v1/reporting/ingest/members", {"members": [_operational(i) for i in range(10, 15)]})
    many = _queries(api, "/v1/reporting/ingest/members", {"members": [_operational(i) for i in range(100, 400)]})
    assert few == many
    assert many <= 25


@pytest.mark.parametrize(
    ("method", "path", "body", "queries"),
    [
        # token lookup, bucket, the places query
        ("post", "/v1/geo/places", {"country": "NO", "limit": 5}, 2 + BUCKET),
        ("get", "/v1/geo/places/3143244", None, 2 + BUCKET),
        ("post", "/v1/geo/locations/coordinates", {"place_ids": ["3143244", "NO", "nope"]}, 2 + BUCKET),
    ],
)
def test_geo_queries(api, method, path, body, queries):
    _queries(api, path, body, method)
    assert _queries(api, path, body, method) == queries


def test_export_endpoints_queries(api, some_members):
    body = {"report": "members", "aggregate_by": "gender_count", "format": "csv"}
    _queries(api, "/v1/reporting/query/export", body)
    created = _queries(api, "/v1/reporting/query/export", body)
    listed = _queries(api, "/v1/reporting/exports", method="get")
    _, exports, _ = api.get("/v1/reporting/exports")
    shown = _queries(api, f"/v1/reporting/exports/{exports['exports'][0]['id']}", method="get")
    # token with the context, bucket, then: idempotency/insert work (and its audit-log row) for a new export, the page
    # for a list, the row
    assert (created, listed, shown) == (5 + BUCKET, 2 + BUCKET, 2 + BUCKET)
    for _ in range(3):
        api.post("/v1/reporting/query/export", body)
    assert _queries(api, "/v1/reporting/exports", method="get") == listed  # not one query per export
