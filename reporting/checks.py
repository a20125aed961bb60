"""Deployment checks of our own, run by ``manage.py check --deploy`` next to Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def development_secret_key(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Django's own check (security.W009) passes the built-in development key: it is long and varied."""
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            checks.Error(
                "SECRET_KEY is the built-in development key.",
                hint="Set DJANGO_SECRET_KEY to at least 50 random characters (docs/security.md).",
                id="reporting.E001",
            )
        ]
    return []
