"""The benchmark's data set: `seed_demo` at the requested size, reused across runs when it already matches."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from django.core.management import call_command
from django.db import connection


@dataclass
class BenchEnv:
    members: int
    reseed: bool = False
    overhead_only: bool = False  # `--only overhead`: the api section's per-request overhead lines alone
    _seeded: bool = field(default=False, init=False)

    def ensure_seeded(self) -> None:
        """Make the benchmark database hold exactly the seeded demo data set of ``members`` members."""
        if self._seeded:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reporting_member")
            (present,) = cursor.fetchone()
        if self.reseed or abs(present - self.members) > self.members * 0.2:
            call_command("seed_demo", members=self.members, reset=True)
            with connection.cursor() as cursor:
                # Every table, not only the members: seeding leaves the events and the rollups without statistics
                # (autovacuum may not have analysed them yet), and the history section's plans, the product's
                # and the hand-written baseline's, then rest on default estimates (docs/performance.md).
                cursor.execute("VACUUM ANALYZE")
        self._seeded = True


def baseline_connection() -> psycopg.Connection:
    """A plain psycopg connection to the benchmark database, for the hand-written SQL every ratio divides by."""
    dsn = connection.get_connection_params()
    return psycopg.connect(**{k: v for k, v in dsn.items() if k not in ("cursor_factory", "context")})
