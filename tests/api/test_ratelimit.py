"""Token buckets (reporting-api.md §4): costs, headers, 429, and atomic charging across processes."""

from __future__ import annotations

import multiprocessing
import os

import pytest
import redis
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from reporting import ratelimit
from reporting.api.base import settled_before_sql
from reporting.models import ApiClient
from tests.faults.processes import PrivateRedis

AND_OR_FILTER = {
    "type": "and",
    "operations": [
        {"type": "or", "operations": [{"type": "equal", "field": "gender", "value": "woman"}]},
        {"type": "equal", "field": "marketing_via_sms", "value": True},
    ],
}


def limits(settings, capacity, refill):
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": capacity, "RATE_LIMIT_REFILL_PER_SECOND": refill}


@pytest.mark.parametrize(
    ("path", "body", "cost"),
    [
        ("/v1/reporting/query", {"report": "members"}, 10),
        ("/v1/reporting/query", {"report": "members_count"}, 2),
        ("/v1/reporting/query", {"report": "members", "filter": AND_OR_FILTER}, 10 + 1 + 3),
        ("/v1/reporting/metadata", {"report": "members"}, 1),
        ("/v1/reporting/field_metadata", {"report": "members", "field": "gender"}, 2),
    ],
)
def test_every_response_carries_the_three_headers(api, path, body, cost):
    status, _, response = api.post(path, body)
    assert status == 200
    client_id = ApiClient.objects.get().id
    assert response["ratelimit-cost"] == str(cost)
    assert response["ratelimit-bucket"] == f"client:{client_id}:Organization"
    assert 600 - cost - 1 <= int(response["ratelimit-remaining"]) <= 600 - cost
    assert response["ratelimit-limit"] == "600"


def test_one_community_uses_the_customer_bucket(api_for):
    status, _, response = api_for(customer="235").query({"report": "members"})
    assert status == 200
    assert response["ratelimit-bucket"].endswith(":Customer:235")


def test_headers_are_present_on_validation_errors_after_charging(api):
    status, _, response = api.query({"report": "members", "limit": 0})
    assert status == 422
    assert response["ratelimit-cost"] == "10"


def test_exhausted_bucket_is_429_with_retry_after(api, settings):
    limits(settings, capacity=12, refill=0.5)
    assert api.query({"report": "members"})[0] == 200
    status, body, response = api.query({"report": "members"})
    assert (status, body) == (429, {"error": "Rate limit exceeded"})
    # 2 tokens are left: the header says what the bucket holds, never a negative number
    assert response["ratelimit-remaining"] == "2"
    assert response["ratelimit-limit"] == "12"
    # 2 tokens left, 10 needed at 0.5 tokens/s: 16 s
    assert 15 <= int(response["Retry-After"]) <= 16
    # a refused request is not charged: a cheap one still fits
    assert api.query({"report": "members_count"})[0] == 200


def test_buckets_are_per_client_and_owner(api_for, settings):
    limits(settings, capacity=10, refill=0.001)
    first, second = api_for(customer="235"), api_for(customer="235")
    assert first.query({"report": "members"})[0] == 200
    assert first.query({"report": "members"})[0] == 429
    assert second.query({"report": "members"})[0] == 200
    first.customer = "235_236"
    assert first.query({"report": "members"})[0] == 200


def _charge_many(args: tuple[str, int]) -> int:
    bucket, attempts = args
    connections.close_all()
    return sum(ratelimit.charge(bucket, 1).allowed for _ in range(attempts))


