"""The context of reporting-api.md §2: which communities a request covers, from X-Customer or the slug header.

A named community that does not exist and one the caller may not access get the same 403, so the answer never
tells which communities exist. The context can only narrow what the caller may see.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from reporting.models import Community
from reporting.principals import Principal, RequestedCommunities

CUSTOMER = "Customer"
ORGANIZATION = "Organization"
_IDS = re.compile(r"^(?:id=)?(\d{1,10}(?:_\d{1,10}){0,999})$")
_ATTRIBUTE = re.compile(r"^(country|slug|name)=(.{1,200})$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
_MAX_HEADER = 8192


class ContextError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


MISSING = ContextError(470, "Missing X-Customer header")
FORBIDDEN = ContextError(403, "Access to the requested communities is not allowed")


def _invalid(detail: str) -> ContextError:
    return ContextError(471, f"Invalid X-Customer header: {detail}")


@dataclass(frozen=True)
class Context:
    """The communities a request covers (sorted) and each one's IANA time zone, in the same order."""

    community_ids: tuple[int, ...]
    time_zones: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.time_zones) != len(self.community_ids):
            raise ValueError("a context names one time zone per community")

    @property
    def distinct_time_zones(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.time_zones)))

    def narrowed(self, community_ids: Sequence[int]) -> Context:
        """The same context restricted to some of its communities (a tenants export runs one at a time)."""
        zones = dict(zip(self.community_ids, self.time_zones, strict=True))
        ids = tuple(sorted(set(community_ids)))
        return Context(ids, tuple(zones[cid] for cid in ids))

    @property
    def owner(self) -> str:
        """Rate-limit bucket owner: one community is a Customer, several an Organization."""
        return CUSTOMER if len(self.community_ids) == 1 else ORGANIZATION


@dataclass(frozen=True)
class Selector:
    """A parsed X-Customer value: ids, all, or attribute equalities."""

    ids: tuple[int, ...] = ()
    all: bool = False
    attributes: tuple[tuple[str, str], ...] = ()


def parse_customer_header(value: str) -> Selector:
    text = value.strip()
    if not text or len(text) > _MAX_HEADER or "\x00" in text:
        raise _invalid("empty, too long or not text")
    if text == "all=all":
        return Selector(all=True)
    match = _IDS.match(text)
    if match:
        return Selector(ids=tuple(sorted({int(part) for part in match.group(1).split("_")})))
    attributes = {}
    for part in text.split(";"):
        found = _ATTRIBUTE.match(part.strip())
        if not found or found.group(1) in attributes:
            raise _invalid("expected ids (235 or id=235_236), all=all, or country=/slug=/name= attributes")
        attributes[found.group(1)] = found.group(2)
    return Selector(attributes=tuple(sorted(attributes.items())))


def resolve_context(
    principal: Principal,
    headers: Mapping[str, str],
    *,
    required: bool = True,
    requested: RequestedCommunities | None = None,
) -> Context | None:
    """The communities the request covers, all of them accessible to ``principal``; one query at most, none when
    ``requested`` already holds the communities an id list names (read with the token)."""
    customer = headers.get("X-Customer")
    slug = headers.get("X-Loyalty-Club-Slug")
    if customer is None and slug is None:
        if required:
            raise MISSING
        return None
    if customer is not None:
        selector = parse_customer_header(customer)
    else:
        assert slug is not None
        if not _SLUG.match(slug):
            raise FORBIDDEN  # no community can have such a slug
        selector = Selector(attributes=(("slug", slug),))
    if selector.ids and requested is not None and requested.wanted == selector.ids:
        return _accessible(principal, selector.ids, requested)
    communities = Community.objects.all()
    if not principal.all_communities:
        communities = communities.filter(id__in=principal.community_ids)
    if selector.ids:
        found = _context(communities.filter(id__in=selector.ids))
        if found.community_ids != selector.ids:
            raise FORBIDDEN
        return found
    if not selector.all:
        attributes = dict(selector.attributes)
        # Only these three fixed lookups exist; user text is a value, never a lookup name.
        if "country" in attributes:
            communities = communities.filter(country=attributes["country"].upper())
        if "slug" in attributes:
            communities = communities.filter(slug=attributes["slug"])
        if "name" in attributes:
            communities = communities.filter(name=attributes["name"])
    context = _context(communities)
    if not context.community_ids:
        raise FORBIDDEN
    return context


def _accessible(principal: Principal, wanted: tuple[int, ...], requested: RequestedCommunities) -> Context:
    """The id-list context from rows already read: the same answer as the query, every named community existing
    and accessible, or the one 403."""
    pairs = [
        (cid, zone)
        for cid, zone in zip(requested.ids, requested.time_zones, strict=True)
        if principal.all_communities or cid in principal.community_ids
    ]
    context = Context(tuple(cid for cid, _ in pairs), tuple(zone for _, zone in pairs))
    if context.community_ids != wanted:
        raise FORBIDDEN
    return context


def _context(communities: QuerySet[Community]) -> Context:
    """Ids and time zones in the one query that checks access."""
    rows = sorted(communities.values_list("id", "timezone"))
    return Context(tuple(row[0] for row in rows), tuple(row[1] for row in rows))


def context_for(community_ids: Sequence[int]) -> Context:
    """The context of communities already authorised (an export's, stored when it was accepted): one query."""
    context = _context(Community.objects.filter(id__in=community_ids))
    if context.community_ids != tuple(sorted(set(community_ids))):
        raise FORBIDDEN  # a community was deleted since
    return context
