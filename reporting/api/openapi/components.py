"""Named, reusable OpenAPI components: errors, pages, metadata, exports, geo, ingestion, and the response headers.

Values come from the registries the views validate against (report declarations, export formats and statuses,
place types, product limits), so the schema and the validation cannot disagree.
"""

from __future__ import annotations

from typing import Any

from reporting import enums as product_enums
from reporting.api.openapi.reports import (
    TEXT,
    TIMESTAMP_OUT,
    WINDOW_BOUND,
    Enums,
    Schema,
    nullable,
    pascal,
    ref,
    report_components,
    report_const,
    timeseries_reports,
)
from reporting.conf import reporting_setting
from reporting.exports.formats import FORMATS
from reporting.models import Export
from reporting.outage import CACHE, DATABASE
from reporting.query import errors
from reporting.query.filters import ALL_OPS
from reporting.reports import all_reports
from reporting.reports.declarations import FieldType, KeyedKind, Report

MAX_PLACE_ID_LENGTH = 64
MAX_COORDINATE_IDS = 1000
ERROR_CODES = [
    errors.REQUIRED, errors.UNKNOWN, errors.NOT_FILTERABLE, errors.INVALID_TYPE, errors.INVALID_VALUE,
    errors.NOT_ALLOWED, errors.TOO_DEEP, errors.TOO_MANY, errors.INVALID_CURSOR, errors.TOO_MANY_TIME_POINTS,
]  # fmt: skip


def _object(properties: dict[str, Schema], *, required: list[str] | None = None, description: str = "") -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    required = list(properties) if required is None else required
    if required:  # OpenAPI 3.0 forbids an empty list
        schema["required"] = required
    if description:
        schema["description"] = description
    return schema


def _text(max_length: int) -> Schema:
    return {**TEXT, "minLength": 1, "maxLength": max_length}


def error_components(enums: Enums) -> dict[str, Schema]:
    return {
        "Error": {
            "type": "object",
            "description": "Every error but validation: a human-readable message",
            "properties": {"error": {"type": "string"}},
            "required": ["error"],
        },
        "Unavailable": {
            "type": "object",
            "description": "503: a dependency is away; the same request succeeds once it is back (Retry-After)",
            "properties": {
                "error": {"type": "string"},
                "code": enums.ref("UnavailableCode", [DATABASE.code, CACHE.code]),
            },
            "required": ["error", "code"],
        },
        "ValidationError": {
            "type": "object",
            "description": "422: every problem of the request, at its path in `details`",
            "properties": {"error": {"type": "string", "enum": ["Invalid parameters"]}, "details": ref("ErrorDetails")},
            "required": ["error", "details"],
        },
        "ErrorDetails": {
            "type": "object",
            "description": "Mirrors the request body: a key per invalid key (array indexes as strings), each "
            "holding a list of problems or, for a nested object, another ErrorDetails",
            "additionalProperties": {
                "oneOf": [{"type": "array", "items": ref("ErrorEntry")}, ref("ErrorDetails")],
            },
        },
        "ErrorEntry": {
            "type": "object",
            "properties": {
                "error": enums.ref("ErrorCode", ERROR_CODES),
                "options": {"type": "object", "additionalProperties": True},
            },
            "required": ["error", "options"],
            "additionalProperties": False,
        },
    }


def page_components(enums: Enums) -> dict[str, Schema]:
    components = {
        "Pagination": _object({"next_page_info": nullable({"type": "string", "description": "null on the last page"})}),
        "RecordsPage": _object(
            {
                "records": {"type": "array", "items": ref("Record")},
                "pagination": ref("Pagination"),
                "result_type": enums.ref("RecordsResultType", ["records"]),
            },
            description="One page of records, or of an aggregation's rows",
        ),
    }
    if timeseries_reports():
        components.update(timeseries_components(enums))
        components["QueryResult"] = {
            "oneOf": [ref("RecordsPage"), ref("TimeseriesResult")],
            "discriminator": {
                "propertyName": "result_type",
                "mapping": {
                    "records": "#/components/schemas/RecordsPage",
                    "timeseries": "#/components/schemas/TimeseriesResult",
                },
            },
        }
    return components


