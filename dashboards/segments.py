"""Segments in the dashboards: save the view's filter under a name, list a club's segments with their counts,
open one (the overview with ``?segment=<id>``), rename one or give it the view's filters, compare two, delete one.

A segment's filter is the view's filter tree, the one ``parse_view_filter`` builds for the API (a view that
already applies a segment saves that segment's tree AND the URL's). Every club user (marketer or admin) may save
and delete a club's segments: they are shared with the club. Another club's segment id, or an unknown one, is the
same 404 (for reads) and the same 400 message on the overview, so ids cannot be probed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboards import charts
from dashboards.access import accessible_clubs, require_clubs
from dashboards.exports.describe import filter_in_words
from dashboards.segment_compare import CSV_COLUMNS, compare_charts, compare_rows, percent, side_of
from dashboards.selectors import OverviewData, Scope
from dashboards.urlfilters import ViewFilter, parse_view_filter
from reporting import segments
from reporting.models import Community, Segment
from reporting.principals import user_principal
from reporting.query.errors import ErrorTree
from reporting.query.filters import parse_filter
from reporting.reports.members import MEMBERS

SEGMENT_PARAM = "segment"
_ID = re.compile(r"^\d{1,18}$")
UNKNOWN_SEGMENT = "This segment does not exist in this club (it may have been deleted)."


@dataclass(frozen=True)
class ViewScope:
    """A view's filter: the URL's parameters, the segment it applies, and the tree both make together."""

    view_filter: ViewFilter
    segment: Segment | None
    raw: dict[str, Any] | None
    error: str | None

    @property
    def segment_params(self) -> list[tuple[str, str]]:
        return [(SEGMENT_PARAM, str(self.segment.id))] if self.segment is not None else []


def combined(segment_filter: Any, view_raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if segment_filter is None:
        return view_raw
    if view_raw is None:
        return dict(segment_filter)
    return {"type": "and", "operations": [segment_filter, view_raw]}


def view_scope(query: Mapping[str, Any], clubs: Sequence[Community]) -> ViewScope:
    """Read ``segment`` and the filter parameters of a request; the segment must be one of these clubs'."""
    view_filter = parse_view_filter(query, MEMBERS)
    values = query.getlist(SEGMENT_PARAM) if hasattr(query, "getlist") else list(query.get(SEGMENT_PARAM, []))
    values = list(dict.fromkeys(v for v in values if v))
    if not values:
        return ViewScope(view_filter, None, view_filter.raw, view_filter.error)
    segment = None
    if len(values) == 1 and _ID.match(values[0]):
        segment = Segment.objects.filter(id=int(values[0]), community_id__in=[c.id for c in clubs]).first()
    if segment is None:
        return ViewScope(view_filter, None, None, UNKNOWN_SEGMENT)
    if view_filter.error:
        return ViewScope(view_filter, segment, None, view_filter.error)
    raw = combined(segment.filter, view_filter.raw)
    errors = ErrorTree()
    parse_filter(raw, MEMBERS, errors)  # the API's parser judges the combination too (depth, node count)
    if errors:
        message = f"The segment “{segment.name}” cannot be combined with these filters (too many or too deep)."
        return ViewScope(view_filter, segment, None, message)
    return ViewScope(view_filter, segment, raw, None)


def may_edit(user: Any, club: Community) -> bool:
    """Marketers and admins of the club (every role there is: ``enums.ROLES``), and superusers."""
    principal = user_principal(user)
    return principal.all_communities or club.id in principal.community_ids


def _club(request: HttpRequest, club_id: int) -> Community:
    (club,) = require_clubs(request.user, [club_id])
    return club


def _segment_or_404(club: Community, raw_id: int) -> Segment:
    segment = segments.segment_of(community_id=club.id, segment_id=raw_id)
    if segment is None:
        raise Http404(UNKNOWN_SEGMENT)
    return segment


