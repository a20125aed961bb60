"""Load one batch of encoded rows through PostgreSQL: COPY into a staging table, then set-based SQL.

Contract of :func:`load_batch` (the caller wraps it in ``transaction.atomic()``, so a batch is all or nothing):

* Rows are upserted into ``reporting_member`` by id; last write wins by ``updated_at`` (an equal ``updated_at``
  changes nothing, so re-importing a line is a no-op).
* The same id several times in one batch is applied in ``updated_at`` order, one version per round (a
  deletion after an upsert with the same ``updated_at``): the stored state is the newest version, and a join
  and a leave inside one batch both become events, exactly as if they had come in separate batches.
* A deletion removes the member when its ``updated_at`` is >= the stored one and leaves a tombstone, so an
  older late update cannot bring the member back; a newer non-deleted version re-creates it (a re-join).
  Tombstones belong to a club (one per club and id) and only ever block that club's own versions: deleting an
  id the club never held cannot stop another club from creating it.
* A newly created member gets an ``in`` event at ``created_at``; a removed one an ``out`` event at
  ``deleted_at`` (default: now), each with the member's attributes and its age bucket on that day; the unique
  (community_id, member_id, type, occurred_at) constraint makes both idempotent.
* A member's community never changes: a version naming another community than the stored member's (or than
  the batch's oldest version of a new id) changes nothing and is returned in ``foreign`` by index.
* ``age`` is computed in SQL by ``reporting_age_bucket(birth_date, community timezone)``, called once per
  distinct (birth date, time zone) of a run and remembered in a temporary table until :func:`drop_age_cache`.

The staging rows hold only derived values, so even a PostgreSQL error message quoting a COPY line holds no
personal data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

from reporting.ingestion.encode import STAGE_COLUMNS, Accepted, Part

STAGE = "reporting_ingest_stage"

# Member columns taken from the staging table as they are (age is computed, see UPSERT).
_COPIED = (
    "community_id", "optin_channel", "optin_subchannel", "optin_platform", "gender", "birth_year_group",
    "birth_date", "subunit_ids", "group_ids", "favorite_stores", "properties", "consents", "marketing_via_sms",
    "marketing_via_email", "marketing_via_push", "marketing_via_anything", "sms_status", "email_status",
    "push_status", "push_devices", "msisdn_country", "location_country", "city_place_id", "place_id",
    "created_at", "updated_at",
)  # fmt: skip
_EVENT_ATTRIBUTES = ("optin_channel", "optin_subchannel", "optin_platform", "gender", "age", "consents")

BULK_SETTINGS = ("SET LOCAL gin_pending_list_limit = '1GB'", "SET LOCAL work_mem = '64MB'")
CREATE_STAGE = (
    f"CREATE TEMP TABLE {STAGE} ("
    + ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS)
    + ", rnk integer NOT NULL DEFAULT 1, held_elsewhere boolean NOT NULL DEFAULT false) ON COMMIT DROP"
)
COPY_STAGE = f"COPY {STAGE} ({', '.join(name for name, _ in STAGE_COLUMNS)}) FROM STDIN"

# Several versions of one id: numbered in the order they are applied (older first; a deletion after an
# upsert with the same updated_at; then input order). Only the repeated ids (known to the caller) are sorted;
# single versions keep rnk 1 and are not touched.
RANK_VERSIONS = f"""
UPDATE {STAGE} AS s SET rnk = r.rnk
FROM (
    SELECT idx, row_number() OVER (PARTITION BY id ORDER BY updated_at, deleted, idx) AS rnk
    FROM {STAGE} WHERE id = ANY(%(ids)s)
) AS r
WHERE s.idx = r.idx AND r.rnk > 1
"""
# Run after the writes, and only when some version changed nothing: the upsert and the deletion never touch
# another community's member, so a version naming another community than the member's is one of those.
FOREIGN_COMMUNITY = f"""
SELECT s.idx, s.id FROM {STAGE} AS s JOIN reporting_member AS m ON m.id = s.id
WHERE m.community_id <> s.community_id ORDER BY s.idx
"""

# An id sent for several clubs in one batch: whether another club holds it depends on the versions applied
# before, so each round marks its versions against the table as it is then (the check above, run once at the
# end, would also report a deletion that had left its own club's tombstone before another club took the id).
MIXED_COMMUNITIES = f"""
SELECT EXISTS (
    SELECT 1 FROM {STAGE} WHERE id = ANY(%(ids)s) GROUP BY id HAVING min(community_id) <> max(community_id)
)
"""
MARK_HELD_ELSEWHERE = f"""
UPDATE {STAGE} AS s SET held_elsewhere = true
WHERE s.rnk = %(rnk)s
  AND EXISTS (SELECT 1 FROM reporting_member AS m WHERE m.id = s.id AND m.community_id <> s.community_id)
