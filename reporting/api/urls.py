from django.urls import include, path

from reporting.api import ingest_views, views

app_name = "reporting"

urlpatterns = [
    path("query", views.QueryView.as_view(), name="query"),
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    path("field_metadata", views.FieldMetadataView.as_view(), name="field-metadata"),
    path("ingest/members", ingest_views.IngestMembersView.as_view(), name="ingest-members"),
    path("", include("reporting.api.export_urls")),
]
