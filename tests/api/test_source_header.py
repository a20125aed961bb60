"""Every query answer says which source answered it, for debugging (docs/api.md)."""

from __future__ import annotations

from reporting.rollups import record_source, source_header, sources_recorded


def test_records_are_answered_from_the_base_table(api, insert_members):
    insert_members([{"id": 1, "community_id": 235}])
    status, payload, response = api.query({"report": "members", "limit": 1})
    assert status == 200, payload
    assert response["x-reporting-source"] == "base"


def test_errors_carry_no_source(api):
    status, _, response = api.query({"report": "members", "limit": 0})
    assert 400 <= status < 500
    assert not response.has_header("x-reporting-source")


def test_sources_are_collected_once_each_and_only_inside_the_block():
    record_source("rollup:outside")  # nobody is listening: dropped
    with sources_recorded() as sources:
        record_source("rollup:profile")
        record_source("base")
        record_source("rollup:profile")
    assert sources == ["rollup:profile", "base"]
    assert source_header(sources) == "base, rollup:profile"
    assert source_header([]) == "base"