def _page(request: HttpRequest, template: str, club: Community, context: dict[str, Any], status: int = 200) -> Any:
    base = {"club": club, "nav_clubs": accessible_clubs(request.user), "current_ids": [club.id]}
    return render(request, template, {**base, **context}, status=status)


@require_GET
@login_required
def segment_list(request: HttpRequest, club_id: int) -> HttpResponse:
    club = _club(request, club_id)
    saved = segments.segments_of(community_id=club.id)
    counts = segments.segment_counts(community_id=club.id, segments=saved)
    rows = []
    for segment in saved:
        count = counts.get(segment.id)
        rows.append(
            {
                "segment": segment,
                "words": filter_in_words(segment.filter),
                "members": charts.number(count.members) if count else None,
                "members_raw": count.members if count else None,
                "reachable": count.reachable if count else None,
                "reachable_text": charts.number(count.reachable) if count else None,
                "share": percent(count.reachable_share) if count else None,
                "share_raw": count.reachable_share if count else None,
                "open_url": reverse("dashboards:club", args=[club.id]) + f"?{SEGMENT_PARAM}={segment.id}",
            }
        )
    context = {"rows": rows, "may_edit": may_edit(request.user, club), "limit": segments.MAX_SEGMENTS_PER_COMMUNITY}
    return _page(request, "dashboards/segments.html", club, context)


