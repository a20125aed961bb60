"""The navigation bar every page shows (club switcher, compare, exports for admins, Django admin for staff)."""

from __future__ import annotations

from typing import Any

from django import template

from dashboards.access import accessible_clubs, is_admin

register = template.Library()


@register.inclusion_tag("dashboards/_nav.html", takes_context=True)
def dashboard_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"authenticated": False}
    clubs = context.get("nav_clubs")
    if clubs is None:
        clubs = accessible_clubs(user)
    return {
        "authenticated": True,
        "clubs": clubs,
        "current_ids": context.get("current_ids", ()),
        "is_admin": context.get("nav_is_admin", is_admin(user)),
        "is_staff": user.is_staff,
    }
