from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.services import UnknownNames, community_create


class Command(BaseCommand):
    help = "Create or update a community (loyalty club). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Europe/Oslo")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            community, created = community_create(
                id=options["id"],
                slug=options["slug"],
                name=options["name"],
                country=options["country"],
                timezone=options["timezone"],
            )
        except (ValidationError, UnknownNames) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{'Created' if created else 'Updated'} community {community.id} ({community.slug})")
