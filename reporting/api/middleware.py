"""Body size limits, checked before anything reads the body (reporting-api.md §1: over 1 MiB is 413)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from reporting.conf import reporting_setting

_OTHER_PAGES_MAX = 2_621_440  # Django's own default for forms and admin


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = self.limit_for(request.path)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"error": "Invalid Content-Length"}, status=400)
        if length > limit:
            return JsonResponse({"error": f"Request body too large (limit {limit} bytes)"}, status=413)
        return self.get_response(request)

    @staticmethod
    def limit_for(path: str) -> int:
        if path.startswith("/v1/reporting/ingest/"):
            return int(reporting_setting("INGEST_MAX_BODY_BYTES"))
        if path.startswith("/v1/"):
            return int(reporting_setting("MAX_BODY_BYTES"))
        return _OTHER_PAGES_MAX
