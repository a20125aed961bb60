"""Timeseries exports on a real worker: one started from the admins' Exports page gives the same file as the API's
export of the same body, whose rows are the API's answer and the zoneinfo oracle's; and ``members_count_snapshot``
exported through the API against an oracle over the snapshot rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reporting.models import Export, MemberCountSnapshot
from tests.exports.conftest import wait_for
from tests.exports.helpers import expected_csv_cell, parse_csv, xlsx_rows
from tests.exports.test_content import download, finished, start
from tests.exports.test_dashboard import form, logged_in, make_user
from tests.exports.test_timeseries import expected_rows
from tests.timeseries import oracle

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
OSLO = "Europe/Oslo"
CLUB_235 = {"X-Customer": "235"}


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings: Any) -> None:
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 1_000_000}


def csv_cells(rows: list[list[Any]], label_count: int) -> list[list[str]]:
    kinds = ["string"] * (label_count + 1) + ["integer"]
    return [[expected_csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in rows]


def test_member_balance_export_from_the_page_matches_the_api(
    worker: Any, api: Any, events: list[dict[str, Any]], django_user_model: Any
) -> None:
    body: dict[str, Any] = {"report": "member_balance", "aggregate_by": "gender", "interval": "1d",
            "from": "2024-10-01", "to": "2024-11-20"}  # fmt: skip
    client = logged_in(make_user(django_user_model, "ada", {235: "admin"}))
    response = client.post("/exports/", form(report="member_balance", what="gender", interval="1d",
                                             from_date=body["from"], to_date=body["to"]))  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    from_page = wait_for(Export.objects.get().id)
    assert from_page.status == Export.Status.SUCCEEDED, from_page.error
    page_file = client.get(f"/exports/{from_page.id}/download")
    assert page_file.status_code == 200
    page_bytes = page_file.getvalue()

    status, through_api, _ = api.post("/v1/reporting/query/export", {**body, "format": "csv"}, **CLUB_235)
    assert status == 202, through_api
    finished(api, through_api)
    assert page_bytes == download(api, through_api)

    status, answer, _ = api.query(body, **CLUB_235)
    assert status == 200, answer
    expected = expected_rows(answer)
    assert len(expected) > 40
    lines = parse_csv(page_bytes)
    assert lines[0] == ["time_bucket", "type", "gender", "value"]
    assert lines[1:] == csv_cells(expected, 2)
    ours = [event for event in events if event["community_id"] == 235]
    # The page's other formats of the same export: Excel CSV and XLSX (typed cells).
    for fmt in ("csv_excel", "xlsx"):
        response = client.post("/exports/", form(report="member_balance", what="gender", interval="1d", format=fmt,
                                                 from_date=body["from"], to_date=body["to"]))  # fmt: skip
        assert response.status_code == 302
        other = wait_for(Export.objects.get(format=fmt).id)
        assert other.status == Export.Status.SUCCEEDED, other.error
        data = client.get(f"/exports/{other.id}/download").getvalue()
        if fmt == "xlsx":
            sheet = xlsx_rows(data)
            assert [list(row) for row in sheet] == [["time_bucket", "type", "gender", "value"], *expected]
        else:
            assert parse_csv(data, delimiter=";", bom=True) == lines
    window = {"start": body["from"], "end": body["to"], "interval": body["interval"]}
    assert expected == expected_rows(oracle.member_balance(ours, {235: OSLO}, aggregate_by="gender", **window))


def test_members_count_snapshot_export_matches_the_snapshot_oracle(worker: Any, api: Any, communities: Any) -> None:
    rows = []
    first = dt.datetime(2024, 10, 25, 22, 0, tzinfo=dt.UTC)
    for community in (235, 236, 240):  # 240 is outside the context: it must not count
        for period in range(0, 3 * 24 * 4, 3):  # every 45 minutes for three days, across the autumn change
            taken = first + dt.timedelta(minutes=15 * period)
            for grouping, value, base in (("total", None, 100), ("gender", "woman", 40), ("gender", None, 7)):
                rows.append(MemberCountSnapshot(
                    community_id=community, grouping_type=grouping, grouping_value=value,
                    members_count=base + community + period % 11, taken_at=taken, changed_at=taken,
                ))  # fmt: skip
    MemberCountSnapshot.objects.bulk_create(rows)
    body: dict[str, Any] = {"report": "members_count_snapshot", "interval": "1h", "from": "2024-10-26", "to": "2024-10-28T06:00",
            "filter": {"type": "in", "field": "grouping_type", "value": ["total", "gender"]}}  # fmt: skip
    export = start(api, {**body, "format": "csv"})

    grid = oracle.Buckets(OSLO, body["from"], body["to"], body["interval"], local_form=False)
    last: dict[tuple[Any, ...], dict[Any, dict[int, tuple[dt.datetime, int]]]] = {}
    for row in rows:
        bucket = grid.of(row.taken_at)
        if row.community_id in (235, 236) and bucket is not None:
            seen = last.setdefault((OSLO, row.grouping_type, row.grouping_value), {}).setdefault(bucket.order, {})
            if row.community_id not in seen or seen[row.community_id][0] < row.taken_at:
                seen[row.community_id] = (row.taken_at, row.members_count)
    values = {key: {order: sum(v for _, v in by.values()) for order, by in series.items()} for key, series in
              last.items()}  # fmt: skip
    labels = {bucket.order: bucket.label for bucket in grid.buckets}
    expected = expected_rows(
        oracle.envelope(values, ["grouping_type", "grouping_value"], labels, interval="1h", range_timezone=OSLO)
    )
    assert len(expected) > 100

    state = finished(api, export)
    assert state["rows_total"] == state["rows_done"] == len(expected)
    lines = parse_csv(download(api, export))
    assert lines[0] == ["time_bucket", "grouping_type", "grouping_value", "value"]
    assert lines[1:] == csv_cells(expected, 2)
