"""The snapshot writer against a plain-Python oracle over the same member rows."""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from reporting import enums
from reporting.models import Community, Member, MemberCountSnapshot
from reporting.snapshots import period_start, snapshots_take
from reporting.tasks import take_snapshots
from tests.snapshots.conftest import oracle_counts, snapshot_rows

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 29, 1, 7, 30, tzinfo=UTC)


def test_period_start_is_the_utc_quarter_hour():
    assert period_start(dt.datetime(2026, 3, 29, 1, 7, 30, tzinfo=UTC)) == dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    oslo = dt.datetime(2026, 3, 29, 3, 44, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert period_start(oslo) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_every_community_and_grouping_equals_the_oracle(seeded_members):
    run = snapshots_take(now=NOW)
    expected = oracle_counts(seeded_members)
    rows = snapshot_rows()
    assert {key: row["members_count"] for key, row in rows.items()} == dict(expected)
    assert {row["taken_at"] for row in rows.values()} == {dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)}
    assert {row["changed_at"] for row in rows.values()} == {NOW}
    assert (run.communities, run.rows) == (3, len(expected))
    # Every type of the enum is present for each community, booleans as text.
    for community in (235, 236, 240):
        assert {key[1] for key in rows if key[0] == community} == set(enums.GROUPING_TYPES)
    assert {key[2] for key in rows if key[1] == "marketing_via_sms"} == {"true", "false"}


def test_same_period_twice_writes_nothing_more(seeded_members):
    snapshots_take(now=NOW)
    before = snapshot_rows()
    Member.objects.filter(id__lte=50).delete()  # a change inside the same period does not rewrite it
    again = snapshots_take(now=NOW + dt.timedelta(minutes=7))
    assert (again.communities, again.rows) == (0, 0)
    assert snapshot_rows() == before


def test_next_period_carries_unchanged_times_and_zeroes_vanished_values(seeded_members):
    snapshots_take(now=NOW)
    first = snapshot_rows()
    gone = [m for m in seeded_members if m["community_id"] == 235 and m["gender"] == "other"]
    assert gone
    Member.objects.filter(id__in=[m["id"] for m in gone]).delete()
    later = NOW + dt.timedelta(minutes=16)
    snapshots_take(now=later)
    second = snapshot_rows(taken_at=period_start(later))
    remaining = [m for m in seeded_members if m not in gone]
    expected = oracle_counts(remaining)
    expected[(235, "gender", "other")] = 0  # the value had members last period: it drops to zero, not away
    assert {key: row["members_count"] for key, row in second.items()} == dict(expected)
    for key, row in second.items():
        changed = first[key]["members_count"] != row["members_count"]
        assert row["changed_at"] == (later if changed else first[key]["changed_at"]), key
    assert second[(235, "gender", "other")]["changed_at"] == later
    assert second[(240, "total", None)]["changed_at"] == NOW


def test_a_community_without_members_has_a_zero_total(communities):
    snapshots_take(now=NOW)
    rows = snapshot_rows()
    assert rows.keys() == {(235, "total", None), (236, "total", None), (240, "total", None)}
    assert {row["members_count"] for row in rows.values()} == {0}


def test_only_the_requested_communities(seeded_members):
    run = snapshots_take(community_ids=[236], now=NOW)
    assert run.communities == 1
    assert {key[0] for key in snapshot_rows()} == {236}


def test_reads_members_with_the_weakest_lock(transactional_db, seeded_members):
    """ACCESS SHARE conflicts only with DDL: inserts, updates and deletes of ingestion never wait for a snapshot."""
    with transaction.atomic(), connection.cursor() as cursor:
        snapshots_take(now=NOW)  # inside an open transaction: every lock the snapshot took is still held
        cursor.execute(
            "SELECT DISTINCT mode FROM pg_locks"
            " WHERE pid = pg_backend_pid() AND relation = 'reporting_member'::regclass"
        )
        assert [row[0] for row in cursor.fetchall()] == ["AccessShareLock"]


def test_command_and_beat_task(seeded_members):
    out = io.StringIO()
    call_command("take_snapshots", "--communities", "235,240", stdout=out)
    assert "2 communit(y/ies)" in out.getvalue()
    assert set(MemberCountSnapshot.objects.values_list("community_id", flat=True)) == {235, 240}
    assert take_snapshots() == 1  # the beat task body: the one community still missing this period
    out = io.StringIO()
    call_command("take_snapshots", stdout=out)
    assert "0 communit(y/ies), 0 row(s)" in out.getvalue()
    entry = settings.CELERY_BEAT_SCHEDULE["members-count-snapshots"]
    assert entry["task"] == take_snapshots.name == "reporting.snapshots.take"
    assert sorted(entry["schedule"].minute) == [0, 15, 30, 45]  # type: ignore[attr-defined]


def test_deleting_a_community_deletes_its_snapshots(seeded_members):
    snapshots_take(now=NOW)
    Community.objects.filter(id=240).delete()
    assert not MemberCountSnapshot.objects.filter(community_id=240).exists()