@require_POST
@login_required
def segment_create(request: HttpRequest, club_id: int) -> HttpResponse:
    club = _club(request, club_id)
    if not may_edit(request.user, club):
        raise PermissionDenied("Only the club's marketers and admins save segments.")
    query = request.POST.get("query", "")
    scope = view_scope(QueryDict(query), [club])
    name = request.POST.get("name", "")
    error, field = scope.error, "filter"
    if error is None:
        try:
            segment = segments.segment_create(
                actor_key=user_principal(request.user).key,
                user=request.user,
                community_id=club.id,
                name=name,
                filter_raw=scope.raw,
            )
        except segments.SegmentRefused as refused:
            error, field = refused.message, refused.field
        else:
            messages.success(request, f"Segment “{segment.name}” saved.")
            return HttpResponseRedirect(reverse("dashboards:segments", args=[club.id]) + f"#segment-{segment.id}")
    context = {
        "name": name,
        "query": query,
        "error": error,
        "field": field,
        "words": filter_in_words(scope.raw) if scope.raw else "",
        "back_url": reverse("dashboards:club", args=[club.id]) + (f"?{query}" if query else ""),
    }
    return _page(request, "dashboards/segment_form.html", club, context, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def segment_edit(request: HttpRequest, club_id: int, segment_id: int) -> HttpResponse:
    """GET: the form to rename a segment. POST ``name``: rename it, its filter tree kept as it is; POST ``name``
    and ``query`` (the overview's "Update segment with current filters"): the view's tree replaces its filter."""
    club = _club(request, club_id)
    segment = _segment_or_404(club, segment_id)
    if not may_edit(request.user, club):
        raise PermissionDenied("Only the club's marketers and admins edit segments.")
    name = request.POST.get("name", segment.name) if request.method == "POST" else segment.name
    query = request.POST.get("query", "") if request.method == "POST" else ""
    scope = view_scope(QueryDict(query), [club]) if query else None
    error, field = (scope.error, "filter") if scope is not None else (None, "")
    if request.method == "POST" and error is None:
        try:
            segments.segment_update(
                actor_key=user_principal(request.user).key,
                segment=segment,
                name=name,
                filter_raw=scope.raw if scope is not None else segments.KEEP_FILTER,
            )
        except segments.SegmentRefused as refused:
            error, field = refused.message, refused.field
        else:
            messages.success(request, f"Segment “{segment.name}” saved.")
            return HttpResponseRedirect(reverse("dashboards:segments", args=[club.id]) + f"#segment-{segment.id}")
    shown = scope.raw if scope is not None and scope.raw else segment.filter
    context = {
        "segment": segment,
        "name": name,
        "query": query,
        "error": error,
        "field": field,
        "words": filter_in_words(shown),
        "open_url": reverse("dashboards:club", args=[club.id]) + f"?{SEGMENT_PARAM}={segment.id}",
    }
    status = 400 if error else 200
    return _page(request, "dashboards/segment_edit.html", club, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def segment_delete(request: HttpRequest, club_id: int, segment_id: int) -> HttpResponse:
    """GET asks for confirmation; POST (with CSRF) deletes."""
    club = _club(request, club_id)
    segment = _segment_or_404(club, segment_id)
    if not may_edit(request.user, club):
        raise PermissionDenied("Only the club's marketers and admins delete segments.")
    if request.method == "POST":
        name = segment.name
        segments.segment_delete(actor_key=user_principal(request.user).key, segment=segment)
        messages.success(request, f"Segment “{name}” deleted.")
        return HttpResponseRedirect(reverse("dashboards:segments", args=[club.id]))
    return _page(request, "dashboards/segment_delete.html", club, {"segment": segment,
                 "words": filter_in_words(segment.filter)})  # fmt: skip


def _compared(request: HttpRequest, club: Community) -> tuple[Segment, Segment] | None:
    raw_a, raw_b = request.GET.get("a", ""), request.GET.get("b", "")
    if not (_ID.match(raw_a) and _ID.match(raw_b)):
        return None
    return _segment_or_404(club, int(raw_a)), _segment_or_404(club, int(raw_b))


@require_GET
@login_required
def segment_compare_csv(request: HttpRequest, club_id: int) -> HttpResponse:
    """``compare.csv?a=<id>&b=<id>``: the compare page's numbers, raw (segment_compare.compare_rows)."""
    club = _club(request, club_id)
    pair = _compared(request, club)
    if pair is None:
        return HttpResponse("Choose two segments to compare.", status=400, content_type="text/plain; charset=utf-8")
    a, b = pair
    from dashboards.views import csv_text  # the views import this module's view_scope

    table = charts.Table(CSV_COLUMNS, compare_rows(side_of(a, club.id), side_of(b, club.id)), [])
    response = HttpResponse(csv_text(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{club.slug}-segments-{a.id}-vs-{b.id}.csv"'
    return response


@require_GET
@login_required
def segment_compare(request: HttpRequest, club_id: int) -> HttpResponse:
    """``?a=<id>&b=<id>``: two segments of the club side by side."""
    club = _club(request, club_id)
    pair = _compared(request, club)
    if pair is None:
        return _page(request, "dashboards/message.html", club, {"message": "Choose two segments to compare."}, 400)
    a, b = pair
    side_a, side_b = side_of(a, club.id), side_of(b, club.id)
    city_ids = {str(v) for side in (side_a, side_b) for v in side.groups["cities"] if v is not None}
    places = OverviewData(scope=Scope((club.id,))).places(extra_ids=sorted(city_ids))
    cards = [
        {"chart": chart, "fig_id": f"fig-{chart.key}"}
        for chart in compare_charts(side_a, side_b, charts.city_name(places))
    ]
    summary = [
        {"segment": seg, "side": side, "members": charts.number(side.members),
         "reachable": charts.number(side.groups["reachability"]["anything"]),
         "share": percent(side.groups["reachability"]["anything"] / side.members if side.members else None),
         "words": filter_in_words(seg.filter)}
        for seg, side in ((a, side_a), (b, side_b))
    ]  # fmt: skip
    csv_url = reverse("dashboards:segment-compare-csv", args=[club.id]) + f"?a={a.id}&b={b.id}"
    context = {"a": a, "b": b, "cards": cards, "summary": summary, "title": f"{a.name} vs {b.name}", "csv_url": csv_url}
    return _page(request, "dashboards/segment_compare.html", club, context)
