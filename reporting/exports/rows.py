"""What an export streams from one query: a SELECT of named, typed columns and the SQL order of its rows."""

from __future__ import annotations

from dataclasses import dataclass

from reporting.query.sql import Fragment
from reporting.reports.declarations import FieldType


@dataclass(frozen=True)
class Column:
    name: str
    type: FieldType
    values: tuple[str, ...] | None = None  # an enum's declared values


@dataclass(frozen=True)
class Rows:
    """Rows of one query: ``body`` selects (at least) ``columns`` by name; ``order_by`` is SQL over alias ``t``."""

    body: Fragment
    columns: tuple[Column, ...]
    order_by: str
    # Constant transaction-local settings the body needs (a timeseries base path's work_mem), run before it.
    settings: tuple[str, ...] = ()
