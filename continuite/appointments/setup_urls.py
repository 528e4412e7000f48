"""Site managers' appointment settings."""

from django.urls import path

from . import views_setup

urlpatterns = [
    path(
        "espace-agent/guichets/<id:point_id>/rendez-vous/",
        views_setup.appointment_settings,
        name="settings",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/rendez-vous/plages/<id:range_id>/fin/",
        views_setup.opening_range_end,
        name="range_end",
    ),
]
