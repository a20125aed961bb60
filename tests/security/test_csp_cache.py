"""reporting.csp.CachedCSPMiddleware writes exactly the headers django-csp's own middleware writes: a plain
response, a per-view policy, a request that used its nonce, and a policy changed in the settings."""

from __future__ import annotations

from typing import Any

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from reporting.csp import CachedCSPMiddleware

HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def _headers(middleware_class: type[CSPMiddleware], prepare: Any, middleware: Any = None) -> dict[str, str | None]:
    middleware = middleware or middleware_class(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/dashboards/")
    middleware.process_request(request)
    response = HttpResponse("ok")
    prepare(request, response)
    middleware.process_response(request, response)
    return {name: response.headers.get(name) for name in HEADERS}


def _plain(request: Any, response: Any) -> None:
    pass


def _per_view(request: Any, response: Any) -> None:
    response._csp_update = {"img-src": ["https://tiles.example"]}


def _nonce(request: Any, response: Any) -> None:
    str(request.csp_nonce)


@pytest.mark.parametrize("prepare", [_plain, _per_view, _nonce])
def test_the_same_headers_as_django_csp(prepare):
    cached = CachedCSPMiddleware(lambda request: HttpResponse("ok"))
    for _ in range(2):  # the second answer comes from what the first built
        request = RequestFactory().get("/dashboards/")
        cached.process_request(request)
        response = HttpResponse("ok")
        prepare(request, response)
        cached.process_response(request, response)
        assert {name: response.headers.get(name) for name in HEADERS} == _headers(CSPMiddleware, prepare)
    assert response.headers.get("Content-Security-Policy")


def test_a_changed_policy_is_built_again(settings):
    middleware = CachedCSPMiddleware(lambda request: HttpResponse("ok"))
    before = _headers(CachedCSPMiddleware, _plain, middleware)
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    after = _headers(CachedCSPMiddleware, _plain, middleware)
    assert after["Content-Security-Policy"] == "default-src 'none'"
    assert after != before
