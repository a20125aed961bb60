"""Dashboard pages: thin views over ``dashboards.selectors`` (numbers) and ``dashboards.charts`` (figures)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from dashboards import charts, growth
from dashboards.access import accessible_clubs, is_admin, require_clubs
from dashboards.alongside import alongside
from dashboards.exports.thisview import export_view_context
from dashboards.overview import CHARTS, Chip, FilterBar, filter_bar
from dashboards.segments import SEGMENT_PARAM, ViewScope, view_scope
from dashboards.selectors import OverviewData, Scope, member_counts
from dashboards.streaming import streamed_page
from dashboards.urlfilters import ViewFilter
from reporting.models import Community

_IDS = re.compile(r"^\d{1,10}$")
MAX_COMPARED_CLUBS = 12
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


FAVICON = Path(settings.BASE_DIR) / "static" / "favicon.ico"


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``: browsers ask for it on every origin, and the API viewers show it (a 404 otherwise)."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One club: straight to it. Several: a list to open one or compare some. None: say so."""
    clubs = accessible_clubs(request.user)
    if len(clubs) == 1:
        return HttpResponseRedirect(reverse("dashboards:club", args=[clubs[0].id]))
    counts = member_counts(community_ids=[club.id for club in clubs])
    rows = [{"club": club, "members": charts.number(counts.get(club.id, 0))} for club in clubs]
    return render(request, "dashboards/home.html", {"clubs": clubs, "rows": rows, "nav_clubs": clubs})


@require_GET
@login_required
def club_go(request: HttpRequest) -> HttpResponse:
    """The club switcher's form target (works without JavaScript)."""
    raw = request.GET.get("club", "")
    if not _IDS.match(raw):
        return HttpResponseRedirect(reverse("dashboards:home"))
    require_clubs(request.user, [int(raw)])
    return HttpResponseRedirect(reverse("dashboards:club", args=[int(raw)]))


@require_GET
@login_required
@gzip_page  # the page carries every figure as JSON (about 130 KB); Django's gzip pads against BREACH
def club(request: HttpRequest, club_id: int) -> HttpResponse | StreamingHttpResponse:
    clubs = require_clubs(request.user, [club_id])
    return _dashboard(request, clubs, keep=())


