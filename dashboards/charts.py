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

from dashboards.labels import UNKNOWN, display, raw, unique_labels
from dashboards.selectors import TOP_N, Distribution, Kpis
from dashboards.urlfilters import drill_query
from reporting.enums import AGE_BUCKETS

# The two colour-blind-safe palettes, kept apart so a club never wears a value's colour (docs/dashboards.md):
# values of a distribution (gender, platform, consent state...) use Paul Tol's "muted" set, clubs in a comparison
# use Okabe-Ito. No hex code is in both.
PALETTE = ("#332288", "#CC6677", "#117733", "#DDCC77", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")
CLUB_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
CONSENT_COLOURS = {"Given": "#117733", "Refused": "#CC6677", "Unknown": "#BBBBBB"}
COUNT_AXIS = {"tickformat": ",~f", "rangemode": "tozero", "automargin": True}
SHARE_AXIS = {"tickformat": ".0%", "rangemode": "tozero", "automargin": True}
CHANNEL_LABELS = {"sms": "SMS", "email": "E-mail", "push": "Push", "anything": "Any channel"}
EMPTY = "No members match these filters."


@dataclass(frozen=True)
class Table:
    """Rows as the CSV writes them (raw values); ``labels`` are the first column as the page shows it."""

    columns: list[str]
    rows: list[list[Any]]
    labels: list[str] | None = None
    # Per row, the URL parameters of its drill-down (as a chart click adds them): the keyboard's way to drill.
    drills: list[str] = field(default_factory=list)

    def shown_rows(self) -> list[tuple[str, str, list[str], str]]:
        """(shown label, raw first cell, formatted other cells, drill-down parameters) per row, for the HTML
        table."""
        labels = self.labels or [str(row[0]) for row in self.rows]
        return [
            (text, str(row[0]), [number(c) for c in row[1:]], self.drills[i] if i < len(self.drills) else "")
            for i, (text, row) in enumerate(zip(labels, self.rows, strict=True))
        ]


def number(value: Any) -> str:
    """A table cell as text: integers with thousands separators (one style everywhere), None as a dash."""
    if value is None:
        return "\u2013"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


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
    """The CSV spelling of a group value: raw, null as "(unknown)" (what the CSVs have always held)."""
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
        "separators": ".,",
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


def club_colour(index: int) -> str:
    return CLUB_COLOURS[index % len(CLUB_COLOURS)]


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
                "marker": {"color": club_colour(index) if kpis.per_club else PALETTE[0]},
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
        layout["yaxis"] = dict(COUNT_AXIS)
        figure = {"data": traces, "layout": layout}
    return Chart("reachability", "Reachability per channel", figure, Table(columns, rows))


def donut_chart(
    key: str, title: str, heading: str, field_name: str, dist: Distribution, clubs: Mapping[int, str]
) -> Chart:
    """A donut of one distribution; one donut per club side by side when several clubs are compared."""
    column = dist.column
    panels = [(clubs.get(cid, str(cid)), rows) for cid, rows in dist.per_club.items()] or [("", dist.totals)]
    order = [row[column] for row in dist.totals]
    shown = dict(zip(order, unique_labels(order), strict=True))
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
            "labels": [shown.get(row[column], display(row[column])) for row in rows],
            "values": [row["members_count"] for row in rows],
            "customdata": [drill_query((field_name, row[column])) for row in rows],
            "hovertext": [_escape(raw(row[column])) for row in rows],
            "marker": {"colors": [colors.get(row[column], PALETTE[-1]) for row in rows]},
            # Percentages inside the ring only: a small slice's label is hidden (the tooltip and the table
            # have it) rather than drawn outside and clipped by the card.
            "textinfo": "percent",
            "texttemplate": "%{percent:.1%}",
            "textposition": "inside",
            "insidetextorientation": "horizontal",
            "hovertemplate": "%{label}: %{value:,} (%{percent:.1%})<br>value: %{hovertext}<extra></extra>",
            "domain": {"x": [index * width + 0.01, (index + 1) * width - 0.01], "y": [0, 1]},
        }
        if name:
            trace["name"] = name
            trace["title"] = {"text": _escape(name), "position": "bottom center"}
        traces.append(trace)
    layout = base_layout(legend=True, uniformtext={"minsize": 10, "mode": "hide"})
    figure = {"data": traces, "layout": layout} if dist.totals else None
    return Chart(key, title, figure, _distribution_table(column, dist, clubs, title=heading, field_name=field_name))


