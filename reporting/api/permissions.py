from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from reporting.principals import Principal


class IsAuthenticatedPrincipal(BasePermission):
    message = "Authentication required"

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, Principal)
