"""Request bodies of the query endpoints, validated against the report declaration."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from reporting.conf import reporting_setting
from reporting.query import errors
from reporting.query.errors import ErrorTree, InvalidParameters, invalid
from reporting.query.filters import Logical, Node, count_logical_nodes, parse_filter
from reporting.reports import all_reports, get_report
from reporting.reports.declarations import Aggregation, Report

RECORDS_KEYS = frozenset({"report", "filter", "aggregate_by", "limit", "next_page_info", "page_info", "segment"})
MAX_SEGMENT_ID = 2**63 - 1


@dataclass(frozen=True)
class StoredSegment:
    """A saved segment as a query sees it: its id, its report's name and its filter tree (reporting.segments)."""

    id: int
    report: str
    filter_raw: Any


class SegmentSource(Protocol):
    def find(self, segment_id: int) -> StoredSegment | None:
        """The segment with this id among those the request's context may use, else None (whether it exists
        elsewhere or not at all: the answer must be the same)."""


@dataclass(frozen=True)
class RecordsQuery:
    report: Report
    filter: Node | None
    filter_raw: Any
    aggregation: Aggregation | None
    limit: int
    cursor: str | None
    cursor_path: str = "next_page_info"


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid((), errors.INVALID_TYPE, expected="object")
    return body


def lookup_report(body: dict[str, Any], reports: Collection[Report] | None = None) -> Report:
    """The report a body names (422 when missing or unknown); checked first so permits and cost can follow."""
    available = list(reports) if reports is not None else all_reports()
    if "report" not in body:
        raise invalid(("report",), errors.REQUIRED)
    name = body["report"]
    if not isinstance(name, str):
        raise invalid(("report",), errors.INVALID_TYPE, expected="string")
    report = get_report(name)
    if report is None or report not in available:
        raise invalid(("report",), errors.INVALID_VALUE, allowed=[r.name for r in available])
    return report


def query_cost(report: Report, raw_filter: Any, segment_filter: Any = None) -> int:
    """The report's cost + 1 per ``and`` node + 3 per ``or`` node (reporting-api.md §4), of the body's filter and
    of the segment's it names (a saved tree costs what it costs written out)."""
    ands, ors = count_logical_nodes(raw_filter)
    segment_ands, segment_ors = count_logical_nodes(segment_filter)
    return report.cost + ands + segment_ands + 3 * (ors + segment_ors)


def parse_records_query(
    body: dict[str, Any],
    report: Report,
    *,
    allowed_keys: frozenset[str] = RECORDS_KEYS,
    segments: SegmentSource | None = None,
) -> RecordsQuery:
    """``segments`` resolves a body's ``"segment": id``; without it (in-process readers) the key is refused."""
    errors_ = ErrorTree()
    reject_unknown_keys(body, allowed_keys if segments is not None else allowed_keys - {"segment"}, errors_)
    node = parse_filter(body.get("filter"), report, errors_)
    filter_raw = body.get("filter")
    segment = _segment(body.get("segment"), report, segments, errors_)
    if segment is not None and not errors_:
        segment_node, _ = segment
        node = segment_node if node is None else Logical("and", (segment_node, node))
        # Bound into cursors: a page of "segment 7" is not a page of the filter alone, nor of 7 once edited.
        filter_raw = {"segment": segment[1].id, "segment_filter": segment[1].filter_raw, "filter": filter_raw}
    aggregation = _aggregation(body.get("aggregate_by"), report, errors_)
    limit = parse_limit(body.get("limit"), errors_)
    cursor, cursor_path = _cursor(body, errors_)
    errors_.raise_if_any()
    return RecordsQuery(
        report=report,
        filter=node,
        filter_raw=filter_raw,
        aggregation=aggregation,
        limit=limit,
        cursor=cursor,
        cursor_path=cursor_path,
    )


def _segment(
    raw: Any, report: Report, segments: SegmentSource | None, errors_: ErrorTree
) -> tuple[Node, StoredSegment] | None:
    """The segment a body names, parsed again by the API's own filter parser (the declaration may have changed
    since it was saved); every problem is an error at ``segment``."""
    if raw is None or segments is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors_.add(("segment",), errors.INVALID_TYPE, expected="integer")
        return None
    found = segments.find(raw) if 1 <= raw <= MAX_SEGMENT_ID else None
    if found is None:
        errors_.add(("segment",), errors.INVALID_VALUE, expected="the id of a segment of a community in context")
        return None
    if found.report != report.name:
        errors_.add(("segment",), errors.NOT_ALLOWED, report=found.report)
        return None
    stored_errors = ErrorTree()
    node = parse_filter(found.filter_raw, report, stored_errors)
    if stored_errors or node is None:
        errors_.add(("segment",), errors.INVALID_VALUE, reason="its saved filter is no longer valid")
        return None
    return node, found


def _aggregation(raw: Any, report: Report, errors_: ErrorTree) -> Aggregation | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors_.add(("aggregate_by",), errors.INVALID_TYPE, expected="string")
        return None
    aggregation = report.get_aggregation(raw)
    if aggregation is None:
        errors_.add(("aggregate_by",), errors.INVALID_VALUE, allowed=[a.name for a in report.aggregations])
    return aggregation


def parse_limit(raw: Any, errors_: ErrorTree) -> int:
    default: int = reporting_setting("DEFAULT_PAGE_SIZE")
    maximum: int = reporting_setting("MAX_PAGE_SIZE")
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors_.add(("limit",), errors.INVALID_TYPE, expected="integer")
        return default
    if not 1 <= raw <= maximum:
        errors_.add(("limit",), errors.INVALID_VALUE, min=1, max=maximum)
    return raw


def _cursor(body: dict[str, Any], errors_: ErrorTree) -> tuple[str | None, str]:
    path = "next_page_info" if body.get("next_page_info") is not None else "page_info"
    raw = body.get(path)
    if raw is None:
        return None, "next_page_info"
    if not isinstance(raw, str):
        errors_.add((path,), errors.INVALID_CURSOR)
        return None, path
    return raw, path


def reject_unknown_keys(body: dict[str, Any], allowed: Collection[str], errors_: ErrorTree) -> None:
    for key in body:
        if key not in allowed:
            errors_.add((str(key),), errors.UNKNOWN)


__all__ = ["InvalidParameters", "RecordsQuery", "lookup_report", "parse_records_query", "query_cost"]
