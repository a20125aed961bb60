"""Workers die, databases drop connections, users cancel, files expire: the export still ends right.

Each test starts its own worker(s) with the settings it needs (e.g. a per-row delay so there is a "middle" to
kill) and stops them before the database is cleaned. Nothing here is eager or mocked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from reporting.models import Export, Member
from tests.exports.conftest import CELERY, REPO, Worker, wait_for
from tests.exports.helpers import column_types, csv_matches_records, member_rows, xlsx_rows

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SLOW = {"EXPORTS_TEST_ROW_DELAY": "0.004"}  # about 250 rows a second: a few seconds to act in the middle


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings: Any) -> None:
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 1_000_000}


@pytest.fixture
def spawn(worker_factory: Callable[..., Worker], transactional_db: Any) -> Iterator[Callable[..., Worker]]:
    """Start workers for this test only; they are stopped before the test's rows are flushed."""
    mine: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = worker_factory(**env)
        mine.append(worker)
        return worker

    yield start
    for worker in mine:
        worker.stop()


def start_export(api: Any, body: dict[str, Any]) -> str:
    status, payload, _ = api.post("/v1/reporting/query/export", body)
    assert status == 202, payload
    return str(payload["id"])


def download(api: Any, export_id: str) -> bytes:
    response = api.client.get(f"/v1/reporting/exports/{export_id}/download", headers=api.headers())
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def files_of(exports_dir: Path, export_id: str) -> tuple[list[str], list[str]]:
    """(files under the export's final folder, its temporary files)."""
    final = sorted(p.name for p in (exports_dir / export_id).glob("*")) if (exports_dir / export_id).exists() else []
    partial = sorted(p.name for p in (exports_dir / ".partial").glob(f"{export_id}.*"))
    return final, partial


def running_with_rows(minimum: int) -> Callable[[Export], bool]:
    return lambda export: export.status == Export.Status.RUNNING and export.rows_done >= minimum


def test_sigkill_mid_export_leaves_nothing_and_the_next_worker_finishes(
    spawn: Callable[..., Worker], api: Any, insert_members: Any, exports_dir: Path
) -> None:
    insert_members(member_rows(1500, seed=21, community_ids=(235, 236)))
    first = spawn(**SLOW)
    export_id = start_export(api, {"report": "members"})
    wait_for(export_id, until=running_with_rows(200), timeout=60)

    first.kill()
    dead = Export.objects.get(id=export_id)
    assert dead.status == Export.Status.RUNNING
    assert dead.rows_total == Member.objects.filter(community_id__in=(235, 236)).count()
    assert 200 <= dead.rows_done < dead.rows_total
    final, partial = files_of(exports_dir, export_id)
    assert final == [], "nothing under a final name"
    assert len(partial) >= 1, "the killed attempt's temporary file is there, and only there"
    status, body, response = api.get(f"/v1/reporting/exports/{export_id}/download")
    assert status == 409, body
    assert int(response["Retry-After"]) >= 1
    _, state, _ = api.get(f"/v1/reporting/exports/{export_id}")
    assert state["download_url"] is None
    assert state["status"] == "running"

    spawn()  # no delay; on start it asks for a recovery, which finds the attempt's process gone
    done = wait_for(export_id, timeout=120)
    assert done.status == Export.Status.SUCCEEDED, done.error
    assert done.attempts == 2
    assert done.rows_total == done.rows_done == 1500
    records = api.walk({"report": "members", "limit": 1000})
    csv_matches_records(download(api, export_id), records, column_types("members", None))
    final, partial = files_of(exports_dir, export_id)
    assert len(final) == 1
    assert partial == [], "the dead attempt's temporary file was removed by the next one"


def test_pool_process_killed_the_task_is_requeued_and_finishes(
    spawn: Callable[..., Worker], api: Any, insert_members: Any, exports_dir: Path
) -> None:
    insert_members(member_rows(900, seed=22, community_ids=(235,)))
    worker = spawn(**SLOW)
    export_id = start_export(api, {"report": "members", "format": "xlsx"})
    wait_for(export_id, until=running_with_rows(150), timeout=60)
    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)  # acks_late + reject_on_worker_lost: the message goes back to the queue
    done = wait_for(export_id, timeout=120)
    assert done.status == Export.Status.SUCCEEDED, (done.error, worker.output()[-3000:])
    assert done.attempts == 2
    records = api.walk({"report": "members", "limit": 1000})
    rows = xlsx_rows(download(api, export_id))
    assert [row[0] for row in rows[1:]] == [record["id"] for record in records]
    assert files_of(exports_dir, export_id)[1] == []


