"""Validation errors with stable codes and a ``details`` tree that mirrors the request body."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

REQUIRED = "required"
UNKNOWN = "unknown"
NOT_FILTERABLE = "not_filterable"
INVALID_TYPE = "invalid_type"
INVALID_VALUE = "invalid_value"
NOT_ALLOWED = "not_allowed"
TOO_DEEP = "too_deep"
TOO_MANY = "too_many"
INVALID_CURSOR = "invalid_cursor"
TOO_MANY_TIME_POINTS = "too_many_time_points"

Path = Sequence[str | int]


class InvalidParameters(Exception):
    """Raised with a complete details tree; the API answers 422 ``Invalid parameters``."""

    def __init__(self, details: dict[str, Any]):
        super().__init__("Invalid parameters")
        self.details = details


class ErrorTree:
    """Collects errors at paths of the request body; array indexes become string keys."""

    def __init__(self) -> None:
        self.details: dict[str, Any] = {}

    def add(self, path: Path, code: str, **options: Any) -> None:
        if not path:
            path = ("non_field_errors",)
        node = self.details
        *parents, leaf = [_printable_key(part) for part in path]
        for part in parents:
            child = node.setdefault(part, {})
            if isinstance(child, list):  # an error on a parent already: keep both under the parent's key
                child = node[part] = {"non_field_errors": child}
            node = child
        existing = node.get(leaf)
        entry = {"error": code, "options": options}
        if isinstance(existing, dict):
            existing.setdefault("non_field_errors", []).append(entry)
        else:
            node.setdefault(leaf, []).append(entry)

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self) -> None:
        if self.details:
            raise InvalidParameters(self.details)


def _printable_key(part: str | int) -> str:
    """A body key as a details key. A key with a lone surrogate (JSON allows ``"\\ud800"``) cannot be written
    as UTF-8, so the answer names it with U+FFFD in that place instead of failing to render."""
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in str(part))


def invalid(path: Path, code: str, **options: Any) -> InvalidParameters:
    """A single-error InvalidParameters, for checks that cannot go on after failing."""
    errors = ErrorTree()
    errors.add(path, code, **options)
    return InvalidParameters(errors.details)
