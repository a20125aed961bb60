"""Reads. The API, the dashboards and the exports all get their numbers from here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from reporting.context import Context
from reporting.db import run_read
from reporting.query import cursor as cursors
from reporting.query import errors
from reporting.query.bundle import bundle
from reporting.query.compiler import compile_filter
from reporting.query.errors import invalid
from reporting.query.filters import FieldRef, Node, allowed_ops
from reporting.query.plan import Plan, aggregation_plan, output_sql, records_plan, scoped_rows
from reporting.query.request import RecordsQuery, lookup_report, require_object
from reporting.query.sql import TRUE, Fragment, all_of
from reporting.reports.declarations import Aggregation, FieldType, Report
from reporting.rollups import BASE, record_source
from reporting.rollups.members import MemberRollup
from reporting.rollups.members_choice import (
    ROLLUP_COUNT,
    choose_for_aggregation,
    covering_rollup,
    filter_reads,
    note_source,
    rollup_source,
)


def query_envelope(*, context: Context, body: dict[str, Any], rendered: bool = False) -> dict[str, Any]:
    """The JSON answer of ``POST /v1/reporting/query`` for ``body`` in ``context``, validated exactly as the
    endpoint validates it (InvalidParameters with the same details), for any report and result type. Permits and
    rate limits are the caller's business: this is for in-process readers such as the dashboards.

    ``rendered`` (the endpoint): the records' objects stay the JSON text PostgreSQL wrote, for orjson."""
    from reporting.results import result_type_of  # the registry is built on this module's records functions

    report = lookup_report(require_object(body))
    result = result_type_of(report)
    return result.envelope(context=context, query=result.parse(body, report, context=context), rendered=rendered)


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    next_page_info: str | None

    def envelope(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "pagination": {"next_page_info": self.next_page_info},
            "result_type": "records",
        }


def query_plan(*, community_ids: Sequence[int], query: RecordsQuery) -> Plan:
    """The SQL plan of a records query in a context (exports stream ``plan.everything()``)."""
    prepare_source(report=query.report, community_ids=community_ids)
    if query.aggregation is not None:
        return aggregation_plan(query.report, query.aggregation, community_ids, query.filter)
    record_source(BASE)
    return records_plan(query.report, community_ids, compile_filter(query.filter))


def prepare_source(*, report: Report, community_ids: Sequence[int]) -> None:
    """Bring a derived source up to date before it is read (count snapshots: never more than a period old)."""
    if report.source.prepare is not None:
        report.source.prepare(community_ids)


def records_page(*, community_ids: Sequence[int], query: RecordsQuery, rendered: bool = False) -> Page:
    """One page of a records query; the cursor must come from the same query in the same context.

    ``rendered``: for the API's orjson renderer, object columns are ``orjson.Fragment``s of the JSON text
    PostgreSQL wrote, rather than decoded dicts for in-process readers (docs/performance.md)."""
    plan = query_plan(community_ids=community_ids, query=query)
    query_fingerprint = cursors.fingerprint(
        report=query.report.name,
        filter_raw=query.filter_raw,
        aggregate_by=query.aggregation.name if query.aggregation else None,
        community_ids=community_ids,
    )
    after = None
    if query.cursor is not None:
        after = cursors.decode(query.cursor, query_fingerprint=query_fingerprint, key_count=len(plan.sort_keys))
        if after is None:
            raise invalid((query.cursor_path,), errors.INVALID_CURSOR)
    statement = plan.page(after=after, limit=query.limit + 1)
    names, rows = fetch_tuples(statement)
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    next_page_info = None
    if has_more and plan.sort_keys:
        last = rows[-1]
        next_page_info = cursors.encode(
            query_fingerprint=query_fingerprint, keys=[last[names.index(key.column)] for key in plan.sort_keys]
        )
    return Page(records=shape_tuples(plan, names, rows, objects_as_json=rendered), next_page_info=next_page_info)


def fetch_rows(statement: Fragment) -> list[dict[str, Any]]:
    """Rows of a reporting statement, from the replica when one is usable (reporting.db decides)."""
    names, rows = fetch_tuples(statement)
    return [dict(zip(names, row, strict=True)) for row in rows]


