"""Incidents, closures and the rehoming runs that follow them."""

from django.urls import path

from . import views_closure

PREFIX = "espace-agent/guichets/<id:point_id>/"

urlpatterns = [
    path(f"{PREFIX}fermetures/", views_closure.closures, name="closures"),
    path(f"{PREFIX}fermetures/incident/", views_closure.incident_declare, name="incident_declare"),
    path(f"{PREFIX}fermetures/nouvelle/", views_closure.closure_declare, name="closure_declare"),
    path(
        f"{PREFIX}fermetures/<id:closure_id>/rouvrir/",
        views_closure.closure_reopen,
        name="closure_reopen",
    ),
    path(f"{PREFIX}relogements/", views_closure.run_start, name="run_start"),
    path(f"{PREFIX}relogements/<id:run_id>/", views_closure.run_detail, name="run"),
    path(f"{PREFIX}relogements/<id:run_id>/personnes.csv", views_closure.run_csv, name="run_csv"),
    path("espace-agent/reseaux/<slug:slug>/relogement/", views_closure.rules, name="rules"),
]
