from django.urls import path  # noqa: F401

app_name = "geo"
urlpatterns: list = []
