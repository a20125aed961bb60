"""Every kind of declared column, with the values that break naive JSON writing, says the same in the API's records
(objects kept as PostgreSQL's JSON text, ``objects_as_json``) as in the dict path (objects decoded, then orjson)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from reporting import selectors
from reporting.query.plan import Plan, SortKey
from reporting.query.sql import Fragment
from reporting.reports.declarations import FieldType

pytestmark = pytest.mark.django_db

# name -> (declared type, one SQL expression per row)
COLUMNS: dict[str, tuple[FieldType, list[str]]] = {
    "an integer": (FieldType.INTEGER, ["9223372036854775807", "-1", "NULL::bigint"]),
    "a small integer": (FieldType.INTEGER, ["(-32768)::int2", "NULL::int2", "0::int2"]),
    "a boolean": (FieldType.BOOLEAN, ["true", "false", "NULL::boolean"]),
    "a string": (FieldType.STRING, ["'quote \" and \\ backslash'", "E'tab\\tnew\\nline\\rcr\\x01\\x1f'", "NULL::text"]),
    "an enum": (FieldType.ENUM, ["'ünïcødé ✓ 𝄞'", "''", "'%s %(x)s %% '' apostrophe'"]),
    "a timestamp": (FieldType.TIMESTAMP, ["'2024-01-01T10:00:00.500000Z'", "NULL::text", "'x'"]),
    "an integer array": (FieldType.INTEGER_ARRAY, ["ARRAY[1, -2, 3]::int8[]", "ARRAY[]::int8[]", "ARRAY[1, NULL]"]),
    "an object": (
        FieldType.OBJECT,
        ["""'{"a": [1, "x\\"y"], "b": null, "c": {"d": 1.5e3}}'::jsonb""", "'{}'::jsonb", "NULL::jsonb"],
    ),
}


def _plan() -> Plan:
    rows = []
    for index in range(3):
        values = [f'{exprs[index]} AS "{name.replace(chr(34), chr(34) * 2)}"' for name, (_, exprs) in COLUMNS.items()]
        rows.append(f"SELECT {', '.join(values)}, {index} AS k")
    body = Fragment(" UNION ALL ".join(f"({row})" for row in rows).replace("%", "%%"))
    return Plan(
        body=body,
        columns=tuple(COLUMNS),
        column_types=tuple(kind for kind, _ in COLUMNS.values()),
        sort_keys=(SortKey("k"),),
    )


def _sent(plan: Plan, objects_as_json: bool) -> list[dict[str, Any]]:
    """The page as a client reads it after orjson wrote it."""
    names, rows = selectors.fetch_tuples(plan.page(after=None, limit=10))
    return orjson.loads(orjson.dumps(selectors.shape_tuples(plan, names, rows, objects_as_json=objects_as_json)))


def test_every_kind_of_value_reads_back_as_the_dict_path_sends_it() -> None:
    plan = _plan()
    expected = _sent(plan, objects_as_json=False)

    rendered = _sent(plan, objects_as_json=True)

    assert rendered == expected
    assert list(rendered[0]) == list(COLUMNS)
    assert rendered[0]["an object"] == {"a": [1, 'x"y'], "b": None, "c": {"d": 1500.0}}
    assert rendered[1]["an object"] == {}
    assert rendered[2]["an object"] is None
    assert rendered[0]["a string"] == 'quote " and \\ backslash'
    assert rendered[1]["a string"] == "tab\tnew\nline\rcr\x01\x1f"
    assert rendered[2]["an integer array"] == [1, None]
    assert rendered[2]["a boolean"] is None
    assert rendered[1]["a boolean"] is False


def test_objects_are_written_as_postgresql_wrote_them() -> None:
    plan = _plan()
    names, rows = selectors.fetch_tuples(plan.page(after=None, limit=10))
    records = selectors.shape_tuples(plan, names, rows, objects_as_json=True)
    written = orjson.dumps(records[0]["an object"])
    assert written == rows[0][names.index("an object")].encode()  # not decoded and encoded again


@pytest.mark.parametrize("objects_as_json", [False, True])
def test_columns_declared_in_another_order_than_selected_are_taken_by_name(objects_as_json: bool) -> None:
    plan = _plan()
    names, rows = selectors.fetch_tuples(plan.page(after=None, limit=10))
    reordered = Plan(
        body=plan.body,
        columns=tuple(reversed(plan.columns)),
        column_types=tuple(reversed(plan.column_types)),
        sort_keys=plan.sort_keys,
    )

    records = orjson.loads(
        orjson.dumps(selectors.shape_tuples(reordered, names, rows, objects_as_json=objects_as_json))
    )

    expected = [
        {
            name: json.loads(row[names.index(name)])
            if kind is FieldType.OBJECT and row[names.index(name)]
            else row[names.index(name)]
            for name, (kind, _) in reversed(COLUMNS.items())
        }
        for row in rows
    ]
    assert [list(record) for record in records] == [list(reversed(COLUMNS))] * len(rows)
    assert records == json.loads(json.dumps(expected))
