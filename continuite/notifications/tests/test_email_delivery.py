"""An email goes out over real SMTP, through a real Celery worker, exactly once."""

import email
from email import policy

import pytest
from django.db import transaction

from continuite.notifications.delivery import message_deliver
from continuite.notifications.models import Message
from continuite.notifications.services import Attachment, message_enqueue
from continuite.notifications.tasks import deliver_message
from continuite.testing import wait_until

pytestmark = [pytest.mark.celery]

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Continuite//Rendez-vous//FR\r\n"
    "BEGIN:VEVENT\r\nUID:RDV-1@continuite\r\nSUMMARY:Carte grise\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_an_email_queued_three_times_reaches_the_smtp_server_once_with_its_ics(
    delivery_worker, smtp_server, finished_deliveries
):
    with transaction.atomic():
        message = message_enqueue(
            channel=Message.Channel.EMAIL,
            to="camille.martin@example.org",
            subject="Votre rendez-vous est confirmé",
            body="Rendez-vous le 12 mars à 10 h.",
            dedup_key="appointment:1:confirmation:email",
            attachment=Attachment("rendez-vous.ics", ICS, "text/calendar"),
        )
    # The commit queued one task; a retried task and a sweep queue two more.
    deliver_message.delay(message.pk)
    deliver_message.delay(message.pk)
    assert wait_until(lambda: len(finished_deliveries) == 3)
    assert finished_deliveries == [(message.pk, "sent")] * 3
    assert message_deliver(message_id=message.pk).status == "sent"

    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["camille.martin@example.org"]
    received = email.message_from_bytes(envelope.content, policy=policy.default)
    assert received["Subject"] == "Votre rendez-vous est confirmé"
    assert received["X-Continuite-Message"] == "appointment:1:confirmation:email"
    (attachment,) = received.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "rendez-vous.ics"
    assert "UID:RDV-1@continuite" in attachment.get_content()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)
    assert message.sent_at is not None
