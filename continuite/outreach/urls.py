"""Agents' pages of the registers of vulnerable people."""

from django.urls import path

from . import call_views, views

app_name = "outreach"

REGISTER = "espace-agent/registres/<int:register_id>/"
PERSON = f"{REGISTER}personnes/<int:person_id>/"
CALL = "espace-agent/appels/<int:call_id>/"

urlpatterns = [
    path("espace-agent/registres/", views.registers, name="registers"),
    path(REGISTER, views.register_detail, name="register"),
    path(f"{REGISTER}inscrire/", views.person_create, name="person_create"),
    path(PERSON, views.person_detail, name="person"),
    path(f"{PERSON}modifier/", views.person_edit, name="edit"),
    path(f"{PERSON}accuse-reception/", views.person_acknowledge, name="acknowledge"),
    path(f"{PERSON}fin/", views.person_end, name="end"),
    path(f"{PERSON}plan-partage/", views.person_share, name="share"),
    path("espace-agent/appels/", call_views.calls, name="calls"),
    path(CALL, call_views.call_sheet, name="call"),
    path(f"{CALL}reserver/", call_views.call_reserve, name="call_reserve"),
    path(f"{CALL}liberer/", call_views.call_release, name="call_release"),
]
