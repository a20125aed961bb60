"""A plain `celery -A config worker` (no -Q) runs exports; an export no worker picks up says so; the request id
of the request that started an export appears in the worker's log line for it (issue 13, items 1 and 3)."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from reporting.models import CommunityAccess, Export
from tests.exports.conftest import Worker, wait_for
from tests.exports.helpers import member_rows
from tests.servers import free_port

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
EXPORT = "/v1/reporting/query/export"


@pytest.fixture
def spawn(worker_factory: Callable[..., Worker], transactional_db: Any) -> Iterator[Callable[..., Worker]]:
    mine: list[Worker] = []

    def start(**options: Any) -> Worker:
        worker = worker_factory(**options)
        mine.append(worker)
        return worker

    yield start
    for worker in mine:
        worker.stop()


def log_lines(worker: Worker) -> list[dict[str, Any]]:
    lines = []
    for line in worker.output().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def run_lines(worker: Worker, export_id: str, *, timeout: float = 30) -> list[dict[str, Any]]:
    """The task's "export run" lines for this export (written just after the row turns succeeded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in log_lines(worker) if line.get("export_id") == export_id]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(worker.output()[-4000:])


def test_plain_worker_consumes_the_exports_queue_and_logs_the_request_id(
    spawn: Callable[..., Worker], api: Any, insert_members: Any, tmp_path: Any
) -> None:
    insert_members(member_rows(120, seed=5, community_ids=(235, 236)))
    metrics_port = free_port()
    worker = spawn(queues=None, CELERY_METRICS_PORT=str(metrics_port), PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    assert worker.process is not None
    assert "-Q" not in list(worker.process.args)  # type: ignore[arg-type]
    request_id = f"ops-test-{uuid.uuid4().hex[:12]}"
    status, body, response = api.post(EXPORT, {"report": "members"}, **{"X-Request-ID": request_id})
    assert status == 202, body
    assert response["X-Request-ID"] == request_id

    export = wait_for(body["id"], timeout=90)
    assert export.status == Export.Status.SUCCEEDED, export.error
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_member WHERE community_id IN (235, 236)")
        (expected,) = cursor.fetchone()
    assert export.rows_total == expected == 120

    finished = run_lines(worker, body["id"])
    assert [line["outcome"] for line in finished] == ["succeeded"]
    assert finished[0]["request_id"] == request_id
    assert finished[0]["rows"] == expected
    # The worker's task lines are JSON too and name the same request.
    task_lines = [line for line in log_lines(worker) if body["id"] in line["message"]]
    assert task_lines
    assert {line["request_id"] for line in task_lines} == {request_id}

    # The worker's own /metrics (its pool process wrote the samples): one csv export, its rows, its duration.
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as response:
        families = {family.name: family for family in text_string_to_metric_families(response.read().decode())}
    rows = [s for s in families["clubinsight_export_rows"].samples if s.name.endswith("_total")]
    assert [(s.labels, s.value) for s in rows] == [({"format": "csv"}, float(expected))]
    durations = {s.name: s.value for s in families["clubinsight_export_duration_seconds"].samples
                 if s.labels.get("outcome") == "succeeded" and "le" not in s.labels}  # fmt: skip
    assert durations["clubinsight_export_duration_seconds_count"] == 1
    assert durations["clubinsight_export_duration_seconds_sum"] > 0


def test_a_client_request_id_that_could_forge_log_lines_is_replaced(api: Any) -> None:
    status, _, response = api.get("/v1/reporting/exports", **{"X-Request-ID": 'x"\n{"level": "ERROR"}'})
    assert status == 200
    assert response["X-Request-ID"] != 'x"\n{"level": "ERROR"}'
    assert len(response["X-Request-ID"]) == 32
    assert all(c in "0123456789abcdef" for c in response["X-Request-ID"])


def age(export_id: str, seconds: int) -> None:
    """Move the export's creation back in time, as if it had waited that long."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reporting_export SET created_at = now() - make_interval(secs => %s) WHERE id = %s",
            [seconds, export_id],
        )


def test_an_export_no_worker_picks_up_says_so(api: Any, communities: Any, django_user_model: Any) -> None:
    # No worker runs in this test: the message waits in the queue.
    status, body, _ = api.post(EXPORT, {"report": "members", "aggregate_by": "gender_count"})
    assert status == 202
    assert body["waiting_for_worker"] is False
    assert body["notice"] is None

    age(body["id"], 119)  # default EXPORTS_WAITING_NOTICE_SECONDS is 120
    _, fresh, _ = api.get(f"/v1/reporting/exports/{body['id']}")
    assert fresh["status"] == "pending"
    assert fresh["waiting_for_worker"] is False
    assert fresh["notice"] is None

    age(body["id"], 121)
    _, stale, _ = api.get(f"/v1/reporting/exports/{body['id']}")
    assert stale["status"] == "pending"
    assert stale["waiting_for_worker"] is True
    assert "No worker has picked this export up in over 2 minutes" in stale["notice"]
    assert "celery -A config worker" in stale["notice"]
    _, listed, _ = api.get("/v1/reporting/exports")
    assert [item["notice"] for item in listed["exports"] if item["id"] == body["id"]] == [stale["notice"]]

    # The admins' exports page (and what its progress polling reads) shows the same notice.
    admin = django_user_model.objects.create_user("ops-admin", password="a-long-test-password-1")
    CommunityAccess.objects.create(user=admin, community_id=235, role="admin")
    page = Client()
    page.force_login(admin)
    status, created, _ = _start_from_page(page)
    age(created, 121)
    html = page.get("/exports/").content.decode()
    assert "No worker has picked this export up in over 2 minutes" in html
    polled = page.get("/exports/status").json()["exports"]
    assert [item["notice"] is not None for item in polled if item["id"] == created] == [True]


def _start_from_page(page: Client) -> tuple[int, str, Any]:
    form = {"club": "235", "what": "records", "format": "csv", "filter_field": "", "filter_key": "",
            "filter_op": "equal", "filter_value": "", "filter_json": ""}  # fmt: skip
    response = page.post("/exports/", form)
    assert response.status_code == 302, response.content[:500]
    created = response["Location"].split("#export-")[1]
    return response.status_code, created, response
