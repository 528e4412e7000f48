"""The health protocol's checklist: self-assessments of a site, compliance for steering."""

from django.urls import path

from . import checklist_views

urlpatterns = [
    path(
        "espace-agent/guichets/<id:point_id>/protocole-sanitaire/",
        checklist_views.checklist,
        name="checklist",
    ),
    path(
        "pilotage/protocole-sanitaire/",
        checklist_views.compliance_page,
        name="compliance",
    ),
    path(
        "pilotage/protocole-sanitaire.csv",
        checklist_views.compliance_csv,
        name="compliance_csv",
    ),
]
