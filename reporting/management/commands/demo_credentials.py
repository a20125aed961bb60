from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from reporting import permits
from reporting.models import ApiClient, Community, CommunityAccess
from reporting.principals import hash_token
from reporting.services import TOKEN_PREFIX

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-club-2026"  # noqa: S105 - the documented login of the local demo, printed by `make run`
DEMO_CLIENT_NAME = "demo"


class Command(BaseCommand):
    help = "Ensure the demo login (admin of every community) and a demo API client; print both. Rotates the token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        import secrets

        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=DEMO_USERNAME)
        user.set_password(DEMO_PASSWORD)
        user.is_staff = True
        user.save()
        communities = list(Community.objects.order_by("id"))
        for community in communities:
            CommunityAccess.objects.update_or_create(user=user, community=community, defaults={"role": "admin"})
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        client, _ = ApiClient.objects.get_or_create(
            name=DEMO_CLIENT_NAME, defaults={"token_hash": hash_token(token), "token_prefix": token[:10]}
        )
        client.token_hash, client.token_prefix = hash_token(token), token[:10]
        client.permits = sorted(permits.ALL)
        client.all_communities = True
        client.save()
        first = communities[0].id if communities else 235
        url = options["url"].rstrip("/")
        self.stdout.write(
            f"\n  Dashboards:  {url}/\n"
            f"  Login:       {DEMO_USERNAME} / {DEMO_PASSWORD}\n"
            f"  API docs:    {url}/api/docs/\n"
            f"  API token:   {token}\n\n"
            f"  curl -s {url}/v1/reporting/query \\\n"
            f"    -H 'Authorization: Bearer {token}' -H 'X-Customer: {first}' \\\n"
            f"    -H 'Content-Type: application/json' \\\n"
            f'    -d \'{{"report": "members", "aggregate_by": "gender_count"}}\'\n'
        )
