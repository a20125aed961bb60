"""Unit level: cell SQL of each format, the XLSX writer's sheet roll-over, the timeseries seam, task options.

These do not claim to cover exports end to end (the worker tests do); they pin down pieces in isolation.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from openpyxl.utils.escape import unescape

from reporting import permits
from reporting.exports import sources
from reporting.exports.formats import FORMATS, csv_cell_sql
from reporting.exports.runner import Progress, write_plan
from reporting.exports.sources import Column, Rows, build_plan, timeseries_rows
from reporting.exports.writers import XlsxFile, csv_header
from reporting.query.errors import InvalidParameters
from reporting.query.sql import Fragment
from reporting.reports.declarations import FieldType, Report, Source
from reporting.tasks import delete_expired, recover_stalled, run_export


def _csv_cell(value_sql: str, field_type: FieldType) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {csv_cell_sql('v', field_type)} FROM (SELECT {value_sql} AS v) AS t")
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value_sql", "field_type", "expected"),
    [
        ("'=1+1'::text", FieldType.STRING, "'=1+1"),
        ("'+47'::text", FieldType.STRING, "'+47"),
        ("'-14'::text", FieldType.ENUM, "'-14"),
        ("'@SUM(A1)'::text", FieldType.STRING, "'@SUM(A1)"),
        ("E'\\tx'::text", FieldType.STRING, "'\tx"),
        ("E'\\rx'::text", FieldType.STRING, "'\rx"),
        ("'a=b'::text", FieldType.STRING, "a=b"),
        ("''::text", FieldType.STRING, ""),
        ("NULL::text", FieldType.STRING, None),
        ("true", FieldType.BOOLEAN, "true"),
        ("false", FieldType.BOOLEAN, "false"),
        ("NULL::boolean", FieldType.BOOLEAN, None),
        ("ARRAY[1, 22]::bigint[]", FieldType.INTEGER_ARRAY, "[1,22]"),
        ("ARRAY[]::bigint[]", FieldType.INTEGER_ARRAY, "[]"),
        ("ARRAY[3, NULL]::bigint[]", FieldType.INTEGER_ARRAY, "[3,null]"),
        ("NULL::bigint[]", FieldType.INTEGER_ARRAY, None),
        ('\'{"b": [1, "=x"], "a": null}\'::jsonb', FieldType.OBJECT, '{"a": null, "b": [1, "=x"]}'),
    ],
)
def test_csv_cells(value_sql: str, field_type: FieldType, expected: str | None) -> None:
    assert _csv_cell(value_sql, field_type) == expected


def test_negative_numbers_are_not_text_cells() -> None:
    assert csv_cell_sql('t."x"', FieldType.INTEGER) == 't."x"'


def test_enums_are_tested_for_formulas_only_when_a_value_could_be_one() -> None:
    assert csv_cell_sql('t."x"', FieldType.ENUM, ("android", "ios")) == '(t."x")::text'
    assert "CASE WHEN" in csv_cell_sql('t."x"', FieldType.ENUM, ("-14", "15-19"))
    assert "CASE WHEN" in csv_cell_sql('t."x"', FieldType.ENUM, None)
    assert "CASE WHEN" in csv_cell_sql('t."x"', FieldType.STRING, ("android",))


def test_csv_header_quotes_like_postgresql() -> None:
    assert csv_header(["a", "b;c", 'd"e'], delimiter=";") == b'a;"b;c";"d""e"\n'
    assert csv_header(["a", "b;c"], delimiter=",") == b"a,b;c\n"


def test_xlsx_continues_on_new_sheets_with_a_header_each(tmp_path: Path) -> None:
    columns = [Column("n", FieldType.INTEGER), Column("label", FieldType.STRING), Column("ok", FieldType.BOOLEAN)]
    path = tmp_path / "out.xlsx"
    with XlsxFile(path, columns, sheet_max_rows=4, rows_total=11) as out:
        for n in range(1, 11):
            out.write_row((n, f"=row {n}" if n % 2 else None, n % 3 == 0))
        out.write_row((2**60, "big", None))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Export", "Export (2)", "Export (3)", "Export (4)"]
    rows = []
    for sheet in workbook.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        assert values[0] == ("n", "label", "ok")
        assert sheet["A1"].font.b, "the header is bold"
        assert len(values) <= 4
        rows += values[1:]
    expected = [(n, f"=row {n}" if n % 2 else None, n % 3 == 0) for n in range(1, 11)] + [(str(2**60), "big", None)]
    assert rows == expected
    # Text that looks like a formula stays text.
    assert workbook.worksheets[0]["B2"].data_type == "s"
    # Each sheet's dimension is exact (read-only readers rely on it).
    read_only = openpyxl.load_workbook(path, read_only=True)
    assert [sheet.calculate_dimension() for sheet in read_only.worksheets] == ["A1:C4", "A1:C4", "A1:C4", "A1:C3"]
    assert sum(len(list(sheet.iter_rows())) for sheet in read_only.worksheets) == 11 + 4


def test_xlsx_text_survives_xml(tmp_path: Path) -> None:
    texts = [
        "a & b <c> \"d\" 'e'",
        "\rcr",
        "ctl\x01\x1f",
        "_x0041_ stays",
        "tab\tand\nnewline",
        "Ærø ✓ 🚀",
        "",
        " pad ",
    ]
    long = "é" * 40_000
    path = tmp_path / "text.xlsx"
    with XlsxFile(path, [Column("t", FieldType.STRING)], sheet_max_rows=100, rows_total=len(texts) + 1) as out:
        for text in [*texts, long]:
            out.write_row((text,))
    values = [row[0] for row in openpyxl.load_workbook(path).worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert [unescape(value) for value in values[:-1]] == texts
    assert values[-1] == "é" * 32_767, "Excel's cell limit"


def test_xlsx_refuses_a_row_count_other_than_counted(tmp_path: Path) -> None:
    def write(rows: int) -> None:
        with XlsxFile(tmp_path / "x.xlsx", [Column("n", FieldType.INTEGER)], sheet_max_rows=10, rows_total=3) as out:
            for n in range(rows):
                out.write_row((n,))

    with pytest.raises(RuntimeError, match="2 rows written where 3 were counted"):
        write(2)
    assert not (tmp_path / "x.xlsx").exists()
    write(3)
    assert (tmp_path / "x.xlsx").exists()


def test_xlsx_discard_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"

    def write_then_fail() -> None:
        with XlsxFile(path, [Column("n", FieldType.INTEGER)], sheet_max_rows=10, rows_total=5) as out:
            out.write_row((1,))
            out.write_row((2,))
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert list(tmp_path.iterdir()) == []


FAKE_SERIES = Report(
    name="fake_series",
    result_type="timeseries",
    permit=permits.report_permit("MemberBalance"),
    cost=3,
    description="A stand-in timeseries report for the export seam",
    source=Source(from_sql="(SELECT 1) AS m", scope_sql="TRUE"),
    fields=(),
    order_by=(),
)


class FakeTimeseries:
    """What the timeseries work will register: validation and the rows of (bucket, labels, value)."""

    def validate(self, body: dict[str, Any], report: Report) -> None:
        if body.get("interval") not in ("1d",):
            raise InvalidParameters({"interval": [{"error": "invalid_value", "options": {}}]})

    def rows(self, body: dict[str, Any], report: Report, community_ids: Sequence[int]) -> Rows:
        ids = list(community_ids)
        return timeseries_rows(
            body=Fragment(
                'SELECT to_char(d, \'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"\') AS time_bucket, k.type AS type,'
                " (c.id * 10 + extract(day FROM d))::bigint AS value"
                " FROM unnest(%s::bigint[]) AS c(id)"
                " CROSS JOIN generate_series('2024-04-01'::timestamp, '2024-04-02', '1 day') AS d"
                " CROSS JOIN (VALUES ('in'), ('=out')) AS k(type)",
                (ids,),
            ),
            label_keys=["type"],
        )


def test_timeseries_reports_are_refused_until_registered() -> None:
    with pytest.raises(InvalidParameters) as raised:
        sources.source_for(FAKE_SERIES)
    assert raised.value.details["report"][0]["error"] == "not_allowed"


@pytest.mark.django_db(transaction=True)  # the writer opens its own REPEATABLE READ transaction
def test_timeseries_seam_exports_bucket_labels_value(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sources._SOURCES, "timeseries", FakeTimeseries())
    body = {"report": "fake_series", "interval": "1d"}
    sources.source_for(FAKE_SERIES).validate(body, FAKE_SERIES)
    with pytest.raises(InvalidParameters):
        sources.source_for(FAKE_SERIES).validate({"report": "fake_series", "interval": "5m"}, FAKE_SERIES)

    plan = build_plan(report=FAKE_SERIES, body=body, community_ids=[235, 236], tenants=False)
    progress = Progress()
    rows = write_plan(plan=plan, export_format=FORMATS["csv"], path=tmp_path / "a.csv", progress=progress)
    lines = list(csv.reader(io.StringIO((tmp_path / "a.csv").read_text())))
    assert lines[0] == ["time_bucket", "type", "value"]
    # Independent oracle: 2 communities x 2 days x 2 types, ordered by bucket then label; values summed per row.
    expected = sorted(
        [f"2024-04-0{day}T00:00:00.000+00:00", "'=out" if kind == "=out" else kind, str(cid * 10 + day)]
        for cid in (235, 236)
        for day in (1, 2)
        for kind in ("in", "=out")
    )
    assert sorted(lines[1:]) == expected
    assert [line[0] for line in lines[1:]] == sorted(line[0] for line in lines[1:])
    assert rows == progress.rows_total == progress.rows_done == 8

    tenants = build_plan(
        report=FAKE_SERIES, body=body, community_ids=[236, 235], tenants=True, community_names={235: "A", 236: "B"}
    )
    write_plan(plan=tenants, export_format=FORMATS["xlsx"], path=tmp_path / "t.xlsx", progress=Progress())
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("community_id", "community_name", "time_bucket", "type", "value")
    assert [row[:2] for row in values[1:]] == [(235, "A")] * 4 + [(236, "B")] * 4
    assert {row[4] for row in values[1:] if row[0] == 236} == {2361, 2362}


def test_tasks_are_named_late_acked_and_limited() -> None:
    assert run_export.name == "reporting.exports.run"
    assert run_export.acks_late is True
    assert run_export.reject_on_worker_lost is True
    assert run_export.soft_time_limit is not None
    assert run_export.time_limit is not None
    assert run_export.time_limit > run_export.soft_time_limit
    assert run_export.max_retries
    assert getattr(run_export, "retry_backoff", None)
    assert delete_expired.name == "reporting.exports.delete_expired"
    assert recover_stalled.name == "reporting.exports.recover_stalled"
    assert settings.CELERY_TASK_ROUTES["reporting.exports.run"] == {"queue": "exports"}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reporting.exports.delete_expired", "reporting.exports.recover_stalled"} <= scheduled


def test_export_bodies_refuse_paging_keys_and_bad_formats() -> None:
    from reporting.exports.requests import parse_export_request
    from reporting.reports import get_report

    members = get_report("members")
    assert members is not None
    with pytest.raises(InvalidParameters) as raised:
        parse_export_request({"report": "members", "limit": 10, "next_page_info": "x", "format": "pdf"}, members)
    details = raised.value.details
    assert details["limit"][0]["error"] == "unknown"
    assert details["next_page_info"][0]["error"] == "unknown"
    assert details["format"][0] == {"error": "invalid_value", "options": {"allowed": list(FORMATS)}}
    request = parse_export_request({"report": "members", "aggregate_by": "gender_count"}, members)
    assert request.format == "csv"
    assert json.dumps(request.query, sort_keys=True) == '{"aggregate_by": "gender_count", "report": "members"}'