def bar_chart(
    key: str,
    title: str,
    heading: str,
    field_name: str,
    dist: Distribution,
    clubs: Mapping[int, str],
    *,
    top: int = TOP_N,
    names: Callable[[Any], str] = display,
    members: Mapping[int, int] | None = None,
) -> Chart:
    """Horizontal bars of the ``top`` most frequent values (the engine's order), one bar group per club.

    When clubs are compared (``members`` holds each club's member count), bars are shares of each club's members
    so clubs of different sizes compare; the count is in the tooltip and both are in the table."""
    column = dist.column
    shown = dist.totals[:top]
    categories = unique_labels([row[column] for row in shown], names)
    drills = [drill_query((field_name, row[column])) for row in shown]
    raws = [_escape(raw(row[column])) for row in shown]
    if dist.per_club:
        traces = []
        for index, (cid, rows) in enumerate(dist.per_club.items()):
            counts = {row[column]: row["members_count"] for row in rows}
            values = [counts.get(row[column], 0) for row in shown]
            whole = None if members is None else members.get(cid, 0)
            traces.append(_hbar(clubs.get(cid, str(cid)), categories, values, drills, raws, club_colour(index),
                                whole=whole))  # fmt: skip
    else:
        traces = [_hbar("Members", categories, [row["members_count"] for row in shown], drills, raws, PALETTE[0])]
    height = max(220, 26 * len(shown) * max(1, len(traces) // 2 + 1) + 40)
    layout = base_layout(height=height, legend=bool(dist.per_club), barmode="group")
    layout["yaxis"] = {"type": "category", "autorange": "reversed", "automargin": True}
    layout["xaxis"] = dict(SHARE_AXIS if dist.per_club and members is not None else COUNT_AXIS)
    figure = {"data": traces, "layout": layout} if shown else None
    note = f"Top {top} of {len(dist.totals)} values." if len(dist.totals) > top else ""
    if dist.per_club and members is not None:
        note = (note + " Bars are shares of each club's members.").strip()
    table = _distribution_table(column, dist, clubs, title=heading, field_name=field_name, names=names, members=members)
    return Chart(key, title, figure, table, note=note)


def _hbar(
    name: str,
    categories: list[str],
    values: list[int],
    drills: list[str],
    raws: list[str],
    color: str,
    *,
    whole: int | None = None,
) -> dict[str, Any]:
    trace: dict[str, Any] = {
        "type": "bar",
        "orientation": "h",
        "name": name,
        "y": categories,
        "x": values,
        "customdata": drills,
        "hovertext": raws,
        "marker": {"color": color},
        "hovertemplate": f"{_escape(name)}<br>%{{y}}: %{{x:,}}<br>value: %{{hovertext}}<extra></extra>",
    }
    if whole is not None:
        shares = [v / whole if whole else 0.0 for v in values]
        trace["x"] = shares
        trace["text"] = [f"{v:,}" for v in values]
        trace["textposition"] = "none"
        trace["hovertemplate"] = (
            f"{_escape(name)}<br>%{{y}}: %{{x:.1%}} of members (%{{text}})<br>value: %{{hovertext}}<extra></extra>"
        )
    return trace


def _age_order(present: set[Any]) -> list[str | None]:
    return [b for b in AGE_BUCKETS if b in present] + ([None] if None in present else [])


Pyramid = Sequence[tuple[str | None, list[dict[str, Any]]]]


def pyramid_chart(
    pyramid: Pyramid, per_club: Mapping[int, Pyramid] | None = None, clubs: Mapping[int, str] | None = None
) -> Chart:
    """Age bucket x gender: the most frequent gender to the left, the others stacked to the right.

    When clubs are compared, one pyramid per club side by side (sharing the age axis), never a sum."""
    panels: list[tuple[str, Pyramid]] = [("", pyramid)]
    if per_club:
        panels = [((clubs or {}).get(cid, str(cid)), rows) for cid, rows in per_club.items()]
    genders = [gender for gender, _ in pyramid]
    colours = {gender: PALETTE[i % len(PALETTE)] for i, gender in enumerate(genders)}
    present = {row["age"] for _, p in panels for _, rows in p for row in rows}
    buckets = _age_order(present)
    categories = unique_labels(buckets)
    traces = []
    layout = base_layout(height=max(260, 24 * len(buckets) + 80), legend=True, barmode="relative", bargap=0.1)
    table_rows: list[list[Any]] = [[label(bucket)] for bucket in buckets]
    columns = ["Age"]
    width = 1 / len(panels)
    for panel, (club_name, rows_by_gender) in enumerate(panels):
        axis = "x" if panel == 0 else f"x{panel + 1}"
        peak = 0
        for gender, rows in rows_by_gender:
            index = genders.index(gender) if gender in genders else len(genders)
            counts = {row["age"]: row["members_count"] for row in rows}
            values = [counts.get(bucket, 0) for bucket in buckets]
            peak = max([peak, *values])
            for table_row, value in zip(table_rows, values, strict=True):
                table_row.append(value)
            columns.append(f"{club_name}: {label(gender)}" if club_name else label(gender))
            sign = -1 if index == 0 else 1
            prefix = f"{_escape(club_name)}, " if club_name else ""
            traces.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": display(gender),
                    "legendgroup": label(gender),
                    "showlegend": panel == 0,
                    "xaxis": axis,
                    "y": categories,
                    "x": [sign * v for v in values],
                    "text": [f"{v:,}" for v in values],
                    "textposition": "none",
                    "customdata": [drill_query(("age", b), ("gender", gender)) for b in buckets],
                    "marker": {"color": colours.get(gender, PALETTE[-1])},
                    "hovertemplate": f"{prefix}{_escape(display(gender))}, age %{{y}}: %{{text}}<extra></extra>",
                }
            )
        ticks = _symmetric_ticks(peak)
        axis_layout: dict[str, Any] = {
            "tickvals": ticks,
            "ticktext": [f"{abs(t):,}" for t in ticks],
            "zeroline": True,
            "automargin": True,
        }
        if per_club:
            axis_layout["domain"] = [panel * width + 0.02, (panel + 1) * width - 0.02]
            if panel:
                axis_layout["anchor"] = "y"
            # The club's name above its pyramid (an axis title below would sit on the legend).
            layout.setdefault("annotations", []).append(
                {"text": _escape(club_name), "xref": "paper", "yref": "paper", "x": (panel + 0.5) * width,
                 "y": 1.0, "yanchor": "bottom", "showarrow": False, "font": {"size": 12}}
            )  # fmt: skip
            layout["margin"] = {**layout["margin"], "t": 28}
        layout["xaxis" if panel == 0 else f"xaxis{panel + 1}"] = axis_layout
    layout["yaxis"] = {"type": "category", "categoryorder": "array", "categoryarray": categories, "automargin": True}
    figure = {"data": traces, "layout": layout} if buckets else None
    note = "Unknown age or gender is shown as (unknown)." if None in present or None in genders else ""
    if per_club:
        note = (note + " One pyramid per club.").strip()
    return Chart("age", "Age pyramid (age x gender)", figure, Table(columns, table_rows, categories), note=note)