def timeseries_components(enums: Enums) -> dict[str, Schema]:
    intervals = sorted({i for report in timeseries_reports() for i in report.intervals}, key=_interval_order)
    return {
        "TimeseriesSeries": _object(
            {
                "label": {
                    "type": "object",
                    "description": "What the series counts, e.g. {type: in, gender: woman}",
                    "additionalProperties": {"nullable": True, "anyOf": [{"type": "string"}, {"type": "boolean"}]},
                },
                "values": {
                    "type": "array",
                    "description": "values[i] belongs to time_buckets[i]; null where this series has no data",
                    "items": nullable({"type": "integer"}),
                },
                "timezone": {"type": "string", "description": "Only when range_timezone is local"},
            },
            required=["label", "values"],
        ),
        "TimeseriesResult": _object(
            {
                "interval": enums.ref("Interval", intervals),
                "range_timezone": {"type": "string", "description": "An IANA time zone, or local"},
                "time_buckets": {"type": "array", "items": {"type": "string"}},
                "series": {"type": "array", "items": ref("TimeseriesSeries")},
                "data_points": {"type": "integer", "minimum": 0, "maximum": 1000},
                "result_type": enums.ref("TimeseriesResultType", ["timeseries"]),
            },
            description="Time buckets and one series of values per label (reporting-api.md §6)",
        ),
    }


def _interval_order(interval: str) -> tuple[int, int]:
    units = {"m": 0, "h": 1, "d": 2, "w": 3, "mo": 4}
    number = int("".join(c for c in interval if c.isdigit()) or 0)
    return units.get(interval.lstrip("0123456789"), 9), number


def metadata_components(enums: Enums) -> dict[str, Schema]:
    names = [report.name for report in all_reports()]
    field_types = sorted({t.value for t in FieldType})
    return {
        "MetadataRequest": _object(
            {"report": {**nullable(enums.ref("ReportName", names)), "description": "null or absent: the list"}},
            required=[],
        ),
        "ReportSummary": _object(
            {
                "report": enums.ref("ReportName", names),
                "result_type": enums.ref("ResultType", ["records", "timeseries"]),
                "permit": {"type": "string"},
                "cost": {"type": "integer"},
            }
        ),
        "ReportList": _object({"reports": {"type": "array", "items": ref("ReportSummary")}}),
        "FieldMetadata": _object(
            {
                "name": {"type": "string"},
                "type": enums.ref("FieldType", field_types),
                "filterable": {"type": "boolean"},
                "readonly": {"type": "boolean"},
                "description": {"type": "string"},
                "values": {"type": "array", "items": {"type": "string"}},
                "keys_filterable": {"type": "string"},
                "key_type": enums.ref("KeyType", [k.value for k in KeyedKind]),
                "filter_operations": {"type": "array", "items": enums.ref("FilterOperation", list(ALL_OPS))},
            },
            required=["name", "type", "filterable", "readonly", "description"],
        ),
        "ColumnMetadata": _object({"name": {"type": "string"}, "type": enums.ref("FieldType", field_types)}),
        "AggregationMetadata": _object(
            {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "fields": {"type": "array", "items": ref("ColumnMetadata")},
            }
        ),
        "ReportMetadata": _object(
            {
                "report": enums.ref("ReportName", names),
                "result_type": enums.ref("ResultType", ["records", "timeseries"]),
                "permit": {"type": "string"},
                "cost": {"type": "integer"},
                "description": {"type": "string"},
                "fields": {"type": "array", "items": ref("FieldMetadata")},
                "aggregations": {"type": "array", "items": ref("AggregationMetadata")},
                "intervals": {"type": "array", "items": {"type": "string"}},
                "filter_operations": {"type": "array", "items": enums.ref("FilterOperation", list(ALL_OPS))},
            },
            required=[
                "report",
                "result_type",
                "permit",
                "cost",
                "description",
                "fields",
                "aggregations",
                "filter_operations",
            ],
        ),
        "Metadata": {"oneOf": [ref("ReportList"), ref("ReportMetadata")]},
        "FieldValue": _object(
            {
                "value": {"nullable": True, "description": "A value of the field (any JSON scalar), or null"},
                "members_count": {"type": "integer"},
            }
        ),
        "FieldValues": _object(
            {
                "report": enums.ref("ReportName", names),
                "field": {"type": "string"},
                "type": {"type": "string"},
                "values": {"type": "array", "items": ref("FieldValue")},
            }
        ),
        **{f"{pascal(r.name)}FieldMetadataRequest": field_metadata_request(enums, r) for r in all_reports()},
        "FieldMetadataRequest": {
            "oneOf": [ref(f"{pascal(r.name)}FieldMetadataRequest") for r in all_reports()],
            "discriminator": {
                "propertyName": "report",
                "mapping": {
                    r.name: f"#/components/schemas/{pascal(r.name)}FieldMetadataRequest" for r in all_reports()
                },
            },
        },
    }


