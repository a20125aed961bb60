"""Log lines are JSON with the request id, and hold no personal data: members with names, e-mail addresses and
phone numbers go through ingestion (some rejected), a query filters on a phone number, and not one formatted
line at DEBUG level contains any of them."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reporting import permits
from reporting.observability.logs import JsonFormatter
from reporting.observability.requestid import RequestIdFilter

NAME, EMAIL, PHONE = "Kari Nordmann-Testesen", "kari.testesen@example.org", "+4797531864"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def collected() -> Iterator[Collect]:
    handler = Collect()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.mark.django_db
def test_no_personal_data_in_any_log_line(collected: Collect, api_for: Callable[..., Any], communities: Any) -> None:
    ingest = api_for(customer=None, permit_list=[permits.INGEST])
    members = [
        {"id": 1, "community_id": 235, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z",
         "first_name": NAME, "email": EMAIL, "msisdn": PHONE},
        {"id": 2, "community_id": 999_999, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z",
         "first_name": NAME, "email": EMAIL, "msisdn": PHONE},
        {"id": 3, "community_id": 235, "created_at": "not a date", "first_name": NAME, "email": EMAIL, "msisdn": PHONE},
    ]  # fmt: skip
    status, body, response = ingest.post("/v1/reporting/ingest/members", {"members": members},
                                         **{"X-Request-ID": "logs-test-1"})  # fmt: skip
    assert status == 200, body
    assert len(body["rejected"]) == 2
    assert response["X-Request-ID"] == "logs-test-1"

    query = api_for(customer="235")
    bad_filter = {"report": "members", "filter": {"type": "equal", "field": "no_such_field", "value": PHONE}}
    assert query.post("/v1/reporting/query", bad_filter)[0] == 422
    unauthorised = api_for(customer="235")
    unauthorised.token = "not-a-token-" + EMAIL
    assert unauthorised.post("/v1/reporting/query", {"report": "members"})[0] == 401

    assert collected.lines, "the requests logged something (at least Django's 4xx warnings)"
    for line in collected.lines:
        record = json.loads(line)
        assert set(record) >= {"time", "level", "logger", "message", "request_id"}
        for secret in (NAME, EMAIL, PHONE, PHONE[1:], "not-a-token"):
            assert secret not in line, line
