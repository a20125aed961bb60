"""The combined member-rollup trigger: migrations 0052 (the triggers) and 0055 (the function, replaced) hold exactly
what reporting/rollups/member_triggers.py generates, the database runs that one trigger per operation, and none of the
per-rollup ones of 0040."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from reporting.models import Member
from reporting.rollups import member_triggers
from reporting.rollups.members import MEMBER_ROLLUPS
from tests.rollups.helpers import rollup_differences

pytestmark = pytest.mark.django_db

TRIGGERS = importlib.import_module("reporting.migrations.0052_member_rollup_triggers")
LATEST = importlib.import_module("reporting.migrations.0055_member_rollups_gender_reach")


def _normalised(statement: str) -> str:
    return statement.strip()


def test_the_migrations_hold_the_generated_trigger_sql():
    # 0052 created the function and its four triggers; 0055 replaced the function in place (the triggers stay).
    generated = [_normalised(s) for s in member_triggers.create_sql()]
    latest = _normalised(LATEST.FORWARD[-1])
    assert latest.startswith("CREATE OR REPLACE FUNCTION ")
    assert latest.replace("CREATE OR REPLACE FUNCTION ", "CREATE FUNCTION ", 1) == generated[0]
    assert [_normalised(s) for s in TRIGGERS.FORWARD[-len(generated) + 1 :]] == generated[1:]
    assert [_normalised(s) for s in TRIGGERS.REVERSE[: len(member_triggers.drop_sql())]] == [
        _normalised(s) for s in member_triggers.drop_sql()
    ]


def test_one_trigger_per_operation_maintains_the_member_rollups():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, p.proname FROM pg_trigger AS t JOIN pg_proc AS p ON p.oid = t.tgfoid"
            " WHERE t.tgrelid = 'reporting_member'::regclass AND NOT t.tgisinternal AND p.proname LIKE %s"
            " ORDER BY 1",
            ["reporting_%rollup%"],
        )
        rows = cursor.fetchall()
    assert rows == sorted(
        (f"reporting_member_rollups_{op}", "reporting_member_rollups_apply")
        for op in ("insert", "update", "delete", "truncate")
    )


def test_rollup_tables_leave_room_for_hot_updates_and_have_no_index_on_the_count():
    with connection.cursor() as cursor:
        for rollup in MEMBER_ROLLUPS:
            cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [rollup.table])
            assert cursor.fetchone()[0] == ["fillfactor=50"]
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s ORDER BY 1", [rollup.table])
            assert [name for (name,) in cursor.fetchall()] == [f"{rollup.table}_key"]


def _channel_rows() -> list[tuple[int, str | None, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT community_id, optin_channel, members_count FROM reporting_rollup_member_channels ORDER BY 1, 2"
        )
        return cursor.fetchall()


def test_rows_brought_to_zero_are_deleted_by_update_and_delete(insert_members: Callable[..., Any]) -> None:
    insert_members([
        {"id": 1, "optin_channel": "pos"}, {"id": 2, "optin_channel": "pos"}, {"id": 3, "optin_channel": "web"},
        {"id": 4, "optin_channel": "app", "community_id": 236},
    ])  # fmt: skip
    assert _channel_rows() == [(235, "pos", 2), (235, "web", 1), (236, "app", 1)]
    Member.objects.filter(id__in=[1, 2]).update(optin_channel="web")
    assert _channel_rows() == [(235, "web", 3), (236, "app", 1)]
    Member.objects.filter(id__in=[3, 4]).delete()
    assert _channel_rows() == [(235, "web", 2)]
    assert rollup_differences() == dict.fromkeys(rollup_differences(), 0)
