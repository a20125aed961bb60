"""OpenAPI descriptions of the reporting endpoints (the views validate bodies themselves, against the
report declarations, so the schema is written here rather than derived from serializers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from reporting.query.filters import ALL_OPS
from reporting.reports import all_reports

_CONTEXT_HEADERS = [
    OpenApiParameter(
        "X-Customer",
        str,
        OpenApiParameter.HEADER,
        description="Communities in context: `235`, `id=235_236`, `all=all`, `country=NO;slug=oslo-city`",
    ),
    OpenApiParameter(
        "X-Loyalty-Club-Slug",
        str,
        OpenApiParameter.HEADER,
        description="One community by slug (instead of X-Customer)",
    ),
]

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_INVALID = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "enum": ["Invalid parameters"]},
        "details": {"type": "object"},
    },
}
_FILTER: dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "A filter tree (reporting-api.md §4a): {type: and|or, operations: [...]} or "
    "{type: <op>, field: <name or consents.<key> / properties.<key>>, value: ...}",
    "properties": {
        "type": {"type": "string", "enum": list(ALL_OPS)},
        "operations": {"type": "array", "items": {"type": "object"}},
        "field": {"type": "string"},
        "value": {},
    },
}
_REPORT = {"type": "string", "enum": [r.name for r in all_reports()]}
_ERRORS = {
    400: OpenApiResponse(_ERROR, description="Malformed JSON"),
    401: OpenApiResponse(_ERROR, description="Missing or unknown token"),
    403: OpenApiResponse(_ERROR, description="Missing permit, or a community outside the grant"),
    413: OpenApiResponse(_ERROR, description="Body over 1 MiB"),
    422: OpenApiResponse(_INVALID, description="Invalid parameters with a details tree"),
    429: OpenApiResponse(_ERROR, description="Rate limit exceeded (Retry-After)"),
    470: OpenApiResponse(_ERROR, description="Missing X-Customer header"),
    471: OpenApiResponse(_ERROR, description="Unparseable X-Customer header"),
}

QUERY: dict[str, Any] = {
    "summary": "Query (records)",
    "parameters": _CONTEXT_HEADERS,
    "request": {
        "application/json": {
            "type": "object",
            "required": ["report"],
            "properties": {
                "report": _REPORT,
                "filter": _FILTER,
                "aggregate_by": {"type": "string", "nullable": True},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                "next_page_info": {"type": "string", "nullable": True},
                "page_info": {"type": "string", "nullable": True, "description": "Alias of next_page_info"},
            },
        }
    },
    "responses": {
        200: OpenApiResponse(
            {
                "type": "object",
                "properties": {
                    "records": {"type": "array", "items": {"type": "object"}},
                    "pagination": {
                        "type": "object",
                        "properties": {"next_page_info": {"type": "string", "nullable": True}},
                    },
                    "result_type": {"type": "string", "enum": ["records"]},
                },
            }
        ),
        **_ERRORS,
    },
    "examples": [
        OpenApiExample(
            "Women reachable by e-mail, by age",
            value={
                "report": "members",
                "filter": {
                    "type": "and",
                    "operations": [
                        {"type": "equal", "field": "gender", "value": "woman"},
                        {"type": "equal", "field": "marketing_via_email", "value": True},
                    ],
                },
                "aggregate_by": "age_count",
            },
            request_only=True,
        )
    ],
}

METADATA: dict[str, Any] = {
    "summary": "Metadata",
    "request": {"application/json": {"type": "object", "properties": {"report": _REPORT}}},
    "responses": {200: OpenApiResponse({"type": "object"}), **_ERRORS},
}

FIELD_METADATA: dict[str, Any] = {
    "summary": "Field metadata",
    "parameters": _CONTEXT_HEADERS,
    "request": {
        "application/json": {
            "type": "object",
            "required": ["report", "field"],
            "properties": {
                "report": _REPORT,
                "field": {"type": "string"},
                "filter": _FILTER,
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
            },
        }
    },
    "responses": {200: OpenApiResponse({"type": "object"}), **_ERRORS},
}

INGEST: dict[str, Any] = {
    "summary": "Ingest members",
    "request": {
        "application/json": {
            "type": "object",
            "required": ["members"],
            "properties": {"members": {"type": "array", "maxItems": 10000, "items": {"type": "object"}}},
        }
    },
    "responses": {
        200: OpenApiResponse(
            {
                "type": "object",
                "properties": {
                    "created": {"type": "integer"},
                    "updated": {"type": "integer"},
                    "deleted": {"type": "integer"},
                    "rejected": {"type": "array", "items": {"type": "object"}},
                },
            }
        ),
        **_ERRORS,
    },
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "reporting.api.authentication.ApiTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's token (`Authorization: Bearer …` or `X-Client-Authorization: …`)",
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):
    target_class = "reporting.api.authentication.CsrfSessionAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "Dashboard session, with CSRF"}
