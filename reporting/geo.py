"""Reads over the Geo place hierarchy (reporting-api.md §10): lists, one place, coordinates, names for charts.

The Geo API and the dashboards both read places from here. Places are not tenant data, so nothing here is
scoped by community. Lists are ordered by population descending, then id, and paginated by keyset over exactly
those two columns, so a deep page costs what the first does.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower

from reporting.models import Place
from reporting.query import cursor as cursors
from reporting.query import errors
from reporting.query.errors import invalid
from reporting.selectors import Page

PLACE_FIELDS = ("id", "type", "name", "country", "parent_id", "latitude", "longitude", "timezone")
_CURSOR_REPORT = "geo.places"
# One primary-key lookup per id: the LIMIT keeps the subquery from being pulled up into a join, which the planner
# answers for a few hundred ids with a scan of every place (317 of 34,258 places: 2.9 ms scanned, 0.5 ms looked up;
# docs/performance.md, "The overview's places").
_PLACES_BY_ID = (
    "SELECT p.* FROM unnest(%s::text[]) AS wanted(id) CROSS JOIN LATERAL"
    f" (SELECT {', '.join(PLACE_FIELDS)} FROM {Place._meta.db_table} WHERE id = wanted.id LIMIT 1) AS p"
)


@dataclass(frozen=True)
class PlacesQuery:
    """A validated ``POST /v1/geo/places`` body; None means "no condition" for each criterion."""

    type: str | None = None
    country: str | None = None
    parent_id: str | None = None
    name_prefix: str | None = None
    limit: int = 100
    cursor: str | None = None
    cursor_path: str = "next_page_info"

    def fingerprint(self) -> str:
        criteria = {"type": self.type, "country": self.country, "parent_id": self.parent_id, "q": self.name_prefix}
        return cursors.fingerprint(report=_CURSOR_REPORT, filter_raw=criteria, aggregate_by=None, community_ids=())


def places_page(*, query: PlacesQuery) -> Page:
    """One page of places matching every given criterion, most populous first (ties by id).

    The name prefix is matched case-insensitively and literally (``%`` and ``_`` are not wildcards). A cursor
    from another query is ``invalid_cursor``.
    """
    places = Place.objects.all()
    if query.type is not None:
        places = places.filter(type=query.type)
    if query.country is not None:
        places = places.filter(country=query.country)
    if query.parent_id is not None:
        places = places.filter(parent_id=query.parent_id)
    if query.name_prefix is not None:
        places = places.annotate(lower_name=Lower("name")).filter(lower_name__startswith=query.name_prefix.lower())
    if query.cursor is not None:
        after = cursors.decode(query.cursor, query_fingerprint=query.fingerprint(), key_count=2)
        if after is None or not isinstance(after[0], int) or not isinstance(after[1], str):
            raise invalid((query.cursor_path,), errors.INVALID_CURSOR)
        population, place_id = after
        places = places.filter(Q(population__lt=population) | Q(population=population, id__gt=place_id))
    rows = list(places.order_by("-population", "id").values(*PLACE_FIELDS, "population")[: query.limit + 1])
    next_page_info = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last = rows[-1]
        next_page_info = cursors.encode(query_fingerprint=query.fingerprint(), keys=[last["population"], last["id"]])
    return Page(records=[_public(row) for row in rows], next_page_info=next_page_info)


def place_detail(*, place_id: str) -> dict[str, Any] | None:
    """One place in the public shape, or None when no place has this id."""
    row = Place.objects.filter(id=place_id).values(*PLACE_FIELDS).first()
    return None if row is None else _public(row)


def place_coordinates(*, place_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Coordinates of the known places among ``place_ids``, in request order, each id once; unknown ids are left
    out. A place without coordinates is listed with null latitude and longitude."""
    known = {
        row["id"]: row for row in Place.objects.filter(id__in=set(place_ids)).values("id", "latitude", "longitude")
    }
    seen: set[str] = set()
    locations = []
    for place_id in place_ids:
        row = known.get(place_id)
        if row is None or place_id in seen:
            continue
        seen.add(place_id)
        locations.append({"place_id": place_id, "latitude": row["latitude"], "longitude": row["longitude"]})
    return locations


def places_by_id(*, place_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """Public records of the given places keyed by id (one query); unknown ids are absent."""
    if not place_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_PLACES_BY_ID, [sorted({str(place_id) for place_id in place_ids})])
        return {row[0]: dict(zip(PLACE_FIELDS, row, strict=True)) for row in cursor.fetchall()}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in PLACE_FIELDS}
