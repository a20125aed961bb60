from django.urls import path

from dashboards.exports import thisview, views

app_name = "exports"

urlpatterns = [
    path("", views.exports_page, name="page"),
    path("status", views.exports_status, name="status"),
    path("view", thisview.export_this_view, name="this-view"),
    path("<uuid:id>/download", views.export_download, name="download"),
    path("<uuid:id>/cancel", views.export_cancel, name="cancel"),
    path("<uuid:id>/delete", views.export_delete, name="delete"),
]