"""
HELD_ELSEWHERE = f"SELECT idx, id FROM {STAGE} WHERE held_elsewhere ORDER BY idx"

_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*_COPIED, "age"))
_EVENT_COLUMNS = ", ".join(_EVENT_ATTRIBUTES)


def _event_values(alias: str, occurred_at: str) -> str:
    """The event's attributes from ``alias``, its age bucket on the day it happened in the club's time zone
    (``c`` is the community): a join imported two years late still has the age the member had then."""
    return ", ".join(
        f"reporting_age_bucket_on({alias}.birth_date, ({occurred_at} AT TIME ZONE c.timezone)::date)"
        if column == "age"
        else f"{alias}.{column}"
        for column in _EVENT_ATTRIBUTES
    )


AGES = "reporting_ingest_ages"
# One reporting_age_bucket call per distinct (birth date, time zone) of a run instead of one per member: the
# function is the single rule, this table only remembers its answers until the run ends (drop_age_cache).
CREATE_AGES = (
    f"CREATE TEMP TABLE IF NOT EXISTS {AGES} "
    "(birth_date date NOT NULL, timezone text NOT NULL, age text, PRIMARY KEY (birth_date, timezone))"
)
FILL_AGES = f"""
INSERT INTO {AGES} (birth_date, timezone, age)
SELECT d.birth_date, d.timezone, reporting_age_bucket(d.birth_date, d.timezone)
FROM (
    SELECT DISTINCT s.birth_date, c.timezone
    FROM {STAGE} AS s JOIN reporting_community AS c ON c.id = s.community_id
    WHERE s.birth_date IS NOT NULL AND NOT s.deleted
) AS d
WHERE NOT EXISTS (SELECT 1 FROM {AGES} AS a WHERE a.birth_date = d.birth_date AND a.timezone = d.timezone)
"""

UPSERT = f"""
WITH source AS (
    SELECT s.*, a.age
    FROM {STAGE} AS s
    JOIN reporting_community AS c ON c.id = s.community_id
    LEFT JOIN {AGES} AS a ON a.birth_date = s.birth_date AND a.timezone = c.timezone
    WHERE s.rnk = %(rnk)s AND NOT s.deleted AND NOT s.held_elsewhere
      AND NOT EXISTS (
          SELECT 1 FROM reporting_membertombstone AS t
          WHERE t.member_id = s.id AND t.community_id = s.community_id AND t.updated_at >= s.updated_at
      )
),
upserted AS (
    INSERT INTO reporting_member (id, {", ".join(_COPIED)}, age)
    SELECT id, {", ".join(_COPIED)}, age FROM source
    ON CONFLICT (id) DO UPDATE SET {_SET}
    WHERE reporting_member.updated_at < EXCLUDED.updated_at
      AND reporting_member.community_id = EXCLUDED.community_id
    RETURNING id, community_id, birth_date, created_at, updated_at, (xmax = 0) AS created, {_EVENT_COLUMNS}
),
revived AS (
    DELETE FROM reporting_membertombstone AS t USING upserted AS u
    WHERE u.created AND t.member_id = u.id AND t.community_id = u.community_id
),
joined AS (
    -- Every CTE sees the tombstones as they were before this statement, "revived" included.
    INSERT INTO reporting_memberevent (community_id, member_id, type, occurred_at, {_EVENT_COLUMNS})
    SELECT u.community_id, u.id, 'in', j.occurred_at, {_event_values("u", "j.occurred_at")}
    FROM upserted AS u
    JOIN reporting_community AS c ON c.id = u.community_id
    LEFT JOIN reporting_membertombstone AS t ON t.member_id = u.id AND t.community_id = u.community_id
    -- a re-join that kept its old created_at joins again when it came back, not before it left
    CROSS JOIN LATERAL (
        SELECT CASE WHEN t.deleted_at >= u.created_at THEN greatest(u.updated_at, t.deleted_at)
                    ELSE u.created_at END AS occurred_at
    ) AS j
    WHERE u.created
    ON CONFLICT (community_id, member_id, type, occurred_at) DO NOTHING
)
SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM upserted
"""

DELETE = f"""
WITH doomed AS (
    SELECT s.id, s.community_id, coalesce(s.deleted_at, now()) AS deleted_at, s.updated_at
    FROM {STAGE} AS s
    WHERE s.rnk = %(rnk)s AND s.deleted AND NOT s.held_elsewhere
      AND NOT EXISTS (
          SELECT 1 FROM reporting_member AS m
          WHERE m.id = s.id AND (m.updated_at > s.updated_at OR m.community_id <> s.community_id)
      )
),
removed AS (
    DELETE FROM reporting_member AS m USING doomed AS d
    WHERE m.id = d.id AND m.community_id = d.community_id
    RETURNING m.id, m.community_id, m.birth_date, d.deleted_at, {", ".join(f"m.{c}" for c in _EVENT_ATTRIBUTES)}
),
buried AS (
    INSERT INTO reporting_membertombstone (member_id, community_id, deleted_at, updated_at)
    SELECT id, community_id, deleted_at, updated_at FROM doomed
    ON CONFLICT (community_id, member_id) DO UPDATE
    SET deleted_at = EXCLUDED.deleted_at, updated_at = EXCLUDED.updated_at
    WHERE reporting_membertombstone.updated_at < EXCLUDED.updated_at
),
left_club AS (
    INSERT INTO reporting_memberevent (community_id, member_id, type, occurred_at, {_EVENT_COLUMNS})
    SELECT r.community_id, r.id, 'out', r.deleted_at, {_event_values("r", "r.deleted_at")}
    FROM removed AS r JOIN reporting_community AS c ON c.id = r.community_id
    ON CONFLICT (community_id, member_id, type, occurred_at) DO NOTHING
)
SELECT count(*) FROM removed
"""


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    foreign: list[tuple[int, int]] = field(default_factory=list)  # (index, id): another community's member


@dataclass
class Staged:
    """Encoded rows bound for one transaction: COPY text blocks, the rows' ids in order, how many are deletions."""

    data: list[bytes] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    deletions: int = 0

    @classmethod
    def of(cls, rows: Sequence[Accepted]) -> Staged:
        return cls([b"".join(row[3] for row in rows)], [row[1] for row in rows], sum(1 for row in rows if row[2]))

    def add(self, part: Part) -> None:
        data, ids, deletions = part
        if ids:
            self.data.append(data)
            self.ids.extend(ids)
            self.deletions += deletions

    def __len__(self) -> int:
        return len(self.ids)


