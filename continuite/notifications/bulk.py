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
    for message in messages:
        if not message.body and not message.composer:
            raise ValueError("a message needs a body or a composer")
        if not message.dedup_key:
            raise ValueError("a message needs a dedup_key")
    created = Message.objects.bulk_create(messages)
    ids = [message.pk for message in created]

    def queue() -> None:
        from .tasks import queue_deliveries

        # One task fans the deliveries out from a worker: the writer publishes once per batch.
        queue_deliveries.delay(ids)

    # Robust: the messages are committed; a broker outage is left to the deliver_pending sweep.
    transaction.on_commit(queue, robust=True)
    return created
