"""Writes are scoped by club: one club's client never changes what another club sees or may write."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reporting.ingestion.service import ingest_members
from reporting.models import Community, Member, MemberEvent, MemberTombstone

FAR_FUTURE_DAY = "2999-01-01T00:00:00Z"


def op(member_id: int, community_id: int, updated_at: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": member_id,
        "community_id": community_id,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": updated_at,
        **changes,
    }


def gone(member_id: int, community_id: int, updated_at: str) -> dict[str, Any]:
    return {"id": member_id, "community_id": community_id, "deleted": True, "updated_at": updated_at}


def test_deleting_an_id_never_held_does_not_block_another_club(clubs: dict[int, Community]) -> None:
    # Club 236's client deletes an id its club has never held, dated later than the other club's record.
    attacker = ingest_members([gone(77, 236, "2024-06-01T00:00:00Z")], allowed_community_ids=[236])
    assert attacker.rejected == []
    victim = ingest_members([op(77, 235, "2024-02-01T00:00:00Z")], allowed_community_ids=[235])
    assert (victim.created, victim.rejected) == (1, [])
    assert Member.objects.filter(id=77, community_id=235).exists()
    assert [e.type for e in MemberEvent.objects.filter(member_id=77, community_id=235)] == ["in"]
    # The deleting club's own tombstone still protects its own ordering.
    assert MemberTombstone.objects.filter(member_id=77, community_id=236).exists()


def test_a_club_creating_an_id_keeps_the_other_clubs_tombstone(clubs: dict[int, Community]) -> None:
    ingest_members([op(5, 235, "2024-01-01T00:00:00Z")])
    ingest_members([gone(5, 235, "2024-02-01T00:00:00Z")])
    ingest_members([op(5, 236, "2024-03-01T00:00:00Z")], allowed_community_ids=[236])
    assert Member.objects.get(id=5).community_id == 236
    assert MemberTombstone.objects.filter(member_id=5, community_id=235).exists()
    # Both clubs' joins are recorded even when they happened at the same instant.
    assert sorted(MemberEvent.objects.filter(member_id=5).values_list("community_id", "type")) == [
        (235, "in"),
        (235, "out"),
        (236, "in"),
    ]


def test_a_club_deleting_an_id_that_another_club_tombstoned_gets_its_own_tombstone(
    clubs: dict[int, Community],
) -> None:
    ingest_members([gone(6, 235, "2024-05-01T00:00:00Z")])
    ingest_members([gone(6, 236, "2024-04-01T00:00:00Z")])
    assert sorted(MemberTombstone.objects.filter(member_id=6).values_list("community_id", "updated_at__month")) == [
        (235, 5),
        (236, 4),
    ]
    # 236's older record is blocked by 236's own tombstone, not by 235's.
    assert ingest_members([op(6, 236, "2024-03-01T00:00:00Z")]).created == 0
    assert ingest_members([op(6, 236, "2024-04-15T00:00:00Z")]).created == 1


def test_an_id_held_by_another_club_is_rejected_with_a_clear_code(clubs: dict[int, Community]) -> None:
    ingest_members([op(8, 235, "2024-01-01T00:00:00Z", optin_channel="mine")])
    result = ingest_members(
        [op(8, 236, "2024-06-01T00:00:00Z"), gone(8, 236, "2024-06-02T00:00:00Z")], allowed_community_ids=[236]
    )
    expected = {"id": [{"error": "held_by_another_community", "options": {}}]}
    assert [(r.index, r.details) for r in result.rejected] == [(0, expected), (1, expected)]
    member = Member.objects.get(id=8)
    assert (member.community_id, member.optin_channel) == (235, "mine")
    assert not MemberTombstone.objects.filter(member_id=8).exists()


def test_a_far_future_updated_at_is_rejected(clubs: dict[int, Community]) -> None:
    result = ingest_members([gone(9, 235, FAR_FUTURE_DAY), op(10, 235, FAR_FUTURE_DAY)])
    assert [(r.index, r.details) for r in result.rejected] == [
        (i, {"updated_at": [{"error": "invalid_value", "options": {"reason": "more than a day in the future"}}]})
        for i in (0, 1)
    ]
    assert not MemberTombstone.objects.exists()
    assert not Member.objects.exists()


def test_import_members_limited_to_communities(tmp_path: Any, tx_clubs: dict[int, Community]) -> None:
    from django.core.management import CommandError, call_command

    source = tmp_path / "members.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(m)
            for m in (
                op(1, 235, "2024-01-01T00:00:00Z"),
                op(2, 236, "2024-01-01T00:00:00Z"),
                gone(3, 236, "2024-01-01T00:00:00Z"),
            )
        )
    )
    with pytest.raises(CommandError, match="2 line"):
        call_command("import_members", str(source), "--communities", "235", "--workers", "0")
    assert list(Member.objects.values_list("id", flat=True)) == [1]
    assert not MemberTombstone.objects.exists()
    report = [json.loads(line) for line in (tmp_path / "members.jsonl.rejected.jsonl").read_text().splitlines()]
    assert [(r["line"], r["error"]) for r in report] == [
        (2, "community_id: not_allowed"),
        (3, "community_id: not_allowed"),
    ]
