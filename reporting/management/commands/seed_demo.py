from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from reporting.demo import DEMO_COMMUNITIES, DEMO_PLATFORM_OVERRIDES, demo_member_lines
from reporting.ingestion.service import Rejection, import_lines
from reporting.models import Community, Member, MemberCountSnapshot, MemberEvent, MemberTombstone
from reporting.services import UnknownNames, community_create
from reporting.snapshots import snapshots_backfill_daily, snapshots_take


class Command(BaseCommand):
    help = (
        "Load a deterministic synthetic demo: clubs 235 oslo-city and 236 stockholm-city, N members over two "
        "years (about 8% of whom left), through the same ingestion path as import_members."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=20_000, help="members to generate (default 20000)")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="delete the demo clubs' members and events first")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any member exists")
        parser.add_argument("--until", type=dt.date.fromisoformat, help="last day of the history (default: today)")
        parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["members"] < 0:
            raise CommandError("--members must be >= 0")
        if options["if_empty"] and Member.objects.exists():
            self.stdout.write("Members already exist; nothing to do (--if-empty).")
            return
        ids = [community.id for community in DEMO_COMMUNITIES]
        for community in DEMO_COMMUNITIES:
            try:
                _, created = community_create(
                    id=community.id,
                    slug=community.slug,
                    name=community.name,
                    country=community.country,
                    timezone=community.timezone,
                )
            except UnknownNames as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{'Created' if created else 'Kept'} community {community.id} {community.slug}")
        Community.objects.filter(id__in=ids).update(optin_platform_overrides=DEMO_PLATFORM_OVERRIDES)
        if options["reset"]:
            with transaction.atomic():
                removed, _ = Member.objects.filter(community_id__in=ids).delete()
                MemberEvent.objects.filter(community_id__in=ids).delete()
                MemberTombstone.objects.filter(community_id__in=ids).delete()
                MemberCountSnapshot.objects.filter(community_id__in=ids).delete()
            self.stdout.write(f"Reset: removed {removed} members with their events and tombstones")
        rejected: list[Rejection] = []
        started = time.perf_counter()
        lines = demo_member_lines(options["members"], seed=options["seed"], until=options["until"])
        summary = import_lines(lines, on_rejected=rejected.append, workers=options["workers"])
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Seeded {options['members']} members ({summary.lines} lines) in {elapsed:.1f} s: "
            f"created {summary.created}, updated {summary.updated}, deleted {summary.deleted}, "
            f"unchanged {summary.unchanged}, rejected {summary.rejected}"
        )
        if rejected:
            first = rejected[0]
            raise CommandError(f"{len(rejected)} demo lines rejected, first at line {first.index}: {first.details}")
        # Daily history from the events first, then the live snapshot, so members_grouped_count answers at once
        # and members_count_snapshot has two years to show (docs/snapshots.md).
        started = time.perf_counter()
        backfilled = snapshots_backfill_daily(community_ids=ids)
        run = snapshots_take(community_ids=ids)
        self.stdout.write(
            f"Snapshots: {backfilled} daily rows back-filled from events, {run.rows} rows for "
            f"{run.taken_at.isoformat()} in {time.perf_counter() - started:.1f} s"
        )
