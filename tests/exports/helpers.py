"""Shared by the export tests: synthetic members with awkward values, and an independent oracle that turns the
query API's JSON records into the cells an export must hold."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections.abc import Callable, Iterable
from typing import Any

import openpyxl
from openpyxl.utils.escape import unescape

from reporting.reports import get_report

AWKWARD_TEXT = [
    "plain", "with,comma", 'with "quotes"', "multi\nline", "semi;colon", "Ærø ✓ 🚀", "", "=1+1", "+47 123",
    "-minus", "@handle", "\ttab", "\rcarriage", " space first", "'already quoted", "=HYPERLINK(\"http://x\")",
]  # fmt: skip
GENDERS = ["woman", "man", "other", None, "=cmd|' /C calc'!A0", ""]
AGES = ["-14", "15-19", "20-24", "35-39", "80-", None]
PLATFORMS = ["android", "ios", "website", "webforms", "other"]
INTERESTS = ["swimming", "cars", "=evil", "dietary_and_nutrition", "Ærø"]


def member_rows(count: int, *, seed: int, community_ids: Iterable[int] = (235, 236, 240)) -> list[dict[str, Any]]:
    """Deterministic members covering nulls, empty strings, formula-like text, unicode, arrays and objects."""
    rng = random.Random(seed)
    communities = list(community_ids)
    rows = []
    for index in range(1, count + 1):
        created = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            seconds=rng.randrange(10**8), microseconds=rng.randrange(10**6)
        )
        properties: dict[str, Any] = {"bonus_points": rng.randrange(-5, 500), "note": rng.choice(AWKWARD_TEXT)}
        if rng.random() < 0.7:
            properties["interests"] = rng.sample(INTERESTS, rng.randrange(0, 4))
        if rng.random() < 0.2:
            properties["nested"] = {"a": [1, {"b": None}], "c": rng.random() < 0.5}
        consents = {
            key: rng.random() < 0.5
            for key in ("sms_marketing", "email_marketing", "dmp_profiling")
            if rng.random() < 0.8
        }
        sms = rng.random() < 0.4
        email = rng.random() < 0.4
        rows.append(
            {
                "id": 1000 + index,
                "community_id": communities[index % len(communities)],
                "optin_channel": rng.choice([*AWKWARD_TEXT, None]),
                "optin_subchannel": rng.choice(["2242", None, "", "-x"]),
                "optin_platform": rng.choice(PLATFORMS),
                "gender": rng.choice(GENDERS),
                "age": rng.choice(AGES),
                "birth_year_group": rng.choice([1960, 1985, 2000, None]),
                "subunit_ids": rng.sample(range(1, 9), rng.randrange(0, 3)),
                "group_ids": rng.sample(range(100, 130), rng.randrange(0, 5)),
                "favorite_stores": rng.sample(range(1, 50), rng.randrange(0, 3)),
                "properties": properties,
                "consents": consents,
                "marketing_via_sms": sms,
                "marketing_via_email": email,
                "marketing_via_push": False,
                "marketing_via_anything": sms or email,
                "sms_status": rng.choice(["disabled", "enabled", "verified"]),
                "email_status": rng.choice(["disabled", "verified", "hard_bounced"]),
                "push_devices": rng.randrange(0, 3),
                "msisdn_country": rng.choice(["NO", "SE", None]),
                "location_country": rng.choice(["NO", "SE", "DK", None]),
                "city_place_id": rng.choice(["3143244", "2673730", None, "=1"]),
                "place_id": rng.choice(["3143244", "2673730", "NO", None]),
                "created_at": created,
                "updated_at": created + dt.timedelta(days=rng.randrange(0, 400)),
            }
        )
    return rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def column_types(report_name: str, aggregate_by: str | None) -> dict[str, str]:
    """Column -> declared type, read from the declaration (what the API's metadata also says)."""
    report = get_report(report_name)
    assert report is not None
    if aggregate_by is None:
        return {field.name: field.type.value for field in report.fields}
    aggregation = report.get_aggregation(aggregate_by)
    assert aggregation is not None
    return {name: kind.value for name, kind in aggregation.output_fields}


def expected_csv_cell(value: Any, kind: str) -> Any:
    """The cell of §8's CSV rules for one API value (JSON columns compared as parsed JSON)."""
    if value is None:
        return ""
    if kind in ("array[integer]", "object"):
        return value  # compared after json.loads of the cell
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) and kind in ("string", "enum") else value
    return str(value)


def parse_csv(data: bytes, *, delimiter: str = ",", bom: bool = False) -> list[list[str]]:
    text = data.decode("utf-8")
    if bom:
        assert text.startswith("\ufeff")
        text = text[1:]
    else:
        assert not text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def csv_matches_records(
    data: bytes,
    records: list[dict[str, Any]],
    types: dict[str, str],
    *,
    delimiter: str = ",",
    bom: bool = False,
    prefix: Callable[[dict[str, Any]], list[Any]] | None = None,
    header: list[str] | None = None,
) -> None:
    """Assert the CSV holds exactly ``records`` (in order) under §8's rules; JSON cells compared parsed."""
    lines = parse_csv(data, delimiter=delimiter, bom=bom)
    columns = header or list(types)
    assert lines[0] == columns
    assert len(lines) - 1 == len(records)
    for line, record in zip(lines[1:], records, strict=True):
        expected_line = []
        for name in columns:
            value = record[name]
            expected_line.append(expected_csv_cell(value, types.get(name, "string")))
        actual = [
            json.loads(cell) if types.get(name) in ("array[integer]", "object") else cell
            for name, cell in zip(columns, line, strict=True)
        ]
        assert actual == expected_line, (line, record)


def xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    """Every row of every sheet (headers after the first sheet's dropped), text decoded as Excel reads it."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    rows: list[tuple[Any, ...]] = []
    for index, sheet in enumerate(workbook.worksheets):
        # OOXML writes control characters as _xHHHH_ escapes; openpyxl leaves inline strings escaped.
        values = [
            tuple(unescape(value) if isinstance(value, str) else value for value in row)
            for row in sheet.iter_rows(values_only=True)
        ]
        rows += values if index == 0 else values[1:]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", f"a formula cell at {sheet.title}!{cell.coordinate}"
    return rows
