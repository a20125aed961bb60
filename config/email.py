"""Outgoing mail from ``EMAIL_URL`` or the ``EMAIL_*`` variables; without either, the product sends no mail.

``EMAIL_URL`` forms: ``smtp://user:password@host:25`` (``?tls=1`` for STARTTLS), ``submission://…`` (port 587,
STARTTLS), ``smtps://…`` (port 465, TLS from the start), ``console://`` (prints mails: development only). The
user and password are percent-decoded.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SMTP = "django.core.mail.backends.smtp.EmailBackend"
_SCHEMES = {"smtp": (25, False, False), "submission": (587, True, False), "smtps": (465, False, True)}
_TRUE = {"1", "true", "yes", "on"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def from_url(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp://user:password@host:port, submission://…, smtps://… or console://"
        )
    port, tls, ssl = _SCHEMES[parts.scheme]
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": tls or _flag(query.get("tls")),
        "EMAIL_USE_SSL": ssl or _flag(query.get("ssl")),
    }


def from_environment() -> dict[str, Any]:
    """Django's EMAIL_* settings, plus EMAIL_CONFIGURED (False: password reset is not offered)."""
    url = os.environ.get("EMAIL_URL", "").strip()
    if url:
        return {**from_url(url), "EMAIL_CONFIGURED": True}
    host = os.environ.get("EMAIL_HOST", "").strip()
    if host:
        return {
            "EMAIL_BACKEND": os.environ.get("EMAIL_BACKEND", SMTP),
            "EMAIL_HOST": host,
            "EMAIL_PORT": int(os.environ.get("EMAIL_PORT", "25")),
            "EMAIL_HOST_USER": os.environ.get("EMAIL_HOST_USER", ""),
            "EMAIL_HOST_PASSWORD": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "EMAIL_USE_TLS": _flag(os.environ.get("EMAIL_USE_TLS")),
            "EMAIL_USE_SSL": _flag(os.environ.get("EMAIL_USE_SSL")),
            "EMAIL_CONFIGURED": True,
        }
    # Nothing configured: mails would fail at send time, so nothing offers to send one.
    return {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "EMAIL_CONFIGURED": False}
