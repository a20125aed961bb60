"""Django's error handlers (config.urls handler400/403/404/500): JSON ``{"error": …}`` under /v1/ and /api/, the
usual HTML pages elsewhere. The 500 handler is also the last stop for an outage raised outside any view (in a
middleware), which it answers as the 503 of reporting.outage."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from reporting.outage import dependency_outage, is_api_path, outage_response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return JsonResponse({"error": "Bad request"}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return JsonResponse({"error": "Forbidden"}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return JsonResponse({"error": "Not found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block, so the exception being handled is the current one.
    exc = sys.exc_info()[1]
    outage = dependency_outage(exc) if exc is not None else None
    if outage is not None and exc is not None:
        return outage_response(request, outage, exc)
    if is_api_path(request.path):
        return JsonResponse({"error": "Internal server error"}, status=500)
    return defaults.server_error(request)
