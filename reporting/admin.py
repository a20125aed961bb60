"""Django admin: communities, who may see them (and with which role), and API clients.

Tokens are never shown or edited here: `create_api_client` prints a new token once; the admin can change a
client's name, permits, communities and deactivate it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField

from reporting import permits
from reporting.models import ApiClient, Community, CommunityAccess


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("id", "slug", "name", "country", "timezone")
    search_fields = ("slug", "name")


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


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "token_prefix", "all_communities", "is_active", "created_at")
    readonly_fields = ("token_prefix", "created_at")
    filter_horizontal = ("communities",)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # a token must be shown once to its owner: create_api_client does that