def fetch_tuples(statement: Fragment) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and the rows as tuples (no dict per row: a records page reshapes them once)."""

    def rows(connection: BaseDatabaseWrapper) -> tuple[list[str], list[tuple[Any, ...]]]:
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            return column_names(cursor), cursor.fetchall()

    return run_read(rows)


def column_names(cursor: Any) -> list[str]:
    """The result's column names, read from the result itself: ``cursor.description`` builds an object per column
    (29 on a members page) that nothing here uses."""
    raw = cursor.cursor
    result, encoding = raw.pgresult, raw.connection.info.encoding
    return [result.fname(index).decode(encoding) for index in range(result.nfields)]


def fetch_rows_with(settings: Sequence[str], statement: Fragment) -> list[dict[str, Any]]:
    """``fetch_rows`` after constant ``SET LOCAL`` statements, in one transaction so they end with it."""
    if not settings:
        return fetch_rows(statement)

    def run(connection: BaseDatabaseWrapper) -> list[dict[str, Any]]:
        with connection.cursor() as cursor:
            for setting in settings:
                cursor.execute(setting)
            cursor.execute(statement.sql, statement.params)
            names = column_names(cursor)
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def rows(connection: BaseDatabaseWrapper) -> list[dict[str, Any]]:
        # Inside a transaction already, the settings end with it (no savepoint round trips); else with our own.
        if connection.in_atomic_block:
            return run(connection)
        with transaction.atomic(using=connection.alias):
            return run(connection)

    return run_read(rows)


def shape_tuples(
    plan: Plan, names: list[str], rows: list[tuple[Any, ...]], *, objects_as_json: bool = False
) -> list[dict[str, Any]]:
    """Records of the declared columns from rows of ``names``, objects decoded (Django hands jsonb over as text),
    or with ``objects_as_json`` kept as that text in an ``orjson.Fragment``, which orjson writes out as is.

    Runs on every page: the records are built straight from the rows when the declared columns come first (as
    the plans select them; the sort keys after them are left out by ``zip``), with no transposition, and the
    objects are replaced afterwards, column by column (docs/performance.md)."""
    if not rows:
        return []
    columns = plan.columns
    if tuple(names[: len(columns)]) != columns:
        positions = [names.index(name) for name in columns]
        rows = [tuple([row[index] for index in positions]) for row in rows]
    records = [dict(zip(columns, row)) for row in rows]  # noqa: B905 (the sort keys after the columns stay out)
    read = orjson.Fragment if objects_as_json else orjson.loads
    for name, kind in zip(columns, plan.column_types, strict=True):
        if kind is FieldType.OBJECT:
            for record in records:
                value = record[name]
                if isinstance(value, (str, bytes)):
                    record[name] = read(value)
    return records


def report_metadata(report: Report) -> dict[str, Any]:
    fields = []
    for field in report.fields:
        entry: dict[str, Any] = {
            "name": field.name,
            "type": field.type.value,
            "filterable": field.filterable,
            "readonly": True,
            "description": field.description,
        }
        if field.values is not None:
            entry["values"] = list(field.values)
        if field.keyed is not None:
            entry["keys_filterable"] = f"{field.name}.<key>"
            entry["key_type"] = "boolean" if field.keyed.value == "boolean" else "dynamic"
        if field.filterable or field.keyed is not None:
            entry["filter_operations"] = allowed_ops(FieldRef(field, "k" if field.keyed else None))
        fields.append(entry)
    metadata: dict[str, Any] = {
        "report": report.name,
        "result_type": report.result_type,
        "permit": report.permit,
        "cost": report.cost,
        "description": report.description,
        "fields": fields,
        "aggregations": [
            {
                "name": aggregation.name,
                "description": aggregation.description,
                "fields": [{"name": name, "type": kind.value} for name, kind in report.output_fields(aggregation)],
            }
            for aggregation in report.aggregations
        ],
        "filter_operations": ["and", "or", "equal", "not_equal", "greater_than", "greater_or_equal_to",
                              "less_than", "less_or_equal_to", "in", "not_in"],
    }  # fmt: skip
    if report.intervals:
        metadata["intervals"] = list(report.intervals)
    return metadata


def field_values(
    *,
    community_ids: Sequence[int],
    report: Report,
    ref: FieldRef,
    filter_node: Node | None,
    limit: int,
    window: Fragment | None = None,
) -> list[dict[str, Any]]:
    """Values of a field present in the context (after the filter), most frequent first, nulls last on ties.

    Array fields and array-valued properties count a member once per element; ``consents`` and ``properties``
    named without a key list their keys. A missing key, a JSON null (and for ``consents.<key>`` any non-boolean)
    is the value null, exactly the members ``equal null`` matches.
    """
    prepare_source(report=report, community_ids=community_ids)
    expr = ref.field.sql
    text_values = ref.key is None and ref.field.type in (
        FieldType.STRING,
        FieldType.ENUM,
        FieldType.TIMESTAMP,
        FieldType.OBJECT,
    )
    # Ties by code point, whatever the database's collation (as aggregated rows are ordered).
    tie_order = 'v.value COLLATE "C"' if text_values else "1"
    if ref.kind == "consent":
        # A consent is a boolean; anything else under the key is "no such consent", as ``equal null`` has it.
        values = Fragment(
            f" CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof({expr} -> %s) = 'boolean' THEN {expr} -> %s END)"
            " AS v(value)",
            (ref.key, ref.key),
        )
    elif ref.key is not None:
        # One row per distinct element of an array value, else the value itself; a missing key and a JSON null
        # are both SQL NULL, so that they form one group that sorts last (as ``equal null`` matches both).
        values = Fragment(
            f" CROSS JOIN LATERAL (SELECT DISTINCT NULLIF(e.value, 'null'::jsonb) FROM jsonb_array_elements("
            f"CASE jsonb_typeof({expr} -> %s) WHEN 'array' THEN {expr} -> %s"
            f" ELSE jsonb_build_array({expr} -> %s) END) AS e(value)) AS v(value)",
            (ref.key, ref.key, ref.key),
        )
    elif ref.field.type is FieldType.INTEGER_ARRAY:
        values = Fragment(f" CROSS JOIN LATERAL (SELECT DISTINCT e.value FROM unnest({expr}) AS e(value)) AS v(value)")
    elif ref.field.type is FieldType.OBJECT:
        values = Fragment(f" CROSS JOIN LATERAL jsonb_object_keys({expr}) AS v(value)")
    else:
        values = Fragment(f" CROSS JOIN LATERAL (SELECT {output_sql(expr, ref.field.type)}) AS v(value)")
    # A window (timeseries reports) is a condition on a column no member rollup keeps.
    reads = filter_reads(filter_node) if window is None and ref.field.reads else None
    rollup = covering_rollup(report, None if reads is None else reads | set(ref.field.reads))
    note_source(rollup)
    source = rollup_source(rollup) if rollup is not None else None
    measure = ROLLUP_COUNT.sql if rollup is not None else "count(*)"
    statement = (
        Fragment(f"SELECT v.value AS value, {measure} AS members_count FROM ")
        + scoped_rows(
            report,
            community_ids,
            all_of([compile_filter(filter_node), window or TRUE]),
            joins=values,
            source_override=source,
        )
        + Fragment(f" GROUP BY 1 ORDER BY 2 DESC, {tie_order} ASC NULLS LAST LIMIT %s", (limit,))
    )
    rows = fetch_rows(statement)
    if ref.key is not None:
        for row in rows:
            if isinstance(row["value"], str):
                row["value"] = orjson.loads(row["value"])
    return [{"value": row["value"], "members_count": row["members_count"]} for row in rows]


def aggregations_bundle(
    *, community_ids: Sequence[int], report: Report, filter_node: Node | None, names: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Several aggregations' complete rows from one scan (see ``reporting.query.bundle``); for in-process readers
    that show many distributions of the same members at once. Each list equals walking that aggregation's pages.

    Each aggregation is answered from the rollup its records query would use; those sharing a source share one
    statement (a dashboard: a few statements over a few thousand rollup rows instead of one member scan)."""
    by_source: dict[str | None, list[Aggregation]] = {}
    rollups: dict[str | None, MemberRollup | None] = {}
    for name in names:
        aggregation = report.get_aggregation(name)
        if aggregation is None:
            raise ValueError(f"{report.name} has no aggregation {name}")
        rollup = choose_for_aggregation(report, aggregation, filter_node)
        key = rollup.name if rollup is not None else None
        rollups[key] = rollup
        by_source.setdefault(key, []).append(aggregation)
    condition = compile_filter(filter_node)
    result: dict[str, list[dict[str, Any]]] = {}
    for key, aggregations in by_source.items():
        rollup = rollups[key]
        note_source(rollup)
        if rollup is None:
            plan = bundle(report, aggregations, community_ids, condition)
        else:
            plan = bundle(
                report,
                aggregations,
                community_ids,
                condition,
                source=rollup_source(rollup),
                measure_sql=ROLLUP_COUNT.sql,
            )
        result.update(plan.split(fetch_rows(plan.statement)))
    return result
