"""A tiny SQL fragment type: constant SQL text with ``%s`` placeholders plus its parameters, in order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fragment:
    sql: str
    params: tuple[Any, ...] = field(default=())

    def __add__(self, other: Fragment) -> Fragment:
        return Fragment(self.sql + other.sql, self.params + other.params)


TRUE = Fragment("TRUE")
FALSE = Fragment("FALSE")


def join(fragments: Iterable[Fragment], separator: str) -> Fragment:
    parts = list(fragments)
    return Fragment(separator.join(f.sql for f in parts), tuple(p for f in parts for p in f.params))


def all_of(fragments: Sequence[Fragment]) -> Fragment:
    if not fragments:
        return TRUE
    if len(fragments) == 1:
        return fragments[0]
    return Fragment("(" + join(fragments, " AND ").sql + ")", join(fragments, "").params)


def any_of(fragments: Sequence[Fragment]) -> Fragment:
    if not fragments:
        return FALSE
    if len(fragments) == 1:
        return fragments[0]
    return Fragment("(" + join(fragments, " OR ").sql + ")", join(fragments, "").params)


def negate(fragment: Fragment) -> Fragment:
    return Fragment(f"NOT ({fragment.sql})", fragment.params)
