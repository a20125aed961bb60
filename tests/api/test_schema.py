"""The OpenAPI schema and its two viewers, served from local assets."""

from __future__ import annotations

import re

import jsonschema
import pytest
import yaml

from reporting.query.filters import FieldRef, allowed_ops
from reporting.reports import all_reports


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
    assert body == {"$ref": "#/components/schemas/QueryRequest"}
    assert {"401", "403", "422", "429", "470", "471"} <= set(query["responses"])
    headers = {p["name"] for p in query["parameters"] if p["in"] == "header"}
    assert {"X-Customer", "X-Loyalty-Club-Slug"} <= headers


def test_every_operation_documents_the_http_servers_414_without_a_body(schema):
    documented = [operation for _, _, operation in operations(schema)]
    assert len(documented) >= 10
    for operation in documented:
        assert "414" in operation["responses"], operation.get("operationId")
        assert "content" not in operation["responses"]["414"]


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


# --- The schema is the contract: derived from the report declarations ----------------------------------------


OPERATION_IDS = {
    ("post", "/v1/reporting/query"): "queryReport",
    ("post", "/v1/reporting/metadata"): "getMetadata",
    ("post", "/v1/reporting/field_metadata"): "getFieldValues",
    ("post", "/v1/reporting/ingest/members"): "ingestMembers",
    ("post", "/v1/reporting/query/export"): "createExport",
    ("post", "/v1/reporting/tenants/query/export"): "createTenantsExport",
    ("get", "/v1/reporting/exports"): "listExports",
    ("get", "/v1/reporting/exports/{id}"): "getExport",
    ("delete", "/v1/reporting/exports/{id}"): "deleteExport",
    ("get", "/v1/reporting/exports/{id}/download"): "downloadExport",
    ("post", "/v1/geo/places"): "listPlaces",
    ("get", "/v1/geo/places/{place_id}"): "getPlace",
    ("post", "/v1/geo/locations/coordinates"): "getCoordinates",
}


def pascal(name):
    return "".join(part.capitalize() for part in name.split("_"))


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def validator(schema, name):
    """A JSON Schema validator of one component, OpenAPI 3.0 `nullable` read as the 3.0.3 specification says."""

    def convert(node):
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: convert(value) for key, value in node.items() if key not in ("discriminator", "example")}
        if "$ref" in node:
            node = {"$ref": node["$ref"].replace("#/components/schemas/", "#/definitions/")}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node

    definitions = convert(schema["components"]["schemas"])
    return jsonschema.Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": definitions})


def test_every_operation_has_a_readable_id(schema):
    found = {(method, path): operation["operationId"] for method, path, operation in operations(schema)}
    assert found == OPERATION_IDS


def test_every_report_of_the_registry_has_its_components(schema):
    components = schema["components"]["schemas"]
    union = {resolve(schema, branch)["properties"]["report"]["$ref"] for branch in components["QueryRequest"]["oneOf"]}
    assert len(union) == len(all_reports())
    for report in all_reports():
        stem = pascal(report.name)
        query = components[f"{stem}Query"]
        assert query["additionalProperties"] is False
        assert components[f"{stem}ReportName"]["enum"] == [report.name]
        aggregations = components.get(f"{stem}Aggregation", {}).get("enum", [])
        assert aggregations == [a.name for a in report.aggregations]
        if report.result_type == "records":
            record = components[f"{stem}Record"]
            assert list(record["properties"]) == [f.name for f in report.fields]
            assert record["required"] == [f.name for f in report.fields]


def test_filter_nodes_nest_recursively(schema):
    logical = schema["components"]["schemas"]["MembersLogicalFilter"]
    assert logical["properties"]["operations"]["items"] == {"$ref": "#/components/schemas/MembersFilter"}
    assert {"$ref": "#/components/schemas/MembersLogicalFilter"} in schema["components"]["schemas"]["MembersFilter"][
        "oneOf"
    ]


def test_the_filter_schema_accepts_exactly_what_the_parser_accepts(schema):
    """Each field with each operation the parser allows validates; an operation it refuses does not."""
    check = validator(schema, "MembersFilter")
    samples = {"integer": 7, "array[integer]": 7, "string": "x", "boolean": True, "timestamp": "2024-04-09T13:34:29Z"}
    members = next(r for r in all_reports() if r.name == "members")
    for field in members.filterable_fields:
        value = field.values[0] if field.values else samples[field.type.value]
        allowed = allowed_ops(FieldRef(field))
        for op in ("equal", "greater_than", "in"):
            node = {"type": op, "field": field.name, "value": [value] if op == "in" else value}
            assert check.is_valid(node) == (op in allowed), (field.name, op)
        assert not check.is_valid({"type": "equal", "field": field.name, "value": {"an": "object"}})
    nested = {"type": "and", "operations": [{"type": "or", "operations": [
        {"type": "equal", "field": "consents.sms_marketing", "value": True},
        {"type": "less_than", "field": "properties.bonus_points", "value": 10.5}]}]}  # fmt: skip
    assert check.is_valid(nested)
    assert not check.is_valid({"type": "and", "operations": []})
    assert not check.is_valid({"type": "equal", "field": "community_id", "value": 235})  # the context only
    assert not check.is_valid({"type": "equal", "field": "gender", "value": "x", "extra": 1})


