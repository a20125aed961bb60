"""Which rows an export streams: the same SQL the query API pages through, whole and in order.

A report's ``result_type`` picks a :class:`ResultTypeSource` (how to validate the body and build the rows).
``records`` is the query API's own plan (``selectors.query_plan``). ``timeseries`` is the seam for the
timeseries reports: their work registers a source whose rows have the columns ``time_bucket``, the label keys,
``value`` (see :func:`timeseries_rows`); nothing else in the export path changes.

A tenants export runs the query once per community in context (one :class:`Segment` each), prefixing every row
with ``community_id`` and ``community_name``; a report column also called ``community_id`` is then left out, since
it would repeat the prefix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from reporting import selectors
from reporting.exports.formats import ExportFormat, csv_cell_sql, xlsx_cell_sql
from reporting.query import errors
from reporting.query.errors import invalid
from reporting.query.plan import order_by_sql
from reporting.query.request import parse_records_query
from reporting.query.sql import Fragment
from reporting.reports.declarations import FieldType, Report

RECORDS_EXPORT_KEYS = frozenset({"report", "filter", "aggregate_by"})


@dataclass(frozen=True)
class Column:
    name: str
    type: FieldType
    values: tuple[str, ...] | None = None  # an enum's declared values


@dataclass(frozen=True)
class Rows:
    """Rows of one query: ``body`` selects (at least) ``columns`` by name; ``order_by`` is SQL over alias ``t``."""

    body: Fragment
    columns: tuple[Column, ...]
    order_by: str


@dataclass(frozen=True)
class Segment:
    """One query's rows, optionally prefixed with constant columns (the tenants export's community)."""

    rows: Rows
    prefix: tuple[tuple[Column, Any], ...] = ()

    @property
    def columns(self) -> tuple[Column, ...]:
        prefixed = {column.name for column, _ in self.prefix}
        return tuple(column for column, _ in self.prefix) + tuple(
            column for column in self.rows.columns if column.name not in prefixed
        )

    def count(self) -> Fragment:
        return Fragment(f"SELECT count(*) FROM ({self.rows.body.sql}) AS t", self.rows.body.params)

    def select(self, export_format: ExportFormat) -> tuple[Fragment, list[str]]:
        """The ordered SELECT of this segment's cells in ``export_format``, and the binary wire types (XLSX)."""
        cells: list[str] = []
        wire_types: list[str] = []
        for column in self.columns:
            source = "p" if column.name in self.prefixed_names else "t"
            cell, wire = _cell(f'{source}."{column.name}"', column, export_format)
            cells.append(f'{cell} AS "{column.name}"')
            wire_types.append(wire)
        head = Fragment(f"SELECT {', '.join(cells)} FROM ")
        if self.prefix:
            constants = ", ".join(
                f'%s::{"bigint" if column.type is FieldType.INTEGER else "text"} AS "{column.name}"'
                for column, _ in self.prefix
            )
            head += Fragment(f"(SELECT {constants}) AS p CROSS JOIN ", tuple(value for _, value in self.prefix))
        statement = head + Fragment("(") + self.rows.body + Fragment(f") AS t ORDER BY {self.rows.order_by}")
        return statement, wire_types

    @property
    def prefixed_names(self) -> frozenset[str]:
        return frozenset(column.name for column, _ in self.prefix)


def _cell(expr: str, column: Column, export_format: ExportFormat) -> tuple[str, str]:
    if export_format.is_csv:
        return csv_cell_sql(expr, column.type, column.values), "text"
    return xlsx_cell_sql(expr, column.type)


@dataclass(frozen=True)
class ExportPlan:
    columns: tuple[Column, ...]
    segments: tuple[Segment, ...]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


class ResultTypeSource(Protocol):
    def validate(self, body: dict[str, Any], report: Report) -> None:
        """Raise InvalidParameters unless ``body`` (a query body without ``format``) is valid for ``report``."""

    def rows(self, body: dict[str, Any], report: Report, community_ids: Sequence[int]) -> Rows:
        """The rows of a validated body in a context."""


class RecordsSource:
    def validate(self, body: dict[str, Any], report: Report) -> None:
        parse_records_query(body, report, allowed_keys=RECORDS_EXPORT_KEYS)

    def rows(self, body: dict[str, Any], report: Report, community_ids: Sequence[int]) -> Rows:
        query = parse_records_query(body, report, allowed_keys=RECORDS_EXPORT_KEYS)
        plan = selectors.query_plan(community_ids=community_ids, query=query)
        values = {field.name: field.values for field in report.fields}
        if query.aggregation is not None:
            values.update({group.name: group.values for group in query.aggregation.groups})
        columns = tuple(
            Column(name, kind, values.get(name) if kind is FieldType.ENUM else None)
            for name, kind in zip(plan.columns, plan.column_types, strict=True)
        )
        return Rows(body=plan.body, columns=columns, order_by=order_by_sql(plan.sort_keys))


def timeseries_rows(*, body: Fragment, label_keys: Sequence[str], order_by: str | None = None) -> Rows:
    """The export rows of a timeseries query: one row per (bucket, series) with a non-null value.

    ``body`` must select ``time_bucket`` (formatted text, as the query API shows it), one text column per label
    key and ``value``. Default order: bucket, then the labels (nulls last).
    """
    columns = (
        Column("time_bucket", FieldType.TIMESTAMP),
        *(Column(key, FieldType.STRING) for key in label_keys),
        Column("value", FieldType.INTEGER),
    )
    default_order = ", ".join(['t."time_bucket" ASC'] + [f't."{key}" ASC NULLS LAST' for key in label_keys])
    return Rows(body=body, columns=columns, order_by=order_by or default_order)


_SOURCES: dict[str, ResultTypeSource] = {"records": RecordsSource()}


def register_result_type(result_type: str, source: ResultTypeSource) -> None:
    """How the timeseries work plugs its reports into exports (call once, at import of its module)."""
    _SOURCES[result_type] = source


def source_for(report: Report) -> ResultTypeSource:
    source = _SOURCES.get(report.result_type)
    if source is None:
        raise invalid(("report",), errors.NOT_ALLOWED, reason=f"{report.result_type} reports cannot be exported yet")
    return source


def exportable_reports() -> list[Report]:
    """The reports an export can be made of: those whose result type has a source (the schema lists these)."""
    from reporting.reports import all_reports

    return [report for report in all_reports() if report.result_type in _SOURCES]


def build_plan(
    *,
    report: Report,
    body: dict[str, Any],
    community_ids: Sequence[int],
    tenants: bool,
    community_names: Mapping[int, str] | None = None,
) -> ExportPlan:
    """The segments to stream for an export (one, or one per community for a tenants export)."""
    source = source_for(report)
    if not tenants:
        segment = Segment(source.rows(body, report, community_ids))
        return ExportPlan(columns=segment.columns, segments=(segment,))
    names = community_names or {}
    segments = tuple(
        Segment(
            source.rows(body, report, [community_id]),
            prefix=(
                (Column("community_id", FieldType.INTEGER), community_id),
                (Column("community_name", FieldType.STRING), names.get(community_id, "")),
            ),
        )
        for community_id in sorted(community_ids)
    )
    return ExportPlan(columns=segments[0].columns, segments=segments)


__all__ = [
    "Column",
    "ExportPlan",
    "RecordsSource",
    "ResultTypeSource",
    "Rows",
    "Segment",
    "build_plan",
    "exportable_reports",
    "register_result_type",
    "source_for",
    "timeseries_rows",
]
