"""Delivering one outbox message: locked, sent once, retried on temporary failures."""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from .backends import SmsError, sms_backend
from .models import Message

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A message never tried this long after its creation was lost (task dropped, worker stopped).
SWEEP_AFTER = timedelta(minutes=5)


@dataclass
class Outcome:
    status: str
    retry: bool = False
    attempts: int = 0


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the attempts-th failed attempt: 30 s, 1 min, 2 min… up to 1 hour."""
    return min(3600, 30 * 2 ** max(0, attempts - 1))


def pending_overdue(now: datetime) -> QuerySet[Message]:
    """Pending messages whose next attempt is overdue, oldest first.

    A message tried n times is retried by its own Celery task after retry_delay(1) + … +
    retry_delay(n); only when that whole schedule (counted from its creation) and SWEEP_AFTER
    have passed is it considered lost. Re-queuing it earlier would start a second retry chain
    and burn its attempts within minutes of a provider outage.
    """
    overdue = Q()
    elapsed = SWEEP_AFTER
    for attempts in range(MAX_ATTEMPTS):
        overdue |= Q(attempts=attempts, created_at__lt=now - elapsed)
        elapsed += timedelta(seconds=retry_delay(attempts + 1))
    overdue |= Q(attempts__gte=MAX_ATTEMPTS, created_at__lt=now - elapsed)
    return Message.objects.filter(overdue, status=Message.Status.PENDING).order_by("created_at")


def message_compose(message: Message) -> Message:
    """Fill in a message left to its composer (once: a composed message keeps its text)."""
    if message.body or not message.composer:
        return message
    composed = import_string(message.composer)(message)
    message.subject, message.body = composed.subject, composed.body
    if composed.attachment:
        message.attachment_name = composed.attachment.name
        message.attachment_content = composed.attachment.content
        message.attachment_mimetype = composed.attachment.mimetype
    message.save(
        update_fields=[
            "subject",
            "body",
            "attachment_name",
            "attachment_content",
            "attachment_mimetype",
        ]
    )
    return message


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


def _is_permanent(exc: Exception) -> bool:
    """Refusals that retrying cannot fix; 4xx SMTP replies (greylisting, full mailbox) are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return getattr(exc, "permanent", False)


def message_deliver(*, message_id: int) -> Outcome:
    """Send a pending message. Two workers on the same message: one sends, the other sees it sent.

    Every attempt is counted, whatever the error: an unexpected exception must not roll the
    attempt back, or the sweep would send the message again every few minutes, forever.
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != Message.Status.PENDING:
            return Outcome(message.status if message else "missing")
        message.attempts += 1
        try:
            provider_id = _send(message_compose(message))
        except Exception as exc:
            if not isinstance(exc, SmsError | smtplib.SMTPException | OSError):
                logger.exception("Unexpected error delivering message %s", message.pk)
            message.last_error = (str(exc) or type(exc).__name__)[:2000]
            if _is_permanent(exc) or message.attempts >= MAX_ATTEMPTS:
                message.status = Message.Status.FAILED
            message.save(update_fields=["attempts", "last_error", "status"])
            return Outcome(
                message.status,
                retry=message.status == Message.Status.PENDING,
                attempts=message.attempts,
            )
        message.status, message.sent_at, message.provider_id = (
            Message.Status.SENT,
            timezone.now(),
            provider_id,
        )
        message.last_error = ""
        message.save(update_fields=["status", "sent_at", "provider_id", "attempts", "last_error"])
        return Outcome(message.status, attempts=message.attempts)


@transaction.atomic
def message_mark_delivered(*, provider_id: str, delivered: bool, detail: str = "") -> int:
    """Record a provider's delivery receipt; returns how many messages it matched.

    Idempotent: the same receipt twice changes nothing the second time. "Delivered" is final (a
    later failure receipt does not undo it) and wins over an earlier failure receipt.
    """
    messages = (
        Message.objects.select_for_update().filter(provider_id=provider_id).exclude(provider_id="")
    )
    count = 0
    for message in messages:
        count += 1
        if delivered and message.status != Message.Status.DELIVERED:
            message.status, message.delivered_at = Message.Status.DELIVERED, timezone.now()
        elif not delivered and message.status == Message.Status.SENT:
            message.status, message.last_error = Message.Status.FAILED, detail[:2000]
        else:
            continue
        message.save(update_fields=["status", "delivered_at", "last_error"])
    return count
