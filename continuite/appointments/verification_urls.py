"""URL patterns of the proof of the phone (public) and of high demand (network managers)."""

from django.urls import path

from . import views_verification

urlpatterns = [
    path("rendez-vous/code/<str:pending_id>/", views_verification.phone_code, name="phone_code"),
    path(
        "rendez-vous/code/<str:pending_id>/envoi/",
        views_verification.phone_code_resend,
        name="phone_code_resend",
    ),
    path(
        "espace-agent/forte-demande/",
        views_verification.high_demand_list,
        name="high_demand_list",
    ),
    path(
        "espace-agent/forte-demande/motifs/<int:reason_id>/",
        views_verification.high_demand_page,
        name="high_demand",
    ),
]
