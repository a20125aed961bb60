"""Shared fixtures: communities, API clients with tokens, a JSON client, and member rows inserted directly.

Members inserted here bypass ingestion on purpose: the query-engine tests need exact control over every
column, and they check the engine against plain SQL / Python over these same rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client
from psycopg import sql
from pytest_django.live_server_helper import LiveServer

from dashboards import alongside
from dashboards.staticbuild import ensure_collected
from reporting import credentials, permits
from reporting.models import Community, Member
from reporting.services import api_client_create

UTC = dt.UTC


def subprocess_database_url() -> str:
    """The current test database as a URL for subprocesses (workers, manage.py, pg_dump): a TCP server, or
    the embedded server's socket directory."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    socket_dir = (db.get("OPTIONS") or {}).get("host")
    if socket_dir and not db["HOST"]:
        return f"postgres://{db['USER']}{password}@/{db['NAME']}?host={socket_dir}"
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session", autouse=True)
def collected_static() -> None:
    """Pages link fingerprinted static files from the manifest storage, as in production: the session collects
    them first (only when a source changed, see dashboards.staticbuild)."""
    ensure_collected()


def _served_by_the_app(app: Any) -> Any:
    return app


@pytest.fixture(scope="session")
def live_server(request: Any, collected_static: None) -> Any:
    """pytest-django's live server, with static files served by whitenoise from the collected STATIC_ROOT, as
    in production: pytest-django wraps the app in Django's StaticFilesHandler, which looks files up in the
    finders under their plain names, so fingerprinted URLs would 404 and nothing would be compressed."""
    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _served_by_the_app  # type: ignore[assignment]  # any WSGI wrapper will do
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Keep a copy of the places migration 0003 loaded: transactional tests end with a flush that empties
    every model table, places included, and later tests (ingestion, geo, dashboards) need them."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS test_place_snapshot AS SELECT * FROM reporting_place")
    _test_database["url"] = subprocess_database_url()
    return django_db_setup


_test_database: dict[str, str] = {}
DEAD_ROWS_WORTH_A_VACUUM = 2_000


@pytest.fixture(scope="module", autouse=True)
def dead_rows_vacuumed() -> Iterator[None]:
    """Every test's rolled-back rows stay behind as dead tuples, and autovacuum may be off (it is off on the
    CI machine's PostgreSQL): by the middle of a pass the member table and its rollups held ten to a hundred
    thousand dead rows each, and a test that scans them after every write ran twenty times slower than alone.
    After each module, vacuum the tables that gathered dead rows, on a connection of its own (VACUUM cannot
    run inside the tests' transactions); a table it cannot lock within a second is left for the next module."""
    yield
    url = _test_database.get("url")
    if url is None:
        return
    with psycopg.connect(url, autocommit=True) as vacuuming:
        vacuuming.execute("SET lock_timeout = '1s'")
        tables = vacuuming.execute(
            "SELECT schemaname, relname FROM pg_stat_user_tables WHERE n_dead_tup > %s", (DEAD_ROWS_WORTH_A_VACUUM,)
        ).fetchall()
        for schema, table in tables:
            with contextlib.suppress(psycopg.errors.LockNotAvailable):
                vacuuming.execute(sql.SQL("VACUUM {}").format(sql.Identifier(schema, table)))


@pytest.fixture(autouse=True)
def places_loaded(request: Any, django_db_blocker: Any) -> None:
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO reporting_place SELECT * FROM test_place_snapshot"
                " WHERE NOT EXISTS (SELECT 1 FROM reporting_place)"
            )


@pytest.fixture(autouse=True)
def alongside_threads_stopped() -> Iterator[None]:
    """The overview's alongside threads keep their connections from page to page (dashboards/alongside.py): each
    test ends them, so no connection outlives the test (a flush or the database's drop would meet it)."""
    yield
    alongside.stop()


@pytest.fixture(autouse=True)
def isolated_rate_limits(settings: Any) -> None:
    """Redis buckets outlive a test's rolled-back transaction: give every test its own key namespace."""
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_NAMESPACE": f"test-{uuid.uuid4().hex}"}
    # Credentials cached by an earlier test (its epoch lived in its own namespace) would only be read again.
    credentials.forget_all()


