from django.urls import path

from dashboards import segments, views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("clubs/", views.compare, name="compare"),
    path("clubs/go/", views.club_go, name="club-go"),
    path("clubs/data/<slug:key>.csv", views.compare_csv, name="compare-csv"),
    path("clubs/<int:club_id>/", views.club, name="club"),
    path("clubs/<int:club_id>/data/<slug:key>.csv", views.club_csv, name="club-csv"),
    path("clubs/<int:club_id>/segments/", segments.segment_list, name="segments"),
    path("clubs/<int:club_id>/segments/new", segments.segment_create, name="segment-create"),
    path("clubs/<int:club_id>/segments/compare/", segments.segment_compare, name="segment-compare"),
    path("clubs/<int:club_id>/segments/compare.csv", segments.segment_compare_csv, name="segment-compare-csv"),
    path("clubs/<int:club_id>/segments/<int:segment_id>/edit", segments.segment_edit, name="segment-edit"),
    path("clubs/<int:club_id>/segments/<int:segment_id>/delete", segments.segment_delete, name="segment-delete"),
]