BACKENDS = ["database"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", BACKENDS)
def test_charging_is_atomic_across_processes(settings, backend):
    """Four processes race for one bucket of 50 tokens: exactly 50 charges succeed, never more."""
    limits(settings, capacity=50, refill=0.0001)
    settings.REDIS_URL = os.environ["REDIS_URL"] if backend == "redis" else ""
    ratelimit._redis_script.cache_clear()
    bucket = f"race-{backend}-{os.getpid()}"
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        allowed = sum(pool.map(_charge_many, [(bucket, 40)] * 4))
    assert allowed == 50
    ratelimit._redis_script.cache_clear()


def test_remaining_is_never_negative_when_the_bucket_is_empty(api, settings):
    limits(settings, capacity=10, refill=0.001)
    assert api.query({"report": "members"})[0] == 200  # a full bucket of 10 pays a cost of 10: 0 left
    status, _, response = api.query({"report": "members"})
    assert status == 429
    assert response["ratelimit-remaining"] == "0"
    assert response["ratelimit-cost"] == "10"


def test_a_request_costing_more_than_the_capacity_reports_zero_left(api, settings):
    limits(settings, capacity=5, refill=0.001)
    status, _, response = api.query({"report": "members"})  # cost 10 > capacity 5: a full bucket admits it
    assert status == 200
    assert response["ratelimit-remaining"] == "0"
    assert response["ratelimit-limit"] == "5"


@pytest.fixture
def private_redis(tmp_path, settings):
    """A Redis of this test's own, to flush its scripts and restart it."""
    server = PrivateRedis(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    ratelimit._redis_script.cache_clear()
    yield server
    ratelimit._redis_script.cache_clear()
    server.kill()


def test_a_redis_that_lost_its_script_or_restarted_charges_the_next_request(private_redis, settings):
    """The charge's one-command path: NOSCRIPT loads the script again, a connection the restart closed is replaced
    before use, and neither is a refusal, a double charge or an outage."""
    limits(settings, capacity=100, refill=0.0001)
    first = ratelimit.charge("script-lost", 10)
    assert (first.allowed, first.remaining) == (True, 90)
    redis.Redis.from_url(private_redis.url).script_flush()
    after_flush = ratelimit.charge("script-lost", 10)
    assert (after_flush.allowed, after_flush.remaining) == (True, 80)
    private_redis.kill()
    private_redis.start()  # an empty Redis: a full bucket again, no scripts, the pooled connection closed
    after_restart = ratelimit.charge("script-lost", 10)
    assert (after_restart.allowed, after_restart.remaining) == (True, 90)
    assert ratelimit.charge("script-lost", 95).allowed is False


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_a_refused_query_reads_no_members_and_its_refusal_outranks_a_bad_body(api, settings, request, backend):
    """The query endpoint validates and plans while the charge is on its way: whatever the work found, a refused
    request answers 429 and no statement of the report reaches the database."""
    settings.REDIS_URL = ""
    if backend == "redis":
        request.getfixturevalue("private_redis")
    ratelimit._redis_script.cache_clear()
    limits(settings, capacity=12, refill=0.0001)
    assert api.query({"report": "members"})[0] == 200
    with CaptureQueriesContext(connections["default"]) as statements:
        refused, _, response = api.query({"report": "members"})
        refused_bad, _, _ = api.query({"report": "members", "limit": 0, "filter": AND_OR_FILTER})
    assert (refused, refused_bad) == (429, 429)
    assert response["ratelimit-remaining"] == "2"
    assert statements.captured_queries  # the capture works: the charge or the credentials read the database
    assert not [s["sql"] for s in statements.captured_queries if "reporting_member" in (s["sql"] or "")]
    status, _, response = api.query({"report": "members_count", "limit": 0})
    assert status == 422  # a cheap bad body fits in the 2 tokens left: charged, then refused as invalid
    assert response["ratelimit-remaining"] == "0"


@pytest.mark.django_db(transaction=True)  # the work's own transaction, not a savepoint in the test's
def test_database_buckets_are_charged_at_once_not_inside_the_work_that_may_roll_back(settings):
    """With buckets in PostgreSQL nothing overlaps: the charge is committed before the work, so a statement that
    fails inside the work's transaction does not take the charge back with it."""
    settings.REDIS_URL = ""
    limits(settings, capacity=100, refill=0.0001)
    pending = ratelimit.begin_charge("rolled-back-work", 10)

    def failing_work() -> None:
        with settled_before_sql(pending.result), transaction.atomic():
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
            raise RuntimeError("the work failed after its first statement")

    with pytest.raises(RuntimeError):
        failing_work()
    assert ratelimit.charge("rolled-back-work", 10).remaining == 80
