"""Export this view: one click on a dashboard exports what it shows, with its filters, through the export
services the API uses (``reporting.exports.services``), then the admin watches it on the Exports page.

The button posts the view's clubs, its filter parameters (the URL's query string, read by the same
``parse_view_filter`` as the page, so the export's filter tree is the page's) and what to export: the members
themselves, or the aggregation behind one chart. An export holds every group of that aggregation (a chart
shows its top 20). One club exports the ``total_*`` aggregation the chart draws; several clubs the per-club
one, one row per club and group, as the comparison draws them side by side. Only admins of every club in view
get the button, and the endpoint checks the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dashboards.access import require_clubs
from dashboards.selectors import aggregation_name
from dashboards.urlfilters import parse_view_filter
from reporting.context import context_for
from reporting.exports import services
from reporting.exports.formats import FORMATS
from reporting.exports.requests import parse_export_request
from reporting.models import Community, Export
from reporting.principals import Principal, user_principal
from reporting.query.errors import InvalidParameters
from reporting.reports.members import MEMBERS

RECORDS = "records"
# Chart key -> the aggregation its numbers come from (charts built from several queries have none).
CHART_AGGREGATIONS = {
    "gender": "gender",
    "age": "age_gender",
    "platform": "optin_platform",
    "channel": "optin_channel",
    "subchannel": "optin_subchannel",
    "consents": "consents",
    "interests": "interests",
    "cities": "city_place",
    "map": "city_place",
}
_IDS = re.compile(r"^\d{1,10}(,\d{1,10}){0,11}$")


def _may_export(principal: Principal, ids: Sequence[int]) -> bool:
    return principal.all_communities or all(cid in principal.admin_community_ids for cid in ids)


def export_view_context(user: Any, clubs: Sequence[Community], query: str) -> dict[str, Any] | None:
    """What the dashboard's Export buttons post, or None when the user is not an admin of every club shown."""
    ids = [club.id for club in clubs]
    if not _may_export(user_principal(user), ids):
        return None
    return {
        "action": reverse("exports:this-view"),
        "ids": ",".join(str(cid) for cid in ids),
        "query": query,
        "whats": [RECORDS, *CHART_AGGREGATIONS],
    }


def _aggregate_by(what: str, ids: Sequence[int]) -> str | None:
    if what == RECORDS:
        return None
    return aggregation_name(CHART_AGGREGATIONS[what], total=len(ids) == 1)


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "dashboards/message.html", {"message": message}, status=400)


@require_POST
@login_required
def export_this_view(request: HttpRequest) -> HttpResponse:
    raw_ids = request.POST.get("ids", "")
    what = request.POST.get("what", "")
    export_format = request.POST.get("format", "csv")
    if not _IDS.match(raw_ids) or (what != RECORDS and what not in CHART_AGGREGATIONS) or export_format not in FORMATS:
        return _refuse(request, "This export button is out of date: reload the dashboard and try again.")
    clubs = require_clubs(request.user, [int(part) for part in raw_ids.split(",")])
    ids = [club.id for club in clubs]
    principal = user_principal(request.user)
    if not _may_export(principal, ids):
        raise PermissionDenied("Only admins of every club in view can export it.")
    query = QueryDict(request.POST.get("query", ""))
    view_filter = parse_view_filter(query, MEMBERS)
    if view_filter.error:
        return _refuse(request, view_filter.error)
    body: dict[str, Any] = {"report": MEMBERS.name, "format": export_format, "filter": view_filter.raw}
    segment = query.get("segment", "")
    if segment:
        # The API's own "segment" key: the export parser checks that the segment is of a club in view.
        body["segment"] = int(segment) if segment.isdigit() and len(segment) <= 18 else segment
    aggregate_by = _aggregate_by(what, ids)
    if aggregate_by is not None:
        body["aggregate_by"] = aggregate_by
    try:
        export_request = parse_export_request(body, MEMBERS, context=context_for(ids))
    except InvalidParameters:
        return _refuse(request, "This view cannot be exported: reload the dashboard and try again.")
    export, _ = services.export_create(
        principal=principal, kind=Export.Kind.QUERY, request=export_request, community_ids=ids
    )
    messages.success(request, "Export of the dashboard view started: it appears below and updates as it runs.")
    return HttpResponseRedirect(reverse("exports:page") + f"#export-{export.id}")