def field_metadata_request(enums: Enums, report: Report) -> Schema:
    """The fields field metadata lists: the filterable ones, the keyed objects themselves, and their keys."""
    names = [f.name for f in report.fields if f.filterable or f.keyed is not None]
    keyed = [f.name for f in report.fields if f.keyed is not None]
    field: Schema = {"type": "string", "enum": names}
    if keyed:
        pattern = f"^({'|'.join(keyed)})\\.[A-Za-z0-9_]{{1,64}}$"
        field = {"anyOf": [field, {"type": "string", "pattern": pattern}]}
    return _object(
        {
            "report": report_const(enums, report),
            "field": field,
            "filter": nullable(ref(f"{pascal(report.name)}Filter")),
            "limit": nullable({"type": "integer", "minimum": 1, "maximum": reporting_setting("MAX_PAGE_SIZE")}),
            **({"from": WINDOW_BOUND, "to": WINDOW_BOUND} if report.result_type == "timeseries" else {}),
        },
        required=["report", "field"],
        description=f"Values of one field of report `{report.name}`",
    )


def export_components(enums: Enums) -> dict[str, Schema]:
    return {
        "Export": _object(
            {
                "id": {"type": "string", "format": "uuid"},
                "status": enums.ref("ExportStatus", [s.value for s in Export.Status]),
                "kind": enums.ref("ExportKind", [k.value for k in Export.Kind]),
                "report": {"type": "string"},
                "aggregate_by": nullable({"type": "string"}),
                "format": enums.ref("ExportFormat", list(FORMATS), description="Default csv"),
                "community_ids": {"type": "array", "items": {"type": "integer", "format": "int64"}},
                "rows_total": nullable({"type": "integer"}),
                "rows_done": {"type": "integer"},
                "progress": {"type": "number", "minimum": 0, "maximum": 1},
                "size_bytes": nullable({"type": "integer"}),
                "created_at": TIMESTAMP_OUT,
                "started_at": nullable(TIMESTAMP_OUT),
                "finished_at": nullable(TIMESTAMP_OUT),
                "expires_at": nullable(TIMESTAMP_OUT),
                "download_url": nullable({"type": "string", "format": "uri"}),
                "error": nullable({"type": "string"}),
                "waiting_for_worker": {
                    "type": "boolean",
                    "description": "Pending and not picked up by any worker for EXPORTS_WAITING_NOTICE_SECONDS",
                },
                "notice": nullable({"type": "string", "description": "Why the export is not progressing"}),
            },
            description="An export (reporting-api.md §8); download_url is set once it succeeded",
        ),
        "ExportList": _object(
            {"exports": {"type": "array", "items": ref("Export")}, "pagination": ref("Pagination")},
            description="The caller's exports, newest first",
        ),
    }