@pytest.fixture
def communities(db: Any) -> dict[int, Community]:
    rows = [
        Community(id=235, slug="oslo-city", name="Oslo City", country="NO", timezone="Europe/Oslo"),
        Community(id=236, slug="bergen-sentrum", name="Bergen Sentrum", country="NO", timezone="Europe/Oslo"),
        Community(id=240, slug="sthlm-galleria", name="Stockholm Galleria", country="SE", timezone="Europe/Stockholm"),
    ]
    Community.objects.bulk_create(rows)
    return {c.id: c for c in rows}


@pytest.fixture
def make_token(communities: dict[int, Community]) -> Callable[..., str]:
    def make(*, permit_list: Iterable[str] | None = None, community_ids: Iterable[int] | None = (235, 236)) -> str:
        granted = list(permits.ALL) if permit_list is None else list(permit_list)
        _, token = api_client_create(
            name="test client",
            permits=granted,
            community_ids=None if community_ids is None else list(community_ids),
        )
        return token

    return make


class ApiClient:
    """Posts JSON with a token and an X-Customer header; returns (status, body, response)."""

    def __init__(self, client: Client, token: str | None, customer: str | None):
        self.client = client
        self.token = token
        self.customer = customer

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.customer is not None:
            headers["X-Customer"] = self.customer
        headers.update(extra)
        return headers

    def post(self, path: str, body: Any, **headers: str) -> tuple[int, Any, Any]:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        response = self.client.post(path, data=data, content_type="application/json", headers=self.headers(**headers))
        return response.status_code, _json(response), response

    def get(self, path: str, **headers: str) -> tuple[int, Any, Any]:
        response = self.client.get(path, headers=self.headers(**headers))
        return response.status_code, _json(response), response

    def delete(self, path: str, **headers: str) -> tuple[int, Any, Any]:
        response = self.client.delete(path, headers=self.headers(**headers))
        return response.status_code, _json(response), response

    def query(self, body: dict[str, Any], **headers: str) -> tuple[int, Any, Any]:
        return self.post("/v1/reporting/query", body, **headers)

    def walk(self, body: dict[str, Any], **headers: str) -> list[dict[str, Any]]:
        """Every record of a query, following next_page_info to the end."""
        records: list[dict[str, Any]] = []
        cursor = None
        for _ in range(100_000):
            status, payload, _ = self.query({**body, "next_page_info": cursor}, **headers)
            assert status == 200, payload
            records.extend(payload["records"])
            cursor = payload["pagination"]["next_page_info"]
            if cursor is None:
                return records
        raise AssertionError("pagination did not end")


def _json(response: Any) -> Any:
    content_type = response.get("Content-Type", "")
    if "json" in content_type and not getattr(response, "streaming", False) and response.content:
        return json.loads(response.content)
    return None


@pytest.fixture
def api(client: Client, make_token: Callable[..., str]) -> ApiClient:
    """A client holding every permit for communities 235 and 236, context 235_236."""
    return ApiClient(client, make_token(), "235_236")


@pytest.fixture
def api_for(client: Client, make_token: Callable[..., str]) -> Callable[..., ApiClient]:
    def build(customer: str | None = "235_236", **token_options: Any) -> ApiClient:
        return ApiClient(client, make_token(**token_options), customer)

    return build


MEMBER_DEFAULTS: dict[str, Any] = {
    "optin_channel": None,
    "optin_subchannel": None,
    "optin_platform": "other",
    "gender": None,
    "age": None,
    "birth_year_group": None,
    "subunit_ids": [],
    "group_ids": [],
    "favorite_stores": [],
    "properties": {},
    "consents": {},
    "marketing_via_sms": False,
    "marketing_via_email": False,
    "marketing_via_push": False,
    "marketing_via_anything": False,
    "sms_status": "disabled",
    "email_status": "disabled",
    "push_status": "disabled",
    "push_devices": 0,
    "msisdn_country": None,
    "location_country": None,
    "city_place_id": None,
    "place_id": None,
}


@pytest.fixture
def insert_members(communities: dict[int, Community]) -> Callable[[Iterable[dict[str, Any]]], list[Member]]:
    def insert(rows: Iterable[dict[str, Any]]) -> list[Member]:
        members = []
        for row in rows:
            values = {**MEMBER_DEFAULTS, **row}
            values.setdefault("created_at", dt.datetime(2024, 1, 1, tzinfo=UTC))
            values.setdefault("updated_at", values["created_at"])
            values["community_id"] = values.pop("community_id", 235)
            members.append(Member(**values))
        return Member.objects.bulk_create(members)

    return insert
