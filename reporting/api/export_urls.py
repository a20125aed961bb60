"""Export endpoints, included into reporting.api.urls (namespace ``reporting``) under /v1/reporting/."""

from django.urls import path

from reporting.api import export_views

urlpatterns = [
    path("query/export", export_views.QueryExportView.as_view(), name="query-export"),
    path("tenants/query/export", export_views.TenantsQueryExportView.as_view(), name="tenants-query-export"),
    path("exports", export_views.ExportListView.as_view(), name="export-list"),
    path("exports/<uuid:id>", export_views.ExportDetailView.as_view(), name="export-detail"),
    path("exports/<uuid:id>/download", export_views.ExportDownloadView.as_view(), name="export-download"),
]
