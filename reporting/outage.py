"""A dependency outage (PostgreSQL or Redis unreachable) is a 503 with ``Retry-After``, recognised in one place.

Only connection-level failures count: the driver could not connect, lost the connection, or the server is
shutting down or starting up. Anything else a database raises (a missing table, a constraint, a statement
timeout) is a bug or a slow query and stays a 500, so a 503 never hides a real fault.

Every path uses :func:`dependency_outage`: the DRF exception handler (API views), :class:`OutageMiddleware`
(other views) and the 500 handler (errors raised in middleware, e.g. a session save).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from reporting.conf import reporting_setting

logger = logging.getLogger("reporting.outage")

# SQLSTATEs that mean "no usable server" rather than "this statement failed": connection exceptions (class 08),
# and the server shutting down (57P01 admin, 57P02 crash) or still starting (57P03).
_CONNECTION_SQLSTATE_CLASS = "08"
_SERVER_GOING_AWAY = {"57P01", "57P02", "57P03"}


@dataclass(frozen=True)
class Outage:
    code: str
    message: str


DATABASE = Outage("database_unavailable", "The database is temporarily unavailable; retry later")
CACHE = Outage("cache_unavailable", "The rate-limit store is temporarily unavailable; retry later")


def dependency_outage(exc: BaseException) -> Outage | None:
    """Which dependency is away when ``exc`` (or an exception it was raised from) is a connection failure."""
    for error in _chain(exc):
        if _is_database_connection_error(error):
            return DATABASE
        if _is_redis_connection_error(error):
            return CACHE
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _is_database_connection_error(error: BaseException) -> bool:
    import psycopg

    if not isinstance(error, psycopg.OperationalError) or isinstance(error, psycopg.errors.PipelineAborted):
        return False
    sqlstate = error.sqlstate
    # No SQLSTATE: the failure happened in the client (refused, reset, closed) before any server answer.
    return sqlstate is None or sqlstate.startswith(_CONNECTION_SQLSTATE_CLASS) or sqlstate in _SERVER_GOING_AWAY


def _is_redis_connection_error(error: BaseException) -> bool:
    from redis import exceptions

    return isinstance(error, exceptions.ConnectionError | exceptions.TimeoutError)


def retry_after_seconds() -> int:
    return int(reporting_setting("OUTAGE_RETRY_AFTER_SECONDS"))


def is_api_path(path: str) -> bool:
    return path.startswith(("/v1/", "/api/"))


def outage_headers() -> dict[str, str]:
    return {"Retry-After": str(retry_after_seconds()), "Cache-Control": "no-store"}


def outage_body(outage: Outage) -> dict[str, str]:
    return {"error": outage.message, "code": outage.code}


def log_outage(request: HttpRequest, outage: Outage, exc: BaseException) -> None:
    # The class name only: messages can carry host names, and nothing about the request's content is logged.
    logger.warning("%s on %s %s (%s)", outage.code, request.method, request.path, type(exc).__name__)


def outage_response(request: HttpRequest, outage: Outage, exc: BaseException) -> HttpResponse:
    """JSON for the API, the "temporarily unavailable" page for people; neither touches the database."""
    log_outage(request, outage, exc)
    headers = outage_headers()
    # The exports page's status poller asks for JSON only; a browser navigating asks for HTML.
    wants_json = request.accepts("application/json") and not request.accepts("text/html")
    if is_api_path(request.path) or wants_json:
        return JsonResponse(outage_body(outage), status=503, headers=headers)
    # Rendered without the request: context processors would load the session and user from the database.
    page = render_to_string("503.html", {"retry_after": retry_after_seconds()})
    return HttpResponse(page, status=503, headers=headers)


class OutageMiddleware:
    """Turns an outage raised by a (non-DRF) view into the 503 answer; everything else passes on unchanged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        outage = dependency_outage(exception)
        return outage_response(request, outage, exception) if outage else None