def test_cancel_stops_a_running_export_and_delete_removes_it(
    spawn: Callable[..., Worker], api: Any, insert_members: Any, exports_dir: Path
) -> None:
    insert_members(member_rows(1200, seed=23, community_ids=(235, 236)))
    spawn(**SLOW)
    export_id = start_export(api, {"report": "members"})
    wait_for(export_id, until=running_with_rows(100), timeout=60)
    status, body, _ = api.delete(f"/v1/reporting/exports/{export_id}")
    assert status == 200, body
    assert body["status"] == "cancelled"
    # The attempt notices within a heartbeat, stops writing and removes its temporary file.
    deadline = time.monotonic() + 30
    while files_of(exports_dir, export_id)[1]:
        assert time.monotonic() < deadline, "temporary file still there"
        time.sleep(0.1)
    stopped_at = Export.objects.get(id=export_id).rows_done
    time.sleep(1.5)
    cancelled = Export.objects.get(id=export_id)
    assert cancelled.status == Export.Status.CANCELLED
    assert cancelled.rows_total is not None
    assert cancelled.rows_done == stopped_at < cancelled.rows_total
    assert files_of(exports_dir, export_id) == ([], [])
    status, body, response = api.get(f"/v1/reporting/exports/{export_id}/download")
    assert status == 409
    assert "cancelled" in body["error"]
    assert "Retry-After" not in response
    status, _, _ = api.delete(f"/v1/reporting/exports/{export_id}")
    assert status == 204
    assert api.get(f"/v1/reporting/exports/{export_id}")[0] == 404
    assert not Export.objects.filter(id=export_id).exists()


def test_cancelled_before_a_worker_runs_is_never_started(
    spawn: Callable[..., Worker], api: Any, insert_members: Any, exports_dir: Path
) -> None:
    insert_members(member_rows(50, seed=24, community_ids=(235,)))
    export_id = start_export(api, {"report": "members"})
    assert api.delete(f"/v1/reporting/exports/{export_id}")[1]["status"] == "cancelled"
    worker = spawn()
    deadline = time.monotonic() + 60
    while "'skipped'" not in worker.output():
        assert time.monotonic() < deadline, worker.output()
        time.sleep(0.1)
    export = Export.objects.get(id=export_id)
    assert (export.status, export.attempts, export.file_name) == (Export.Status.CANCELLED, 0, "")


def test_a_dropped_database_connection_is_retried_from_scratch(
    spawn: Callable[..., Worker], api: Any, insert_members: Any, exports_dir: Path
) -> None:
    insert_members(member_rows(700, seed=25, community_ids=(235,)))
    worker = spawn(EXPORTS_TEST_ROW_DELAY="0.003")
    export_id = start_export(api, {"report": "members", "aggregate_by": None})
    wait_for(export_id, until=running_with_rows(100), timeout=60)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY (%%'"
        )
        assert cursor.fetchall() == [(True,)]
    done = wait_for(export_id, timeout=120)
    assert done.status == Export.Status.SUCCEEDED, (done.error, worker.output()[-3000:])
    assert done.attempts == 2
    assert "Retry in" in worker.output()
    records = api.walk({"report": "members", "limit": 1000})
    csv_matches_records(download(api, export_id), records, column_types("members", None))


def test_xlsx_past_the_sheet_limit_continues_on_new_sheets(
    spawn: Callable[..., Worker], api: Any, insert_members: Any
) -> None:
    insert_members(member_rows(1000, seed=26, community_ids=(235, 236)))
    spawn(EXPORTS_XLSX_SHEET_MAX_ROWS="301")  # 300 rows and a header per sheet
    export_id = start_export(api, {"report": "members", "format": "xlsx"})
    assert wait_for(export_id).status == Export.Status.SUCCEEDED
    data = download(api, export_id)
    import io

    import openpyxl

    assert openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames == [
        "Export", "Export (2)", "Export (3)", "Export (4)",
    ]  # fmt: skip
    rows = xlsx_rows(data)
    records = api.walk({"report": "members", "limit": 1000})
    assert len(rows) - 1 == len(records) == 1000
    assert [row[0] for row in rows[1:]] == [record["id"] for record in records]


def test_beat_deletes_expired_files_and_downloads_answer_410(
    spawn: Callable[..., Worker], api: Any, insert_members: Any, exports_dir: Path, broker: Any, tmp_path: Path
) -> None:
    insert_members(member_rows(40, seed=27, community_ids=(235,)))
    spawn()
    export_id = start_export(api, {"report": "members"})
    export = wait_for(export_id)
    assert export.status == Export.Status.SUCCEEDED
    assert export.expires_at is not None
    assert export.finished_at is not None
    assert 6.9 * 86400 < (export.expires_at - export.finished_at).total_seconds() <= 7 * 86400
    assert download(api, export_id)
    path = exports_dir / export.file_name
    assert path.exists()

    Export.objects.filter(id=export_id).update(expires_at=export.finished_at)  # as if 7 days had passed
    status, body, _ = api.get(f"/v1/reporting/exports/{export_id}/download")
    assert (status, body) == (410, {"error": "Export expired"})
    assert path.exists(), "expired but not yet collected"

    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "EXPORTS_"))}
    env.update(Worker(broker=broker, exports_dir=exports_dir, log_dir=tmp_path).environment())
    env["EXPORTS_CLEANUP_EVERY_SECONDS"] = "1"
    log = (tmp_path / "beat.log").open("wb")
    beat = subprocess.Popen(
        [CELERY, "-A", "config", "beat", "--loglevel=INFO", "-s", str(tmp_path / "schedule")],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while path.exists():
            assert time.monotonic() < deadline, (tmp_path / "beat.log").read_text()
            time.sleep(0.2)
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=30)
        log.close()
    assert "reporting.exports.delete_expired" in (tmp_path / "beat.log").read_text()
    collected = Export.objects.get(id=export_id)
    assert collected.file_name == ""
    assert collected.status == Export.Status.SUCCEEDED
    assert api.get(f"/v1/reporting/exports/{export_id}/download")[0] == 410
    assert not (exports_dir / export_id).exists()
