"""The admins' Exports page: start an export of any report of a club (records or timeseries), watch it, download it.

Admins only (role admin in the club, or superuser); marketers get 403. An admin sees the exports started from
the dashboards for clubs they administer, and can download and cancel them. The file work happens on workers.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboards.charts import number
from dashboards.exports.describe import export_in_words, filter_in_words
from dashboards.exports.forms import ExportForm, describe_errors
from reporting.context import context_for
from reporting.exports import selectors, services
from reporting.exports.formats import get_format
from reporting.exports.requests import parse_export_request
from reporting.models import Community, Export
from reporting.principals import Principal, user_principal
from reporting.query.errors import InvalidParameters
from reporting.reports import all_reports

PAGE_SIZE = 100


def _admin(request: HttpRequest) -> Principal:
    principal = user_principal(request.user)
    if not (principal.all_communities or principal.admin_community_ids):
        raise PermissionDenied("Only club admins can export.")
    return principal


def _admin_clubs(principal: Principal) -> list[Community]:
    clubs = Community.objects.order_by("id")
    if not principal.all_communities:
        clubs = clubs.filter(id__in=principal.admin_community_ids)
    return list(clubs)


def _visible(principal: Principal, export_id: uuid.UUID) -> Export:
    export = selectors.export_for_admin(principal=principal, export_id=export_id)
    if export is None:
        raise Http404("No such export")
    return export


def _row(export: Export, club_names: dict[int, str]) -> dict[str, Any]:
    progress = selectors.export_progress(export)
    rows = number(export.rows_done) + ("" if export.rows_total is None else f" / {number(export.rows_total)}")
    return {
        "export": export,
        "clubs": ", ".join(club_names.get(cid, str(cid)) for cid in export.community_ids),
        "what": export_in_words(export.report, export.query or {}),
        "filter": filter_in_words((export.query or {}).get("filter")),
        "rows": rows,
        "percent": f"{progress * 100:.0f}%",
        "progress": progress,
        "downloadable": selectors.export_is_downloadable(export),
        "expired": export.status == Export.Status.SUCCEEDED and not selectors.export_is_downloadable(export),
        "notice": selectors.export_notice(export),
    }


@require_http_methods(["GET", "POST"])
@login_required
def exports_page(request: HttpRequest) -> HttpResponse:
    principal = _admin(request)
    clubs = _admin_clubs(principal)
    reports = [report for report in all_reports() if principal.has_permit(report.permit)]
    form = ExportForm(request.POST or None, clubs=clubs, reports=reports)
    if request.method == "POST" and form.is_valid():
        try:
            export_request = parse_export_request(
                form.export_body(), form.chosen_report(), context=context_for([form.cleaned_data["club"]])
            )
        except InvalidParameters as error:
            for line in describe_errors(error.details):
                form.add_error(None, line)
        else:
            export, _ = services.export_create(
                principal=principal,
                kind=Export.Kind.QUERY,
                request=export_request,
                community_ids=[form.cleaned_data["club"]],
            )
            messages.success(request, "Export started: it appears below and updates as it runs.")
            return HttpResponseRedirect(reverse("exports:page") + f"#export-{export.id}")
    names = {club.id: club.name for club in Community.objects.all()}
    exports = list(selectors.exports_for_admin(principal=principal).order_by("-created_at", "-id")[:PAGE_SIZE])
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "rows": [_row(export, names) for export in exports], "nav_is_admin": True}
    return render(request, "dashboards/exports.html", context, status=status)


@require_GET
@login_required
def exports_status(request: HttpRequest) -> JsonResponse:
    """What the page's progress bars poll: the state of each export the admin sees (newest first)."""
    principal = _admin(request)
    exports = selectors.exports_for_admin(principal=principal).order_by("-created_at", "-id")[:PAGE_SIZE]
    return JsonResponse(
        {
            "exports": [
                {
                    "id": str(export.id),
                    "status": export.status,
                    "progress": selectors.export_progress(export),
                    "rows_done": export.rows_done,
                    "rows_total": export.rows_total,
                    "size_bytes": export.file_size if selectors.export_is_downloadable(export) else None,
                    "downloadable": selectors.export_is_downloadable(export),
                    "error": export.error or None,
                    "notice": selectors.export_notice(export),
                }
                for export in exports
            ]
        }
    )


@require_GET
@login_required
def export_download(request: HttpRequest, id: uuid.UUID) -> HttpResponse | FileResponse:
    export = _visible(_admin(request), id)
    refusal = selectors.download_refusal(export)
    handle = selectors.open_export_file(export) if refusal is None else None
    if handle is None:
        refusal = refusal or selectors.Refusal(410, "Export expired", {})
        response = HttpResponse(refusal.message, status=refusal.status, content_type="text/plain; charset=utf-8")
        for name, value in refusal.headers.items():
            response[name] = value
        return response
    services.export_downloaded(export=export, actor=f"user:{request.user.pk}", request=request)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=selectors.download_filename(export),
        content_type=get_format(export.format).content_type,
    )


@require_POST
@login_required
def export_cancel(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    export = services.export_cancel(export=_visible(_admin(request), id))
    if export.status == Export.Status.CANCELLED:
        messages.info(request, "Export cancelled.")
    return HttpResponseRedirect(reverse("exports:page"))


@require_POST
@login_required
def export_delete(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    export = _visible(_admin(request), id)
    if export.status in Export.ACTIVE:
        messages.error(request, "Cancel the export before deleting it.")
    else:
        services.export_delete(export=export)
        messages.info(request, "Export deleted.")
    return HttpResponseRedirect(reverse("exports:page"))
