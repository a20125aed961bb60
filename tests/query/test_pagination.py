"""Keyset pagination: exactly-once walks (also under concurrent inserts), cursor binding and tampering, the plan."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reporting.models import Member
from reporting.query import cursor as cursors
from tests.conftest import MEMBER_DEFAULTS
from tests.query import oracle
from tests.query.dataset import CONTEXT, member_rows

WOMEN = {"type": "equal", "field": "gender", "value": "woman"}


def invalid_cursor(key: str = "next_page_info") -> dict[str, Any]:
    return {"error": "Invalid parameters", "details": {key: [{"error": "invalid_cursor", "options": {}}]}}


@pytest.mark.parametrize("limit", [1, 7, 1000])
def test_walk_returns_every_row_once_in_order(api, dataset, limit):
    records = api.walk({"report": "members", "limit": limit})
    assert [r["id"] for r in records] == dataset.ids(None)
    filtered = api.walk({"report": "members", "limit": limit, "filter": WOMEN})
    assert [r["id"] for r in filtered] == dataset.ids(WOMEN)


def test_page_sizes_and_the_last_page(api, dataset):
    total = len(dataset.rows)
    status, body, _ = api.query({"report": "members"})
    assert len(body["records"]) == 100  # the default limit
    assert isinstance(body["pagination"]["next_page_info"], str)
    status, body, _ = api.query({"report": "members", "limit": total})
    assert len(body["records"]) == total
    assert body["pagination"]["next_page_info"] is None
    status, body, _ = api.query({"report": "members", "limit": total - 1})
    assert body["pagination"]["next_page_info"] is not None
    status, last, _ = api.query(
        {"report": "members", "limit": total - 1, "page_info": body["pagination"]["next_page_info"]}
    )
    assert status == 200
    assert [r["id"] for r in last["records"]] == dataset.ids(None)[-1:]
    assert last["pagination"]["next_page_info"] is None


def _first_cursor(api: Any, body: dict[str, Any], **headers: str) -> str:
    status, payload, _ = api.query({**body, "limit": 2}, **headers)
    assert status == 200, payload
    cursor = payload["pagination"]["next_page_info"]
    assert isinstance(cursor, str)
    return cursor


def test_cursor_is_bound_to_filter_aggregation_report_and_context(api, api_for, dataset):
    base = {"report": "members", "filter": WOMEN}
    cursor = _first_cursor(api, base)
    assert api.query({**base, "limit": 2, "next_page_info": cursor})[0] == 200
    others: list[dict[str, Any]] = [
        {"report": "members", "filter": None},
        {"report": "members", "filter": {"type": "equal", "field": "gender", "value": "man"}},
        {"report": "members", "filter": {"type": "and", "operations": [WOMEN]}},
        {"report": "members", "filter": WOMEN, "aggregate_by": "gender_count"},
        {"report": "members_count", "filter": None},
    ]
    for body in others:
        status, payload, _ = api.query({**body, "limit": 2, "next_page_info": cursor})
        assert (status, payload) == (422, invalid_cursor()), body
    # The same query in another context (the same client: 235 alone instead of 235_236).
    status, payload, _ = api.query({**base, "limit": 2, "next_page_info": cursor}, **{"X-Customer": "235"})
    assert (status, payload) == (422, invalid_cursor())
    # An aggregation's cursor does not serve another aggregation.
    aggregated = {"report": "members", "aggregate_by": "gender_count"}
    agg_cursor = _first_cursor(api, aggregated)
    status, payload, _ = api.query({**aggregated, "aggregate_by": "age_count", "limit": 2, "page_info": agg_cursor})
    assert (status, payload) == (422, invalid_cursor("page_info"))


def test_tampered_or_foreign_cursors_are_invalid(api, dataset):
    base = {"report": "members", "limit": 2}
    cursor = _first_cursor(api, base)
    flipped = [cursor[:i] + ("A" if cursor[i] != "A" else "B") + cursor[i + 1 :] for i in (0, len(cursor) // 2, -1)]
    for bad in [*flipped, cursor + "x", cursor[:-1], "", "x", "CNOW-AE", "a:b:c", "é:ü", "\ud800:x", "0" * 5000]:
        status, payload, _ = api.query({**base, "next_page_info": bad})
        assert (status, payload) == (422, invalid_cursor()), bad
    not_strings: list[Any] = [123, True, ["x"], {"k": 1}]
    for not_string in not_strings:
        status, payload, _ = api.query({**base, "next_page_info": not_string})
        assert (status, payload) == (422, invalid_cursor()), not_string


def test_cursors_decode_in_either_form_and_long_text_keys_stay_under_the_size_limit():
    fingerprint = cursors.fingerprint(report="members", filter_raw=None, aggregate_by=None, community_ids=[1, 2])
    # Earlier releases compressed every cursor that came out shorter: one issued before an upgrade still reads.
    earlier = signing.dumps({"q": fingerprint, "k": ["Oslo" * 20, 42]}, salt="reporting.cursor.v1", compress=True)
    assert earlier.startswith(".")
    assert cursors.decode(earlier, query_fingerprint=fingerprint, key_count=2) == ["Oslo" * 20, 42]
    numeric = cursors.encode(query_fingerprint=fingerprint, keys=[1, 42])
    assert not numeric.startswith(".")
    assert cursors.decode(numeric, query_fingerprint=fingerprint, key_count=2) == [1, 42]
    text = "Ålesund " * 400  # 3,200 characters: more than the 4,096-character limit once base64-encoded plain
    long_text = cursors.encode(query_fingerprint=fingerprint, keys=[text, 7])
    assert long_text.startswith(".")
    assert len(long_text) < 4096
    assert cursors.decode(long_text, query_fingerprint=fingerprint, key_count=2) == [text, 7]


@pytest.mark.parametrize("keys", [[1, 42], ["Ålesund", None, 2.5], [], ["'\"<&>"]])
def test_cursors_are_signed_as_djangos_signing_signs_them(keys, monkeypatch, settings):
    """The cursor is Django's TimestampSigner output with the HMAC key derived once per SECRET_KEY: the same text as
    ``signing.dumps`` in the same second, and after a key change signed with the new key only."""
    fingerprint = cursors.fingerprint(report="members", filter_raw=None, aggregate_by=None, community_ids=[1, 2])
    monkeypatch.setattr("time.time", lambda: 1_780_000_000.25)
    for secret in ("first secret " * 4, "second secret " * 4):
        settings.SECRET_KEY = secret
        issued = cursors.encode(query_fingerprint=fingerprint, keys=keys)
        assert issued == signing.dumps({"q": fingerprint, "k": keys}, salt="reporting.cursor.v1")
        assert signing.loads(issued, salt="reporting.cursor.v1") == {"q": fingerprint, "k": keys}
    with pytest.raises(signing.BadSignature):
        signing.loads(issued, salt="reporting.cursor.v1", key="first secret " * 4, fallback_keys=[])


def test_cursor_carries_no_readable_query(api, dataset):
    cursor = _first_cursor(api, {"report": "members", "filter": WOMEN})
    assert "woman" not in cursor
    assert "gender" not in cursor


@pytest.mark.django_db(transaction=True)
def test_walk_under_concurrent_inserts_returns_each_initial_row_once(api, insert_members):
    """Another connection commits new members between the pages (before and after the cursor): every row
    present at the start comes back exactly once, nothing comes back twice, and rows inserted ahead of the cursor
    are seen while rows inserted behind it are not."""
    insert_members(member_rows(per_community={235: 60, 236: 40, 240: 5}))
    initial = [r["id"] for r in oracle.record_order(oracle.read_members(CONTEXT))]
    go, done = threading.Event(), threading.Event()
    stop = False
    inserted: list[tuple[int, int, bool]] = []  # (community_id, id, ahead of the cursor when inserted)
    position: list[tuple[int, int]] = [(0, 0)]
    errors: list[BaseException] = []

    def inserter() -> None:
        next_id = 10_000_000
        try:
            while True:
                go.wait()
                go.clear()
                if stop:
                    return
                batch = []
                for community_id, member_id in ((235, next_id), (236, next_id + 1), (235, -1 - len(inserted))):
                    batch.append(
                        Member(
                            id=member_id,
                            community_id=community_id,
                            created_at=timezone.now(),
                            updated_at=timezone.now(),
                            **MEMBER_DEFAULTS,
                        )
                    )
                    inserted.append((community_id, member_id, (community_id, member_id) > position[0]))
                Member.objects.bulk_create(batch)  # autocommit on this thread's own connection
                next_id += 2
                done.set()
        except BaseException as exc:
            errors.append(exc)
            done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=inserter)
    thread.start()
    seen: list[tuple[int, int]] = []
    cursor = None
    try:
        while True:
            status, body, _ = api.query({"report": "members", "limit": 7, "next_page_info": cursor})
            assert status == 200, body
            seen.extend((r["community_id"], r["id"]) for r in body["records"])
            cursor = body["pagination"]["next_page_info"]
            if cursor is None:
                break
            position[0] = seen[-1]
            go.set()
            assert done.wait(10)
            done.clear()
            assert not errors, errors
    finally:
        stop = True
        go.set()
        thread.join(10)
    seen_ids = [member_id for _, member_id in seen]
    assert len(seen_ids) == len(set(seen_ids)), "a row came back twice"
    assert seen == sorted(seen)
    assert set(initial) <= set(seen_ids)
    assert len(inserted) > 30
    ahead = {member_id for _, member_id, is_ahead in inserted if is_ahead}
    behind = {member_id for _, member_id, is_ahead in inserted if not is_ahead}
    assert ahead
    assert behind
    assert ahead <= set(seen_ids)
    assert not behind & set(seen_ids)


def test_deep_pages_use_the_index_and_no_offset(api, communities):
    """Page N's SQL is a keyset condition on (community_id, id) that PostgreSQL answers from the index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reporting_member (id, community_id, optin_platform, subunit_ids, group_ids, favorite_stores,"
            " properties, consents, marketing_via_sms, marketing_via_email, marketing_via_push,"
            " marketing_via_anything, sms_status, email_status, push_status, push_devices, created_at, updated_at)"
            " SELECT g, CASE WHEN g % 3 = 0 THEN 236 WHEN g % 3 = 1 THEN 235 ELSE 240 END, 'other', '{}', '{}',"
            " '{}', '{}', '{}', false, false, false, false, 'disabled', 'disabled', 'disabled', 0, now(), now()"
            " FROM generate_series(1, 30000) AS g"
        )
        cursor.execute("ANALYZE reporting_member")
    cursor_token = None
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            status, body, _ = api.query({"report": "members", "limit": 50, "next_page_info": cursor_token})
        assert status == 200
        cursor_token = body["pagination"]["next_page_info"]
    statement = next(q["sql"] for q in captured.captured_queries if "reporting_member" in q["sql"])
    assert "OFFSET" not in statement.upper()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes = list(_walk(plan[0]["Plan"]))
    scans = [n for n in nodes if n.get("Index Name") == "member_community_id_idx"]
    assert scans, json.dumps(plan, indent=1)
    assert not any(n["Node Type"] in ("Seq Scan", "Sort") for n in nodes), json.dumps(plan, indent=1)
    # The cursor is an index condition (the scan starts at the cursor), not a filter over skipped rows:
    # no index scan reads more entries than one page needs.
    assert any(re.search(r"\bid > ", n.get("Index Cond", "")) for n in scans), scans
    assert all(n["Actual Rows"] <= 51 and "Filter" not in n for n in scans), scans
    assert body["records"][0]["id"] > 200  # really a deep page


def _walk(node: dict[str, Any]) -> Any:
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)