@require_GET
@login_required
@gzip_page  # the page carries every figure as JSON (about 130 KB); Django's gzip pads against BREACH
def compare(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Several clubs side by side: ``/clubs/?ids=235,236`` (``ids=235&ids=236`` from the form works too)."""
    ids = _requested_ids(request)
    if ids is None:
        return render(request, "dashboards/message.html", {"message": "Choose clubs by their ids."}, status=400)
    if len(ids) > MAX_COMPARED_CLUBS:
        message = f"At most {MAX_COMPARED_CLUBS} clubs can be compared at once."
        return render(request, "dashboards/message.html", {"message": message}, status=400)
    clubs = require_clubs(request.user, ids)
    if len(clubs) == 1:
        return HttpResponseRedirect(reverse("dashboards:club", args=[clubs[0].id]) + _filter_suffix(request))
    keep = [("ids", ",".join(str(c.id) for c in clubs))]
    return _dashboard(request, clubs, keep=keep)


@require_GET
@login_required
def club_csv(request: HttpRequest, club_id: int, key: str) -> HttpResponse:
    clubs = require_clubs(request.user, [club_id])
    return _csv(request, clubs, key)


@require_GET
@login_required
def compare_csv(request: HttpRequest, key: str) -> HttpResponse:
    ids = _requested_ids(request)
    if ids is None or len(ids) > MAX_COMPARED_CLUBS:
        return HttpResponse("Choose clubs by their ids.", status=400, content_type="text/plain")
    return _csv(request, require_clubs(request.user, ids), key)


def _requested_ids(request: HttpRequest) -> list[int] | None:
    parts = [part.strip() for raw in request.GET.getlist("ids") for part in raw.split(",") if part.strip()]
    if not parts or not all(_IDS.match(part) for part in parts):
        return None
    return sorted({int(part) for part in parts})


def _filter_suffix(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("ids", None)
    return f"?{query.urlencode()}" if query else ""


def _dashboard(
    request: HttpRequest, clubs: Sequence[Community], *, keep: Sequence[tuple[str, str]]
) -> HttpResponse | StreamingHttpResponse:
    scope = view_scope(request.GET, clubs)
    view_filter = scope.view_filter
    period = growth.period_for(request.GET, clubs)
    # The growth period and the segment are part of every shared URL of the view; "Clear all" drops the segment.
    clear = [*keep, *period.params]
    keep = [*clear, *scope.segment_params]
    names = {club.id: club.name for club in clubs}
    all_clubs = accessible_clubs(request.user)
    context: dict[str, Any] = {
        "clubs": clubs,
        "multi": len(clubs) > 1,
        "title": " + ".join(club.name for club in clubs),
        "nav_clubs": all_clubs,
        "nav_is_admin": is_admin(request.user),
        "current_ids": [club.id for club in clubs],
        "view_filter": view_filter,
        "segment": scope.segment,
        "keep": keep,
        "query": view_filter.query_string(keep=keep),
        "clear_query": urlencode(clear),
        "save_query": view_filter.query_string(keep=scope.segment_params),
    }
    data = OverviewData(scope=Scope(tuple(club.id for club in clubs), scope.raw))
    if scope.error or period.error:
        context["error"] = scope.error or period.error
        # The pickers and chips show the rejected parameters too, so each can be removed on its own.
        context["bar"] = _with_segment_chip(
            filter_bar(view_filter=view_filter, picker_values=data.picker_values, places={}, keep=keep),
            scope,
            request,
            clear,
            view_filter,
        )
        return render(request, "dashboards/overview.html", context, status=400)

    growth_section: Callable[[], growth.GrowthSection] = _not_started

    def complete(context: dict[str, Any]) -> None:
        # The growth charts read the events' own fields, which a segment's tree does not name: it is listed as
        # not applied there (as any other filter the events cannot answer), never dropped silently.
        events_view = replace(view_filter, params=(*scope.segment_params, *view_filter.params))
        growth_data = growth.GrowthData(clubs=clubs, view_filter=events_view, period=period, as_of=timezone.now())
        nonlocal growth_section
        growth_section = alongside(lambda: growth.section(growth_data, page_params=[*keep, *view_filter.params]))
        picker_values = data.picker_values
        places = data.places(extra_ids=[str(v) for v in picker_values["city_place_id"] if v is not None])
        bar = filter_bar(view_filter=view_filter, picker_values=picker_values, places=places, keep=keep)
        context["bar"] = _with_segment_chip(bar, scope, request, clear, view_filter)
        context["kpis"] = charts.kpi_view(data.kpis, names)
        context["export_view"] = export_view_context(
            request.user, clubs, view_filter.query_string(keep=scope.segment_params)
        )
        query = context["query"]
        context["cards"] = [
            {"chart": build(data, names), "fig_id": f"fig-{key}", "csv_url": _csv_url(clubs, key, query)}
            for key, build in CHARTS.items()
        ]

    def growth_part(context: dict[str, Any]) -> str:
        # Waits for the section started alongside the distributions; sent below the charts already drawn.
        context["growth"] = growth_section()
        return render_to_string("dashboards/_growth.html", context, request)

    return streamed_page(request, "dashboards/overview.html", context, complete, later=growth_part)


def _not_started() -> growth.GrowthSection:
    raise RuntimeError("the growth section is computed once the page's distributions are")


def _with_segment_chip(
    bar: FilterBar,
    scope: ViewScope,
    request: HttpRequest,
    clear: Sequence[tuple[str, str]],
    view_filter: ViewFilter,
) -> FilterBar:
    """The segment is the first chip; removing it keeps the URL's other filters."""
    raw = request.GET.get(SEGMENT_PARAM, "")
    if not raw:
        return bar
    label = f"Segment: {scope.segment.name}" if scope.segment is not None else f"Segment: #{raw}"
    chip = Chip(label, view_filter.query_string(keep=clear))
    return replace(bar, chips=[chip, *bar.chips])


def _csv_url(clubs: Sequence[Community], key: str, query: str) -> str:
    if len(clubs) == 1:
        path = reverse("dashboards:club-csv", args=[clubs[0].id, key])
    else:
        path = reverse("dashboards:compare-csv", args=[key])
    return f"{path}?{query}" if query else path


def _csv(request: HttpRequest, clubs: Sequence[Community], key: str) -> HttpResponse:
    build = CHARTS.get(key)
    if build is None:
        raise Http404("No such chart")
    scope = view_scope(request.GET, clubs)
    if scope.error:
        return HttpResponse(scope.error, status=400, content_type="text/plain; charset=utf-8")
    data = OverviewData(scope=Scope(tuple(club.id for club in clubs), scope.raw))
    chart = build(data, {club.id: club.name for club in clubs})
    response = HttpResponse(csv_text(chart.table), content_type="text/csv; charset=utf-8")
    slug = clubs[0].slug if len(clubs) == 1 else "clubs-" + "-".join(str(c.id) for c in clubs)
    response["Content-Disposition"] = f'attachment; filename="{slug}-{key}.csv"'
    return response


def csv_text(table: charts.Table) -> str:
    """RFC 4180 CSV of a chart table; text that a spreadsheet would run as a formula is prefixed with ``'``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_cell(c) for c in row])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
