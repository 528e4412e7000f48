"""Public URL patterns of appointments (no account): French paths, English names."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("rendez-vous/", public_views.start, name="start"),
    path("rendez-vous/creneaux/", public_views.slots, name="slots"),
    path("rendez-vous/reserver/<id:slot_id>/", public_views.book, name="book"),
    path("rendez-vous/confirmation/<str:token>/", public_views.confirmation, name="confirmation"),
    path(
        "rendez-vous/tirage/<id:reason_id>/<id:point_id>/",
        public_views.lottery,
        name="lottery",
    ),
    path(
        "rendez-vous/tirage/inscription/<str:token>/",
        public_views.lottery_entered,
        name="lottery_entered",
    ),
    path("rendez-vous/gerer/<str:token>/", public_views.manage, name="manage"),
    path("rendez-vous/gerer/<str:token>/agenda.ics", public_views.ics, name="ics"),
    path("rendez-vous/gerer/<str:token>/annuler/", public_views.cancel, name="cancel"),
    path("rendez-vous/gerer/<str:token>/deplacer/", public_views.move, name="move"),
    path("rendez-vous/gerer/<str:token>/contact/", public_views.contact, name="contact"),
    path("rendez-vous/demande/<str:token>/", public_views.requested, name="requested"),
]
