"""Export endpoints of reporting-api.md §8: one view per operation; the work is in reporting.exports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core import signing
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from reporting import permits
from reporting.api import schema
from reporting.api.base import ReportingView
from reporting.api.exceptions import ApiError, MissingPermit
from reporting.exports import selectors, services
from reporting.exports.formats import get_format
from reporting.exports.requests import parse_export_request, parse_idempotency_key
from reporting.models import Export
from reporting.query import errors
from reporting.query.errors import ErrorTree, invalid
from reporting.query.request import query_cost
from reporting.segments import segment_filter_for_cost

EXPORT_COST_FACTOR = 5  # reporting-api.md §4: an export costs its query's cost x 5
_LIST_DEFAULT, _LIST_MAX = 20, 100
_CURSOR_SALT = "reporting.exports.cursor.v1"
_NOT_FOUND = "Export not found"


class ExportView(ReportingView):
    """Shared by the export endpoints: either export permit opens the list, status, download and delete."""

    def require_export_permit(self, request: Request) -> None:
        principal = self.principal(request)
        if not (principal.has_permit(permits.EXPORT) or principal.has_permit(permits.TENANTS_EXPORT)):
            raise MissingPermit(permits.EXPORT)

    def owned(self, request: Request, export_id: uuid.UUID) -> Export:
        """The caller's export; 404 for anyone else's, and for one covering a club the caller no longer may see."""
        principal = self.principal(request)
        export = selectors.export_for_owner(owner_key=principal.key, export_id=export_id)
        if export is None or not all(principal.may_access(cid) for cid in export.community_ids):
            raise ApiError(404, _NOT_FOUND)
        return export

    def object(self, request: Request, export: Export) -> dict[str, Any]:
        def download_url(item: Export) -> str:
            return request.build_absolute_uri(reverse("reporting:export-download", kwargs={"id": item.id}))

        return selectors.export_object(export, download_url=download_url)


class QueryExportView(ExportView):
    kind = Export.Kind.QUERY
    permit = permits.EXPORT

    @extend_schema(**schema.export_create(operation_id="createExport", summary="Export a query"))
    def post(self, request: Request) -> Response:
        context, body, report = self.report_request(request, self.permit)
        self.charge(
            request,
            context,
            query_cost(report, body.get("filter"), segment_filter_for_cost(body, context)) * EXPORT_COST_FACTOR,
        )
        export_request = parse_export_request(body, report, context=context)
        key = parse_idempotency_key(request.headers.get("Idempotency-Key"))
        try:
            export, created = services.export_create(
                principal=self.principal(request),
                kind=self.kind,
                request=export_request,
                community_ids=context.community_ids,
                idempotency_key=key,
            )
        except services.IdempotencyKeyReused:
            raise invalid(
                ("Idempotency-Key",), errors.NOT_ALLOWED, reason="already used for a different request"
            ) from None
        headers = {"Location": reverse("reporting:export-detail", kwargs={"id": export.id})}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return Response(self.object(request, export), status=202, headers=headers)


class TenantsQueryExportView(QueryExportView):
    kind = Export.Kind.TENANTS
    permit = permits.TENANTS_EXPORT

    @extend_schema(
        **schema.export_create(operation_id="createTenantsExport", summary="Export a query once per community")
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class ExportListView(ExportView):
    @extend_schema(**schema.export_list(max_limit=_LIST_MAX, default_limit=_LIST_DEFAULT))
    def get(self, request: Request) -> Response:
        self.require_export_permit(request)
        self.charge(request, self.optional_context(request), 1)
        owner_key = self.principal(request).key
        limit, after = _list_params(request, owner_key)
        exports, more = selectors.exports_page(owner_key=owner_key, limit=limit, after=after)
        next_page_info = None
        if more and exports:
            last = exports[-1]
            payload = {"o": owner_key, "c": last.created_at.isoformat(), "i": str(last.id)}
            next_page_info = signing.dumps(payload, salt=_CURSOR_SALT, compress=True)
        return Response(
            {
                "exports": [self.object(request, export) for export in exports],
                "pagination": {"next_page_info": next_page_info},
            }
        )


def _list_params(request: Request, owner_key: str) -> tuple[int, tuple[dt.datetime, uuid.UUID] | None]:
    errors_ = ErrorTree()
    limit = _LIST_DEFAULT
    raw_limit = request.query_params.get("limit")
    if raw_limit is not None:
        if not (raw_limit.isascii() and raw_limit.isdigit()):
            errors_.add(("limit",), errors.INVALID_TYPE, expected="integer")
        elif not 1 <= int(raw_limit) <= _LIST_MAX:
            errors_.add(("limit",), errors.INVALID_VALUE, min=1, max=_LIST_MAX)
        else:
            limit = int(raw_limit)
    after = None
    token = request.query_params.get("next_page_info") or request.query_params.get("page_info")
    if token:
        try:
            payload = signing.loads(token, salt=_CURSOR_SALT)
            if payload.get("o") != owner_key:
                raise ValueError("cursor of another owner")
            after = (dt.datetime.fromisoformat(payload["c"]), uuid.UUID(payload["i"]))
        except (signing.BadSignature, ValueError, KeyError, TypeError, AttributeError):
            errors_.add(("next_page_info",), errors.INVALID_CURSOR)
    errors_.raise_if_any()
    return limit, after


class ExportDetailView(ExportView):
    @extend_schema(**schema.EXPORT_SHOW)
    def get(self, request: Request, id: uuid.UUID) -> Response:
        self.require_export_permit(request)
        self.charge(request, self.optional_context(request), 1)
        return Response(self.object(request, self.owned(request, id)))

    @extend_schema(**schema.EXPORT_DELETE)
    def delete(self, request: Request, id: uuid.UUID) -> Response:
        self.require_export_permit(request)
        self.charge(request, self.optional_context(request), 1)
        export = self.owned(request, id)
        if export.status in Export.ACTIVE:
            export = services.export_cancel(export=export)
            if export.status == Export.Status.CANCELLED:
                return Response(self.object(request, export))
        services.export_delete(export=export)
        return Response(status=204)


class ExportDownloadView(ExportView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The answer is a file (or a JSON error) whatever the Accept header asks for, e.g. `Accept: text/csv`.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(**schema.EXPORT_DOWNLOAD)
    def get(self, request: Request, id: uuid.UUID) -> Any:
        self.require_export_permit(request)
        self.charge(request, self.optional_context(request), 1)
        export = self.owned(request, id)
        return download_response(export)


def download_response(export: Export) -> FileResponse:
    """The file of a succeeded export, or the ApiError (409 + Retry-After, 409, 410) that says why not."""
    refusal = selectors.download_refusal(export)
    if refusal is not None:
        raise ApiError(refusal.status, refusal.message, refusal.headers)
    handle = selectors.open_export_file(export)
    if handle is None:
        raise ApiError(410, "Export expired")
    services.export_downloaded(export=export)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=selectors.download_filename(export),
        content_type=get_format(export.format).content_type,
    )
