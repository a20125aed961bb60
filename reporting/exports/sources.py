"""Which rows an export streams: the same SQL the query API pages through, whole and in order.

A report's ``result_type`` picks its entry in the result-type registry (``reporting.results``), which parses the
body and gives the rows: ``records`` the query API's own plan, ``timeseries`` one row per (bucket, series) with the
columns ``time_bucket``, the label keys, ``value``.

A tenants export runs the query once per community in context (one :class:`Segment` each), prefixing every row
with ``community_id`` and ``community_name``; a report column also called ``community_id`` is then left out, since
it would repeat the prefix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.context import Context, context_for
from reporting.exports.formats import ExportFormat, csv_cell_sql, xlsx_cell_sql
from reporting.exports.rows import Column, Rows
from reporting.query.sql import Fragment
from reporting.reports.declarations import FieldType, Report
from reporting.results import result_type_of


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


def _rows(report: Report, body: dict[str, Any], context: Context, *, accepted: Context | None = None) -> Rows:
    """``accepted``: the context the export was accepted in, which decides the segments its body may name."""
    result = result_type_of(report)
    query = result.parse(body, report, context=context, export=True, segment_context=accepted)
    return result.export_rows(context=context, query=query)


def exportable_reports() -> list[Report]:
    """The reports an export can be made of: those whose result type knows its export rows (the schema lists these)."""
    from reporting.reports import all_reports
    from reporting.results import RESULT_TYPES

    return [report for report in all_reports() if report.result_type in RESULT_TYPES]


def build_plan(
    *,
    report: Report,
    body: dict[str, Any],
    community_ids: Sequence[int],
    tenants: bool,
    community_names: Mapping[int, str] | None = None,
) -> ExportPlan:
    """The segments to stream for an export (one, or one per community for a tenants export)."""
    context = context_for(community_ids)
    if not tenants:
        segment = Segment(_rows(report, body, context))
        return ExportPlan(columns=segment.columns, segments=(segment,))
    names = community_names or {}
    segments = tuple(
        Segment(
            _rows(report, body, context.narrowed([community_id]), accepted=context),
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
    "Rows",
    "Segment",
    "build_plan",
    "exportable_reports",
]
