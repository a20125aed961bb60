"""An export in words for the Exports page (its report, aggregation, a timeseries' interval and window, its filter
tree), so two exports of one club tell apart at a glance.

``{"type": "in", "field": "age", "value": ["20-24", null]}`` reads "Age is 20-24 or (unknown)". Field and value
labels are the dashboards' own (``FIELD_LABELS``, ``labels.display``); the stored tree is never changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dashboards.exports.forms import INTERVAL_LABELS, report_label
from dashboards.labels import display
from dashboards.overview import FIELD_LABELS

_OPS = {
    "equal": "is",
    "not_equal": "is not",
    "greater_than": "is after",
    "greater_or_equal_to": "is on or after",
    "less_than": "is before",
    "less_or_equal_to": "is on or before",
    "in": "is",
    "not_in": "is not",
}
_NUMERIC_OPS = {
    "greater_than": "is more than",
    "greater_or_equal_to": "is at least",
    "less_than": "is less than",
    "less_or_equal_to": "is at most",
}
EVERYONE = "All members"


def export_in_words(report: str, query: dict[str, Any]) -> str:
    """ "Member balance · gender · by day, 1 Oct 2024 to 20 Nov 2024": the report, its aggregation, and for a
    timeseries its interval and window (read in the club's time zone, ``to`` not included)."""
    parts = [report_label(report)]
    if isinstance(query.get("aggregate_by"), str):
        parts.append(query["aggregate_by"])
    if "interval" in query or "from" in query:
        interval = str(query.get("interval") or "auto")
        when = "automatic interval" if interval == "auto" else f"by {INTERVAL_LABELS.get(interval, interval).lower()}"
        parts.append(f"{when}, {_moment(query.get('from'))} to {_moment(query.get('to'))}")
    return " · ".join(parts)


def _moment(value: Any) -> str:
    """A stored ``from``/``to`` (ISO text, validated when the export was created) in words."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    text = f"{moment.day} {moment:%b %Y}"
    if moment.time() != dt.time(0) or moment.tzinfo is not None:
        text += f" {moment:%H:%M}"
    if moment.tzinfo is not None:
        text += f" {moment:%z}"[:-2] + ":" + f"{moment:%z}"[-2:]
    return text


def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if name == "created_at":
        return "Joined"
    if name.startswith("consents."):
        return f"Consent {display(name.partition('.')[2]).lower()}"
    if name.startswith("properties."):
        return display(name.partition(".")[2]).capitalize()
    return display(name).capitalize()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return display(value)


def _either(values: list[Any], word: str) -> str:
    shown = [_value(v) for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} {word} {shown[-1]}"


def filter_in_words(tree: Any) -> str:
    """A sentence for an API filter tree (already validated when the export was created)."""
    if not tree:
        return EVERYONE
    return _words(tree, top=True)


def _words(node: dict[str, Any], *, top: bool = False) -> str:
    kind = node.get("type", "")
    if kind in ("and", "or"):
        parts = [_words(child) for child in node.get("operations", [])]
        text = f" {kind} ".join(parts)
        return text if top or len(parts) < 2 else f"({text})"
    field, value = str(node.get("field", "")), node.get("value")
    name = field_label(field)
    if kind in ("in", "not_in"):
        values = value if isinstance(value, list) else [value]
        return f"{name} {_OPS[kind]} {_either(values, 'or' if kind == 'in' else 'nor')}"
    if isinstance(value, int | float) and not isinstance(value, bool) and kind in _NUMERIC_OPS:
        return f"{name} {_NUMERIC_OPS[kind]} {_value(value)}"
    return f"{name} {_OPS.get(kind, kind)} {_value(value)}"
