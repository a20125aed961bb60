"""members_grouped_count exports on a real worker: the worker brings the snapshot up to date itself (beat down,
no request before), and the file equals what the query API returns."""

from __future__ import annotations

from typing import Any

import pytest

from reporting.models import MemberCountSnapshot
from tests.exports.helpers import column_types, csv_matches_records, member_rows
from tests.exports.test_content import download, finished, start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_export_takes_the_missing_snapshot_and_equals_the_api(worker: Any, api: Any, insert_members: Any) -> None:
    insert_members(member_rows(600, seed=5))
    assert not MemberCountSnapshot.objects.exists()
    plain = start(api, {"report": "members_grouped_count"})
    summed = start(api, {"report": "members_grouped_count", "aggregate_by": "by_grouping_type_and_value"})
    plain_csv = download(api, finished(api, plain))
    summed_csv = download(api, finished(api, summed))
    # The worker, not a request, took the snapshot of the context's communities.
    assert set(MemberCountSnapshot.objects.values_list("community_id", flat=True)) == {235, 236}
    records = api.walk({"report": "members_grouped_count", "limit": 1000})
    assert len(records) > 40
    csv_matches_records(plain_csv, records, column_types("members_grouped_count", None))
    aggregated = api.walk(
        {"report": "members_grouped_count", "aggregate_by": "by_grouping_type_and_value", "limit": 1000}
    )
    csv_matches_records(summed_csv, aggregated, column_types("members_grouped_count", "by_grouping_type_and_value"))


def test_the_beat_task_runs_on_a_worker_without_the_web_process(worker: Any, insert_members: Any) -> None:
    """What beat sends every quarter hour, a worker process executes on its own: snapshots need no web process."""
    import time

    from config.celery import app as celery_app
    from reporting.models import Member
    from reporting.snapshots import period_start
    from tests.snapshots.conftest import oracle_counts

    insert_members(member_rows(300, seed=9))
    celery_app.send_task("reporting.snapshots.take")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and MemberCountSnapshot.objects.filter(grouping_type="total").count() < 3:
        time.sleep(0.2)
    rows = {(r.community_id, r.grouping_type, r.grouping_value): r for r in MemberCountSnapshot.objects.all()}
    assert {key: row.members_count for key, row in rows.items()} == dict(
        oracle_counts([dict(m) for m in Member.objects.values()])
    )
    assert all(row.taken_at == period_start(row.changed_at) for row in rows.values())  # a first snapshot
    assert "reporting.snapshots.take" in worker.output()
