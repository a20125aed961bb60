"""Dashboard filters live in the URL as readable parameters that map one-to-one onto API filter nodes.

``gender=woman``                   -> ``{"type": "equal", "field": "gender", "value": "woman"}``
``age=20-24&age=25-29``            -> ``{"type": "in", "field": "age", "value": ["20-24", "25-29"]}``
``consents.email_marketing=true``  -> ``{"type": "equal", "field": "consents.email_marketing", "value": true}``
``properties.interests=running``   -> ``{"type": "equal", "field": "properties.interests", "value": "running"}``
``gender=(none)``                  -> ``{"type": "equal", "field": "gender", "value": null}``
``optin_subchannel=(empty)``       -> ``{"type": "equal", "field": "optin_subchannel", "value": ""}``
``optin_channel=%20pos``           -> ``{"type": "equal", "field": "optin_channel", "value": " pos"}``
``optin_channel=%5C(none)``        -> ``{"type": "equal", "field": "optin_channel", "value": "(none)"}``
``joined_from=2024-01-01``         -> ``{"type": "greater_or_equal_to", "field": "created_at", "value": "2024-01-01"}``
``joined_to=2024-01-31``           -> ``{"type": "less_than", "field": "created_at", "value": "2024-02-01"}``
                                      (the whole day is included)

Several parameters are joined by ``and``. The tree is validated by the API's own ``parse_filter``, so the
dashboards accept exactly what the API accepts; an invalid parameter becomes a message naming it, never a 500.
An empty parameter (``gender=``) is ignored: an untouched picker of the filter form submits one, so the empty
string has its own token, ``(empty)``. Values are never trimmed, so padded values round-trip exactly. A value
that starts with a backslash or spells a token literally is written with one backslash in front.
A ``joined_from`` after ``joined_to`` is an error, not an empty view.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

from reporting.query.errors import ErrorTree
from reporting.query.filters import Node, parse_filter, resolve_field
from reporting.query.values import ValueIssue
from reporting.reports.declarations import FieldType, Report

NULL_TOKEN = "(none)"  # noqa: S105 - the URL spelling of a null filter value, not a secret
EMPTY_TOKEN = "(empty)"  # noqa: S105 - the URL spelling of the empty string
ESCAPE = "\\"
# clubs, the growth period (growth_period), and a saved segment (dashboards.segments)
RESERVED = frozenset({"ids", "period", "from", "to", "interval", "segment"})
MAX_PARAMS = 50
JOINED_FROM, JOINED_TO = "joined_from", "joined_to"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^-?\d{1,19}$")

_CODE_TEXT = {
    "unknown": "is not a field of the members report",
    "not_filterable": "cannot be filtered on",
    "invalid_type": "has a value of the wrong type",
    "invalid_value": "has a value that is not allowed",
    "not_allowed": "does not accept this kind of condition",
    "too_many": "has too many values",
    "too_deep": "is nested too deeply",
    "required": "is incomplete",
}


@dataclass(frozen=True)
class ViewFilter:
    """The filter of one dashboard view: its parameters in URL order, the API-shaped tree, the parsed node."""

    params: tuple[tuple[str, str], ...]
    raw: dict[str, Any] | None
    node: Node | None
    error: str | None = None

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name, _ in self.params))

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.params if key == name]

    def query_string(self, *, keep: Iterable[tuple[str, str]] = ()) -> str:
        """This view's parameters after ``keep`` (non-filter parameters such as ``ids``)."""
        return urlencode([*keep, *self.params])

    def without(self, name: str, value: str) -> tuple[tuple[str, str], ...]:
        return tuple(p for p in self.params if p != (name, value))


def value_token(value: Any) -> str:
    """The URL form of a filter value (inverse of the typing in ``parse_view_filter``)."""
    if value is None:
        return NULL_TOKEN
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text == "":
        return EMPTY_TOKEN
    if text in (NULL_TOKEN, EMPTY_TOKEN) or text.startswith(ESCAPE):
        return ESCAPE + text
    return text


def token_value(text: str) -> str | None:
    """The string a URL text stands for (inverse of ``value_token`` for strings and null)."""
    if text == NULL_TOKEN:
        return None
    if text == EMPTY_TOKEN:
        return ""
    return text[1:] if text.startswith(ESCAPE) else text


# What ``quote_plus`` leaves as it is: ASCII letters, digits and ``_.-~``. Nearly every name and value a chart
# links is only that (``gender``, ``20-24``, a place id), and a match costs a third of a ``quote_plus``.
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(text: str) -> str:
    return text if _URL_SAFE.fullmatch(text) else quote_plus(text)


