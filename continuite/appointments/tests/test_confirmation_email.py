"""A booking's confirmation reaches a real SMTP server once, even when delivery runs twice."""

import email
from email import policy

import pytest

from continuite.appointments.models import Mode, Slot
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync
from continuite.notifications.models import Message
from continuite.notifications.tasks import deliver_message
from continuite.testing import wait_until

from .factories import OpeningRangeFactory

pytestmark = [pytest.mark.celery]


def test_the_confirmation_email_of_one_booking_arrives_once(
    celery_worker, smtp_server, finished_deliveries
):
    opening_range = OpeningRangeFactory()
    slots_sync(service_point=opening_range.service_point, horizon_days=10)
    slot = (
        Slot.objects.filter(service_point=opening_range.service_point).order_by("starts_at").first()
    )
    appointment = appointment_book(
        slot_id=slot.pk,
        reason=opening_range.reasons.get(),
        mode=Mode.ON_SITE,
        name="Camille Martin",
        phone="06 12 34 56 78",
        email="camille.martin@example.org",
    )
    message = Message.objects.get(channel="email")
    deliver_message.delay(message.pk)  # a second run of the same task, as after a retry
    assert wait_until(lambda: len([f for f in finished_deliveries if f[0] == message.pk]) >= 2)
    assert len(smtp_server.envelopes) == 1
    received = email.message_from_bytes(smtp_server.envelopes[0].content, policy=policy.default)
    assert received["To"] == "camille.martin@example.org"
    assert appointment.reference in received.get_body(("plain",)).get_content()
    calendars = [
        part for part in received.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert len(calendars) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
