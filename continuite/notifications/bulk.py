"""Putting many messages in the outbox at once (a closure tells thousands of people)."""

from django.db import transaction

from .models import Message


def messages_enqueue_bulk(messages: list[Message]) -> list[Message]:
    """Write unsaved messages (each with its composer or text, and a dedup_key) in one statement.

    Same promise as `message_enqueue`: written in the caller's transaction, each delivered by a
    worker after commit. The callers keep their own dedup keys new (a repeated key fails the
    transaction instead of silently skipping a person).
    """
    if not messages:
        return []
    messages_check(messages)
    created = Message.objects.bulk_create(messages)
    deliveries_queue([message.pk for message in created])
    return created


def messages_check(messages: list[Message]) -> None:
    """Refuse (ValueError) unsaved messages that could not be sent or told apart."""
    for message in messages:
        if not message.body and not message.composer:
            raise ValueError("a message needs a body or a composer")
        if not message.dedup_key:
            raise ValueError("a message needs a dedup_key")


def deliveries_queue(ids: list[int]) -> None:
    """Queue the delivery of messages just written, once the caller's transaction commits.

    One publication to the broker for them all, from a batch of the process's commits
    (`publisher`): a single message is queued itself, a batch by one task that fans the
    deliveries out from a worker.
    """
    if not ids:
        return
    from .publisher import deliveries_publish

    # Robust: the messages are committed whatever happens when they are queued. A broker outage
    # (or, when tasks run eagerly, a failed send) is logged and left to the deliver_pending
    # sweep, instead of failing the caller's request after its commit.
    transaction.on_commit(lambda: deliveries_publish(ids), robust=True)
