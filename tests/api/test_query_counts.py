"""A fixed, small number of SQL queries per request, whatever the data: auth, context, bucket, the query."""

from __future__ import annotations

import pytest
from django.conf import settings

# The rate-limit bucket is one SQL statement unless Redis holds the buckets.
BUCKET = 0 if settings.REDIS_URL else 1

FILTER = {"type": "in", "field": "age", "value": ["20-24", "25-29"]}


@pytest.fixture
def some_members(insert_members):
    insert_members([{"id": i, "community_id": 235 + i % 2, "age": "20-24", "gender": "woman"} for i in range(1, 40)])


@pytest.mark.parametrize(
    ("path", "body", "queries"),
    [
        # token lookup, context, rate-limit bucket, the report query
        ("/v1/reporting/query", {"report": "members", "filter": FILTER, "limit": 5}, 3 + BUCKET),
        ("/v1/reporting/query", {"report": "members", "aggregate_by": "age_count"}, 3 + BUCKET),
        ("/v1/reporting/query", {"report": "members_count"}, 3 + BUCKET),
        ("/v1/reporting/field_metadata", {"report": "members", "field": "age"}, 3 + BUCKET),
        # token lookup, context (sent, so checked), bucket; metadata runs no report query
        ("/v1/reporting/metadata", {"report": "members"}, 2 + BUCKET),
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
    with django_assert_num_queries(3 + BUCKET):
        status, _, _ = api.query({"report": "members", "limit": 5, "next_page_info": cursor})
    assert status == 200
