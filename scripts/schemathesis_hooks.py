"""What the contract check's generator must be told because no JSON schema can say it.

- A page cursor (``next_page_info``/``page_info``) is opaque and signed: only a value the server issued is valid,
  so a random string is rightly ``422 invalid_cursor``. Positive cases start from the first page (null).
- A ``segment`` id is valid only when that segment exists in a community of the context (and the run saves none):
  a random id is rightly ``422 invalid_value``. Positive cases send none (null).
- An ``Idempotency-Key`` binds the first request sent with it: a random key repeated with another body is rightly
  ``422 not_allowed``. Positive cases get a key of their own.
- A timeseries window relates two fields (``to`` after ``from``, at most 150 buckets of the interval) and stays
  within 1900-2200. Positive cases keep the generated ``from`` (its year brought into that range) and end one hour
  later, which every interval answers in at most 12 buckets.

Negative cases are left as generated: the server must refuse them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import schemathesis

_CURSORS = ("next_page_info", "page_info")


def _in_range(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(year=1900 + parsed.year % 300 if parsed.year % 300 else 2000, day=min(parsed.day, 28))


def _window(body: dict[str, Any]) -> None:
    start = _in_range(body.get("from"))
    if start is not None:
        body["from"] = start.isoformat()
        if "to" in body:
            body["to"] = (start + dt.timedelta(hours=1)).isoformat()
    elif "to" in body:
        end = _in_range(body["to"])
        if end is not None:
            body["to"] = end.isoformat()


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case
    if isinstance(case.body, dict):
        for key in _CURSORS:
            if isinstance(case.body.get(key), str):
                case.body[key] = None
        if case.body.get("segment") is not None:
            case.body["segment"] = None
        _window(case.body)
    if case.query:
        for key in _CURSORS:
            case.query.pop(key, None)
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"{case.headers['Idempotency-Key'][:160]}-{uuid.uuid4().hex}"
    return case
