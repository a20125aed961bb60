"""One error path for the API (reporting-api.md §1): every 4xx/5xx under /v1/ and /api/ is a JSON ``{"error": …}``,
never Django's HTML pages; a dependency outage is 503 with ``Retry-After`` and a stable code, a real bug stays 500.

The 500/503 cases run real failures: SQL against a table that does not exist (a bug), a Redis URL on a port where
nothing listens (an outage). Dependencies stopped and restarted under load are in tests/faults/.
"""

from __future__ import annotations

import json
import socket

import pytest
from django import db as django_db
from django.db import connection
from django.test import Client

from reporting import outage, ratelimit

pytestmark = pytest.mark.django_db


def assert_json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert isinstance(body.get("error"), str)
    assert body["error"]
    return body


@pytest.mark.parametrize(
    "path",
    ["/v1/nope", "/v1/reporting/nope", "/v1/reporting/exports/not-a-uuid", "/v1/geo/nope/deeper", "/api/nope"],
)
def test_unknown_api_paths_are_json_404(api, path):
    for method in ("get", "post", "delete"):
        response = getattr(api.client, method)(path, headers=api.headers())
        body = assert_json_error(response, 404)
        assert body == {"error": "Not found"}


def test_unknown_api_path_is_json_404_without_a_token(client):
    assert_json_error(client.get("/v1/reporting/exports/not-a-uuid"), 404)


def test_dashboard_pages_keep_the_html_404(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nina", password="a-long-test-password-1"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_405_and_413_are_json(api):
    assert_json_error(api.client.put("/v1/reporting/query", headers=api.headers()), 405)
    too_big = api.client.post(
        "/v1/reporting/query", data="x" * (1024 * 1024 + 1), content_type="application/json", headers=api.headers()
    )
    assert_json_error(too_big, 413)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_away(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    ratelimit._redis_script.cache_clear()
    yield
    ratelimit._redis_script.cache_clear()


def test_rate_limiter_outage_is_json_503_with_retry_after(api, redis_away):
    """Redis holds the buckets; while it is away the limit cannot be enforced, so the request is refused (fail
    closed), never answered 500 and never let through uncharged."""
    response = api.client.post(
        "/v1/reporting/query", data={"report": "members"}, content_type="application/json", headers=api.headers()
    )
    body = assert_json_error(response, 503)
    assert body["code"] == "cache_unavailable"
    assert int(response["Retry-After"]) >= 1


def test_rate_limiter_outage_is_503_on_every_charged_endpoint(api, redis_away):
    for path, body in (
        ("/v1/reporting/metadata", {"report": "members"}),
        ("/v1/reporting/field_metadata", {"report": "members", "field": "gender"}),
        ("/v1/geo/places", {}),
        ("/v1/geo/places/NO", None),
    ):
        if body is None:
            response = api.client.get(path, headers=api.headers())
        else:
            response = api.client.post(path, data=body, content_type="application/json", headers=api.headers())
        assert assert_json_error(response, 503)["code"] == "cache_unavailable"


def real_programming_error() -> Exception:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM table_that_does_not_exist")
    except Exception as error:
        return error
    raise AssertionError("the statement should have failed")


def real_database_outage() -> Exception:
    import psycopg

    try:
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/x", connect_timeout=2)
    except Exception as error:
        return error
    raise AssertionError("nothing should listen there")


def real_cache_outage() -> Exception:
    import redis

    try:
        redis.Redis(port=free_port(), socket_connect_timeout=1).ping()
    except Exception as error:
        return error
    raise AssertionError("nothing should listen there")


@pytest.mark.django_db(transaction=True)
def test_only_connection_level_errors_are_outages():
    assert outage.dependency_outage(real_database_outage()) == outage.DATABASE
    assert outage.dependency_outage(real_cache_outage()) == outage.CACHE
    assert outage.dependency_outage(real_programming_error()) is None
    assert outage.dependency_outage(ValueError("bug")) is None
    # a statement timeout is a slow query, not an outage
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1; SELECT pg_sleep(1)")
    except Exception as error:
        timeout = error
    assert outage.dependency_outage(timeout) is None


@pytest.mark.django_db(transaction=True)
def test_an_outage_wrapped_by_django_is_recognised():
    """Django re-raises driver errors as django.db.utils errors with the driver error as the cause."""
    from django.db import connections

    alias_settings = {**connection.settings_dict, "PORT": str(free_port()), "HOST": "127.0.0.1"}
    alias_settings["OPTIONS"] = {**alias_settings.get("OPTIONS", {}), "connect_timeout": 2}
    alias_settings["OPTIONS"].pop("host", None)
    wrapper = connections.create_connection("default").__class__(alias_settings, "away")
    with pytest.raises(django_db.OperationalError) as raised:
        wrapper.ensure_connection()
    assert outage.dependency_outage(raised.value) == outage.DATABASE


urlpatterns_with_bugs = "tests.api.buggy_urls"


@pytest.mark.urls(urlpatterns_with_bugs)
@pytest.mark.parametrize("path", ["/v1/test-bug/drf", "/v1/test-bug/plain"])
def test_a_real_bug_under_v1_is_a_json_500_not_a_503(path, settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get(path)
    body = assert_json_error(response, 500)
    assert body == {"error": "Internal server error"}
    assert "Retry-After" not in response


@pytest.mark.urls(urlpatterns_with_bugs)
def test_a_real_bug_on_a_page_keeps_the_html_500(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/test-bug/page")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("depth", [200, 900])
def test_deeply_nested_values_in_a_valid_body_are_4xx(api, depth):
    deep = "[" * depth + "]" * depth
    for path, template in (
        (
            "/v1/reporting/query",
            '{"report": "members", "filter": {"type": "equal", "field": "properties.k", "value": %s}}',
        ),
        (
            "/v1/reporting/field_metadata",
            '{"report": "members", "field": "gender", "filter": {"type": "in", "field": "gender", "value": %s}}',
        ),
        (
            "/v1/reporting/query/export",
            '{"report": "members", "format": "csv", "filter": {"type": "equal", "field": "age", "value": %s}}',
        ),
    ):
        response = api.client.post(path, data=template % deep, content_type="application/json", headers=api.headers())
        assert 400 <= response.status_code < 500, (path, response.status_code, response.content[:200])
        assert "error" in json.loads(response.content)
