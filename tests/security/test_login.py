"""Login throttling (django-axes) on both login forms, and password reset only where mail is configured."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from reporting.models import AuditEvent

PASSWORD = "a-long-test-password-77"
FORMS = {
    "accounts": ("/accounts/login/", "/"),
    "admin": ("/admin/login/", "/admin/"),
}


@pytest.fixture
def user(django_user_model: Any, db: Any) -> Any:
    # A fresh name per test: with Redis the failure counters outlive the test's rolled-back transaction.
    return django_user_model.objects.create_superuser(f"ops-{uuid.uuid4().hex[:12]}", password=PASSWORD)


def log_in(client: Client, form: str, username: str, password: str) -> Any:
    path, after = FORMS[form]
    return client.post(f"{path}?next={after}", {"username": username, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("form", sorted(FORMS))
def test_after_the_failure_limit_the_right_password_no_longer_logs_in(
    form: str, user: Any, settings: Any, client: Client
) -> None:
    settings.AXES_FAILURE_LIMIT = 4
    for _ in range(3):
        assert log_in(client, form, user.username, "wrong-password").status_code == 200
        assert not logged_in(client)
    assert log_in(client, form, user.username, "wrong-password").status_code == 429  # the 4th locks
    refused = log_in(client, form, user.username, PASSWORD)
    assert refused.status_code == 429
    assert b"Too many failed logins" in refused.content
    assert not logged_in(client)
    # Another browser (another session, same address) is refused as well: the lock is on the account.
    assert log_in(Client(), form, user.username, PASSWORD).status_code == 429


def test_the_lock_ends_after_the_cool_off(user: Any, settings: Any, client: Client) -> None:
    # A fast hasher, so that the attempts follow each other well within the short cool-off on a loaded machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user.set_password(PASSWORD)
    user.save()
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(seconds=4)
    for _ in range(2):
        log_in(client, "accounts", user.username, "wrong-password")
    assert log_in(client, "accounts", user.username, PASSWORD).status_code == 429
    last_failure = time.monotonic()  # a refused attempt may count as a failure too
    time.sleep(max(0.0, last_failure + 4.5 - time.monotonic()))
    response = log_in(client, "accounts", user.username, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_below_the_limit_the_right_password_logs_in_and_resets_the_count(
    user: Any, settings: Any, client: Client
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _round in range(3):
        for _ in range(2):
            log_in(Client(), "accounts", user.username, "wrong-password")
        fresh = Client()
        assert log_in(fresh, "accounts", user.username, PASSWORD).status_code == 302
        assert logged_in(fresh)


def test_failed_logins_are_audited_without_the_typed_username(user: Any, client: Client) -> None:
    typed = f"someone-{uuid.uuid4().hex[:6]}@example.com"
    log_in(client, "accounts", typed, "x")
    log_in(client, "admin", user.username, "wrong-password")
    events = list(AuditEvent.objects.filter(action="login.failed").order_by("id"))
    assert [(e.details["form"], e.network) for e in events] == [("accounts", "127.0.0.0/24"), ("admin", "127.0.0.0/24")]
    assert events[0].actor.startswith("unknown:")
    assert events[1].actor == f"user:{user.pk}"
    stored = " ".join(f"{e.actor} {e.target} {e.details} {e.network}" for e in events)
    assert typed not in stored
    assert typed.split("@")[0] not in stored
    assert user.username not in stored


def test_without_mail_password_reset_is_not_offered(settings: Any, client: Client, user: Any) -> None:
    settings.EMAIL_CONFIGURED = False
    for path in ("/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/done/"):
        assert client.get(path).status_code == 404, path
    response = client.post("/accounts/password_reset/", {"email": "ops@example.com"})
    assert response.status_code == 404
    assert b"password_reset" not in client.get("/accounts/login/").content
    assert b"password_reset" not in client.get("/admin/login/").content
    assert mail.outbox == []


def test_with_mail_password_reset_sends_a_mail(settings: Any, client: Client, user: Any) -> None:
    settings.EMAIL_CONFIGURED = True
    user.email = "ops@example.com"
    user.save()
    assert b"/accounts/password_reset/" in client.get("/accounts/login/").content
    response = client.post("/accounts/password_reset/", {"email": "ops@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com"]
    assert "/accounts/reset/" in mail.outbox[0].body
