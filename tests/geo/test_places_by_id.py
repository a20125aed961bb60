"""The dashboards' place lookup (``geo.places_by_id``) against plain SQL over the places the migration loaded."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from reporting import geo

pytestmark = pytest.mark.django_db

COLUMNS = "id, type, name, country, parent_id, latitude, longitude, timezone"


def _random_places(count: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM reporting_place ORDER BY random() LIMIT %s", [count])
        return cursor.fetchall()


def test_each_known_place_is_read_once_as_its_row_and_unknown_ids_are_absent():
    rows = _random_places(400)
    assert len(rows) == 400
    wanted = [row[0] for row in rows] + ["no-such-place", "", rows[0][0], "3143244' OR '1'='1"]

    found = geo.places_by_id(place_ids=wanted)

    names = [name.strip() for name in COLUMNS.split(",")]
    assert found == {row[0]: dict(zip(names, row, strict=True)) for row in rows}
    assert geo.places_by_id(place_ids=[]) == {}
    assert geo.places_by_id(place_ids={"no-such-place"}) == {}


def test_a_few_hundred_ids_are_looked_up_by_primary_key_not_scanned():
    ids = [row[0] for row in _random_places(317)]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + geo._PLACES_BY_ID, [ids])
        plan = json.dumps(cursor.fetchone()[0])
    assert '"Node Type": "Seq Scan"' not in plan
    assert '"Relation Name": "reporting_place"' in plan
    assert '"Node Type": "Index Scan"' in plan
