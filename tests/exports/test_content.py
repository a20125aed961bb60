"""What the worker writes equals what the query API returns: records, every aggregation, tenants, XLSX; exact
CSV bytes for a small fixture. A real worker process on the configured broker does every export."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from typing import Any

import pytest

from config.celery import app as celery_app
from reporting.models import Community, Export
from reporting.reports import get_report
from tests.exports.conftest import wait_for
from tests.exports.helpers import column_types, csv_matches_records, member_rows, xlsx_rows

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings: Any) -> None:
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 1_000_000}


def start(api: Any, body: dict[str, Any], *, tenants: bool = False, **headers: str) -> dict[str, Any]:
    path = "/v1/reporting/tenants/query/export" if tenants else "/v1/reporting/query/export"
    status, payload, response = api.post(path, body, **headers)
    assert status == 202, payload
    assert response["Location"] == f"/v1/reporting/exports/{payload['id']}"
    return payload


def finished(api: Any, export: dict[str, Any]) -> dict[str, Any]:
    row = wait_for(export["id"])
    assert row.status == Export.Status.SUCCEEDED, (row.status, row.error)
    status, payload, _ = api.get(f"/v1/reporting/exports/{export['id']}")
    assert status == 200, payload
    return payload


def download(api: Any, export: dict[str, Any]) -> bytes:
    response = api.client.get(f"/v1/reporting/exports/{export['id']}/download", headers=api.headers())
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return b"".join(response.streaming_content)


def test_the_worker_runs_on_the_configured_broker(worker: Any, broker: Any) -> None:
    """So a run with CELERY_BROKER_URL=amqp://… (CI's RabbitMQ pass) really exercises RabbitMQ."""
    scheme = (broker.url or "filesystem://").split("://", 1)[0]
    transport = next(line for line in worker.output().splitlines() if "transport:" in line)
    assert transport.split("transport:", 1)[1].strip().startswith(f"{scheme}://"), transport
    assert celery_app.connection_for_write().as_uri().startswith(f"{scheme}://"), "this process publishes there too"


