"""Export request bodies: a query body without ``limit``/cursor, plus ``format``; and the Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reporting.context import Context
from reporting.exports.formats import DEFAULT_FORMAT, FORMATS
from reporting.query import errors
from reporting.query.errors import ErrorTree, InvalidParameters, invalid
from reporting.reports.declarations import Report
from reporting.results import result_type_of

# Printable ASCII without spaces at the ends; long enough for a UUID or a client's own request id.
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,198}[\x21-\x7e]$|^[\x21-\x7e]$")


@dataclass(frozen=True)
class ExportRequest:
    report: Report
    query: dict[str, Any]  # the query body the worker runs (everything but `format`)
    format: str

    @property
    def aggregate_by(self) -> str | None:
        value = self.query.get("aggregate_by")
        return value if isinstance(value, str) else None


def parse_export_request(body: dict[str, Any], report: Report, *, context: Context) -> ExportRequest:
    """Validate ``format`` and the query part of an export body against the report (422 with every error)."""
    errors_ = ErrorTree()
    export_format = body.get("format", DEFAULT_FORMAT)
    if export_format is None:
        export_format = DEFAULT_FORMAT
    if not isinstance(export_format, str):
        errors_.add(("format",), errors.INVALID_TYPE, expected="string")
    elif export_format not in FORMATS:
        errors_.add(("format",), errors.INVALID_VALUE, allowed=list(FORMATS))
    query = {key: value for key, value in body.items() if key != "format"}
    try:
        result_type_of(report).parse(query, report, context=context, export=True)
    except InvalidParameters as error:
        for key, value in error.details.items():
            errors_.details[key] = value
    errors_.raise_if_any()
    return ExportRequest(report=report, query=query, format=export_format)


def parse_idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.match(value):
        raise invalid(("Idempotency-Key",), errors.INVALID_VALUE, pattern="1-200 printable ASCII characters")
    return value


def request_fingerprint(*, kind: str, request: ExportRequest, community_ids: Sequence[int]) -> str:
    """What an Idempotency-Key is bound to: the same key with a different request is refused."""
    canonical = json.dumps(
        [kind, request.report.name, request.query, request.format, sorted(community_ids)],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
