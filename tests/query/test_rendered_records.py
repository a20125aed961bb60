"""The API's records pages keep their objects as the JSON text PostgreSQL wrote (``records_page(rendered=True)``); the
dashboards read the same pages as Python dicts. Both must say the same thing for every report, aggregation, filter
and page."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from reporting import selectors
from reporting.query.request import parse_records_query
from reporting.reports import all_reports
from reporting.reports.declarations import FieldType
from tests.query.dataset import CONTEXT

WOMEN = {"type": "equal", "field": "gender", "value": "woman"}


def _both(body: dict[str, Any], report: Any) -> tuple[Any, Any]:
    query = parse_records_query(body, report)
    plain = selectors.records_page(community_ids=CONTEXT, query=query)
    rendered = selectors.records_page(community_ids=CONTEXT, query=query, rendered=True)
    objects = [f.name for f in report.fields if f.type is FieldType.OBJECT] if query.aggregation is None else []
    assert all(isinstance(record[name], orjson.Fragment | None) for record in rendered.records for name in objects)
    # What a client reads: the dict path as the renderer writes it, and the rendered path's bytes.
    return _sent(plain), _sent(rendered)


def _sent(page: selectors.Page) -> Any:
    return orjson.loads(orjson.dumps(page.envelope()))


def _without_signature(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope with its cursor as the keys it signs: the signature carries the second it was made, which two
    calls may straddle."""
    cursor = envelope["pagination"]["next_page_info"]
    return {**envelope, "pagination": {"next_page_info": cursor.split(":")[0] if cursor else cursor}}


def _bodies() -> list[tuple[str, dict[str, Any]]]:
    bodies: list[tuple[str, dict[str, Any]]] = []
    for report in all_reports():
        if report.result_type != "records":
            continue
        bodies.append((report.name, {"report": report.name, "limit": 7}))
        for aggregation in report.aggregations:
            bodies.append((report.name, {"report": report.name, "aggregate_by": aggregation.name, "limit": 7}))
    bodies.append(("members", {"report": "members", "limit": 1000, "filter": WOMEN}))
    return bodies


@pytest.mark.parametrize(("report_name", "body"), _bodies(), ids=lambda value: str(value)[:60])
def test_rendered_pages_equal_the_dict_pages(dataset, report_name, body):
    report = next(r for r in all_reports() if r.name == report_name)
    plain, rendered = _both(body, report)
    assert plain["records"], "the data set must reach every case, or the comparison says nothing"
    assert _without_signature(rendered) == _without_signature(plain)
    pages = 0
    while plain["pagination"]["next_page_info"] and pages < 5:
        body = {**body, "page_info": plain["pagination"]["next_page_info"]}
        plain, rendered = _both(body, report)
        assert _without_signature(rendered) == _without_signature(plain)
        pages += 1
