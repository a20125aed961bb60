"""drf-spectacular post-processing: the named components, request bodies marked required, response headers.

Operations (reporting.api.schema) name components by ``$ref``; this hook adds the components themselves, derived
from the registries at the moment the schema is served, so a report added to the registry appears at once. The
headers each answer carries follow from the order every view works in (docs/api.md "Request handling order"):
only answers given after the rate-limit charge carry ``ratelimit-*``; the rest is per status code.
"""

from __future__ import annotations

from typing import Any

from reporting.api.openapi.components import HEADERS, all_schemas

BODY_REQUIRED = "x-body-required"
LINKS = "x-links"  # {status: {name: OpenAPI link}}: what an answer's body lets the client call next
_RATE_LIMIT = {
    "ratelimit-bucket": "RateLimitBucket",
    "ratelimit-remaining": "RateLimitRemaining",
    "ratelimit-cost": "RateLimitCost",
    "ratelimit-limit": "RateLimitLimit",
}


def _header(component: str, *, required: bool) -> dict[str, Any]:
    return {**HEADERS[component], "required": required}


def _rate_limit_headers(*, required: bool) -> dict[str, Any]:
    return {name: _header(component, required=required) for name, component in _RATE_LIMIT.items()}


def headers_for(status: int, content_types: set[str]) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if 200 <= status < 300 or status == 429:
        headers.update(_rate_limit_headers(required=True))  # success and 429 come after the charge, always
    elif status in (404, 409, 410, 422):
        headers.update(_rate_limit_headers(required=False))  # after the charge, or before it (an unknown report)
    if status in (429, 503):
        headers["Retry-After"] = _header("RetryAfter", required=True)
    elif status == 409:
        headers["Retry-After"] = _header("RetryAfter", required=False)  # only while the export is unfinished
    if status == 202:
        headers["Location"] = _header("Location", required=True)
        headers["Idempotent-Replayed"] = _header("IdempotentReplayed", required=False)
    if status == 401:
        headers["WWW-Authenticate"] = _header("WWWAuthenticate", required=True)
    if status == 200 and content_types and not any("json" in media for media in content_types):
        headers["Content-Disposition"] = _header("ContentDisposition", required=True)
    return headers


# The HTTP server's refusal of a request line longer than it reads (gunicorn's limit_request_line, 4,094 bytes by
# default): the application never sees such a request, so the answer is the server's own page, not JSON.
URI_TOO_LONG = {
    "description": "The request line (path and query string) is longer than the HTTP server accepts; answered by "
    "the server (gunicorn) before the application, with its own HTML page (docs/api.md, Errors and outages)"
}


def contract(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    derived = all_schemas()
    clash = set(schemas) & set(derived)
    if clash:
        raise ValueError(f"components derived twice: {sorted(clash)}")
    schemas.update(derived)
    components["schemas"] = dict(sorted(schemas.items()))
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if operation.pop(BODY_REQUIRED, False) and "requestBody" in operation:
                operation["requestBody"]["required"] = True
            for code, links in operation.pop(LINKS, {}).items():
                operation["responses"][str(code)]["links"] = links
            operation["responses"].setdefault("414", dict(URI_TOO_LONG))
            for code, response in operation["responses"].items():
                headers = headers_for(int(code), set(response.get("content", {})))
                if headers:
                    response["headers"] = {**headers, **response.get("headers", {})}
    return result
