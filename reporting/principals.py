"""Who is calling: an API client (token) or a dashboard user (session), with permits and community grants."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import connection

from reporting import permits
from reporting.models import CommunityAccess

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


@dataclass(frozen=True)
class RequestedCommunities:
    """The communities an X-Customer id list names that exist, with their time zones (sorted by id), read in the
    token's statement; whether the caller may access them is still decided by reporting.context."""

    wanted: tuple[int, ...]
    ids: tuple[int, ...]
    time_zones: tuple[str, ...]


# One round trip for the token and the communities the request names: the client's permits and grants, and the
# requested communities' time zones. Hand-written because it runs on every request (the ORM's compile alone cost
# more than the statement).
_CLIENT_SQL = """
SELECT c.id, c.name, c.permits, c.all_communities,
       ARRAY(SELECT g.community_id FROM reporting_apiclient_communities AS g WHERE g.apiclient_id = c.id),
       w.ids, w.zones
FROM reporting_apiclient AS c
CROSS JOIN LATERAL (
    SELECT array_agg(co.id ORDER BY co.id) AS ids, array_agg(co.timezone ORDER BY co.id) AS zones
    FROM reporting_community AS co WHERE co.id = ANY(%(wanted)s::bigint[])
) AS w
WHERE c.token_hash = %(token_hash)s AND c.is_active AND c.revoked_at IS NULL
"""


def client_principal(token_hash: str, wanted: tuple[int, ...] = ()) -> tuple[Principal, RequestedCommunities] | None:
    """The active, unrevoked API client holding the token with this hash, and the ``wanted`` communities that
    exist (one query).

    Asked on every request and never cached: a rotated or revoked token is refused from the next request on,
    by every process.
    """
    with connection.cursor() as cursor:
        cursor.execute(_CLIENT_SQL, {"token_hash": token_hash, "wanted": list(wanted)})
        row = cursor.fetchone()
    if row is None:
        return None
    client_id, name, client_permits, all_communities, community_ids, found_ids, zones = row
    principal = Principal(
        kind="client",
        id=client_id,
        name=name,
        permits=frozenset(client_permits),
        all_communities=all_communities,
        community_ids=frozenset(community_ids),
    )
    return principal, RequestedCommunities(wanted, tuple(found_ids or ()), tuple(zones or ()))


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
