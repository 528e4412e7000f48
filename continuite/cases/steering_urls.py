"""Steering pages of the cases, under pilotage/dossiers/."""

from django.urls import path

from . import steering_views, suspension_views

app_name = "cases_steering"

urlpatterns = [
    path("", steering_views.statistics_page, name="statistics"),
    path("delais-de-traitement.csv", steering_views.statistics_csv, name="statistics_csv"),
    path("prevision/", steering_views.forecast_index, name="forecast_index"),
    path("prevision/<slug:slug>/", steering_views.forecast_page, name="forecast"),
    path(
        "prevision/<slug:slug>/transferer/",
        steering_views.forecast_transfer,
        name="forecast_transfer",
    ),
    path("suspensions/", suspension_views.suspensions, name="suspensions"),
]
