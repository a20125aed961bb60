"""Member rollups: members counted per community and a few member columns, kept exact by PostgreSQL.

Each rollup is declared once here: its name and the ``reporting_member`` columns it keeps (``community_id``
always comes first). The table, its unique key, the statement triggers that maintain it and the rebuild are all
generated from the declaration, so the migration and the planner cannot disagree. The rollup's columns carry
the member table's names, so a compiled filter and an aggregation's group SQL (over alias ``m``) run verbatim
over the rollup; only the measure changes, ``count(*)`` becoming ``sum(m.members_count)``.

Why these rollups (docs/performance.md, "Rollups"): rows per rollup at a million members, measured before
choosing; a few narrow ones answer each aggregation from a few hundred to a few thousand rows, where one wide
one (every dimension together) would have had 376,000.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from reporting.rollups import Drift, RollupFamily, register

MEMBER_TABLE = "reporting_member"
# pg_advisory_xact_lock(class, community): every writer of a community's rollup rows holds it first, so two
# transactions touching the same club's rows queue in one place instead of deadlocking on rows locked in
# different orders by their INSERT, UPDATE and DELETE triggers.
LOCK_CLASS = 74_201


@dataclass(frozen=True)
class MemberRollup:
    name: str
    dimensions: tuple[str, ...]  # reporting_member columns besides community_id (unnested: then the element)
    column_types: tuple[str, ...]  # their SQL types, as in reporting_member
    # An unnested rollup keeps one row per element of this member array column (the last of ``dimensions`` is the
    # element, the others are member columns), counting each member once per element: it answers exactly the
    # aggregations whose lateral unnests that column, filtered at most on its other columns, with ``lateral``
    # (over the rollup, alias ``m``) standing in for the aggregation's own.
    unnest: str | None = None
    lateral: str = ""

    @property
    def table(self) -> str:
        return f"reporting_rollup_member_{self.name}"

    @property
    def source_name(self) -> str:
        return f"rollup:member_{self.name}"

    @property
    def key(self) -> tuple[str, ...]:
        return ("community_id", *self.dimensions)

    def covers(self, columns: frozenset[str], *, unnested: str | None = None) -> bool:
        """Whether the rollup answers a query reading ``columns`` (``unnested``: the array its lateral unnests)."""
        if self.unnest is not None:
            return (
                unnested == self.unnest and self.unnest in columns and columns <= {self.unnest, *self.dimensions[:-1]}
            )
        return columns <= set(self.key)

    def rows_sql(self, table: str) -> str:
        """The rollup key of each row of ``table`` (member rows), one per element when unnested."""
        if self.unnest is None:
            return f"SELECT {', '.join(self.key)} FROM {table}"
        return self.unnested_rows(table)

    def unnested_rows(self, table: str, *, extra: str = "") -> str:
        """An unnested rollup's key per element of each row of ``table`` (and ``extra``, more of its columns)."""
        assert self.unnest is not None
        others = "".join(f"{table}.{column}, " for column in self.dimensions[:-1])
        return (
            f"SELECT {table}.community_id, {others}u.value AS {self.dimensions[-1]}{extra}"
            f" FROM {table} CROSS JOIN LATERAL unnest({table}.{self.unnest}) AS u(value)"
        )


_T, _B = "text", "boolean"
_REACH = ("marketing_via_sms", "marketing_via_email", "marketing_via_push", "marketing_via_anything")
# The interests aggregations' lateral over an unnested interests rollup: its element column stands for the set.
_INTEREST_LATERAL = "CROSS JOIN LATERAL (SELECT m.interest) AS interest(value)"

