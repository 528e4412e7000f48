"""Public appointment pages: booking without an account and the secret manage link."""

from django.http import Http404
from django.shortcuts import render

from .links import appointment_from_token


def manage(request, token: str):
    """The person's own page for an appointment, reached through the signed link."""
    appointment = appointment_from_token(token)
    if appointment is None:
        raise Http404
    return render(
        request, "appointments/public/manage.html", {"appointment": appointment, "token": token}
    )
