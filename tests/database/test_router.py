"""Reporting reads against a real streaming replica: which server answers is proven by ``pg_is_in_recovery()``
on the connection used, and by what a query returns while the replica's replay is paused (the primary has rows
the replica has not yet applied, counted by plain SQL on each server)."""

from __future__ import annotations

import json
import time

import pytest

from tests.database.conftest import Pair
from tests.servers import WebServer

pytestmark = pytest.mark.timeout(300)

NEVER_TOO_LATE = {"REPORTING_REPLICA_MAX_LAG_SECONDS": "86400"}


def _api_count(pair: Pair, web: WebServer) -> int:
    status, _, body = web.request(
        "POST", "/v1/reporting/query", body=json.dumps({"report": "members_count"}), headers=pair.headers()
    )
    assert status == 200, body[:500]
    records = json.loads(body)["records"]
    return sum(int(record["members_count"]) for record in records)


def test_reads_go_to_the_replica_and_orm_writes_to_the_primary(pair: Pair) -> None:
    assert pair.probe(**NEVER_TOO_LATE) == (True, pair.replica.port)
    # Without a replica configured everything is the primary.
    assert pair.probe(DATABASE_REPLICA_URL="") == (False, pair.primary.port)

    pair.replay(paused=True)
    try:
        pair.add_members_on_primary(7)
        on_primary, on_replica = pair.count_on(pair.primary), pair.count_on(pair.replica)
        assert on_primary == on_replica + 7
        web = pair.web(**NEVER_TOO_LATE)
        try:
            assert _api_count(pair, web) == on_replica
        finally:
            web.stop()
    finally:
        pair.replay(paused=False)
    pair.wait_caught_up()


def test_read_your_writes_export_status_and_ingestion_use_the_primary(pair: Pair) -> None:
    """With the replica frozen in the past, what the product promised to read back is read back."""
    pair.replay(paused=True)
    web = pair.web(**NEVER_TOO_LATE)
    try:
        member_id = 990_000_001
        stamp = "2024-01-02T03:04:05Z"
        line = {"id": member_id, "community_id": pair.club_id, "created_at": stamp, "updated_at": stamp}
        status, _, body = web.request(
            "POST", "/v1/reporting/ingest/members", body=json.dumps({"members": [line]}), headers=pair.headers()
        )  # fmt: skip
        assert status == 200, body[:500]
        # The ingestion response reports the member written, and the primary has it while the replica has not.
        assert json.loads(body)["created"] == 1
        assert pair.count_on(pair.primary) == pair.count_on(pair.replica) + 1
        status, _, body = web.request(
            "POST", "/v1/reporting/query/export", body=json.dumps({"report": "members", "format": "csv"}),
            headers=pair.headers(),
        )  # fmt: skip
        assert status == 202, body[:500]
        export_id = json.loads(body)["id"]
        status, _, body = web.request("GET", f"/v1/reporting/exports/{export_id}", headers=pair.headers())
        assert status == 200, body[:500]
        assert json.loads(body)["id"] == export_id
        # Meanwhile the reporting read still comes from the (stale) replica: the routing above was a choice.
        assert _api_count(pair, web) == pair.count_on(pair.replica)
    finally:
        web.stop()
        pair.replay(paused=False)
    pair.wait_caught_up()


def test_a_replica_too_far_behind_is_skipped_until_it_catches_up(pair: Pair) -> None:
    settings = {"REPORTING_REPLICA_MAX_LAG_SECONDS": "1"}
    assert pair.probe(**settings) == (True, pair.replica.port)
    pair.replay(paused=True)
    try:
        pair.add_members_on_primary(3)
        time.sleep(2.5)  # the WAL has arrived, its replay waits: the lag grows past 1 s
        assert pair.probe(**settings) == (False, pair.primary.port)
        web = pair.web(**settings)
        try:
            assert _api_count(pair, web) == pair.count_on(pair.primary) != pair.count_on(pair.replica)
        finally:
            web.stop()
    finally:
        pair.replay(paused=False)
    pair.wait_caught_up()
    assert pair.probe(**settings) == (True, pair.replica.port)


def test_a_stopped_replica_falls_back_to_the_primary_without_an_error_then_comes_back(pair: Pair) -> None:
    web = pair.web(**NEVER_TOO_LATE)
    try:
        assert _api_count(pair, web) == pair.count_on(pair.primary)
        pair.replica.stop()  # immediate: the web process's replica connection dies under it
        try:
            for _ in range(5):
                assert _api_count(pair, web) == pair.count_on(pair.primary)
            assert pair.probe(**NEVER_TOO_LATE) == (False, pair.primary.port)
        finally:
            pair.replica.start()
        pair.wait_caught_up()
        # Back: within the health-check interval the same web process reads the replica again (its replay paused
        # and the primary ahead, the answer is the replica's count).
        pair.replay(paused=True)
        try:
            pair.add_members_on_primary(2)
            expected = pair.count_on(pair.replica)
            deadline = time.monotonic() + 10
            while _api_count(pair, web) != expected and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _api_count(pair, web) == expected != pair.count_on(pair.primary)
        finally:
            pair.replay(paused=False)
    finally:
        web.stop()
    pair.wait_caught_up()
