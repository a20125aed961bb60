from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.rollups import families


class Command(BaseCommand):
    help = (
        "Rebuild the rollup tables from the base tables (members, events) and report any drift: rows that"
        " differed from what the base tables say. Exit status 3 when there was drift."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--communities", help="comma-separated community ids (default: all)")
        parser.add_argument("--family", action="append", help="rebuild only this family (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = [int(part) for part in options["communities"].split(",")] if options["communities"] else None
        known = families()
        chosen = options["family"] or sorted(known)
        unknown = [name for name in chosen if name not in known]
        if unknown:
            raise CommandError(f"unknown rollup family {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        drifted = 0
        for name in chosen:
            drift = known[name].rebuild(ids)
            drifted += drift.rows_differing
            self.stdout.write(f"{name}: {drift.rows_after} row(s), {drift.rows_differing} differed from the base")
        if drifted:
            raise CommandError(f"rollups had drifted: {drifted} row(s) rebuilt", returncode=3)
