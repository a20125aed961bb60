"""One statement trigger per operation on ``reporting_member`` that keeps every member rollup exact.

Migration 0040 created one trigger per rollup and operation: an import batch of 10,000 members ran six trigger
functions, each reading the transition table again, taking the club's advisory lock again and planning its own
statements. The combined function (migration 0052 holds this module's output as literal SQL) takes the locks
once and applies all the rollups' deltas in one statement of data-modifying CTEs over one read of the
transition rows. Semantics are those of the per-rollup triggers: the same deltas, the same lock, the same
key order inside each rollup, and rows whose count reaches zero are deleted in the same trigger.

An INSERT only adds to counts, so it never leaves a row at zero and skips the zero-row cleanup; an UPDATE
whose every rollup key stayed as it was (``refresh_ages`` on members whose bucket did not move, a re-import
of unchanged lines) nets to no delta and writes nothing.
"""

from __future__ import annotations

from reporting.rollups.members import LOCK_CLASS, MEMBER_ROLLUPS, MEMBER_TABLE, MemberRollup

FUNCTION = "reporting_member_rollups_apply"
TRIGGER_PREFIX = "reporting_member_rollups"
OPERATIONS = (
    ("insert", "INSERT", "REFERENCING NEW TABLE AS new_rows "),
    ("update", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "),
    ("delete", "DELETE", "REFERENCING OLD TABLE AS old_rows "),
    ("truncate", "TRUNCATE", ""),
)


def _columns() -> list[str]:
    """Every member column some rollup reads, in a fixed order."""
    seen: list[str] = ["community_id"]
    for rollup in MEMBER_ROLLUPS:
        for column in (*rollup.dimensions[:-1], rollup.unnest) if rollup.unnest else rollup.dimensions:
            if column not in seen:
                seen.append(column)
    return seen


def _rows(table: str, sign: int) -> str:
    columns = ", ".join(_columns())
    return f"SELECT {columns}, {sign}::integer AS delta FROM {table}"


def _bases() -> list[MemberRollup]:
    return [rollup for rollup in MEMBER_ROLLUPS if any(_finer(other) is rollup for other in MEMBER_ROLLUPS)]


def _finer(rollup: MemberRollup) -> MemberRollup | None:
    """A rollup whose key holds all of ``rollup``'s columns and more: ``rollup``'s deltas are sums of its."""
    if rollup.unnest is not None:
        return None
    finer = [
        other
        for other in MEMBER_ROLLUPS
        if other.unnest is None and set(rollup.key) < set(other.key) and _finer(other) is None
    ]
    return finer[0] if finer else None


def _delta_source(rollup: MemberRollup) -> str:
    finer = _finer(rollup) or (rollup if rollup in _bases() else None)
    if finer is not None:
        return f"SELECT {', '.join(rollup.key)}, delta FROM g_{finer.name}"
    if rollup.unnest is None:
        return f"SELECT {', '.join(rollup.key)}, delta FROM changed"
    return rollup.unnested_rows("changed", extra=", delta")


def _grouped(rollup: MemberRollup) -> str:
    """The net delta per key of a rollup others are summed from, computed once from the changed rows."""
    key = ", ".join(rollup.key)
    return f"g_{rollup.name} AS MATERIALIZED (SELECT {key}, sum(delta) AS delta FROM changed GROUP BY {key})"


def _upsert(rollup: MemberRollup, index: int, *, may_empty: bool) -> str:
    key = ", ".join(rollup.key)
    returning = "\n    RETURNING ctid, members_count" if may_empty else ""
    return (
        f"r{index} AS (\n"
        f"    INSERT INTO {rollup.table} AS r ({key}, members_count)\n"
        f"    SELECT {key}, sum(delta) FROM ({_delta_source(rollup)}) AS x\n"
        f"    GROUP BY {key} HAVING sum(delta) <> 0 ORDER BY {key}\n"
        f"    ON CONFLICT ({key}) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count{returning}\n"
        f")"
    )


def _apply(changed: str, *, may_empty: bool) -> str:
    # A rollup whose columns another one's key holds (channels, audience within profile) sums that one's
    # grouped deltas (a few thousand rows) instead of grouping every changed member again.
    ctes = [_grouped(rollup) for rollup in _bases()]
    ctes += [_upsert(rollup, index, may_empty=may_empty) for index, rollup in enumerate(MEMBER_ROLLUPS)]
    upserts = ",\n".join(ctes)
    # One lock per club, taken in id order before any rollup row, as every writer of member rollups does.
    lock = (
        f"    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, d.community_id::integer)\n"
        f"    FROM (SELECT DISTINCT community_id FROM ({changed}) AS x ORDER BY 1) AS d;\n"
    )
    if not may_empty:
        # An INSERT only adds to counts: no row reaches zero.
        return lock + f"    WITH changed AS MATERIALIZED ({changed}),\n{upserts}\n    SELECT 1 INTO applied;\n"
    # Only a removal can bring a count to zero. The upsert returns where those rows are (their ctid: the rows are
    # locked by this transaction until it ends, so the address holds), and they are deleted by address: no
    # index on members_count is needed, which keeps every count update a HOT update.
    found = ", ".join(
        f"(SELECT array_agg(ctid) FROM r{index} WHERE members_count = 0)" for index in range(len(MEMBER_ROLLUPS))
    )
    targets = ", ".join(f"z{index}" for index in range(len(MEMBER_ROLLUPS)))
    cleanup = "".join(
        f"    IF z{index} IS NOT NULL THEN\n"
        f"      DELETE FROM {rollup.table} WHERE ctid = ANY(z{index}) AND members_count = 0;\n"
        f"    END IF;\n"
        for index, rollup in enumerate(MEMBER_ROLLUPS)
    )
    statement = f"    WITH changed AS MATERIALIZED ({changed}),\n{upserts}\n    SELECT {found}\n    INTO {targets};\n"
    return lock + statement + cleanup


def function_sql() -> str:
    added, removed = _rows("new_rows", 1), _rows("old_rows", -1)
    zeros = "".join(f"  z{index} tid[];\n" for index in range(len(MEMBER_ROLLUPS)))
    return f"""CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  applied integer;
{zeros}BEGIN
  IF TG_OP = 'TRUNCATE' THEN
{"".join(f"    DELETE FROM {rollup.table};{chr(10)}" for rollup in MEMBER_ROLLUPS)}    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
{_apply(added, may_empty=False)}  ELSIF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
{_apply(removed, may_empty=True)}  ELSE
    IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
{_apply(f"{added} UNION ALL {removed}", may_empty=True)}  END IF;
  RETURN NULL;
END $$"""


def create_sql() -> list[str]:
    return [
        function_sql(),
        *(
            f"CREATE TRIGGER {TRIGGER_PREFIX}_{name} AFTER {op} ON {MEMBER_TABLE} {refs}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            for name, op, refs in OPERATIONS
        ),
    ]


def drop_sql() -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS {TRIGGER_PREFIX}_{name} ON {MEMBER_TABLE}" for name, _, _ in OPERATIONS),
        f"DROP FUNCTION IF EXISTS {FUNCTION}()",
    ]
