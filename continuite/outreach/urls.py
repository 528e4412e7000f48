"""Agents' pages of the registers of vulnerable people."""

from django.urls import path

from . import views

app_name = "outreach"

REGISTER = "espace-agent/registres/<int:register_id>/"
PERSON = f"{REGISTER}personnes/<int:person_id>/"

urlpatterns = [
    path("espace-agent/registres/", views.registers, name="registers"),
    path(REGISTER, views.register_detail, name="register"),
    path(f"{REGISTER}inscrire/", views.person_create, name="person_create"),
    path(PERSON, views.person_detail, name="person"),
    path(f"{PERSON}modifier/", views.person_edit, name="edit"),
    path(f"{PERSON}accuse-reception/", views.person_acknowledge, name="acknowledge"),
    path(f"{PERSON}fin/", views.person_end, name="end"),
    path(f"{PERSON}plan-partage/", views.person_share, name="share"),
]
