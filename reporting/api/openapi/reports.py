"""OpenAPI components derived from the report declarations: the schema cannot drift from what the API validates.

For every report in the registry: its request bodies (query, export) with the report's own filter language
(each leaf lists exactly the fields and operations the filter parser accepts, with the value type it checks),
its records, and the rows of each aggregation. A report added to ``reporting.reports`` appears here without an
edit. Rows of the same shape (the same columns of the same types) share one component, named after the shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reporting.conf import reporting_setting
from reporting.query.filters import COMPARISON_OPS, EQUALITY_OPS, LIST_OPS, LOGICAL_OPS, FieldRef, allowed_ops
from reporting.query.values import BIGINT_MAX, BIGINT_MIN, KEY_PATTERN, MAX_STRING_LENGTH
from reporting.reports import all_reports
from reporting.reports.declarations import Aggregation, Field, FieldType, KeyedKind, Report

Schema = dict[str, Any]

INTEGER: Schema = {"type": "integer", "format": "int64", "minimum": BIGINT_MIN, "maximum": BIGINT_MAX}
# The parser refuses NUL (PostgreSQL text cannot hold it) and strings over MAX_STRING_LENGTH.
TEXT: Schema = {"type": "string", "maxLength": MAX_STRING_LENGTH, "pattern": "^[^\\u0000]*$"}
TIMESTAMP_IN: Schema = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601; without an offset it is UTC; a plain date means its midnight UTC",
}
TIMESTAMP_OUT: Schema = {"type": "string", "format": "date-time", "example": "2024-04-09T13:34:29.439000Z"}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


class Enums:
    """Named enum components: one class per set of values in a generated client, shared by every schema using it."""

    def __init__(self) -> None:
        self.schemas: dict[str, Schema] = {}

    def ref(self, name: str, values: Iterable[str], *, description: str = "", prefix: str = "") -> Schema:
        schema: Schema = {"type": "string", "enum": list(values)}
        if description:
            schema["description"] = description
        existing = self.schemas.get(name)
        if existing is not None and existing["enum"] != schema["enum"]:
            if not prefix:
                raise ValueError(f"enum {name} declared with other values")
            return self.ref(prefix + name, values, description=description)
        self.schemas.setdefault(name, schema)
        return ref(name)


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace(".", "_").split("_") if part)


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


# --- Output: records and aggregation rows ------------------------------------------------------------------


def output_schema(
    enums: Enums,
    name: str,
    field_type: FieldType,
    *,
    values: Iterable[str] | None = None,
    keyed: KeyedKind | None = None,
    prefix: str = "",
) -> Schema:
    match field_type:
        case FieldType.INTEGER:
            return {"type": "integer", "format": "int64"}
        case FieldType.STRING:
            return {"type": "string"}
        case FieldType.ENUM:
            return enums.ref(pascal(name), values or (), prefix=prefix)
        case FieldType.BOOLEAN:
            return {"type": "boolean"}
        case FieldType.TIMESTAMP:
            return dict(TIMESTAMP_OUT)
        case FieldType.INTEGER_ARRAY:
            return {"type": "array", "items": {"type": "integer", "format": "int64"}}
        case FieldType.OBJECT:
            if keyed is KeyedKind.BOOLEAN:
                return {"type": "object", "additionalProperties": {"type": "boolean"}}
            return {"type": "object", "additionalProperties": True}
    raise ValueError(field_type)


def _closed_object(properties: dict[str, Schema], description: str) -> Schema:
    """Every column is always present (null where empty) and no other: so exactly one record shape matches."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def record_schema(enums: Enums, report: Report) -> Schema:
    properties = {}
    prefix = pascal(report.name)
    for field in report.fields:
        schema = output_schema(enums, field.name, field.type, values=field.values, keyed=field.keyed, prefix=prefix)
        if "$ref" not in schema:
            schema["description"] = field.description
        properties[field.name] = nullable(schema) if field.nullable else schema
    return _closed_object(properties, f"A record of report `{report.name}`: {report.description}")


def row_columns(enums: Enums, report: Report, aggregation: Aggregation) -> list[tuple[str, Schema]]:
    groups = {group.name: group for group in aggregation.groups}
    columns = []
    for name, field_type in aggregation.output_fields:
        group = groups.get(name)
        values = group.values if group else None
        schema = output_schema(enums, name, field_type, values=values, prefix=pascal(report.name))
        # Group values can be null (members without a gender form the null group); counts and ids cannot.
        columns.append((name, nullable(schema) if group is not None else schema))
    return columns


def row_name(aggregation: Aggregation) -> str:
    groups = "".join(pascal(group.name) for group in aggregation.groups)
    return f"{'Community' if aggregation.per_community else ''}{groups}CountRow"


# --- Input: the filter language of each report -------------------------------------------------------------


