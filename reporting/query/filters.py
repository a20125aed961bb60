"""The filter language of reporting-api.md §4a: JSON tree -> typed nodes, validated against a report.

Everything is rejected, nothing skipped: an unknown field, an empty ``operations``, a wrong value type or an
extra key is an error at its path. The typed tree is what the compiler turns into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reporting.conf import reporting_setting
from reporting.query import errors
from reporting.query.errors import ErrorTree, Path
from reporting.query.values import (
    KEY_PATTERN,
    ValueIssue,
    check_boolean,
    check_field_value,
    check_number,
    check_scalar_json,
    parse_timestamp,
)
from reporting.reports.declarations import Field, FieldType, KeyedKind, Report

LOGICAL_OPS = ("and", "or")
EQUALITY_OPS = ("equal", "not_equal")
COMPARISON_OPS = ("greater_than", "greater_or_equal_to", "less_than", "less_or_equal_to")
LIST_OPS = ("in", "not_in")
LEAF_OPS = EQUALITY_OPS + COMPARISON_OPS + LIST_OPS
ALL_OPS = LOGICAL_OPS + LEAF_OPS


@dataclass(frozen=True)
class FieldRef:
    """A filterable field, or one key of an object field (``consents.x``, ``properties.x``)."""

    field: Field
    key: str | None = None

    @property
    def name(self) -> str:
        return f"{self.field.name}.{self.key}" if self.key is not None else self.field.name

    @property
    def kind(self) -> str:
        if self.key is not None:
            return "consent" if self.field.keyed is KeyedKind.BOOLEAN else "property"
        return "array" if self.field.type is FieldType.INTEGER_ARRAY else "scalar"


@dataclass(frozen=True)
class Condition:
    op: str
    ref: FieldRef
    value: Any  # a checked scalar, None, or for in/not_in a tuple of those


@dataclass(frozen=True)
class Logical:
    op: str
    operations: tuple[Node, ...]


Node = Condition | Logical


def parse_filter(raw: Any, report: Report, errors_: ErrorTree, path: Path = ("filter",)) -> Node | None:
    """Parse and validate ``raw``; errors go to ``errors_`` and the result is None when any were found."""
    if raw is None:
        return None
    parser = _Parser(report, errors_)
    node = parser.node(raw, tuple(path), depth=1)
    if parser.count > parser.max_nodes:
        errors_.add(path, errors.TOO_MANY, max_nodes=parser.max_nodes)
    return None if errors_ else node


def count_logical_nodes(raw: Any) -> tuple[int, int]:
    """(and nodes, or nodes) of a raw filter, bounded so that a hostile body costs nothing to count."""
    ands = ors = seen = 0
    stack = [raw]
    limit = reporting_setting("MAX_FILTER_NODES") + 1
    while stack and seen < limit:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            kind = node.get("type")
            if kind in LOGICAL_OPS and isinstance(node.get("operations"), list):
                ands += kind == "and"
                ors += kind == "or"
                stack.extend(node["operations"][:limit])
    return ands, ors


def resolve_field(report: Report, name: Any, *, whole_objects: bool = False) -> FieldRef | ValueIssue:
    """The field a filter names, or the issue with naming it.

    ``whole_objects`` also accepts ``consents``/``properties`` themselves (field metadata lists their keys).
    """
    if not isinstance(name, str):
        return ValueIssue(errors.INVALID_TYPE, expected="string")
    field = report.get_field(name)
    if field is not None:
        if field.filterable or (whole_objects and field.keyed is not None):
            return FieldRef(field)
        return ValueIssue(errors.NOT_FILTERABLE)
    base, dot, key = name.partition(".")
    field = report.get_field(base)
    if not dot or field is None or field.keyed is None:
        return ValueIssue(errors.UNKNOWN)
    if not KEY_PATTERN.match(key):
        return ValueIssue(errors.INVALID_VALUE, pattern=KEY_PATTERN.pattern)
    return FieldRef(field, key)


class _Parser:
    def __init__(self, report: Report, errors_: ErrorTree):
        self.report = report
        self.errors = errors_
        self.count = 0
        self.max_nodes: int = reporting_setting("MAX_FILTER_NODES")
        self.max_depth: int = reporting_setting("MAX_FILTER_DEPTH")
        self.max_values: int = reporting_setting("MAX_IN_VALUES")

    def node(self, raw: Any, path: tuple[str | int, ...], depth: int) -> Node | None:
        self.count += 1
        if self.count > self.max_nodes:
            return None
        if not isinstance(raw, dict):
            self.errors.add(path, errors.INVALID_TYPE, expected="object")
            return None
        if depth > self.max_depth:
            self.errors.add(path, errors.TOO_DEEP, max_depth=self.max_depth)
            return None
        kind = raw.get("type")
        if "type" not in raw:
            self.errors.add((*path, "type"), errors.REQUIRED)
            return None
        if not isinstance(kind, str):
            self.errors.add((*path, "type"), errors.INVALID_TYPE, expected="string")
            return None
        if kind not in ALL_OPS:
            self.errors.add((*path, "type"), errors.INVALID_VALUE, allowed=list(ALL_OPS))
            return None
        if kind in LOGICAL_OPS:
            return self.logical(kind, raw, path, depth)
        return self.leaf(kind, raw, path)

    def logical(self, kind: str, raw: dict[str, Any], path: tuple[str | int, ...], depth: int) -> Node | None:
        self._extra_keys(raw, {"type", "operations"}, path)
        if "operations" not in raw:
            self.errors.add((*path, "operations"), errors.REQUIRED)
            return None
        operations = raw["operations"]
        if not isinstance(operations, list):
            self.errors.add((*path, "operations"), errors.INVALID_TYPE, expected="array")
            return None
        if not operations:  # an empty OR must never become "match everything"
            self.errors.add((*path, "operations"), errors.INVALID_VALUE, min_items=1)
            return None
        children = []
        for index, child in enumerate(operations):
            parsed = self.node(child, (*path, "operations", index), depth + 1)
            if self.count > self.max_nodes:
                return None
            if parsed is not None:
                children.append(parsed)
        return Logical(kind, tuple(children))

    def leaf(self, op: str, raw: dict[str, Any], path: tuple[str | int, ...]) -> Node | None:
        self._extra_keys(raw, {"type", "field", "value"}, path)
        ok = True
        for key in ("field", "value"):
            if key not in raw:
                self.errors.add((*path, key), errors.REQUIRED)
                ok = False
        if "field" not in raw:
            return None
        ref = resolve_field(self.report, raw["field"])
        if isinstance(ref, ValueIssue):
            self.errors.add((*path, "field"), ref.code, **ref.options)
            return None
        if not self._op_allowed(op, ref):
            self.errors.add((*path, "type"), errors.NOT_ALLOWED, field=ref.name, allowed=allowed_ops(ref))
            return None
        if not ok:
            return None
        value = self._value(op, ref, raw["value"], (*path, "value"))
        return None if value is _INVALID else Condition(op, ref, value)

    def _op_allowed(self, op: str, ref: FieldRef) -> bool:
        return op in allowed_ops(ref)

    def _value(self, op: str, ref: FieldRef, raw: Any, path: tuple[str | int, ...]) -> Any:
        if op in LIST_OPS:
            if not isinstance(raw, list):
                self.errors.add(path, errors.INVALID_TYPE, expected="array")
                return _INVALID
            if not raw:
                self.errors.add(path, errors.INVALID_VALUE, min_items=1)
                return _INVALID
            if len(raw) > self.max_values:
                self.errors.add(path, errors.TOO_MANY, max_items=self.max_values)
                return _INVALID
            items = [self._scalar(op, ref, item, (*path, index)) for index, item in enumerate(raw)]
            return _INVALID if any(item is _INVALID for item in items) else tuple(items)
        return self._scalar(op, ref, raw, path)

    def _scalar(self, op: str, ref: FieldRef, raw: Any, path: tuple[str | int, ...]) -> Any:
        if raw is None:
            if op in COMPARISON_OPS:
                self.errors.add(path, errors.INVALID_TYPE, expected="number or timestamp")
                return _INVALID
            return None
        try:
            if ref.kind == "consent":
                return check_boolean(raw)
            if ref.kind == "property":
                if op in COMPARISON_OPS:
                    return check_number(raw) if not isinstance(raw, str) else parse_timestamp(raw)
                return check_scalar_json(raw)
            return check_field_value(ref.field, raw)
        except ValueIssue as issue:
            self.errors.add(path, issue.code, **issue.options)
            return _INVALID

    def _extra_keys(self, raw: dict[str, Any], allowed: set[str], path: tuple[str | int, ...]) -> None:
        for key in raw:
            if key not in allowed:
                self.errors.add((*path, str(key)), errors.UNKNOWN)


def allowed_ops(ref: FieldRef) -> list[str]:
    """The leaf operations a field accepts: comparisons only for numbers, timestamps and dynamic keys."""
    if ref.kind == "property" or (ref.kind == "scalar" and ref.field.comparable):
        return list(LEAF_OPS)
    return list(EQUALITY_OPS + LIST_OPS)


class _Invalid:
    def __repr__(self) -> str:
        return "<invalid>"


_INVALID: Any = _Invalid()
