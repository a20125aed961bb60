from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.services import ClientRevoked, UnknownNames, api_client_find, api_client_rotate_token


class Command(BaseCommand):
    help = (
        "Give an API client a new token and print it as the last line (only its hash is stored). The old token "
        "is refused from the next request on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client", help="the client's id, or its name when that is unique")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client = api_client_find(name_or_id=options["client"])
            token = api_client_rotate_token(client=client, actor="command")
        except (UnknownNames, ClientRevoked) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"New token for API client {client.id} ({client.name}); the old token no longer works")
        self.stdout.write(token)