def element_schema(enums: Enums, report: Report, field: Field) -> Schema:
    """What the parser's check_field_value accepts for one value of ``field`` (array fields: one element)."""
    match field.type:
        case FieldType.INTEGER | FieldType.INTEGER_ARRAY:
            return dict(INTEGER)
        case FieldType.STRING:
            return dict(TEXT)
        case FieldType.ENUM:
            return enums.ref(pascal(field.name), field.values or (), prefix=pascal(report.name))
        case FieldType.BOOLEAN:
            return {"type": "boolean"}
        case FieldType.TIMESTAMP:
            return dict(TIMESTAMP_IN)
    raise ValueError(f"{field.name} is not filterable")


SCALAR_JSON: Schema = {
    "description": "A JSON string, number (whole numbers within 64 bits) or boolean",
    "anyOf": [TEXT, INTEGER, {"type": "number", "not": {"type": "integer"}}, {"type": "boolean"}],
}


_OPERATION_NAMES = {
    EQUALITY_OPS: "EqualityOperation",
    COMPARISON_OPS: "ComparisonOperation",
    LIST_OPS: "ListOperation",
    LOGICAL_OPS: "LogicalOperation",
}


def _leaf(enums: Enums, ops: tuple[str, ...], field_schema: Schema, value: Schema, description: str) -> Schema:
    return {
        "type": "object",
        "description": description,
        "properties": {"type": enums.ref(_OPERATION_NAMES[ops], ops), "field": field_schema, "value": value},
        "required": ["type", "field", "value"],
        "additionalProperties": False,
    }


def _list_of(item: Schema) -> Schema:
    return {"type": "array", "minItems": 1, "maxItems": reporting_setting("MAX_IN_VALUES"), "items": nullable(item)}


def _leaves_for(
    enums: Enums,
    prefix: str,
    ops: list[str],
    field_schema: Schema,
    element: Schema,
    comparison: Schema | None = None,
) -> dict[str, Schema]:
    """The condition nodes of one group of fields: equality (value or null), comparison, in/not_in lists."""
    leaves = {
        f"{prefix}Equality": _leaf(
            enums, EQUALITY_OPS, field_schema, nullable(element), "field = value (null: IS NULL)"
        ),
        f"{prefix}InList": _leaf(
            enums, LIST_OPS, field_schema, _list_of(element), "field equals any / none of the values"
        ),
    }
    if any(op in ops for op in COMPARISON_OPS):
        leaves[f"{prefix}Comparison"] = _leaf(
            enums, COMPARISON_OPS, field_schema, comparison or element, "field compared with a number or timestamp"
        )
    return leaves


_KIND_NAMES = {
    FieldType.INTEGER: "Integer",
    FieldType.INTEGER_ARRAY: "IntegerArray",
    FieldType.STRING: "String",
    FieldType.BOOLEAN: "Boolean",
    FieldType.TIMESTAMP: "Timestamp",
}


def filter_components(enums: Enums, report: Report) -> dict[str, Schema]:
    """``<Report>Filter``: a logical node or one of the report's condition nodes, recursively."""
    stem = pascal(report.name)
    groups: dict[str, tuple[list[str], Field]] = {}
    components: dict[str, Schema] = {}
    for field in report.filterable_fields:
        if field.keyed is not None:
            continue
        kind = pascal(field.name) if field.type is FieldType.ENUM else _KIND_NAMES[field.type]
        group = groups.setdefault(kind, ([], field))
        group[0].append(field.name)
    for kind, (names, field) in groups.items():
        field_schema = enums.ref(f"{stem}{kind}Field", names)
        ops = allowed_ops(FieldRef(field))
        element = element_schema(enums, report, field)
        components.update(_leaves_for(enums, f"{stem}{kind}", ops, field_schema, element))
    for field in report.fields:
        if field.keyed is None:
            continue
        field_schema = {"type": "string", "pattern": f"^{field.name}\\.{KEY_PATTERN.pattern[1:-1]}$"}
        ops = allowed_ops(FieldRef(field, "key"))
        if field.keyed is KeyedKind.BOOLEAN:
            leaves = _leaves_for(enums, f"{stem}{pascal(field.name)}Key", ops, field_schema, {"type": "boolean"})
            components.update(leaves)
        else:
            comparison = {"description": "A number or a timestamp", "anyOf": [{"type": "number"}, TIMESTAMP_IN]}
            leaves = _leaves_for(enums, f"{stem}{pascal(field.name)}Key", ops, field_schema, SCALAR_JSON, comparison)
            components.update(leaves)
    logical = f"{stem}LogicalFilter"
    components[logical] = {
        "type": "object",
        "description": "Every (and) or any (or) of the operations; never empty. Depth at most "
        f"{reporting_setting('MAX_FILTER_DEPTH')}, at most {reporting_setting('MAX_FILTER_NODES')} nodes in all.",
        "properties": {
            "type": enums.ref(_OPERATION_NAMES[LOGICAL_OPS], LOGICAL_OPS),
            "operations": {"type": "array", "minItems": 1, "items": ref(f"{stem}Filter")},
        },
        "required": ["type", "operations"],
        "additionalProperties": False,
    }
    components[f"{stem}Filter"] = {
        "description": f"A filter over report `{report.name}` (reporting-api.md §4a, docs/query-language.md)",
        "oneOf": [ref(name) for name in components],
    }
    return components


