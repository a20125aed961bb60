"""Fixtures of the query-engine tests: the awkward data set, rows read back by the oracle, no rate limiting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.query import oracle
from tests.query.dataset import CONTEXT, member_rows


@pytest.fixture(autouse=True)
def _unlimited_rate(settings: Any) -> None:
    # Walking hundreds of pages would drain a 600-token bucket; rate limiting has its own tests (tests/api).
    settings.REPORTING = {**settings.REPORTING, "RATE_LIMIT_CAPACITY": 10**9, "RATE_LIMIT_REFILL_PER_SECOND": 10**6}


@dataclass
class Dataset:
    """The rows of the context as the oracle reads them back from the table (plain SQL), not as inserted."""

    rows: list[dict[str, Any]]
    community_ids: tuple[int, ...]

    def ids(self, node: dict[str, Any] | None) -> list[int]:
        return oracle.filter_ids(node, self.rows)

    def matching(self, node: dict[str, Any] | None) -> list[dict[str, Any]]:
        return [row for row in self.rows if oracle.matches(node, row)]


@pytest.fixture
def dataset(insert_members: Callable[..., Any]) -> Dataset:
    insert_members(member_rows())
    rows = oracle.read_members(CONTEXT)
    assert len(rows) == 220  # the fixture inserted what the tests think it did
    return Dataset(rows=rows, community_ids=CONTEXT)
