from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.services import UnknownNames, api_client_find, api_client_revoke


class Command(BaseCommand):
    help = "Revoke an API client for good: its token is refused from the next request on, by every process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client", help="the client's id, or its name when that is unique")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client = api_client_find(name_or_id=options["client"])
        except UnknownNames as exc:
            raise CommandError(str(exc)) from exc
        if api_client_revoke(client=client, actor="command"):
            self.stdout.write(f"Revoked API client {client.id} ({client.name})")
        else:
            self.stdout.write(f"API client {client.id} ({client.name}) was already revoked")
