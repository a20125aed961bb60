"""Random writes (inserts, updates, deletions, re-joins, age changes) then random aggregations under random
rollup-covered filters: the rollup path returns exactly the member table's rows, and every rollup equals a
GROUP BY written here over the member table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting import enums
from reporting.ingestion.service import refresh_ages
from reporting.models import Member
from reporting.query.errors import ErrorTree
from reporting.query.filters import parse_filter
from reporting.reports.members import MEMBERS
from reporting.rollups.members import MEMBER_ROLLUPS, MemberRollup
from tests.conftest import MEMBER_DEFAULTS
from tests.rollups.helpers import aggregation_rows, rollup_differences

UTC = dt.UTC
AGES = [None, *enums.AGE_BUCKETS[:4]]
VALUES: dict[str, list[Any]] = {
    "gender": [None, "man", "woman", "x"],
    "age": AGES,
    "optin_channel": [None, "ios-app", "pos"],
    "optin_subchannel": [None, "home", "store-1"],
    "optin_platform": list(enums.OPTIN_PLATFORMS[:3]),
    "marketing_via_sms": [False, True],
    "marketing_via_email": [False, True],
    "marketing_via_push": [False, True],
    "marketing_via_anything": [False, True],
    "location_country": [None, "NO", "SE"],
    "city_place_id": [None, "1", "2"],
    "place_id": [None, "1", "3"],
}
CONSENT_KEYS = ("sms_marketing", "email_marketing")
INTERESTS = ("golf", "food", "wine")

consents = st.dictionaries(st.sampled_from(CONSENT_KEYS), st.booleans(), max_size=2)
properties = st.fixed_dictionaries({"interests": st.lists(st.sampled_from(INTERESTS), max_size=4)})
attributes = st.fixed_dictionaries(
    {name: st.sampled_from(values) for name, values in VALUES.items()},
    optional={"consents": consents, "properties": properties},
)


def leaf(field: str) -> st.SearchStrategy[dict[str, Any]]:
    if field == "consents":
        return st.builds(
            lambda key, op, value: {"type": op, "field": f"consents.{key}", "value": value},
            st.sampled_from(CONSENT_KEYS),
            st.sampled_from(["equal", "not_equal"]),
            st.sampled_from([True, False, None]),
        )
    values = st.sampled_from(VALUES[field])
    return st.one_of(
        st.builds(
            lambda op, v: {"type": op, "field": field, "value": v}, st.sampled_from(["equal", "not_equal"]), values
        ),
        st.builds(
            lambda op, vs: {"type": op, "field": field, "value": vs},
            st.sampled_from(["in", "not_in"]),
            st.lists(values, min_size=1, max_size=3),
        ),
    )


def filters(fields: list[str]) -> st.SearchStrategy[dict[str, Any] | None]:
    """No filter, a condition or an and/or of conditions, on ``fields``."""
    if not fields:
        return st.none()
    leaves = st.sampled_from(fields).flatmap(leaf)
    return st.one_of(
        st.none(),
        leaves,
        st.builds(
            lambda op, ops: {"type": op, "operations": ops},
            st.sampled_from(["and", "or"]),
            st.lists(leaves, min_size=1, max_size=3),
        ),
    )


def filter_fields(rollup: MemberRollup) -> list[str]:
    """The filterable fields a rollup keeps (consents.<key> for the consents rollups; an unnested rollup's element
    is no field)."""
    kept = rollup.dimensions[:-1] if rollup.unnest else rollup.dimensions
    return [name if name in VALUES else "consents" for name in kept]


def write(data: st.DataObject, next_id: list[int]) -> None:
    live = list(Member.objects.values_list("id", flat=True))
    kind = data.draw(st.sampled_from(["insert", "update", "delete", "rejoin", "ages"]))
    if kind == "insert" or not live:
        rows = data.draw(st.lists(attributes, min_size=1, max_size=12))
        members = []
        for row in rows:
            next_id[0] += 1
            community = data.draw(st.sampled_from([235, 236]))
            members.append(_member(next_id[0], community, row))
        Member.objects.bulk_create(members)
    elif kind == "update":
        chosen = data.draw(st.lists(st.sampled_from(live), min_size=1, max_size=8, unique=True))
        changes = data.draw(attributes)
        Member.objects.filter(id__in=chosen).update(**changes)
    elif kind == "delete":
        chosen = data.draw(st.lists(st.sampled_from(live), min_size=1, max_size=8, unique=True))
        Member.objects.filter(id__in=chosen).delete()
    elif kind == "rejoin":
        chosen = data.draw(st.lists(st.sampled_from(live), min_size=1, max_size=4, unique=True))
        kept = {m.id: m.community_id for m in Member.objects.filter(id__in=chosen)}
        Member.objects.filter(id__in=chosen).delete()
        returning = [_member(i, kept[i], data.draw(attributes)) for i in chosen]
        Member.objects.bulk_create(returning)
    else:
        chosen = data.draw(st.lists(st.sampled_from(live), min_size=1, max_size=8, unique=True))
        birth = data.draw(st.dates(dt.date(1950, 1, 1), dt.date(2015, 1, 1)))
        Member.objects.filter(id__in=chosen).update(birth_date=birth)
        refresh_ages()


def _member(member_id: int, community: int, row: dict[str, Any]) -> Member:
    created = dt.datetime(2024, 1, 1, tzinfo=UTC)
    values = {**MEMBER_DEFAULTS, **row, "created_at": created, "updated_at": created}
    return Member(id=member_id, community_id=community, **values)


class Rollback(Exception):
    pass


AGGREGATIONS = [a.name for a in MEMBERS.aggregations]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rollup_path_equals_the_member_table(communities: Any, data: st.DataObject) -> None:
    try:
        with transaction.atomic():
            next_id = [0]
            for _ in range(data.draw(st.integers(1, 5))):
                write(data, next_id)
                assert rollup_differences() == dict.fromkeys(rollup_differences(), 0)
            for _ in range(4):
                rollup = data.draw(st.sampled_from(MEMBER_ROLLUPS))
                raw = data.draw(filters(filter_fields(rollup)))
                name = data.draw(st.sampled_from(AGGREGATIONS))
                errors = ErrorTree()
                node = parse_filter(raw, MEMBERS, errors)
                assert not errors, errors
                from_rollup, sources = aggregation_rows(name, node, rollups=True)
                from_base, base_sources = aggregation_rows(name, node, rollups=False)
                assert base_sources == ["base"]
                assert from_rollup == from_base, (name, raw, sources)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM reporting_member")
                    members = cursor.fetchone()[0]
                if name == "total_count" and raw is None:
                    assert from_rollup == [{"members_count": members}]
            raise Rollback
    except Rollback:
        pass
