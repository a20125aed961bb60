"""The combined member-rollup trigger: migration 0052 holds exactly what reporting/rollups/member_triggers.py
generates, the database runs that one trigger per operation, and none of the per-rollup ones of 0040."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from reporting.rollups import member_triggers
from reporting.rollups.members import MEMBER_ROLLUPS

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("reporting.migrations.0052_member_rollup_triggers")


def _normalised(statement: str) -> str:
    return statement.strip()


def test_the_migration_holds_the_generated_trigger_sql():
    frozen = [_normalised(s) for s in MIGRATION.FORWARD]
    generated = [_normalised(s) for s in member_triggers.create_sql()]
    assert frozen[-len(generated) :] == generated
    assert [_normalised(s) for s in MIGRATION.REVERSE[: len(member_triggers.drop_sql())]] == [
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


def test_the_zero_row_cleanup_keeps_its_partial_indexes():
    with connection.cursor() as cursor:
        for rollup in MEMBER_ROLLUPS:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s ORDER BY 1", [rollup.table])
            assert [name for (name,) in cursor.fetchall()] == [f"{rollup.table}_empty", f"{rollup.table}_key"]
