"""Every chart function: rows in, figure and table out. No database (pytest-django would refuse access)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import plotly.graph_objects as go
import pytest

from dashboards import charts
from dashboards.selectors import Distribution, Kpis

CLUBS = {235: "Oslo City", 236: "Bergen <b>%{x}</b>"}


def valid(figure: dict[str, Any] | None) -> dict[str, Any]:
    """The figure passes plotly's own schema validation (unknown properties or bad values raise)."""
    assert figure is not None
    go.Figure(figure)
    return figure


def drill(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


SINGLE_KPIS = Kpis({"members": 40, "sms": 10, "email": 30, "push": 0, "anything": 32})
MULTI_KPIS = Kpis(
    {"members": 50, "sms": 12, "email": 35, "push": 1, "anything": 40},
    {
        235: {"members": 40, "sms": 10, "email": 30, "push": 0, "anything": 32},
        236: {"members": 10, "sms": 2, "email": 5, "push": 1, "anything": 8},
    },
)


def test_kpi_tiles_single_club():
    view = charts.kpi_view(SINGLE_KPIS, CLUBS)
    assert [(t.label, t.count) for t in view.tiles] == [
        ("Members", 40),
        ("Reachable: SMS", 10),
        ("Reachable: E-mail", 30),
        ("Reachable: Push", 0),
        ("Reachable: Any channel", 32),
    ]
    assert view.tiles[0].share is None
    assert view.tiles[1].share == pytest.approx(0.25)
    assert view.tiles[1].percent == "25.0%"
    assert view.tiles[2].count_text == "30"
    assert drill(view.tiles[1].drill) == [("marketing_via_sms", "true")]
    assert view.table is None


def test_kpi_tiles_multi_club_have_a_per_club_table_with_engine_totals():
    view = charts.kpi_view(MULTI_KPIS, CLUBS)
    assert [t.count for t in view.tiles] == [50, 12, 35, 1, 40]
    assert view.table is not None
    assert view.table.columns == ["Club", "Members", "SMS", "E-mail", "Push", "Any channel"]
    assert view.table.rows == [
        ["Oslo City", 40, 10, 30, 0, 32],
        [CLUBS[236], 10, 2, 5, 1, 8],
        ["Total", 50, 12, 35, 1, 40],
    ]
    assert [t.count for t in view.per_club[236]] == [10, 2, 5, 1, 8]


def test_kpi_share_of_an_empty_view_is_undefined_not_zero():
    view = charts.kpi_view(Kpis({"members": 0, "sms": 0, "email": 0, "push": 0, "anything": 0}), CLUBS)
    assert view.tiles[1].share is None
    assert view.tiles[1].percent == "-"


def test_reachability_single():
    chart = charts.reachability_chart(SINGLE_KPIS, CLUBS)
    figure = valid(chart.figure)
    (trace,) = figure["data"]
    assert trace["x"] == ["SMS", "E-mail", "Push", "Any channel"]
    assert trace["y"] == [10, 30, 0, 32]
    assert trace["text"] == ["25.0%", "75.0%", "0.0%", "80.0%"]
    assert [drill(c) for c in trace["customdata"]] == [
        [("marketing_via_sms", "true")],
        [("marketing_via_email", "true")],
        [("marketing_via_push", "true")],
        [("marketing_via_anything", "true")],
    ]
    assert chart.table.rows[0] == ["SMS", 10, "25.0%"]


def test_reachability_multi_has_a_trace_per_club_and_totals_in_the_table():
    chart = charts.reachability_chart(MULTI_KPIS, CLUBS)
    figure = valid(chart.figure)
    assert [t["name"] for t in figure["data"]] == ["Oslo City", CLUBS[236]]
    assert figure["data"][1]["y"] == [2, 5, 1, 8]
    assert figure["data"][1]["text"][0] == "20.0%"
    assert "%{x}</b>" not in figure["data"][1]["hovertemplate"]
    assert chart.table.columns == ["Channel", "Oslo City", CLUBS[236], "Total"]
    assert chart.table.rows[2] == ["Push", 0, 1, 1]


def test_reachability_without_members_is_an_empty_state():
    chart = charts.reachability_chart(Kpis({"members": 0, "sms": 0, "email": 0, "push": 0, "anything": 0}), CLUBS)
    assert chart.figure is None
    assert chart.empty == charts.EMPTY


GENDER = Distribution(
    "gender",
    [
        {"gender": "woman", "members_count": 7},
        {"gender": "man", "members_count": 5},
        {"gender": None, "members_count": 2},
    ],
)


def test_donut_single():
    chart = charts.donut_chart("gender", "Gender", "Gender", "gender", GENDER, CLUBS)
    figure = valid(chart.figure)
    (trace,) = figure["data"]
    assert trace["type"] == "pie"
    assert trace["labels"] == ["woman", "man", "(unknown)"]
    assert trace["values"] == [7, 5, 2]
    assert [drill(c) for c in trace["customdata"]] == [
        [("gender", "woman")],
        [("gender", "man")],
        [("gender", "(none)")],
    ]
    assert chart.table.columns == ["Gender", "Members"]
    assert chart.table.rows == [["woman", 7], ["man", 5], ["(unknown)", 2]]


def test_donut_multi_is_one_donut_per_club_side_by_side():
    dist = Distribution(
        "gender",
        GENDER.totals,
        {
            235: [
                {"community_id": 235, "gender": "woman", "members_count": 6},
                {"community_id": 235, "gender": None, "members_count": 2},
            ],
            236: [
                {"community_id": 236, "gender": "man", "members_count": 5},
                {"community_id": 236, "gender": "woman", "members_count": 1},
            ],
        },
    )
    chart = charts.donut_chart("gender", "Gender", "Gender", "gender", dist, CLUBS)
    figure = valid(chart.figure)
    first, second = figure["data"]
    assert first["domain"]["x"][1] <= second["domain"]["x"][0]
    assert (first["labels"], first["values"]) == (["woman", "(unknown)"], [6, 2])
    assert second["marker"]["colors"][1] == first["marker"]["colors"][0]  # one colour per value across donuts
    assert chart.table.columns == ["Gender", "Oslo City", CLUBS[236], "Total"]
    assert chart.table.rows == [["woman", 6, 1, 7], ["man", 0, 5, 5], ["(unknown)", 2, 0, 2]]


def test_donut_without_rows_is_empty():
    chart = charts.donut_chart("gender", "Gender", "Gender", "gender", Distribution("gender", []), CLUBS)
    assert chart.figure is None
    assert chart.table.rows == []


def _channel_rows(n: int) -> list[dict[str, Any]]:
    return [{"optin_channel": f"c{i:02d}", "members_count": 100 - i} for i in range(n)]


def test_bar_chart_shows_the_top_values_in_engine_order():
    dist = Distribution("optin_channel", _channel_rows(25))
    chart = charts.bar_chart("channel", "Channel (top 20)", "Channel", "optin_channel", dist, CLUBS, top=20)
    figure = valid(chart.figure)
    (trace,) = figure["data"]
    assert trace["orientation"] == "h"
    assert trace["y"] == [f"c{i:02d}" for i in range(20)]
    assert trace["x"] == [100 - i for i in range(20)]
    assert drill(trace["customdata"][3]) == [("optin_channel", "c03")]
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"
    assert chart.note == "Top 20 of 25 values."
    assert len(chart.table.rows) == 25


def test_bar_chart_multi_fills_missing_club_values_with_zero():
    dist = Distribution(
        "interest",
        [{"interest": "food", "members_count": 9}, {"interest": "=1+1", "members_count": 4}],
        {
            235: [{"community_id": 235, "interest": "food", "members_count": 9}],
            236: [{"community_id": 236, "interest": "=1+1", "members_count": 4}],
        },
    )
    chart = charts.bar_chart("interests", "Interests", "Interest", "properties.interests", dist, CLUBS)
    figure = valid(chart.figure)
    assert [t["x"] for t in figure["data"]] == [[9, 0], [0, 4]]
    assert drill(figure["data"][0]["customdata"][1]) == [("properties.interests", "=1+1")]
    assert chart.table.rows == [["food", 9, 0, 9], ["=1+1", 0, 4, 4]]
    assert chart.note == ""


def test_cities_chart_names_places_and_keeps_unknown_ids_visible():
    places = {"3143244": {"id": "3143244", "name": "Oslo", "country": "NO", "latitude": 59.9, "longitude": 10.7}}
    dist = Distribution(
        "city_place_id",
        [
            {"city_place_id": "3143244", "members_count": 5},
            {"city_place_id": "42", "members_count": 2},
            {"city_place_id": None, "members_count": 1},
        ],
    )
    chart = charts.cities_chart(dist, places, CLUBS)
    (trace,) = valid(chart.figure)["data"]
    assert trace["y"] == ["Oslo (NO)", "Unknown place 42", "(unknown)"]
    assert [drill(c) for c in trace["customdata"]] == [
        [("city_place_id", "3143244")],
        [("city_place_id", "42")],
        [("city_place_id", "(none)")],
    ]


PYRAMID: list[tuple[str | None, list[dict[str, Any]]]] = [
    ("woman", [{"age": "25-29", "members_count": 4}, {"age": "-14", "members_count": 1}]),
    ("man", [{"age": "25-29", "members_count": 2}, {"age": None, "members_count": 3}]),
    (None, [{"age": "80-", "members_count": 1}]),
]


def test_pyramid_mirrors_the_first_gender_and_orders_buckets_by_age():
    chart = charts.pyramid_chart(PYRAMID)
    figure = valid(chart.figure)
    woman, man, unknown = figure["data"]
    assert woman["y"] == ["≤14", "25-29", "80+", "(unknown)"]  # shown humanised; raw in drills and the CSV
    assert woman["x"] == [-1, -4, 0, 0]
    assert woman["text"] == ["1", "4", "0", "0"]
    assert man["x"] == [0, 2, 0, 3]
    assert unknown["name"] == "(unknown)"
    assert unknown["x"] == [0, 0, 1, 0]
    assert drill(man["customdata"][3]) == [("age", "(none)"), ("gender", "man")]
    assert drill(unknown["customdata"][2]) == [("age", "80-"), ("gender", "(none)")]
    assert figure["layout"]["barmode"] == "relative"
    ticks = figure["layout"]["xaxis"]["tickvals"]
    assert ticks == [-t for t in reversed(ticks)]
    assert figure["layout"]["xaxis"]["ticktext"] == [f"{abs(t):,}" for t in ticks]
    assert chart.table.columns == ["Age", "woman", "man", "(unknown)"]
    assert chart.table.rows == [["-14", 1, 0, 0], ["25-29", 4, 2, 0], ["80-", 0, 0, 1], ["(unknown)", 0, 3, 0]]
    assert chart.note


def test_pyramid_empty():
    chart = charts.pyramid_chart([])
    assert chart.figure is None
    assert chart.table.rows == []


@pytest.mark.parametrize(("peak", "step"), [(1, 1), (6, 3), (95, 50), (1234, 1000), (5000, 3000)])
def test_pyramid_ticks_cover_the_peak(peak, step):
    (woman,) = [("woman", [{"age": "30-34", "members_count": peak}])]
    figure = charts.pyramid_chart([woman]).figure
    assert figure is not None
    ticks = figure["layout"]["xaxis"]["tickvals"]
    assert ticks[3] == step
    assert ticks[-1] >= peak


CONSENTS = [
    {"consent_key": "sms_marketing", "consent_value": True, "members_count": 3},
    {"consent_key": "email_marketing", "consent_value": True, "members_count": 6},
    {"consent_key": "email_marketing", "consent_value": False, "members_count": 2},
    {"consent_key": "sms_marketing", "consent_value": False, "members_count": 5},
]


def test_consents_given_refused_unknown():
    chart = charts.consents_chart(CONSENTS, members=10)
    figure = valid(chart.figure)
    given, refused, unknown = figure["data"]
    assert given["y"] == ["Email marketing", "Sms marketing"]  # shown humanised; raw in drills and the CSV
    assert (given["x"], refused["x"], unknown["x"]) == ([6, 3], [2, 5], [2, 2])
    assert drill(given["customdata"][0]) == [("consents.email_marketing", "true")]
    assert drill(refused["customdata"][1]) == [("consents.sms_marketing", "false")]
    assert drill(unknown["customdata"][1]) == [("consents.sms_marketing", "(none)")]
    assert figure["layout"]["barmode"] == "stack"
    assert chart.table.rows == [["email_marketing", 6, 2, 2], ["sms_marketing", 3, 5, 2]]


def test_consents_empty_states():
    assert charts.consents_chart([], members=4).figure is None
    assert charts.consents_chart([], members=4).empty.startswith("No consents")
    assert charts.consents_chart([], members=0).empty == charts.EMPTY


PLACES: dict[str, dict[str, Any]] = {
    "3143244": {"id": "3143244", "name": "Oslo", "country": "NO", "latitude": 59.9, "longitude": 10.7},
    "3161732": {"id": "3161732", "name": "Bergen", "country": "NO", "latitude": 60.4, "longitude": 5.3},
    "NOWHERE": {"id": "NOWHERE", "name": "Atlantis", "country": "XX", "latitude": None, "longitude": None},
}


def test_map_plots_located_cities_at_their_coordinates():
    rows: list[dict[str, Any]] = [
        {"city_place_id": "3143244", "members_count": 16},
        {"city_place_id": "3161732", "members_count": 4},
        {"city_place_id": "NOWHERE", "members_count": 2},
        {"city_place_id": "777", "members_count": 1},
        {"city_place_id": None, "members_count": 1},
    ]
    chart = charts.map_chart(rows, PLACES)
    figure = valid(chart.figure)
    (trace,) = figure["data"]
    assert trace["type"] == "scattergeo"
    assert (trace["lat"], trace["lon"]) == ([59.9, 60.4], [10.7, 5.3])
    assert trace["text"] == ["Oslo", "Bergen"]
    assert trace["hovertext"] == ["Oslo: 16", "Bergen: 4"]
    assert trace["marker"]["size"][0] == pytest.approx(36)
    assert trace["marker"]["size"][1] == pytest.approx(6 + 30 * 0.5)
    assert drill(trace["customdata"][1]) == [("city_place_id", "3161732")]
    geo = figure["layout"]["geo"]
    assert geo["lataxis"]["range"][0] < 59.9
    assert geo["lataxis"]["range"][1] > 60.4
    assert geo["lonaxis"]["range"][0] < 5.3
    assert geo["lonaxis"]["range"][1] > 10.7
    assert chart.table.columns == ["Place id", "City", "Country", "Latitude", "Longitude", "Members"]
    assert chart.table.rows[2] == ["NOWHERE", "Atlantis", "XX", None, None, 2]
    assert chart.table.rows[3] == ["777", "(unknown)", "", None, None, 1]
    assert chart.table.rows[4] == ["", "(unknown)", "", None, None, 1]


def test_map_without_located_cities_is_empty():
    chart = charts.map_chart([{"city_place_id": "777", "members_count": 3}], PLACES)
    assert chart.figure is None
    assert chart.empty.startswith("No member has a city")
    assert charts.map_chart([], PLACES).empty == charts.EMPTY


def test_labels_and_escaping():
    assert charts.label(None) == "(unknown)"
    assert charts.label(True) == "True"
    assert charts._escape("A <b>%{y}</b>") == "A &lt;b&gt;%(y)&lt;/b&gt;"


def test_humanised_labels_keep_raw_values_in_the_csv_rows_drills_and_tooltips():
    dist = Distribution(
        "interest",
        [
            {"interest": "food_and_drink", "members_count": 1200},
            {"interest": "", "members_count": 30},
            {"interest": " store-007 ", "members_count": 20},
            {"interest": " pos", "members_count": 10},
            {"interest": "pos", "members_count": 5},
        ],
    )
    chart = charts.bar_chart("interests", "Interests", "Interest", "properties.interests", dist, CLUBS)
    (trace,) = valid(chart.figure)["data"]
    assert trace["y"] == ["Food and drink", "(empty)", "␠store-007␠", "␠pos", "pos"]
    assert len(set(trace["y"])) == len(trace["y"])
    assert [drill(c)[0][1] for c in trace["customdata"]] == ["food_and_drink", "(empty)", " store-007 ", " pos", "pos"]
    assert trace["hovertext"][0] == '"food_and_drink"'
    assert "%{hovertext}" in trace["hovertemplate"]
    assert [row[0] for row in chart.table.rows] == ["food_and_drink", "", " store-007 ", " pos", "pos"]
    assert chart.table.labels == trace["y"]
    shown, raw_value, cells, row_drill = chart.table.shown_rows()[0]
    assert (shown, raw_value, cells) == ("Food and drink", "food_and_drink", ["1,200"])
    assert row_drill == trace["customdata"][0]  # the table row drills where a click on the bar does


def test_two_values_that_read_alike_stay_distinct():
    from dashboards.labels import unique_labels

    assert unique_labels(["food_and_drink", "Food and drink"]) == [
        'Food and drink ["food_and_drink"]',
        'Food and drink ["Food and drink"]',
    ]


def test_every_count_axis_uses_one_thousands_style_and_shares_one_precision():
    figures = [
        valid(charts.reachability_chart(SINGLE_KPIS, CLUBS).figure),
        valid(
            charts.bar_chart(
                "channel", "C", "C", "optin_channel", Distribution("optin_channel", _channel_rows(3)), CLUBS
            ).figure
        ),
        valid(charts.consents_chart(CONSENTS, members=10).figure),
    ]
    axes = [f["layout"]["yaxis"] if f["data"][0].get("orientation") != "h" else f["layout"]["xaxis"] for f in figures]
    assert [a["tickformat"] for a in axes] == [",~f", ",~f", ",~f"]
    (pie,) = valid(charts.donut_chart("gender", "G", "G", "gender", GENDER, CLUBS).figure)["data"]
    assert pie["texttemplate"] == "%{percent:.1%}"
    assert pie["textposition"] == "inside"  # a small slice's label is hidden, never drawn outside and clipped
    assert charts.Table(["A", "B"], [["x", 12345]]).shown_rows() == [("x", "x", ["12,345"], "")]


def test_compare_club_colours_are_distinct_from_value_colours_and_from_each_other():
    assert len(set(charts.CLUB_COLOURS)) == len(charts.CLUB_COLOURS)
    dist = Distribution("gender", GENDER.totals, {235: GENDER.totals, 236: GENDER.totals})
    donut = valid(charts.donut_chart("gender", "G", "G", "gender", dist, CLUBS).figure)
    value_colours = {c.lower() for t in donut["data"] for c in t["marker"]["colors"]}
    reach = valid(charts.reachability_chart(MULTI_KPIS, CLUBS).figure)
    club_colours = [t["marker"]["color"].lower() for t in reach["data"]]
    assert len(set(club_colours)) == 2
    assert not value_colours & set(club_colours)
    assert not {c.lower() for c in charts.CLUB_COLOURS} & {c.lower() for c in charts.PALETTE}


def test_compare_bars_are_shares_of_each_club_with_counts_in_the_table():
    dist = Distribution(
        "optin_channel",
        [{"optin_channel": "app", "members_count": 30}, {"optin_channel": "pos", "members_count": 12}],
        {
            235: [{"community_id": 235, "optin_channel": "app", "members_count": 20}],
            236: [
                {"community_id": 236, "optin_channel": "app", "members_count": 10},
                {"community_id": 236, "optin_channel": "pos", "members_count": 12},
            ],
        },
    )
    members = {235: 40, 236: 25}
    chart = charts.bar_chart("channel", "C", "Channel", "optin_channel", dist, CLUBS, members=members)
    oslo, bergen = valid(chart.figure)["data"]
    assert oslo["x"] == [20 / 40, 0 / 40]
    assert bergen["x"] == [10 / 25, 12 / 25]
    assert bergen["text"] == ["10", "12"]
    assert chart.table.columns == [
        "Channel",
        "Oslo City",
        "Oslo City share",
        CLUBS[236],
        f"{CLUBS[236]} share",
        "Total",
    ]
    assert chart.table.rows[0] == ["app", 20, "50.0%", 10, "40.0%", 30]


def test_compare_pyramid_and_consents_show_clubs_side_by_side_not_summed():
    per_club: dict[int, list[tuple[str | None, list[dict[str, Any]]]]] = {
        235: PYRAMID[:2],
        236: [("woman", [{"age": "25-29", "members_count": 9}]), ("man", [])],
    }
    chart = charts.pyramid_chart(PYRAMID, per_club, CLUBS)
    figure = valid(chart.figure)
    axes = sorted({t.get("xaxis", "x") for t in figure["data"]})
    assert axes == ["x", "x2"]
    second = [t for t in figure["data"] if t.get("xaxis") == "x2"]
    assert second[0]["x"][second[0]["y"].index("25-29")] == -9
    assert figure["layout"]["xaxis"]["domain"][1] <= figure["layout"]["xaxis2"]["domain"][0]
    consents = charts.consents_chart(
        CONSENTS,
        members=14,
        per_club={235: CONSENTS[:2], 236: CONSENTS[2:]},
        club_members={235: 10, 236: 4},
        clubs=CLUBS,
    )
    given, refused, unknown = valid(consents.figure)["data"]
    assert len(given["y"]) == 4  # two keys x two clubs, each its own bar
    assert consents.table.rows[0] == ["email_marketing", "Oslo City", 6, 0, 4]
    assert consents.table.rows[1] == ["email_marketing", CLUBS[236], 0, 2, 2]
    assert given["x"][0] == 6 / 10
    assert refused["x"][1] == 2 / 4
    assert unknown["x"][1] == 2 / 4


def test_export_filters_read_as_words():
    from dashboards.exports.describe import filter_in_words

    assert filter_in_words(None) == "All members"
    assert filter_in_words({"type": "in", "field": "age", "value": ["20-24", "80-", None]}) == (
        "Age is 20-24, 80+ or (unknown)"
    )
    tree = {
        "type": "and",
        "operations": [
            {"type": "equal", "field": "consents.cookie_tracking", "value": False},
            {"type": "or", "operations": [
                {"type": "equal", "field": "properties.interests", "value": "food_and_drink"},
                {"type": "greater_or_equal_to", "field": "push_devices", "value": 2000},
            ]},
            {"type": "equal", "field": "optin_subchannel", "value": ""},
        ],
    }  # fmt: skip
    assert filter_in_words(tree) == (
        "Consent cookie tracking is no and (Interest is Food and drink or Push devices is at least 2,000)"
        " and Subchannel is (empty)"
    )
