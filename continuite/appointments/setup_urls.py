"""Site managers' appointment settings."""

from django.urls import path

from . import setup_views

urlpatterns = [
    path(
        "espace-agent/guichets/<id:point_id>/rendez-vous/",
        setup_views.appointment_settings,
        name="settings",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/rendez-vous/plages/<id:range_id>/fin/",
        setup_views.opening_range_end,
        name="range_end",
    ),
]