# Smallest first (rows on the 1M bench data in parentheses): the planner answers from the first that covers a
# query. consents and interest_set are dimensions of their own: each member's set is one value, unnested at read.
MEMBER_ROLLUPS: tuple[MemberRollup, ...] = (
    MemberRollup("channels", ("optin_channel", "optin_subchannel", "optin_platform"), (_T, _T, _T)),  # (184)
    MemberRollup("consents", ("consents",), ("jsonb",)),  # (486)
    MemberRollup("places", ("location_country", "city_place_id", "place_id"), ("varchar(2)", _T, _T)),  # (1,154)
    MemberRollup(
        "audience",
        (
            "gender",
            "age",
            "optin_platform",
            "marketing_via_sms",
            "marketing_via_email",
            "marketing_via_push",
            "marketing_via_anything",
        ),
        (_T, _T, _T, _B, _B, _B, _B),
    ),  # (3,554)
    # The dashboards' drill-downs by gender and reachability (a click on those charts) keep the cities, consents
    # and interests charts on rollups: without these three they read the members (0.6 s at 552,730 members).
    MemberRollup("consents_gender_reach", ("gender", *_REACH, "consents"), (_T, _B, _B, _B, _B, "jsonb")),  # (6,610)
    MemberRollup(
        "places_gender_reach",
        ("gender", *_REACH, "location_country", "city_place_id", "place_id"),
        (_T, _B, _B, _B, _B, "varchar(2)", _T, _T),
    ),  # (17,738)
    # interest_set is already a set, so a member counts once per interest, as interests_count has it.
    MemberRollup(
        "interests",
        ("interest",),
        ("text",),
        unnest="interest_set",
        lateral=_INTEREST_LATERAL,
    ),  # (50; 21,787 with the whole set as the key)
    MemberRollup(
        "interests_gender_reach",
        ("gender", *_REACH, "interest"),
        (_T, _B, _B, _B, _B, "text"),
        unnest="interest_set",
        lateral=_INTEREST_LATERAL,
    ),  # (1,600)
    MemberRollup(
        "profile",
        (
            "gender",
            "age",
            "optin_channel",
            "optin_subchannel",
            "optin_platform",
            "marketing_via_sms",
            "marketing_via_email",
            "marketing_via_push",
            "marketing_via_anything",
        ),
        (_T, _T, _T, _T, _T, _B, _B, _B, _B),
    ),  # (34,181)
)


def rollup_named(name: str) -> MemberRollup:
    return next(rollup for rollup in MEMBER_ROLLUPS if rollup.name == name)


# ---- DDL, generated from the declarations (used by the migration) --------------------------------------------


def create_sql(rollup: MemberRollup) -> list[str]:
    columns = ", ".join(f"{name} {kind}" for name, kind in zip(rollup.dimensions, rollup.column_types, strict=True))
    key = ", ".join(rollup.key)
    function = f"{rollup.table}_apply"
    return [
        # No foreign key to the community: deleting one cascades to its members, whose DELETE trigger empties
        # the club's rows (a cascade to the rollup as well would race the trigger's deltas).
        f"CREATE TABLE {rollup.table} (community_id bigint NOT NULL, {columns}, members_count bigint NOT NULL)",
        # NULLS NOT DISTINCT: a null gender is one group, as GROUP BY has it, and ON CONFLICT finds it.
        f"CREATE UNIQUE INDEX {rollup.table}_key ON {rollup.table} ({key}) NULLS NOT DISTINCT",
        # Rows whose count fell to zero are deleted in the same statement; this finds them without a scan.
        f"CREATE INDEX {rollup.table}_empty ON {rollup.table} (community_id) WHERE members_count = 0",
        _function_sql(rollup, function),
        *(
            f"CREATE TRIGGER {rollup.table}_{op.lower()} AFTER {op} ON {MEMBER_TABLE}"
            f" REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            for op, refs in (
                ("INSERT", "NEW TABLE AS new_rows"),
                ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                ("DELETE", "OLD TABLE AS old_rows"),
            )
        ),
        # TRUNCATE fires no DELETE trigger (a test database's flush truncates the member table).
        f"CREATE TRIGGER {rollup.table}_truncate AFTER TRUNCATE ON {MEMBER_TABLE}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"INSERT INTO {rollup.table} ({key}, members_count) {fresh_counts_sql(rollup, scoped=False)}",
    ]


def drop_sql(rollup: MemberRollup) -> list[str]:
    triggers = [
        f"DROP TRIGGER IF EXISTS {rollup.table}_{op} ON {MEMBER_TABLE}"
        for op in ("insert", "update", "delete", "truncate")
    ]
    return [*triggers, f"DROP TABLE IF EXISTS {rollup.table}", f"DROP FUNCTION IF EXISTS {rollup.table}_apply()"]