def _symmetric_ticks(peak: int) -> list[int]:
    if peak <= 0:
        return [0]
    magnitude = 10 ** max(0, int(math.log10(peak)))
    step = max(1, math.ceil(peak / 2 / magnitude) * magnitude)
    return [-2 * step, -step, 0, step, 2 * step]


def consents_chart(
    rows: Sequence[dict[str, Any]],
    members: int,
    *,
    per_club: Mapping[int, Sequence[dict[str, Any]]] | None = None,
    club_members: Mapping[int, int] | None = None,
    clubs: Mapping[int, str] | None = None,
) -> Chart:
    """Per consent key: given, refused, and unknown (members in view without that key, by subtraction).

    When clubs are compared, each key has one stacked bar per club (shares of that club's members)."""
    keys = sorted({row["consent_key"] for row in rows})
    key_labels = dict(zip(keys, unique_labels(keys), strict=True))
    series: list[tuple[int | None, Sequence[dict[str, Any]], int]] = [(None, rows, members)]
    if per_club:
        series = [(cid, club_rows, (club_members or {}).get(cid, 0)) for cid, club_rows in per_club.items()]
    categories: list[str] = []
    drill_keys: list[str] = []
    states: dict[str, list[int]] = {name: [] for name in CONSENT_COLOURS}
    wholes: list[int] = []
    table_rows: list[list[Any]] = []
    table_labels: list[str] = []
    for key in keys:
        for cid, club_rows, whole in series:
            counts = {(r["consent_key"], r["consent_value"]): r["members_count"] for r in club_rows}
            given, refused = counts.get((key, True), 0), counts.get((key, False), 0)
            unknown = max(0, whole - given - refused)
            club_name = (clubs or {}).get(cid, str(cid)) if cid is not None else ""
            shown = f"{key_labels[key]} · {club_name}" if club_name else key_labels[key]
            categories.append(shown)
            drill_keys.append(key)
            wholes.append(whole)
            for name, value in zip(CONSENT_COLOURS, (given, refused, unknown), strict=True):
                states[name].append(value)
            table_rows.append([key, *([club_name] if per_club else []), given, refused, unknown])
            table_labels.append(key_labels[key])
    traces = []
    for (name, colour), value in zip(CONSENT_COLOURS.items(), (True, False, None), strict=True):
        counts_ = states[name]
        trace: dict[str, Any] = {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": categories,
            "x": counts_,
            "customdata": [drill_query((f"consents.{k}", value)) for k in drill_keys],
            "hovertext": [_escape(raw(k)) for k in drill_keys],
            "marker": {"color": colour},
            "hovertemplate": f"%{{y}}: {name.lower()} by %{{x:,}}<br>key: %{{hovertext}}<extra></extra>",
        }
        if per_club:
            trace["x"] = [c / w if w else 0.0 for c, w in zip(counts_, wholes, strict=True)]
            trace["text"] = [f"{c:,}" for c in counts_]
            trace["textposition"] = "none"
            trace["hovertemplate"] = f"%{{y}}: {name.lower()} by %{{x:.1%}} (%{{text}})<extra></extra>"
        traces.append(trace)
    layout = base_layout(height=max(200, 34 * len(categories) + 70), legend=True, barmode="stack")
    layout["yaxis"] = {"type": "category", "automargin": True, "autorange": "reversed"}
    layout["xaxis"] = dict(SHARE_AXIS if per_club else COUNT_AXIS)
    figure = {"data": traces, "layout": layout} if keys and members else None
    columns = ["Consent", *(["Club"] if per_club else []), "Given", "Refused", "Unknown"]
    empty = "No consents recorded for these members." if members else EMPTY
    note = "Bars are shares of each club's members." if per_club else ""
    return Chart("consents", "Consents", figure, Table(columns, table_rows, table_labels), empty=empty, note=note)


