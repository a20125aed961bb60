from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting import permits
from reporting.services import UnknownNames, api_client_create


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class Command(BaseCommand):
    help = "Create an API client; prints its token as the last line (only a hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--communities", required=True, help="235,236 or all")
        parser.add_argument("--permits", required=True, help="P1,P2 or all")

    def handle(self, *args: Any, **options: Any) -> None:
        granted = list(permits.ALL) if options["permits"] == "all" else _csv(options["permits"])
        community_ids = None
        if options["communities"] != "all":
            try:
                community_ids = [int(part) for part in _csv(options["communities"])]
            except ValueError:
                raise CommandError("--communities takes comma-separated ids or 'all'") from None
        try:
            client, token = api_client_create(name=options["name"], permits=granted, community_ids=community_ids)
        except UnknownNames as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created API client {client.id} ({client.name}) with permits {', '.join(client.permits)}")
        self.stdout.write(token)
