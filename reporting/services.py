"""Writes that are not ingestion: communities and API clients (creation, token rotation, revocation).

Every change to an API client's access is written to the audit log in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from reporting import audit
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


class ClientRevoked(ValueError):
    pass


def _new_token() -> tuple[str, str, str]:
    """(token, its SHA-256, its public prefix)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token), token[:10]


@transaction.atomic
def api_client_create(
    *, name: str, permits: Collection[str], community_ids: Collection[int] | None, actor: str = "command"
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
    token, token_hash, prefix = _new_token()
    client = ApiClient.objects.create(
        name=name,
        token_hash=token_hash,
        token_prefix=prefix,
        permits=sorted(set(permits)),
        all_communities=community_ids is None,
    )
    client.communities.set(communities)
    audit.record(
        action=audit.AuditAction.API_CLIENT_CREATED,
        actor=actor,
        target=f"client:{client.id}",
        details={"permits": client.permits, "all_communities": client.all_communities,
                 "community_ids": sorted(c.id for c in communities)},
    )  # fmt: skip
    return client, token


def api_client_find(*, name_or_id: str) -> ApiClient:
    """The client with this id, or the only one with this name; UnknownNames otherwise."""
    if name_or_id.isdigit():
        client = ApiClient.objects.filter(id=int(name_or_id)).first()
        if client is not None:
            return client
    matches = list(ApiClient.objects.filter(name=name_or_id)[:2])
    if not matches:
        raise UnknownNames(f"no API client with id or name {name_or_id!r}")
    if len(matches) > 1:
        raise UnknownNames(f"several API clients are named {name_or_id!r}: give the id")
    return matches[0]


@transaction.atomic
def api_client_rotate_token(*, client: ApiClient, actor: str) -> str:
    """A new token for ``client``; the old one is refused from the next request on. Returns the new token."""
    locked = ApiClient.objects.select_for_update().get(id=client.id)
    if locked.revoked_at is not None:
        raise ClientRevoked(f"API client {locked.id} is revoked; create a new client instead")
    token, token_hash, prefix = _new_token()
    old_prefix = locked.token_prefix
    locked.token_hash, locked.token_prefix, locked.token_rotated_at = token_hash, prefix, timezone.now()
    locked.save(update_fields=["token_hash", "token_prefix", "token_rotated_at"])
    audit.record(
        action=audit.AuditAction.API_CLIENT_TOKEN_ROTATED,
        actor=actor,
        target=f"client:{locked.id}",
        details={"old_prefix": old_prefix, "new_prefix": prefix},
    )
    client.refresh_from_db()
    return token


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: str) -> bool:
    """Revoke for good (the token is refused from the next request on); False when it already was."""
    locked = ApiClient.objects.select_for_update().get(id=client.id)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at, locked.is_active = timezone.now(), False
    locked.save(update_fields=["revoked_at", "is_active"])
    audit.record(action=audit.AuditAction.API_CLIENT_REVOKED, actor=actor, target=f"client:{locked.id}")
    client.refresh_from_db()
    return True


def api_client_access(client: ApiClient) -> dict[str, object]:
    """What an API client may do, to compare before and after an edit."""
    return {
        "permits": sorted(client.permits),
        "all_communities": client.all_communities,
        "community_ids": sorted(client.communities.values_list("id", flat=True)),
        "is_active": client.is_active,
    }


def api_client_access_changed(*, client: ApiClient, before: dict[str, object], actor: str) -> None:
    """Audit an edit of a client's access (the admin form); nothing when nothing changed."""
    after = api_client_access(client)
    changes = {key: {"from": before[key], "to": after[key]} for key in after if before.get(key) != after[key]}
    if changes:
        audit.record(
            action=audit.AuditAction.API_CLIENT_PERMITS_CHANGED, actor=actor, target=f"client:{client.id}",
            details=changes,
        )  # fmt: skip
