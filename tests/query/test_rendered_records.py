"""The API's records pages are rendered to JSON by PostgreSQL (``records_page(rendered=True)``); the dashboards read
the same pages as Python dicts. Both must say the same thing for every report, aggregation, filter and page."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from reporting import selectors
from reporting.query.request import parse_records_query
from reporting.reports import all_reports
from tests.query.dataset import CONTEXT

WOMEN = {"type": "equal", "field": "gender", "value": "woman"}


def _both(body: dict[str, Any], report: Any) -> tuple[Any, Any]:
    query = parse_records_query(body, report)
    plain = selectors.records_page(community_ids=CONTEXT, query=query)
    rendered = selectors.records_page(community_ids=CONTEXT, query=query, rendered=True)
    assert isinstance(rendered.records, orjson.Fragment)
    # What a client reads: the dict path as the renderer writes it, and the rendered path's bytes.
    as_sent = orjson.loads(orjson.dumps(plain.envelope()))
    return as_sent, orjson.loads(orjson.dumps(rendered.envelope()))


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
    assert rendered == plain
    pages = 0
    while plain["pagination"]["next_page_info"] and pages < 5:
        body = {**body, "page_info": plain["pagination"]["next_page_info"]}
        plain, rendered = _both(body, report)
        assert rendered == plain
        pages += 1
