"""The health protocol's checklist: self-assessments of a site, compliance for steering."""

from django.urls import path

from . import views_checklist

urlpatterns = [
    path(
        "espace-agent/guichets/<id:point_id>/protocole-sanitaire/",
        views_checklist.checklist,
        name="checklist",
    ),
    path(
        "pilotage/protocole-sanitaire/",
        views_checklist.compliance_page,
        name="compliance",
    ),
    path(
        "pilotage/protocole-sanitaire.csv",
        views_checklist.compliance_csv,
        name="compliance_csv",
    ),
]
