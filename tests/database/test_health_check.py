"""The connection health check (config.postgres): no round trip on a quiet connection, and still a closed and
reopened connection when the server has gone away from under it.

What goes over the wire is read from libpq's own protocol trace (``PQtrace``), not from the code under test."""

from __future__ import annotations

import select
import tempfile
import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection, connections

from config.postgres.base import DatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)  # autocommit, as between a process's requests


def _sent_by(action: Callable[[], object]) -> tuple[object, str]:
    """What ``action`` returned, and the protocol messages the client sent meanwhile."""
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile("w+b") as trace:
        pgconn.trace(trace.fileno())
        try:
            result = action()
        finally:
            pgconn.untrace()
        trace.seek(0)
        return result, trace.read().decode(errors="replace")


def _server_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _from_another_connection(sql: str, params: list[int] | None = None) -> None:
    other = connection.copy()  # Django's second connection to the same database, for tests
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        other.close()


def _wait_readable(timeout: float = 5.0) -> None:
    poller = select.poll()
    poller.register(connection.connection.pgconn.socket, select.POLLIN)
    deadline = time.monotonic() + timeout
    while not poller.poll(50):
        assert time.monotonic() < deadline, "the server's goodbye never arrived"


def test_the_backend_is_ours() -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "config.postgres"
    assert isinstance(connections["default"], DatabaseWrapper)
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_quiet_connection_is_usable_without_a_round_trip() -> None:
    _server_pid()  # connected, idle
    usable, sent = _sent_by(connection.is_usable)
    assert usable is True
    assert sent == ""

    _, sent = _sent_by(_server_pid)  # the trace does see a statement when there is one
    assert "Query" in sent or "Parse" in sent


def test_a_terminated_backend_is_replaced_before_the_next_statement() -> None:
    before = _server_pid()
    _from_another_connection("SELECT pg_terminate_backend(%s)", [before])
    _wait_readable()

    assert connection.is_usable() is False
    connection.close_if_unusable_or_obsolete()  # what a request's start does: the next statement is checked
    after = _server_pid()  # the check closes the dead connection; the statement runs on a new one
    assert after != before


def test_a_harmless_message_falls_back_to_the_round_trip() -> None:
    with connection.cursor() as cursor:
        cursor.execute("LISTEN health_check_test")
    _from_another_connection("NOTIFY health_check_test")
    _wait_readable()

    usable, sent = _sent_by(connection.is_usable)
    assert usable is True
    assert "SELECT 1" in sent  # the readable socket was asked, not trusted

    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN *")


def test_a_closed_connection_is_not_usable() -> None:
    _server_pid()
    connection.connection.close()
    assert connection.is_usable() is False
    connection.close()
