"""The independent oracle: member rows read with plain SQL, the filter language and aggregations in plain Python.

Nothing here imports the query engine. The semantics are written down from docs/query-language.md (the
decisions of reporting-api.md §4a/§5.1), in the most literal Python that says them, so that a disagreement
between this module and the API is a bug in one of the two, found by the tests.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

UTC = dt.UTC

MEMBER_COLUMNS = (
    "id",
    "community_id",
    "optin_channel",
    "optin_subchannel",
    "optin_platform",
    "gender",
    "age",
    "birth_year_group",
    "subunit_ids",
    "group_ids",
    "favorite_stores",
    "properties",
    "consents",
    "marketing_via_sms",
    "marketing_via_email",
    "marketing_via_push",
    "marketing_via_anything",
    "sms_status",
    "email_status",
    "push_status",
    "push_devices",
    "msisdn_country",
    "location_country",
    "city_place_id",
    "place_id",
    "created_at",
    "updated_at",
)
ARRAY_FIELDS = frozenset({"subunit_ids", "group_ids", "favorite_stores"})
COMPARISONS = {
    "greater_than": lambda a, b: a > b,
    "greater_or_equal_to": lambda a, b: a >= b,
    "less_than": lambda a, b: a < b,
    "less_or_equal_to": lambda a, b: a <= b,
}

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def read_members(community_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Every member of the given communities, straight from the table, objects decoded; order is the caller's job."""
    wanted = set(community_ids)
    select = ", ".join(f"{c}::text" if c in ("properties", "consents") else c for c in MEMBER_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM reporting_member")
        rows = [dict(zip(MEMBER_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["properties"] = json.loads(row["properties"])
        row["consents"] = json.loads(row["consents"])
    return [row for row in rows if row["community_id"] in wanted]


def record_order(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["community_id"], r["id"]))


def format_timestamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> dt.datetime | None:
    """An ISO 8601 timestamp (no offset = UTC, a plain date = its midnight UTC), or None when it is not one."""
    match = _ISO.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        value = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        value = value - sign * delta
    return value


# --- filters ---


def matches(node: dict[str, Any] | None, row: dict[str, Any]) -> bool:
    if node is None:
        return True
    kind = node["type"]
    if kind == "and":
        return all(matches(child, row) for child in node["operations"])
    if kind == "or":
        return any(matches(child, row) for child in node["operations"])
    return _leaf(kind, node["field"], node["value"], row)


def filter_ids(node: dict[str, Any] | None, rows: Iterable[dict[str, Any]]) -> list[int]:
    """Ids of matching rows in records order (community_id, id)."""
    return [row["id"] for row in record_order(row for row in rows if matches(node, row))]


def _leaf(op: str, field: str, value: Any, row: dict[str, Any]) -> bool:
    base, _, key = field.partition(".")
    if base == "consents" and key:
        equal = _consent_equal(row["consents"], key)
    elif base == "properties" and key:
        if op in COMPARISONS:
            return _property_compare(row["properties"], key, op, value)
        equal = _property_equal(row["properties"], key)
    elif field in ARRAY_FIELDS:
        array = row[field]
        assert array is not None, "arrays are never null"

        def equal(v: Any) -> bool:
            return v is not None and v in array
    else:
        actual = row[field]
        if isinstance(actual, dt.datetime):

            def normalise(v: Any) -> Any:
                return parse_iso(v) if isinstance(v, str) else v
        else:

            def normalise(v: Any) -> Any:
                return v

        if op in COMPARISONS:
            return actual is not None and COMPARISONS[op](actual, normalise(value))

        def equal(v: Any) -> bool:
            if v is None or actual is None:
                return v is None and actual is None
            return type(actual) is type(normalise(v)) and actual == normalise(v)

    if op == "equal":
        return equal(value)
    if op == "not_equal":
        return not equal(value)
    if op == "in":
        return any(equal(v) for v in value)
    if op == "not_in":
        return not any(equal(v) for v in value)
    raise AssertionError(f"unexpected op {op}")


def _consent_equal(consents: dict[str, Any], key: str) -> Any:
    present = key in consents and isinstance(consents[key], bool)

    def equal(v: Any) -> bool:
        if v is None:
            return not present
        return present and consents[key] is v

    return equal


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (1 == 1.0), never a boolean equal to a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


def _property_equal(properties: dict[str, Any], key: str) -> Any:
    def equal(v: Any) -> bool:
        actual = properties.get(key)
        if v is None:
            return actual is None
        if isinstance(actual, list):
            return any(json_equal(element, v) for element in actual) or json_equal(actual, v)
        return json_equal(actual, v)

    return equal


def _property_compare(properties: dict[str, Any], key: str, op: str, value: Any) -> bool:
    actual = properties.get(key)
    if isinstance(value, str):
        if not isinstance(actual, str):
            return False
        left, right = parse_iso(actual), parse_iso(value)
        assert right is not None, "the API rejects non-timestamp strings for comparisons"
        return left is not None and COMPARISONS[op](left, right)
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    return COMPARISONS[op](actual, value)


# --- aggregations ---


def _null_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def distribution(
    rows: Sequence[dict[str, Any]],
    *,
    groups: Sequence[str],
    values_of: Any,
    per_community: bool,
) -> list[dict[str, Any]]:
    """Rows of a distribution: ``values_of(row)`` yields the member's group tuples (each counted once)."""
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        for group in set(values_of(row)):
            counts[((row["community_id"],) if per_community else ()) + tuple(group)] += 1
    result = []
    for key, count in counts.items():
        record: dict[str, Any] = {}
        if per_community:
            record["community_id"] = key[0]
            key = key[1:]
        record.update(zip(groups, key, strict=True))
        record["members_count"] = count
        result.append(record)

    def order(record: dict[str, Any]) -> tuple[Any, ...]:
        head = (record["community_id"],) if per_community else ()
        return (*head, -record["members_count"], *(_null_last(record[g]) for g in groups))

    return sorted(result, key=order)


SCALAR_GROUPS = {
    "gender": "gender",
    "age": "age",
    "optin_channel": "optin_channel",
    "optin_subchannel": "optin_subchannel",
    "optin_platform": "optin_platform",
    "marketing_via_anything": "marketing_via_anything",
    "marketing_via_sms": "marketing_via_sms",
    "marketing_via_email": "marketing_via_email",
    "marketing_via_push": "marketing_via_push",
    "place": "place_id",
    "city_place": "city_place_id",
}


def aggregation_rows(name: str, rows: Sequence[dict[str, Any]], community_ids: Sequence[int]) -> list[dict[str, Any]]:
    """What ``aggregate_by=name`` must return for ``rows`` (already filtered) in a context of ``community_ids``."""
    if name == "count":
        per = Counter(row["community_id"] for row in rows)
        records = [{"community_id": cid, "members_count": per.get(cid, 0)} for cid in community_ids]
        return sorted(records, key=lambda r: (r["community_id"], -r["members_count"]))
    if name == "total_count":
        return [{"members_count": len(rows)}]
    per_community = not name.startswith("total_")
    stem = name.removeprefix("total_").removesuffix("_count")
    if stem == "age_gender":
        return distribution(
            rows, groups=["age", "gender"], values_of=lambda r: [(r["age"], r["gender"])], per_community=per_community
        )
    if stem in SCALAR_GROUPS:
        column = SCALAR_GROUPS[stem]
        return distribution(rows, groups=[column], values_of=lambda r: [(r[column],)], per_community=per_community)
    if stem == "consents":

        def consent_pairs(row: dict[str, Any]) -> list[tuple[str, bool]]:
            return [(k, v) for k, v in row["consents"].items() if isinstance(v, bool)]

        return distribution(
            rows, groups=["consent_key", "consent_value"], values_of=consent_pairs, per_community=per_community
        )
    if stem == "interests":

        def interests(row: dict[str, Any]) -> list[tuple[Any]]:
            value = row["properties"].get("interests")
            return [(v,) for v in value] if isinstance(value, list) else []

        return distribution(rows, groups=["interest"], values_of=interests, per_community=per_community)
    raise KeyError(name)


SEED_AGGREGATION_NAMES = (
    "count",
    "total_count",
    "gender_count",
    "total_gender_count",
    "age_count",
    "total_age_count",
    "optin_channel_count",
    "total_optin_channel_count",
    "optin_subchannel_count",
    "total_optin_subchannel_count",
    "optin_platform_count",
    "total_optin_platform_count",
    "marketing_via_anything_count",
    "total_marketing_via_anything_count",
    "place_count",
    "total_place_count",
    "city_place_count",
    "total_city_place_count",
    "consents_count",
    "total_consents_count",
    "interests_count",
    "total_interests_count",
)
"""The 22 aggregations of seed-members-report.txt, in the seed's order."""

OUR_AGGREGATION_NAMES = (
    "marketing_via_sms_count",
    "total_marketing_via_sms_count",
    "marketing_via_email_count",
    "total_marketing_via_email_count",
    "marketing_via_push_count",
    "total_marketing_via_push_count",
    "age_gender_count",
    "total_age_gender_count",
)
"""Ours, after the seed's: reachability per channel, and the age pyramid's age x gender in one scan."""

AGGREGATION_NAMES = SEED_AGGREGATION_NAMES + OUR_AGGREGATION_NAMES


def field_value_counts(rows: Sequence[dict[str, Any]], field: str) -> Counter[Any]:
    """Field metadata's values as ``json_key``s: elements of arrays (once per member), keys of whole objects."""
    counts: Counter[Any] = Counter()
    base, _, key = field.partition(".")
    for row in rows:
        if key:
            value = row[base].get(key)
            if base == "consents" and not isinstance(value, bool):
                value = None
            values = {json_key(v) for v in value} if isinstance(value, list) else {json_key(value)}
        elif field in ARRAY_FIELDS or field in ("consents", "properties"):
            values = {json_key(v) for v in row[field]}
        elif isinstance(row[field], dt.datetime):
            values = {json_key(format_timestamp(row[field]))}
        else:
            values = {json_key(row[field])}
        counts.update(values)
    return counts


def json_key(value: Any) -> tuple[str, Any]:
    """A hashable identity under JSON equality: 10.0 and 10 are one value, True and 1 are two."""
    if value is None:
        return ("null", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", int(value) if float(value).is_integer() and abs(value) < 2**63 else value)
    if isinstance(value, str):
        return ("string", value)
    return ("json", json.dumps(value, sort_keys=True))
