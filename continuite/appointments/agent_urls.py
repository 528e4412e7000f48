"""URL patterns of the agents' agenda, queue and call-backs, and of the public call-back form."""

from django.urls import path

from . import views_agents

_POINT = "espace-agent/guichets/<id:point_id>/"

urlpatterns = [
    # Public, no account: « Être rappelé ».
    path("etre-rappele/<id:point_id>/", views_agents.callback_request, name="callback_request"),
    path(
        "etre-rappele/merci/<str:token>/",
        views_agents.callback_confirmation,
        name="callback_confirmation",
    ),
    # Agents of the service point.
    path(f"{_POINT}agenda/", views_agents.agenda, name="agenda"),
    path(
        f"{_POINT}agenda/rendez-vous/<id:appointment_id>/statut/",
        views_agents.appointment_status,
        name="appointment_status",
    ),
    path(
        f"{_POINT}agenda/rendez-vous/<id:appointment_id>/annulation/",
        views_agents.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path(f"{_POINT}file/", views_agents.queue_page, name="queue"),
    path(
        f"{_POINT}file/tickets/<id:ticket_id>/cloture/",
        views_agents.queue_ticket_close,
        name="queue_ticket_close",
    ),
    path(f"{_POINT}rappels/", views_agents.callback_queue, name="callback_queue"),
    path(
        f"{_POINT}rappels/<id:request_id>/appel/",
        views_agents.callback_attempt,
        name="callback_attempt",
    ),
]
