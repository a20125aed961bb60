"""The product's URLs plus views with a real bug (SQL against a missing table), to test the 500 path."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import urls as product_urls


def _run_broken_sql() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM table_that_does_not_exist")


class BuggyApiView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request: Request) -> Response:
        _run_broken_sql()
        return Response({})


def buggy_view(request: HttpRequest) -> HttpResponse:
    _run_broken_sql()
    return HttpResponse("unreachable")


urlpatterns = [
    path("v1/test-bug/drf", BuggyApiView.as_view()),
    path("v1/test-bug/plain", buggy_view),
    path("test-bug/page", buggy_view),
    *product_urls.urlpatterns,
]
handler400 = getattr(product_urls, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(product_urls, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(product_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(product_urls, "handler500", "django.views.defaults.server_error")
