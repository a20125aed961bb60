"""The OpenAPI operations of the API: one ``extend_schema`` keyword set per view method.

The bodies are components derived from the report declarations and the other registries
(``reporting.api.openapi``); an operation names them and lists the answers it can give, which follow from the
steps every view takes (docs/api.md "Request handling order"): authentication (401), the endpoint's permit (403),
the context when the endpoint needs one (470/471/403), the body (400 malformed, 413 too large, 422 invalid), the
rate-limit charge (429), the dependencies (503), then its own answers.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from reporting.api.openapi.hooks import BODY_REQUIRED, LINKS
from reporting.api.openapi.reports import ref, timeseries_reports
from reporting.exports.formats import FORMATS

_CONTEXT_HEADERS = [
    OpenApiParameter(
        "X-Customer",
        str,
        OpenApiParameter.HEADER,
        description="Communities in context: `235`, `id=235_236`, `all=all`, `country=NO;slug=oslo-city`. "
        "This or X-Loyalty-Club-Slug is needed where the answers list 470.",
    ),
    OpenApiParameter(
        "X-Loyalty-Club-Slug",
        str,
        OpenApiParameter.HEADER,
        description="One community by slug (X-Customer wins when both are sent)",
    ),
]
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": "^[\\x21-\\x7e]([\\x20-\\x7e]{0,198}[\\x21-\\x7e])?$"},
    OpenApiParameter.HEADER,
    description="1-200 printable ASCII characters. A retry with the same key and the same request returns the same "
    "export (Idempotent-Replayed: true); the same key with another request is 422.",
)

_ERROR = ref("Error")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(_ERROR, description=description)


ERRORS = {
    400: _error("Malformed JSON"),
    401: _error("Missing or unknown token"),
    403: _error("Missing permit, or a community outside the grant"),
    413: _error("Body over the size limit (1 MiB; ingestion 32 MiB)"),
    422: OpenApiResponse(ref("ValidationError"), description="Invalid parameters, every problem at its path"),
    429: _error("Rate limit exceeded: wait Retry-After seconds"),
    470: _error("Missing X-Customer header"),
    471: _error("Unparseable X-Customer header"),
    503: OpenApiResponse(ref("Unavailable"), description="The database or the rate-limit store is away"),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


_WITH_BODY = (400, 401, 403, 413, 422, 429, 503)
_WITH_CONTEXT = (*_WITH_BODY, 470, 471)
_WITHOUT_BODY = (401, 403, 429, 503)


def _body(component: str, *, required: bool = True) -> dict[str, Any]:
    return {"request": {"application/json": ref(component)}, "extensions": {BODY_REQUIRED: required}}


def _query_result() -> str:
    return "QueryResult" if timeseries_reports() else "RecordsPage"


QUERY: dict[str, Any] = {
    "operation_id": "queryReport",
    "summary": "Query a report",
    "description": "Records (one page, keyset-paginated), an aggregation's rows, or a timeseries. The body names "
    "the report; each report has its own filter fields, aggregations and (timeseries) intervals.",
    "parameters": _CONTEXT_HEADERS,
    **_body("QueryRequest"),
    "responses": {200: OpenApiResponse(ref(_query_result())), **errors(*_WITH_CONTEXT)},
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
    "operation_id": "getMetadata",
    "summary": "Reports, or one report's fields and aggregations",
    "description": "Without `report`: the reports the caller holds permits for. With it: that report's metadata. "
    "Needs no context; an X-Customer sent is still checked and chooses the rate-limit bucket.",
    "parameters": _CONTEXT_HEADERS,
    **_body("MetadataRequest", required=False),
    "responses": {200: OpenApiResponse(ref("Metadata")), **errors(*_WITH_BODY, 471)},
}

FIELD_METADATA: dict[str, Any] = {
    "operation_id": "getFieldValues",
    "summary": "Values of one field in context",
    "description": "The values present, most frequent first, for building filter pickers.",
    "parameters": _CONTEXT_HEADERS,
    **_body("FieldMetadataRequest"),
    "responses": {200: OpenApiResponse(ref("FieldValues")), **errors(*_WITH_CONTEXT)},
}

INGEST: dict[str, Any] = {
    "operation_id": "ingestMembers",
    "summary": "Ingest members",
    "description": "Operational members in, upserted by id; a bad member is listed in `rejected` by its index.",
    **_body("IngestRequest"),
    "responses": {200: OpenApiResponse(ref("IngestResult")), **errors(*_WITH_BODY)},
}


def export_create(*, operation_id: str, summary: str) -> dict[str, Any]:
    by_id = {"parameters": {"id": "$response.body#/id"}}
    links = {name: {"operationId": name, **by_id} for name in ("getExport", "downloadExport", "deleteExport")}
    return {
        "operation_id": operation_id,
        "summary": summary,
        "parameters": [*_CONTEXT_HEADERS, IDEMPOTENCY_HEADER],
        "request": {"application/json": ref("ExportRequest")},
        "extensions": {BODY_REQUIRED: True, LINKS: {202: links}},
        "responses": {
            202: OpenApiResponse(ref("Export"), description="Accepted; Location names the export"),
            **errors(*_WITH_CONTEXT),
        },
        "tags": ["exports"],
    }


def export_list(*, max_limit: int, default_limit: int) -> dict[str, Any]:
    return {
        "operation_id": "listExports",
        "summary": "List exports",
        "description": "The caller's exports, newest first.",
        "parameters": [
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit},
                OpenApiParameter.QUERY,
            ),
            OpenApiParameter("next_page_info", str, OpenApiParameter.QUERY, description="Cursor of the previous page"),
            OpenApiParameter("page_info", str, OpenApiParameter.QUERY, description="Alias of next_page_info"),
            *_CONTEXT_HEADERS,
        ],
        "responses": {200: OpenApiResponse(ref("ExportList")), **errors(*_WITHOUT_BODY, 422, 471)},
        "tags": ["exports"],
    }


_NOT_FOUND = {404: _error("No such export of the caller's")}

EXPORT_SHOW: dict[str, Any] = {
    "operation_id": "getExport",
    "summary": "Show an export",
    "parameters": _CONTEXT_HEADERS,
    "responses": {200: OpenApiResponse(ref("Export")), **_NOT_FOUND, **errors(*_WITHOUT_BODY, 471)},
    "tags": ["exports"],
}

EXPORT_DELETE: dict[str, Any] = {
    "operation_id": "deleteExport",
    "summary": "Cancel or delete an export",
    "description": "Cancels a pending or running export (200 with the export); deletes a finished one and its "
    "file (204).",
    "parameters": _CONTEXT_HEADERS,
    "responses": {
        200: OpenApiResponse(ref("Export"), description="Cancelled"),
        204: OpenApiResponse(None, description="Deleted"),
        **_NOT_FOUND,
        **errors(*_WITHOUT_BODY, 471),
    },
    "tags": ["exports"],
}

_FILE = {"type": "string", "format": "binary"}
_MEDIA_TYPES = sorted({f.content_type.split(";")[0] for f in FORMATS.values()})

EXPORT_DOWNLOAD: dict[str, Any] = {
    "operation_id": "downloadExport",
    "summary": "Download an export's file",
    "description": "The file as an attachment: "
    + ", ".join(f"`{f.name}` as {f.content_type}" for f in FORMATS.values()),
    "parameters": _CONTEXT_HEADERS,
    "responses": {
        **{(200, media): OpenApiResponse(_FILE, description="The file") for media in _MEDIA_TYPES},
        **_NOT_FOUND,
        409: _error("Not finished yet (Retry-After), failed, or cancelled"),
        410: _error("Expired"),
        **errors(*_WITHOUT_BODY, 471),
    },
    "tags": ["exports"],
}

GEO_PLACES: dict[str, Any] = {
    "operation_id": "listPlaces",
    "summary": "List places",
    "description": "Places matching every given criterion, most populous first, keyset-paginated.",
    **_body("PlacesRequest", required=False),
    "responses": {200: OpenApiResponse(ref("PlacesPage")), **errors(*_WITH_BODY)},
    "tags": ["geo"],
}

GEO_PLACE: dict[str, Any] = {
    "operation_id": "getPlace",
    "summary": "Show a place",
    "parameters": [
        OpenApiParameter(
            "place_id",
            {"type": "string"},
            OpenApiParameter.PATH,
            description="ISO 3166-1 alpha-2 for a country, else the GeoNames id",
            examples=[OpenApiExample("Oslo", value="3143244"), OpenApiExample("Norway", value="NO")],
        )
    ],
    "responses": {
        200: OpenApiResponse(ref("Place")),
        404: _error("No place has this id"),
        **errors(401, 403, 429, 503),
    },
    "tags": ["geo"],
}

GEO_COORDINATES: dict[str, Any] = {
    "operation_id": "getCoordinates",
    "summary": "Coordinates of places",
    "description": "Coordinates of the known places among place_ids, in request order; unknown ids are left out.",
    **_body("CoordinatesRequest"),
    "responses": {200: OpenApiResponse(ref("Locations")), **errors(*_WITH_BODY)},
    "tags": ["geo"],
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
