"""Build the derivation :class:`Reference` from the database, once per import run or API call."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from reporting import enums
from reporting.conf import reporting_setting
from reporting.ingestion.derive import PERSONAL_PROPERTY_KEYS, CommunityRef, Reference
from reporting.models import Community, Place


def _overrides(raw: object) -> dict[str, str]:
    # An override naming a platform outside the enum would break the member's check constraint: ignored.
    if not isinstance(raw, dict):
        return {}
    return {
        str(channel).lower(): platform
        for channel, platform in raw.items()
        if isinstance(platform, str) and platform in enums.OPTIN_PLATFORMS
    }


def personal_keys() -> frozenset[str]:
    extra = reporting_setting("EXTRA_PERSONAL_PROPERTY_KEYS") or []
    return PERSONAL_PROPERTY_KEYS | {str(key).lower() for key in extra}


def load_reference(
    *, allowed_community_ids: Collection[int] | None = None, place_ids: Iterable[str] | None = None
) -> Reference:
    """Communities, country codes and place countries; ``place_ids`` limits the places loaded (None: all)."""
    communities = {
        row["id"]: CommunityRef(country=row["country"], overrides=_overrides(row["optin_platform_overrides"]))
        for row in Community.objects.values("id", "country", "optin_platform_overrides")
    }
    country_codes = frozenset(Place.objects.filter(type="country").values_list("id", flat=True))
    places = Place.objects.all() if place_ids is None else Place.objects.filter(id__in=list(set(place_ids)))
    return Reference(
        communities=communities,
        country_codes=country_codes,
        place_countries=dict(places.values_list("id", "country")),
        personal_keys=personal_keys(),
        allowed_community_ids=None if allowed_community_ids is None else frozenset(allowed_community_ids),
    )
