"""Agents' pages of the registers of vulnerable people."""

from django.urls import path

from . import call_views, campaign_views, control_views, coverage_views, followup_views, views

app_name = "outreach"

REGISTER = "espace-agent/registres/<id:register_id>/"
PERSON = f"{REGISTER}personnes/<id:person_id>/"
CALL = "espace-agent/appels/<id:call_id>/"
CAMPAIGN = "espace-agent/campagnes/<id:campaign_id>/"

urlpatterns = [
    path("espace-agent/registres/", views.registers, name="registers"),
    path(REGISTER, views.register_detail, name="register"),
    path(f"{REGISTER}inscrire/", views.person_create, name="person_create"),
    path(PERSON, views.person_detail, name="person"),
    path(f"{PERSON}modifier/", views.person_edit, name="edit"),
    path(f"{PERSON}accuse-reception/", views.person_acknowledge, name="acknowledge"),
    path(f"{PERSON}fin/", views.person_end, name="end"),
    path(f"{PERSON}plan-partage/", views.person_share, name="share"),
    path(f"{PERSON}demande-ccas/", views.person_match_request, name="match_request"),
    path(f"{REGISTER}journal/", control_views.audit_log, name="audit_log"),
    path(f"{REGISTER}journal.csv", control_views.audit_log_csv, name="audit_log_csv"),
    path(f"{REGISTER}demandes-ccas/", control_views.match_requests, name="match_requests"),
    path(
        f"{REGISTER}demandes-ccas/<id:request_id>/repondre/",
        control_views.match_request_reply,
        name="match_request_reply",
    ),
    path("espace-agent/appels/", call_views.calls, name="calls"),
    path(CALL, call_views.call_sheet, name="call"),
    path(f"{CALL}reserver/", call_views.call_reserve, name="call_reserve"),
    path(f"{CALL}liberer/", call_views.call_release, name="call_release"),
    path(f"{CALL}suivi/", followup_views.followup, name="followup"),
    path(
        f"{CALL}suivi/rendez-vous/",
        followup_views.followup_appointment,
        name="followup_appointment",
    ),
    path(f"{CALL}suivi/dossier/", followup_views.followup_case, name="followup_case"),
    path("espace-agent/campagnes/", campaign_views.campaigns, name="campaigns"),
    path(
        "espace-agent/campagnes/nouvelle/", campaign_views.campaign_create, name="campaign_create"
    ),
    path(CAMPAIGN, campaign_views.campaign_detail, name="campaign"),
    path(f"{CAMPAIGN}activer/", campaign_views.campaign_activate, name="campaign_activate"),
    path(f"{CAMPAIGN}terminer/", campaign_views.campaign_end, name="campaign_end"),
    path(f"{CAMPAIGN}couverture/", coverage_views.coverage, name="coverage"),
    path(f"{CAMPAIGN}couverture.csv", coverage_views.coverage_csv, name="coverage_csv"),
    path(
        f"{CAMPAIGN}couverture/non-joints/",
        coverage_views.coverage_unreached,
        name="coverage_unreached",
    ),
    path("pilotage/couverture-appels/", coverage_views.coverage_steering, name="coverage_steering"),
    path(
        "pilotage/couverture-appels.csv",
        coverage_views.coverage_steering_csv,
        name="coverage_steering_csv",
    ),
]
