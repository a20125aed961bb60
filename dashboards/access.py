"""Which clubs a dashboard user may open, and in which role (reporting.principals is the one source)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

from reporting.models import Community
from reporting.principals import user_principal


def accessible_clubs(user: AbstractBaseUser | AnonymousUser) -> list[Community]:
    """The clubs the user may open, by id; superusers see every club; anonymous users none."""
    if not user.is_authenticated:
        return []
    principal = user_principal(user)
    clubs = Community.objects.order_by("id")
    if not principal.all_communities:
        clubs = clubs.filter(id__in=principal.community_ids)
    return list(clubs)


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Admins (of at least one club, or superusers) also export; marketers only browse."""
    if not user.is_authenticated:
        return False
    principal = user_principal(user)
    return principal.all_communities or bool(principal.admin_community_ids)


def require_clubs(user: AbstractBaseUser | AnonymousUser, ids: Iterable[int]) -> list[Community]:
    """The requested clubs in id order, or 403 when any of them is unknown or not the user's.

    Unknown and forbidden ids get the same answer, so the page never tells which clubs exist.
    """
    wanted = sorted(set(ids))
    allowed = {club.id: club for club in accessible_clubs(user)}
    if not wanted or any(cid not in allowed for cid in wanted):
        raise PermissionDenied("You do not have access to this club.")
    return [allowed[cid] for cid in wanted]
