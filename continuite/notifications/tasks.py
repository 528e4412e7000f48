"""Delivery of outbox messages by Celery workers."""

from celery import shared_task
from django.utils import timezone

from .delivery import MAX_ATTEMPTS, message_deliver, pending_overdue, retry_delay

SWEEP_BATCH = 1000


@shared_task(bind=True, max_retries=MAX_ATTEMPTS, acks_late=True)
def deliver_message(self, message_id: int) -> str:
    """Send one outbox message; safe to run twice (a sent message is never sent again).

    The delay before a retry follows the message's own attempt count, not this task's retry
    count, so that the deliver_pending sweep knows when a retry is overdue.
    """
    outcome = message_deliver(message_id=message_id)
    if outcome.retry:
        raise self.retry(countdown=retry_delay(outcome.attempts))
    return outcome.status


@shared_task(acks_late=True)
def queue_deliveries(message_ids: list[int]) -> int:
    """Queue the delivery of each message of a batch written at once (a closure tells thousands).

    Lost with a stopped worker, its messages are still found by the deliver_pending sweep.
    """
    for message_id in message_ids:
        deliver_message.delay(message_id)
    return len(message_ids)


@shared_task
def deliver_pending() -> int:
    """Every few minutes: queue again what a lost task or a stopped worker left in the outbox.

    Only messages older than 5 minutes that were never tried, or whose retry is overdue; oldest
    first, so that a backlog cannot starve them.
    """
    ids = list(pending_overdue(timezone.now()).values_list("pk", flat=True)[:SWEEP_BATCH])
    for message_id in ids:
        deliver_message.delay(message_id)
    return len(ids)
