"""URL patterns of the proof of the phone (public) and of high demand (network managers)."""

from django.urls import path, re_path

from . import verification_views

urlpatterns = [
    # A pending form's key in the session: secrets.token_urlsafe(9), 12 characters.
    re_path(
        r"^rendez-vous/code/(?P<pending_id>[A-Za-z0-9_-]{12})/$",
        verification_views.phone_code,
        name="phone_code",
    ),
    re_path(
        r"^rendez-vous/code/(?P<pending_id>[A-Za-z0-9_-]{12})/envoi/$",
        verification_views.phone_code_resend,
        name="phone_code_resend",
    ),
    path(
        "espace-agent/forte-demande/",
        verification_views.high_demand_list,
        name="high_demand_list",
    ),
    path(
        "espace-agent/forte-demande/motifs/<id:reason_id>/",
        verification_views.high_demand_page,
        name="high_demand",
    ),
]
