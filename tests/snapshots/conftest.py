"""Members with every grouping column varied (NULLs included), and an oracle of their counts in plain Python."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from reporting import enums

GROUPED_COLUMNS = (
    "optin_channel", "optin_subchannel", "optin_platform", "gender", "age", "location_country",
    "marketing_via_sms", "marketing_via_email", "marketing_via_push", "marketing_via_anything",
)  # fmt: skip


def random_members(*, seed: int, count: int, first_id: int, communities: tuple[int, ...]) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        rows.append(
            {
                "id": first_id + index,
                "community_id": rng.choice(communities),
                "optin_channel": rng.choice(("android-app", "pos", "Website", "", None)),
                "optin_subchannel": rng.choice(("store-001", "store-002", "app-home", None)),
                "optin_platform": rng.choice(enums.OPTIN_PLATFORMS),
                "gender": rng.choice(("woman", "man", "other", None)),
                "age": rng.choice((*enums.AGE_BUCKETS[:4], None)),
                "location_country": rng.choice(("NO", "SE", "DK", None)),
                "marketing_via_sms": rng.random() < 0.5,
                "marketing_via_email": rng.random() < 0.3,
                "marketing_via_push": rng.random() < 0.2,
                "marketing_via_anything": rng.random() < 0.7,
            }
        )
    return rows


def as_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def oracle_counts(members: Iterable[dict[str, Any]]) -> Counter[tuple[int, str, str | None]]:
    """(community_id, grouping_type, grouping_value) -> members, straight from the rows we inserted."""
    counts: Counter[tuple[int, str, str | None]] = Counter()
    for member in members:
        counts[(member["community_id"], "total", None)] += 1
        for column in GROUPED_COLUMNS:
            counts[(member["community_id"], column, as_value(member[column]))] += 1
    return counts


def snapshot_rows(*, taken_at: Any = None) -> dict[tuple[int, str, str | None], dict[str, Any]]:
    from reporting.models import MemberCountSnapshot

    rows = MemberCountSnapshot.objects.all()
    if taken_at is not None:
        rows = rows.filter(taken_at=taken_at)
    return {
        (row.community_id, row.grouping_type, row.grouping_value): {
            "members_count": row.members_count,
            "taken_at": row.taken_at,
            "changed_at": row.changed_at,
        }
        for row in rows
    }


@pytest.fixture
def seeded_members(insert_members: Callable[..., Any]) -> list[dict[str, Any]]:
    rows = random_members(seed=7, count=400, first_id=1, communities=(235, 236, 240))
    insert_members(rows)
    return rows
