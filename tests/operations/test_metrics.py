"""/metrics: the Prometheus exposition counts what happened, with bounded labels only, and under gunicorn adds up
every worker process (multiprocess mode, as config/gunicorn.conf.py sets it up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from reporting import permits
from tests.conftest import subprocess_database_url
from tests.servers import ROOT, free_port

INGEST = "/v1/reporting/ingest/members"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def scrape(client: Any) -> tuple[str, dict[tuple[str, frozenset[tuple[str, str]]], float]]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    return text, samples(text)


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.django_db
def test_requests_refusals_and_ingestion_are_counted(
    client: Any, api_for: Callable[..., Any], settings: Any, communities: Any
) -> None:
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 3, "RATE_LIMIT_REFILL_PER_SECOND": 0.001}
    api = api_for(customer="235", permit_list=list(permits.ALL))
    _, before = scrape(client)

    statuses = [api.get("/v1/reporting/exports")[0] for _ in range(7)]
    missing = str(uuid.uuid4())
    api.get(f"/v1/reporting/exports/{missing}")
    assert 429 in statuses  # the small bucket runs out

    text, after = scrape(client)
    route = "/v1/reporting/exports"
    for status in set(statuses):
        seen = value(after, "clubinsight_http_request_duration_seconds_count", route=route, method="GET",
                     status=str(status)) - value(before, "clubinsight_http_request_duration_seconds_count",
                                                 route=route, method="GET", status=str(status))  # fmt: skip
        assert seen == statuses.count(status)
    refused = value(after, "clubinsight_rate_limit_refusals_total", route=route) - value(
        before, "clubinsight_rate_limit_refusals_total", route=route
    )
    assert refused == statuses.count(429)
    # The export id of the path never becomes a label: the route pattern does.
    assert missing not in text
    assert any(labels and dict(labels).get("route") == "/v1/reporting/exports/<uuid:id>" for _, labels in after)


@pytest.mark.django_db
def test_ingestion_lines_and_rejects(client: Any, api_for: Callable[..., Any], communities: Any) -> None:
    api = api_for(customer=None, permit_list=[permits.INGEST])
    members = [
        {"id": 10 + n, "community_id": 235 if n % 3 else 999_999, "created_at": "2024-01-01T00:00:00Z",
         "updated_at": "2024-01-02T00:00:00Z"}
        for n in range(9)
    ]  # fmt: skip
    unknown_community = sum(1 for member in members if member["community_id"] == 999_999)
    _, before = scrape(client)
    status, body, _ = api.post(INGEST, {"members": members})
    assert status == 200, body
    _, after = scrape(client)
    assert value(after, "clubinsight_ingest_lines_total") - value(before, "clubinsight_ingest_lines_total") == 9
    rejects = value(after, "clubinsight_ingest_rejects_total") - value(before, "clubinsight_ingest_rejects_total")
    assert rejects == unknown_community == 3


@pytest.mark.django_db
def test_metrics_token_when_configured(client: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = "s3cret-metrics"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"}).status_code == 200


@pytest.mark.django_db
def test_gunicorn_workers_add_up_in_multiprocess_mode(django_db_setup: Any) -> None:
    """Two gunicorn workers from config/gunicorn.conf.py: a scrape (answered by either) counts every request."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="clubinsight-metrics-") as folder:
        env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "DJANGO_SETTINGS_MODULE": "config.settings",
               "PROMETHEUS_MULTIPROC_DIR": str(Path(folder) / "prom"), "WEB_CONCURRENCY": "2",
               "GUNICORN_BIND": f"127.0.0.1:{port}", "VAR_DIR": str(Path(folder) / "var")}  # fmt: skip
        log = (Path(folder) / "web.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            import http.client

            def get(path: str) -> tuple[int, bytes]:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                        connection.request("GET", path)
                        response = connection.getresponse()
                        return response.status, response.read()
                    except OSError:
                        assert time.monotonic() < deadline, (Path(folder) / "web.log").read_text()[-3000:]
                        time.sleep(0.2)

            assert get("/healthz")[0] == 200
            for _ in range(40):
                assert get("/v1/reporting/query")[0] == 401  # no token: answered without the database
            counts = [
                value(samples(get("/metrics")[1].decode()), "clubinsight_http_request_duration_seconds_count",
                      route="/v1/reporting/query", method="GET", status="401")
                for _ in range(6)
            ]  # fmt: skip
            assert counts == [40.0] * 6
            pids = {json.loads(line)["process"] for line in (Path(folder) / "web.log").read_text().splitlines()
                    if line.startswith("{") and '"django.request"' in line}  # fmt: skip
            assert len(pids) == 2, "both workers answered some requests"
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
