"""Thin HTTP layer of the Reporting API: one view per operation; the work happens in selectors and services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from reporting import permits, selectors
from reporting.api import schema
from reporting.api.base import ReportingView, settled_before_sql
from reporting.query import errors
from reporting.query.errors import ErrorTree
from reporting.query.filters import FieldRef, parse_filter, resolve_field
from reporting.query.request import (
    lookup_report,
    parse_limit,
    query_cost,
    reject_unknown_keys,
    require_object,
)
from reporting.query.series_request import parse_bound, window_condition, with_defaults
from reporting.query.values import ValueIssue
from reporting.reports import all_reports
from reporting.rollups import source_header, sources_recorded
from reporting.segments import segment_filter_for_cost

FIELD_METADATA_KEYS = frozenset({"report", "field", "filter", "limit"})


class QueryView(ReportingView):
    @extend_schema(**schema.QUERY)
    def post(self, request: Request) -> Response:
        context, body, report = self.report_request(request, permits.QUERY)
        cost = query_cost(report, body.get("filter"), segment_filter_for_cost(body, context))
        pending = self.begin_charge(request, context, cost)
        # Redis answers the charge while the body is validated and planned; no SQL runs before it is settled.
        with settled_before_sql(lambda: self.settle(request, pending)), sources_recorded() as sources:
            envelope = selectors.query_envelope(context=context, body=body, rendered=True)
        # Which tables answered (the base table or a rollup), for debugging; never part of the body.
        return Response(envelope, headers={"x-reporting-source": source_header(sources)})


class MetadataView(ReportingView):
    @extend_schema(**schema.METADATA)
    def post(self, request: Request) -> Response:
        self.require(request, permits.QUERY)
        context = self.optional_context(request)
        body = require_object(request.data)
        principal = self.principal(request)
        visible = [report for report in all_reports() if principal.has_permit(report.permit)]
        errors_ = ErrorTree()
        reject_unknown_keys(body, {"report"}, errors_)
        errors_.raise_if_any()
        self.charge(request, context, 1)
        if body.get("report") is None:
            reports = [
                {"report": r.name, "result_type": r.result_type, "permit": r.permit, "cost": r.cost} for r in visible
            ]
            return Response({"reports": reports})
        return Response(selectors.report_metadata(lookup_report(body, visible)))


class FieldMetadataView(ReportingView):
    @extend_schema(**schema.FIELD_METADATA)
    def post(self, request: Request) -> Response:
        context, body, report = self.report_request(request, permits.QUERY)
        self.charge(request, context, 2)
        errors_ = ErrorTree()
        timeseries = report.timeseries is not None
        reject_unknown_keys(body, FIELD_METADATA_KEYS | ({"from", "to"} if timeseries else set()), errors_)
        ref = None
        if "field" not in body:
            errors_.add(("field",), errors.REQUIRED)
        else:
            resolved = resolve_field(report, body["field"], whole_objects=True)
            if isinstance(resolved, ValueIssue):
                errors_.add(("field",), resolved.code, **resolved.options)
            else:
                ref = resolved
        node = parse_filter(body.get("filter"), report, errors_)
        limit = parse_limit(body.get("limit"), errors_)
        window = None
        if timeseries:
            # The time window (either end optional) and the report's filter defaults, except on the field asked
            # about: a picker of grouping_type lists every grouping.
            start, end = (parse_bound(body[k], k, errors_) if k in body else None for k in ("from", "to"))
            window = window_condition(report, context, start, end)
            node = with_defaults(report, node, except_field=ref.field.name if ref else None)
        errors_.raise_if_any()
        assert ref is not None
        with sources_recorded() as sources:
            values = selectors.field_values(
                community_ids=context.community_ids,
                report=report,
                ref=ref,
                filter_node=node,
                limit=limit,
                window=window,
            )
        return Response(
            {"report": report.name, "field": ref.name, "type": value_type(ref), "values": values},
            headers={"x-reporting-source": source_header(sources)},
        )


def value_type(ref: FieldRef) -> str:
    """The type of the values field metadata lists: array fields list elements, objects their keys."""
    if ref.key is not None:
        return "boolean" if ref.kind == "consent" else "dynamic"
    if ref.field.keyed is not None:
        return "key"
    return "integer" if ref.kind == "array" else ref.field.type.value
