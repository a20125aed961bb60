"""Geo API (reporting-api.md §10): places list, one place, coordinates. Thin views over ``reporting.geo``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from reporting import enums, geo, permits
from reporting.api import schema
from reporting.api.base import ReportingView
from reporting.api.exceptions import ApiError
from reporting.query import errors
from reporting.query.errors import ErrorTree
from reporting.query.request import parse_limit, reject_unknown_keys, require_object

PLACES_KEYS = frozenset({"type", "country", "parent_id", "query", "limit", "next_page_info", "page_info"})
MAX_COORDINATE_IDS = 1000
MAX_PLACE_ID_LENGTH = 64


def _optional_text(body: dict[str, Any], key: str, errors_: ErrorTree, *, max_length: int) -> str | None:
    """A string criterion: absent or null means none; anything else must be a non-empty string."""
    raw = body.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors_.add((key,), errors.INVALID_TYPE, expected="string")
        return None
    if not raw or len(raw) > max_length or "\x00" in raw:
        errors_.add((key,), errors.INVALID_VALUE, min_length=1, max_length=max_length)
        return None
    return raw


def parse_places_query(body: dict[str, Any]) -> geo.PlacesQuery:
    errors_ = ErrorTree()
    reject_unknown_keys(body, PLACES_KEYS, errors_)
    place_type = _optional_text(body, "type", errors_, max_length=32)
    if place_type is not None and place_type not in enums.PLACE_TYPES:
        errors_.add(("type",), errors.INVALID_VALUE, allowed=list(enums.PLACE_TYPES))
    country = _optional_text(body, "country", errors_, max_length=2)
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        errors_.add(("country",), errors.INVALID_VALUE, expected="ISO 3166-1 alpha-2")
    parent_id = _optional_text(body, "parent_id", errors_, max_length=MAX_PLACE_ID_LENGTH)
    name_prefix = _optional_text(body, "query", errors_, max_length=200)
    limit = parse_limit(body.get("limit"), errors_)
    cursor_path = "next_page_info" if body.get("next_page_info") is not None else "page_info"
    cursor = body.get(cursor_path)
    if cursor is not None and not isinstance(cursor, str):
        errors_.add((cursor_path,), errors.INVALID_CURSOR)
    errors_.raise_if_any()
    return geo.PlacesQuery(
        type=place_type,
        country=country.upper() if country else None,
        parent_id=parent_id,
        name_prefix=name_prefix,
        limit=limit,
        cursor=cursor,
        cursor_path=cursor_path,
    )


def parse_place_ids(body: dict[str, Any]) -> list[str]:
    errors_ = ErrorTree()
    reject_unknown_keys(body, {"place_ids"}, errors_)
    raw = body.get("place_ids")
    ids: list[str] = []
    if "place_ids" not in body:
        errors_.add(("place_ids",), errors.REQUIRED)
    elif not isinstance(raw, list):
        errors_.add(("place_ids",), errors.INVALID_TYPE, expected="array")
    elif len(raw) > MAX_COORDINATE_IDS:
        errors_.add(("place_ids",), errors.TOO_MANY, max_items=MAX_COORDINATE_IDS)
    else:
        for index, item in enumerate(raw):
            if not isinstance(item, str):
                errors_.add(("place_ids", index), errors.INVALID_TYPE, expected="string")
            elif not item or len(item) > MAX_PLACE_ID_LENGTH or "\x00" in item:
                errors_.add(("place_ids", index), errors.INVALID_VALUE, max_length=MAX_PLACE_ID_LENGTH)
            else:
                ids.append(item)
    errors_.raise_if_any()
    return ids


class PlacesView(ReportingView):
    @extend_schema(**schema.GEO_PLACES)
    def post(self, request: Request) -> Response:
        self.require(request, permits.GEO_PLACES)
        body = require_object(request.data)
        self.charge(request, None, 1)
        page = geo.places_page(query=parse_places_query(body))
        return Response(page.envelope())


class PlaceView(ReportingView):
    @extend_schema(**schema.GEO_PLACE)
    def get(self, request: Request, place_id: str) -> Response:
        self.require(request, permits.GEO_PLACES)
        self.charge(request, None, 1)
        place = geo.place_detail(place_id=place_id) if len(place_id) <= MAX_PLACE_ID_LENGTH else None
        if place is None:
            raise ApiError(404, "Place not found")
        return Response(place)


class CoordinatesView(ReportingView):
    @extend_schema(**schema.GEO_COORDINATES)
    def post(self, request: Request) -> Response:
        self.require(request, permits.GEO_PLACES)
        body = require_object(request.data)
        self.charge(request, None, 1)
        return Response({"locations": geo.place_coordinates(place_ids=parse_place_ids(body))})


__all__ = ["CoordinatesView", "PlaceView", "PlacesView"]
