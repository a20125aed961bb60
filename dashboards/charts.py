"""Chart builders: pure functions from aggregated rows to a Plotly figure dict and the table behind it.

No database access and no counting here: every number drawn is a ``members_count`` the engine returned (the
consent "unknown" bar is the engine's member count minus its given and refused counts for that key; shares are
divisions of engine counts). Each clickable element carries ``customdata``: the URL parameters
(``urlfilters.drill_query``) that narrow the view to it, which ``static/js/dashboard.js`` adds on click.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboards.selectors import TOP_N, Distribution, Kpis
from dashboards.urlfilters import drill_query
from reporting.enums import AGE_BUCKETS

UNKNOWN = "(unknown)"
PALETTE = ("#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#65a30d", "#475569")
CHANNEL_LABELS = {"sms": "SMS", "email": "E-mail", "push": "Push", "anything": "Any channel"}
EMPTY = "No members match these filters."


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Chart:
    """A dashboard card: ``figure`` is None when there is nothing to draw (the card shows ``empty``)."""

    key: str
    title: str
    figure: dict[str, Any] | None
    table: Table
    empty: str = EMPTY
    note: str = ""


@dataclass(frozen=True)
class Tile:
    label: str
    count: int
    share: float | None = None
    drill: str = ""

    @property
    def count_text(self) -> str:
        return f"{self.count:,}"

    @property
    def percent(self) -> str:
        return _percent(self.share)


@dataclass(frozen=True)
class KpiView:
    tiles: list[Tile]
    table: Table | None = None  # per club, when several clubs are compared
    per_club: Mapping[int, list[Tile]] = field(default_factory=dict)


def label(value: Any) -> str:
    return UNKNOWN if value is None else str(value)


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def base_layout(*, height: int = 320, legend: bool = False, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "autosize": True,
        "showlegend": legend,
        "legend": {"orientation": "h", "y": -0.15, "traceorder": "normal"},
        "xaxis": {"automargin": True},
        "yaxis": {"automargin": True},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12, "color": "#1f2937"},
        "hoverlabel": {"namelength": -1},
        "colorway": list(PALETTE),
    }
    layout.update(extra)
    return layout


def kpi_view(kpis: Kpis, clubs: Mapping[int, str]) -> KpiView:
    """Members and reachable members per channel (count and share of members), totals and per club."""

    def tiles(counts: Mapping[str, int]) -> list[Tile]:
        members = counts.get("members", 0)
        result = [Tile("Members", members)]
        for channel, name in CHANNEL_LABELS.items():
            count = counts.get(channel, 0)
            drill = drill_query((f"marketing_via_{channel}", True))
            result.append(Tile(f"Reachable: {name}", count, share(count, members), drill))
        return result

    if not kpis.per_club:
        return KpiView(tiles(kpis.totals))
    columns = ["Club", "Members", *(CHANNEL_LABELS[c] for c in CHANNEL_LABELS)]
    rows = [[clubs.get(cid, str(cid)), counts.get("members", 0), *(counts.get(c, 0) for c in CHANNEL_LABELS)]
            for cid, counts in kpis.per_club.items()]  # fmt: skip
    rows.append(["Total", kpis.totals["members"], *(kpis.totals[c] for c in CHANNEL_LABELS)])
    per_club = {cid: tiles(counts) for cid, counts in kpis.per_club.items()}
    return KpiView(tiles(kpis.totals), Table(columns, rows), per_club)


def reachability_chart(kpis: Kpis, clubs: Mapping[int, str]) -> Chart:
    """Members reachable per channel; bars per club when several clubs are compared."""
    names = [CHANNEL_LABELS[c] for c in CHANNEL_LABELS]
    drills = [drill_query((f"marketing_via_{c}", True)) for c in CHANNEL_LABELS]
    series = [(clubs.get(cid, str(cid)), counts) for cid, counts in kpis.per_club.items()] or [("Members", kpis.totals)]
    traces = []
    for index, (name, counts) in enumerate(series):
        values = [counts.get(c, 0) for c in CHANNEL_LABELS]
        shares = [share(v, counts.get("members", 0)) for v in values]
        traces.append(
            {
                "type": "bar",
                "name": name,
                "x": names,
                "y": values,
                "customdata": drills,
                "text": [_percent(s) for s in shares],
                "textposition": "auto",
                "marker": {"color": PALETTE[index % len(PALETTE)]},
                "hovertemplate": f"{_escape(name)}<br>%{{x}}: %{{y:,}} (%{{text}})<extra></extra>",
            }
        )
    columns = ["Channel", *(name for name, _ in series)] + (["Total"] if kpis.per_club else ["Share"])
    rows: list[list[Any]] = []
    for channel, channel_name in CHANNEL_LABELS.items():
        reached = [c.get(channel, 0) for _, c in series]
        if kpis.per_club:
            rows.append([channel_name, *reached, kpis.totals[channel]])
        else:
            rows.append([channel_name, *reached, _percent(share(reached[0], kpis.totals["members"]))])
    figure = None
    if kpis.totals["members"]:
        layout = base_layout(legend=bool(kpis.per_club), barmode="group")
        layout["xaxis"] = {"type": "category", "automargin": True}
        layout["yaxis"] = {"rangemode": "tozero", "automargin": True}
        figure = {"data": traces, "layout": layout}
    return Chart("reachability", "Reachability per channel", figure, Table(columns, rows))


def donut_chart(
    key: str, title: str, heading: str, field_name: str, dist: Distribution, clubs: Mapping[int, str]
) -> Chart:
    """A donut of one distribution; one donut per club side by side when several clubs are compared."""
    column = dist.column
    panels = [(clubs.get(cid, str(cid)), rows) for cid, rows in dist.per_club.items()] or [("", dist.totals)]
    order = [row[column] for row in dist.totals]
    colors = {value: PALETTE[i % len(PALETTE)] for i, value in enumerate(order)}
    traces = []
    width = 1 / len(panels)
    for index, (name, rows) in enumerate(panels):
        if not rows:
            continue
        trace: dict[str, Any] = {
            "type": "pie",
            "hole": 0.55,
            "sort": False,
            "direction": "clockwise",
            "labels": [label(row[column]) for row in rows],
            "values": [row["members_count"] for row in rows],
            "customdata": [drill_query((field_name, row[column])) for row in rows],
            "marker": {"colors": [colors.get(row[column], PALETTE[-1]) for row in rows]},
            "textinfo": "percent",
            "hovertemplate": "%{label}: %{value:,} (%{percent})<extra></extra>",
            "domain": {"x": [index * width + 0.01, (index + 1) * width - 0.01], "y": [0, 1]},
        }
        if name:
            trace["name"] = name
            trace["title"] = {"text": _escape(name), "position": "bottom center"}
        traces.append(trace)
    figure = {"data": traces, "layout": base_layout(legend=True)} if dist.totals else None
    return Chart(key, title, figure, _distribution_table(column, dist, clubs, title=heading))


def bar_chart(
    key: str,
    title: str,
    heading: str,
    field_name: str,
    dist: Distribution,
    clubs: Mapping[int, str],
    *,
    top: int = TOP_N,
    names: Callable[[Any], str] = label,
) -> Chart:
    """Horizontal bars of the ``top`` most frequent values (the engine's order), one bar group per club."""
    column = dist.column
    shown = dist.totals[:top]
    categories = [names(row[column]) for row in shown]
    drills = [drill_query((field_name, row[column])) for row in shown]
    if dist.per_club:
        traces = []
        for index, (cid, rows) in enumerate(dist.per_club.items()):
            counts = {row[column]: row["members_count"] for row in rows}
            traces.append(_hbar(clubs.get(cid, str(cid)), categories, [counts.get(row[column], 0) for row in shown],
                                drills, PALETTE[index % len(PALETTE)]))  # fmt: skip
    else:
        traces = [_hbar("Members", categories, [row["members_count"] for row in shown], drills, PALETTE[0])]
    height = max(220, 26 * len(shown) * max(1, len(traces) // 2 + 1) + 40)
    layout = base_layout(height=height, legend=bool(dist.per_club), barmode="group")
    layout["yaxis"] = {"type": "category", "autorange": "reversed", "automargin": True}
    layout["xaxis"] = {"rangemode": "tozero", "automargin": True}
    figure = {"data": traces, "layout": layout} if shown else None
    note = f"Top {top} of {len(dist.totals)} values." if len(dist.totals) > top else ""
    return Chart(key, title, figure, _distribution_table(column, dist, clubs, title=heading, names=names), note=note)


def _hbar(name: str, categories: list[str], values: list[int], drills: list[str], color: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "orientation": "h",
        "name": name,
        "y": categories,
        "x": values,
        "customdata": drills,
        "marker": {"color": color},
        "hovertemplate": f"{_escape(name)}<br>%{{y}}: %{{x:,}}<extra></extra>",
    }


def pyramid_chart(pyramid: Sequence[tuple[str | None, list[dict[str, Any]]]]) -> Chart:
    """Age bucket x gender: the most frequent gender to the left, the others stacked to the right."""
    present = {row["age"] for _, rows in pyramid for row in rows}
    buckets: list[str | None] = [b for b in AGE_BUCKETS if b in present] + ([None] if None in present else [])
    traces = []
    table_rows = [[label(bucket)] for bucket in buckets]
    peak = 0
    for index, (gender, rows) in enumerate(pyramid):
        counts = {row["age"]: row["members_count"] for row in rows}
        values = [counts.get(bucket, 0) for bucket in buckets]
        peak = max([peak, *values])
        for table_row, value in zip(table_rows, values, strict=True):
            table_row.append(value)
        sign = -1 if index == 0 else 1
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": label(gender),
                "y": [label(b) for b in buckets],
                "x": [sign * v for v in values],
                "text": [f"{v:,}" for v in values],
                "textposition": "none",
                "customdata": [drill_query(("age", b), ("gender", gender)) for b in buckets],
                "marker": {"color": PALETTE[index % len(PALETTE)]},
                "hovertemplate": f"{_escape(label(gender))}, age %{{y}}: %{{text}}<extra></extra>",
            }
        )
    ticks = _symmetric_ticks(peak)
    layout = base_layout(height=max(260, 24 * len(buckets) + 60), legend=True, barmode="relative", bargap=0.1)
    layout["yaxis"] = {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": [label(b) for b in buckets],
        "automargin": True,
    }
    layout["xaxis"] = {
        "tickvals": ticks,
        "ticktext": [f"{abs(t):,}" for t in ticks],
        "zeroline": True,
        "automargin": True,
    }
    figure = {"data": traces, "layout": layout} if buckets else None
    table = Table(["Age", *(label(g) for g, _ in pyramid)], table_rows)
    note = "Unknown age or gender is shown as (unknown)." if None in present or None in [g for g, _ in pyramid] else ""
    return Chart("age", "Age pyramid (age x gender)", figure, table, note=note)


def _symmetric_ticks(peak: int) -> list[int]:
    if peak <= 0:
        return [0]
    magnitude = 10 ** max(0, int(math.log10(peak)))
    step = max(1, math.ceil(peak / 2 / magnitude) * magnitude)
    return [-2 * step, -step, 0, step, 2 * step]


def consents_chart(rows: Sequence[dict[str, Any]], members: int) -> Chart:
    """Per consent key: given, refused, and unknown (members in view without that key, by subtraction)."""
    keys = sorted({row["consent_key"] for row in rows})
    counts = {(row["consent_key"], row["consent_value"]): row["members_count"] for row in rows}
    given = [counts.get((k, True), 0) for k in keys]
    refused = [counts.get((k, False), 0) for k in keys]
    unknown = [max(0, members - g - r) for g, r in zip(given, refused, strict=True)]
    traces = []
    for name, values, value, color in (
        ("Given", given, True, "#059669"),
        ("Refused", refused, False, "#dc2626"),
        ("Unknown", unknown, None, "#94a3b8"),
    ):
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": keys,
                "x": values,
                "customdata": [drill_query((f"consents.{k}", value)) for k in keys],
                "marker": {"color": color},
                "hovertemplate": f"%{{y}}: {name.lower()} by %{{x:,}}<extra></extra>",
            }
        )
    layout = base_layout(height=max(200, 34 * len(keys) + 70), legend=True, barmode="stack")
    layout["yaxis"] = {"type": "category", "automargin": True, "autorange": "reversed"}
    figure = {"data": traces, "layout": layout} if keys and members else None
    table = Table(
        ["Consent", "Given", "Refused", "Unknown"],
        [[k, g, r, u] for k, g, r, u in zip(keys, given, refused, unknown, strict=True)],
    )
    empty = "No consents recorded for these members." if members else EMPTY
    return Chart("consents", "Consents", figure, table, empty=empty)


