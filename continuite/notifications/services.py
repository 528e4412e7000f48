"""Putting messages in the outbox (and back in it from the admin); a Celery worker delivers them."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .budget import sms_budget_allows
from .bulk import deliveries_queue
from .models import Message


@dataclass
class Composed:
    """What a composer returns: the message's text, and the file attached to an email."""

    body: str
    subject: str = ""
    attachment: "Attachment | None" = None


@dataclass
class Attachment:
    """A file sent with an email (the .ics of an appointment)."""

    name: str
    content: str
    mimetype: str


def message_enqueue(**fields) -> Message:
    """Write a message to the outbox in the caller's transaction; delivery is queued on commit.

    The fields are `message_build`'s: either the text is given, or a composer (the dotted path
    of a function taking the message and returning a `Composed`) that the worker calls before
    sending. A second call with the same dedup_key returns the first message and queues
    nothing more.
    """
    return outbox_add(message_build(**fields))


def message_build(
    *,
    channel: str,
    to: str,
    dedup_key: str,
    body: str = "",
    subject: str = "",
    attachment: Attachment | None = None,
    composer: str = "",
    composer_args: dict | None = None,
) -> Message:
    """An unsaved outbox message: its channel, recipient and dedup_key, and either its text
    (with a subject and an attachment for an email) or its composer and the composer's
    arguments."""
    if not body and not composer:
        raise ValueError("a message needs a body or a composer")
    return Message(
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        attachment_name=attachment.name if attachment else "",
        attachment_content=attachment.content if attachment else "",
        attachment_mimetype=attachment.mimetype if attachment else "",
        composer=composer,
        composer_args=composer_args or {},
        dedup_key=dedup_key,
    )


def outbox_add(message: Message) -> Message:
    """Write an unsaved message in the caller's transaction and queue its delivery on commit;
    a message of the same dedup_key already there is returned instead, and nothing is queued.
    An SMS beyond the public requests' daily budget (`sms_budget_allows`) is returned unsaved."""
    if not sms_budget_allows(message):
        return message
    # Insert first (the usual case: a new event); only a repeated event reads the first row.
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return Message.objects.get(dedup_key=message.dedup_key)
    deliveries_queue([message.pk])
    return message


def messages_retry(*, message_ids: list[int]) -> list[int]:
    """Put failed or pending messages back in the outbox and queue their delivery on commit.

    Failed messages get a fresh set of attempts; sent and delivered ones are left alone.
    Returns the ids queued.
    """
    from .tasks import deliver_message

    with transaction.atomic():
        retryable = Message.objects.select_for_update().filter(
            pk__in=message_ids, status__in=(Message.Status.PENDING, Message.Status.FAILED)
        )
        queued = list(retryable.order_by("pk").values_list("pk", flat=True))
        Message.objects.filter(pk__in=queued, status=Message.Status.FAILED).update(
            status=Message.Status.PENDING, attempts=0
        )
        for message_id in queued:
            transaction.on_commit(
                lambda message_id=message_id: deliver_message.delay(message_id), robust=True
            )
    return queued
