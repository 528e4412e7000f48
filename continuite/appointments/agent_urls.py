"""URL patterns of the agents' agenda, queue and call-backs, and of the public call-back form."""

from django.urls import path

from . import agent_views

_POINT = "espace-agent/guichets/<id:point_id>/"

urlpatterns = [
    # Public, no account: « Être rappelé ».
    path("etre-rappele/<id:point_id>/", agent_views.callback_request, name="callback_request"),
    path(
        "etre-rappele/merci/<str:token>/",
        agent_views.callback_confirmation,
        name="callback_confirmation",
    ),
    # Agents of the service point.
    path(f"{_POINT}agenda/", agent_views.agenda, name="agenda"),
    path(
        f"{_POINT}agenda/rendez-vous/<id:appointment_id>/statut/",
        agent_views.appointment_status,
        name="appointment_status",
    ),
    path(
        f"{_POINT}agenda/rendez-vous/<id:appointment_id>/annulation/",
        agent_views.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path(f"{_POINT}file/", agent_views.queue_page, name="queue"),
    path(
        f"{_POINT}file/tickets/<id:ticket_id>/cloture/",
        agent_views.queue_ticket_close,
        name="queue_ticket_close",
    ),
    path(f"{_POINT}rappels/", agent_views.callback_queue, name="callback_queue"),
    path(
        f"{_POINT}rappels/<id:request_id>/appel/",
        agent_views.callback_attempt,
        name="callback_attempt",
    ),
]
