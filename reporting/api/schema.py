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

_RECORDS_RESPONSE = {
    "type": "object",
    "properties": {
        "records": {"type": "array", "items": {"type": "object"}},
        "pagination": {"type": "object", "properties": {"next_page_info": {"type": "string", "nullable": True}}},
        "result_type": {"type": "string", "enum": ["records"]},
    },
}
_TIMESERIES_RESPONSE = {
    "type": "object",
    "properties": {
        "interval": {"type": "string", "enum": ["5m", "1h", "1d", "1w", "1mo"]},
        "range_timezone": {"type": "string", "description": 'The context\'s IANA time zone, or "local"'},
        "time_buckets": {"type": "array", "items": {"type": "string"}},
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "label": {"type": "object"},
                    "values": {"type": "array", "items": {"type": "integer", "nullable": True}},
                    "timezone": {"type": "string", "description": 'Only in the "local" form'},
                },
            },
        },
        "data_points": {"type": "integer", "maximum": 1000},
        "result_type": {"type": "string", "enum": ["timeseries"]},
    },
}
_TIMESTAMP_BOUND = {
    "type": "string",
    "description": "Timeseries only, required. With an offset: an instant; without: wall-clock time in each "
    "community's time zone (a plain date is its midnight).",
}

QUERY: dict[str, Any] = {
    "summary": "Query (records or timeseries, as the report's result_type)",
    "parameters": _CONTEXT_HEADERS,
    "request": {
        "application/json": {
            "type": "object",
            "required": ["report"],
            "properties": {
                "report": _REPORT,
                "filter": _FILTER,
                "aggregate_by": {"type": "string", "nullable": True},
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 1000,
                    "default": 100,
                    "description": "Records only",
                },
                "next_page_info": {"type": "string", "nullable": True, "description": "Records only"},
                "page_info": {
                    "type": "string",
                    "nullable": True,
                    "description": "Records only; alias of next_page_info",
                },
                "interval": {
                    "type": "string",
                    "enum": ["auto", "5m", "1h", "1d", "1w", "1mo"],
                    "default": "auto",
                    "description": "Timeseries only; the report's metadata lists its intervals",
                },
                "from": _TIMESTAMP_BOUND,
                "to": _TIMESTAMP_BOUND,
            },
        }
    },
    "responses": {200: OpenApiResponse({"oneOf": [_RECORDS_RESPONSE, _TIMESERIES_RESPONSE]}), **_ERRORS},
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
        ),
        OpenApiExample(
            "Joins and leaves per day, by consent",
            value={
                "report": "member_balance",
                "filter": None,
                "aggregate_by": "consents",
                "interval": "auto",
                "from": "2024-04-08T00:00:00.000-06:00",
                "to": "2024-04-25T00:00:00.000-06:00",
            },
            request_only=True,
        ),
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
                "from": {**_TIMESTAMP_BOUND, "description": "Timeseries reports only, optional: the time window"},
                "to": {**_TIMESTAMP_BOUND, "description": "Timeseries reports only, optional: the time window"},
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