def test_answers_match_their_components(api, insert_members, schema):
    insert_members([{"id": 1, "gender": "woman"}, {"id": 2, "community_id": 236}])
    cases = [
        ({"report": "members"}, "RecordsPage"),
        ({"report": "members", "aggregate_by": "consents_count"}, "RecordsPage"),
        ({"report": "members", "aggregate_by": "total_age_gender_count"}, "RecordsPage"),
        ({"report": "members_count", "aggregate_by": "total"}, "RecordsPage"),
    ]
    if any(r.result_type == "timeseries" for r in all_reports()):
        window = {"from": "2024-04-01T00:00:00Z", "to": "2024-04-08T00:00:00Z"}
        cases += [
            ({"report": "member_balance", **window}, "QueryResult"),
            ({"report": "member_balance", "aggregate_by": "gender", "interval": "1d", **window}, "TimeseriesResult"),
            ({"report": "members_count_history", **window}, "TimeseriesResult"),
        ]
    for body, component in cases:
        status, payload, _ = api.query(body)
        assert status == 200, payload
        errors = list(validator(schema, component).iter_errors(payload))
        assert not errors, (body, errors[:1])
    status, payload, _ = api.query({"report": "members", "limit": 0, "nope": 1})
    assert status == 422
    assert validator(schema, "ValidationError").is_valid(payload)
    for body in ({}, {"report": "members"}):
        status, payload, _ = api.post("/v1/reporting/metadata", body)
        assert status == 200
        assert validator(schema, "Metadata").is_valid(payload), body


def test_request_bodies_are_marked_required_where_the_endpoint_needs_one(schema):
    required = {op["operationId"]: op["requestBody"].get("required", False)
                for _, _, op in operations(schema) if "requestBody" in op}  # fmt: skip
    assert required == {
        "queryReport": True, "getMetadata": False, "getFieldValues": True, "ingestMembers": True,
        "createExport": True, "createTenantsExport": True, "listPlaces": False, "getCoordinates": True,
    }  # fmt: skip


def test_headers_and_status_codes_are_documented(schema):
    query = schema["paths"]["/v1/reporting/query"]["post"]["responses"]
    assert {"200", "400", "401", "403", "413", "414", "422", "429", "470", "471", "503"} == set(query)
    ok = query["200"]["headers"]
    for name in ("ratelimit-bucket", "ratelimit-remaining", "ratelimit-cost", "ratelimit-limit"):
        assert ok[name]["required"] is True, name
    assert query["429"]["headers"]["Retry-After"]["required"] is True
    assert query["503"]["headers"]["Retry-After"]["required"] is True
    assert query["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert query["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ValidationError"}
    created = schema["paths"]["/v1/reporting/query/export"]["post"]["responses"]["202"]
    assert created["headers"]["Location"]["required"] is True
    assert created["links"]["downloadExport"]["parameters"] == {"id": "$response.body#/id"}
    download = schema["paths"]["/v1/reporting/exports/{id}/download"]["get"]["responses"]
    assert set(download["200"]["content"]) == {
        "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip
    assert download["200"]["headers"]["Content-Disposition"]["required"] is True
    assert {"404", "409", "410"} <= set(download)
    assert download["409"]["headers"]["Retry-After"]["required"] is False


def test_served_download_types_are_the_documented_ones(schema):
    from reporting.exports.formats import FORMATS

    download = schema["paths"]["/v1/reporting/exports/{id}/download"]["get"]["responses"]["200"]["content"]
    assert {f.content_type.split(";")[0] for f in FORMATS.values()} == set(download)


def test_geo_bodies_are_described(schema):
    places = schema["paths"]["/v1/geo/places"]["post"]
    assert places["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PlacesRequest"
    }
    assert places["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PlacesPage"
    }
    place = schema["paths"]["/v1/geo/places/{place_id}"]["get"]["responses"]["200"]
    assert place["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Place"}
    coordinates = schema["components"]["schemas"]["CoordinatesRequest"]
    assert coordinates["required"] == ["place_ids"]
