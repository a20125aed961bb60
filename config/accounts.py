"""The /accounts/ pages: Django's auth views, with password reset only where mail is configured.

Without mail settings (settings.EMAIL_CONFIGURED, see config/email.py) every password-reset page answers 404
and no page links to one: the product never tells a user that a mail was sent when none can be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import path


def password_reset_offered() -> bool:
    return bool(getattr(settings, "EMAIL_CONFIGURED", False))


def _needs_mail(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not password_reset_offered():
            raise Http404("Password reset is not available: this server sends no mail.")
        return view(request, *args, **kwargs)

    return wrapped


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_reset_offered": password_reset_offered()}


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", _needs_mail(auth_views.PasswordResetView.as_view()), name="password_reset"),
    path(
        "password_reset/done/",
        _needs_mail(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        _needs_mail(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path("reset/done/", _needs_mail(auth_views.PasswordResetCompleteView.as_view()), name="password_reset_complete"),
]
