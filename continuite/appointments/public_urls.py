"""Public URL patterns of appointments (no account)."""

from django.urls import path

from . import views_public

urlpatterns = [
    path("rendez-vous/gerer/<str:token>/", views_public.manage, name="manage"),
]
