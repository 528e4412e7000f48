"""Delivery of outbox messages by Celery workers."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .delivery import message_deliver
from .models import Message


@shared_task(bind=True, max_retries=8, acks_late=True)
def deliver_message(self, message_id: int) -> str:
    """Send one outbox message; safe to run twice (a sent message is never sent again)."""
    outcome = message_deliver(message_id=message_id)
    if outcome.retry:
        raise self.retry(countdown=min(3600, 30 * 2**self.request.retries))
    return outcome.status


@shared_task
def deliver_pending() -> int:
    """Every few minutes: queue again what a lost task or a stopped worker left in the outbox."""
    stale = timezone.now() - timedelta(minutes=5)
    ids = list(
        Message.objects.filter(status=Message.Status.PENDING, created_at__lt=stale).values_list(
            "pk", flat=True
        )[:1000]
    )
    for message_id in ids:
        deliver_message.delay(message_id)
    return len(ids)
