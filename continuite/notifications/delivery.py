"""Delivering one outbox message: locked, sent once, retried on temporary failures."""

import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .backends import SmsError, sms_backend
from .models import Message

MAX_ATTEMPTS = 8


@dataclass
class Outcome:
    status: str
    retry: bool = False


def _send(message: Message) -> str:
    if message.channel == Message.Channel.SMS:
        return sms_backend().send(to=message.to, body=message.body, reference=message.dedup_key)
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"X-Continuite-Message": message.dedup_key},
    )
    if message.attachment_name:
        email.attach(
            message.attachment_name, message.attachment_content, message.attachment_mimetype
        )
    email.send(fail_silently=False)
    return ""


def message_deliver(*, message_id: int) -> Outcome:
    """Send a pending message. Two workers on the same message: one sends, the other sees it sent."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != Message.Status.PENDING:
            return Outcome(message.status if message else "missing")
        message.attempts += 1
        try:
            provider_id = _send(message)
        except (SmsError, smtplib.SMTPException, OSError) as exc:
            message.last_error = str(exc)[:2000]
            permanent = getattr(exc, "permanent", False) or isinstance(
                exc, smtplib.SMTPRecipientsRefused
            )
            if permanent or message.attempts >= MAX_ATTEMPTS:
                message.status = Message.Status.FAILED
            message.save(update_fields=["attempts", "last_error", "status"])
            return Outcome(message.status, retry=message.status == Message.Status.PENDING)
        message.status, message.sent_at, message.provider_id = (
            Message.Status.SENT,
            timezone.now(),
            provider_id,
        )
        message.last_error = ""
        message.save(update_fields=["status", "sent_at", "provider_id", "attempts", "last_error"])
        return Outcome(message.status)


@transaction.atomic
def message_mark_delivered(*, provider_id: str, delivered: bool, detail: str = "") -> int:
    """Record a provider's delivery receipt; returns how many messages it matched."""
    messages = (
        Message.objects.select_for_update().filter(provider_id=provider_id).exclude(provider_id="")
    )
    count = 0
    for message in messages:
        if delivered:
            message.status, message.delivered_at = Message.Status.DELIVERED, timezone.now()
        else:
            message.status, message.last_error = Message.Status.FAILED, detail[:2000]
        message.save(update_fields=["status", "delivered_at", "last_error"])
        count += 1
    return count
