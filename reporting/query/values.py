"""Checking JSON values against field types. Each checker returns the value for SQL or raises ValueIssue."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from reporting.query import errors
from reporting.reports.declarations import Field, FieldType

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
MAX_STRING_LENGTH = 1000
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ValueIssue(Exception):
    def __init__(self, code: str, **options: Any):
        super().__init__(code)
        self.code = code
        self.options = options


def check_integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueIssue(errors.INVALID_TYPE, expected="integer")
    if not BIGINT_MIN <= value <= BIGINT_MAX:
        raise ValueIssue(errors.INVALID_VALUE, min=BIGINT_MIN, max=BIGINT_MAX)
    return value


def check_string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueIssue(errors.INVALID_TYPE, expected="string")
    if len(value) > MAX_STRING_LENGTH:
        raise ValueIssue(errors.INVALID_VALUE, max_length=MAX_STRING_LENGTH)
    if "\x00" in value:  # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database
        raise ValueIssue(errors.INVALID_VALUE, reason="contains NUL character")
    if not is_unicode_text(value):
        raise ValueIssue(errors.INVALID_VALUE, reason="not valid Unicode text")
    return value


def is_unicode_text(value: str) -> bool:
    """False for strings holding lone surrogates: JSON's ``"\\ud800"`` parses to one, but no UTF-8 encodes it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueIssue(errors.INVALID_TYPE, expected="boolean")
    return value


def parse_timestamp(value: Any) -> dt.datetime:
    """ISO 8601; without an offset it is UTC, a plain date is its midnight UTC (reporting-api.md §1)."""
    if not isinstance(value, str):
        raise ValueIssue(errors.INVALID_TYPE, expected="timestamp")
    text = value.strip()
    try:
        if _DATE_ONLY.match(text):
            parsed = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueIssue(errors.INVALID_VALUE, expected="ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        # 0001-01-01T00:00+01:00 is a valid instant that Python cannot hold in UTC; PostgreSQL reads it as given.
        return parsed


def check_number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueIssue(errors.INVALID_TYPE, expected="number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueIssue(errors.INVALID_VALUE, reason="not a finite number")
    return value


def check_scalar_json(value: Any) -> Any:
    """Any JSON scalar for a dynamic object key (``properties.x``)."""
    if isinstance(value, str):
        return check_string(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = check_number(value)
        # A whole number is one whether written 10 or 10.0 (JSON Schema's integer, which the OpenAPI schema bounds).
        whole = isinstance(number, int) or number.is_integer()
        if whole and not BIGINT_MIN <= number <= BIGINT_MAX:
            raise ValueIssue(errors.INVALID_VALUE, min=BIGINT_MIN, max=BIGINT_MAX)
        return number
    raise ValueIssue(errors.INVALID_TYPE, expected="string, number or boolean")


def check_field_value(field: Field, value: Any) -> Any:
    """A non-null value of ``field``'s element type (array fields take one element)."""
    match field.type:
        case FieldType.INTEGER | FieldType.INTEGER_ARRAY:
            return check_integer(value)
        case FieldType.STRING:
            return check_string(value)
        case FieldType.ENUM:
            text = check_string(value)
            assert field.values is not None
            if text not in field.values:
                raise ValueIssue(errors.INVALID_VALUE, allowed=list(field.values))
            return text
        case FieldType.BOOLEAN:
            return check_boolean(value)
        case FieldType.TIMESTAMP:
            return parse_timestamp(value)
    raise ValueIssue(errors.NOT_FILTERABLE)
