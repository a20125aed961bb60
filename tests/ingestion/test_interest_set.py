"""reporting_interest_set as PL/pgSQL (migration 0053) answers exactly as the SQL function it replaced, on random
documents: missing, non-array and empty interests, nulls, duplicates, numbers, nested values and any text."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PREVIOUS = importlib.import_module("reporting.migrations.0053_interest_set_plpgsql").PREVIOUS
BEFORE = PREVIOUS.replace(
    "CREATE OR REPLACE FUNCTION reporting_interest_set(", "CREATE OR REPLACE FUNCTION pg_temp.interest_set_before("
)

# jsonb holds no NUL character and no lone surrogate
_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=6)
_few = st.sampled_from(["a", "B", "b", "é", "Z", "10", "9", "", " a"])
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False), _text, _few
)
_value = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_few, inner, max_size=2), max_leaves=4
)
_interests = st.one_of(
    st.lists(st.one_of(_few, _few, st.none(), _value), max_size=5),
    _value,
)
_document = st.one_of(
    st.fixed_dictionaries({"interests": _interests}, optional={"other": _value}),
    st.dictionaries(_few, _value, max_size=2),
    _value,
)


def _both(documents: list[Any]) -> list[tuple[Any, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(BEFORE)
        cursor.execute(
            "SELECT reporting_interest_set(d), pg_temp.interest_set_before(d)"
            " FROM unnest(%s::jsonb[]) WITH ORDINALITY AS t(d, n) ORDER BY n",
            [[None if doc is None else json.dumps(doc) for doc in documents]],
        )
        return cursor.fetchall()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_document, min_size=1, max_size=20))
def test_same_answer_as_the_sql_function(documents: list[Any]) -> None:
    for after, before in _both(documents):
        assert after == before


def test_the_cases_by_hand() -> None:
    documents: list[Any] = [
        None,
        {},
        {"interests": None},
        {"interests": "golf"},
        {"interests": []},
        {"interests": ["golf"]},
        {"interests": ["b", "a"]},
        {"interests": ["a", "a"]},
        {"interests": [None, "a"]},
        {"interests": [None, None]},
        {"interests": ["c", None, "a", "c", 2]},
        [1, 2],
    ]
    expected: list[list[str | None]] = [
        [],
        [],
        [],
        [],
        [],
        ["golf"],
        ["a", "b"],
        ["a"],
        ["a", None],
        [None],
        ["2", "a", "c", None],
        [],
    ]
    rows = _both(documents)
    assert [after for after, _ in rows] == expected
    assert [before for _, before in rows] == expected
