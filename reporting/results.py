"""The registry of result types (reporting-api.md §6): ``records`` and ``timeseries``.

Each knows how to parse its request body, run it into the API's envelope, and give an export its rows. The query
view, ``selectors.query_envelope`` (the dashboards), the exports and the metadata dispatch on a report's declared
``result_type`` through :func:`result_type_of`; nothing asks which report it is.
"""

from __future__ import annotations

from typing import Any, Protocol

from reporting import selectors
from reporting.context import Context
from reporting.exports.rows import Column, Rows
from reporting.query import series
from reporting.query.plan import order_by_sql
from reporting.query.request import RECORDS_KEYS, RecordsQuery, parse_records_query
from reporting.query.series_request import SERIES_KEYS, SeriesQuery, parse_series_query
from reporting.reports.declarations import FieldType, Report
from reporting.segments import ContextSegments

RECORDS_EXPORT_KEYS = frozenset({"report", "filter", "aggregate_by", "segment"})


class ResultType(Protocol):
    name: str
    export_keys: frozenset[str]  # the body keys an export of this result type takes (besides ``format``)

    def parse(
        self,
        body: dict[str, Any],
        report: Report,
        *,
        context: Context,
        export: bool = False,
        segment_context: Context | None = None,
    ) -> Any:
        """The validated query of ``body`` (InvalidParameters with every error otherwise). ``export`` parses an
        export's query part (no page size or cursor). ``segment_context`` (default ``context``) decides which
        segments the body may name: a tenants export runs per community but was accepted for all of them."""

    def envelope(self, *, context: Context, query: Any, rendered: bool = False) -> dict[str, Any]:
        """The API's JSON answer (``rendered``: parts of it may be pre-rendered JSON, ``orjson.Fragment``)."""

    def export_rows(self, *, context: Context, query: Any) -> Rows:
        """Every row of the result, for an export."""


class RecordsResult:
    name = "records"
    export_keys = RECORDS_EXPORT_KEYS

    def parse(
        self,
        body: dict[str, Any],
        report: Report,
        *,
        context: Context,
        export: bool = False,
        segment_context: Context | None = None,
    ) -> RecordsQuery:
        allowed = RECORDS_EXPORT_KEYS if export else RECORDS_KEYS
        segments = ContextSegments(segment_context or context)
        return parse_records_query(body, report, allowed_keys=allowed, segments=segments)

    def envelope(self, *, context: Context, query: RecordsQuery, rendered: bool = False) -> dict[str, Any]:
        return selectors.records_page(community_ids=context.community_ids, query=query, rendered=rendered).envelope()

    def export_rows(self, *, context: Context, query: RecordsQuery) -> Rows:
        plan = selectors.query_plan(community_ids=context.community_ids, query=query)
        values = {field.name: field.values for field in query.report.fields}
        if query.aggregation is not None:
            values.update({group.name: group.values for group in query.aggregation.groups})
        columns = tuple(
            Column(name, kind, values.get(name) if kind is FieldType.ENUM else None)
            for name, kind in zip(plan.columns, plan.column_types, strict=True)
        )
        return Rows(body=plan.body, columns=columns, order_by=order_by_sql(plan.sort_keys))


class TimeseriesResult:
    name = "timeseries"
    export_keys = SERIES_KEYS

    def parse(
        self,
        body: dict[str, Any],
        report: Report,
        *,
        context: Context,
        export: bool = False,
        segment_context: Context | None = None,
    ) -> SeriesQuery:
        query = parse_series_query(body, report, context=context)
        if export:  # refused at once rather than failing on the worker
            series.zone_ranges(context=context, query=query)
        return query

    def envelope(self, *, context: Context, query: SeriesQuery, rendered: bool = False) -> dict[str, Any]:
        return series.series_envelope(context=context, query=query)

    def export_rows(self, *, context: Context, query: SeriesQuery) -> Rows:
        return series.series_export_rows(context=context, query=query)


RESULT_TYPES: dict[str, ResultType] = {result.name: result for result in (RecordsResult(), TimeseriesResult())}


def result_type_of(report: Report) -> ResultType:
    return RESULT_TYPES[report.result_type]
