"""A Python client generated from the served schema runs the main flows against a live server, typed end to end.

`openapi-python-client` (a subprocess, as a consumer would run it) generates the client from `/api/schema/`; the
flows then go through its functions only: records page by page, an aggregation, metadata, field values, an export
from creation to download on a real Celery worker, and the Geo API. Every answer must come back as an instance of
a generated model class (a dict would mean the schema left the shape out). Counts are checked against the rows
inserted here, counted in Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from reporting import permits
from reporting.models import Community
from reporting.services import api_client_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

GENERATOR = str(Path(sys.executable).parent / "openapi-python-client")
PACKAGE = "clubinsight_client"
# As docs/api.md shows: the export files are bytes whatever their media type (the generator reads text/* as str).
CONFIG = f"""\
project_name_override: clubinsight-client
package_name_override: {PACKAGE}
post_hooks: []
content_type_overrides:
  text/csv: application/octet-stream
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
"""


def generate_client(schema_url: str, folder: Path) -> ModuleType:
    schema = folder / "schema.yaml"
    schema.write_bytes(httpx.get(schema_url, timeout=30).content)
    config = folder / "config.yaml"
    config.write_text(CONFIG)
    output = folder / PACKAGE
    result = subprocess.run(
        [GENERATOR, "generate", "--path", str(schema), "--output-path", str(output), "--config", str(config),
         "--meta", "none"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


def generated_classes(folder: Path) -> int:
    return sum(text.count("\nclass ") for text in (p.read_text() for p in (folder / PACKAGE).rglob("*.py")))


class ContextHeaderError(Exception):
    """470/471: the generated code cannot build an http.HTTPStatus for them, so they are raised before it runs."""

    def __init__(self, response: httpx.Response):
        response.read()
        super().__init__(f"{response.status_code}: {response.json()['error']}")
        self.status_code = response.status_code


def raise_context_errors(response: httpx.Response) -> None:
    if response.status_code in (470, 471):
        raise ContextHeaderError(response)


@pytest.fixture
def generated(live_server: Any, tmp_path: Path) -> tuple[ModuleType, Path]:
    module = generate_client(f"{live_server.url}/api/schema/", tmp_path)
    return module, tmp_path


@pytest.fixture
def token(communities: dict[int, Community]) -> str:
    _, secret = api_client_create(name="generated client", permits=list(permits.ALL), community_ids=[235, 236])
    return secret


def load(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_the_main_flows_through_a_generated_client(
    generated: tuple[ModuleType, Path], token: str, live_server: Any, insert_members: Any, worker: Any
) -> None:
    client_module, folder = generated
    genders = ["woman", "man", None, "woman", "woman", "man", None]
    insert_members(
        {"id": i + 1, "community_id": 235 if i % 3 else 236, "gender": gender} for i, gender in enumerate(genders)
    )
    models = load("models")
    api = load("api")
    for module in ("v1.query_report", "v1.get_metadata", "v1.get_field_values", "exports.create_export",
                   "exports.get_export", "exports.list_exports", "exports.download_export", "geo.list_places",
                   "geo.get_place", "geo.get_coordinates"):  # fmt: skip
        importlib.import_module(f"{api.__name__}.{module}")
    client = client_module.AuthenticatedClient(
        base_url=live_server.url,
        token=token,
        headers={"X-Customer": "235_236"},
        raise_on_unexpected_status=True,
        httpx_args={"event_hooks": {"response": [raise_context_errors]}},
    )

    # Records, two per page, to the end: every member exactly once, each a typed MembersRecord.
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        body = models.MembersQuery(report=models.MembersReportName.MEMBERS, limit=2, next_page_info=cursor)
        page = api.v1.query_report.sync(client=client, body=body)
        assert isinstance(page, models.RecordsPage)
        assert all(isinstance(record, models.MembersRecord) for record in page.records)
        seen += [record.id for record in page.records]
        cursor = page.pagination.next_page_info
        if cursor is None:
            break
    assert sorted(seen) == list(range(1, len(genders) + 1))
    assert len(seen) == len(set(seen))

    # An aggregation with a filter built from typed filter nodes: gender counts of community 235's women and men.
    leaf = models.MembersStringInList(
        type_=models.ListOperation.IN, field=models.MembersStringField.GENDER, value=["woman", "man"]
    )
    body = models.MembersQuery(report=models.MembersReportName.MEMBERS, aggregate_by=models.MembersAggregation.GENDER_COUNT,
                               filter_=models.MembersLogicalFilter(type_=models.LogicalOperation.AND, operations=[leaf]))  # fmt: skip
    page = api.v1.query_report.sync(client=client, body=body)
    assert isinstance(page, models.RecordsPage)
    rows = page.records
    assert rows
    assert all(isinstance(row, models.CommunityGenderCountRow) for row in rows)
    expected = Counter((235 if i % 3 else 236, g) for i, g in enumerate(genders) if g is not None)
    assert {(row.community_id, row.gender): row.members_count for row in rows} == expected

    # A timeseries, when the registry has them: the union answer is parsed into TimeseriesResult.
    if hasattr(models, "MemberBalanceQuery"):
        body = models.MemberBalanceQuery(
            report=models.MemberBalanceReportName.MEMBER_BALANCE,
            from_=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            to=dt.datetime(2024, 1, 8, tzinfo=dt.UTC),
        )
        series = api.v1.query_report.sync(client=client, body=body)
        assert isinstance(series, models.TimeseriesResult)
        assert all(isinstance(s, models.TimeseriesSeries) for s in series.series)

    # Metadata: the report list, one report's fields, one field's values.
    listing = api.v1.get_metadata.sync(client=client, body=models.MetadataRequest())
    assert isinstance(listing, models.ReportList)
    assert {summary.report.value for summary in listing.reports} >= {"members", "members_count"}
    metadata = api.v1.get_metadata.sync(client=client, body=models.MetadataRequest(report=models.ReportName.MEMBERS))
    assert isinstance(metadata, models.ReportMetadata)
    assert all(isinstance(field, models.FieldMetadata) for field in metadata.fields)
    assert "gender_count" in {aggregation.name for aggregation in metadata.aggregations}
    values = api.v1.get_field_values.sync(
        client=client,
        body=models.MembersFieldMetadataRequest(report=models.MembersReportName.MEMBERS,
                                                field=models.MembersFieldMetadataRequestFieldType0.GENDER),
    )  # fmt: skip
    assert isinstance(values, models.FieldValues)
    assert {v.value: v.members_count for v in values.values} == dict(Counter(genders))

    # An export from creation to download, on the worker.
    created = api.exports.create_export.sync(
        client=client,
        body=models.MembersExportRequest(report=models.MembersReportName.MEMBERS, format_=models.ExportFormat.CSV),
    )
    assert isinstance(created, models.Export)
    assert created.status == models.ExportStatus.PENDING
    deadline = time.monotonic() + 120
    export = created
    while export.status in (models.ExportStatus.PENDING, models.ExportStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        export = api.exports.get_export.sync(client=client, id=created.id)
        assert isinstance(export, models.Export)
    assert export.status == models.ExportStatus.SUCCEEDED, export
    listed = api.exports.list_exports.sync(client=client)
    assert isinstance(listed, models.ExportList)
    assert [item.id for item in listed.exports] == [created.id]
    file = api.exports.download_export.sync(client=client, id=created.id)
    assert isinstance(file, load("types").File)
    rows = list(csv.DictReader(io.StringIO(file.payload.read().decode("utf-8"))))
    assert sorted(int(row["id"]) for row in rows) == list(range(1, len(genders) + 1))

    # Geo: a page of Norwegian cities, one place, coordinates.
    places = api.geo.list_places.sync(
        client=client, body=models.PlacesRequest(country="NO", type_=models.PlaceType.CITY, limit=3)
    )
    assert isinstance(places, models.PlacesPage)
    assert len(places.records) == 3
    assert all(isinstance(place, models.Place) and place.country == "NO" for place in places.records)
    oslo = api.geo.get_place.sync(client=client, place_id="3143244")
    assert isinstance(oslo, models.Place)
    assert oslo.name == "Oslo"
    locations = api.geo.get_coordinates.sync(
        client=client, body=models.CoordinatesRequest(place_ids=["3143244", "no-such-place"])
    )
    assert isinstance(locations, models.Locations)
    assert [(loc.place_id, isinstance(loc, models.Location)) for loc in locations.locations] == [("3143244", True)]

    # The contract's own 470: raised by the response hook of docs/api.md before the generated code sees it.
    bare = client_module.AuthenticatedClient(
        base_url=live_server.url, token=token, httpx_args={"event_hooks": {"response": [raise_context_errors]}}
    )
    with pytest.raises(ContextHeaderError) as raised:
        api.v1.query_report.sync(client=bare, body=models.MembersQuery(report=models.MembersReportName.MEMBERS))
    assert raised.value.status_code == 470
    print(f"generated classes: {generated_classes(folder)}")


def test_without_the_hook_470_trips_the_generated_code(
    generated: tuple[ModuleType, Path], token: str, live_server: Any
) -> None:
    """Why docs/api.md recommends the hook: http.HTTPStatus has no 470, so the generated code raises ValueError."""
    client_module, _ = generated
    models = load("models")
    query_report = importlib.import_module(f"{PACKAGE}.api.v1.query_report")
    bare = client_module.AuthenticatedClient(base_url=live_server.url, token=token)
    with pytest.raises(ValueError, match="470"):
        query_report.sync(client=bare, body=models.MembersQuery(report=models.MembersReportName.MEMBERS))
