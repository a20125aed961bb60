"""A small, deliberately awkward member data set for the query-engine tests, and the value pools filters draw from.

Nulls in every nullable column, missing object keys, JSON nulls, empty arrays, mixed JSON types under one
property key, 1 next to 1.0, strings that are and are not timestamps, non-boolean consents, case and unicode
variants of strings. Rows are deterministic (seeded) so a failure reproduces.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from reporting import enums

UTC = dt.UTC
CONTEXT = (235, 236)
OUTSIDE = 240  # rows here must never show up in a 235_236 context

MISSING: Any = object()  # "leave the key out of the object"

STRINGS = {
    "optin_channel": [None, "webforms", "default", "app", "Kiosk", "kiosk", "ÆØÅ-butikk", "", "%s %(x)s"],
    "optin_subchannel": [None, "2242", "a", "b"],
    "gender": [None, "woman", "man", "other", "Woman", "O'Brien"],
    "msisdn_country": [None, "NO", "SE"],
    "location_country": [None, "NO", "SE", "DK"],
    "city_place_id": [None, "3143244", "3161732", "2673730"],
    "place_id": [None, "3143244", "NO", "6453366", "2673730"],
}
AGES = [None, "-14", "20-24", "25-29", "40-44", "80-"]
BIRTH_YEAR_GROUPS = [None, 1950, 1975, 1990, 2000, 2005]
ARRAY_POOL = [1, 2, 3, 4, 5, 6]

TIMESTAMP_STRINGS = [
    "2024-01-01T10:00:00Z",
    "2024-01-01",
    "2023-06-30T23:00:00+02:00",
    "2024-03-05T12:30:00.123456",
    "2024-03-05 12:30:00+00:00",
    "2024-02-29T08:00:00+05:30",
]
NOT_TIMESTAMP_STRINGS = ["not a date", "2024-99-99", "2024", "red"]

PROPERTY_VALUES: dict[str, list[Any]] = {
    "bonus_points": [MISSING, None, 0, 10, 10.0, 2.5, -3, "10", [10, 20], True, 12345678901234567890],
    "bool": [MISSING, None, True, False, "true", 1],
    "color": [MISSING, "red", "blue", ["red", "green"], [], 1, {"a": "red"}, "", 'say "hi" \\', "ÆØÅ"],
    "interests": [
        MISSING,
        None,
        [],
        ["cars", "swimming"],
        ["cars"],
        ["swimming", "swimming"],
        "cars",
        ["Cars", "dietary_and_nutrition", "ÆØÅ"],
    ],
    "birthday": [MISSING, None, *TIMESTAMP_STRINGS, *NOT_TIMESTAMP_STRINGS, 20240101, ["2024-01-01"]],
}
CONSENT_VALUES: dict[str, list[Any]] = {
    "sms_marketing": [MISSING, True, False],
    "email_marketing": [MISSING, True, False],
    "dmp_profiling": [MISSING, True, None, "yes"],  # not booleans: "no such consent" for the filter
}

BASE_TIME = dt.datetime(2023, 1, 1, tzinfo=UTC)
# Exact instants some rows carry, so that equality and boundary comparisons have something to hit.
SPECIAL_TIMES = [
    dt.datetime(2024, 1, 1, tzinfo=UTC),
    dt.datetime(2024, 4, 9, 13, 34, 29, 439000, tzinfo=UTC),
    dt.datetime(2023, 6, 30, 21, 0, tzinfo=UTC),
]


def _pick_object(rng: random.Random, choices: dict[str, list[Any]]) -> dict[str, Any]:
    result = {}
    for key, options in choices.items():
        value = rng.choice(options)
        if value is not MISSING:
            result[key] = value
    return result


def member_rows(*, seed: int = 20240409, per_community: dict[int, int] | None = None) -> list[dict[str, Any]]:
    """Rows for ``insert_members``; ids are shuffled across communities so (community_id, id) order is not id order."""
    rng = random.Random(seed)
    counts = per_community or {235: 140, 236: 80, OUTSIDE: 20}
    total = sum(counts.values())
    ids = rng.sample(range(1, total * 5), total)
    communities = [cid for cid, n in counts.items() for _ in range(n)]
    rows = []
    for index, (member_id, community_id) in enumerate(zip(ids, communities, strict=True)):
        if index < len(SPECIAL_TIMES):
            created = SPECIAL_TIMES[index]
        else:
            created = BASE_TIME + dt.timedelta(
                seconds=rng.randrange(0, 2 * 365 * 86400), microseconds=rng.randrange(0, 10**6)
            )
        sms, email, push = (rng.random() < 0.4 for _ in range(3))
        row: dict[str, Any] = {
            "id": member_id,
            "community_id": community_id,
            **{field: rng.choice(options) for field, options in STRINGS.items()},
            "optin_platform": rng.choice(enums.OPTIN_PLATFORMS),
            "age": rng.choice(AGES),
            "birth_year_group": rng.choice(BIRTH_YEAR_GROUPS),
            "subunit_ids": rng.sample(ARRAY_POOL, rng.randrange(0, 3)),
            "group_ids": rng.sample(ARRAY_POOL, rng.randrange(0, 4)),
            "favorite_stores": rng.sample(ARRAY_POOL, rng.randrange(0, 2)),
            "properties": _pick_object(rng, PROPERTY_VALUES),
            "consents": _pick_object(rng, CONSENT_VALUES),
            "marketing_via_sms": sms,
            "marketing_via_email": email,
            "marketing_via_push": push,
            "marketing_via_anything": sms or email or push,
            "sms_status": rng.choice(enums.SMS_STATUSES),
            "email_status": rng.choice(enums.EMAIL_STATUSES),
            "push_status": rng.choice(enums.PUSH_STATUSES),
            "push_devices": rng.randrange(0, 4),
            "created_at": created,
            "updated_at": created + dt.timedelta(days=rng.randrange(0, 30)),
        }
        rows.append(row)
    # Groups that exist in one community only, so that distributions have zero groups to leave out.
    for row in rows:
        if row["community_id"] == 236:
            row["gender"] = "man" if row["gender"] == "other" else row["gender"]
            row["place_id"] = None if row["place_id"] == "6453366" else row["place_id"]
            row["age"] = "40-44" if row["age"] == "80-" else row["age"]
        elif row["community_id"] == 235 and row["optin_subchannel"] == "b":
            row["optin_subchannel"] = "a"
    return rows


# --- value pools the filter tests draw from (present values, absent ones and null) ---

STRING_FIELDS = tuple(STRINGS)
ENUM_FIELDS = {
    "age": (*AGES[1:], "15-19"),
    "optin_platform": enums.OPTIN_PLATFORMS,
    "sms_status": enums.SMS_STATUSES,
    "email_status": enums.EMAIL_STATUSES,
    "push_status": enums.PUSH_STATUSES,
}
BOOLEAN_FIELDS = ("marketing_via_sms", "marketing_via_email", "marketing_via_push", "marketing_via_anything")
INTEGER_FIELDS = ("id", "birth_year_group", "push_devices")
TIMESTAMP_FIELDS = ("created_at", "updated_at")
ARRAY_FIELDS = ("subunit_ids", "group_ids", "favorite_stores")
CONSENT_KEYS = (*CONSENT_VALUES, "never_given")
PROPERTY_KEYS = (*PROPERTY_VALUES, "nowhere")

TIMESTAMP_FILTER_VALUES = [
    "2024-01-01",  # plain date: midnight UTC
    "2024-01-01T00:00:00",  # no offset: UTC
    "2024-01-01T01:00:00+01:00",  # the same instant again
    "2024-04-09T13:34:29.439Z",
    "2024-04-09T13:34:29.439000+00:00",
    "2023-06-30T23:00:00+02:00",
    "2023-09-15T08:00:00-06:00",
    "2024-06-30",
]


def scalar_pool(field: str, rows: list[dict[str, Any]]) -> list[Any]:
    """Values worth filtering ``field`` by: a few present in the rows, one absent, and null."""
    if field in STRING_FIELDS:
        return [*STRINGS[field], "absent value"]
    if field in ENUM_FIELDS:
        return [None, *ENUM_FIELDS[field]]
    if field in BOOLEAN_FIELDS:
        return [None, True, False]
    if field == "id":
        present = sorted(r["id"] for r in rows)
        return [None, present[0], present[len(present) // 2], present[-1], 0, 10**12]
    if field == "birth_year_group":
        return [*BIRTH_YEAR_GROUPS, 1980]
    if field == "push_devices":
        return [None, 0, 1, 2, 3, 99]
    if field in TIMESTAMP_FIELDS:
        return [None, *TIMESTAMP_FILTER_VALUES]
    if field in ARRAY_FIELDS:
        return [None, *ARRAY_POOL, 7]
    raise KeyError(field)


def consent_pool() -> list[Any]:
    return [None, True, False]


def property_equality_pool() -> list[Any]:
    """Scalars for equal/not_equal/in/not_in on properties.<key>: every JSON scalar type and null."""
    return [
        None,
        0,
        10,
        10.0,
        2.5,
        -3,
        "10",
        True,
        False,
        "true",
        1,
        "red",
        "green",
        "",
        "cars",
        "Cars",
        "swimming",
        "2024-01-01",
        "nope",
        'say "hi" \\',
        "ÆØÅ",
    ]


def property_comparison_pool() -> list[Any]:
    """Numbers and ISO timestamps (the only values comparisons on properties.<key> accept)."""
    return [
        0,
        1,
        2.5,
        10,
        -5,
        20240101,
        10**19,
        "2024-01-01",
        "2024-01-01T10:00:00Z",
        "2024-03-05T12:30:00",
        "2023-06-30T21:00:00+00:00",
        "2024-02-29T02:30:00Z",
    ]
