"""The embedded default: with no CELERY_BROKER_URL, web and worker meet in kombu's filesystem transport.

Whatever broker the suite runs on, this module switches this process (the publisher) and a worker started with
CELERY_BROKER_URL unset to a private filesystem broker folder, and runs exports end to end through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.celery import app as celery_app
from reporting.models import Export
from tests.exports.conftest import Broker, Worker, filesystem_transport_options, use_broker, wait_for
from tests.exports.helpers import column_types, csv_matches_records, member_rows, xlsx_rows

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def filesystem_worker(
    tmp_path_factory: pytest.TempPathFactory, broker: Broker, exports_dir: Path, django_db_setup: Any
) -> Iterator[Worker]:
    folder = tmp_path_factory.mktemp("filesystem-broker")
    previous = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    use_broker("filesystem://", filesystem_transport_options(folder))
    worker = Worker(broker=Broker(None, folder), exports_dir=exports_dir, log_dir=folder)
    assert "CELERY_BROKER_URL" not in worker.environment()
    worker.start()
    yield worker
    worker.stop()
    use_broker(*previous)


def test_exports_run_through_the_filesystem_broker(filesystem_worker: Worker, api: Any, insert_members: Any) -> None:
    assert "transport:   filesystem://" in filesystem_worker.output()
    insert_members(member_rows(400, seed=41, community_ids=(235, 236)))
    bodies = [{"report": "members"}, {"report": "members", "aggregate_by": "interests_count", "format": "xlsx"}]
    ids = []
    for body in bodies:
        status, payload, _ = api.post("/v1/reporting/query/export", body)
        assert status == 202, payload
        ids.append(payload["id"])
    for body, export_id in zip(bodies, ids, strict=True):
        export = wait_for(export_id, timeout=60)
        assert export.status == Export.Status.SUCCEEDED, export.error
        assert "Task reporting.exports.run[" in filesystem_worker.output(), "this worker ran it"
        response = api.client.get(f"/v1/reporting/exports/{export_id}/download", headers=api.headers())
        data = b"".join(response.streaming_content)
        records = api.walk({**{k: v for k, v in body.items() if k != "format"}, "limit": 1000})
        types = column_types("members", body.get("aggregate_by"))
        if body.get("format") == "xlsx":
            rows = xlsx_rows(data)
            assert [list(row) for row in rows[1:]] == [[record[name] for name in types] for record in records]
        else:
            csv_matches_records(data, records, types)
