"""Request bodies sent with ``Transfer-Encoding: chunked`` (no Content-Length), through real servers.

Django reads a body by Content-Length only, so a chunked body used to arrive empty: a valid query got
``422 report required`` and a 2 MB body was not refused. Gunicorn (production) decodes chunked bodies; the
size limit is enforced while reading them. Django's runserver cannot decode them and says so (411).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import subprocess_database_url
from tests.servers import WebServer

pytestmark = pytest.mark.django_db(transaction=True)


def chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def post_chunked(server: WebServer, path: str, data: bytes, token: str) -> tuple[int, dict[str, str], Any]:
    """Send the request as curl does with ``-H 'Transfer-Encoding: chunked'``: no Content-Length, chunked framing.

    A server may answer (411, 413) and close before the whole body is sent, so a failed send is not an error:
    the answer is read from the socket either way."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {token}\r\n"
        "X-Customer: 235_236\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    framed = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in chunks(data)) + b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head + framed)
        response = http.client.HTTPResponse(sock)
        response.begin()
        raw = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(raw) if raw else None


@pytest.fixture
def server(request: Any, tmp_path: Path) -> Iterator[WebServer]:
    web = WebServer(
        kind=request.param, env={"DATABASE_URL": subprocess_database_url()}, log_path=tmp_path / "server.log"
    ).start()
    yield web
    web.stop()


@pytest.mark.parametrize("server", ["gunicorn"], indirect=True)
def test_a_chunked_query_is_read_under_gunicorn(server, make_token, insert_members):
    insert_members([{"id": 7}, {"id": 8}])
    status, _, body = post_chunked(
        server, "/v1/reporting/query", json.dumps({"report": "members"}).encode(), make_token()
    )
    assert status == 200, body
    assert sorted(record["id"] for record in body["records"]) == [7, 8]


@pytest.mark.parametrize("server", ["gunicorn"], indirect=True)
def test_a_chunked_body_over_the_limit_is_413_under_gunicorn(server, make_token):
    padding = "x" * (2 * 1024 * 1024)
    data = json.dumps({"report": "members", "pad": padding}).encode()
    status, _, body = post_chunked(server, "/v1/reporting/query", data, make_token())
    assert status == 413
    assert body == {"error": "Request body too large (limit 1048576 bytes)"}


@pytest.mark.parametrize("server", ["gunicorn"], indirect=True)
def test_a_chunked_body_just_under_the_limit_is_read(server, make_token):
    padding = "x" * (1024 * 1024 - 100)
    data = json.dumps({"report": "members", "pad": padding}).encode()
    status, _, body = post_chunked(server, "/v1/reporting/query", data, make_token())
    assert status == 422
    assert body["details"] == {"pad": [{"error": "unknown", "options": {}}]}


@pytest.mark.parametrize("server", ["runserver"], indirect=True)
def test_runserver_refuses_chunked_bodies_instead_of_reading_them_empty(server, make_token):
    status, _, body = post_chunked(
        server, "/v1/reporting/query", json.dumps({"report": "members"}).encode(), make_token()
    )
    assert status == 411
    assert "Content-Length" in body["error"]