def _apply_sql(rollup: MemberRollup, deltas: str) -> str:
    key = ", ".join(rollup.key)
    return f"""
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, d.community_id::integer)
    FROM (SELECT DISTINCT community_id FROM ({deltas}) AS x ORDER BY 1) AS d;
    INSERT INTO {rollup.table} AS r ({key}, members_count)
    SELECT {key}, sum(delta) FROM ({deltas}) AS x
    GROUP BY {key} HAVING sum(delta) <> 0 ORDER BY {key}
    ON CONFLICT ({key}) DO UPDATE SET members_count = r.members_count + EXCLUDED.members_count;
    DELETE FROM {rollup.table}
    WHERE members_count = 0 AND community_id IN (SELECT DISTINCT community_id FROM ({deltas}) AS x);"""


def _function_sql(rollup: MemberRollup, function: str) -> str:
    key = ", ".join(rollup.key)
    added = f"SELECT {key}, 1::bigint AS delta FROM ({rollup.rows_sql('new_rows')}) AS n"
    removed = f"SELECT {key}, -1::bigint AS delta FROM ({rollup.rows_sql('old_rows')}) AS o"
    # An UPDATE that leaves every dimension as it was nets to no delta (HAVING), so refresh_ages only writes
    # the rows whose age bucket really changed.
    return f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN{_apply_sql(rollup, added)}
  ELSIF TG_OP = 'DELETE' THEN{_apply_sql(rollup, removed)}
  ELSIF TG_OP = 'TRUNCATE' THEN
    DELETE FROM {rollup.table};
  ELSE{_apply_sql(rollup, f"{added} UNION ALL {removed}")}
  END IF;
  RETURN NULL;
END $$"""


def fresh_counts_sql(rollup: MemberRollup, *, scoped: bool) -> str:
    """The rollup's rows computed from the member table (of the communities in ``%(ids)s`` when scoped)."""
    key = ", ".join(rollup.key)
    where = " WHERE community_id = ANY(%(ids)s)" if scoped else ""
    return f"SELECT {key}, count(*) FROM ({rollup.rows_sql(MEMBER_TABLE)}) AS r{where} GROUP BY {key}"


# ---- rebuild_rollups -----------------------------------------------------------------------------------------


def rebuild(rollup: MemberRollup, community_ids: Sequence[int] | None) -> Drift:
    """Recompute the rollup from the member table and count the rows that differed (missing, extra or wrong)."""
    key = ", ".join(rollup.key)
    if community_ids is None:
        scope, params = "TRUE", None
        fresh = fresh_counts_sql(rollup, scoped=False)
    else:
        scope, params = "community_id = ANY(%(ids)s)", {"ids": list(community_ids)}
        fresh = fresh_counts_sql(rollup, scoped=True)
    with transaction.atomic(), connection.cursor() as cursor:
        # Writers wait for the rebuild (readers do not): no delta can slip between the count and the swap.
        cursor.execute(f"LOCK TABLE {MEMBER_TABLE} IN SHARE MODE")
        cursor.execute("DROP TABLE IF EXISTS pg_temp.rollup_fresh")  # an enclosing transaction's earlier rebuild
        cursor.execute(f"CREATE TEMP TABLE rollup_fresh ON COMMIT DROP AS {fresh}", params)
        current = f"SELECT {key}, members_count FROM {rollup.table} WHERE {scope}"
        cursor.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM (({current} EXCEPT SELECT * FROM rollup_fresh)"
            f" UNION ALL (SELECT * FROM rollup_fresh EXCEPT {current})) AS d) AS k",
            params,
        )
        differing = cursor.fetchone()[0]
        if differing:
            cursor.execute(f"DELETE FROM {rollup.table} WHERE {scope}", params)
            cursor.execute(f"INSERT INTO {rollup.table} ({key}, members_count) SELECT * FROM rollup_fresh")
        cursor.execute("SELECT count(*) FROM rollup_fresh")
        rows_after = cursor.fetchone()[0]
    return Drift(family=f"member_{rollup.name}", rows_differing=differing, rows_after=rows_after)


def _rebuilder(rollup: MemberRollup) -> Callable[[Sequence[int] | None], Drift]:
    return lambda ids: rebuild(rollup, ids)


for _rollup in MEMBER_ROLLUPS:
    register(RollupFamily(f"member_{_rollup.name}", _rebuilder(_rollup)))
