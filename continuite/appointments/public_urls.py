"""Public URL patterns of appointments (no account): French paths, English names."""

from django.urls import path

from . import views_public

urlpatterns = [
    path("rendez-vous/", views_public.start, name="start"),
    path("rendez-vous/creneaux/", views_public.slots, name="slots"),
    path("rendez-vous/reserver/<id:slot_id>/", views_public.book, name="book"),
    path("rendez-vous/confirmation/<str:token>/", views_public.confirmation, name="confirmation"),
    path(
        "rendez-vous/tirage/<id:reason_id>/<id:point_id>/",
        views_public.lottery,
        name="lottery",
    ),
    path(
        "rendez-vous/tirage/inscription/<str:token>/",
        views_public.lottery_entered,
        name="lottery_entered",
    ),
    path("rendez-vous/gerer/<str:token>/", views_public.manage, name="manage"),
    path("rendez-vous/gerer/<str:token>/agenda.ics", views_public.ics, name="ics"),
    path("rendez-vous/gerer/<str:token>/annuler/", views_public.cancel, name="cancel"),
    path("rendez-vous/gerer/<str:token>/deplacer/", views_public.move, name="move"),
    path("rendez-vous/gerer/<str:token>/contact/", views_public.contact, name="contact"),
    path("rendez-vous/demande/<str:token>/", views_public.requested, name="requested"),
]
