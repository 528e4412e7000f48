"""Case workers' queue and case pages, lists per service point and network, and imports."""

from django.urls import path

from . import import_views, list_views, procedure_views, views

app_name = "cases"

CASE = "espace-agent/dossiers/<id:case_id>/"
NETWORK = "espace-agent/reseaux/<slug:slug>/dossiers/"

urlpatterns = [
    path("espace-agent/dossiers/", views.queue, name="queue"),
    path(CASE, views.case_detail, name="case"),
    path(f"{CASE}suspendre/", views.clock_stop, name="clock_stop"),
    path(f"{CASE}reprendre/", views.clock_resume, name="clock_resume"),
    path(f"{CASE}statut/", views.status_set, name="status"),
    path(f"{CASE}attribuer/", views.assign, name="assign"),
    path(f"{CASE}transferer/", views.transfer, name="transfer"),
    path(
        "espace-agent/guichets/<id:point_id>/dossiers/",
        list_views.point_cases,
        name="point_cases",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/dossiers/nouveau/",
        list_views.case_create,
        name="case_create",
    ),
    path(NETWORK, list_views.network_cases, name="network_cases"),
    path(f"{NETWORK}import/", import_views.import_upload, name="import"),
    path(f"{NETWORK}import/<id:import_id>/", import_views.import_job, name="import_job"),
    path(
        "espace-agent/reseaux/<slug:slug>/demarches/",
        procedure_views.procedures,
        name="procedures",
    ),
    path(
        "espace-agent/reseaux/<slug:slug>/demarches/<id:procedure_id>/",
        procedure_views.procedure,
        name="procedure",
    ),
]
