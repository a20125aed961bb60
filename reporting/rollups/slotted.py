"""The rebuild shared by the event-fed rollups whose writers add to one of several ``slot`` rows per key (daily
events, daily totals, cohorts): readers sum over slots, a rebuild merges each key into slot 0."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from reporting.rollups import Drift, RollupFamily, register

# Every statement below is scoped to the rebuilt clubs by these two parameters.
SCOPE = "(%(every)s OR {alias}.community_id = ANY(%(ids)s))"


@dataclass(frozen=True)
class SlottedRollup:
    family: str
    table: str
    key: str  # the key columns, comma-separated, as in the table and in ``expected``
    counted: str  # the count column
    expected: str  # SELECT key…, counted over the base tables, scoped with SCOPE
    keep_zero_keys: bool = True  # False: a key whose slots sum to 0 counts as absent

    def statements(self) -> dict[str, str]:
        scoped = SCOPE.format(alias="r")
        having = "" if self.keep_zero_keys else f" HAVING sum({self.counted}) <> 0"
        actual = (
            f"SELECT {self.key}, sum({self.counted}) AS {self.counted} FROM {self.table} AS r WHERE {scoped}"
            f" GROUP BY {self.key}{having}"
        )
        return {
            # Keys whose count differs, counted once (EXCEPT and UNION compare nulls as equal).
            "differing": (
                f"SELECT count(*) FROM (SELECT {self.key} FROM (({self.expected}) EXCEPT ({actual})) AS missing"
                f" UNION SELECT {self.key} FROM (({actual}) EXCEPT ({self.expected})) AS extra) AS d"
            ),
            "clear": f"DELETE FROM {self.table} AS r WHERE {scoped}",
            "fill": (
                f"INSERT INTO {self.table} ({self.key}, slot, {self.counted})"
                f" SELECT {self.key}, 0, {self.counted} FROM ({self.expected}) AS x"
            ),
            "count": f"SELECT count(*) FROM {self.table} AS r WHERE {scoped}",
        }

    def rebuild(self, community_ids: Sequence[int] | None) -> Drift:
        """Recompute the rows of these clubs (every club when None) from the base tables, slots merged into one
        row per key; report the keys whose count differed."""
        sql = self.statements()
        params: dict[str, Any] = {"every": community_ids is None, "ids": list(community_ids or [])}
        with transaction.atomic(), connection.cursor() as cursor:
            # Writers add under ROW EXCLUSIVE until they commit: this waits for them and holds new ones back, so
            # the base rows read below are all the rollup will ever have been told about.
            cursor.execute(f"LOCK TABLE {self.table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(sql["differing"], params)
            differing = cursor.fetchone()[0]
            cursor.execute(sql["clear"], params)
            cursor.execute(sql["fill"], params)
            cursor.execute(sql["count"], params)
            after = cursor.fetchone()[0]
        return Drift(family=self.family, rows_differing=differing, rows_after=after)

    def register(self) -> RollupFamily:
        return register(RollupFamily(name=self.family, rebuild=self.rebuild))