# --- Request bodies ----------------------------------------------------------------------------------------


def report_const(enums: Enums, report: Report) -> Schema:
    return enums.ref(f"{pascal(report.name)}ReportName", [report.name])


def _aggregate_by(enums: Enums, report: Report) -> Schema:
    names = [aggregation.name for aggregation in report.aggregations]
    if not names:
        return {"type": "string", "enum": [None], "nullable": True, "description": "No aggregations: null"}
    return nullable(enums.ref(f"{pascal(report.name)}Aggregation", names))


WINDOW_BOUND: Schema = {
    **TIMESTAMP_IN,
    "description": "ISO 8601 between 1900 and 2200. With an offset: an instant; without: wall-clock time in each "
    "community's time zone (a plain date is its midnight)",
}


def _query_properties(enums: Enums, report: Report, *, paged: bool) -> tuple[dict[str, Schema], list[str]]:
    """The query part of a body (properties, required): records pages, or a timeseries window."""
    stem = pascal(report.name)
    properties: dict[str, Schema] = {
        "report": report_const(enums, report),
        "filter": nullable(ref(f"{stem}Filter")),
        "aggregate_by": _aggregate_by(enums, report),
    }
    if report.result_type == "timeseries":
        properties["interval"] = nullable(enums.ref(f"{stem}Interval", [*report.intervals, "auto"]))
        properties["from"] = WINDOW_BOUND
        properties["to"] = {**WINDOW_BOUND, "description": f"After from. {WINDOW_BOUND['description']}"}
        return properties, ["report", "from", "to"]
    properties["segment"] = nullable(
        {
            "type": "integer",
            "format": "int64",
            "minimum": 1,
            "description": "A saved segment of a community in context (of this report): its filter AND `filter`",
        }
    )
    if paged:
        limit = {"type": "integer", "minimum": 1, "maximum": reporting_setting("MAX_PAGE_SIZE")}
        properties["limit"] = nullable({**limit, "default": reporting_setting("DEFAULT_PAGE_SIZE")})
        properties["next_page_info"] = nullable({"type": "string", "description": "The cursor of the previous page"})
        properties["page_info"] = nullable({"type": "string", "description": "Alias of next_page_info"})
    return properties, ["report"]


def query_request(enums: Enums, report: Report) -> Schema:
    properties, required = _query_properties(enums, report, paged=True)
    return {
        "type": "object",
        "description": f"A query of report `{report.name}`",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def export_request(enums: Enums, report: Report, formats: Iterable[str]) -> Schema:
    properties, required = _query_properties(enums, report, paged=False)
    properties["format"] = nullable(enums.ref("ExportFormat", formats, description="Default csv"))
    return {
        "type": "object",
        "description": f"An export of report `{report.name}`: its query without paging, and a file format",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def report_components(enums: Enums, exportable: Iterable[Report], formats: Iterable[str]) -> dict[str, Schema]:
    """Every report-derived component, plus the unions the operations name (QueryRequest, Record, …)."""
    components: dict[str, Schema] = {}
    record_names: list[str] = []
    rows: dict[str, Schema] = {}
    reports = all_reports()
    for report in reports:
        stem = pascal(report.name)
        components.update(filter_components(enums, report))
        components[f"{stem}Query"] = query_request(enums, report)
        if report.result_type == "records":
            components[f"{stem}Record"] = record_schema(enums, report)
            record_names.append(f"{stem}Record")
            for aggregation in report.aggregations:
                columns = row_columns(enums, report, aggregation)
                name = row_name(aggregation)
                schema = _closed_object(dict(columns), f"A row of `{'`, `'.join(c for c, _ in columns)}`")
                if name in rows and rows[name]["properties"] != schema["properties"]:
                    name = f"{stem}{name}"  # same columns, other types: the report's own row
                rows.setdefault(name, schema)
    components.update(rows)
    exportable = list(exportable)
    for report in exportable:
        components[f"{pascal(report.name)}ExportRequest"] = export_request(enums, report, formats)
    components["QueryRequest"] = _union((f"{pascal(r.name)}Query" for r in reports), "report", reports)
    components["ExportRequest"] = _union((f"{pascal(r.name)}ExportRequest" for r in exportable), "report", exportable)
    # Most columns first: a generated client tries the shapes in this order.
    ordered_rows = sorted(rows, key=lambda name: -len(rows[name]["properties"]))
    components["Record"] = {
        "description": "A record of a report, or a row of one of its aggregations (each has its own columns)",
        "oneOf": [ref(name) for name in [*record_names, *ordered_rows]],
    }
    return components


def _union(names: Iterable[str], key: str, reports: Iterable[Report]) -> Schema:
    names = list(names)
    return {
        "oneOf": [ref(name) for name in names],
        "discriminator": {
            "propertyName": key,
            "mapping": {
                report.name: f"#/components/schemas/{name}" for report, name in zip(reports, names, strict=True)
            },
        },
    }


def timeseries_reports() -> list[Report]:
    return [report for report in all_reports() if report.result_type == "timeseries"]
