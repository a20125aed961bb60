"""Migrations 0040 (member rollups) and 0045 (daily event rollups) hold literal SQL, frozen from the code that
generated it: what they leave in a database must be what they left before the freeze, whatever later code or later
migrations (which may replace these triggers) do.

The oracle is frozen_catalog.json, taken from pg_catalog before the SQL was frozen (tests/rollups/catalog.py): for
each migration, every table, index, constraint, function and trigger it created, as PostgreSQL prints them. The
test migrates the test database back to 0032 with Django's MigrationExecutor, then forward to 0040 and 0045 one at
a time, compares what each step changed, migrates back again, and returns to the latest migrations. Members
present before 0040 runs must be counted by its first fill: checked against a GROUP BY written here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.rollups.catalog import catalog, changes

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("reporting", "0032_audit_log_and_token_lifecycle")
MEMBER_ROLLUPS = ("reporting", "0040_member_rollups")
EVENT_ROLLUP = ("reporting", "0045_event_daily_rollup")
FROZEN = json.loads((Path(__file__).parent / "frozen_catalog.json").read_text())

_FLAGS = "marketing_via_sms, marketing_via_email, marketing_via_push, marketing_via_anything"
# The rows 0040 fills each table with, written out from its key (not from reporting/rollups).
MEMBER_ROLLUP_TRUTH = {
    "channels": "SELECT community_id, optin_channel, optin_subchannel, optin_platform, count(*)"
    " FROM reporting_member GROUP BY 1, 2, 3, 4",
    "consents": "SELECT community_id, consents, count(*) FROM reporting_member GROUP BY 1, 2",
    "places": "SELECT community_id, location_country, city_place_id, place_id, count(*)"
    " FROM reporting_member GROUP BY 1, 2, 3, 4",
    "audience": f"SELECT community_id, gender, age, optin_platform, {_FLAGS}, count(*)"
    " FROM reporting_member GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
    "interests": "SELECT community_id, i, count(*) FROM reporting_member CROSS JOIN LATERAL unnest(interest_set) AS i"
    " GROUP BY 1, 2",
    "profile": f"SELECT community_id, gender, age, optin_channel, optin_subchannel, optin_platform, {_FLAGS},"
    " count(*) FROM reporting_member GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10",
}


def _migrate(target: list[tuple[str, str]] | None = None) -> dict[str, str]:
    """Migrate to ``target`` (every app's latest when None) and return the catalog left."""
    executor = MigrationExecutor(connection)
    executor.migrate(target if target is not None else executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        return catalog(cursor)


@pytest.fixture
def back_to_latest() -> Iterator[None]:
    try:
        yield
    finally:
        _migrate()


def _members_counted_wrong() -> dict[str, int]:
    wrong = {}
    with connection.cursor() as cursor:
        for name, truth in MEMBER_ROLLUP_TRUTH.items():
            kept = f"SELECT * FROM reporting_rollup_member_{name}"
            cursor.execute(f"SELECT count(*) FROM (({truth} EXCEPT {kept}) UNION ALL ({kept} EXCEPT {truth})) AS d")
            wrong[name] = cursor.fetchone()[0]
    return wrong


def test_the_catalog_snapshot_names_what_each_migration_made() -> None:
    # The oracle itself: 0040 made six tables with two indexes, one function and four triggers each; 0045 one
    # table, four functions and six triggers. An empty or truncated snapshot would make the test below vacuous.
    kinds = {name: [key.split(":")[0] for key in made] for name, made in FROZEN.items()}
    assert {kind: kinds["0040_member_rollups"].count(kind) for kind in set(kinds["0040_member_rollups"])} == {
        "table": 6, "index": 12, "function": 6, "trigger": 24,
    }  # fmt: skip
    assert kinds["0045_event_daily_rollup"].count("function") == 4
    assert kinds["0045_event_daily_rollup"].count("trigger") == 6
    assert all(definition for made in FROZEN.values() for definition in made.values())


def test_frozen_migrations_make_what_they_made_before_the_freeze_and_reverse(
    back_to_latest: None, insert_members: Callable[[Iterable[dict[str, Any]]], Any]
) -> None:
    insert_members(
        [
            {"id": 1, "gender": "man", "age": "20-24", "optin_channel": "wifi"},
            {"id": 2, "gender": "man", "age": "20-24", "optin_channel": "wifi", "community_id": 236},
            {"id": 3, "gender": None, "age": "25-29", "interest_set": ["golf", "food"], "consents": {"sms": True}},
            {"id": 4, "gender": "woman", "interest_set": ["golf"], "marketing_via_sms": True},
        ]
    )
    before = _migrate([BEFORE])
    assert not [key for key in before if "rollup" in key]

    at_0040 = _migrate([MEMBER_ROLLUPS])
    assert changes(before, at_0040) == FROZEN["0040_member_rollups"]
    assert _members_counted_wrong() == dict.fromkeys(MEMBER_ROLLUP_TRUTH, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(members_count) FROM reporting_rollup_member_audience")
        assert cursor.fetchone()[0] == 4

    at_0045 = _migrate([EVENT_ROLLUP])
    assert changes(at_0040, at_0045) == FROZEN["0045_event_daily_rollup"]

    assert _migrate([MEMBER_ROLLUPS]) == at_0040
    assert _migrate([BEFORE]) == before
