"""Cached API credentials (reporting.credentials) never outlive a change made through the application, in any
process; a change behind its back (SQL by hand) is seen within REPORTING_CREDENTIALS_CACHE_SECONDS; while Redis
is away the API still answers 503, never from the cache."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from reporting import permits, ratelimit
from reporting.models import ApiClient, Community
from reporting.principals import hash_token
from reporting.services import api_client_revoke
from tests.conftest import subprocess_database_url
from tests.servers import WebServer

MEMBERS_PERMITS = [permits.QUERY, permits.report_permit("Members")]
BODY = {"report": "members", "limit": 5}


@pytest.fixture(autouse=True)
def redis(settings):
    """The cache lives only with Redis (its epoch); a run without REDIS_URL uses the machine's Redis here."""
    settings.REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    ratelimit._redis_script.cache_clear()
    yield
    ratelimit._redis_script.cache_clear()


def _revoke_behind_the_back(token: str) -> None:
    """What no signal sees: the row changed by SQL (a restored backup, a hand-made fix)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reporting_apiclient SET revoked_at = now(), is_active = FALSE WHERE token_hash = %s",
            [hash_token(token)],
        )


def _cache(settings: Any, seconds: float) -> None:
    settings.REPORTING = {**settings.REPORTING, "CREDENTIALS_CACHE_SECONDS": seconds}


def _warm(api: Any) -> None:
    """Three answers: the process learns the epoch, reads and caches the token, then answers from the cache."""
    for _ in range(3):
        assert api.query(BODY)[0] == 200


@pytest.mark.django_db
def test_the_cache_answers_until_the_bound_for_changes_behind_the_applications_back(api, settings):
    _cache(settings, 1.0)
    _warm(api)
    _revoke_behind_the_back(api.token)
    assert api.query(BODY)[0] == 200  # cached: proves the cache is in play (and what the bound is for)
    time.sleep(1.1)
    assert api.query(BODY)[0] == 401


@pytest.mark.django_db
def test_with_the_cache_off_a_change_behind_the_back_is_seen_at_once(api, settings):
    _cache(settings, 0)
    _warm(api)
    _revoke_behind_the_back(api.token)
    assert api.query(BODY)[0] == 401


@pytest.mark.django_db
def test_a_revocation_through_the_application_is_seen_by_the_next_request(api, settings):
    _cache(settings, 3600)
    _warm(api)
    api_client_revoke(client=ApiClient.objects.get(token_hash=hash_token(api.token)), actor="test")
    status, body, _ = api.query(BODY)
    assert status == 401, body


@pytest.mark.django_db
def test_a_permit_taken_and_given_by_a_bulk_update_is_seen_by_the_next_request(api_for, settings):
    _cache(settings, 3600)
    api = api_for(permit_list=MEMBERS_PERMITS)
    _warm(api)
    clients = ApiClient.objects.filter(token_hash=hash_token(api.token))
    clients.update(permits=[permits.QUERY])
    status, body, _ = api.query(BODY)
    assert status == 403, body  # the refusal came before any charge: confirmed against the epoch
    assert api.query(BODY)[0] == 403  # and the refusal itself is not cached the wrong way round
    clients.update(permits=MEMBERS_PERMITS)
    assert api.query(BODY)[0] == 200


@pytest.mark.django_db
def test_a_community_grant_taken_away_is_seen_by_the_next_request(api, settings):
    _cache(settings, 3600)
    _warm(api)
    ApiClient.objects.get(token_hash=hash_token(api.token)).communities.remove(236)
    assert api.query(BODY)[0] == 403
    api.customer = "235"
    assert api.query(BODY)[0] == 200


@pytest.mark.django_db
def test_a_community_created_in_bulk_after_a_refusal_is_seen_by_the_next_request(api_for, settings):
    _cache(settings, 3600)
    api = api_for(customer="235", community_ids=None)  # a client of every community
    _warm(api)
    api.customer = "235_999"
    assert [api.query(BODY)[0] for _ in range(2)] == [403, 403]  # 999 does not exist; the refusal is cached
    Community.objects.bulk_create([Community(id=999, slug="new-club", name="New", country="NO")])
    assert api.query(BODY)[0] == 200


@pytest.mark.django_db
def test_a_stale_entry_is_not_charged_twice(api, settings):
    """The charge that finds the epoch moved takes nothing; the request charged once, from the database."""
    _cache(settings, 3600)
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 100, "RATE_LIMIT_REFILL_PER_SECOND": 0.0001}
    _warm(api)
    remaining = int(api.query(BODY)[2]["ratelimit-remaining"])
    ApiClient.objects.filter(token_hash=hash_token(api.token)).update(name="renamed")
    status, _, response = api.query(BODY)
    assert status == 200
    assert int(response["ratelimit-remaining"]) == remaining - int(response["ratelimit-cost"])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.django_db
def test_redis_away_is_503_with_retry_after_even_for_cached_credentials(api, settings):
    _cache(settings, 3600)
    _warm(api)
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    ratelimit._redis_script.cache_clear()
    status, body, response = api.query(BODY)
    assert status == 503, body
    assert body["code"] == "cache_unavailable"
    assert int(response["Retry-After"]) >= 1
    # A refusal that needs no charge is answered from the database as before (the epoch cannot be read).
    ApiClient.objects.filter(token_hash=hash_token(api.token)).update(permits=[])
    assert api.query(BODY)[0] == 403


@pytest.fixture
def server(tmp_path: Path, settings: Any, redis: None) -> Iterator[WebServer]:
    """One gunicorn worker process (so every request meets the same per-process cache), sharing this test's Redis
    database and the default namespace; an hour's bound, so only the epoch can end an entry."""
    env = {
        "DATABASE_URL": subprocess_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "REPORTING_CREDENTIALS_CACHE_SECONDS": "3600",
    }
    web = WebServer(kind="gunicorn", env=env, log_path=tmp_path / "server.log", workers=1, threads=1).start()
    yield web
    web.stop()


@pytest.mark.django_db(transaction=True)
def test_a_revocation_is_seen_at_once_by_another_process(server, make_token, settings):
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_NAMESPACE": "clubinsight"}  # the server's
    token = make_token(permit_list=MEMBERS_PERMITS)
    headers = {"Authorization": f"Bearer {token}", "X-Customer": "235_236", "Content-Type": "application/json"}

    def status() -> int:
        return server.request("POST", "/v1/reporting/query", body=json.dumps(BODY), headers=headers)[0]

    assert [status() for _ in range(3)] == [200, 200, 200]
    ApiClient.objects.filter(token_hash=hash_token(token)).update(permits=[permits.QUERY])
    assert status() == 403
    ApiClient.objects.filter(token_hash=hash_token(token)).update(permits=MEMBERS_PERMITS)
    assert [status() for _ in range(2)] == [200, 200]
    api_client_revoke(client=ApiClient.objects.get(token_hash=hash_token(token)), actor="test")
    assert status() == 401
