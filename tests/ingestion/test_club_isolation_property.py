"""Property: no ingestion request changes what another club sees, and a club's state depends only on its lines.

Random requests by clients scoped to some of three clubs (API-style ``ingest_members`` and the file import's
``import_lines``) over a small pool of ids, so that clubs collide on ids, deletions precede creations and
versions arrive out of order. Two oracles, both plain SQL over the tables:

* after each request, every row (member, event, tombstone) of a club outside the caller's scope is unchanged;
* at the end, each club's rows equal those obtained by replaying only that club's accepted lines, in the same
  batches, on empty tables: what other clubs sent never shows in a club's own state.
"""

from __future__ import annotations

import io
from typing import Any

import orjson
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.ingestion.service import import_lines, ingest_members
from reporting.models import Community

CLUBS = (235, 236, 237)
SCOPES = ((235,), (236,), (235, 236), (237,), (235, 236, 237))
TIMES = [f"2024-0{month}-01T00:00:00Z" for month in range(1, 8)]

version = st.fixed_dictionaries(
    {
        "id": st.integers(min_value=1, max_value=4),
        "community_id": st.sampled_from(CLUBS),
        "deleted": st.booleans(),
        "created_at": st.sampled_from(TIMES),
        "updated_at": st.sampled_from(TIMES),
        "deleted_at": st.sampled_from(TIMES),  # never "now": a replay must give the same rows
        "optin_channel": st.sampled_from(["ios", "web", "pos"]),
        "properties": st.fixed_dictionaries({"gender": st.sampled_from(["man", "woman"])}),
    }
)
request = st.tuples(st.sampled_from(SCOPES), st.sampled_from(["api", "file"]), st.lists(version, max_size=6))

STATE = {
    "member": "SELECT id, optin_channel, gender, properties::text, created_at, updated_at FROM reporting_member"
    " WHERE community_id = %s ORDER BY id",
    "event": "SELECT member_id, type, occurred_at, optin_channel, gender FROM reporting_memberevent"
    " WHERE community_id = %s ORDER BY member_id, type, occurred_at",
    "tombstone": "SELECT member_id, deleted_at, updated_at FROM reporting_membertombstone"
    " WHERE community_id = %s ORDER BY member_id",
}


def club_state(club: int) -> dict[str, list[tuple[Any, ...]]]:
    with connection.cursor() as cursor:
        state = {}
        for name, sql in STATE.items():
            cursor.execute(sql, [club])
            state[name] = cursor.fetchall()
        return state


def send(scope: tuple[int, ...], way: str, members: list[dict[str, Any]]) -> set[int]:
    """Ingest as a client of ``scope``; the indexes of the rejected members."""
    if way == "api":
        return {r.index for r in ingest_members(members, allowed_community_ids=scope).rejected}
    rejected: set[int] = set()
    lines = io.BytesIO(b"".join(orjson.dumps(m) + b"\n" for m in members))
    import_lines(lines, on_rejected=lambda r: rejected.add(r.index - 1), allowed_community_ids=scope, workers=0)
    return rejected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests=st.lists(request, min_size=1, max_size=6))
def test_no_request_changes_another_clubs_state(clubs: dict[int, Community], requests: list[Any]) -> None:
    with transaction.atomic():
        # per club, the lines each request had accepted for it, request by request
        accepted: dict[int, list[list[dict[str, Any]]]] = {club: [] for club in CLUBS}
        for scope, way, members in requests:
            outside = {club: club_state(club) for club in CLUBS if club not in scope}
            rejected = send(scope, way, members)
            assert {club: club_state(club) for club in outside} == outside
            kept = [member for index, member in enumerate(members) if index not in rejected]
            assert {member["community_id"] for member in kept} <= set(scope)
            for club in scope:
                accepted[club].append([member for member in kept if member["community_id"] == club])
        final = {club: club_state(club) for club in CLUBS}

        for club in CLUBS:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    for table in ("reporting_member", "reporting_memberevent", "reporting_membertombstone"):
                        cursor.execute(f"DELETE FROM {table}")
                # the same batches (a batch applies an id's versions in updated_at order), without other clubs
                for batch in accepted[club]:
                    assert ingest_members(batch, allowed_community_ids=[club]).rejected == []
                assert club_state(club) == final[club], club
                transaction.set_rollback(True)
        transaction.set_rollback(True)
