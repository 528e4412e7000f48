"""Steering pages of the cases, under pilotage/dossiers/."""

from django.urls import path

from . import views_steering, views_suspensions

app_name = "cases_steering"

urlpatterns = [
    path("", views_steering.statistics_page, name="statistics"),
    path("delais-de-traitement.csv", views_steering.statistics_csv, name="statistics_csv"),
    path("prevision/", views_steering.forecast_index, name="forecast_index"),
    path("prevision/<slug:slug>/", views_steering.forecast_page, name="forecast"),
    path(
        "prevision/<slug:slug>/transferer/",
        views_steering.forecast_transfer,
        name="forecast_transfer",
    ),
    path("suspensions/", views_suspensions.suspensions, name="suspensions"),
]
