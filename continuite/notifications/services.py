"""Putting messages in the outbox; a Celery worker delivers them after commit."""

from dataclasses import dataclass

from django.db import transaction

from .models import Message


@dataclass
class Attachment:
    name: str
    content: str
    mimetype: str


def message_enqueue(
    *,
    channel: str,
    to: str,
    body: str,
    dedup_key: str,
    subject: str = "",
    attachment: Attachment | None = None,
) -> Message:
    """Write a message to the outbox in the caller's transaction; delivery is queued on commit.

    A second call with the same dedup_key returns the first message and queues nothing more.
    """
    message, created = Message.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "channel": channel,
            "to": to,
            "subject": subject,
            "body": body,
            "attachment_name": attachment.name if attachment else "",
            "attachment_content": attachment.content if attachment else "",
            "attachment_mimetype": attachment.mimetype if attachment else "",
        },
    )
    if created:
        from .tasks import deliver_message

        transaction.on_commit(lambda: deliver_message.delay(message.pk))
    return message
