"""Unit level: cell SQL of each format, the XLSX writer's sheet roll-over, every result type exportable, task options.

These do not claim to cover exports end to end (the worker tests do); they pin down pieces in isolation.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from openpyxl.utils.escape import unescape

from reporting.context import Context
from reporting.exports.formats import FORMATS, csv_cell_sql
from reporting.exports.sources import Column
from reporting.exports.writers import XlsxFile, csv_header
from reporting.query.errors import InvalidParameters
from reporting.reports.declarations import FieldType
from reporting.tasks import delete_expired, recover_stalled, run_export

CONTEXT = Context((235,), ("Europe/Oslo",))


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


def test_every_result_type_can_be_exported() -> None:
    from reporting.reports import all_reports
    from reporting.results import RESULT_TYPES

    assert {report.result_type for report in all_reports()} == set(RESULT_TYPES) == {"records", "timeseries"}


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
        parse_export_request(
            {"report": "members", "limit": 10, "next_page_info": "x", "format": "pdf"}, members, context=CONTEXT
        )
    details = raised.value.details
    assert details["limit"][0]["error"] == "unknown"
    assert details["next_page_info"][0]["error"] == "unknown"
    assert details["format"][0] == {"error": "invalid_value", "options": {"allowed": list(FORMATS)}}
    request = parse_export_request({"report": "members", "aggregate_by": "gender_count"}, members, context=CONTEXT)
    assert request.format == "csv"
    assert json.dumps(request.query, sort_keys=True) == '{"aggregate_by": "gender_count", "report": "members"}'
