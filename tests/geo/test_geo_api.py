"""Geo API (reporting-api.md §10) against plain SQL over the Place rows the migration loaded."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from reporting import permits

OSLO = "3143244"


def sql(statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


@pytest.fixture
def geo(api_for):
    return api_for(customer=None, permit_list=[permits.GEO_PLACES])


def walk(client, body: dict[str, Any]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        status, payload, _ = client.post("/v1/geo/places", {**body, "next_page_info": cursor})
        assert status == 200, payload
        assert payload["result_type"] == "records"
        records.extend(payload["records"])
        cursor = payload["pagination"]["next_page_info"]
        if cursor is None:
            return records
    raise AssertionError("pagination did not end")


def test_walking_every_page_returns_each_norwegian_city_once_in_population_order(geo):
    expected = [
        row[0]
        for row in sql(
            "SELECT id FROM reporting_place WHERE type = 'city' AND country = 'NO' ORDER BY population DESC, id"
        )
    ]
    assert len(expected) > 20
    records = walk(geo, {"type": "city", "country": "no", "limit": 7})
    assert [r["id"] for r in records] == expected
    assert set(records[0]) == {"id", "type", "name", "country", "parent_id", "latitude", "longitude", "timezone"}


def test_name_prefix_is_case_insensitive_and_literal(geo):
    expected = [
        row[0]
        for row in sql("SELECT id FROM reporting_place WHERE lower(name) LIKE 'osl%%' ORDER BY population DESC, id")
    ]
    assert OSLO in expected
    assert [r["id"] for r in walk(geo, {"query": "OSL", "limit": 1000})] == expected
    names = [row[0] for row in sql("SELECT name FROM reporting_place")]
    assert not any(name.startswith("%") for name in names)
    assert walk(geo, {"query": "%"}) == []
    assert walk(geo, {"query": "_slo"}) == []


def test_parent_and_type_filters_combine(geo):
    expected = sql(
        "SELECT id FROM reporting_place WHERE parent_id = 'SE' AND type = 'city' ORDER BY population DESC, id"
    )
    records = walk(geo, {"parent_id": "SE", "type": "city", "limit": 1000})
    assert [r["id"] for r in records] == [row[0] for row in expected]
    countries = walk(geo, {"type": "country", "limit": 1000})
    assert len(countries) == sql("SELECT count(*) FROM reporting_place WHERE type = 'country'")[0][0]
    assert {r["type"] for r in countries} == {"country"}


def test_show_place_returns_the_row(geo):
    status, body, response = geo.get(f"/v1/geo/places/{OSLO}")
    assert status == 200, body
    row = sql(
        "SELECT id, type, name, country, parent_id, latitude, longitude, timezone FROM reporting_place WHERE id = %s",
        (OSLO,),
    )[0]
    keys = ("id", "type", "name", "country", "parent_id", "latitude", "longitude", "timezone")
    assert body == dict(zip(keys, row, strict=True))
    assert body["name"] == "Oslo"
    assert response["ratelimit-cost"] == "1"
    status, body, _ = geo.get("/v1/geo/places/NO")
    assert (status, body["type"], body["parent_id"]) == (200, "country", None)


@pytest.mark.parametrize("place_id", ["999999999999", "x" * 65, "%27%20OR%201=1"])
def test_unknown_place_is_404(geo, place_id):
    status, body, _ = geo.get(f"/v1/geo/places/{place_id}")
    assert status == 404
    assert body == {"error": "Place not found"}


def test_coordinates_in_request_order_once_each_unknown_left_out(geo):
    status, body, _ = geo.post("/v1/geo/locations/coordinates", {"place_ids": ["SE", OSLO, "nope", OSLO]})
    assert status == 200, body
    rows = {
        r[0]: (r[1], r[2])
        for r in sql("SELECT id, latitude, longitude FROM reporting_place WHERE id IN ('SE', %s)", (OSLO,))
    }
    assert body == {
        "locations": [
            {"place_id": "SE", "latitude": rows["SE"][0], "longitude": rows["SE"][1]},
            {"place_id": OSLO, "latitude": rows[OSLO][0], "longitude": rows[OSLO][1]},
        ]
    }
    status, body, _ = geo.post("/v1/geo/locations/coordinates", {"place_ids": []})
    assert (status, body) == (200, {"locations": []})


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"type": "district"}, ["type"], "invalid_value"),
        ({"type": 3}, ["type"], "invalid_type"),
        ({"country": "NOR"}, ["country"], "invalid_value"),
        ({"country": "1A"}, ["country"], "invalid_value"),
        ({"query": ""}, ["query"], "invalid_value"),
        ({"query": "a\x00"}, ["query"], "invalid_value"),
        ({"limit": 0}, ["limit"], "invalid_value"),
        ({"limit": "5"}, ["limit"], "invalid_type"),
        ({"colour": "red"}, ["colour"], "unknown"),
        ({"next_page_info": "garbage"}, ["next_page_info"], "invalid_cursor"),
        ({"next_page_info": 5}, ["next_page_info"], "invalid_cursor"),
    ],
)
def test_places_validation_errors(geo, body, path, code):
    status, payload, _ = geo.post("/v1/geo/places", body)
    assert status == 422, payload
    node = payload["details"]
    for part in path:
        node = node[part]
    assert node[0]["error"] == code


def test_cursor_is_bound_to_its_query(geo):
    status, payload, _ = geo.post("/v1/geo/places", {"country": "NO", "limit": 2})
    assert status == 200
    cursor = payload["pagination"]["next_page_info"]
    assert cursor is not None
    status, payload, _ = geo.post("/v1/geo/places", {"country": "SE", "limit": 2, "next_page_info": cursor})
    assert status == 422
    assert payload["details"]["next_page_info"][0]["error"] == "invalid_cursor"
    status, payload, _ = geo.post("/v1/geo/places", {"country": "NO", "limit": 2, "page_info": cursor[:-2] + "xx"})
    assert status == 422
    assert payload["details"]["page_info"][0]["error"] == "invalid_cursor"


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({}, ["place_ids"], "required"),
        ({"place_ids": "3143244"}, ["place_ids"], "invalid_type"),
        ({"place_ids": [1]}, ["place_ids", "0"], "invalid_type"),
        ({"place_ids": ["ok", ""]}, ["place_ids", "1"], "invalid_value"),
        ({"place_ids": ["a"] * 1001}, ["place_ids"], "too_many"),
        ({"place_ids": [], "x": 1}, ["x"], "unknown"),
    ],
)
def test_coordinates_validation_errors(geo, body, path, code):
    status, payload, _ = geo.post("/v1/geo/locations/coordinates", body)
    assert status == 422, payload
    node = payload["details"]
    for part in path:
        node = node[part]
    assert node[0]["error"] == code


def test_non_object_body_and_malformed_json_are_4xx(geo):
    status, payload, _ = geo.post("/v1/geo/places", [1, 2])
    assert status == 422
    status, payload, _ = geo.post("/v1/geo/places", "{not json")
    assert status == 400
    assert payload["error"].startswith("Malformed JSON")


def test_geo_requires_its_permit_and_a_token(api_for):
    other = api_for(customer=None, permit_list=[permits.QUERY])
    for call in (
        lambda c: c.post("/v1/geo/places", {}),
        lambda c: c.get(f"/v1/geo/places/{OSLO}"),
        lambda c: c.post("/v1/geo/locations/coordinates", {"place_ids": [OSLO]}),
    ):
        status, body, _ = call(other)
        assert (status, body) == (403, {"error": "Missing permit Geo:Api:Places"})
        anonymous = api_for(customer=None)
        anonymous.token = None
        status, body, _ = call(anonymous)
        assert status == 401


def test_logged_in_dashboard_user_may_use_geo(client, django_user_model, communities):
    from reporting.models import CommunityAccess

    user = django_user_model.objects.create_user("marketer", password="pw-123456789")
    CommunityAccess.objects.create(user=user, community=communities[235], role="marketer")
    client.force_login(user)
    response = client.get(f"/v1/geo/places/{OSLO}")
    assert response.status_code == 200
    assert response.json()["name"] == "Oslo"