def test_csv_bytes_exactly(worker: Any, api: Any, insert_members: Any) -> None:
    created = dt.datetime(2017, 6, 19, 9, 56, 22, 527000, tzinfo=UTC)
    insert_members(
        [
            {
                "id": 1, "community_id": 235, "optin_channel": 'say "hi", ok', "optin_subchannel": "",
                "optin_platform": "webforms", "gender": "woman", "age": "20-24", "birth_year_group": 2000,
                "subunit_ids": [5], "group_ids": [32454, 32463], "favorite_stores": [],
                "properties": {"bool": False, "note": "Ærø ✓ 🚀", "interests": ["dietary_and_nutrition"], "bonus_points": 0},
                "consents": {"email_marketing": False, "sms_marketing": True},
                "marketing_via_sms": True, "marketing_via_anything": True, "sms_status": "verified",
                "push_devices": 2, "msisdn_country": "NO", "location_country": "NO", "city_place_id": "3143244",
                "place_id": "3143244", "created_at": created, "updated_at": created + dt.timedelta(microseconds=1),
            },
            {
                "id": 2, "community_id": 235, "optin_channel": '=HYPERLINK("http://x")', "optin_subchannel": "+47",
                "gender": "-1", "age": "-14", "city_place_id": "@SUM(1)", "place_id": "\tTab",
                "location_country": "\rC", "properties": {"x": "=1+1", "n": -3}, "consents": {},
                "created_at": created,
            },
            {"id": 3, "community_id": 235, "optin_channel": "line1\nline2", "created_at": created},
            {"id": 4, "community_id": 236, "gender": "man", "created_at": created},
            {"id": 5, "community_id": 240, "gender": "outside the context", "created_at": created},
        ]
    )  # fmt: skip
    header = (
        "id,community_id,optin_channel,optin_subchannel,optin_platform,gender,age,birth_year_group,subunit_ids,"
        "group_ids,favorite_stores,properties,consents,marketing_via_sms,marketing_via_email,marketing_via_push,"
        "marketing_via_anything,sms_status,email_status,push_status,push_devices,msisdn_country,location_country,"
        "city_place_id,place_id,created_at,updated_at\n"
    )
    t0, t1 = "2017-06-19T09:56:22.527000Z", "2017-06-19T09:56:22.527001Z"
    expected = (
        header + '1,235,"say ""hi"", ok","",webforms,woman,20-24,2000,[5],"[32454,32463]",[],'
        '"{""bool"": false, ""note"": ""Ærø ✓ 🚀"", ""interests"": [""dietary_and_nutrition""], ""bonus_points"": 0}",'
        '"{""sms_marketing"": true, ""email_marketing"": false}",true,false,false,true,verified,disabled,disabled,2,'
        f"NO,NO,3143244,3143244,{t0},{t1}\n" + '2,235,"\'=HYPERLINK(""http://x"")",\'+47,other,\'-1,\'-14,,[],[],[],'
        '"{""n"": -3, ""x"": ""=1+1""}",{},false,false,false,false,disabled,disabled,disabled,0,'
        f",\"'\rC\",'@SUM(1),'\tTab,{t0},{t0}\n"
        + '3,235,"line1\nline2",,other,,,,[],[],[],{},{},false,false,false,false,disabled,disabled,disabled,0,'
        f",,,,{t0},{t0}\n"
        + f"4,236,,,other,man,,,[],[],[],{{}},{{}},false,false,false,false,disabled,disabled,disabled,0,,,,,{t0},{t0}\n"
    )
    plain = start(api, {"report": "members"})
    excel = start(api, {"report": "members", "format": "csv_excel"})
    counts = start(api, {"report": "members", "aggregate_by": "gender_count", "format": "csv"})
    assert download(api, finished(api, plain)) == expected.encode()

    # csv_excel: a BOM and `;`, so "[32454,32463]" needs no quotes while text with a quote still has them.
    excel_expected = (
        "\ufeff"
        + header.replace(",", ";")
        + '1;235;"say ""hi"", ok";"";webforms;woman;20-24;2000;[5];[32454,32463];[];'
        '"{""bool"": false, ""note"": ""Ærø ✓ 🚀"", ""interests"": [""dietary_and_nutrition""], ""bonus_points"": 0}";'
        '"{""sms_marketing"": true, ""email_marketing"": false}";true;false;false;true;verified;disabled;disabled;2;'
        f"NO;NO;3143244;3143244;{t0};{t1}\n" + '2;235;"\'=HYPERLINK(""http://x"")";\'+47;other;\'-1;\'-14;;[];[];[];'
        '"{""n"": -3, ""x"": ""=1+1""}";{};false;false;false;false;disabled;disabled;disabled;0;'
        f";\"'\rC\";'@SUM(1);'\tTab;{t0};{t0}\n"
        + '3;235;"line1\nline2";;other;;;;[];[];[];{};{};false;false;false;false;disabled;disabled;disabled;0;'
        f";;;;{t0};{t0}\n"
        + f"4;236;;;other;man;;;[];[];[];{{}};{{}};false;false;false;false;disabled;disabled;disabled;0;;;;;{t0};{t0}\n"
    )
    assert download(api, finished(api, excel)).decode("utf-8") == excel_expected

    assert download(api, finished(api, counts)) == (
        b"community_id,gender,members_count\n235,'-1,1\n235,woman,1\n235,,1\n236,man,1\n"
    )


def _walk_all(api: Any, body: dict[str, Any], **headers: str) -> list[dict[str, Any]]:
    return api.walk({**body, "limit": 1000}, **headers)


def test_records_export_equals_the_query_api(worker: Any, api: Any, insert_members: Any) -> None:
    insert_members(member_rows(2500, seed=11))
    filtered: dict[str, Any] = {"type": "or", "operations": [
        {"type": "in", "field": "gender", "value": ["woman", None, "=cmd|' /C calc'!A0"]},
        {"type": "equal", "field": "consents.sms_marketing", "value": True},
    ]}  # fmt: skip
    bodies: list[dict[str, Any]] = [{"report": "members"}, {"report": "members", "filter": filtered}]
    exports = [start(api, {**body, "format": fmt}) for body in bodies for fmt in ("csv", "csv_excel")]
    types = column_types("members", None)
    for export, (body, fmt) in zip(exports, [(b, f) for b in bodies for f in ("csv", "csv_excel")], strict=True):
        records = _walk_all(api, body)
        assert len(records) > 500
        state = finished(api, export)
        assert state["rows_total"] == state["rows_done"] == len(records)
        assert state["progress"] == 1.0
        assert state["size_bytes"] > 0
        delimiter, bom = (";", True) if fmt == "csv_excel" else (",", False)
        csv_matches_records(download(api, export), records, types, delimiter=delimiter, bom=bom)


def _aggregation_bodies() -> list[dict[str, Any]]:
    members = get_report("members")
    members_count = get_report("members_count")
    assert members is not None
    assert members_count is not None
    bodies: list[dict[str, Any]] = [
        {"report": "members", "aggregate_by": aggregation.name} for aggregation in members.aggregations
    ]
    bodies.append({"report": "members_count"})
    bodies += [{"report": "members_count", "aggregate_by": a.name} for a in members_count.aggregations]
    return bodies


