"""Body size limits, checked before anything reads the body (reporting-api.md §1: over 1 MiB is 413).

A body with ``Content-Length`` is refused from the header alone. A ``Transfer-Encoding: chunked`` body has no
length: Django would read it as empty, so it is read here (never more than the limit + 1 byte) and handed on
as an ordinary body of known length. That needs a server that decodes chunked framing and says so with
``wsgi.input_terminated`` (gunicorn); under one that does not (Django's runserver) the request is refused with
411 rather than misread.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from reporting.conf import reporting_setting

_OTHER_PAGES_MAX = 2_621_440  # Django's own default for forms and admin
_READ_SIZE = 64 * 1024


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = self.limit_for(request.path)
        if _is_chunked(request):
            refusal = _buffer_chunked_body(request, limit)
            if refusal is not None:
                return refusal
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"error": "Invalid Content-Length"}, status=400)
        if length > limit:
            return _too_large(limit)
        return self.get_response(request)

    @staticmethod
    def limit_for(path: str) -> int:
        if path.startswith("/v1/reporting/ingest/"):
            return int(reporting_setting("INGEST_MAX_BODY_BYTES"))
        if path.startswith("/v1/"):
            return int(reporting_setting("MAX_BODY_BYTES"))
        return _OTHER_PAGES_MAX


def _is_chunked(request: HttpRequest) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "")
    return "chunked" in encoding.lower() and not request.META.get("CONTENT_LENGTH")


def _buffer_chunked_body(request: HttpRequest, limit: int) -> HttpResponse | None:
    environ = getattr(request, "environ", {})
    source = environ.get("wsgi.input")
    if source is None or not environ.get("wsgi.input_terminated"):
        return JsonResponse(
            {"error": "Chunked request bodies are not supported by this server: send Content-Length"}, status=411
        )
    body = io.BytesIO()
    while True:
        piece = source.read(min(_READ_SIZE, limit + 1 - body.tell()))
        if not piece:
            break
        body.write(piece)
        if body.tell() > limit:
            return _too_large(limit)
    size = body.tell()
    body.seek(0)
    # From here on the body is an ordinary one of known length, for Django's parsers and DRF's alike.
    request._stream = body
    request.META["CONTENT_LENGTH"] = str(size)
    del request.META["HTTP_TRANSFER_ENCODING"]
    return None


def _too_large(limit: int) -> HttpResponse:
    return JsonResponse({"error": f"Request body too large (limit {limit} bytes)"}, status=413)
