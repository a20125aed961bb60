"""Writing the audit log (reporting.models_audit.AuditEvent), and the login signals that feed it.

Every function is a single INSERT in the caller's transaction, so an event is recorded exactly when what it
describes is committed. Nothing personal goes in: see the model's docstring and docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from reporting.models_audit import AuditAction, AuditEvent
from reporting.models_exports import Export
from reporting.models_segments import Segment

__all__ = [
    "AuditAction",
    "export_created",
    "export_downloaded",
    "network_of",
    "record",
    "segment_changed",
    "username_fingerprint",
]


def network_of(address: str | None) -> str | None:
    """``203.0.113.77`` -> ``203.0.113.0/24``; IPv6 to its /48: enough to tell networks apart, not people."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def username_fingerprint(username: str) -> str:
    """A keyed hash of a typed username: equal attempts group together, but the text (maybe an e-mail
    address) cannot be read back or confirmed by guessing without the server's secret key."""
    key = hashlib.sha256(b"audit-username:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, username.strip().casefold().encode(), hashlib.sha256).hexdigest()[:16]


def record(
    *,
    action: AuditAction,
    actor: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    network = network_of(request.META.get("REMOTE_ADDR")) if request is not None else None
    return AuditEvent.objects.create(action=action, actor=actor, target=target, details=details or {}, network=network)


def export_created(*, export: Export) -> None:
    record(
        action=AuditAction.EXPORT_CREATED,
        actor=export.owner_key,
        target=f"export:{export.id}",
        details={"kind": export.kind, "report": export.report, "format": export.format,
                 "community_ids": list(export.community_ids)},
    )  # fmt: skip


def export_downloaded(*, export: Export, actor: str | None = None, request: HttpRequest | None = None) -> None:
    """``actor`` None: the export's owner (the API lets only the owner download)."""
    record(
        action=AuditAction.EXPORT_DOWNLOADED,
        actor=actor or export.owner_key,
        target=f"export:{export.id}",
        details={"community_ids": list(export.community_ids), "format": export.format},
        request=request,
    )


def segment_changed(*, action: AuditAction, actor: str, segment: Segment) -> None:
    """A segment saved or deleted: which one and of which club; its name and filter (free text a marketer typed,
    values of members' attributes) stay out of the log."""
    record(action=action, actor=actor, target=f"segment:{segment.id}",
           details={"community_id": segment.community_id, "report": segment.report})  # fmt: skip


def _login_actor(username: str) -> str:
    user_model = get_user_model()
    user_id = (
        user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).values_list("pk", flat=True).first()
    )
    return f"user:{user_id}" if user_id is not None else f"unknown:{username_fingerprint(username)}"


def _form(request: HttpRequest | None) -> str:
    path = getattr(request, "path", "") or ""
    return "admin" if path.startswith("/admin/") else "accounts"


@receiver(user_login_failed, dispatch_uid="reporting.audit.login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    record(action=AuditAction.LOGIN_FAILED, actor=_login_actor(username), details={"form": _form(request)},
           request=request)  # fmt: skip


@receiver(user_locked_out, dispatch_uid="reporting.audit.locked_out")
def _locked_out(sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any) -> None:
    record(action=AuditAction.LOGIN_LOCKED_OUT, actor=_login_actor(username or ""), details={"form": _form(request)},
           request=request)  # fmt: skip