def _repeated_ids(ids: list[int]) -> tuple[list[int], int]:
    """The ids sent more than once, and the most versions of one id (the number of rounds)."""
    counts = Counter(ids)
    rounds = max(counts.values())
    return ([member_id for member_id, count in counts.items() if count > 1] if rounds > 1 else []), rounds


def load_batch(rows: Sequence[Accepted] | Staged, *, bulk: bool = False) -> BatchOutcome:
    """Apply one batch of encoded rows (see the module contract); the caller holds the transaction.

    ``bulk`` (file imports): GIN pending lists may grow without limit in this transaction; the caller must
    call :func:`clean_gin_pending_lists` when its run ends.
    """
    outcome = BatchOutcome()
    staged = rows if isinstance(rows, Staged) else Staged.of(rows)
    if not staged:
        return outcome
    total = len(staged)
    deletions = staged.deletions
    repeated, rounds = _repeated_ids(staged.ids)
    with connection.cursor() as cursor:
        # The table lives for this transaction only; dropping first covers a caller's enclosing transaction.
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
        if bulk:
            # Merging GIN pending lists row batch by row batch was a quarter of the database's work in an
            # import; the run merges them once, sorted, at its end (clean_gin_pending_lists).
            for setting in BULK_SETTINGS:
                cursor.execute(setting)
        cursor.execute(CREATE_STAGE)
        with cursor.copy(COPY_STAGE) as copy:
            for data in staged.data:
                copy.write(data)
        mixed = False
        if repeated:
            cursor.execute(RANK_VERSIONS, {"ids": repeated})
            cursor.execute(MIXED_COMMUNITIES, {"ids": repeated})
            mixed = cursor.fetchone()[0]
        if deletions < total:
            cursor.execute(CREATE_AGES)
            cursor.execute(FILL_AGES)
        for rnk in range(1, rounds + 1):
            if mixed:
                cursor.execute(MARK_HELD_ELSEWHERE, {"rnk": rnk})
            if deletions < total:
                cursor.execute(UPSERT, {"rnk": rnk})
                created, updated = cursor.fetchone()
                outcome.created += created
                outcome.updated += updated
            if deletions:
                cursor.execute(DELETE, {"rnk": rnk})
                outcome.deleted += cursor.fetchone()[0]
        if outcome.created + outcome.updated + outcome.deleted < total:
            cursor.execute(HELD_ELSEWHERE if mixed else FOREIGN_COMMUNITY)
            outcome.foreign = [(idx, member_id) for idx, member_id in cursor.fetchall()]
    outcome.unchanged = total - len(outcome.foreign) - outcome.created - outcome.updated - outcome.deleted
    return outcome


def drop_age_cache() -> None:
    """End of a run: forget the remembered age buckets (they are valid for today only)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{AGES}")


def prepare_session() -> None:
    """Before a large import: room in memory for the staging table (COPY was 2.5x slower with the default 8 MB).

    PostgreSQL refuses the change once the session has used a temporary table; the import then runs with what
    the session has.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('temp_buffers')")
        if cursor.fetchone()[0] == "128MB":
            return
        try:
            with transaction.atomic():
                cursor.execute("SET temp_buffers = '128MB'")
        except DatabaseError:
            pass


GIN_INDEXES = """
SELECT i.indexrelid::regclass::text
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_am AS a ON a.oid = c.relam
WHERE i.indrelid = 'reporting_member'::regclass AND a.amname = 'gin'
ORDER BY 1
"""


def clean_gin_pending_lists() -> None:
    """Merge the member table's GIN pending lists into the indexes now (what autovacuum would do later)."""
    with connection.cursor() as cursor:
        cursor.execute(GIN_INDEXES)
        for (index,) in cursor.fetchall():
            try:
                with transaction.atomic():
                    cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            except DatabaseError:  # not the index owner: autovacuum will merge the list instead
                continue
