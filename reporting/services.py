"""Writes that are not ingestion: communities and API clients."""

from __future__ import annotations

import secrets
from collections.abc import Collection

from django.db import transaction

from reporting import permits as permit_names
from reporting.models import ApiClient, Community
from reporting.principals import hash_token

TOKEN_PREFIX = "ci_"  # noqa: S105 - a public prefix that makes leaked tokens greppable, not a secret


class UnknownNames(ValueError):
    pass


def community_create(*, id: int, slug: str, name: str, country: str, timezone: str) -> tuple[Community, bool]:
    """Create or update a community (idempotent); True when it was created."""
    community = Community(id=id, slug=slug, name=name, country=country.upper(), timezone=timezone)
    community.full_clean(validate_unique=False)
    existing = Community.objects.filter(slug=slug).exclude(id=id).exists()
    if existing:
        raise UnknownNames(f"slug {slug!r} belongs to another community")
    _, created = Community.objects.update_or_create(
        id=id, defaults={"slug": slug, "name": name, "country": country.upper(), "timezone": timezone}
    )
    return Community.objects.get(id=id), created


@transaction.atomic
def api_client_create(
    *, name: str, permits: Collection[str], community_ids: Collection[int] | None
) -> tuple[ApiClient, str]:
    """A new API client and its token (returned once; only its hash is stored).

    ``community_ids`` None grants every community, present and future.
    """
    unknown_permits = sorted(set(permits) - set(permit_names.ALL))
    if unknown_permits:
        raise UnknownNames(f"unknown permits: {', '.join(unknown_permits)}")
    communities = []
    if community_ids is not None:
        communities = list(Community.objects.filter(id__in=community_ids))
        missing = sorted(set(community_ids) - {c.id for c in communities})
        if missing:
            raise UnknownNames(f"unknown communities: {', '.join(map(str, missing))}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name,
        token_hash=hash_token(token),
        token_prefix=token[:10],
        permits=sorted(set(permits)),
        all_communities=community_ids is None,
    )
    client.communities.set(communities)
    return client, token
