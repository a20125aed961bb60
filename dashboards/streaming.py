"""A dashboard page sent in parts: its ``<head>`` at once, the page when its numbers are computed, and optionally a
slow section (``later``) last, in place of the ``LATER`` marker its template leaves.

The head names the Plotly bundle (``async``) and the page's scripts, so the browser downloads, compiles and runs
1.5 MB of JavaScript while the server still counts members; the first chart then waits for the slower of the two
instead of their sum (docs/performance.md, "What the browser gets"). Everything that can refuse the request
(access, filters, period) is decided before the first byte, so a 4xx is still a whole page with its status.

A failure while computing can no longer change the status (200 went out with the head): the page then ends with
a message saying what happened, and the error is logged as any other would be. A failure of the later section only
puts the message where the section would have been: the charts above it are already on screen.

The overview's later section is its growth over time: the cohorts read the event history and take the longest,
while the member distributions above them are answered from the rollups, so those charts are drawn while growth
is still being computed (docs/dashboards.md, "Streamed in three parts").
"""

from __future__ import annotations

import gzip
import io
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

from reporting.outage import dependency_outage, log_outage

logger = logging.getLogger("dashboards.streaming")

HEAD_END = "</head>"
LATER = "<!--later-->"
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
MAX_RANDOM_NAME = 100  # the BREACH padding Django's gzip_page adds: a random name of up to 100 bytes
FAILED = "This dashboard could not be built. Reload the page to try again."


def streamed_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    complete: Callable[[dict[str, Any]], None],
    later: Callable[[dict[str, Any]], str] | None = None,
) -> StreamingHttpResponse:
    """``template`` rendered with ``context``: its head first (``head_only``), then the whole page after
    ``complete(context)`` has added the page's data, from ``</head>`` on. With ``later``, the page goes out up to
    its ``LATER`` marker, then ``later(context)``'s HTML and the rest of the page."""
    get_token(request)  # the CSRF cookie of the page's forms goes out with the headers, before the body renders

    def parts() -> Iterator[str]:
        head = render_to_string(template, {**context, "head_only": True}, request)
        yield head[: head.index(HEAD_END)]
        try:
            complete(context)
            page = render_to_string(template, context, request)
        except Exception as exc:
            message = _failed(request, exc, "after its head was sent")
            page = render_to_string("dashboards/message.html", {**context, "message": message}, request)
            yield page[page.index(HEAD_END) :]
            return
        body = page[page.index(HEAD_END) :]
        marker = body.find(LATER) if later is not None else -1
        if later is None or marker < 0:
            yield body
            return
        yield body[:marker]
        try:
            section = later(context)
        except Exception as exc:
            message = _failed(request, exc, "after its charts were sent")
            section = render_to_string("dashboards/_later_failed.html", {"message": message}, request)
        yield section + body[marker + len(LATER) :]

    encoded = (part.encode() for part in parts())
    if not ACCEPTS_GZIP.search(request.headers.get("accept-encoding", "")):
        return StreamingHttpResponse(encoded, content_type="text/html; charset=utf-8")
    response = StreamingHttpResponse(gzipped(encoded), content_type="text/html; charset=utf-8")
    response["Content-Encoding"] = "gzip"  # gzip_page leaves a response alone that has one
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def _failed(request: HttpRequest, exc: Exception, when: str) -> str:
    """The message a page shows in place of what failed; the error is logged."""
    outage = dependency_outage(exc)
    if outage is None:
        logger.exception("dashboard page failed %s: %s", when, request.path)
    else:
        log_outage(request, outage, exc)
    return outage.message if outage else FAILED


def gzipped(parts: Iterable[bytes]) -> Iterator[bytes]:
    """gzip of ``parts``, each flushed as it comes (Django's own streaming gzip holds a small head back until
    more follows, which is the wait this module exists to avoid)."""
    buffer = io.BytesIO()
    name = secrets.token_hex(MAX_RANDOM_NAME)[: secrets.randbelow(MAX_RANDOM_NAME) + 1]
    with gzip.GzipFile(filename=name, mode="wb", compresslevel=6, fileobj=buffer, mtime=0) as zfile:
        for part in parts:
            zfile.write(part)
            zfile.flush()
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data
