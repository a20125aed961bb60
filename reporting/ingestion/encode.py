"""Raw input -> PostgreSQL COPY text lines for the staging table; pure Python, runs in worker processes.

The staging table's columns are :data:`STAGE_COLUMNS`, in COPY order. A line is the text format of COPY
(tab-separated, ``\\N`` for NULL, backslash escapes), UTF-8 encoded.
"""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import orjson

from reporting.ingestion.derive import Details, MemberRow, Reference, derive, single_error
from reporting.query import errors

STAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("idx", "bigint"),
    ("id", "bigint"),
    ("community_id", "integer"),
    ("deleted", "boolean"),
    ("deleted_at", "timestamptz"),
    ("optin_channel", "text"),
    ("optin_subchannel", "text"),
    ("optin_platform", "text"),
    ("gender", "text"),
    ("birth_date", "date"),
    ("birth_year_group", "integer"),
    ("subunit_ids", "bigint[]"),
    ("group_ids", "bigint[]"),
    ("favorite_stores", "bigint[]"),
    ("properties", "jsonb"),
    ("consents", "jsonb"),
    ("marketing_via_sms", "boolean"),
    ("marketing_via_email", "boolean"),
    ("marketing_via_push", "boolean"),
    ("marketing_via_anything", "boolean"),
    ("sms_status", "text"),
    ("email_status", "text"),
    ("push_status", "text"),
    ("push_devices", "integer"),
    ("msisdn_country", "text"),
    ("location_country", "text"),
    ("city_place_id", "text"),
    ("place_id", "text"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)

NULL = "\\N"
Accepted = tuple[int, int, bool, bytes]  # (index, member id, is a deletion, COPY line)
Rejected = tuple[int, int | None, Details]  # (index, member id if readable, details)
# One loader's share of a chunk, as a worker hands it back: (COPY text of the rows, their ids in order, how many
# are deletions). One bytes object and one list of ints cross the process boundary instead of a tuple per row.
Part = tuple[bytes, list[int], int]


def _text(value: str | None) -> str:
    if value is None:
        return NULL
    if "\\" in value or "\n" in value or "\r" in value or "\t" in value:
        value = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return value


def _time(value: dt.datetime | None) -> str:
    return NULL if value is None else value.isoformat()


def _array(values: list[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}" if values else "{}"


def _json(value: Any) -> str:
    # orjson escapes every control character, so a backslash is the only byte COPY needs escaped.
    return orjson.dumps(value).decode().replace("\\", "\\\\")


def copy_line(row: MemberRow, idx: int) -> bytes:
    """The COPY text line of ``row``; raises ValueError for text PostgreSQL cannot hold (lone surrogates)."""
    (member_id, community_id, deleted, deleted_at, channel, subchannel, platform, gender, birth_date, year_group,
     subunit_ids, group_ids, favorite_stores, properties, consents, via_sms, via_email, via_push, via_anything,
     sms_status, email_status, push_status, push_devices, msisdn_country, location_country, city_place_id, place_id,
     created_at, updated_at) = row  # fmt: skip
    return (
        f"{idx}\t{member_id}\t{community_id}\t{'t' if deleted else 'f'}\t{_time(deleted_at)}\t{_text(channel)}\t"
        f"{_text(subchannel)}\t{platform}\t{_text(gender)}\t"
        f"{NULL if birth_date is None else birth_date.isoformat()}\t{NULL if year_group is None else year_group}\t"
        f"{_array(subunit_ids)}\t{_array(group_ids)}\t{_array(favorite_stores)}\t{_json(properties)}\t"
        f"{_json(consents)}\t{'t' if via_sms else 'f'}\t{'t' if via_email else 'f'}\t{'t' if via_push else 'f'}\t"
        f"{'t' if via_anything else 'f'}\t{sms_status}\t{email_status}\t{push_status}\t{push_devices}\t"
        f"{_text(msisdn_country)}\t{_text(location_country)}\t{_text(city_place_id)}\t{_text(place_id)}\t"
        f"{_time(created_at)}\t{_time(updated_at)}\n"
    ).encode()


def _readable_id(obj: Any) -> int | None:
    if type(obj) is dict:
        value = obj.get("id")
        if type(value) is int and 1 <= value < 2**63:
            return value
    return None


def prepare(obj: Any, idx: int, ref: Reference) -> Accepted | Rejected:
    """Derive and encode one member; a rejection is ``(idx, id or None, details)`` (never raises)."""
    row = derive(obj, ref)
    if type(row) is not MemberRow:
        assert isinstance(row, dict)
        return idx, _readable_id(obj), row
    try:
        return idx, row.id, row.deleted, copy_line(row, idx)
    except (ValueError, TypeError):  # lone surrogates, or numbers orjson cannot write (beyond 64 bits)
        return idx, row.id, single_error((), errors.INVALID_VALUE, reason="text or number PostgreSQL cannot store")


INVALID_JSON: Details = single_error((), errors.INVALID_VALUE, reason="not a JSON value")
# orjson refuses numbers beyond a double (1e400) without saying where; the API's parser reads them as infinity
# and derivation rejects them at their path.
NUMBER_OUT_OF_RANGE: Details = single_error((), errors.INVALID_VALUE, reason="number out of range")


def prepare_lines(lines: list[tuple[int, bytes]], ref: Reference) -> tuple[list[Accepted], list[Rejected]]:
    """Parse, derive and encode numbered raw JSON lines (one chunk of a file); blank lines are skipped."""
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    loads = orjson.loads
    for number, raw in lines:
        try:
            obj = loads(raw)
        except orjson.JSONDecodeError as exc:
            if raw.strip():
                rejected.append((number, None, NUMBER_OUT_OF_RANGE if "infinity" in str(exc) else INVALID_JSON))
            continue
        result = prepare(obj, number, ref)
        if len(result) == 4:
            accepted.append(result)
        else:
            rejected.append(result)
    return accepted, rejected


# Worker-process side of the file import: the Reference arrives once per worker, chunks of lines per task.
_WORKER_REFERENCE: Reference | None = None


def init_worker(ref: Reference) -> None:
    global _WORKER_REFERENCE  # one read-only Reference per worker process
    _WORKER_REFERENCE = ref
    gc.disable()  # derivation creates no reference cycles; collection passes would only cost time


def split_parts(accepted: list[Accepted], parts: int) -> list[Part]:
    """Accepted rows split by ``id % parts`` (the loader that owns the id), in input order within each part."""
    lines: list[list[bytes]] = [[] for _ in range(parts)]
    ids: list[list[int]] = [[] for _ in range(parts)]
    deletions = [0] * parts
    for _, member_id, deleted, line in accepted:
        part = member_id % parts
        lines[part].append(line)
        ids[part].append(member_id)
        deletions[part] += deleted
    return [(b"".join(lines[k]), ids[k], deletions[k]) for k in range(parts)]


def prepare_parts(lines: list[tuple[int, bytes]], ref: Reference, parts: int) -> tuple[list[Part], list[Rejected]]:
    accepted, rejected = prepare_lines(lines, ref)
    return split_parts(accepted, parts), rejected


def work(lines: list[tuple[int, bytes]], parts: int) -> tuple[list[Part], list[Rejected]]:
    assert _WORKER_REFERENCE is not None, "init_worker did not run"
    return prepare_parts(lines, _WORKER_REFERENCE, parts)
