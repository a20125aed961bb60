"""One operational member (ingestion.md) -> one analytical row, or the reasons it is rejected.

Pure Python without Django, so that worker processes can run it without a database connection. The only state
is a :class:`Reference` (communities, country codes, place countries, personal keys) built once per run.

Contract:

* :func:`derive` returns a :class:`MemberRow` or a details tree (``{"path": [{"error": code, "options": {}}]}``,
  the API's shape). It never raises for any JSON value.
* Personal data (msisdn, e-mail, names, push tokens, addresses, zip codes) is read to derive fields and never
  copied into the row; the birth date is kept only in ``birth_date`` (Member's private column). Rejection
  details never contain input values, only codes and the allowed options.
* ``age`` is not derived here: the upsert computes it in SQL with ``reporting_age_bucket`` so that ingestion
  and the daily refresh share one rule.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from reporting import enums
from reporting.ingestion.personal import PERSONAL_KEYS, canonical_keys, is_personal_key, looks_personal
from reporting.ingestion.phones import msisdn_country
from reporting.query import errors
from reporting.query.errors import ErrorTree

Details = dict[str, Any]

UTC = dt.UTC
BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)
# Earlier birth dates are data-entry errors, not members; the seed's oldest bucket is open-ended ("80-").
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
# The date is "in the future" only when it is after today everywhere on Earth (UTC+14).
LATEST_OFFSET = dt.timedelta(hours=14)
# An updated_at beyond this is a clock or data error: it would win every later write and, on a deletion, keep
# a tombstone that blocks the club's own re-creation of the id for centuries.
UPDATED_AT_TOLERANCE = dt.timedelta(days=1)

PERSONAL_PROPERTY_KEYS = frozenset(
    {
        "first_name", "last_name", "name", "full_name", "email", "msisdn", "phone", "phone_number",
        "birth_date", "birthday", "date_of_birth", "address", "street", "street_address", "zip", "zip_code",
        "postal_code", "ssn", "national_id", "passport",
    }
)  # fmt: skip

STATUS_KEYS: dict[str, tuple[str, ...]] = {
    "sms_status": enums.SMS_STATUSES,
    "email_status": enums.EMAIL_STATUSES,
    "push_status": enums.PUSH_STATUSES,
}
ID_ARRAY_KEYS = ("subunit_ids", "group_ids", "favorite_stores")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_MISSING: Any = object()


@dataclass(frozen=True)
class CommunityRef:
    country: str
    # Lower-cased optin_channel -> optin_platform (Community.optin_platform_overrides, valid values only).
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reference:
    """Everything derivation needs from the database, loaded once per run (picklable for worker processes)."""

    communities: dict[int, CommunityRef]
    country_codes: frozenset[str]
    place_countries: dict[str, str]
    personal_keys: frozenset[str] = PERSONAL_PROPERTY_KEYS
    allowed_community_ids: frozenset[int] | None = None
    latest_birth_date: dt.date = field(default_factory=lambda: (dt.datetime.now(UTC) + LATEST_OFFSET).date())
    latest_updated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(UTC) + UPDATED_AT_TOLERANCE)

    def __post_init__(self) -> None:
        # Matched in canonical form (reporting.ingestion.personal), with the synonyms, whatever the caller gave.
        object.__setattr__(self, "personal_keys", PERSONAL_KEYS | canonical_keys(self.personal_keys))


class MemberRow(NamedTuple):
    """The analytical record of one accepted line (Member's columns, minus ``age``)."""

    id: int
    community_id: int
    deleted: bool
    deleted_at: dt.datetime | None
    optin_channel: str | None
    optin_subchannel: str | None
    optin_platform: str
    gender: str | None
    birth_date: dt.date | None
    birth_year_group: int | None
    subunit_ids: list[int]
    group_ids: list[int]
    favorite_stores: list[int]
    properties: dict[str, Any]
    consents: dict[str, bool]
    marketing_via_sms: bool
    marketing_via_email: bool
    marketing_via_push: bool
    marketing_via_anything: bool
    sms_status: str
    email_status: str
    push_status: str
    push_devices: int
    msisdn_country: str | None
    location_country: str | None
    city_place_id: str | None
    place_id: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime


class _Errors:
    """A list of (path, code, options) that becomes an ErrorTree only when a line is actually rejected."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[tuple[tuple[str | int, ...], str, dict[str, Any]]] = []

    def add(self, path: tuple[str | int, ...], code: str, **options: Any) -> None:
        self.items.append((path, code, options))

    def details(self) -> Details:
        tree = ErrorTree()
        for path, code, options in self.items:
            tree.add(path, code, **options)
        return tree.details


def single_error(path: tuple[str | int, ...], code: str, **options: Any) -> Details:
    tree = ErrorTree()
    tree.add(path, code, **options)
    return tree.details


def optin_platform(channel: str | None, overrides: dict[str, str]) -> str:
    """ingestion.md's rule, case-insensitive; a community's override for the lower-cased channel wins."""
    if channel is None:
        return "other"
    lowered = channel.lower()
    override = overrides.get(lowered)
    if override is not None:
        return override
    if "android" in lowered:
        return "android"
    if "ios" in lowered:
        return "ios"
    if lowered == "webforms":
        return "webforms"
    if "web" in lowered:
        return "website"
    return "other"


_DROPPED: Any = object()  # a personal value: left out of its object or array


def scrub_properties(value: Any, personal_keys: frozenset[str], path: tuple[str | int, ...], errs: _Errors) -> Any:
    """A copy without personal data at any depth (objects inside arrays too): entries under personal keys, and
    e-mail-, phone- and card-shaped strings wherever they are (reporting.ingestion.personal). NUL characters and
    numbers beyond a double are errors."""
    if type(value) is list:
        kept_items = []
        for index, item in enumerate(value):
            if type(item) is dict or type(item) is list:
                kept_items.append(scrub_properties(item, personal_keys, (*path, index), errs))
            elif (item := _checked_scalar(item, (*path, index), errs)) is not _DROPPED:
                kept_items.append(item)
        return kept_items
    if type(value) is not dict:
        checked = _checked_scalar(value, path, errs)
        return None if checked is _DROPPED else checked
    kept = {}
    for key, item in value.items():
        if is_personal_key(key, personal_keys):
            continue
        if "\x00" in key:
            errs.add((*path, key), errors.INVALID_VALUE, reason="NUL character")
            continue
        kind = type(item)
        if kind is dict or kind is list:
            item = scrub_properties(item, personal_keys, (*path, key), errs)
        elif (item := _checked_scalar(item, (*path, key), errs)) is _DROPPED:
            continue
        kept[key] = item
    return kept


def _checked_scalar(value: Any, path: tuple[str | int, ...], errs: _Errors) -> Any:
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            errs.add(path, errors.INVALID_VALUE, reason="NUL character")
        elif looks_personal(value):
            return _DROPPED
    elif kind is float and not math.isfinite(value):
        # json reads 1e400 as infinity, which JSON cannot hold: it would be stored as null
        errs.add(path, errors.INVALID_VALUE, reason="number out of range")
    return value


def _string(obj: dict[str, Any], key: str, errs: _Errors) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is not str:
        errs.add((key,), errors.INVALID_TYPE, expected="string")
        return None
    if "\x00" in value:
        errs.add((key,), errors.INVALID_VALUE, reason="NUL character")
        return None
    return value


def _place_id(obj: dict[str, Any], key: str, errs: _Errors) -> str | None:
    value = obj.get(key)
    # The seed's own example shows place ids as numbers; a GeoNames id number means the same place.
    if type(value) is int:
        return str(value)
    return _string(obj, key, errs)


def _timestamp(value: Any, key: str, errs: _Errors) -> dt.datetime | None:
    if type(value) is not str:
        errs.add((key,), errors.INVALID_TYPE, expected="timestamp")
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:  # reporting-api.md §1: no offset means UTC
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        errs.add((key,), errors.INVALID_VALUE, reason="not an ISO 8601 timestamp")
        return None


def _id_array(obj: dict[str, Any], key: str, errs: _Errors) -> list[int]:
    value = obj.get(key)
    if value is None:
        return []
    if type(value) is not list:
        errs.add((key,), errors.INVALID_TYPE, expected="array")
        return []
    for index, item in enumerate(value):
        if type(item) is not int:
            errs.add((key, index), errors.INVALID_TYPE, expected="integer")
        elif not BIGINT_MIN <= item <= BIGINT_MAX:
            errs.add((key, index), errors.INVALID_VALUE, reason="out of range")
    return value


def _member_id(obj: dict[str, Any], errs: _Errors) -> int | None:
    value = obj.get("id")
    if value is None:
        errs.add(("id",), errors.REQUIRED)
    elif type(value) is not int:
        errs.add(("id",), errors.INVALID_TYPE, expected="integer")
    elif not 1 <= value <= BIGINT_MAX:
        errs.add(("id",), errors.INVALID_VALUE, reason="out of range", minimum=1, maximum=BIGINT_MAX)
    else:
        return value
    return None


def _community(obj: dict[str, Any], ref: Reference, errs: _Errors) -> CommunityRef | None:
    value = obj.get("community_id")
    if value is None:
        errs.add(("community_id",), errors.REQUIRED)
        return None
    if type(value) is not int:
        errs.add(("community_id",), errors.INVALID_TYPE, expected="integer")
        return None
    # A caller limited to some communities learns nothing about the others, not even whether they exist.
    if ref.allowed_community_ids is not None and value not in ref.allowed_community_ids:
        errs.add(("community_id",), errors.NOT_ALLOWED)
        return None
    community = ref.communities.get(value)
    if community is None:
        errs.add(("community_id",), errors.UNKNOWN)
    return community


def _consents(obj: dict[str, Any], errs: _Errors) -> dict[str, bool]:
    value = obj.get("consents")
    if value is None:
        return {}
    if type(value) is not dict:
        errs.add(("consents",), errors.INVALID_TYPE, expected="object")
        return {}
    consents = {}
    for key, item in value.items():
        if "\x00" in key:
            errs.add(("consents", key), errors.INVALID_VALUE, reason="NUL character")
        elif type(item) is bool:
            consents[key] = item
        elif item is not None:  # null = unknown: the key is left out
            errs.add(("consents", key), errors.INVALID_TYPE, expected="boolean")
    return consents


def _birth_date(obj: dict[str, Any], ref: Reference, errs: _Errors) -> dt.date | None:
    value = obj.get("birth_date")
    if value is None:
        return None
    if type(value) is not str:
        errs.add(("birth_date",), errors.INVALID_TYPE, expected="date")
        return None
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError(value)
        birth = dt.date.fromisoformat(value)
    except ValueError:
        errs.add(("birth_date",), errors.INVALID_VALUE, reason="not a YYYY-MM-DD date")
        return None
    if birth > ref.latest_birth_date:
        errs.add(("birth_date",), errors.INVALID_VALUE, reason="in the future")
        return None
    if birth < EARLIEST_BIRTH_DATE:
        errs.add(("birth_date",), errors.INVALID_VALUE, reason="before 1900-01-01")
        return None
    return birth


def _status(obj: dict[str, Any], key: str, errs: _Errors) -> str:
    value = obj.get(key)
    if value is None:
        return "disabled"
    allowed = STATUS_KEYS[key]
    if type(value) is not str:
        errs.add((key,), errors.INVALID_TYPE, expected="string")
    elif value not in allowed:
        errs.add((key,), errors.INVALID_VALUE, values=list(allowed))
    else:
        return value
    return "disabled"


def _push_tokens(obj: dict[str, Any], errs: _Errors) -> int:
    value = obj.get("push_tokens")
    if value is None:
        return 0
    if type(value) is not list:
        errs.add(("push_tokens",), errors.INVALID_TYPE, expected="array")
        return 0
    count = 0
    for index, token in enumerate(value):
        if type(token) is not str:
            errs.add(("push_tokens", index), errors.INVALID_TYPE, expected="string")
        elif "\x00" in token:
            errs.add(("push_tokens", index), errors.INVALID_VALUE, reason="NUL character")
        elif token.strip():  # an empty token registers no device
            count += 1
    return count


def derive(obj: Any, ref: Reference) -> MemberRow | Details:
    """The analytical row of one operational member, or its rejection details (never raises)."""
    if type(obj) is not dict:
        return single_error((), errors.INVALID_TYPE, expected="object")
    errs = _Errors()
    member_id = _member_id(obj, errs)
    community = _community(obj, ref, errs)
    deleted = obj.get("deleted")
    if deleted is None:
        deleted = False
    elif type(deleted) is not bool:
        errs.add(("deleted",), errors.INVALID_TYPE, expected="boolean")
        deleted = False
    updated_raw = obj.get("updated_at")
    updated_at = None
    if updated_raw is None:
        errs.add(("updated_at",), errors.REQUIRED)
    else:
        updated_at = _timestamp(updated_raw, "updated_at", errs)
        if updated_at is not None and updated_at > ref.latest_updated_at:
            errs.add(("updated_at",), errors.INVALID_VALUE, reason="more than a day in the future")
            updated_at = None
    created_raw = obj.get("created_at")
    created_at = None
    if created_raw is not None:
        created_at = _timestamp(created_raw, "created_at", errs)
    elif not deleted:
        errs.add(("created_at",), errors.REQUIRED)
    deleted_raw = obj.get("deleted_at")
    deleted_at = None if deleted_raw is None else _timestamp(deleted_raw, "deleted_at", errs)

    optin_channel = _string(obj, "optin_channel", errs)
    optin_subchannel = _string(obj, "optin_subchannel", errs)
    msisdn = _string(obj, "msisdn", errs)
    email = _string(obj, "email", errs)
    sms_status = _status(obj, "sms_status", errs)
    email_status = _status(obj, "email_status", errs)
    push_status = _status(obj, "push_status", errs)
    push_devices = _push_tokens(obj, errs)
    birth_date = _birth_date(obj, ref, errs)
    consents = _consents(obj, errs)
    subunit_ids = _id_array(obj, "subunit_ids", errs)
    group_ids = _id_array(obj, "group_ids", errs)
    favorite_stores = _id_array(obj, "favorite_stores", errs)
    city_place_id = _place_id(obj, "city_place_id", errs)
    place_id = _place_id(obj, "place_id", errs)

    raw_properties = obj.get("properties")
    properties: dict[str, Any] = {}
    if raw_properties is not None:
        if type(raw_properties) is dict:
            properties = scrub_properties(raw_properties, ref.personal_keys, ("properties",), errs)
        else:
            errs.add(("properties",), errors.INVALID_TYPE, expected="object")

    if errs.items:
        return errs.details()
    assert member_id is not None
    assert community is not None
    assert updated_at is not None

    gender = properties.get("gender")
    if type(gender) is not str or not gender.strip():
        gender = None
    country = properties.get("country")
    location_country = None
    if type(country) is str and country.upper() in ref.country_codes:
        location_country = country.upper()
    elif place_id is not None:
        location_country = ref.place_countries.get(place_id)
    if location_country is None:
        location_country = community.country

    has_msisdn = msisdn is not None and bool(msisdn.strip())
    has_email = email is not None and bool(email.strip())
    via_sms = has_msisdn and sms_status == "verified" and consents.get("sms_marketing") is True
    via_email = has_email and email_status in ("enabled", "verified") and consents.get("email_marketing") is True
    via_push = push_devices > 0 and push_status == "enabled"
    # A deletion only needs id, community and times; the phone-number library is the costliest step.
    phone_country = None if deleted or not has_msisdn else msisdn_country(msisdn)

    # Positional: a third of the cost of keywords, on the hottest line of an import.
    return MemberRow(
        member_id,
        obj["community_id"],
        deleted,
        deleted_at,
        optin_channel,
        optin_subchannel,
        optin_platform(optin_channel, community.overrides),
        gender,
        birth_date,
        None if birth_date is None else birth_date.year - birth_date.year % 5,
        subunit_ids,
        group_ids,
        favorite_stores,
        properties,
        consents,
        via_sms,
        via_email,
        via_push,
        via_sms or via_email or via_push,
        sms_status,
        email_status,
        push_status,
        push_devices,
        phone_country,
        location_country,
        city_place_id,
        place_id,
        created_at,
        updated_at,
    )
