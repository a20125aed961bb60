"""An export of a timeseries runs its points statement with the settings the API runs it with (the base path's
work_mem and hash_mem_multiplier, docs/performance.md "The base path too"), in the export's own transaction."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from reporting.context import Context
from reporting.exports.formats import FORMATS
from reporting.exports.rows import Column, Rows
from reporting.exports.runner import Progress, write_plan
from reporting.exports.sources import ExportPlan, Segment
from reporting.query.series import series_export_rows
from reporting.query.series_plan import BASE_SETTINGS
from reporting.query.series_request import parse_series_query
from reporting.query.sql import Fragment
from reporting.reports import all_reports
from reporting.reports.declarations import FieldType

CONTEXT = Context((235,), ("Europe/Oslo",))


def _history_rows(interval: str, end: str) -> Rows:
    report = next(r for r in all_reports() if r.name == "members_count_history")
    body = {"report": report.name, "interval": interval, "from": "2024-01-01", "to": end}
    return series_export_rows(context=CONTEXT, query=parse_series_query(body, report, context=CONTEXT))


@pytest.mark.django_db
def test_a_base_path_export_carries_the_settings_and_a_rollup_one_none() -> None:
    assert _history_rows("5m", "2024-01-01T12:00").settings == BASE_SETTINGS  # 5-minute buckets: only the events answer
    assert _history_rows("1d", "2024-01-08").settings == ()  # whole days: the daily event rollup


@pytest.mark.django_db(transaction=True)
def test_write_plan_runs_the_settings_before_the_rows(tmp_path: Path) -> None:
    columns = (Column("hash_mem_multiplier", FieldType.STRING), Column("work_mem", FieldType.STRING))
    body = Fragment(
        "SELECT current_setting('hash_mem_multiplier') AS hash_mem_multiplier, current_setting('work_mem') AS work_mem"
    )
    path = tmp_path / "out.csv"
    for settings, expected in ((BASE_SETTINGS, ["8", "16MB"]), ((), None)):
        rows = Rows(body=body, columns=columns, order_by='t."work_mem"', settings=settings)
        written = write_plan(
            plan=ExportPlan(columns=columns, segments=(Segment(rows),)),
            export_format=FORMATS["csv"],
            path=path,
            progress=Progress(),
        )
        assert written == 1
        header, values = list(csv.reader(path.read_text().splitlines()))
        assert header == ["hash_mem_multiplier", "work_mem"]
        if expected is None:  # without settings: the server's own values, not the base path's
            assert values != ["8", "16MB"]
        else:
            assert values == expected
