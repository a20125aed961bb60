"""Shared by the rollup tests: the rollups as plain SQL over the member table (the oracle), and both paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import override_settings

from reporting.query.filters import Node
from reporting.query.plan import aggregation_plan
from reporting.reports.members import MEMBERS
from reporting.rollups import sources_recorded
from reporting.rollups.members import MEMBER_ROLLUPS
from reporting.selectors import fetch_tuples, shape_tuples

CONTEXT = (235, 236)


def rollup_differences() -> dict[str, int]:
    """Per rollup: rows that differ from a GROUP BY written here over reporting_member (0 everywhere = exact)."""
    found = {}
    with connection.cursor() as cursor:
        for rollup in MEMBER_ROLLUPS:
            key = ", ".join(rollup.key)
            truth = f"SELECT {key}, count(*) AS n FROM reporting_member GROUP BY {key}"
            if rollup.unnest == "interest_set":  # one row per member and distinct interest of properties.interests
                others = "".join(f"m.{column}, " for column in rollup.dimensions[:-1])
                groups = ", ".join(str(position) for position in range(1, len(rollup.key) + 1))
                truth = (
                    f"SELECT m.community_id, {others}i.value AS interest, count(DISTINCT m.id) AS n"
                    " FROM reporting_member AS m"
                    " CROSS JOIN LATERAL jsonb_array_elements_text(CASE jsonb_typeof(m.properties -> 'interests')"
                    f" WHEN 'array' THEN m.properties -> 'interests' ELSE '[]' END) AS i(value) GROUP BY {groups}"
                )
            kept = f"SELECT {key}, members_count AS n FROM {rollup.table}"
            cursor.execute(f"SELECT count(*) FROM (({truth} EXCEPT {kept}) UNION ALL ({kept} EXCEPT {truth})) AS d")
            found[rollup.name] = cursor.fetchone()[0]
    return found


def aggregation_rows(
    name: str, node: Node | None, *, rollups: bool, community_ids: Sequence[int] = CONTEXT
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row of an aggregation, answered with or without rollups, and the sources that answered."""
    aggregation = MEMBERS.get_aggregation(name)
    assert aggregation is not None
    with override_settings(REPORTING={**settings.REPORTING, "ROLLUPS": rollups}), sources_recorded() as sources:
        plan = aggregation_plan(MEMBERS, aggregation, community_ids, node)
        rows = shape_tuples(plan, *fetch_tuples(plan.everything()))
    return rows, list(sources)
