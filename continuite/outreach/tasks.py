"""Background jobs of outreach: the daily purge of records past their retention period, the
daily call lists of campaigns and the expiry of call reservations."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .calllists import daily_call_lists as call_lists_build
from .calllists import reservations_expire
from .services import purge_due


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_due_records() -> int:
    """Daily: empty the records whose retention period is over; safe to run twice."""
    return purge_due()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def daily_call_lists() -> int:
    """Daily: today's calls of the running campaigns, assigned to callers; safe to run twice."""
    _created, assigned = call_lists_build(day=timezone.localdate())
    return assigned


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_call_reservations() -> int:
    """Reservations not worked in time go back to the call lists."""
    return reservations_expire()
