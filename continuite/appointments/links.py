"""The secret manage link: signed, expiring, and useless once the appointment is over."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Appointment

_SALT = "continuite.appointments.manage"
MAX_AGE = timedelta(days=120)


class _IssuedAtBooking(signing.TimestampSigner):
    """Dates the signature from the booking, so one appointment always has the same link."""

    def __init__(self, *, issued_at, **kwargs):
        super().__init__(**kwargs)
        self._issued_at = issued_at

    def timestamp(self):
        return signing.b62_encode(int(self._issued_at.timestamp()))


def manage_token(appointment: Appointment) -> str:
    """The link's secret: signed, and valid MAX_AGE from the booking (the same at every call)."""
    signer = _IssuedAtBooking(issued_at=appointment.created_at, salt=_SALT)
    return signer.sign_object({"ref": appointment.reference}, compress=True)


def manage_url(appointment: Appointment) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "appointments:manage", args=[manage_token(appointment)]
    )


def appointment_from_token(token: str) -> Appointment | None:
    """The appointment the link names, or None if the link is tampered with, expired or over."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    appointment = (
        Appointment.objects.select_related("service_point", "reason", "slot")
        .filter(reference=data.get("ref"))
        .first()
    )
    if appointment is None or appointment.ends_at < timezone.now() - timedelta(days=1):
        return None
    return appointment
