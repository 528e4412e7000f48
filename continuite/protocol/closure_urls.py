"""Incidents, closures and the rehoming runs that follow them."""

from django.urls import path

from . import closure_views

PREFIX = "espace-agent/guichets/<id:point_id>/"

urlpatterns = [
    path(f"{PREFIX}fermetures/", closure_views.closures, name="closures"),
    path(f"{PREFIX}fermetures/incident/", closure_views.incident_declare, name="incident_declare"),
    path(f"{PREFIX}fermetures/nouvelle/", closure_views.closure_declare, name="closure_declare"),
    path(
        f"{PREFIX}fermetures/<id:closure_id>/rouvrir/",
        closure_views.closure_reopen,
        name="closure_reopen",
    ),
    path(f"{PREFIX}relogements/", closure_views.run_start, name="run_start"),
    path(f"{PREFIX}relogements/<id:run_id>/", closure_views.run_detail, name="run"),
    path(f"{PREFIX}relogements/<id:run_id>/personnes.csv", closure_views.run_csv, name="run_csv"),
    path("espace-agent/reseaux/<slug:slug>/relogement/", closure_views.rules, name="rules"),
]
