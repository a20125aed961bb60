from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reporting.snapshots import snapshots_take


class Command(BaseCommand):
    help = (
        "Take the current 15-minute period's count snapshot of every community (or --communities) that lacks it;"
        " running it again in the same period changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--communities", help="comma-separated community ids (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = [int(part) for part in options["communities"].split(",")] if options["communities"] else None
        run = snapshots_take(community_ids=ids)
        self.stdout.write(
            f"snapshot {run.taken_at.isoformat()}: {run.communities} communit(y/ies), {run.rows} row(s) written"
        )
