"""Production settings: a real secret key or no start, and `manage.py check --deploy` clean for the documented
production environment (docs/security.md, .env.example)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config import email

ROOT = Path(__file__).resolve().parents[2]
# The production environment of docs/security.md, with a database that exists (checks do not connect).
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "reports.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://reports.example.com",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_HSTS_SECONDS": "31536000",
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_HSTS_PRELOAD": "true",
    "DJANGO_BEHIND_PROXY": "true",
    "EMAIL_URL": "submission://reports%40example.com:app-password@smtp.example.com",
}
DJANGO_VARIABLES = {name for name in os.environ if name.startswith(("DJANGO_", "EMAIL_"))}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in DJANGO_VARIABLES}
    base.setdefault("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")  # never connected to
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_deploy_is_clean_for_the_documented_production_environment() -> None:
    done = manage("check", "--deploy", "--fail-level", "INFO", **PRODUCTION)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues (1 silenced)." in done.stdout


def test_check_deploy_refuses_the_development_key_even_without_DJANGO_DEBUG() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k not in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY")}
    done = manage("check", "--deploy", **env)
    assert done.returncode != 0
    assert "reporting.E001" in done.stderr


@pytest.mark.parametrize(
    "key", [None, "", "short-key", "dev-insecure-clubinsight-key-change-me-in-production-0123456789", "a" * 60]
)
def test_production_refuses_to_start_without_a_real_secret_key(key: str | None) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    done = manage("check", **env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "DJANGO_DEBUG=0 declares a production process, which needs its own DJANGO_SECRET_KEY" in done.stderr


def test_development_starts_without_a_key_when_DJANGO_DEBUG_is_unset() -> None:
    done = manage("check")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_email_url_forms() -> None:
    assert email.from_url("submission://a%40b.c:p%2Fw@smtp.example.com") == {
        "EMAIL_BACKEND": email.SMTP,
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "a@b.c",
        "EMAIL_HOST_PASSWORD": "p/w",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    assert email.from_url("smtps://mail.example.com")["EMAIL_PORT"] == 465
    assert email.from_url("smtp://mail.example.com:2525?tls=1")["EMAIL_USE_TLS"] is True
    assert email.from_url("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(Exception, match="EMAIL_URL must look like"):
        email.from_url("http://example.com")
