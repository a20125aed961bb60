"""Every kind of declared column, with the values that break naive JSON writing, says the same in a records page
written by PostgreSQL (``Plan.rendered``) as in the dict path (psycopg's loaders, then orjson)."""

from __future__ import annotations

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


def _records(plan: Plan, statement: Fragment) -> list[dict[str, Any]]:
    names, rows = selectors.fetch_tuples(statement)
    return selectors.shape_tuples(plan, names, rows)


def test_every_kind_of_value_reads_back_as_the_dict_path_sends_it() -> None:
    plan = _plan()
    page = plan.page(after=None, limit=10)
    expected = orjson.loads(orjson.dumps(_records(plan, page)))

    names, rows = selectors.fetch_tuples(plan.rendered(page))
    rendered = [orjson.loads(row[names.index("_record")]) for row in rows]

    assert rendered == expected
    assert [row[names.index("k")] for row in rows] == [0, 1, 2]  # the sort key rides along, raw
    assert list(rendered[0]) == list(COLUMNS)
    assert rendered[0]["a string"] == 'quote " and \\ backslash'
    assert rendered[1]["a string"] == "tab\tnew\nline\rcr\x01\x1f"
    assert rendered[2]["an integer array"] == [1, None]
    assert rendered[2]["a boolean"] is None
    assert rendered[1]["a boolean"] is False


def test_no_columns_is_an_empty_object() -> None:
    plan = Plan(body=Fragment("SELECT 1 AS k"), columns=(), column_types=(), sort_keys=(SortKey("k"),))
    names, rows = selectors.fetch_tuples(plan.rendered(plan.page(after=None, limit=2)))
    assert [orjson.loads(row[names.index("_record")]) for row in rows] == [{}]
