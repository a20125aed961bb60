from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reporting.ingestion.service import refresh_ages


class Command(BaseCommand):
    help = "Recompute every member's age bucket for today (in each community's time zone); prints rows changed."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = refresh_ages()
        self.stdout.write(f"age changed for {changed} member(s)")