def test_every_aggregation_equals_the_query_api(worker: Any, api: Any, insert_members: Any) -> None:
    insert_members(member_rows(1200, seed=12))
    bodies = _aggregation_bodies()
    assert len(bodies) >= 24
    exports = [start(api, body) for body in bodies]
    for body, export in zip(bodies, exports, strict=True):
        records = _walk_all(api, body)
        assert records, body
        finished(api, export)
        csv_matches_records(download(api, export), records, column_types(body["report"], body.get("aggregate_by")))


def test_tenants_export_runs_once_per_community(worker: Any, api_for: Any, insert_members: Any) -> None:
    insert_members(member_rows(900, seed=13))
    api = api_for(customer="235_236_240", community_ids=(235, 236, 240))
    names = dict(Community.objects.values_list("id", "name"))
    cases: list[dict[str, Any]] = [
        {"report": "members", "filter": {"type": "equal", "field": "marketing_via_email", "value": True}},
        {"report": "members", "aggregate_by": "gender_count"},
        {"report": "members", "aggregate_by": "total_consents_count"},
        {"report": "members", "aggregate_by": "count"},
    ]
    exports = [start(api, body, tenants=True) for body in cases]
    for body, export in zip(cases, exports, strict=True):
        assert export["kind"] == "tenants"
        types = column_types(body["report"], body.get("aggregate_by"))
        header = ["community_id", "community_name", *[name for name in types if name != "community_id"]]
        expected: list[dict[str, Any]] = []
        for community_id in (235, 236, 240):
            for record in _walk_all(api, body, **{"X-Customer": str(community_id)}):
                expected.append({**record, "community_id": community_id, "community_name": names[community_id]})
        state = finished(api, export)
        assert state["rows_total"] == len(expected)
        csv_matches_records(download(api, export), expected, {**types, "community_name": "string"}, header=header)


def test_xlsx_equals_the_query_api(worker: Any, api: Any, insert_members: Any) -> None:
    insert_members(member_rows(1500, seed=14))
    cases = [{"report": "members"}, {"report": "members", "aggregate_by": "consents_count"}]
    exports = [start(api, {**body, "format": "xlsx"}) for body in cases]
    for body, export in zip(cases, exports, strict=True):
        records = _walk_all(api, body)
        types = column_types(body["report"], body.get("aggregate_by"))
        state = finished(api, export)
        response = api.client.get(f"/v1/reporting/exports/{export['id']}/download", headers=api.headers())
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert response["Content-Disposition"].endswith('.xlsx"')
        rows = xlsx_rows(b"".join(response.streaming_content))
        assert list(rows[0]) == list(types)
        assert state["rows_total"] == len(rows) - 1 == len(records)
        for row, record in zip(rows[1:], records, strict=True):
            # Numbers and booleans keep their type, text stays text (no quote prefix: XLSX cells are never
            # formulas), empty text stays distinct from null, arrays and objects are JSON.
            expected = [record[name] for name in types]
            actual = [
                json.loads(cell) if kind in ("array[integer]", "object") and cell is not None else cell
                for cell, kind in zip(row, types.values(), strict=True)
            ]
            assert actual == expected


def test_running_the_task_again_changes_nothing(worker: Any, api: Any, insert_members: Any) -> None:
    insert_members(member_rows(300, seed=15))
    export = start(api, {"report": "members", "aggregate_by": "age_count"})
    first = finished(api, export)
    row = Export.objects.get(id=export["id"])
    path = worker.exports_dir / row.file_name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    # The same message again, as a redelivery would bring it: the worker must leave the finished export alone.
    task_id = str(uuid.uuid4())
    celery_app.send_task("reporting.exports.run", args=[export["id"]], task_id=task_id)
    deadline = time.monotonic() + 60
    while f"[{task_id}] succeeded" not in worker.output():
        assert time.monotonic() < deadline, worker.output()
        time.sleep(0.05)
    line = next(line for line in worker.output().splitlines() if f"[{task_id}] succeeded" in line)
    assert json.loads(line)["message"].endswith("'skipped'")  # worker log lines are JSON (docs/operations.md)
    again = Export.objects.get(id=export["id"])
    assert (again.attempts, again.file_name, again.finished_at) == (row.attempts, row.file_name, row.finished_at)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    _, payload, _ = api.get(f"/v1/reporting/exports/{export['id']}")
    assert payload == first
    assert Export.objects.count() == 1
