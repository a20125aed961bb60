from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from reporting.api.docs_views import RedocDocsView, SwaggerDocsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("v1/reporting/", include("reporting.api.urls")),
    path("v1/geo/", include("reporting.api.geo_urls")),
    path("exports/", include("dashboards.exports.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocDocsView.as_view(url_name="schema"), name="redoc"),
    path("", include("dashboards.urls")),
]

handler400 = "reporting.api.error_pages.bad_request"
handler403 = "reporting.api.error_pages.permission_denied"
handler404 = "reporting.api.error_pages.page_not_found"
handler500 = "reporting.api.error_pages.server_error"
