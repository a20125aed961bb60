from django.urls import path

from reporting.api import geo_views

app_name = "geo"

urlpatterns = [
    path("places", geo_views.PlacesView.as_view(), name="places"),
    path("places/<str:place_id>", geo_views.PlaceView.as_view(), name="place"),
    path("locations/coordinates", geo_views.CoordinatesView.as_view(), name="coordinates"),
]
