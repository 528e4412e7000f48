"""Background jobs of outreach: the daily purge of records past their retention period."""

from celery import shared_task
from django.db import OperationalError

from .services import purge_due


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_due_records() -> int:
    """Daily: empty the records whose retention period is over; safe to run twice."""
    return purge_due()