def drill_query(*pairs: tuple[str, Any]) -> str:
    """The URL parameters that narrow a view to one chart element (the payload of a drill-down click), written as
    ``urlencode`` writes them (a page writes some 850 of them, and ``urlencode``'s checks per pair added a third)."""
    return "&".join(f"{_quoted(name)}={_quoted(value_token(value))}" for name, value in pairs)


def parse_view_filter(query: Mapping[str, Any], report: Report) -> ViewFilter:
    """Read the filter parameters of a request's query dict (``QueryDict`` or a plain mapping of lists)."""
    params: list[tuple[str, str]] = []
    for name in query:
        if name in RESERVED:
            continue
        values = query.getlist(name) if hasattr(query, "getlist") else list(query[name])
        for value in values:
            pair = (str(name), str(value))
            if pair[1] and pair not in params:
                params.append(pair)
    if len(params) > MAX_PARAMS:
        return ViewFilter(tuple(params), None, None, f"At most {MAX_PARAMS} filter values can be combined.")
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    operations: list[dict[str, Any]] = []
    for name, values in grouped.items():
        leaf = _leaf(name, values, report)
        if isinstance(leaf, str):
            return ViewFilter(tuple(params), None, None, leaf)
        operations.append(leaf)
    if not operations:
        return ViewFilter((), None, None)
    if JOINED_FROM in grouped and JOINED_TO in grouped and grouped[JOINED_FROM][0] > grouped[JOINED_TO][0]:
        since, until = grouped[JOINED_FROM][0], grouped[JOINED_TO][0]
        return ViewFilter(tuple(params), None, None, f"The start date {since} is after the end date {until}.")
    raw = operations[0] if len(operations) == 1 else {"type": "and", "operations": operations}
    errors_ = ErrorTree()
    node = parse_filter(raw, report, errors_)
    if errors_:
        return ViewFilter(tuple(params), None, None, _message(errors_.details, list(grouped), grouped))
    return ViewFilter(tuple(params), raw, node)


def _leaf(name: str, values: list[str], report: Report) -> dict[str, Any] | str:
    if name in (JOINED_FROM, JOINED_TO):
        if len(values) > 1 or not _DATE.match(values[0]):
            return f"The filter “{name}” takes one date written as YYYY-MM-DD."
        try:
            day = dt.date.fromisoformat(values[0])
        except ValueError:
            return f"The filter “{name}={values[0]}” is not a valid date."
        if name == JOINED_FROM:
            return {"type": "greater_or_equal_to", "field": "created_at", "value": day.isoformat()}
        if day == dt.date.max:
            return f"The filter “{name}={values[0]}” is not a valid date."
        return {"type": "less_than", "field": "created_at", "value": (day + dt.timedelta(days=1)).isoformat()}
    typed = [_typed(name, value, report) for value in values]
    if len(typed) == 1:
        return {"type": "equal", "field": name, "value": typed[0]}
    return {"type": "in", "field": name, "value": typed}


def _typed(name: str, text: str, report: Report) -> Any:
    """The JSON value a URL text stands for, by the field's declared type; the API validation judges it."""
    value = token_value(text)
    if value is None or value != text:
        return value
    ref = resolve_field(report, name)
    if isinstance(ref, ValueIssue):
        return text
    if ref.kind == "consent" or (ref.kind == "scalar" and ref.field.type is FieldType.BOOLEAN):
        return {"true": True, "false": False}.get(text, text)
    if ref.kind in ("scalar", "array") and ref.field.type in (FieldType.INTEGER, FieldType.INTEGER_ARRAY):
        return int(text) if _INTEGER.match(text) else text
    return text


def _message(details: dict[str, Any], names: list[str], grouped: dict[str, list[str]]) -> str:
    """A sentence naming the first rejected parameter and why."""
    node: Any = details.get("filter", details)
    index = 0
    if len(names) > 1 and isinstance(node, dict) and "operations" in node:
        operations = node["operations"]
        index = int(next(iter(operations))) if isinstance(operations, dict) else 0
        node = operations[str(index)] if isinstance(operations, dict) else operations
    name = names[min(index, len(names) - 1)]
    code = _first_code(node)
    shown = ", ".join(grouped.get(name, []))
    reason = _CODE_TEXT.get(code, "is not valid")
    return f"The filter “{name}={shown}” {reason}."


def _first_code(node: Any) -> str:
    if isinstance(node, list):
        return str(node[0].get("error", "")) if node and isinstance(node[0], dict) else ""
    if isinstance(node, dict):
        for child in node.values():
            code = _first_code(child)
            if code:
                return code
    return ""
