"""Django admin: communities, who may see them (and with which role), API clients and the audit log.

Tokens are never shown or edited here except once: `create_api_client` prints a new token, and the "rotate
token" action shows the replacement a single time. Every change of a client's access, rotation and revocation
is written to the audit log, which admins can read but nobody can edit here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from reporting import audit, permits
from reporting.models import ApiClient, AuditEvent, Community, CommunityAccess, Segment
from reporting.models_audit import AuditAction
from reporting.services import (
    ClientRevoked,
    api_client_access,
    api_client_access_changed,
    api_client_revoke,
    api_client_rotate_token,
)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("id", "slug", "name", "country", "timezone")
    search_fields = ("slug", "name")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    """Saved segments; the filter is the API's tree, checked by the API's parser when saved (Segment.clean)."""

    list_display = ("name", "community", "report", "created_at", "updated_at")
    list_filter = ("community",)
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at", "updated_at")
    autocomplete_fields = ("community",)

    def save_model(self, request: HttpRequest, obj: Segment, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        action = AuditAction.SEGMENT_UPDATED if change else AuditAction.SEGMENT_CREATED
        audit.segment_changed(action=action, actor=f"user:{request.user.pk}", segment=obj)

    def delete_model(self, request: HttpRequest, obj: Segment) -> None:
        audit.segment_changed(action=AuditAction.SEGMENT_DELETED, actor=f"user:{request.user.pk}", segment=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Segment]) -> None:
        for segment in queryset:
            audit.segment_changed(action=AuditAction.SEGMENT_DELETED, actor=f"user:{request.user.pk}",
                                  segment=segment)  # fmt: skip
        super().delete_queryset(request, queryset)


@admin.register(CommunityAccess)
class CommunityAccessAdmin(admin.ModelAdmin):
    list_display = ("user", "community", "role")
    list_filter = ("role", "community")
    autocomplete_fields = ("community",)


class ApiClientForm(forms.ModelForm):
    permits = SimpleArrayField(
        forms.ChoiceField(choices=[(p, p) for p in permits.ALL]),
        help_text="Comma-separated: " + ", ".join(permits.ALL),
    )

    class Meta:
        model = ApiClient
        fields = ("name", "permits", "all_communities", "communities", "is_active")

    def clean_is_active(self) -> bool:
        active = bool(self.cleaned_data.get("is_active"))
        if active and self.instance.revoked_at is not None:
            raise forms.ValidationError("A revoked client cannot be re-activated: create a new one.")
        return active


def _actor(request: HttpRequest) -> str:
    return f"user:{request.user.pk}"


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "token_prefix", "all_communities", "is_active", "revoked_at", "created_at")
    readonly_fields = ("token_prefix", "created_at", "token_rotated_at", "revoked_at")
    filter_horizontal = ("communities",)
    actions = ["rotate_token", "revoke"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # a token must be shown once to its owner: create_api_client does that

    def save_model(self, request: Any, obj: ApiClient, form: Any, change: bool) -> None:
        # The access as stored before this edit; compared after the communities (save_related) are saved too.
        request._api_client_access_before = api_client_access(ApiClient.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_api_client_access_before", None)
        if before is not None:
            api_client_access_changed(client=form.instance, before=before, actor=_actor(request))

    @admin.action(description="Rotate token (shows the new token once)", permissions=["change"])
    def rotate_token(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> HttpResponse | None:
        rotated = []
        for client in queryset.order_by("id"):
            try:
                rotated.append((client, api_client_rotate_token(client=client, actor=_actor(request))))
            except ClientRevoked as exc:
                self.message_user(request, str(exc), messages.WARNING)
        if not rotated:
            return None
        context = {**self.admin_site.each_context(request), "title": "New API tokens", "rotated": rotated}
        response = TemplateResponse(request, "admin/reporting/apiclient/rotated_tokens.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke (for good)", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        revoked = sum(api_client_revoke(client=client, actor=_actor(request)) for client in queryset)
        self.message_user(request, f"Revoked {revoked} API client(s); their tokens are refused from now on.")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "action", "actor", "target", "network")
    list_filter = ("action",)
    search_fields = ("actor", "target")
    date_hierarchy = "occurred_at"
    readonly_fields = ("occurred_at", "action", "actor", "target", "details", "network")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