def city_name(places: Mapping[str, dict[str, Any]]) -> Callable[[Any], str]:
    def name(place_id: Any) -> str:
        if place_id is None:
            return UNKNOWN
        place = places.get(place_id)
        return f"{place['name']} ({place['country']})" if place else f"Unknown place {place_id}"

    return name


def cities_chart(dist: Distribution, places: Mapping[str, dict[str, Any]], clubs: Mapping[int, str]) -> Chart:
    return bar_chart("cities", "Top cities", "City", "city_place_id", dist, clubs, names=city_name(places))


def map_chart(rows: Sequence[dict[str, Any]], places: Mapping[str, dict[str, Any]]) -> Chart:
    """Members per city at the city's real coordinates; cities without known coordinates are only in the table."""
    located = [
        (row, places[row["city_place_id"]])
        for row in rows
        if row["city_place_id"] in places and places[row["city_place_id"]]["latitude"] is not None
    ]
    peak = max((row["members_count"] for row, _ in located), default=0)
    trace = {
        "type": "scattergeo",
        "mode": "markers",
        "lat": [place["latitude"] for _, place in located],
        "lon": [place["longitude"] for _, place in located],
        "text": [place["name"] for _, place in located],
        "customdata": [drill_query(("city_place_id", row["city_place_id"])) for row, _ in located],
        "marker": {
            "size": [6 + 30 * math.sqrt(row["members_count"] / peak) for row, _ in located] if peak else [],
            "color": PALETTE[0],
            "opacity": 0.7,
            "line": {"width": 1, "color": "#ffffff"},
        },
        "hovertext": [f"{place['name']}: {row['members_count']:,}" for row, place in located],
        "hoverinfo": "text",
    }
    layout = base_layout(height=420)
    lats = [place["latitude"] for _, place in located]
    lons = [place["longitude"] for _, place in located]
    layout["geo"] = {
        "scope": "world",
        "resolution": 110,
        "showcountries": True,
        "countrycolor": "#94a3b8",
        "showland": True,
        "landcolor": "#f1f5f9",
        "showocean": True,
        "oceancolor": "#e0f2fe",
        "projection": {"type": "mercator"},
        **_geo_ranges(lats, lons),
    }
    table_rows = []
    for row in rows:
        place = places.get(row["city_place_id"]) if row["city_place_id"] is not None else None
        table_rows.append([
            row["city_place_id"] or "",
            place["name"] if place else UNKNOWN,
            place["country"] if place else "",
            place["latitude"] if place else None,
            place["longitude"] if place else None,
            row["members_count"],
        ])  # fmt: skip
    table = Table(["Place id", "City", "Country", "Latitude", "Longitude", "Members"], table_rows)
    figure = {"data": [trace], "layout": layout} if located else None
    empty = "No member has a city with known coordinates." if rows else EMPTY
    return Chart("map", "Members per city", figure, table, empty=empty)


