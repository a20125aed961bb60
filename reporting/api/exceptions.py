"""Every error as ``{"error": …}`` (422 adds ``details``), with the status codes of reporting-api.md §1-§4."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response

from reporting.context import ContextError
from reporting.outage import dependency_outage, log_outage, outage_body, outage_headers
from reporting.query.errors import InvalidParameters
from reporting.ratelimit import Charge


class MissingPermit(exceptions.PermissionDenied):
    def __init__(self, permit: str):
        super().__init__(f"Missing permit {permit}")


class RateLimited(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, charge: Charge):
        super().__init__("Rate limit exceeded")
        self.charge = charge


class ApiError(exceptions.APIException):
    """An error with a chosen status and message (404, 409, 410 of later endpoints)."""

    def __init__(self, status_code: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.extra_headers = headers or {}


def error_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The answer for ``exc``, or None (a bug) for Django's 500 handler, which answers JSON under /v1/."""
    outage = dependency_outage(exc)
    if outage is not None:
        log_outage(context["request"], outage, exc)
        return Response(outage_body(outage), status=503, headers=outage_headers())
    if isinstance(exc, InvalidParameters):
        return Response({"error": "Invalid parameters", "details": exc.details}, status=422)
    if isinstance(exc, ContextError):
        return Response({"error": exc.message}, status=exc.status)
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.charge.retry_after)}
        return Response({"error": "Rate limit exceeded"}, status=429, headers=headers)
    if isinstance(exc, ApiError):
        return Response({"error": str(exc.detail)}, status=exc.status_code, headers=exc.extra_headers)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return Response(
            {"error": str(exc.detail)}, status=401, headers={"WWW-Authenticate": 'Bearer realm="reporting"'}
        )
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = detail if isinstance(detail, str) else "Invalid request"
        headers = {}
        if isinstance(exc, exceptions.MethodNotAllowed):
            headers["Allow"] = ", ".join(context["view"].allowed_methods)
        return Response({"error": str(message)}, status=exc.status_code, headers=headers)
    return None
