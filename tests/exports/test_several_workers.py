"""Several plain workers on a real broker (issue 13, item 5): a burst of exports spreads over them, each export
succeeds exactly once, and SIGKILLing one worker in the middle loses nothing — the broker hands its unacknowledged
message to the other worker (RabbitMQ on the lost connection, Redis after the visibility timeout). No beat and no
new worker start after the kill: the redelivery alone must finish the work.

Both brokers are private to the test: a redis-server on a free port, and a vhost of its own on the machine's
RabbitMQ (127.0.0.1:5672, guest), created with rabbitmqctl and deleted afterwards. Marked ``several_workers``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from reporting.models import Export
from tests.exports.conftest import Broker, Worker, use_broker
from tests.exports.helpers import member_rows
from tests.faults.processes import PrivateRedis

pytestmark = [pytest.mark.worker, pytest.mark.several_workers, pytest.mark.django_db(transaction=True),
              pytest.mark.timeout(400)]  # fmt: skip

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"
VISIBILITY_TIMEOUT = "6"  # seconds; production keeps Redis's default (docs/operations.md)
SLOW = {"EXPORTS_TEST_ROW_DELAY": "0.01"}  # 100 rows a second: each export runs a few seconds
BURST = 6
MEMBERS = 300


def _private_redis() -> Generator[tuple[str, dict[str, str]], None, None]:
    root = Path(tempfile.mkdtemp(prefix="clubinsight-burst-redis-"))
    redis = PrivateRedis(root)
    try:
        redis.start()
        yield redis.url, {"CELERY_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT}
    finally:
        redis.close()
        shutil.rmtree(root, ignore_errors=True)


def _rabbitmqctl(*args: str) -> None:
    ctl = shutil.which("rabbitmqctl")
    assert ctl, "rabbitmqctl is needed to give the test a vhost of its own on the local RabbitMQ"
    done = subprocess.run([ctl, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _private_vhost() -> Generator[tuple[str, dict[str, str]], None, None]:
    vhost = f"clubinsight-test-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield RABBITMQ + vhost, {}
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="module", params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    """Overrides the export tests' broker: a private Redis or RabbitMQ vhost, for this process and its workers."""
    from config.celery import app

    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    source = _private_redis() if request.param == "redis" else _private_vhost()
    url, worker_env = next(source)
    use_broker(url, {})
    try:
        yield BrokerWithEnv(url, worker_env)
    finally:
        use_broker(*previous)
        source.close()


class BrokerWithEnv(Broker):
    def __init__(self, url: str, env: dict[str, str]):
        super().__init__(url, None)
        self.env = env

    def worker_env(self) -> dict[str, str]:
        return {**super().worker_env(), **self.env}


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings: Any) -> None:
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 1_000_000}


@pytest.fixture
def workers(worker_factory: Callable[..., Worker], transactional_db: Any) -> Iterator[list[Worker]]:
    started = [worker_factory(queues=None, **SLOW) for _ in range(2)]
    yield started
    for worker in started:
        worker.stop()


def runs(worker: Worker) -> list[dict[str, Any]]:
    """The worker's "export run" lines: one per attempt that ended (outcome succeeded, skipped, busy, ...)."""
    return [
        line
        for line in (json.loads(text) for text in worker.output().splitlines() if text.startswith("{"))
        if "export_id" in line and "outcome" in line
    ]


def sql_count(community_ids: tuple[int, ...]) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_member WHERE community_id = ANY(%s)", [list(community_ids)])
        return int(cursor.fetchone()[0])


def test_burst_spreads_and_survives_a_killed_worker(
    workers: list[Worker], api: Any, insert_members: Any, exports_dir: Path
) -> None:
    insert_members(member_rows(MEMBERS, seed=31, community_ids=(235, 236)))
    expected_rows = sql_count((235, 236))
    ids = []
    for _ in range(BURST):
        status, body, _ = api.post("/v1/reporting/query/export", {"report": "members"})
        assert status == 202, body
        ids.append(body["id"])

    # Both workers busy at once: two exports running, claimed by two different processes.
    deadline = time.monotonic() + 90
    while True:
        running = list(Export.objects.filter(id__in=ids, status=Export.Status.RUNNING, rows_done__gte=30))
        if len({export.claimed_by for export in running}) >= 2:
            break
        assert time.monotonic() < deadline, [w.output()[-2000:] for w in workers]
        time.sleep(0.05)
    claimed_pids = {int(export.claimed_by.rpartition(":")[2]) for export in running}
    assert all(claimed_pids & set(worker.children()) for worker in workers), "each worker runs one of the burst"
    victim_export = running[0]
    victim_pid = int(victim_export.claimed_by.rpartition(":")[2])
    (victim,) = [worker for worker in workers if victim_pid in worker.children()]
    (survivor,) = [worker for worker in workers if worker is not victim]
    victim.kill()  # SIGKILL to the whole worker: main process and pool child, mid-export

    deadline = time.monotonic() + 180
    while Export.objects.filter(id__in=ids).exclude(status=Export.Status.SUCCEEDED).exists():
        unfinished = list(Export.objects.filter(id__in=ids).exclude(status=Export.Status.SUCCEEDED).values())
        assert time.monotonic() < deadline, (unfinished, survivor.output()[-3000:])
        time.sleep(0.2)

    exports = {str(export.id): export for export in Export.objects.filter(id__in=ids)}
    succeeded = [line for worker in workers for line in runs(worker) if line["outcome"] == "succeeded"]
    # Exactly once: one succeeded run per export, over both workers' logs.
    assert sorted(line["export_id"] for line in succeeded) == sorted(ids)
    # The killed attempt's export was redelivered to the survivor and finished there, on a second attempt.
    assert str(victim_export.id) in {line["export_id"] for line in runs(survivor) if line["outcome"] == "succeeded"}
    assert exports[str(victim_export.id)].attempts == 2
    for export_id, export in exports.items():
        assert export.rows_total == export.rows_done == expected_rows, export_id
        with (exports_dir / export.file_name).open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(io.StringIO(handle.read())))
        assert len(rows) == 1 + expected_rows, export_id
    assert sum(export.attempts for export in exports.values()) == BURST + 1
