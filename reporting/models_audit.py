"""The audit log of security-relevant events (docs/security.md): append-only, and never personal data.

Who acted is a principal key (``user:12``, ``client:3``) or, for a failed login with a username that matches no
user, ``unknown:`` and a keyed hash of what was typed (it may be an e-mail address); addresses are kept only as
their network (/24 for IPv4, /48 for IPv6).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

__all__ = ["AuditAction", "AuditEvent"]


class AuditAction(models.TextChoices):
    API_CLIENT_CREATED = "api_client.created"
    API_CLIENT_TOKEN_ROTATED = "api_client.token_rotated"  # noqa: S105 - an event name, not a secret
    API_CLIENT_REVOKED = "api_client.revoked"
    API_CLIENT_PERMITS_CHANGED = "api_client.permits_changed"
    EXPORT_CREATED = "export.created"
    EXPORT_DOWNLOADED = "export.downloaded"
    LOGIN_FAILED = "login.failed"
    SEGMENT_CREATED = "segment.created"
    SEGMENT_DELETED = "segment.deleted"
    SEGMENT_UPDATED = "segment.updated"
    LOGIN_LOCKED_OUT = "login.locked_out"


class AuditEvent(models.Model):
    Action = AuditAction

    occurred_at = models.DateTimeField(default=timezone.now)
    action = models.TextField(choices=AuditAction.choices)
    actor = models.TextField(help_text="user:<id>, client:<id>, command, or unknown:<hash of the typed username>")
    target = models.TextField(blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    network = models.TextField(null=True, blank=True, help_text="The caller's network (/24 or /48), not its address")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["occurred_at"], name="audit_occurred_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_occurred_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=[choice.value for choice in AuditAction]), name="audit_action_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor}"
