"""What the contract check's generator must be told because no JSON schema can say it.

A page cursor (``next_page_info``/``page_info``) is opaque and signed: only a value the server issued is valid,
so a random string is rightly ``422 invalid_cursor``. Positive cases therefore start from the first page (null);
negative cases keep their random cursors, which the server must refuse. An ``Idempotency-Key`` binds the first
request sent with it: a random key repeated with another body is rightly ``422 not_allowed``, so positive cases
get a key of their own.
"""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis

_CURSORS = ("next_page_info", "page_info")


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case
    if isinstance(case.body, dict):
        for key in _CURSORS:
            if isinstance(case.body.get(key), str):
                case.body[key] = None
    if case.query:
        for key in _CURSORS:
            case.query.pop(key, None)
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"{case.headers['Idempotency-Key'][:160]}-{uuid.uuid4().hex}"
    return case