def city_name(places: Mapping[str, dict[str, Any]]) -> Callable[[Any], str]:
    def name(place_id: Any) -> str:
        if place_id is None or place_id == "":
            return display(place_id)
        place = places.get(place_id)
        return f"{place['name']} ({place['country']})" if place else f"Unknown place {place_id}"

    return name


def cities_chart(
    dist: Distribution,
    places: Mapping[str, dict[str, Any]],
    clubs: Mapping[int, str],
    *,
    members: Mapping[int, int] | None = None,
) -> Chart:
    names = city_name(places)
    return bar_chart("cities", "Top cities", "City", "city_place_id", dist, clubs, names=names, members=members)


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
    column: str,
    dist: Distribution,
    clubs: Mapping[int, str],
    *,
    title: str,
    field_name: str,
    names: Callable[[Any], str] = display,
    members: Mapping[int, int] | None = None,
) -> Table:
    """CSV cells keep the raw value (``label``); the page shows ``names``. With ``members`` (a comparison of
    clubs) each club has a share column next to its count."""
    values = [row[column] for row in dist.totals]
    drills = [drill_query((field_name, value)) for value in values]
    csv_name = label if names is display else names
    shown = unique_labels(values, names)
    if not dist.per_club:
        rows = [[csv_name(row[column]), row["members_count"]] for row in dist.totals]
        return Table([title, "Members"], rows, shown, drills)
    per_club = {cid: {row[column]: row["members_count"] for row in rows} for cid, rows in dist.per_club.items()}
    columns = [title]
    for cid in dist.per_club:
        name = clubs.get(cid, str(cid))
        columns += [name, f"{name} share"] if members is not None else [name]
    columns.append("Total")
    table_rows = []
    for row in dist.totals:
        cells: list[Any] = [csv_name(row[column])]
        for cid in dist.per_club:
            count = per_club[cid].get(row[column], 0)
            cells.append(count)
            if members is not None:
                cells.append(_percent(share(count, members.get(cid, 0))))
        cells.append(row["members_count"])
        table_rows.append(cells)
    return Table(columns, table_rows, shown, drills)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _escape(text: str) -> str:
    """Plotly hover templates treat ``%{`` and HTML-like text specially; club names are user data."""
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("{", "(").replace("}", ")")