def _geo_ranges(lats: Sequence[float], lons: Sequence[float], *, pad: float = 2.0) -> dict[str, Any]:
    """A view around the plotted cities with some margin (Plotly's fitbounds crops to the outermost markers)."""
    if not lats:
        return {}
    return {
        "lataxis": {"range": [max(-85.0, min(lats) - pad), min(85.0, max(lats) + pad)]},
        "lonaxis": {"range": [max(-180.0, min(lons) - 2 * pad), min(180.0, max(lons) + 2 * pad)]},
    }


def _distribution_table(
    column: str, dist: Distribution, clubs: Mapping[int, str], *, title: str, names: Callable[[Any], str] = label
) -> Table:
    if not dist.per_club:
        return Table([title, "Members"], [[names(row[column]), row["members_count"]] for row in dist.totals])
    per_club = {cid: {row[column]: row["members_count"] for row in rows} for cid, rows in dist.per_club.items()}
    columns = [title, *(clubs.get(cid, str(cid)) for cid in dist.per_club), "Total"]
    rows = [
        [names(row[column]), *(per_club[cid].get(row[column], 0) for cid in dist.per_club), row["members_count"]]
        for row in dist.totals
    ]
    return Table(columns, rows)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _escape(text: str) -> str:
    """Plotly hover templates treat ``%{`` and HTML-like text specially; club names are user data."""
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("{", "(").replace("}", ")")