def geo_components(enums: Enums) -> dict[str, Schema]:
    cursor = nullable({"type": "string", "description": "The cursor from the previous page"})
    return {
        "PlacesRequest": _object(
            {
                "type": nullable(enums.ref("PlaceType", list(product_enums.PLACE_TYPES))),
                "country": nullable({"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1"}),
                "parent_id": nullable(_text(MAX_PLACE_ID_LENGTH)),
                "query": nullable({**_text(200), "description": "Name prefix, case-insensitive"}),
                "limit": nullable({"type": "integer", "minimum": 1, "maximum": reporting_setting("MAX_PAGE_SIZE")}),
                "next_page_info": cursor,
                "page_info": {**cursor, "description": "Alias of next_page_info"},
            },
            required=[],
            description="Places matching every given criterion (null or absent: no condition)",
        ),
        "Place": _object(
            {
                "id": {"type": "string", "description": "ISO 3166-1 alpha-2 for a country, else the GeoNames id"},
                "type": enums.ref("PlaceType", list(product_enums.PLACE_TYPES)),
                "name": {"type": "string"},
                "country": {"type": "string"},
                "parent_id": nullable({"type": "string"}),
                "latitude": nullable({"type": "number"}),
                "longitude": nullable({"type": "number"}),
                "timezone": nullable({"type": "string"}),
            }
        ),
        "PlacesPage": _object(
            {
                "records": {"type": "array", "items": ref("Place")},
                "pagination": ref("Pagination"),
                "result_type": enums.ref("RecordsResultType", ["records"]),
            }
        ),
        "CoordinatesRequest": _object(
            {
                "place_ids": {
                    "type": "array",
                    "maxItems": MAX_COORDINATE_IDS,
                    "items": _text(MAX_PLACE_ID_LENGTH),
                }
            }
        ),
        "Location": _object(
            {
                "place_id": {"type": "string"},
                "latitude": nullable({"type": "number"}),
                "longitude": nullable({"type": "number"}),
            }
        ),
        "Locations": _object(
            {"locations": {"type": "array", "items": ref("Location")}},
            description="The known places among place_ids, in request order; unknown ids are left out",
        ),
    }


def ingest_components() -> dict[str, Schema]:
    return {
        "OperationalMember": {
            "type": "object",
            "additionalProperties": True,
            "description": "An operational member (docs/ingestion.md); each is checked on its own, and a bad one "
            "is listed in `rejected` without stopping the others",
        },
        "IngestRequest": _object(
            {
                "members": {
                    "type": "array",
                    "maxItems": reporting_setting("INGEST_MAX_MEMBERS"),
                    "items": ref("OperationalMember"),
                }
            }
        ),
        "IngestRejection": _object({"index": {"type": "integer"}, "details": ref("ErrorDetails")}),
        "IngestResult": _object(
            {
                "created": {"type": "integer"},
                "updated": {"type": "integer"},
                "deleted": {"type": "integer"},
                "rejected": {"type": "array", "items": ref("IngestRejection")},
            }
        ),
    }


def all_schemas() -> dict[str, Schema]:
    from reporting.exports.sources import exportable_reports

    schemas: dict[str, Schema] = {}
    enums = Enums()
    for part in (
        error_components(enums),
        report_components(enums, exportable_reports(), FORMATS),
        page_components(enums),
        metadata_components(enums),
        export_components(enums),
        geo_components(enums),
        ingest_components(),
        enums.schemas,
    ):
        overlap = set(schemas) & set(part)
        if overlap:
            raise ValueError(f"component names declared twice: {sorted(overlap)}")
        schemas.update(part)
    return schemas


# --- Response headers ----------------------------------------------------------------------------------------

HEADERS: dict[str, dict[str, Any]] = {
    "RateLimitBucket": {"description": "The bucket this request was charged to", "schema": {"type": "string"}},
    "RateLimitRemaining": {
        "description": "Tokens left in the bucket (negative: the deficit of a refused request)",
        "schema": {"type": "integer"},
    },
    "RateLimitCost": {"description": "What this request cost", "schema": {"type": "integer", "minimum": 0}},
    "RateLimitLimit": {"description": "The bucket's capacity", "schema": {"type": "integer", "minimum": 0}},
    "RetryAfter": {"description": "Whole seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}},
    "Location": {"description": "Where the created resource is", "schema": {"type": "string"}},
    "IdempotentReplayed": {
        "description": "`true` when an earlier request with this Idempotency-Key created the export",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "WWWAuthenticate": {"description": "The scheme to authenticate with", "schema": {"type": "string"}},
    "ContentDisposition": {"description": "attachment; filename=…", "schema": {"type": "string"}},
}

__all__ = ["HEADERS", "all_schemas"]
