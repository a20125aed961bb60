"""First in MIDDLEWARE: health probes and metrics answered before any other middleware, a request id on every
request and response, and the request's latency by route."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare

from reporting.observability import health, metrics, requestid

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
METRICS_PATH = "/metrics"


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = requestid.accepted_or_new(request.META.get("HTTP_X_REQUEST_ID"))
        # Left bound after the response (until this thread's next request) so Django's own request log line,
        # written once the middleware has returned, carries it too.
        requestid.bind(request_id)
        response = self._answer(request)
        response["X-Request-ID"] = request_id
        return response

    def _answer(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/") or "/"
        if path == LIVENESS_PATH:
            return health.liveness()
        if path == READINESS_PATH:
            return health.readiness()
        if path == METRICS_PATH:
            return _metrics(request)
        started = time.monotonic()
        response = self.get_response(request)
        metrics.observe_request(request=request, status=response.status_code, seconds=time.monotonic() - started)
        return response


def _metrics(request: HttpRequest) -> HttpResponse:
    expected = getattr(settings, "METRICS_TOKEN", "")
    if expected:
        supplied = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not constant_time_compare(supplied, expected):
            return HttpResponse("metrics need the bearer token\n", status=401, content_type="text/plain")
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
