"""Case workers' queue and case pages, lists per service point and network, and imports."""

from django.urls import path

from . import views, views_import, views_lists, views_procedures

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
        views_lists.point_cases,
        name="point_cases",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/dossiers/nouveau/",
        views_lists.case_create,
        name="case_create",
    ),
    path(NETWORK, views_lists.network_cases, name="network_cases"),
    path(f"{NETWORK}import/", views_import.import_upload, name="import"),
    path(f"{NETWORK}import/<id:import_id>/", views_import.import_job, name="import_job"),
    path(
        "espace-agent/reseaux/<slug:slug>/demarches/",
        views_procedures.procedures,
        name="procedures",
    ),
    path(
        "espace-agent/reseaux/<slug:slug>/demarches/<id:procedure_id>/",
        views_procedures.procedure,
        name="procedure",
    ),
]
