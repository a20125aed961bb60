"""Typed filter nodes -> one parameterised SQL condition over the report's source alias ``m``.

The SQL text comes only from the report declaration and the constant templates below (a closed table per
operation); every user value, dotted key included, travels as a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from reporting.query.filters import COMPARISON_OPS, Condition, Logical, Node
from reporting.query.sql import Fragment, all_of, any_of, negate
from reporting.reports.declarations import FieldType

_CASTS = {
    FieldType.INTEGER: "bigint",
    FieldType.INTEGER_ARRAY: "bigint",
    FieldType.STRING: "text",
    FieldType.ENUM: "text",
    FieldType.BOOLEAN: "boolean",
    FieldType.TIMESTAMP: "timestamptz",
}
_SYMBOLS = {"greater_than": ">", "greater_or_equal_to": ">=", "less_than": "<", "less_or_equal_to": "<="}
# Every placeholder is parenthesised before its cast: bound client-side, -9223372036854775808::bigint would
# read as -(9223372036854775808::bigint) and overflow.


def compile_filter(node: Node | None) -> Fragment:
    """SQL for a validated filter tree; no filter matches everything the context allows."""
    if node is None:
        return Fragment("TRUE")
    if isinstance(node, Logical):
        children = [compile_filter(child) for child in node.operations]
        return all_of(children) if node.op == "and" else any_of(children)
    return _COMPILERS[node.ref.kind](node)


def _split(values: tuple[Any, ...]) -> tuple[list[Any], bool]:
    return [v for v in values if v is not None], any(v is None for v in values)


def _scalar(cond: Condition) -> Fragment:
    field = cond.ref.field
    expr, cast = field.sql, _CASTS[field.type]
    is_null = Fragment(f"{expr} IS NULL")
    if cond.op == "equal":
        return is_null if cond.value is None else Fragment(f"{expr} = (%s)::{cast}", (cond.value,))
    if cond.op == "not_equal":
        if cond.value is None:
            return Fragment(f"{expr} IS NOT NULL")
        differs = Fragment(f"{expr} <> (%s)::{cast}", (cond.value,))
        return any_of([differs, is_null]) if field.nullable else differs
    if cond.op in COMPARISON_OPS:
        return Fragment(f"{expr} {_SYMBOLS[cond.op]} (%s)::{cast}", (cond.value,))
    values, has_null = _split(cond.value)
    if cond.op == "in":
        parts = [Fragment(f"{expr} = ANY((%s)::{cast}[])", (values,))] if values else []
        return any_of(parts + ([is_null] if has_null else []))
    # not_in: none of the values, and rows where the field is null unless null is one of them
    parts = [Fragment(f"{expr} <> ALL((%s)::{cast}[])", (values,))] if values else []
    if has_null:
        return all_of([Fragment(f"{expr} IS NOT NULL"), *parts])
    return any_of([*parts, is_null]) if field.nullable else all_of(parts)


def _array(cond: Condition) -> Fragment:
    """Array fields: equal = contains, in = shares any element; their negations likewise."""
    expr = cond.ref.field.sql
    if cond.op in ("equal", "not_equal"):
        if cond.value is None:
            match = Fragment(f"{expr} IS NULL")
        else:
            match = Fragment(f"{expr} @> (%s)::bigint[]", ([cond.value],))
        return match if cond.op == "equal" else negate(match)
    values, has_null = _split(cond.value)
    parts = [Fragment(f"{expr} && (%s)::bigint[]", (values,))] if values else []
    match = any_of(parts + ([Fragment(f"{expr} IS NULL")] if has_null else []))
    return match if cond.op == "in" else negate(match)


def _keyed(matcher: Callable[[str, str, Any], Fragment]) -> Callable[[Condition], Fragment]:
    """Equality-style operations over one object key, built from a two-valued ``matcher(expr, key, value)``."""

    def compile_condition(cond: Condition) -> Fragment:
        expr, key = cond.ref.field.sql, cond.ref.key
        assert key is not None
        if cond.op in COMPARISON_OPS:
            return _property_comparison(expr, key, cond.op, cond.value)
        values = (cond.value,) if cond.op in ("equal", "not_equal") else cond.value
        match = any_of([matcher(expr, key, value) for value in values])
        return match if cond.op in ("equal", "in") else negate(match)

    return compile_condition


def _consent_matcher(expr: str, key: str, value: Any) -> Fragment:
    if value is None:
        return Fragment(f"jsonb_typeof({expr} -> %s) IS DISTINCT FROM 'boolean'", (key,))
    return Fragment(f"{expr} @> (%s)::jsonb", (json.dumps({key: value}),))


def _property_matcher(expr: str, key: str, value: Any) -> Fragment:
    if value is None:
        return Fragment(f"COALESCE(jsonb_typeof({expr} -> %s), 'null') = 'null'", (key,))
    # Equal to a scalar, or an array holding it; both forms can use the jsonb_path_ops index.
    return Fragment(
        f"({expr} @> (%s)::jsonb OR {expr} @> (%s)::jsonb)",
        (json.dumps({key: value}), json.dumps({key: [value]})),
    )


def _property_comparison(expr: str, key: str, op: str, value: Any) -> Fragment:
    symbol = _SYMBOLS[op]
    if isinstance(value, int | float):
        return Fragment(
            f"(CASE WHEN jsonb_typeof({expr} -> %s) = 'number' THEN ({expr} -> %s)::numeric END)"
            f" {symbol} (%s)::numeric",
            (key, key, value),
        )
    return Fragment(f"reporting_try_timestamptz({expr} ->> %s) {symbol} (%s)::timestamptz", (key, value))


_COMPILERS: dict[str, Callable[[Condition], Fragment]] = {
    "scalar": _scalar,
    "array": _array,
    "consent": _keyed(_consent_matcher),
    "property": _keyed(_property_matcher),
}
