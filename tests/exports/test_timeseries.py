"""Timeseries exports on a real worker: columns ``time_bucket``, the label keys, ``value``; one row per bucket and
series with a value, in time then label order; CSV, Excel CSV, XLSX and tenants, checked against the zoneinfo
oracle of tests/timeseries (not against the query API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.exports.helpers import expected_csv_cell, parse_csv, xlsx_rows
from tests.exports.test_content import download, finished, start
from tests.timeseries import oracle

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
UTC = dt.UTC
OSLO = {235: "Europe/Oslo", 236: "Europe/Oslo"}


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings: Any) -> None:
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 1_000_000}


def expected_rows(envelope: dict[str, Any]) -> list[list[Any]]:
    """The oracle's envelope flattened the way §8 says: bucket by bucket, series in label order, no nulls."""
    rows = []
    for index, bucket in enumerate(envelope["time_buckets"]):
        for series in envelope["series"]:
            value = series["values"][index]
            if value is not None:
                rows.append([bucket, *series["label"].values(), value])
    return rows


WINDOW = {"from": "2024-10-01", "to": "2024-11-20"}
CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"report": "member_balance", "interval": "1d", **WINDOW}, ["type"]),
    ({"report": "member_balance", "interval": "1w", "aggregate_by": "gender", **WINDOW}, ["type", "gender"]),
    ({"report": "member_balance", "interval": "1d", "aggregate_by": "consents", **WINDOW},
     ["type", "consent_key", "consent_value"]),
    ({"report": "members_count_history", "interval": "1d", **WINDOW}, ["grouping_type", "grouping_value"]),
    ({"report": "members_count_history", "interval": "1h", "from": "2024-10-26T12:00", "to": "2024-10-28",
      "filter": {"type": "equal", "field": "grouping_type", "value": "gender"}}, ["grouping_type", "grouping_value"]),
]  # fmt: skip


def _oracle(body: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    window = {"start": body["from"], "end": body["to"], "interval": body["interval"]}
    if body["report"] == "member_balance":
        return oracle.member_balance(events, OSLO, aggregate_by=body.get("aggregate_by"), **window)
    return oracle.members_count_history(events, OSLO, filter_node=body.get("filter"), **window)


def test_timeseries_csv_exports_match_the_oracle(worker: Any, api: Any, events: list[dict[str, Any]]) -> None:
    exports = [(body, keys, fmt, start(api, {**body, "format": fmt})) for body, keys in CASES
               for fmt in ("csv", "csv_excel")]  # fmt: skip
    for body, keys, fmt, export in exports:
        expected = expected_rows(_oracle(body, events))
        assert len(expected) > 20, body
        state = finished(api, export)
        assert state["rows_total"] == state["rows_done"] == len(expected)
        delimiter, bom = (";", True) if fmt == "csv_excel" else (",", False)
        lines = parse_csv(download(api, export), delimiter=delimiter, bom=bom)
        assert lines[0] == ["time_bucket", *keys, "value"]
        kinds = ["string"] * (len(keys) + 1) + ["integer"]
        assert lines[1:] == [
            [expected_csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in expected
        ], body


def test_timeseries_xlsx_and_tenants_exports(worker: Any, api: Any, events: list[dict[str, Any]]) -> None:
    body, keys = CASES[2]
    xlsx = start(api, {**body, "format": "xlsx"})
    tenants = start(api, {**body, "format": "csv"}, tenants=True)
    finished(api, xlsx)
    rows = xlsx_rows(download(api, xlsx))
    assert list(rows[0]) == ["time_bucket", *keys, "value"]
    assert [list(row) for row in rows[1:]] == expected_rows(_oracle(body, events))  # booleans and numbers typed

    finished(api, tenants)
    lines = parse_csv(download(api, tenants))
    assert lines[0] == ["community_id", "community_name", "time_bucket", *keys, "value"]
    names = {235: "Oslo City", 236: "Bergen Sentrum"}
    expected = []
    for community in (235, 236):
        one = [e for e in events if e["community_id"] == community]
        for row in expected_rows(_oracle(body, [*one])):
            expected.append([str(community), names[community], *(expected_csv_cell(v, "string") for v in row[:-1]),
                             str(row[-1])])  # fmt: skip
    assert lines[1:] == expected
