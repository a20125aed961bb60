"""``make run``'s static step: collect (fingerprint + compress) only when a source file changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dashboards.staticbuild import ensure_collected


class Command(BaseCommand):
    help = "Run collectstatic unless STATIC_ROOT already holds the current static sources."

    def handle(self, *args: Any, **options: Any) -> None:
        if ensure_collected(verbosity=options["verbosity"]):
            self.stdout.write("Static files collected (fingerprinted and compressed).")
        else:
            self.stdout.write("Static files are up to date.")
