"""A few concurrent clients in bounded loops against the web process: API callers and dashboard readers, each
answer recorded with its start and end time so a test can sort them into before / during / after an outage."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from tests.faults.conftest import CLUB_ID, Stack

API = "api"
PAGE = "page"
POLL = "poll"
MAX_REQUESTS_PER_CLIENT = 3000
PAUSE_SECONDS = 0.02


@dataclass(frozen=True)
class Answer:
    kind: str
    path: str
    started: float
    ended: float
    status: int  # -1: no HTTP answer at all (connection refused or reset, timeout)
    content_type: str
    retry_after: str | None
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _api_requests(stack: Stack) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    headers = stack.api_headers()
    return [
        ("POST", "/v1/reporting/query", json.dumps({"report": "members_count"}).encode(), headers),
        ("POST", "/v1/reporting/metadata", json.dumps({"report": "members"}).encode(), headers),
        ("POST", "/v1/reporting/query", json.dumps({"report": "members", "limit": 5}).encode(), headers),
    ]


def _page_requests(stack: Stack) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    headers = {"Cookie": stack.session_cookie, "Accept": "text/html"}
    return [("GET", f"/clubs/{CLUB_ID}/", None, headers), ("GET", "/exports/", None, headers)]


def _poll_requests(stack: Stack) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    """What the exports page's script polls: JSON, so its 503 is JSON too."""
    return [("GET", "/exports/status", None, {"Cookie": stack.session_cookie, "Accept": "application/json"})]


class Load:
    def __init__(self, stack: Stack, *, clients_per_kind: int = 2):
        self.stack = stack
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(kind, requests, offset), daemon=True)
            for kind, requests in ((API, _api_requests(stack)), (PAGE, _page_requests(stack)))
            for offset in range(clients_per_kind)
        ]
        self._threads.append(threading.Thread(target=self._client, args=(POLL, _poll_requests(stack), 0), daemon=True))

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _client(self, kind: str, requests: list[tuple[str, str, bytes | None, dict[str, str]]], offset: int) -> None:
        for number in range(MAX_REQUESTS_PER_CLIENT):
            if self._stop.is_set():
                return
            method, path, body, headers = requests[(number + offset) % len(requests)]
            started = time.monotonic()
            try:
                status, response_headers, content = self.stack.web.request(
                    method, path, body=body, headers=headers, timeout=20
                )
            except OSError as error:
                status, response_headers, content = -1, {}, repr(error).encode()
            answer = Answer(
                kind=kind,
                path=path,
                started=started,
                ended=time.monotonic(),
                status=status,
                content_type=response_headers.get("content-type", ""),
                retry_after=response_headers.get("retry-after"),
                body=content,
            )
            with self._lock:
                self.answers.append(answer)
            time.sleep(PAUSE_SECONDS)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def wait_for_success(self, kind: str, *, since: float, timeout: float) -> float:
        """When the first 200 of ``kind`` that started at or after ``since`` ended (raises after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ends = [a.ended for a in self.snapshot() if a.kind == kind and a.status == 200 and a.started >= since]
            if ends:
                return min(ends)
            time.sleep(0.05)
        raise AssertionError(f"no 200 for {kind} within {timeout} s")
