"""A request line longer than the HTTP server reads is refused by gunicorn (414) before the application sees it,
as the OpenAPI contract documents on every operation; one under the limit reaches the application and is answered
as JSON."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_database_url
from tests.servers import WebServer

pytestmark = pytest.mark.django_db(transaction=True)

GUNICORN_LIMIT = 4094  # limit_request_line's default: the bytes of "GET <path> HTTP/1.1"


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[WebServer]:
    web = WebServer(
        kind="gunicorn", env={"DATABASE_URL": subprocess_database_url()}, log_path=tmp_path / "server.log"
    ).start()
    yield web
    web.stop()


def _path_of_line(length: int) -> str:
    """A path of the exports list whose request line is ``length`` bytes long (a query string of many values)."""
    head = "/v1/reporting/exports?limit=1"
    padding = length - len(f"GET {head} HTTP/1.1")
    return head + ("&limit=" + "9" * (padding - 7) if padding > 7 else "")


def test_a_request_line_over_the_servers_limit_is_414_and_one_under_it_reaches_the_application(gunicorn, make_token):
    headers = {"Authorization": f"Bearer {make_token()}", "X-Customer": "235"}

    status, _, _ = gunicorn.request("GET", _path_of_line(GUNICORN_LIMIT + 200), headers=headers)
    assert status == 414

    status, answer_headers, body = gunicorn.request("GET", _path_of_line(GUNICORN_LIMIT - 100), headers=headers)
    assert status != 414
    assert answer_headers["content-type"].startswith("application/json"), body[:300]
