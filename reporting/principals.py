"""Who is calling: an API client (token) or a dashboard user (session), with permits and community grants."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q

from reporting import permits
from reporting.models import ApiClient, CommunityAccess

# What a dashboard session may do through the API: read everything of its clubs; admins also export.
_USER_PERMITS = frozenset(
    {permits.QUERY, permits.GEO_PLACES, *(permits.report_permit(s) for s in permits.REPORT_SUFFIXES)}
)
_ADMIN_PERMITS = _USER_PERMITS | {permits.EXPORT, permits.TENANTS_EXPORT}


@dataclass(frozen=True)
class Principal:
    kind: str  # "client" or "user"
    id: int
    name: str
    permits: frozenset[str]
    all_communities: bool
    community_ids: frozenset[int]
    admin_community_ids: frozenset[int] = frozenset()

    @property
    def key(self) -> str:
        """Stable identity for rate-limit buckets and export ownership."""
        return f"{self.kind}:{self.id}"

    def has_permit(self, permit: str) -> bool:
        return permit in self.permits

    def may_access(self, community_id: int) -> bool:
        return self.all_communities or community_id in self.community_ids


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_principal(token_hash: str) -> Principal | None:
    """The active, unrevoked API client holding the token with this hash (one query).

    Asked on every request and never cached: a rotated or revoked token is refused from the next request on,
    by every process.
    """
    row = (
        ApiClient.objects.filter(token_hash=token_hash, is_active=True, revoked_at__isnull=True)
        .annotate(community_ids=ArrayAgg("communities__id", filter=Q(communities__isnull=False), default=[]))
        .values("id", "name", "permits", "all_communities", "community_ids")
        .first()
    )
    if row is None:
        return None
    return Principal(
        kind="client",
        id=row["id"],
        name=row["name"],
        permits=frozenset(row["permits"]),
        all_communities=row["all_communities"],
        community_ids=frozenset(row["community_ids"]),
    )


def user_principal(user: Any) -> Principal:
    """A dashboard user's principal: superusers see every club, others their CommunityAccess rows."""
    if user.is_superuser:
        all_permits = frozenset(permits.ALL)
        return Principal("user", user.pk, user.get_username(), all_permits, True, frozenset(), frozenset())
    access = list(CommunityAccess.objects.filter(user_id=user.pk).values_list("community_id", "role"))
    communities = frozenset(cid for cid, _ in access)
    admin_of = frozenset(cid for cid, role in access if role == "admin")
    return Principal(
        kind="user",
        id=user.pk,
        name=user.get_username(),
        permits=_ADMIN_PERMITS if admin_of else _USER_PERMITS,
        all_communities=False,
        community_ids=communities,
        admin_community_ids=admin_of,
    )
