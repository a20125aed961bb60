"""The OpenAPI schema and its two viewers, served from local assets."""

from __future__ import annotations

import re

import pytest
import yaml


@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_describes_the_reporting_endpoints(schema):
    paths = schema["paths"]
    for path in ("/v1/reporting/query", "/v1/reporting/metadata", "/v1/reporting/field_metadata",
                 "/v1/reporting/ingest/members"):  # fmt: skip
        assert "post" in paths[path], path
    query = paths["/v1/reporting/query"]["post"]
    body = query["requestBody"]["content"]["application/json"]["schema"]
    # Every report of reporting-api.md §5 this branch serves (members_grouped_count arrives with the snapshots).
    assert {"members", "members_count", "member_balance", "members_count_history", "members_count_snapshot"} <= set(
        body["properties"]["report"]["enum"]
    )
    assert {"401", "403", "422", "429", "470", "471"} <= set(query["responses"])
    headers = {p["name"] for p in query["parameters"] if p["in"] == "header"}
    assert {"X-Customer", "X-Loyalty-Club-Slug"} <= headers


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_viewers_load_only_local_assets(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the viewer page references its assets"
    assert all(s.startswith("/") for s in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            assert client.get(source).status_code == 200, source


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_viewers_keep_scripts_to_self(client, db, path):
    policy = client.get(path)["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
